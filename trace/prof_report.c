/*
 * prof_report.c: tfc-prof's views (trace/prof.h): a run's rows aggregated by op type,
 * node, name scope (a tree: self and total per scope), device or step, with count,
 * total, self, mean, median/p90/p99 over steps, share of all op time, FLOPs and
 * GFLOP/s, output bytes, peak memory and parameters; sorted, filtered and cut to
 * --top; printed as a table that fits the terminal, as CSV or as JSON; and two such
 * views compared row by row.
 *
 * Aggregation is one pass over the rows with integer keys (an op, node, device or
 * step index); rows come step by step, so each key's per-step sum is closed when a
 * row of a later step arrives, and the quantiles are taken over those sums.
 */
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prof_internal.h"

static const struct {
	const char *key, *heading, *alias;
} cols[PF_COL_COUNT_] = {
	[PF_COL_NAME] = {"name", "name", NULL},
	[PF_COL_COUNT] = {"count", "count", "calls"},
	[PF_COL_TOTAL] = {"total_us", "total", "total"},
	[PF_COL_SELF] = {"self_us", "self", "self"},
	[PF_COL_MEAN] = {"mean_us", "mean", "mean"},
	[PF_COL_MEDIAN] = {"median_us", "median", "median"},
	[PF_COL_P90] = {"p90_us", "p90", "p90"},
	[PF_COL_P99] = {"p99_us", "p99", "p99"},
	[PF_COL_PCT] = {"pct", "%", "percent"},
	[PF_COL_FLOPS] = {"flops", "FLOPs", "float_ops"},
	[PF_COL_GFLOPS] = {"gflops_per_s", "GFLOP/s", "gflops"},
	[PF_COL_BYTES] = {"output_bytes", "out bytes", "bytes"},
	[PF_COL_PEAK] = {"peak_bytes", "peak mem", "peak"},
	[PF_COL_PARAMS] = {"params", "params", "parameters"},
	[PF_COL_WALL] = {"wall_us", "wall", "wall"},
	[PF_COL_UTIL] = {"util_pct", "busy %", "util"},
	[PF_COL_OP] = {"op", "op", "type"},
	[PF_COL_STEP_PCT] = {"step_pct", "step%", "step%"},
};

const char *pf_col_key(pf_col c) { return c < PF_COL_COUNT_ ? cols[c].key : "?"; }
const char *pf_col_heading(pf_col c) { return c < PF_COL_COUNT_ ? cols[c].heading : "?"; }

int pf_col_parse(const char *s)
{
	for (int i = 0; i < PF_COL_COUNT_; i++)
		if (strcmp(s, cols[i].key) == 0 || (cols[i].alias && strcmp(s, cols[i].alias) == 0) ||
		    strcmp(s, cols[i].heading) == 0)
			return i;
	if (strcmp(s, "micros") == 0 || strcmp(s, "time") == 0)
		return PF_COL_TOTAL;
	if (strcmp(s, "occurrence") == 0)
		return PF_COL_COUNT;
	return -1;
}

/* ---------------------------------------------------------------- aggregation */

typedef struct acc {
	int64_t count;
	int64_t total_ns, self_ns;
	int64_t out_bytes, peak;
	double flops;
	bool flops_known;
	int64_t params;
	int32_t last_step;
	int64_t cur;        /* this key's sum in last_step */
	double *vals;       /* per-step sums, steps where it ran */
	int64_t n_vals, cap_vals;
	double wall_ns, busy_ns;
} acc;

static bool acc_add(acc *a, int32_t step, int64_t t)
{
	if (a->last_step != step) {
		if (a->last_step >= 0) {
			if (a->n_vals == a->cap_vals) {
				int64_t c = a->cap_vals ? a->cap_vals * 2 : 4;
				double *v = realloc(a->vals, (size_t)c * sizeof(double));
				if (!v)
					return false;
				a->vals = v;
				a->cap_vals = c;
			}
			a->vals[a->n_vals++] = (double)a->cur;
		}
		a->last_step = step;
		a->cur = 0;
	}
	a->cur += t;
	return true;
}

static bool acc_close(acc *a)
{
	return acc_add(a, INT32_MAX, 0);
}

