/*
 * test_gpu_array.c: the GPU's array ops (cuda/array_gpu.c; the metadata-only ones of
 * kernels/array_kernels.c and kernels/array_shape_kernels.c) against the CPU's: every
 * case builds the op with its data inputs fed to Placeholders and its shape-like
 * inputs as Consts, runs it pinned to /device:GPU:0 (no soft placement) and in a
 * CPU-only session (device_count.GPU 0), checks that the step stats put it on GPU:0
 * and that the outputs are equal, element for element (these ops compute exactly,
 * AddN's float sums in the CPU's order). Then an MLP's gradient step (MatMul,
 * BiasAdd, Relu, softmax cross entropy, Mean, L2Loss, and in the gradients Reshape,
 * Tile, AddN, Cast, Shape...) on the GPU against the CPU, with the host <-> device
 * copies of a step counted when the fake CUDA runtime (tests/fakecuda) is linked.
 * Without a GPU every case is a TAP skip.
 */
#include <math.h>
#include <stdlib.h>

#include "config.pb-c.h"
#include "gpu.h"
#include "gpu_test_util.h"
#include "kernel.h"
#include "test_util.h"
#include "tfc_ops.h"
#include "tfc_train.h"

/* The cases list only the fields they use, positionally; the rest are zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* The fake CUDA runtime's copy counters (tests/fakecuda/fake.h); NULL in a real build. */
void tfc_fake_copy_counts(int64_t *to_device, int64_t *to_host) __attribute__((weak));

/* ---- inputs */

static tfc_tensor *tensor(tfc_dtype dt, int rank, const int64_t *dims)
{
	tfc_tensor *t = tfc_tensor_new(dt, dims, rank, NULL);
	for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++) {
		double u = (double)rand() / RAND_MAX;
		int64_t k = rand() % 7 - 3; /* small integers, so comparisons find equal pairs */
		void *p = tfc_tensor_data(t);
		switch (dt) {
		case TFC_FLOAT: ((float *)p)[i] = (float)(-2 + 4 * u); break;
		case TFC_DOUBLE: ((double *)p)[i] = -2 + 4 * u; break;
		case TFC_INT32: ((int32_t *)p)[i] = (int32_t)k; break;
		case TFC_INT64: ((int64_t *)p)[i] = k; break;
		case TFC_BOOL: ((uint8_t *)p)[i] = u < 0.5; break;
		default: break;
		}
	}
	return t;
}

/* An int32 vector (n values). */
static tfc_tensor *ints(int n, const int64_t *v)
{
	int64_t d = n;
	tfc_tensor *t = tfc_tensor_new(TFC_INT32, &d, 1, NULL);
	for (int i = 0; i < n; i++)
		((int32_t *)tfc_tensor_data(t))[i] = (int32_t)v[i];
	return t;
}

static tfc_tensor *int_scalar(int64_t v)
{
	tfc_tensor *t = tfc_tensor_new(TFC_INT32, NULL, 0, NULL);
	*(int32_t *)tfc_tensor_data(t) = (int32_t)v;
	return t;
}

#define D(...) ((const int64_t[]){__VA_ARGS__})
#define IV(...) ints((int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (int64_t[]){__VA_ARGS__})

/* ---- one case: a node, its inputs, attrs */

#define MAX_IN 5
struct acase {
	const char *op;
	char what[160];
	int n_in;
	tfc_tensor *in[MAX_IN]; /* owned */
	unsigned konst;         /* bit k: input k is a Const, else a fed Placeholder */
	int list_n;             /* the first list_n inputs are one list input (0: none) */
	int n_out;
	/* attrs: up to 3 ints, an int list, a type */
	const char *iattr[3];
	int64_t ival[3];
	const char *lattr;
	int64_t lval[4];
	int ln;
	const char *tattr;
	tfc_dtype tval;
	const char *tattr2;
	tfc_dtype tval2;
	int list_from; /* where the list input starts */
};

static void free_case(struct acase *c)
{
	for (int k = 0; k < c->n_in; k++)
		tfc_tensor_free(c->in[k]);
}

/* Runs c (GPU: pinned to GPU:0, traced); outputs into out, the device that ran the
 * node into where. */
static void run_case(const struct acase *c, bool gpu, tfc_tensor **out, char *where, size_t wn, tfc_status *st)
{
	tfc_graph *g = tfc_graph_new();
	tfc_output feeds[MAX_IN], srcs[MAX_IN];
	tfc_tensor *vals[MAX_IN];
	int nf = 0;
	for (int k = 0; k < c->n_in; k++) {
		char name[16];
		snprintf(name, sizeof(name), "in%d", k);
		tfc_dtype dt = tfc_tensor_dtype(c->in[k]);
		tfc_operation *src = c->konst >> k & 1 ? tfc_const(g, name, c->in[k], dt, st)
						       : t_placeholder(g, name, dt, -1, NULL, st);
		srcs[k] = (tfc_output){src, 0};
		if (!(c->konst >> k & 1)) {
			feeds[nf] = srcs[k];
			vals[nf++] = c->in[k];
		}
	}
	tfc_op_desc *d = tfc_op_new(g, c->op, "op");
	for (int k = 0; k < c->n_in; k++) {
		if (c->list_n && k == c->list_from) {
			tfc_op_add_input_list(d, srcs + k, c->list_n);
			k += c->list_n - 1;
		} else {
			tfc_op_add_input(d, srcs[k]);
		}
	}
	for (int i = 0; i < 3 && c->iattr[i]; i++)
		tfc_op_set_attr_int(d, c->iattr[i], c->ival[i]);
	if (c->lattr)
		tfc_op_set_attr_int_list(d, c->lattr, c->lval, c->ln);
	if (c->tattr)
		tfc_op_set_attr_type(d, c->tattr, c->tval);
	if (c->tattr2)
		tfc_op_set_attr_type(d, c->tattr2, c->tval2);
	if (gpu)
		tfc_op_set_device(d, "/device:GPU:0");
	tfc_operation *op = tfc_op_finish(d, st);
	gpu_test_run_op(g, op, c->n_out, gpu, feeds, vals, nf, out, where, wn, st);
}

