/*
 * test_kernels_train.c: the optimizer update kernels (kernels/training_kernels.c) in
 * both forms: each case of tests/data/kernels/training.txt (made by
 * tests/tf/gen_kernel_refs.py from TensorFlow's resource forms) runs as the resource
 * op on VarHandleOp variables and, where TensorFlow has one, as the ref op (Apply*)
 * on VariableV2 variables: the variables are assigned their start values, the update
 * runs twice, and the variable and slots must hold TensorFlow's values. Then bad
 * input: a gradient of the wrong shape, a non-scalar learning rate, an uninitialized
 * variable. Last, the scatter kernels (kernels/scatter_kernels.c) on hand-worked
 * values: ScatterAdd/Sub/Update, ResourceScatterAdd/Update, ResourceGather,
 * VariableShape, CountUpTo.
 */
#include "kernel_ref.h"

static tfc_status *st;

struct tcase {
	char name[96], op[64];
	tfc_tensor *in[12];
	int n_in;
	tfc_tensor *want[3];
	int n_want;
	char flag[32];
	bool flag_v;
};

static tfc_operation *ph(tfc_graph *g, const char *name, tfc_dtype dt)
{
	return t_placeholder(g, name, dt, -1, NULL, st);
}

/* Builds and runs one form; returns true when the values match. */
static bool run_form(const struct tcase *c, bool resource, char *why, size_t nwhy)
{
	const char *op = resource ? c->op : c->op + strlen("Resource");
	int ns = c->n_want;
	tfc_graph *g = tfc_graph_new();
	tfc_output feeds[12];
	tfc_operation *vars[3], *inits[3], *reads[3];
	tfc_dtype dt = tfc_tensor_dtype(c->in[0]);
	for (int k = 0; k < c->n_in; k++) {
		char nm[16];
		snprintf(nm, sizeof(nm), "p%d", k);
		feeds[k] = (tfc_output){ph(g, nm, tfc_tensor_dtype(c->in[k])), 0};
	}
	for (int k = 0; k < ns; k++) {
		char nm[16];
		snprintf(nm, sizeof(nm), "v%d", k);
		tfc_shape shp = tfc_tensor_shape(c->in[k]);
		tfc_op_desc *d = tfc_op_new(g, resource ? "VarHandleOp" : "VariableV2", nm);
		tfc_op_set_attr_type(d, "dtype", dt);
		tfc_op_set_attr_shape(d, "shape", &shp);
		vars[k] = tfc_op_finish(d, st);
		d = tfc_op_new(g, resource ? "AssignVariableOp" : "Assign", NULL);
		tfc_op_add_input(d, (tfc_output){vars[k], 0});
		tfc_op_add_input(d, feeds[k]);
		if (resource)
			tfc_op_set_attr_type(d, "dtype", dt);
		inits[k] = tfc_op_finish(d, st);
		if (resource) {
			d = tfc_op_new(g, "ReadVariableOp", NULL);
			tfc_op_add_input(d, (tfc_output){vars[k], 0});
			tfc_op_set_attr_type(d, "dtype", dt);
			reads[k] = tfc_op_finish(d, st);
		} else {
			d = tfc_op_new(g, "Identity", NULL);
			tfc_op_add_input(d, (tfc_output){vars[k], 0});
			reads[k] = tfc_op_finish(d, st);
		}
	}
	tfc_op_desc *d = tfc_op_new(g, op, "update");
	for (int k = 0; k < ns; k++)
		tfc_op_add_input(d, (tfc_output){vars[k], 0});
	for (int k = ns; k < c->n_in; k++)
		tfc_op_add_input(d, feeds[k]);
	if (c->flag[0])
		tfc_op_set_attr_bool(d, c->flag, c->flag_v);
	tfc_operation *upd = tfc_op_finish(d, st);
	bool pass = false;
	tfc_tensor *got[3] = {NULL, NULL, NULL};
	tfc_session *s = upd ? tfc_session_new(g, NULL, st) : NULL;
	if (!s) {
		snprintf(why, nwhy, "building: %s", tfc_status_message(st));
		goto out;
	}
	tfc_session_run(s, NULL, 0, feeds, c->in, c->n_in, NULL, NULL, 0, inits, ns, NULL, st);
	for (int i = 0; i < 2 && tfc_status_code(st) == TFC_OK; i++)
		tfc_session_run(s, NULL, 0, feeds, c->in, c->n_in, NULL, NULL, 0, &upd, 1, NULL, st);
	tfc_output fetch[3];
	for (int k = 0; k < ns; k++)
		fetch[k] = (tfc_output){reads[k], 0};
	if (tfc_status_code(st) == TFC_OK)
		tfc_session_run(s, NULL, 0, NULL, NULL, 0, fetch, got, ns, NULL, 0, NULL, st);
	if (tfc_status_code(st) != TFC_OK) {
		snprintf(why, nwhy, "run: %s", tfc_status_message(st));
		goto out;
	}
	pass = true;
	for (int k = 0; k < ns && pass; k++)
		pass = kr_close(got[k], c->want[k], 1e-5, 1e-6, why, nwhy);
out:
	for (int k = 0; k < 3; k++)
		tfc_tensor_free(got[k]);
	if (s) {
		tfc_status *s2 = tfc_status_new();
		tfc_session_close(s, s2);
		tfc_status_free(s2);
		tfc_session_free(s);
	}
	tfc_graph_free(g);
	return pass;
}