static void acc_free(acc *a, int n)
{
	for (int i = 0; i < n; i++)
		free(a[i].vals);
	free(a);
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Busy time (the union of op intervals) of rows [lo, hi) whose device is dev (-1:
 * any), and their wall span; times in ns. */
static void busy_wall(const pf_data *d, int64_t lo, int64_t hi, int dev, int64_t *iv, double *busy,
		      double *wall)
{
	int64_t n = 0;
	for (int64_t i = lo; i < hi; i++) {
		const pf_row *r = &d->rows[i];
		if (dev >= 0 && r->dev != dev)
			continue;
		int64_t t = pf_row_time(r);
		int64_t s = r->start_ns + (r->op_end || r->op_start ? r->op_start : 0);
		iv[2 * n] = s;
		iv[2 * n + 1] = s + t;
		n++;
	}
	*busy = *wall = 0;
	if (n == 0)
		return;
	/* sort pairs by start: pack as (start, end) pairs */
	qsort(iv, (size_t)n, 2 * sizeof(int64_t), cmp_i64);
	int64_t cs = iv[0], ce = iv[1], first = iv[0], last = iv[1];
	for (int64_t i = 1; i < n; i++) {
		int64_t s = iv[2 * i], e = iv[2 * i + 1];
		if (e > last)
			last = e;
		if (s > ce) {
			*busy += (double)(ce - cs);
			cs = s;
			ce = e;
		} else if (e > ce) {
			ce = e;
		}
	}
	*busy += (double)(ce - cs);
	/* the wall span from the rows' all_start to all_end */
	int64_t w0 = INT64_MAX, w1 = INT64_MIN;
	for (int64_t i = lo; i < hi; i++) {
		const pf_row *r = &d->rows[i];
		if (dev >= 0 && r->dev != dev)
			continue;
		if (r->start_ns < w0)
			w0 = r->start_ns;
		if (r->start_ns + r->all_end > w1)
			w1 = r->start_ns + r->all_end;
	}
	(void)first;
	*wall = (double)(w1 - w0);
	if (*wall < *busy)
		*wall = *busy;
}

/* The scope tree: an entry per name and per prefix of a name. */
typedef struct scope_tree {
	char **name;
	int32_t *parent;
	int32_t *depth;
	int n, cap;
	pf_strtab by_name;
	int32_t *node_entry; /* d->nodes index -> the scope its time counts in */
	int32_t root;        /* "(top level)": ops outside any scope; -1 until needed */
} scope_tree;

static void scope_tree_free(scope_tree *t)
{
	pf_strtab_clear(&t->by_name);
	for (int i = 0; i < t->n; i++)
		free(t->name[i]);
	free(t->name);
	free(t->parent);
	free(t->depth);
	free(t->node_entry);
}

/* The entry of name (and its prefixes), made if missing; -1 out of memory. */
static int32_t scope_entry(scope_tree *t, const char *name)
{
	int32_t e = pf_strtab_get(&t->by_name, name);
	if (e >= 0)
		return e;
	int32_t parent = -1;
	const char *slash = strrchr(name, '/');
	if (slash && slash != name) {
		char *p = malloc((size_t)(slash - name) + 1);
		if (!p)
			return -1;
		memcpy(p, name, (size_t)(slash - name));
		p[slash - name] = '\0';
		parent = scope_entry(t, p);
		free(p);
		if (parent < 0)
			return -1;
	}
	if (t->n == t->cap) {
		int c = t->cap ? t->cap * 2 : 64;
		char **nm = realloc(t->name, (size_t)c * sizeof(char *));
		if (!nm)
			return -1;
		t->name = nm;
		int32_t *pa = realloc(t->parent, (size_t)c * sizeof(int32_t));
		if (!pa)
			return -1;
		t->parent = pa;
		int32_t *de = realloc(t->depth, (size_t)c * sizeof(int32_t));
		if (!de)
			return -1;
		t->depth = de;
		t->cap = c;
	}
	char *copy = xstrdup(name);
	if (!copy)
		return -1;
	e = t->n;
	t->name[e] = copy;
	t->parent[e] = parent;
	t->depth[e] = parent < 0 ? 0 : t->depth[parent] + 1;
	t->n++;
	/* keys are borrowed: the strings live in t->name */
	if (!pf_strtab_put(&t->by_name, copy, e))
		return -1;
	return e;
}

#define TOP_LEVEL "(top level)"

static bool is_variable(const char *op)
{
	return strcmp(op, "VariableV2") == 0 || strcmp(op, "Variable") == 0 ||
	       strcmp(op, "VarHandleOp") == 0;
}

/* Makes the entries of name's proper prefixes ("a/b/c": a and a/b). */
static bool scope_parents(scope_tree *t, const char *name)
{
	const char *slash = strrchr(name, '/');
	if (!slash || slash == name)
		return true;
	char *p = malloc((size_t)(slash - name) + 1);
	if (!p)
		return false;
	memcpy(p, name, (size_t)(slash - name));
	p[slash - name] = '\0';
	bool ok = scope_entry(t, p) >= 0;
	free(p);
	return ok;
}

/* The scope an op's time counts in: the op's own name when that is a scope too (a
 * variable "w" with "w/read" under it), else the scope around it, else the top
 * level. -1 out of memory. */
static int32_t scope_of(scope_tree *t, const char *name)
{
	int32_t e = pf_strtab_get(&t->by_name, name);
	if (e >= 0)
		return e;
	const char *slash = strrchr(name, '/');
	if (slash && slash != name) {
		char *p = malloc((size_t)(slash - name) + 1);
		if (!p)
			return -1;
		memcpy(p, name, (size_t)(slash - name));
		p[slash - name] = '\0';
		e = pf_strtab_get(&t->by_name, p);
		free(p);
		if (e >= 0)
			return e;
	}
	if (t->root < 0)
		t->root = scope_entry(t, TOP_LEVEL);
	return t->root;
}

static int n_keys_of(const pf_data *d, pf_by by)
{
	switch (by) {
	case PF_BY_TYPE: return d->n_ops;
	case PF_BY_NODE: return d->n_nodes;
	case PF_BY_DEVICE: return d->n_devices;
	case PF_BY_STEP: return d->n_steps;
	case PF_BY_SCOPE: return 0;
	}
	return 0;
}

static int32_t key_of(const pf_data *d, pf_by by, const pf_row *r)
{
	switch (by) {
	case PF_BY_TYPE: return d->nodes[r->node].op;
	case PF_BY_NODE: return r->node;
	case PF_BY_DEVICE: return r->dev;
	case PF_BY_STEP: return r->step;
	case PF_BY_SCOPE: return 0;
	}
	return 0;
}

/* Sorting rows. */
static pf_col sort_col;
static bool sort_asc;

static double stat_value(const pf_stat *s, pf_col c)
{
	switch (c) {
	case PF_COL_COUNT: return (double)s->count;
	case PF_COL_TOTAL: return s->total_us;
	case PF_COL_SELF: return s->self_us;
	case PF_COL_MEAN: return s->mean_us;
	case PF_COL_MEDIAN: return s->median_us;
	case PF_COL_P90: return s->p90_us;
	case PF_COL_P99: return s->p99_us;
	case PF_COL_PCT: return s->pct;
	case PF_COL_FLOPS: return s->flops;
	case PF_COL_GFLOPS: return s->gflops;
	case PF_COL_BYTES: return (double)s->out_bytes;
	case PF_COL_PEAK: return (double)s->peak_bytes;
	case PF_COL_PARAMS: return (double)s->params;
	case PF_COL_WALL: return s->wall_us;
	case PF_COL_UTIL: return s->util_pct;
	case PF_COL_STEP_PCT: return s->step_pct;
	default: return 0;
	}
}

static int cmp_stat(const void *pa, const void *pb)
{
	const pf_stat *a = pa, *b = pb;
	int c;
	if (sort_col == PF_COL_NAME || sort_col == PF_COL_OP) {
		c = strcmp(sort_col == PF_COL_NAME ? a->name : (a->op ? a->op : ""),
			   sort_col == PF_COL_NAME ? b->name : (b->op ? b->op : ""));
		return sort_asc ? c : -c;
	}
	double x = stat_value(a, sort_col), y = stat_value(b, sort_col);
	c = (x > y) - (x < y);
	if (!sort_asc)
		c = -c;
	return c ? c : strcmp(a->name, b->name);
}

static void stat_free(pf_stat *s)
{
	free(s->name);
	free(s->op);
	free(s->device);
}

void pf_table_free(pf_table *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->n_rows; i++)
		stat_free(&t->rows[i]);
	free(t->rows);
	free(t);
}