static bool same_tensor(const tfc_tensor *a, const tfc_tensor *b)
{
	if (!a || !b || tfc_tensor_dtype(a) != tfc_tensor_dtype(b))
		return false;
	tfc_shape sa = tfc_tensor_shape(a), sb = tfc_tensor_shape(b);
	if (sa.rank != sb.rank || memcmp(sa.dims, sb.dims, sizeof(int64_t) * (size_t)sa.rank))
		return false;
	return !memcmp(tfc_tensor_data((tfc_tensor *)a), tfc_tensor_data((tfc_tensor *)b),
		       tfc_tensor_byte_size(a));
}

/* One TAP line: c on GPU:0 equals c on the CPU. Frees c's inputs. */
static void check(struct acase *c)
{
	tfc_status *st = tfc_status_new();
	tfc_tensor *want[MAX_IN] = {NULL}, *got[MAX_IN] = {NULL};
	char w0[160], w1[160];
	if (!c->n_out)
		c->n_out = 1;
	run_case(c, false, want, w0, sizeof(w0), st);
	if (tfc_status_code(st) == TFC_OK)
		run_case(c, true, got, w1, sizeof(w1), st);
	else
		snprintf(w1, sizeof(w1), "(CPU failed)");
	bool same = tfc_status_code(st) == TFC_OK;
	for (int k = 0; same && k < c->n_out; k++)
		same = same_tensor(want[k], got[k]);
	ok(same && strstr(w1, "device:GPU:0"), "%s %s: on %s, GPU = CPU %s", c->op, c->what, w1, tfc_status_message(st));
	for (int k = 0; k < MAX_IN; k++) {
		tfc_tensor_free(want[k]);
		tfc_tensor_free(got[k]);
	}
	free_case(c);
	tfc_status_free(st);
}

static const tfc_dtype all_types[] = {TFC_FLOAT, TFC_DOUBLE, TFC_INT32, TFC_INT64, TFC_BOOL};

/* ---- the moving ops */

