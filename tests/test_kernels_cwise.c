/*
 * test_kernels_cwise.c: the element-wise kernels (kernels/cwise_unary.c,
 * kernels/math_kernels.c, kernels/cwise_misc.c) against the values TensorFlow gives
 * (tests/data/kernels/cwise.txt, made by tests/tf/gen_kernel_refs.py), run through a
 * session; then bad input (shapes that do not broadcast, mismatched dtypes, integer
 * division by zero), and large tensors split over two intra-op threads giving the
 * single-threaded result.
 */
#include "kernel_ref.h"

static tfc_status *st;

static tfc_operation *ph(tfc_graph *g, const char *name, tfc_dtype dt)
{
	return t_placeholder(g, name, dt, -1, NULL, st);
}

static void bad_binary(const char *type, tfc_dtype da, int ra, const int64_t *dims_a,
		       tfc_dtype db, int rb, const int64_t *dims_b, const char *frag)
{
	tfc_graph *g = tfc_graph_new();
	tfc_operation *a = ph(g, "a", da), *b = ph(g, "b", db);
	tfc_op_desc *d = tfc_op_new(g, type, "bad_node");
	if (strcmp(type, "AddN") == 0) {
		tfc_output l[2] = {{a, 0}, {b, 0}};
		tfc_op_add_input_list(d, l, 2);
	} else {
		tfc_op_add_input(d, (tfc_output){a, 0});
		tfc_op_add_input(d, (tfc_output){b, 0});
	}
	tfc_operation *op = tfc_op_finish(d, st);
	if (da != db) {
		/* Mismatched dtypes are refused when the node is added, as TensorFlow does. */
		ok(!op && tfc_status_code(st) == TFC_INVALID_ARGUMENT &&
			   strstr(tfc_status_message(st), "bad_node"),
		   "%s of %s and %s refused: %s", type, tfc_dtype_name(da), tfc_dtype_name(db),
		   tfc_status_message(st));
		tfc_graph_free(g);
		return;
	}
	tfc_output feeds[2] = {{a, 0}, {b, 0}};
	tfc_tensor *v[2] = {tfc_tensor_new(da, dims_a, ra, NULL), tfc_tensor_new(db, dims_b, rb, NULL)};
	if (db == TFC_INT32)
		for (int64_t i = 0; i < tfc_tensor_num_elements(v[1]); i++)
			((int32_t *)tfc_tensor_data(v[1]))[i] = (int32_t)i; /* one zero */
	char what[128];
	snprintf(what, sizeof(what), "%s: %s", type, frag);
	kr_expect_error(g, op, feeds, v, 2, TFC_INVALID_ARGUMENT, frag, what);
	tfc_graph_free(g);
}

/* x (n floats) through op with 1 and 2 intra-op threads: equal results. */
static void threads_agree(const char *type, int arity, int64_t n)
{
	tfc_graph *g = tfc_graph_new();
	tfc_operation *a = ph(g, "a", TFC_FLOAT), *b = ph(g, "b", TFC_FLOAT);
	tfc_op_desc *d = tfc_op_new(g, type, "n");
	tfc_op_add_input(d, (tfc_output){a, 0});
	if (arity == 2)
		tfc_op_add_input(d, (tfc_output){b, 0});
	tfc_operation *op = tfc_op_finish(d, st);
	int64_t dims[2] = {n / 100, 100};
	tfc_tensor *x = tfc_tensor_new(TFC_FLOAT, dims, 2, NULL);
	tfc_tensor *y = tfc_tensor_new(TFC_FLOAT, dims + 1, 1, NULL); /* broadcast row */
	for (int64_t i = 0; i < tfc_tensor_num_elements(x); i++)
		((float *)tfc_tensor_data(x))[i] = (float)((i * 7919) % 1000) / 250.0f - 2.0f;
	for (int64_t i = 0; i < 100; i++)
		((float *)tfc_tensor_data(y))[i] = (float)i / 50.0f - 1.0f;
	tfc_output feeds[2] = {{a, 0}, {b, 0}}, out = {op, 0};
	tfc_tensor *fv[2] = {x, y}, *r1 = NULL, *r2 = NULL;
	kr_run(g, feeds, fv, arity, &out, &r1, 1, NULL, 0, 1, st);
	kr_run(g, feeds, fv, arity, &out, &r2, 1, NULL, 0, 2, st);
	char why[256] = "";
	ok(r1 && r2 && kr_close(r2, r1, 0, 0, why, sizeof(why)), "%s over %lld elements: 2 threads = 1 thread %s",
	   type, (long long)n, why);
	tfc_tensor_free(r1);
	tfc_tensor_free(r2);
	tfc_tensor_free(x);
	tfc_tensor_free(y);
	tfc_graph_free(g);
}

/* Equal and NotEqual of strings, the second broadcast. */
static void string_equal(void)
{
	const char *const a[3] = {"a", "bb", ""};
	int64_t three = 3;
	for (int ne = 0; ne < 2; ne++) {
		tfc_graph *g = tfc_graph_new();
		tfc_operation *x = ph(g, "x", TFC_STRING), *y = ph(g, "y", TFC_STRING);
		tfc_operation *op = t_binary(g, ne ? "NotEqual" : "Equal", "eq", x, y, st);
		tfc_tensor *xv = tfc_tensor_new(TFC_STRING, &three, 1, NULL);
		for (int i = 0; i < 3; i++)
			tfc_tensor_set_string(xv, i, a[i], strlen(a[i]), NULL);
		tfc_tensor *yv = tfc_tensor_new(TFC_STRING, NULL, 0, NULL);
		tfc_tensor_set_string(yv, 0, "bb", 2, NULL);
		tfc_output feeds[2] = {{x, 0}, {y, 0}}, out = {op, 0};
		tfc_tensor *fv[2] = {xv, yv}, *r = NULL;
		kr_run(g, feeds, fv, 2, &out, &r, 1, NULL, 0, 0, st);
		const uint8_t *p = r ? tfc_tensor_data(r) : NULL;
		ok(p && p[0] == ne && p[1] == !ne && p[2] == ne, "%s of strings: %s",
		   ne ? "NotEqual" : "Equal", tfc_status_message(st));
		tfc_tensor_free(r);
		tfc_tensor_free(xv);
		tfc_tensor_free(yv);
		tfc_graph_free(g);
	}
}