static void fill_stat(pf_stat *s, acc *a, double grand_ns, bool with_flops)
{
	s->count = a->count;
	s->total_us = (double)a->total_ns / 1e3;
	s->self_us = (double)a->self_ns / 1e3;
	s->mean_us = a->count ? s->total_us / (double)a->count : 0;
	s->median_us = pf_quantile(a->vals, a->n_vals, 0.5) / 1e3;
	s->p90_us = pf_quantile(a->vals, a->n_vals, 0.9) / 1e3;
	s->p99_us = pf_quantile(a->vals, a->n_vals, 0.99) / 1e3;
	s->pct = grand_ns > 0 ? 100.0 * (double)a->self_ns / grand_ns : 0;
	s->flops = with_flops && a->flops_known ? a->flops : -1;
	s->gflops = s->flops >= 0 && a->total_ns > 0 ? s->flops / (double)a->total_ns : -1;
	s->out_bytes = a->out_bytes;
	s->peak_bytes = a->peak;
	s->params = a->params;
	s->wall_us = a->wall_ns / 1e3;
	s->util_pct = a->wall_ns > 0 ? 100.0 * a->busy_ns / a->wall_ns : 0;
}

/* Scope view order: depth first, children by total time, most first. */
struct ent {
	int32_t parent;
	int64_t total;
	int32_t i;
};

static int cmp_ent(const void *x, const void *y)
{
	const struct ent *a = x, *b = y;
	if (a->parent != b->parent)
		return (a->parent > b->parent) - (a->parent < b->parent);
	if (a->total != b->total)
		return (a->total < b->total) - (a->total > b->total);
	return (a->i > b->i) - (a->i < b->i);
}

static int32_t *scope_order(const scope_tree *t, const acc *a, int *n_out)
{
	int32_t *order = malloc(((size_t)t->n + 1) * sizeof(int32_t));
	int32_t *start = malloc(((size_t)t->n + 2) * sizeof(int32_t));
	int32_t *stack = malloc(((size_t)t->n + 1) * sizeof(int32_t));
	struct ent *e = malloc(((size_t)t->n + 1) * sizeof(*e));
	int n = 0, sp = 0;
	if (!order || !start || !stack || !e) {
		free(order);
		order = NULL;
		goto cleanup;
	}
	for (int i = 0; i < t->n; i++)
		e[i] = (struct ent){t->parent[i], a[i].total_ns, i};
	/* grouped by parent (roots, parent -1, first), then by total, most first */
	qsort(e, (size_t)t->n, sizeof(*e), cmp_ent);
	for (int i = 0; i < t->n + 2; i++)
		start[i] = -1;
	for (int i = t->n - 1; i >= 0; i--)
		start[e[i].parent + 1] = i;
	/* parent p's children are e[start[p + 1]] onward while e[].parent == p; pushed in
	 * reverse so the largest comes out first */
	for (int32_t p = -1;;) {
		int c0 = start[p + 1];
		if (c0 >= 0) {
			int c1 = c0;
			while (c1 < t->n && e[c1].parent == p)
				c1++;
			for (int i = c1 - 1; i >= c0; i--)
				stack[sp++] = e[i].i;
		}
		if (sp == 0)
			break;
		p = stack[--sp];
		order[n++] = p;
	}
	*n_out = n;
cleanup:
	free(start);
	free(stack);
	free(e);
	return order;
}