static void run_case(struct tcase *c)
{
	char why[256] = "";
	ok(run_form(c, true, why, sizeof(why)), "%s (resource form)", c->name);
	if (why[0])
		diag("  %s", why);
	if (strcmp(c->op, "ResourceApplyKerasMomentum") != 0) {
		why[0] = '\0';
		ok(run_form(c, false, why, sizeof(why)), "%s (ref form %s)", c->name,
		   c->op + strlen("Resource"));
		if (why[0])
			diag("  %s", why);
	}
}

static int run_file(void)
{
	char path[1024];
	const char *top = getenv("top_srcdir");
	snprintf(path, sizeof(path), "%s/tests/data/kernels/training.txt", top ? top : ".");
	FILE *f = fopen(path, "r");
	if (!f) {
		ok(0, "open %s", path);
		return 0;
	}
	struct tcase c;
	memset(&c, 0, sizeof(c));
	int n = 0;
	size_t cap = 1 << 16;
	char *line = malloc(cap);
	while (getline(&line, &cap, f) > 0) {
		char *w = strtok(line, " \t\n");
		if (!w)
			continue;
		if (strcmp(w, "case") == 0) {
			memset(&c, 0, sizeof(c));
			snprintf(c.name, sizeof(c.name), "%s", strtok(NULL, " \t\n"));
			snprintf(c.op, sizeof(c.op), "%s", strtok(NULL, " \t\n"));
		} else if (strcmp(w, "attr") == 0) {
			snprintf(c.flag, sizeof(c.flag), "%s", strtok(NULL, " \t\n"));
			strtok(NULL, " \t\n");
			c.flag_v = atoi(strtok(NULL, " \t\n")) != 0;
		} else if (strcmp(w, "in") == 0) {
			c.in[c.n_in++] = kr_parse_tensor(NULL);
		} else if (strcmp(w, "out") == 0) {
			c.want[c.n_want++] = kr_parse_tensor(NULL);
		} else if (strcmp(w, "end") == 0) {
			run_case(&c);
			n++;
			for (int k = 0; k < c.n_in; k++)
				tfc_tensor_free(c.in[k]);
			for (int k = 0; k < c.n_want; k++)
				tfc_tensor_free(c.want[k]);
		}
	}
	free(line);
	fclose(f);
	return n;
}