static int test_moving(bool run)
{
	int n = 0;
#define CASE(...)                                                   \
	do {                                                        \
		n++;                                                \
		if (run) {                                          \
			struct acase c_ = {__VA_ARGS__};            \
			snprintf(c_.what, sizeof(c_.what), "%s", w); \
			check(&c_);                                 \
		}                                                   \
	} while (0)
	const char *w;
	/* Transpose */
	for (int t = 0; t < 5; t++) {
		w = tfc_dtype_name(all_types[t]);
		CASE("Transpose", "", 2, {run ? tensor(all_types[t], 3, D(2, 3, 4)) : NULL, run ? IV(2, 0, 1) : NULL}, 2);
	}
	w = "float [4,1,3,2] perm [3,1,0,2]";
	CASE("Transpose", "", 2, {run ? tensor(TFC_FLOAT, 4, D(4, 1, 3, 2)) : NULL, run ? IV(3, 1, 0, 2) : NULL}, 2);
	w = "empty [0,3]";
	CASE("Transpose", "", 2, {run ? tensor(TFC_FLOAT, 2, D(0, 3)) : NULL, run ? IV(1, 0) : NULL}, 2);
	w = "scalar";
	CASE("Transpose", "", 2, {run ? tensor(TFC_DOUBLE, 0, NULL) : NULL, run ? ints(0, NULL) : NULL}, 2);
	/* ConcatV2, Concat */
	for (int t = 0; t < 5; t++) {
		w = tfc_dtype_name(all_types[t]);
		CASE("ConcatV2", "", 3,
		     {run ? tensor(all_types[t], 2, D(2, 3)) : NULL, run ? tensor(all_types[t], 2, D(2, 5)) : NULL,
		      run ? int_scalar(-1) : NULL},
		     4, 2);
	}
	w = "3 inputs on axis 0, one empty";
	CASE("ConcatV2", "", 4,
	     {run ? tensor(TFC_FLOAT, 3, D(2, 3, 2)) : NULL, run ? tensor(TFC_FLOAT, 3, D(0, 3, 2)) : NULL,
	      run ? tensor(TFC_FLOAT, 3, D(4, 3, 2)) : NULL, run ? int_scalar(0) : NULL},
	     8, 3);
	w = "axis 1 of [3,2,4] and [3,1,4]";
	CASE("ConcatV2", "", 3,
	     {run ? tensor(TFC_DOUBLE, 3, D(3, 2, 4)) : NULL, run ? tensor(TFC_DOUBLE, 3, D(3, 1, 4)) : NULL,
	      run ? int_scalar(1) : NULL},
	     4, 2);
	w = "(v1) axis -2";
	CASE("Concat", "", 3,
	     {run ? int_scalar(-2) : NULL, run ? tensor(TFC_INT64, 2, D(2, 3)) : NULL,
	      run ? tensor(TFC_INT64, 2, D(1, 3)) : NULL},
	     1, 2, .list_from = 1);
	/* Pack */
	for (int t = 0; t < 5; t++) {
		w = tfc_dtype_name(all_types[t]);
		CASE("Pack", "", 3,
		     {run ? tensor(all_types[t], 2, D(2, 3)) : NULL, run ? tensor(all_types[t], 2, D(2, 3)) : NULL,
		      run ? tensor(all_types[t], 2, D(2, 3)) : NULL},
		     0, 3, 1, {"axis"}, {1});
	}
	w = "axis -1";
	CASE("Pack", "", 2, {run ? tensor(TFC_FLOAT, 2, D(4, 3)) : NULL, run ? tensor(TFC_FLOAT, 2, D(4, 3)) : NULL}, 0,
	     2, 1, {"axis"}, {-1});
	w = "scalars";
	CASE("Pack", "", 2, {run ? tensor(TFC_DOUBLE, 0, NULL) : NULL, run ? tensor(TFC_DOUBLE, 0, NULL) : NULL}, 0, 2);
	w = "empty";
	CASE("Pack", "", 2, {run ? tensor(TFC_FLOAT, 2, D(0, 3)) : NULL, run ? tensor(TFC_FLOAT, 2, D(0, 3)) : NULL}, 0,
	     2);
	/* Slice */
	for (int t = 0; t < 5; t++) {
		w = tfc_dtype_name(all_types[t]);
		CASE("Slice", "", 3, {run ? tensor(all_types[t], 3, D(4, 5, 6)) : NULL, run ? IV(1, 0, 2) : NULL,
				      run ? IV(2, -1, 3) : NULL},
		     6);
	}
	w = "empty size";
	CASE("Slice", "", 3, {run ? tensor(TFC_FLOAT, 2, D(4, 5)) : NULL, run ? IV(1, 2) : NULL, run ? IV(0, 2) : NULL},
	     6);
	/* StridedSlice */
	for (int t = 0; t < 5; t++) {
		w = tfc_dtype_name(all_types[t]);
		CASE("StridedSlice", "", 4,
		     {run ? tensor(all_types[t], 2, D(5, 6)) : NULL, run ? IV(1, -1) : NULL, run ? IV(4, 0) : NULL,
		      run ? IV(1, -2) : NULL},
		     14);
	}
	w = "shrink_axis_mask, begin_mask";
	CASE("StridedSlice", "", 4,
	     {run ? tensor(TFC_FLOAT, 3, D(3, 4, 5)) : NULL, run ? IV(-1, 0, 1) : NULL, run ? IV(0, 3, 5) : NULL,
	      run ? IV(1, 1, 2) : NULL},
	     14, 0, 1, {"shrink_axis_mask", "begin_mask"}, {1, 2});
	w = "ellipsis and new axis";
	CASE("StridedSlice", "", 4,
	     {run ? tensor(TFC_DOUBLE, 3, D(3, 4, 5)) : NULL, run ? IV(0, 0, 1) : NULL, run ? IV(0, 0, 4) : NULL,
	      run ? IV(1, 1, 1) : NULL},
	     14, 0, 1, {"ellipsis_mask", "new_axis_mask"}, {1, 2});
	w = "empty result";
	CASE("StridedSlice", "", 4,
	     {run ? tensor(TFC_FLOAT, 1, D(5)) : NULL, run ? IV(3) : NULL, run ? IV(1) : NULL, run ? IV(1) : NULL}, 14);
	/* Tile */
	for (int t = 0; t < 5; t++) {
		w = tfc_dtype_name(all_types[t]);
		CASE("Tile", "", 2, {run ? tensor(all_types[t], 2, D(2, 3)) : NULL, run ? IV(3, 2) : NULL}, 2);
	}
	w = "[1,4,1] x [5,1,3]";
	CASE("Tile", "", 2, {run ? tensor(TFC_FLOAT, 3, D(1, 4, 1)) : NULL, run ? IV(5, 1, 3) : NULL}, 2);
	w = "multiple 0";
	CASE("Tile", "", 2, {run ? tensor(TFC_FLOAT, 2, D(2, 3)) : NULL, run ? IV(0, 2) : NULL}, 2);
	w = "scalar";
	CASE("Tile", "", 2, {run ? tensor(TFC_DOUBLE, 0, NULL) : NULL, run ? ints(0, NULL) : NULL}, 2);
	return n;
}

/* ---- Fill, ZerosLike, OnesLike, AddN, Cast */

static tfc_tensor *scalar_of(tfc_dtype dt)
{
	tfc_tensor *t = tensor(dt, 0, NULL);
	if (dt == TFC_BOOL)
		*(uint8_t *)tfc_tensor_data(t) = 1;
	return t;
}

