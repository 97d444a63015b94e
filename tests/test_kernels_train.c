/*
 * test_kernels_train.c: the optimizer update kernels (kernels/training_kernels.c) in
 * both forms: each case of tests/data/kernels/training.txt (made by
 * tests/tf/gen_kernel_refs.py from TensorFlow's resource forms) runs as the resource
 * op on VarHandleOp variables and, where TensorFlow has one, as the ref op (Apply*)
 * on VariableV2 variables: the variables are assigned their start values, the update
 * runs twice, and the variable and slots must hold TensorFlow's values. Then bad
 * input: a gradient of the wrong shape, a non-scalar learning rate, an uninitialized
 * variable.
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
	tfc_status_free(st);
	done_testing();
	return exit_status();
}