pf_table *pf_table_build(const pf_data *d, const pf_view *v, tfc_status *st)
{
	pf_table *t = calloc(1, sizeof(*t));
	acc *a = NULL;
	int n_keys = 0;
	scope_tree tree;
	memset(&tree, 0, sizeof(tree));
	tree.root = -1;
	int32_t *order = NULL;
	int64_t *iv = NULL;
	regex_t re_match, re_hide;
	bool have_match = false, have_hide = false;
	if (!t)
		goto oom;
	t->by = v->by;
	t->n_steps = d->n_steps;
	t->run_id = d->run_id;
	if (v->match) {
		int rc = regcomp(&re_match, v->match, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[256];
			regerror(rc, &re_match, msg, sizeof(msg));
			tfc_status_set(st, TFC_INVALID_ARGUMENT, "bad --match regex '%s': %s", v->match, msg);
			goto fail;
		}
		have_match = true;
	}
	if (v->hide) {
		int rc = regcomp(&re_hide, v->hide, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[256];
			regerror(rc, &re_hide, msg, sizeof(msg));
			tfc_status_set(st, TFC_INVALID_ARGUMENT, "bad --hide regex '%s': %s", v->hide, msg);
			goto fail;
		}
		have_hide = true;
	}
	/* keys */
	if (v->by == PF_BY_SCOPE) {
		tree.node_entry = malloc(((size_t)d->n_nodes + 1) * sizeof(int32_t));
		if (!tree.node_entry)
			goto oom;
		/* the scopes: every proper prefix of a name, made before any op is placed */
		for (int i = 0; i < d->n_nodes; i++)
			if (!scope_parents(&tree, d->nodes[i].name))
				goto oom;
		/* and of the graph's names, so "w" is a scope when "w/read" exists there */
		for (size_t i = 0; d->graph && i < d->graph->gd->n_node; i++)
			if (!scope_parents(&tree, d->graph->gd->node[i]->name))
				goto oom;
		for (int i = 0; i < d->n_nodes; i++)
			if ((tree.node_entry[i] = scope_of(&tree, d->nodes[i].name)) < 0)
				goto oom;
		/* variables of the graph that did not run still carry parameters */
		if (d->graph)
			for (size_t i = 0; i < d->graph->gd->n_node; i++) {
				const Tensorflow__NodeDef *n = d->graph->gd->node[i];
				if (is_variable(n->op) && (!scope_parents(&tree, n->name) || scope_of(&tree, n->name) < 0))
					goto oom;
			}
		n_keys = tree.n;
	} else {
		n_keys = n_keys_of(d, v->by);
	}
	a = calloc((size_t)n_keys + 1, sizeof(acc));
	if (!a)
		goto oom;
	for (int i = 0; i < n_keys; i++)
		a[i].last_step = -1;
	/* one pass over the rows */
	int64_t grand = 0;
	for (int64_t i = 0; i < d->n_rows; i++) {
		const pf_row *r = &d->rows[i];
		int64_t tm = pf_row_time(r);
		const pf_node *pn = &d->nodes[r->node];
		grand += tm;
		int32_t k = v->by == PF_BY_SCOPE ? tree.node_entry[r->node] : key_of(d, v->by, r);
		acc *x = &a[k];
		bool counts = pf_row_counts(d, r);
		x->self_ns += tm;
		/* counts, totals and the rest go to the entry and, for scopes, its parents */
		for (int32_t e = k; e >= 0; e = v->by == PF_BY_SCOPE ? tree.parent[e] : -1) {
			x = &a[e];
			x->count += counts;
			x->total_ns += tm;
			x->out_bytes += r->out_bytes;
			if (r->peak > x->peak)
				x->peak = r->peak;
			if (pn->flops >= 0 && counts) {
				x->flops += pn->flops;
				x->flops_known = true;
			}
			if (!acc_add(x, r->step, tm))
				goto oom;
		}
	}
	t->grand_total_us = (double)grand / 1e3;
	for (int s = 0; s < d->n_steps; s++) {
		int64_t s0 = INT64_MAX, s1 = INT64_MIN;
		for (int64_t i = d->steps[s].row_lo; i < d->steps[s].row_hi; i++) {
			const pf_row *r = &d->rows[i];
			if (r->start_ns < s0)
				s0 = r->start_ns;
			if (r->start_ns + r->all_end > s1)
				s1 = r->start_ns + r->all_end;
		}
		if (s1 > s0)
			t->step_wall_us += (double)(s1 - s0) / 1e3;
	}
	for (int i = 0; i < n_keys; i++)
		if (!acc_close(&a[i]))
			goto oom;
	/* parameters: once per node (not per execution) */
	if (v->by == PF_BY_SCOPE) {
		for (int i = 0; i < d->n_nodes; i++)
			for (int32_t e = tree.node_entry[i]; e >= 0 && d->nodes[i].params; e = tree.parent[e])
				a[e].params += d->nodes[i].params;
		if (d->graph) {
			pf_strtab ran = {0};
			for (int i = 0; i < d->n_nodes; i++)
				if (!pf_strtab_put(&ran, d->nodes[i].name, i)) {
					pf_strtab_clear(&ran);
					goto oom;
				}
			for (size_t i = 0; i < d->graph->gd->n_node; i++) {
				const Tensorflow__NodeDef *n = d->graph->gd->node[i];
				if (!is_variable(n->op) || pf_strtab_get(&ran, n->name) >= 0)
					continue;
				int32_t e = scope_of(&tree, n->name);
				const Tensorflow__AttrValue *sa = pf_node_attr(n, "shape");
				if (e < 0 || !sa || sa->value_case != TENSORFLOW__ATTR_VALUE__VALUE_SHAPE ||
				    !sa->shape || sa->shape->unknown_rank)
					continue;
				int64_t p = 1;
				for (size_t k = 0; k < sa->shape->n_dim; k++)
					p *= sa->shape->dim[k]->size < 0 ? 0 : sa->shape->dim[k]->size;
				for (; e >= 0; e = tree.parent[e])
					a[e].params += p;
			}
			pf_strtab_clear(&ran);
		}
	} else if (v->by == PF_BY_TYPE || v->by == PF_BY_NODE) {
		for (int i = 0; i < d->n_nodes; i++)
			a[v->by == PF_BY_TYPE ? d->nodes[i].op : i].params += d->nodes[i].params;
	}
	/* wall time and busy time: devices and steps */
	if (v->by == PF_BY_DEVICE || v->by == PF_BY_STEP) {
		int64_t maxn = 0;
		for (int s = 0; s < d->n_steps; s++)
			if (d->steps[s].row_hi - d->steps[s].row_lo > maxn)
				maxn = d->steps[s].row_hi - d->steps[s].row_lo;
		iv = malloc(((size_t)maxn + 1) * 2 * sizeof(int64_t));
		if (!iv)
			goto oom;
		for (int s = 0; s < d->n_steps; s++) {
			const pf_step *sp = &d->steps[s];
			double busy, wall;
			if (v->by == PF_BY_STEP) {
				busy_wall(d, sp->row_lo, sp->row_hi, -1, iv, &busy, &wall);
				a[s].busy_ns += busy;
				a[s].wall_ns += wall;
			} else {
				for (int dv = 0; dv < d->n_devices; dv++) {
					busy_wall(d, sp->row_lo, sp->row_hi, dv, iv, &busy, &wall);
					a[dv].busy_ns += busy;
					a[dv].wall_ns += wall;
				}
			}
		}
	}
	/* rows */
	t->rows = calloc((size_t)n_keys + 1, sizeof(pf_stat));
	if (!t->rows)
		goto oom;
	int n_order = n_keys;
	if (v->by == PF_BY_SCOPE && !(order = scope_order(&tree, a, &n_order)))
		goto oom;
	for (int oi = 0; oi < n_order; oi++) {
		int i = order ? order[oi] : oi;
		pf_stat s;
		memset(&s, 0, sizeof(s));
		const char *name;
		char stepname[64];
		switch (v->by) {
		case PF_BY_TYPE: name = d->ops[i]; break;
		case PF_BY_NODE: name = d->nodes[i].name; break;
		case PF_BY_DEVICE: name = d->devices[i]; break;
		case PF_BY_STEP:
			snprintf(stepname, sizeof(stepname), "%lld", (long long)d->steps[i].step);
			name = stepname;
			break;
		default: name = tree.name[i]; break;
		}
		if (a[i].count == 0 && a[i].total_ns == 0 && v->by != PF_BY_STEP &&
		    (a[i].params == 0 || v->by != PF_BY_SCOPE))
			continue;
		if (v->by == PF_BY_SCOPE) {
			if (v->max_depth > 0 && tree.depth[i] >= v->max_depth)
				continue;
			if (v->max_depth > 0 && tree.depth[i] == v->max_depth - 1)
				a[i].self_ns = a[i].total_ns; /* everything below is folded in */
			s.depth = tree.depth[i];
		} else if (v->by != PF_BY_SCOPE) {
			a[i].self_ns = a[i].total_ns;
		}
		t->total_rows++;
		fill_stat(&s, &a[i], (double)grand, true);
		s.step_pct = t->step_wall_us > 0 ? 100.0 * s.total_us / t->step_wall_us : 0;
		if (s.total_us < v->min_us)
			continue;
		if (have_match && regexec(&re_match, name, 0, NULL, 0) != 0)
			continue;
		if (have_hide && regexec(&re_hide, name, 0, NULL, 0) == 0)
			continue;
		s.name = xstrdup(name);
		if (v->by == PF_BY_NODE) {
			s.op = xstrdup(d->ops[d->nodes[i].op]);
		}
		if (!s.name || (v->by == PF_BY_NODE && !s.op)) {
			stat_free(&s);
			goto oom;
		}
		t->rows[t->n_rows++] = s;
	}
	/* order: the view's default, or --order-by */
	if (v->by != PF_BY_SCOPE || v->order_by >= 0) {
		sort_col = v->order_by >= 0 ? (pf_col)v->order_by
			   : v->by == PF_BY_STEP ? PF_COL_NAME : PF_COL_TOTAL;
		sort_asc = v->order_by >= 0 ? v->ascending
			   : v->by == PF_BY_STEP ? true : false;
		if (v->by == PF_BY_STEP && sort_col == PF_COL_NAME) {
			/* steps: numerically, already in order */
			if (!sort_asc)
				for (int i = 0; i < t->n_rows / 2; i++) {
					pf_stat tmp = t->rows[i];
					t->rows[i] = t->rows[t->n_rows - 1 - i];
					t->rows[t->n_rows - 1 - i] = tmp;
				}
		} else {
			qsort(t->rows, (size_t)t->n_rows, sizeof(pf_stat), cmp_stat);
		}
	}
	if (v->top > 0 && t->n_rows > v->top) {
		for (int i = v->top; i < t->n_rows; i++)
			stat_free(&t->rows[i]);
		t->n_rows = v->top;
	}
	/* which columns have something */
	t->has[PF_COL_NAME] = t->has[PF_COL_COUNT] = t->has[PF_COL_TOTAL] = true;
	t->has[PF_COL_SELF] = v->by == PF_BY_SCOPE;
	t->has[PF_COL_MEAN] = t->has[PF_COL_PCT] = true;
	t->has[PF_COL_MEDIAN] = t->has[PF_COL_P90] = t->has[PF_COL_P99] =
		v->by != PF_BY_STEP && d->n_steps > 1;
	t->has[PF_COL_WALL] = t->has[PF_COL_UTIL] = v->by == PF_BY_DEVICE || v->by == PF_BY_STEP;
	t->has[PF_COL_OP] = v->by == PF_BY_NODE;
	t->has[PF_COL_STEP_PCT] = v->by != PF_BY_STEP;
	for (int i = 0; i < t->n_rows; i++) {
		const pf_stat *s = &t->rows[i];
		if (s->flops >= 0 && v->by != PF_BY_DEVICE && v->by != PF_BY_STEP)
			t->has[PF_COL_FLOPS] = t->has[PF_COL_GFLOPS] = true;
		if (s->out_bytes > 0)
			t->has[PF_COL_BYTES] = true;
		if (s->peak_bytes > 0)
			t->has[PF_COL_PEAK] = true;
		if (s->params > 0)
			t->has[PF_COL_PARAMS] = true;
	}
	goto done;
oom:
	tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory building the report");
fail:
	pf_table_free(t);
	t = NULL;
done:
	if (have_match)
		regfree(&re_match);
	if (have_hide)
		regfree(&re_hide);
	acc_free(a, n_keys);
	scope_tree_free(&tree);
	free(order);
	free(iv);
	return t;
}