/* ApplyGradientDescent on a [2] variable with the given lr and grad: must fail. */
static void bad_gd(bool resource, int lr_rank, int grad_n, bool init, tfc_code code,
		   const char *frag)
{
	tfc_graph *g = tfc_graph_new();
	int64_t two = 2;
	tfc_shape shp = tfc_shape_make(1, &two);
	tfc_op_desc *d = tfc_op_new(g, resource ? "VarHandleOp" : "VariableV2", "var");
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_op_set_attr_shape(d, "shape", &shp);
	tfc_operation *v = tfc_op_finish(d, st);
	tfc_operation *p0 = ph(g, "init", TFC_FLOAT), *lr = ph(g, "lr", TFC_FLOAT),
		      *gr = ph(g, "grad", TFC_FLOAT);
	d = tfc_op_new(g, resource ? "AssignVariableOp" : "Assign", "assign");
	tfc_op_add_input(d, (tfc_output){v, 0});
	tfc_op_add_input(d, (tfc_output){p0, 0});
	if (resource)
		tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_operation *as = tfc_op_finish(d, st);
	d = tfc_op_new(g, resource ? "ResourceApplyGradientDescent" : "ApplyGradientDescent",
		       "bad_node");
	tfc_op_add_input(d, (tfc_output){v, 0});
	tfc_op_add_input(d, (tfc_output){lr, 0});
	tfc_op_add_input(d, (tfc_output){gr, 0});
	tfc_operation *upd = tfc_op_finish(d, st);
	tfc_output feeds[3] = {{p0, 0}, {lr, 0}, {gr, 0}};
	int64_t gn = grad_n;
	tfc_tensor *vals[3] = {tfc_tensor_new(TFC_FLOAT, &two, 1, NULL),
			       tfc_tensor_new(TFC_FLOAT, &two, lr_rank, NULL),
			       tfc_tensor_new(TFC_FLOAT, &gn, 1, NULL)};
	tfc_session *s = tfc_session_new(g, NULL, st);
	if (init)
		tfc_session_run(s, NULL, 0, feeds, vals, 1, NULL, NULL, 0, &as, 1, NULL, st);
	tfc_session_run(s, NULL, 0, feeds, vals, 3, NULL, NULL, 0, &upd, 1, NULL, st);
	const char *m = tfc_status_message(st);
	ok(tfc_status_code(st) == code && m && strstr(m, frag) && strstr(m, "bad_node"),
	   "%s: %s", resource ? "ResourceApplyGradientDescent" : "ApplyGradientDescent", frag);
	if (tfc_status_code(st) != code || !m || !strstr(m, frag))
		diag("  got %d: %s", (int)tfc_status_code(st), m ? m : "");
	tfc_session_close(s, st);
	tfc_session_free(s);
	for (int k = 0; k < 3; k++)
		tfc_tensor_free(vals[k]);
	tfc_graph_free(g);
}

/* A [4,2] float variable holding 1..8 (ref or resource form), initialized. */
static tfc_operation *var42(tfc_graph *g, tfc_session **s, bool resource)
{
	int64_t dims[2] = {4, 2};
	tfc_tensor *init = tfc_tensor_new(TFC_FLOAT, dims, 2, NULL);
	for (int i = 0; i < 8; i++)
		((float *)tfc_tensor_data(init))[i] = (float)(i + 1);
	tfc_shape shp = tfc_shape_make(2, dims);
	tfc_op_desc *d = tfc_op_new(g, resource ? "VarHandleOp" : "VariableV2", "v");
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_op_set_attr_shape(d, "shape", &shp);
	tfc_operation *v = tfc_op_finish(d, st);
	d = tfc_op_new(g, "Const", "init_value");
	tfc_op_set_attr_tensor(d, "value", init, st);
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_operation *c = tfc_op_finish(d, st);
	tfc_tensor_free(init);
	d = tfc_op_new(g, resource ? "AssignVariableOp" : "Assign", "init");
	tfc_op_add_input(d, (tfc_output){v, 0});
	tfc_op_add_input(d, (tfc_output){c, 0});
	if (resource)
		tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_operation *as = tfc_op_finish(d, st);
	*s = tfc_session_new(g, NULL, st);
	tfc_session_run(*s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &as, 1, NULL, st);
	return v;
}

static tfc_operation *cnst(tfc_graph *g, tfc_tensor *t)
{
	tfc_op_desc *d = tfc_op_new(g, "Const", "c");
	tfc_op_set_attr_tensor(d, "value", t, st);
	tfc_op_set_attr_type(d, "dtype", tfc_tensor_dtype(t));
	tfc_tensor_free(t);
	return tfc_op_finish(d, st);
}

static tfc_tensor *ivec(int n, const int32_t *v, int rank, const int64_t *dims)
{
	int64_t d1 = n;
	tfc_tensor *t = tfc_tensor_new(TFC_INT32, rank ? dims : &d1, rank ? rank : 1, NULL);
	memcpy(tfc_tensor_data(t), v, sizeof(int32_t) * (size_t)n);
	return t;
}

static tfc_tensor *fmat(int rank, const int64_t *dims, const float *v)
{
	tfc_tensor *t = tfc_tensor_new(TFC_FLOAT, dims, rank, NULL);
	if (tfc_tensor_num_elements(t))
		memcpy(tfc_tensor_data(t), v, tfc_tensor_byte_size(t));
	return t;
}

/* Reads the variable (ref: Identity, resource: ReadVariableOp). */
static tfc_tensor *read_var(tfc_graph *g, tfc_session *s, tfc_operation *v, bool resource)
{
	tfc_op_desc *d = tfc_op_new(g, resource ? "ReadVariableOp" : "Identity", NULL);
	tfc_op_add_input(d, (tfc_output){v, 0});
	if (resource)
		tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_operation *r = tfc_op_finish(d, st);
	tfc_tensor *out = NULL;
	tfc_output o = {r, 0};
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, &o, &out, 1, NULL, 0, NULL, st);
	return out;
}