static int test_elementwise(bool run)
{
	int n = 0;
	const char *w;
	for (int t = 0; t < 5; t++) {
		w = tfc_dtype_name(all_types[t]);
		CASE("Fill", "", 2, {run ? IV(2, 3) : NULL, run ? scalar_of(all_types[t]) : NULL}, 1);
		CASE("ZerosLike", "", 1, {run ? tensor(all_types[t], 2, D(3, 4)) : NULL});
		CASE("OnesLike", "", 1, {run ? tensor(all_types[t], 2, D(3, 4)) : NULL});
	}
	w = "rank 0";
	CASE("Fill", "", 2, {run ? ints(0, NULL) : NULL, run ? scalar_of(TFC_FLOAT) : NULL}, 1);
	w = "empty";
	CASE("Fill", "", 2, {run ? IV(0, 4) : NULL, run ? scalar_of(TFC_FLOAT) : NULL}, 1);
	CASE("ZerosLike", "", 1, {run ? tensor(TFC_FLOAT, 2, D(0, 4)) : NULL});
	CASE("OnesLike", "", 1, {run ? tensor(TFC_DOUBLE, 1, D(0)) : NULL});
	w = "float, 3 inputs";
	CASE("AddN", "", 3,
	     {run ? tensor(TFC_FLOAT, 2, D(4, 5)) : NULL, run ? tensor(TFC_FLOAT, 2, D(4, 5)) : NULL,
	      run ? tensor(TFC_FLOAT, 2, D(4, 5)) : NULL},
	     0, 3);
	w = "double, 4 inputs";
	CASE("AddN", "", 4,
	     {run ? tensor(TFC_DOUBLE, 1, D(7)) : NULL, run ? tensor(TFC_DOUBLE, 1, D(7)) : NULL,
	      run ? tensor(TFC_DOUBLE, 1, D(7)) : NULL, run ? tensor(TFC_DOUBLE, 1, D(7)) : NULL},
	     0, 4);
	w = "one input";
	CASE("AddN", "", 1, {run ? tensor(TFC_FLOAT, 1, D(3)) : NULL}, 0, 1);
	w = "scalars";
	CASE("AddN", "", 2, {run ? tensor(TFC_FLOAT, 0, NULL) : NULL, run ? tensor(TFC_FLOAT, 0, NULL) : NULL}, 0, 2);
	w = "empty";
	CASE("AddN", "", 2, {run ? tensor(TFC_FLOAT, 1, D(0)) : NULL, run ? tensor(TFC_FLOAT, 1, D(0)) : NULL}, 0, 2);
	/* Cast: every pair of the five types, on values that cross zero and truncate */
	for (int a = 0; a < 5; a++) {
		for (int b = 0; b < 5; b++) {
			char buf[64];
			snprintf(buf, sizeof(buf), "%s -> %s", tfc_dtype_name(all_types[a]), tfc_dtype_name(all_types[b]));
			w = buf;
			tfc_tensor *x = run ? tensor(all_types[a], 2, D(3, 5)) : NULL;
			if (x && all_types[a] == TFC_FLOAT)
				((float *)tfc_tensor_data(x))[0] = 3e9f; /* saturates, then wraps to int32 */
			CASE("Cast", "", 1, {x}, 0, 0, 1, {NULL}, {0}, NULL, {0}, 0, "SrcT", all_types[a], "DstT",
			     all_types[b]);
		}
	}
	return n;
}

/* ---- comparisons, Select, ArgMax/ArgMin, the metadata ops */

static const char *const compare_ops[] = {"Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual"};