/* ---------------------------------------------------------------- printing */

static const char *view_name(pf_by by)
{
	static const char *const n[] = {"type", "node", "scope", "device", "step"};
	return n[by];
}

/* The columns of a view, in the order shown; priority = the order columns are given
 * up when the terminal is narrow (from the end). */
static int view_cols(const pf_table *t, pf_col *out)
{
	static const pf_col order[] = {PF_COL_NAME, PF_COL_OP, PF_COL_COUNT, PF_COL_TOTAL,
				       PF_COL_SELF, PF_COL_PCT, PF_COL_STEP_PCT, PF_COL_MEAN, PF_COL_WALL,
				       PF_COL_UTIL, PF_COL_MEDIAN, PF_COL_P90, PF_COL_P99,
				       PF_COL_PARAMS, PF_COL_FLOPS, PF_COL_GFLOPS, PF_COL_BYTES,
				       PF_COL_PEAK};
	int n = 0;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (t->has[order[i]])
			out[n++] = order[i];
	return n;
}

static void fmt_count(double v, char *buf, size_t n)
{
	/* SI suffixes for big counts: 1.23K, 4.56M, 7.89G */
	if (v < 0)
		snprintf(buf, n, "-");
	else if (v < 1e4)
		snprintf(buf, n, "%.0f", v);
	else if (v < 1e6)
		snprintf(buf, n, "%.2fK", v / 1e3);
	else if (v < 1e9)
		snprintf(buf, n, "%.2fM", v / 1e6);
	else if (v < 1e12)
		snprintf(buf, n, "%.2fG", v / 1e9);
	else
		snprintf(buf, n, "%.2fT", v / 1e12);
}