/* NaN through the activations and reductions, as TensorFlow 2.x (compat.v1) gives
 * them (checked with tensorflow in a virtualenv): Relu(NaN) = NaN, Relu(-0) = -0,
 * Relu6(NaN) = NaN; reduce_max and reduce_min are NaN wherever the NaN stands. */
static void nan_cases(void)
{
	const float nan = NAN;
	static const char *const acts[] = {"Relu", "Relu6"};
	for (int a = 0; a < 2; a++) {
		tfc_graph *g = tfc_graph_new();
		tfc_operation *x = ph(g, "x", TFC_FLOAT);
		tfc_op_desc *d = tfc_op_new(g, acts[a], "act");
		tfc_op_add_input(d, (tfc_output){x, 0});
		tfc_operation *op = tfc_op_finish(d, st);
		int64_t n = 5;
		tfc_tensor *in = tfc_tensor_new(TFC_FLOAT, &n, 1, st), *out = NULL;
		const float v[5] = {nan, -0.0f, -1, 3, 7};
		memcpy(tfc_tensor_data(in), v, sizeof(v));
		kr_run(g, &(tfc_output){x, 0}, &in, 1, &(tfc_output){op, 0}, &out, 1, NULL, 0, 0, st);
		const float *o = out ? tfc_tensor_data(out) : NULL;
		ok(o && isnan(o[0]) && o[1] == 0 && signbit(o[1]) && o[2] == 0 && o[3] == 3 && o[4] == (a ? 6 : 7),
		   "%s of [nan, -0, -1, 3, 7] = [nan, -0, 0, 3, %d] as in TensorFlow", acts[a], a ? 6 : 7);
		tfc_tensor_free(in);
		tfc_tensor_free(out);
		tfc_graph_free(g);
	}
	static const char *const reds[] = {"Max", "Min"};
	for (int r = 0; r < 2; r++) {
		int bad = 0;
		for (int at = 0; at < 3; at++) {
			tfc_graph *g = tfc_graph_new();
			tfc_operation *x = ph(g, "x", TFC_FLOAT), *ax = t_const_i(g, "axis", 0, st);
			tfc_op_desc *d = tfc_op_new(g, reds[r], "red");
			tfc_op_add_input(d, (tfc_output){x, 0});
			tfc_op_add_input(d, (tfc_output){ax, 0});
			tfc_operation *op = tfc_op_finish(d, st);
			int64_t n = 3;
			tfc_tensor *in = tfc_tensor_new(TFC_FLOAT, &n, 1, st), *out = NULL;
			float v[3] = {1, 2, 0.5f};
			v[at] = nan;
			memcpy(tfc_tensor_data(in), v, sizeof(v));
			kr_run(g, &(tfc_output){x, 0}, &in, 1, &(tfc_output){op, 0}, &out, 1, NULL, 0, 0, st);
			bad += !out || !isnan(*(float *)tfc_tensor_data(out));
			tfc_tensor_free(in);
			tfc_tensor_free(out);
			tfc_graph_free(g);
		}
		is_int(bad, 0, "%s of three floats with a NaN first, second or last is NaN", reds[r]);
	}
}

int main(void)
{
	plan_lazy();
	st = tfc_status_new();
	int n = kr_run_file("cwise.txt", NULL);
	ok(n > 300, "%d reference cases", n);

	bad_binary("Add", TFC_FLOAT, 2, (const int64_t[]){2, 3}, TFC_FLOAT, 1,
		   (const int64_t[]){4}, "Incompatible shapes: [2,3] vs. [4]");
	bad_binary("Less", TFC_INT32, 1, (const int64_t[]){3}, TFC_INT32, 1, (const int64_t[]){2},
		   "Incompatible shapes: [3] vs. [2]");
	bad_binary("FloorDiv", TFC_INT32, 1, (const int64_t[]){3}, TFC_INT32, 1,
		   (const int64_t[]){3}, "Integer division by zero");
	bad_binary("FloorMod", TFC_INT32, 1, (const int64_t[]){3}, TFC_INT32, 1,
		   (const int64_t[]){3}, "Integer division by zero");
	bad_binary("Mul", TFC_FLOAT, 1, (const int64_t[]){3}, TFC_DOUBLE, 1, (const int64_t[]){3},
		   "");
	bad_binary("ReluGrad", TFC_FLOAT, 1, (const int64_t[]){3}, TFC_FLOAT, 1,
		   (const int64_t[]){4}, "inputs must be of the same shape");
	bad_binary("AddN", TFC_FLOAT, 1, (const int64_t[]){3}, TFC_FLOAT, 1, (const int64_t[]){4},
		   "must have the same size and shape");

	string_equal();
	nan_cases();
	threads_agree("Add", 2, 400000);
	threads_agree("Tanh", 1, 400000);
	threads_agree("Less", 2, 300000);
	threads_agree("Exp", 1, 300100);

	tfc_status_free(st);
	done_testing();
	return exit_status();
}
