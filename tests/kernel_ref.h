/*
 * kernel_ref.h: shared by the kernel tests (tests/test_kernels_*.c): running one op
 * through a session on fed inputs, and the reader of reference cases that
 * tests/tf/gen_kernel_refs.py writes with TensorFlow (tests/data/kernels/NAME.txt), one
 * test per case. A case file is lines of whitespace-separated words:
 *   case NAME OP                  a new case of op type OP
 *   attr NAME KIND VALUES...      KIND: b (bool 0/1), i (int), f (float), s (string),
 *                                 t (dtype name), li (count, then ints)
 *   in DTYPE RANK DIMS... VALUES...   the next input (fed to a placeholder of unknown
 *                                 shape); bools as 0/1
 *   inlist N                      the next N "in" lines are one list input
 *   out DTYPE RANK DIMS... VALUES...  the next output's expected value
 *   tol RTOL ATOL                 float tolerance (default 1e-5 1e-6; exact for ints)
 *   end
 * Header-only: each test includes it once.
 */
#ifndef TFC_KERNEL_REF_H
#define TFC_KERNEL_REF_H

#include <math.h>
#include <stdlib.h>

#include "test_util.h"

#define KR_MAX_IN 16
#define KR_MAX_OUT 8

/* Runs a session on g fetching outs (values into vals, caller frees), feeding
 * feeds; intra-op threads as given (0: default). The status is st. */
static inline void kr_run(tfc_graph *g, const tfc_output *feeds, tfc_tensor *const *fvals,
			  int nf, const tfc_output *outs, tfc_tensor **vals, int no,
			  tfc_operation *const *targets, int nt, int intra, tfc_status *st)
{
	tfc_session_options *o = tfc_session_options_new();
	if (intra > 0) {
		char b[16];
		snprintf(b, sizeof(b), "%d", intra);
		tfc_session_options_set_config_value(o, "intra_op_parallelism_threads", b, st);
	}
	tfc_session *s = tfc_session_new(g, o, st);
	tfc_session_options_free(o);
	for (int i = 0; i < no; i++)
		vals[i] = NULL;
	if (!s)
		return;
	tfc_session_run(s, NULL, 0, feeds, fvals, nf, outs, vals, no, targets, nt, NULL, st);
	tfc_status *st2 = tfc_status_new();
	tfc_session_close(s, st2);
	tfc_status_free(st2);
	tfc_session_free(s);
}

/* Compares got with want: dtype, shape, then values (floats within rtol/atol, NaN
 * equal to NaN; others exactly). On mismatch writes a diagnosis to why. */
static inline bool kr_close(const tfc_tensor *got, const tfc_tensor *want, double rtol,
			    double atol, char *why, size_t n)
{
	if (!got) {
		snprintf(why, n, "no value");
		return false;
	}
	tfc_shape gs = tfc_tensor_shape(got), ws = tfc_tensor_shape(want);
	char a[48], b[48];
	tfc_shape_format(&gs, a, sizeof(a));
	tfc_shape_format(&ws, b, sizeof(b));
	if (tfc_tensor_dtype(got) != tfc_tensor_dtype(want) || strcmp(a, b) != 0) {
		snprintf(why, n, "got %s %s, expected %s %s", tfc_dtype_name(tfc_tensor_dtype(got)),
			 a, tfc_dtype_name(tfc_tensor_dtype(want)), b);
		return false;
	}
	int64_t ne = tfc_tensor_num_elements(want);
	tfc_dtype dt = tfc_tensor_dtype(want);
	const void *g = tfc_tensor_data(got), *w = tfc_tensor_data(want);
	for (int64_t i = 0; i < ne; i++) {
		double x, y;
		if (dt == TFC_FLOAT) {
			x = ((const float *)g)[i];
			y = ((const float *)w)[i];
		} else if (dt == TFC_DOUBLE) {
			x = ((const double *)g)[i];
			y = ((const double *)w)[i];
		} else {
			size_t es = tfc_dtype_size(dt);
			if (memcmp((const char *)g + i * es, (const char *)w + i * es, es) != 0) {
				snprintf(why, n, "element %lld differs", (long long)i);
				return false;
			}
			continue;
		}
		if (isnan(x) && isnan(y))
			continue;
		if (isinf(x) || isinf(y) ? x != y : fabs(x - y) > atol + rtol * fabs(y)) {
			snprintf(why, n, "element %lld: got %.9g, expected %.9g", (long long)i, x, y);
			return false;
		}
	}
	return true;
}

/* ---- the case reader */

struct kr_case {
	char name[96], op[64];
	tfc_op_desc *d;            /* the op being built */
	tfc_graph *g;
	tfc_output feeds[KR_MAX_IN];
	tfc_tensor *fvals[KR_MAX_IN];
	int nf;
	tfc_tensor *want[KR_MAX_OUT];
	int nw;
	double rtol, atol;
};