static void fmt_bytes(int64_t v, char *buf, size_t n)
{
	double x = (double)v;
	if (v <= 0)
		snprintf(buf, n, "-");
	else if (x < 1024)
		snprintf(buf, n, "%lldB", (long long)v);
	else if (x < 1024 * 1024)
		snprintf(buf, n, "%.2fKB", x / 1024);
	else if (x < 1024.0 * 1024 * 1024)
		snprintf(buf, n, "%.2fMB", x / (1024 * 1024));
	else
		snprintf(buf, n, "%.2fGB", x / (1024.0 * 1024 * 1024));
}

static void cell_text(const pf_table *t, const pf_stat *s, pf_col c, char *buf, size_t n)
{
	(void)t;
	switch (c) {
	case PF_COL_NAME: snprintf(buf, n, "%s", s->name); break;
	case PF_COL_OP: snprintf(buf, n, "%s", s->op ? s->op : ""); break;
	case PF_COL_COUNT: snprintf(buf, n, "%lld", (long long)s->count); break;
	case PF_COL_TOTAL: pf_fmt_us(s->total_us, buf, n); break;
	case PF_COL_SELF: pf_fmt_us(s->self_us, buf, n); break;
	case PF_COL_MEAN: pf_fmt_us(s->mean_us, buf, n); break;
	case PF_COL_MEDIAN: pf_fmt_us(s->median_us, buf, n); break;
	case PF_COL_P90: pf_fmt_us(s->p90_us, buf, n); break;
	case PF_COL_P99: pf_fmt_us(s->p99_us, buf, n); break;
	case PF_COL_PCT: snprintf(buf, n, "%.2f%%", s->pct); break;
	case PF_COL_FLOPS: fmt_count(s->flops, buf, n); break;
	case PF_COL_GFLOPS:
		if (s->gflops < 0)
			snprintf(buf, n, "-");
		else
			snprintf(buf, n, "%.3f", s->gflops);
		break;
	case PF_COL_BYTES: fmt_bytes(s->out_bytes, buf, n); break;
	case PF_COL_PEAK: fmt_bytes(s->peak_bytes, buf, n); break;
	case PF_COL_PARAMS:
		if (s->params <= 0)
			snprintf(buf, n, "-");
		else
			fmt_count((double)s->params, buf, n);
		break;
	case PF_COL_WALL: pf_fmt_us(s->wall_us, buf, n); break;
	case PF_COL_UTIL: snprintf(buf, n, "%.1f%%", s->util_pct); break;
	case PF_COL_STEP_PCT: snprintf(buf, n, "%.2f%%", s->step_pct); break;
	default: buf[0] = '\0';
	}
}

static void print_table(const pf_table *t, FILE *f, int width)
{
	pf_col c[PF_COL_COUNT_];
	int nc = view_cols(t, c);
	int w[PF_COL_COUNT_];
	char buf[1024];
	for (int j = 0; j < nc; j++)
		w[j] = (int)strlen(pf_col_heading(c[j]));
	for (int i = 0; i < t->n_rows; i++)
		for (int j = 0; j < nc; j++) {
			cell_text(t, &t->rows[i], c[j], buf, sizeof(buf));
			int len = (int)strlen(buf) + (c[j] == PF_COL_NAME && t->by == PF_BY_SCOPE
							 ? 2 * t->rows[i].depth : 0);
			if (len > w[j])
				w[j] = len;
		}
	/* fit: drop columns from the end, then shorten the name column (to 16 at least) */
	if (width > 0) {
		for (;;) {
			int total = 0;
			for (int j = 0; j < nc; j++)
				total += w[j] + (j ? 2 : 0);
			if (total <= width)
				break;
			int name_min = 16;
			int excess = total - width;
			if (w[0] - excess >= name_min) {
				w[0] -= excess;
				break;
			}
			if (nc <= 3) {
				w[0] = w[0] - excess > 8 ? w[0] - excess : 8;
				break;
			}
			nc--;
		}
	}
	for (int j = 0; j < nc; j++) {
		bool left = c[j] == PF_COL_NAME || c[j] == PF_COL_OP;
		fprintf(f, "%s%*s%s", j ? "  " : "", left ? 0 : w[j], pf_col_heading(c[j]),
			left ? "" : "");
		if (left)
			fprintf(f, "%*s", w[j] - (int)strlen(pf_col_heading(c[j])), "");
	}
	fputc('\n', f);
	for (int i = 0; i < t->n_rows; i++) {
		const pf_stat *s = &t->rows[i];
		for (int j = 0; j < nc; j++) {
			cell_text(t, s, c[j], buf, sizeof(buf));
			if (j)
				fputs("  ", f);
			if (c[j] == PF_COL_NAME || c[j] == PF_COL_OP) {
				int indent = c[j] == PF_COL_NAME && t->by == PF_BY_SCOPE ? 2 * s->depth : 0;
				int room = w[j] - indent;
				if (room < 4) {
					indent = 0;
					room = w[j];
				}
				int len = (int)strlen(buf);
				fprintf(f, "%*s", indent, "");
				if (len > room) /* keep the end of long names: it tells them apart */
					fprintf(f, "...%s", buf + len - (room - 3));
				else
					fprintf(f, "%s%*s", buf, room - len, "");
			} else {
				fprintf(f, "%*s", w[j], buf);
			}
		}
		fputc('\n', f);
	}
}

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Raw values for CSV and JSON: microseconds with 3 decimals, plain integers. */
static void raw_value(const pf_stat *s, pf_col c, char *buf, size_t n)
{
	switch (c) {
	case PF_COL_COUNT: snprintf(buf, n, "%lld", (long long)s->count); break;
	case PF_COL_BYTES: snprintf(buf, n, "%lld", (long long)s->out_bytes); break;
	case PF_COL_PEAK: snprintf(buf, n, "%lld", (long long)s->peak_bytes); break;
	case PF_COL_PARAMS: snprintf(buf, n, "%lld", (long long)s->params); break;
	case PF_COL_FLOPS:
		if (s->flops < 0)
			snprintf(buf, n, "null");
		else
			snprintf(buf, n, "%.0f", s->flops);
		break;
	case PF_COL_GFLOPS:
		if (s->gflops < 0)
			snprintf(buf, n, "null");
		else
			snprintf(buf, n, "%.6g", s->gflops);
		break;
	case PF_COL_PCT: snprintf(buf, n, "%.4f", s->pct); break;
	case PF_COL_UTIL: snprintf(buf, n, "%.4f", s->util_pct); break;
	case PF_COL_STEP_PCT: snprintf(buf, n, "%.4f", s->step_pct); break;
	default: snprintf(buf, n, "%.3f", stat_value(s, c)); break;
	}
}