static int test_compare_select(bool run)
{
	int n = 0;
	const char *w;
	static const tfc_dtype num[] = {TFC_FLOAT, TFC_DOUBLE, TFC_INT32, TFC_INT64};
	for (int o = 0; o < 6; o++) {
		for (int t = 0; t < 4; t++) {
			char buf[64];
			snprintf(buf, sizeof(buf), "%s [3,4] vs [4]", tfc_dtype_name(num[t]));
			w = buf;
			CASE(compare_ops[o], "", 2, {run ? tensor(num[t], 2, D(3, 4)) : NULL, run ? tensor(num[t], 1, D(4)) : NULL});
		}
		w = "int32 [2,1,3] vs [4,1]";
		CASE(compare_ops[o], "", 2, {run ? tensor(TFC_INT32, 3, D(2, 1, 3)) : NULL, run ? tensor(TFC_INT32, 2, D(4, 1)) : NULL});
		w = "float scalars";
		CASE(compare_ops[o], "", 2, {run ? tensor(TFC_FLOAT, 0, NULL) : NULL, run ? tensor(TFC_FLOAT, 0, NULL) : NULL});
		w = "empty";
		CASE(compare_ops[o], "", 2, {run ? tensor(TFC_FLOAT, 2, D(0, 3)) : NULL, run ? tensor(TFC_FLOAT, 1, D(3)) : NULL});
	}
	w = "bool";
	CASE("Equal", "", 2, {run ? tensor(TFC_BOOL, 2, D(3, 4)) : NULL, run ? tensor(TFC_BOOL, 2, D(3, 4)) : NULL});
	CASE("NotEqual", "", 2, {run ? tensor(TFC_BOOL, 1, D(4)) : NULL, run ? tensor(TFC_BOOL, 2, D(3, 4)) : NULL});
	/* Select: same shape, a condition per row, a scalar condition; SelectV2 broadcasts */
	for (int t = 0; t < 5; t++) {
		w = tfc_dtype_name(all_types[t]);
		CASE("Select", "", 3,
		     {run ? tensor(TFC_BOOL, 2, D(3, 4)) : NULL, run ? tensor(all_types[t], 2, D(3, 4)) : NULL,
		      run ? tensor(all_types[t], 2, D(3, 4)) : NULL});
	}
	w = "a condition per row";
	CASE("Select", "", 3,
	     {run ? tensor(TFC_BOOL, 1, D(3)) : NULL, run ? tensor(TFC_FLOAT, 3, D(3, 2, 4)) : NULL,
	      run ? tensor(TFC_FLOAT, 3, D(3, 2, 4)) : NULL});
	w = "a scalar condition";
	CASE("Select", "", 3,
	     {run ? tensor(TFC_BOOL, 0, NULL) : NULL, run ? tensor(TFC_DOUBLE, 1, D(5)) : NULL,
	      run ? tensor(TFC_DOUBLE, 1, D(5)) : NULL});
	w = "cond [4], t [3,4], e scalar";
	CASE("SelectV2", "", 3,
	     {run ? tensor(TFC_BOOL, 1, D(4)) : NULL, run ? tensor(TFC_FLOAT, 2, D(3, 4)) : NULL,
	      run ? tensor(TFC_FLOAT, 0, NULL) : NULL});
	w = "cond [2,1,3], t [4,1], e [2,4,3] int64";
	CASE("SelectV2", "", 3,
	     {run ? tensor(TFC_BOOL, 3, D(2, 1, 3)) : NULL, run ? tensor(TFC_INT64, 2, D(4, 1)) : NULL,
	      run ? tensor(TFC_INT64, 3, D(2, 4, 3)) : NULL});
	/* ArgMax, ArgMin */
	for (int m = 0; m < 2; m++) {
		const char *op = m ? "ArgMin" : "ArgMax";
		for (int t = 0; t < 4; t++) {
			char buf[64];
			snprintf(buf, sizeof(buf), "%s [3,5] axis 1", tfc_dtype_name(num[t]));
			w = buf;
			CASE(op, "", 2, {run ? tensor(num[t], 2, D(3, 5)) : NULL, run ? int_scalar(1) : NULL}, 2);
		}
		w = "int32 [4,3,2] axis -3, int32 output";
		CASE(op, "", 2, {run ? tensor(TFC_INT32, 3, D(4, 3, 2)) : NULL, run ? int_scalar(-3) : NULL}, 2, 0, 1,
		     {NULL}, {0}, NULL, {0}, 0, "output_type", TFC_INT32);
		w = "float [6] axis 0";
		CASE(op, "", 2, {run ? tensor(TFC_FLOAT, 1, D(6)) : NULL, run ? int_scalar(0) : NULL}, 2);
		w = "[0,4] axis 1 (empty output)";
		CASE(op, "", 2, {run ? tensor(TFC_DOUBLE, 2, D(0, 4)) : NULL, run ? int_scalar(1) : NULL}, 2);
	}
	/* the metadata-only ops */
	w = "[2,6] -> [3,-1]";
	CASE("Reshape", "", 2, {run ? tensor(TFC_FLOAT, 2, D(2, 6)) : NULL, run ? IV(3, -1) : NULL}, 2);
	w = "dim -1";
	CASE("ExpandDims", "", 2, {run ? tensor(TFC_DOUBLE, 2, D(2, 3)) : NULL, run ? int_scalar(-1) : NULL}, 2);
	w = "squeeze_dims [0]";
	CASE("Squeeze", "", 1, {run ? tensor(TFC_FLOAT, 3, D(1, 3, 1)) : NULL}, 0, 0, 1, {NULL}, {0}, "squeeze_dims",
	     {0}, 1);
	w = "all ones";
	CASE("Squeeze", "", 1, {run ? tensor(TFC_FLOAT, 3, D(1, 3, 1)) : NULL});
	w = "int64 out";
	CASE("Shape", "", 1, {run ? tensor(TFC_FLOAT, 3, D(2, 0, 4)) : NULL}, 0, 0, 1, {NULL}, {0}, NULL, {0}, 0,
	     "out_type", TFC_INT64);
	w = "two inputs";
	CASE("ShapeN", "", 2, {run ? tensor(TFC_FLOAT, 2, D(2, 5)) : NULL, run ? tensor(TFC_FLOAT, 0, NULL) : NULL}, 0,
	     2, 2);
	w = "[3,4]";
	CASE("Size", "", 1, {run ? tensor(TFC_DOUBLE, 2, D(3, 4)) : NULL});
	CASE("Rank", "", 1, {run ? tensor(TFC_DOUBLE, 2, D(3, 4)) : NULL});
	CASE("PreventGradient", "", 1, {run ? tensor(TFC_FLOAT, 2, D(3, 4)) : NULL});
	return n;
}
#undef CASE

/* ---- an MLP's gradient step: GPU against CPU, and its copies */

#define B 16
#define DIN 12
#define H 10
#define C 5