/* Reads a tensor "DTYPE RANK DIMS... VALUES..." from the words at *p. */
static inline tfc_tensor *kr_parse_tensor(char **p)
{
	char *save = NULL;
	(void)save;
	char *w = strtok(NULL, " \t\n");
	if (!w)
		return NULL;
	tfc_dtype dt = tfc_dtype_from_name(w);
	int rank = atoi(strtok(NULL, " \t\n"));
	int64_t dims[8] = {0};
	for (int i = 0; i < rank; i++)
		dims[i] = strtoll(strtok(NULL, " \t\n"), NULL, 10);
	tfc_tensor *t = tfc_tensor_new(dt, dims, rank, NULL);
	int64_t ne = tfc_tensor_num_elements(t);
	void *v = tfc_tensor_data(t);
	for (int64_t i = 0; i < ne; i++) {
		char *s = strtok(NULL, " \t\n");
		if (!s)
			break;
		switch (dt) {
		case TFC_FLOAT: ((float *)v)[i] = strtof(s, NULL); break;
		case TFC_DOUBLE: ((double *)v)[i] = strtod(s, NULL); break;
		case TFC_INT32: ((int32_t *)v)[i] = (int32_t)strtol(s, NULL, 10); break;
		case TFC_INT64: ((int64_t *)v)[i] = strtoll(s, NULL, 10); break;
		case TFC_BOOL: case TFC_UINT8: ((uint8_t *)v)[i] = (uint8_t)atoi(s); break;
		case TFC_INT8: ((int8_t *)v)[i] = (int8_t)atoi(s); break;
		case TFC_INT16: ((int16_t *)v)[i] = (int16_t)atoi(s); break;
		default: break;
		}
	}
	(void)p;
	return t;
}

/* A placeholder of t's dtype and unknown shape, fed t (taken). */
static inline tfc_output kr_feed(struct kr_case *c, tfc_tensor *t, tfc_status *st)
{
	char nm[32];
	snprintf(nm, sizeof(nm), "in%d", c->nf);
	tfc_operation *p = t_placeholder(c->g, nm, tfc_tensor_dtype(t), -1, NULL, st);
	tfc_output o = {p, 0};
	c->feeds[c->nf] = o;
	c->fvals[c->nf++] = t;
	return o;
}

/* Runs the case and reports one TAP result. */
static inline void kr_finish(struct kr_case *c, tfc_status *st)
{
	tfc_operation *op = tfc_op_finish(c->d, st);
	c->d = NULL;
	tfc_tensor *got[KR_MAX_OUT] = {NULL};
	bool pass = false;
	char why[256] = "";
	if (!op) {
		snprintf(why, sizeof(why), "building: %s", tfc_status_message(st));
	} else {
		tfc_output outs[KR_MAX_OUT];
		for (int i = 0; i < c->nw; i++)
			outs[i] = (tfc_output){op, i};
		kr_run(c->g, c->feeds, c->fvals, c->nf, outs, got, c->nw, NULL, 0, 0, st);
		if (tfc_status_code(st) != TFC_OK) {
			snprintf(why, sizeof(why), "run: %s", tfc_status_message(st));
		} else {
			pass = true;
			for (int i = 0; i < c->nw && pass; i++) {
				pass = kr_close(got[i], c->want[i], c->rtol, c->atol, why, sizeof(why));
				if (!pass) {
					char tmp[256];
					snprintf(tmp, sizeof(tmp), "output %d: %s", i, why);
					memcpy(why, tmp, sizeof(why));
				}
			}
		}
	}
	ok(pass, "%s (%s)", c->name, c->op);
	if (!pass)
		diag("  %s", why);
	for (int i = 0; i < c->nw; i++) {
		tfc_tensor_free(got[i]);
		tfc_tensor_free(c->want[i]);
	}
	for (int i = 0; i < c->nf; i++)
		tfc_tensor_free(c->fvals[i]);
	tfc_graph_free(c->g);
	c->g = NULL;
}

/* Runs every case of the reference file rel (under tests/data/kernels/) whose op
 * type is in ops (NULL-terminated; NULL: all). Returns the number of cases. */