/* All columns of a view for CSV and JSON (what the view computes, known or not). */
static int data_cols(const pf_table *t, pf_col *out)
{
	int n = 0;
	out[n++] = PF_COL_NAME;
	if (t->by == PF_BY_NODE)
		out[n++] = PF_COL_OP;
	static const pf_col rest[] = {PF_COL_COUNT, PF_COL_TOTAL, PF_COL_SELF, PF_COL_MEAN,
				      PF_COL_MEDIAN, PF_COL_P90, PF_COL_P99, PF_COL_PCT, PF_COL_STEP_PCT,
				      PF_COL_FLOPS, PF_COL_GFLOPS, PF_COL_BYTES, PF_COL_PEAK,
				      PF_COL_PARAMS};
	for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++)
		out[n++] = rest[i];
	if (t->by == PF_BY_DEVICE || t->by == PF_BY_STEP) {
		out[n++] = PF_COL_WALL;
		out[n++] = PF_COL_UTIL;
	}
	return n;
}

void pf_table_print(const pf_table *t, FILE *f, pf_format fmt, int width, tfc_status *st)
{
	pf_col c[PF_COL_COUNT_];
	char buf[64];
	if (fmt == PF_FORMAT_TABLE) {
		print_table(t, f, width);
	} else if (fmt == PF_FORMAT_CSV) {
		int nc = data_cols(t, c);
		if (t->by == PF_BY_SCOPE)
			fputs("depth,", f);
		for (int j = 0; j < nc; j++)
			fprintf(f, "%s%s", j ? "," : "", pf_col_key(c[j]));
		fputc('\n', f);
		for (int i = 0; i < t->n_rows; i++) {
			const pf_stat *s = &t->rows[i];
			if (t->by == PF_BY_SCOPE)
				fprintf(f, "%d,", s->depth);
			for (int j = 0; j < nc; j++) {
				if (j)
					fputc(',', f);
				if (c[j] == PF_COL_NAME || c[j] == PF_COL_OP) {
					csv_field(f, c[j] == PF_COL_NAME ? s->name : (s->op ? s->op : ""));
				} else {
					raw_value(s, c[j], buf, sizeof(buf));
					fputs(strcmp(buf, "null") == 0 ? "" : buf, f);
				}
			}
			fputc('\n', f);
		}
	} else {
		int nc = data_cols(t, c);
		pf_buf b = {0};
		pf_buf_printf(&b, "{\"run\":%lld,\"by\":\"%s\",\"steps\":%d,\"total_us\":%.3f,\"rows\":[",
			      (long long)t->run_id, view_name(t->by), t->n_steps, t->grand_total_us);
		for (int i = 0; i < t->n_rows; i++) {
			const pf_stat *s = &t->rows[i];
			pf_buf_puts(&b, i ? ",\n{" : "\n{");
			if (t->by == PF_BY_SCOPE)
				pf_buf_printf(&b, "\"depth\":%d,", s->depth);
			for (int j = 0; j < nc; j++) {
				pf_buf_printf(&b, "%s\"%s\":", j ? "," : "", pf_col_key(c[j]));
				if (c[j] == PF_COL_NAME || c[j] == PF_COL_OP) {
					pf_buf_json_string(&b, c[j] == PF_COL_NAME ? s->name : (s->op ? s->op : ""));
				} else {
					raw_value(s, c[j], buf, sizeof(buf));
					pf_buf_add(&b, buf, strlen(buf));
				}
			}
			pf_buf_puts(&b, "}");
		}
		pf_buf_puts(&b, "\n]}\n");
		if (b.oom) {
			free(b.s);
			tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory writing JSON");
			return;
		}
		fwrite(b.s, 1, b.len, f);
		free(b.s);
	}
	if (ferror(f))
		tfc_status_set(st, TFC_INTERNAL, "could not write the report");
}

/* ---------------------------------------------------------------- compare */

typedef struct cmp_row {
	const char *name;
	double before, after; /* per step, us; < 0: absent */
} cmp_row;