struct mlp {
	tfc_graph *g;
	tfc_output feeds[6]; /* x, labels, w1, b1, w2, b2 */
	tfc_output fetch[5]; /* loss, dw1, db1, dw2, db2 */
	int n_ops;
};

static tfc_operation *node(tfc_graph *g, const char *type, const char *name, const tfc_output *in, int n,
			   tfc_status *st)
{
	tfc_op_desc *d = tfc_op_new(g, type, name);
	for (int i = 0; i < n; i++)
		tfc_op_add_input(d, in[i]);
	return tfc_op_finish(d, st);
}

#define O(op) ((tfc_output){(op), 0})

/* loss = mean(softmax_xent(relu(x w1 + b1) w2 + b2, labels)) + 0.01 * l2(w2): w2's
 * gradient is an AddN of two paths, Mean's gradient a Reshape, Tile and Cast. */
static void mlp_build(struct mlp *m, tfc_status *st)
{
	tfc_graph *g = m->g = tfc_graph_new();
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, 2, D(-1, DIN), st);
	tfc_operation *y = t_placeholder(g, "labels", TFC_FLOAT, 2, D(-1, C), st);
	tfc_operation *w1 = t_placeholder(g, "w1", TFC_FLOAT, 2, D(DIN, H), st);
	tfc_operation *b1 = t_placeholder(g, "b1", TFC_FLOAT, 1, D(H), st);
	tfc_operation *w2 = t_placeholder(g, "w2", TFC_FLOAT, 2, D(H, C), st);
	tfc_operation *b2 = t_placeholder(g, "b2", TFC_FLOAT, 1, D(C), st);
	tfc_operation *h = node(g, "MatMul", "l1/MatMul", (tfc_output[]){O(x), O(w1)}, 2, st);
	h = node(g, "BiasAdd", "l1/BiasAdd", (tfc_output[]){O(h), O(b1)}, 2, st);
	h = node(g, "Relu", "l1/Relu", (tfc_output[]){O(h)}, 1, st);
	tfc_operation *lg = node(g, "MatMul", "l2/MatMul", (tfc_output[]){O(h), O(w2)}, 2, st);
	lg = node(g, "BiasAdd", "l2/BiasAdd", (tfc_output[]){O(lg), O(b2)}, 2, st);
	tfc_operation *xe = node(g, "SoftmaxCrossEntropyWithLogits", "xent", (tfc_output[]){O(lg), O(y)}, 2, st);
	tfc_operation *ax = t_const_i(g, "axes", 0, st);
	tfc_operation *mean = node(g, "Mean", "mean", (tfc_output[]){O(xe), O(ax)}, 2, st);
	tfc_operation *l2 = node(g, "L2Loss", "l2", (tfc_output[]){O(w2)}, 1, st);
	tfc_operation *k = t_const_f(g, "decay", 0.01f, st);
	tfc_operation *reg = node(g, "Mul", "reg", (tfc_output[]){O(l2), O(k)}, 2, st);
	tfc_operation *loss = node(g, "AddV2", "loss", (tfc_output[]){O(mean), O(reg)}, 2, st);
	tfc_output xs[4] = {O(w1), O(b1), O(w2), O(b2)}, dxs[4];
	tfc_gradients(g, (tfc_output[]){O(loss)}, 1, xs, 4, NULL, dxs, st);
	tfc_operation *ph[6] = {x, y, w1, b1, w2, b2};
	for (int i = 0; i < 6; i++)
		m->feeds[i] = O(ph[i]);
	m->fetch[0] = O(loss);
	for (int i = 0; i < 4; i++)
		m->fetch[i + 1] = dxs[i];
}

/* Appends type to the space-separated list (n bytes) unless it is there. */
static void add_type(char *list, size_t n, const char *type)
{
	char word[96];
	snprintf(word, sizeof(word), " %s ", type);
	char padded[1024];
	snprintf(padded, sizeof(padded), " %s ", list);
	if (strstr(padded, word))
		return;
	size_t l = strlen(list);
	snprintf(list + l, n - l, "%s%s", l ? " " : "", type);
}

/* Runs `steps` steps; outputs of the last into out[5]; the op types that ran in the
 * last on the CPU into cpu_ops, on GPU:0 into gpu_ops (each n bytes). */