static inline int kr_run_file(const char *rel, const char *const *ops)
{
	char path[1024];
	const char *top = getenv("top_srcdir");
	snprintf(path, sizeof(path), "%s/tests/data/kernels/%s", top ? top : ".", rel);
	FILE *f = fopen(path, "r");
	if (!f) {
		ok(0, "open %s", path);
		return 0;
	}
	tfc_status *st = tfc_status_new();
	struct kr_case c;
	memset(&c, 0, sizeof(c));
	bool active = false;
	int list_left = 0, list_n = 0, cases = 0;
	tfc_output list[KR_MAX_IN];
	size_t cap = 1 << 20;
	char *line = malloc(cap);
	while (getline(&line, &cap, f) > 0) {
		char *w = strtok(line, " \t\n");
		if (!w)
			continue;
		if (strcmp(w, "case") == 0) {
			snprintf(c.name, sizeof(c.name), "%s", strtok(NULL, " \t\n"));
			snprintf(c.op, sizeof(c.op), "%s", strtok(NULL, " \t\n"));
			active = !ops;
			for (int i = 0; ops && ops[i]; i++)
				active |= strcmp(ops[i], c.op) == 0;
			if (!active)
				continue;
			c.g = tfc_graph_new();
			c.nf = c.nw = 0;
			c.rtol = 1e-5;
			c.atol = 1e-6;
			tfc_status_set(st, TFC_OK, NULL);
			c.d = tfc_op_new(c.g, c.op, "node");
			cases++;
		} else if (!active) {
			continue;
		} else if (strcmp(w, "attr") == 0) {
			char *nm = strtok(NULL, " \t\n"), *k = strtok(NULL, " \t\n");
			char *v = strtok(NULL, " \t\n");
			if (strcmp(k, "b") == 0) {
				tfc_op_set_attr_bool(c.d, nm, atoi(v) != 0);
			} else if (strcmp(k, "i") == 0) {
				tfc_op_set_attr_int(c.d, nm, strtoll(v, NULL, 10));
			} else if (strcmp(k, "f") == 0) {
				tfc_op_set_attr_float(c.d, nm, strtof(v, NULL));
			} else if (strcmp(k, "s") == 0) {
				tfc_op_set_attr_string(c.d, nm, v, strlen(v));
			} else if (strcmp(k, "t") == 0) {
				tfc_op_set_attr_type(c.d, nm, tfc_dtype_from_name(v));
			} else if (strcmp(k, "li") == 0) {
				int n = atoi(v);
				int64_t vals[32];
				for (int i = 0; i < n && i < 32; i++)
					vals[i] = strtoll(strtok(NULL, " \t\n"), NULL, 10);
				tfc_op_set_attr_int_list(c.d, nm, vals, n);
			}
		} else if (strcmp(w, "inlist") == 0) {
			list_left = list_n = atoi(strtok(NULL, " \t\n"));
			if (list_n == 0)
				tfc_op_add_input_list(c.d, list, 0);
		} else if (strcmp(w, "in") == 0) {
			tfc_output o = kr_feed(&c, kr_parse_tensor(NULL), st);
			if (list_left > 0) {
				list[list_n - list_left] = o;
				if (--list_left == 0)
					tfc_op_add_input_list(c.d, list, list_n);
			} else {
				tfc_op_add_input(c.d, o);
			}
		} else if (strcmp(w, "out") == 0) {
			c.want[c.nw++] = kr_parse_tensor(NULL);
		} else if (strcmp(w, "tol") == 0) {
			c.rtol = strtod(strtok(NULL, " \t\n"), NULL);
			c.atol = strtod(strtok(NULL, " \t\n"), NULL);
		} else if (strcmp(w, "end") == 0) {
			kr_finish(&c, st);
			active = false;
		}
	}
	free(line);
	fclose(f);
	tfc_status_free(st);
	return cases;
}

/* ---- bad input: one op on fed inputs must fail with code and a message that
 * contains each of the given fragments (the node's name among them). */

static inline void kr_expect_error(tfc_graph *g, tfc_operation *op, const tfc_output *feeds,
				   tfc_tensor **fvals, int nf, tfc_code code, const char *frag,
				   const char *what)
{
	tfc_status *st = tfc_status_new();
	tfc_tensor *out = NULL;
	if (!op) {
		ok(0, "%s: building failed", what);
		diag("  %s", "op is NULL");
	} else {
		tfc_output o = {op, 0};
		bool no_outputs = tfc_operation_num_outputs(op) == 0;
		kr_run(g, feeds, fvals, nf, &o, &out, no_outputs ? 0 : 1, no_outputs ? &op : NULL,
		       no_outputs ? 1 : 0, 0, st);
		const char *m = tfc_status_message(st);
		bool pass = tfc_status_code(st) == code && m && strstr(m, frag) &&
			    strstr(m, tfc_operation_name(op));
		ok(pass, "%s", what);
		if (!pass)
			diag("  got code %d: %s", (int)tfc_status_code(st), m ? m : "");
	}
	tfc_tensor_free(out);
	for (int i = 0; i < nf; i++)
		tfc_tensor_free(fvals[i]);
	tfc_status_free(st);
}

#endif /* TFC_KERNEL_REF_H */