static int cmp_change(const void *pa, const void *pb)
{
	const cmp_row *a = pa, *b = pb;
	double da = fabs((a->after < 0 ? 0 : a->after) - (a->before < 0 ? 0 : a->before));
	double db = fabs((b->after < 0 ? 0 : b->after) - (b->before < 0 ? 0 : b->before));
	if (da != db)
		return da < db ? 1 : -1;
	return strcmp(a->name, b->name);
}

void pf_compare_print(const pf_table *a, const pf_table *b, const char *a_label,
		      const char *b_label, FILE *f, pf_format fmt, int width, int top,
		      tfc_status *st)
{
	cmp_row *r = calloc((size_t)(a->n_rows + b->n_rows) + 1, sizeof(cmp_row));
	pf_strtab idx = {0};
	int n = 0;
	if (!r)
		goto oom;
	double sa = a->n_steps > 0 ? a->n_steps : 1, sb = b->n_steps > 0 ? b->n_steps : 1;
	for (int i = 0; i < a->n_rows; i++) {
		r[n] = (cmp_row){a->rows[i].name, a->rows[i].total_us / sa, -1};
		if (!pf_strtab_put(&idx, a->rows[i].name, n))
			goto oom;
		n++;
	}
	for (int i = 0; i < b->n_rows; i++) {
		int32_t k = pf_strtab_get(&idx, b->rows[i].name);
		if (k >= 0) {
			r[k].after = b->rows[i].total_us / sb;
		} else {
			r[n++] = (cmp_row){b->rows[i].name, -1, b->rows[i].total_us / sb};
		}
	}
	qsort(r, (size_t)n, sizeof(cmp_row), cmp_change);
	if (top > 0 && n > top)
		n = top;
	char b1[32], b2[32], b3[32], b4[32];
	if (fmt == PF_FORMAT_JSON) {
		pf_buf o = {0};
		pf_buf_puts(&o, "{\"before\":");
		pf_buf_json_string(&o, a_label);
		pf_buf_puts(&o, ",\"after\":");
		pf_buf_json_string(&o, b_label);
		pf_buf_printf(&o, ",\"by\":\"%s\",\"rows\":[", view_name(a->by));
		for (int i = 0; i < n; i++) {
			pf_buf_puts(&o, i ? ",\n{\"name\":" : "\n{\"name\":");
			pf_buf_json_string(&o, r[i].name);
			if (r[i].before >= 0)
				pf_buf_printf(&o, ",\"before_us\":%.3f", r[i].before);
			else
				pf_buf_puts(&o, ",\"before_us\":null");
			if (r[i].after >= 0)
				pf_buf_printf(&o, ",\"after_us\":%.3f", r[i].after);
			else
				pf_buf_puts(&o, ",\"after_us\":null");
			double d = (r[i].after < 0 ? 0 : r[i].after) - (r[i].before < 0 ? 0 : r[i].before);
			pf_buf_printf(&o, ",\"delta_us\":%.3f", d);
			if (r[i].before > 0 && r[i].after >= 0)
				pf_buf_printf(&o, ",\"ratio\":%.4f}", r[i].after / r[i].before);
			else
				pf_buf_puts(&o, ",\"ratio\":null}");
		}
		pf_buf_puts(&o, "\n]}\n");
		if (o.oom) {
			free(o.s);
			goto oom;
		}
		fwrite(o.s, 1, o.len, f);
		free(o.s);
	} else if (fmt == PF_FORMAT_CSV) {
		fputs("name,before_us,after_us,delta_us,ratio\n", f);
		for (int i = 0; i < n; i++) {
			csv_field(f, r[i].name);
			double d = (r[i].after < 0 ? 0 : r[i].after) - (r[i].before < 0 ? 0 : r[i].before);
			if (r[i].before >= 0)
				fprintf(f, ",%.3f", r[i].before);
			else
				fputs(",", f);
			if (r[i].after >= 0)
				fprintf(f, ",%.3f", r[i].after);
			else
				fputs(",", f);
			fprintf(f, ",%.3f,", d);
			if (r[i].before > 0 && r[i].after >= 0)
				fprintf(f, "%.4f", r[i].after / r[i].before);
			fputc('\n', f);
		}
	} else {
		int wn = 4;
		for (int i = 0; i < n; i++)
			if ((int)strlen(r[i].name) > wn)
				wn = (int)strlen(r[i].name);
		int rest = 4 * (2 + 10) + 2 + 8;
		if (width > 0 && wn + rest > width)
			wn = width - rest > 16 ? width - rest : 16;
		fprintf(f, "before: %s\nafter:  %s\n(time per step)\n", a_label, b_label);
		fprintf(f, "%-*s  %10s  %10s  %10s  %8s\n", wn, "name", "before", "after", "change", "ratio");
		for (int i = 0; i < n; i++) {
			double d = (r[i].after < 0 ? 0 : r[i].after) - (r[i].before < 0 ? 0 : r[i].before);
			pf_fmt_us(r[i].before, b1, sizeof(b1));
			pf_fmt_us(r[i].after, b2, sizeof(b2));
			pf_fmt_us(fabs(d), b3 + 1, sizeof(b3) - 1);
			b3[0] = d < 0 ? '-' : '+';
			if (r[i].before > 0 && r[i].after >= 0)
				snprintf(b4, sizeof(b4), "%.2fx", r[i].after / r[i].before);
			else
				snprintf(b4, sizeof(b4), "%s", r[i].before < 0 ? "new" : "gone");
			const char *nm = r[i].name;
			int len = (int)strlen(nm);
			if (len > wn)
				fprintf(f, "...%s", nm + len - (wn - 3));
			else
				fprintf(f, "%-*s", wn, nm);
			fprintf(f, "  %10s  %10s  %10s  %8s\n", b1, b2, b3, b4);
		}
	}
	goto done;
oom:
	tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory comparing");
done:
	pf_strtab_clear(&idx);
	free(r);
}