static void mlp_run(const struct mlp *m, bool gpu, tfc_tensor **vals, int steps, tfc_tensor **out, int64_t *up,
		    int64_t *down, char *cpu_ops, char *gpu_ops, size_t cn, tfc_status *st)
{
	tfc_session_options *o = tfc_session_options_new();
	if (!gpu)
		tfc_session_options_set_config_value(o, "device_count.GPU", "0", st);
	tfc_session *s = tfc_session_new(m->g, o, st);
	tfc_session_options_free(o);
	*up = *down = 0;
	cpu_ops[0] = gpu_ops[0] = '\0';
	for (int i = 0; i < steps && tfc_status_code(st) == TFC_OK; i++) {
		for (int k = 0; k < 5; k++) {
			tfc_tensor_free(out[k]);
			out[k] = NULL;
		}
		int64_t u0 = 0, d0 = 0, u1 = 0, d1 = 0;
		bool last = i == steps - 1;
		Tensorflow__RunOptions ro;
		tensorflow__run_options__init(&ro);
		ro.trace_level = TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__SOFTWARE_TRACE;
		uint8_t rb[32];
		size_t rl = tensorflow__run_options__pack(&ro, rb);
		tfc_buffer_t *meta = NULL;
		if (tfc_fake_copy_counts)
			tfc_fake_copy_counts(&u0, &d0);
		tfc_session_run(s, last ? rb : NULL, last ? rl : 0, m->feeds, vals, 6, m->fetch, out, 5, NULL, 0,
				last ? &meta : NULL, st);
		if (tfc_fake_copy_counts)
			tfc_fake_copy_counts(&u1, &d1);
		*up = u1 - u0;
		*down = d1 - d0;
		Tensorflow__RunMetadata *rm = meta ? tensorflow__run_metadata__unpack(NULL, meta->length, meta->data) : NULL;
		for (size_t d = 0; rm && rm->step_stats && d < rm->step_stats->n_dev_stats; d++) {
			const Tensorflow__DeviceStepStats *ds = rm->step_stats->dev_stats[d];
			bool on_gpu = strstr(ds->device, "GPU:0") != NULL;
			for (size_t k = 0; k < ds->n_node_stats; k++) {
				tfc_operation *op = tfc_graph_operation_by_name(m->g, ds->node_stats[k]->node_name);
				if (!op || !strcmp(op->type, "Placeholder") || !strcmp(op->type, "Const") ||
				    !strcmp(op->type, "NoOp"))
					continue;
				add_type(on_gpu ? gpu_ops : cpu_ops, cn, op->type);
			}
		}
		if (rm)
			tensorflow__run_metadata__free_unpacked(rm, NULL);
		tfc_buffer_free(meta);
	}
	tfc_session_free(s);
}

static double worst_error(const tfc_tensor *want, const tfc_tensor *got)
{
	if (!want || !got || tfc_tensor_num_elements(want) != tfc_tensor_num_elements(got))
		return INFINITY;
	double worst = 0;
	for (int64_t i = 0; i < tfc_tensor_num_elements(want); i++) {
		double a = ((float *)tfc_tensor_data((tfc_tensor *)want))[i];
		double b = ((float *)tfc_tensor_data((tfc_tensor *)got))[i];
		double e = fabs(a - b) / (1 + fabs(a));
		if (!(e <= worst))
			worst = isnan(e) ? INFINITY : e;
	}
	return worst;
}

/* Bounds on one step's copies in the fake build, measured. Uploads: the six fed
 * tensors come to the GPU through one _Recv each, which uploads them once for all
 * their readers (before that, each GPU kernel uploaded the host tensors it read
 * itself: 10 uploads for the feeds, w2 four times), and host-made tensors a GPU
 * kernel reads cost 5 (the decay Const twice, the gradients' seed, the int32 divisor
 * Mean's gradient casts, ...). Downloads: the five fetches and one more. Before the
 * array ops had GPU kernels the step made 16 uploads and 9 downloads (Shape, Cast,
 * Reshape, Tile, ExpandDims and AddN ran on the CPU, their operands bouncing through
 * the host); with them and before the _Recv uploads, 15 and 6. */
#define MLP_MAX_UPLOADS 11
#define MLP_MAX_DOWNLOADS 6
#define N_MLP 5