static bool floats_are(const tfc_tensor *t, int n, const float *want)
{
	if (!t || tfc_tensor_num_elements(t) != n)
		return false;
	for (int i = 0; i < n; i++)
		if (((const float *)tfc_tensor_data(t))[i] != want[i])
			return false;
	return true;
}

static void scatter_tests(void)
{
	/* ScatterAdd then ScatterSub with a scalar update (ref form) */
	tfc_graph *g = tfc_graph_new();
	tfc_session *s = NULL;
	tfc_operation *v = var42(g, &s, false);
	tfc_op_desc *d = tfc_op_new(g, "ScatterAdd", "sa");
	tfc_op_add_input(d, (tfc_output){v, 0});
	tfc_op_add_input(d, (tfc_output){cnst(g, ivec(3, (const int32_t[]){1, 3, 1}, 0, NULL)), 0});
	tfc_op_add_input(d, (tfc_output){cnst(g, fmat(2, (const int64_t[]){3, 2},
						  (const float[]){10, 10, 20, 20, 1, 1})), 0});
	tfc_operation *sa = tfc_op_finish(d, st);
	d = tfc_op_new(g, "ScatterSub", "ss");
	tfc_op_add_input(d, (tfc_output){v, 0});
	tfc_op_add_input(d, (tfc_output){cnst(g, ivec(1, (const int32_t[]){0}, 0, NULL)), 0});
	tfc_op_add_input(d, (tfc_output){cnst(g, fmat(0, NULL, (const float[]){1})), 0});
	tfc_operation *ss = tfc_op_finish(d, st);
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &sa, 1, NULL, st);
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &ss, 1, NULL, st);
	tfc_tensor *got = read_var(g, s, v, false);
	ok(floats_are(got, 8, (const float[]){0, 1, 14, 15, 5, 6, 27, 28}),
	   "ScatterAdd (repeated index adds twice) and ScatterSub with a scalar update: %s",
	   tfc_status_message(st));
	tfc_tensor_free(got);
	/* an index out of range */
	d = tfc_op_new(g, "ScatterUpdate", "bad_node");
	tfc_op_add_input(d, (tfc_output){v, 0});
	tfc_op_add_input(d, (tfc_output){cnst(g, ivec(1, (const int32_t[]){4}, 0, NULL)), 0});
	tfc_op_add_input(d, (tfc_output){cnst(g, fmat(2, (const int64_t[]){1, 2}, (const float[]){0, 0})), 0});
	tfc_operation *bad = tfc_op_finish(d, st);
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &bad, 1, NULL, st);
	ok(tfc_status_code(st) == TFC_INVALID_ARGUMENT &&
		   strstr(tfc_status_message(st), "indices[0] = 4 is not in [0, 4)") &&
		   strstr(tfc_status_message(st), "bad_node"),
	   "ScatterUpdate: index out of range refused: %s", tfc_status_message(st));
	tfc_session_close(s, st);
	tfc_session_free(s);
	tfc_graph_free(g);

	/* ResourceScatterUpdate, ResourceScatterAdd, ResourceGather, VariableShape */
	g = tfc_graph_new();
	v = var42(g, &s, true);
	d = tfc_op_new(g, "ResourceScatterUpdate", "su");
	tfc_op_add_input(d, (tfc_output){v, 0});
	tfc_op_add_input(d, (tfc_output){cnst(g, ivec(2, (const int32_t[]){2, 0}, 0, NULL)), 0});
	tfc_op_add_input(d, (tfc_output){cnst(g, fmat(2, (const int64_t[]){2, 2},
						  (const float[]){9, 9, 8, 8})), 0});
	tfc_operation *su = tfc_op_finish(d, st);
	d = tfc_op_new(g, "ResourceScatterAdd", "rsa");
	tfc_op_add_input(d, (tfc_output){v, 0});
	tfc_op_add_input(d, (tfc_output){cnst(g, ivec(1, (const int32_t[]){1}, 0, NULL)), 0});
	tfc_op_add_input(d, (tfc_output){cnst(g, fmat(2, (const int64_t[]){1, 2},
						  (const float[]){0.5f, 0.25f})), 0});
	tfc_operation *rsa = tfc_op_finish(d, st);
	tfc_operation *targets[2] = {su, rsa};
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, targets, 1, NULL, st);
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, targets + 1, 1, NULL, st);
	got = read_var(g, s, v, true);
	ok(floats_are(got, 8, (const float[]){8, 8, 3.5f, 4.25f, 9, 9, 7, 8}),
	   "ResourceScatterUpdate and ResourceScatterAdd: %s", tfc_status_message(st));
	tfc_tensor_free(got);
	d = tfc_op_new(g, "ResourceGather", "rg");
	tfc_op_add_input(d, (tfc_output){v, 0});
	tfc_op_add_input(d, (tfc_output){cnst(g, ivec(2, (const int32_t[]){3, 0}, 2,
						  (const int64_t[]){2, 1})), 0});
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_operation *rg = tfc_op_finish(d, st);
	d = tfc_op_new(g, "VariableShape", "vs");
	tfc_op_add_input(d, (tfc_output){v, 0});
	tfc_operation *vs = tfc_op_finish(d, st);
	tfc_output fetch[2] = {{rg, 0}, {vs, 0}};
	tfc_tensor *outs[2] = {NULL, NULL};
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, fetch, outs, 2, NULL, 0, NULL, st);
	tfc_shape gs = outs[0] ? tfc_tensor_shape(outs[0]) : tfc_shape_unknown();
	ok(floats_are(outs[0], 4, (const float[]){7, 8, 8, 8}) && gs.rank == 3 && gs.dims[0] == 2 &&
		   gs.dims[1] == 1 && gs.dims[2] == 2,
	   "ResourceGather of [[3],[0]]: [2,1,2] rows 3 and 0");
	ok(outs[1] && tfc_tensor_num_elements(outs[1]) == 2 &&
		   ((const int32_t *)tfc_tensor_data(outs[1]))[0] == 4 &&
		   ((const int32_t *)tfc_tensor_data(outs[1]))[1] == 2,
	   "VariableShape: [4, 2]");
	tfc_tensor_free(outs[0]);
	tfc_tensor_free(outs[1]);
	tfc_session_close(s, st);
	tfc_session_free(s);
	tfc_graph_free(g);

	/* CountUpTo */
	g = tfc_graph_new();
	tfc_shape sc = tfc_shape_make(0, NULL);
	d = tfc_op_new(g, "VariableV2", "counter");
	tfc_op_set_attr_type(d, "dtype", TFC_INT32);
	tfc_op_set_attr_shape(d, "shape", &sc);
	v = tfc_op_finish(d, st);
	d = tfc_op_new(g, "Assign", "init");
	tfc_op_add_input(d, (tfc_output){v, 0});
	tfc_op_add_input(d, (tfc_output){cnst(g, tfc_tensor_new_scalar_int32(0)), 0});
	tfc_operation *as = tfc_op_finish(d, st);
	d = tfc_op_new(g, "CountUpTo", "count");
	tfc_op_add_input(d, (tfc_output){v, 0});
	tfc_op_set_attr_int(d, "limit", 2);
	tfc_operation *cu = tfc_op_finish(d, st);
	s = tfc_session_new(g, NULL, st);
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &as, 1, NULL, st);
	int32_t seen[2] = {-1, -1};
	for (int i = 0; i < 2; i++) {
		tfc_tensor *o = NULL;
		tfc_output f = {cu, 0};
		tfc_session_run(s, NULL, 0, NULL, NULL, 0, &f, &o, 1, NULL, 0, NULL, st);
		if (o)
			seen[i] = *(const int32_t *)tfc_tensor_data(o);
		tfc_tensor_free(o);
	}
	tfc_tensor *o = NULL;
	tfc_output f = {cu, 0};
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, &f, &o, 1, NULL, 0, NULL, st);
	ok(seen[0] == 0 && seen[1] == 1 && tfc_status_code(st) == TFC_OUT_OF_RANGE &&
		   strstr(tfc_status_message(st), "Reached limit of 2"),
	   "CountUpTo: 0, 1, then OutOfRange: %s", tfc_status_message(st));
	tfc_tensor_free(o);
	tfc_session_close(s, st);
	tfc_session_free(s);
	tfc_graph_free(g);
}

int main(void)
{
	plan_lazy();
	st = tfc_status_new();
	int n = run_file();
	ok(n >= 20, "%d training reference cases", n);
	for (int r = 0; r < 2; r++) {
		bad_gd(r, 0, 3, true, TFC_INVALID_ARGUMENT, "var and grad do not have the same shape[2] [3]");
		bad_gd(r, 1, 2, true, TFC_INVALID_ARGUMENT, "alpha is not a scalar: [2]");
	}
	bad_gd(true, 0, 2, false, TFC_FAILED_PRECONDITION, "Could not find variable var");
	scatter_tests();
	tfc_status_free(st);
	done_testing();
	return exit_status();
}