static void test_mlp(void)
{
	tfc_status *st = tfc_status_new();
	struct mlp m;
	mlp_build(&m, st);
	const int64_t *shapes[6] = {D(B, DIN), D(B, C), D(DIN, H), D(H), D(H, C), D(C)};
	const int ranks[6] = {2, 2, 2, 1, 2, 1};
	tfc_tensor *vals[6];
	for (int i = 0; i < 6; i++)
		vals[i] = tensor(TFC_FLOAT, ranks[i], shapes[i]);
	/* labels: one-hot rows */
	float *lp = tfc_tensor_data(vals[1]);
	for (int r = 0; r < B; r++)
		for (int c = 0; c < C; c++)
			lp[r * C + c] = c == r % C;
	tfc_tensor *want[5] = {NULL}, *got[5] = {NULL};
	int64_t up, down, cup, cdown;
	char cpu_ops[512], gpu_ops[512], u0[512], u1[512];
	mlp_run(&m, false, vals, 1, want, &cup, &cdown, u0, u1, sizeof(u0), st);
	mlp_run(&m, true, vals, 2, got, &up, &down, cpu_ops, gpu_ops, sizeof(cpu_ops), st);
	double worst = 0;
	for (int k = 0; k < 5; k++) {
		double e = worst_error(want[k], got[k]);
		worst = e > worst ? e : worst;
	}
	ok(tfc_status_code(st) == TFC_OK && worst < 1e-5,
	   "an MLP's loss and gradients on the GPU = the CPU's (worst relative error %g) %s", worst,
	   tfc_status_message(st));
	/* The batch dimension is unknown, so Mean's gradient computes its divisor and
	 * Tile's multiples at run time: the int32 shape arithmetic without GPU kernels
	 * stays on the CPU (TensorFlow keeps it in host memory too); the rest moves. */
	diag("on GPU:0: %s", gpu_ops);
	diag("on the CPU: %s", cpu_ops);
	char left[600];
	snprintf(left, sizeof(left), " %s ", cpu_ops);
	static const char *const host_ok[] = {"DynamicStitch", "Maximum", "FloorDiv", "Prod", "Shape", "Size"};
	for (size_t i = 0; i < TFC_ARRAY_LEN(host_ok); i++) {
		char word[64], *p;
		snprintf(word, sizeof(word), " %s ", host_ok[i]);
		while ((p = strstr(left, word)))
			memmove(p, p + strlen(word) - 1, strlen(p + strlen(word) - 1) + 1);
	}
	ok(strspn(left, " ") == strlen(left), "only int32 shape arithmetic ran on the CPU (%s)", cpu_ops);
	char have[600];
	snprintf(have, sizeof(have), " %s ", gpu_ops);
	static const char *const moved[] = {"Reshape", "Tile", "AddN", "Cast", "Shape", "MatMul", "BiasAdd",
					    "SoftmaxCrossEntropyWithLogits"};
	int missing = 0;
	for (size_t i = 0; i < TFC_ARRAY_LEN(moved); i++) {
		char word[64];
		snprintf(word, sizeof(word), " %s ", moved[i]);
		if (!strstr(have, word)) {
			diag("%s did not run on GPU:0", moved[i]);
			missing++;
		}
	}
	ok(missing == 0, "Reshape, Tile, AddN, Cast, Shape of the gradients ran on GPU:0");
	if (!tfc_fake_copy_counts) {
		skip(2, "the copies of a step are counted by the fake CUDA runtime only");
	} else {
		diag("one MLP step: %lld uploads, %lld downloads", (long long)up, (long long)down);
		ok(up <= MLP_MAX_UPLOADS, "one MLP step makes %lld uploads (at most %d)", (long long)up,
		   MLP_MAX_UPLOADS);
		ok(down <= MLP_MAX_DOWNLOADS, "one MLP step makes %lld downloads (at most %d)", (long long)down,
		   MLP_MAX_DOWNLOADS);
	}
	for (int k = 0; k < 5; k++) {
		tfc_tensor_free(want[k]);
		tfc_tensor_free(got[k]);
	}
	for (int i = 0; i < 6; i++)
		tfc_tensor_free(vals[i]);
	tfc_graph_free(m.g);
	tfc_status_free(st);
}

/* ---- run everywhere: which nodes the GPU takes */

static int test_supports(bool run)
{
	if (!run)
		return 8;
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	if (!tfc_kernel_lookup("Tile", "GPU")) {
		skip(8, "this tfc was built without CUDA: no GPU array kernels");
		goto out;
	}
	static const struct {
		const char *op;
		tfc_dtype t;
		bool want;
	} cases[] = {
		{"Tile", TFC_INT64, true},   {"Tile", TFC_STRING, false}, {"AddN", TFC_DOUBLE, true},
		{"AddN", TFC_INT32, false},  {"Less", TFC_HALF, false},   {"Equal", TFC_BOOL, true},
		{"Reshape", TFC_STRING, false}, {"ArgMax", TFC_HALF, false},
	};
	tfc_operation *one = t_const_i(g, "one", 0, st);
	int64_t v1 = 1;
	tfc_tensor *vt = ints(1, &v1);
	tfc_operation *vec = tfc_const(g, "vec", vt, TFC_INT32, st);
	tfc_tensor_free(vt);
	for (size_t i = 0; i < TFC_ARRAY_LEN(cases); i++) {
		char name[16];
		snprintf(name, sizeof(name), "p%zu", i);
		tfc_operation *p = t_placeholder(g, name, cases[i].t, -1, NULL, st);
		snprintf(name, sizeof(name), "n%zu", i);
		tfc_op_desc *d = tfc_op_new(g, cases[i].op, name);
		if (!strcmp(cases[i].op, "AddN")) {
			tfc_op_add_input_list(d, (tfc_output[]){O(p), O(p)}, 2);
		} else {
			tfc_op_add_input(d, O(p));
			bool two = !strcmp(cases[i].op, "Less") || !strcmp(cases[i].op, "Equal");
			bool scalar = !strcmp(cases[i].op, "ArgMax");
			tfc_op_add_input(d, O(two ? p : scalar ? one : vec));
		}
		tfc_operation *op = tfc_op_finish(d, st);
		const struct tfc_kernel_def *k = op ? tfc_kernel_lookup(cases[i].op, "GPU") : NULL;
		bool got = k && (!k->supports || k->supports(op));
		ok(got == cases[i].want, "the GPU %s %s %s %s", cases[i].op, cases[i].want ? "takes" : "refuses",
		   tfc_dtype_name(cases[i].t), tfc_status_message(st));
		tfc_status_set(st, TFC_OK, NULL);
	}
out:
	tfc_graph_free(g);
	tfc_status_free(st);
	return 8;
}

int main(void)
{
	plan_lazy();
	srand(20240611);
	char why[256];
	int n_gpus = tfc__gpu_count(why, sizeof(why));
	test_supports(true);
	if (n_gpus == 0) {
		int n = test_moving(false) + test_elementwise(false) + test_compare_select(false) + N_MLP;
		skip(n, "no GPU (%s)", why);
		done_testing();
		return exit_status();
	}
	test_moving(true);
	test_elementwise(true);
	test_compare_select(true);
	test_mlp();
	done_testing();
	return exit_status();
}
