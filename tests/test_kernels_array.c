/*
 * test_kernels_array.c: the reduction kernels (kernels/reduction_kernels.c) and the
 * array kernels (kernels/array_*_kernels.c, kernels/array_kernels.c,
 * kernels/misc_kernels.c) against the values TensorFlow gives
 * (tests/data/kernels/reductions.txt, arrays.txt and misc.txt, made by
 * tests/tf/gen_kernel_refs.py), run through a session; then bad input: axes and
 * indices out of range, shapes that do not fit, each an InvalidArgument naming the
 * node; and a large reduction on two intra-op threads against one.
 */
#include <math.h>

#include "kernel_ref.h"

static tfc_status *st;

static tfc_tensor *ivec(tfc_dtype dt, int n, const int64_t *v)
{
	int64_t d = n;
	tfc_tensor *t = tfc_tensor_new(dt, &d, 1, NULL);
	for (int i = 0; i < n; i++) {
		if (dt == TFC_INT32)
			((int32_t *)tfc_tensor_data(t))[i] = (int32_t)v[i];
		else
			((int64_t *)tfc_tensor_data(t))[i] = v[i];
	}
	return t;
}

static tfc_tensor *iscalar(int64_t v)
{
	return tfc_tensor_new_scalar_int32((int32_t)v);
}

static tfc_tensor *fzeros(int rank, const int64_t *dims)
{
	return tfc_tensor_new(TFC_FLOAT, dims, rank, NULL);
}

/* op "bad_node" of `type` over placeholders fed vals (taken): must fail with
 * InvalidArgument containing frag. attrs: set by the callback, may be NULL. */
static void bad(const char *type, int n, tfc_tensor **vals, void (*attrs)(tfc_op_desc *),
		const char *frag)
{
	tfc_graph *g = tfc_graph_new();
	tfc_output feeds[8];
	tfc_op_desc *d = tfc_op_new(g, type, "bad_node");
	for (int i = 0; i < n; i++) {
		char nm[16];
		snprintf(nm, sizeof(nm), "p%d", i);
		feeds[i] = (tfc_output){t_placeholder(g, nm, tfc_tensor_dtype(vals[i]), -1, NULL, st), 0};
		if (strcmp(type, "ConcatV2") != 0)
			tfc_op_add_input(d, feeds[i]);
	}
	if (strcmp(type, "ConcatV2") == 0) { /* values: N * T, then axis */
		tfc_op_add_input_list(d, feeds, n - 1);
		tfc_op_add_input(d, feeds[n - 1]);
	}
	if (attrs)
		attrs(d);
	tfc_operation *op = tfc_op_finish(d, st);
	char what[160];
	snprintf(what, sizeof(what), "%s: %s", type, frag);
	kr_expect_error(g, op, feeds, vals, n, TFC_INVALID_ARGUMENT, frag, what);
	tfc_graph_free(g);
}

static void attr_num_split3(tfc_op_desc *d) { tfc_op_set_attr_int(d, "num_split", 3); }
static void attr_squeeze0(tfc_op_desc *d)
{
	int64_t v[1] = {0};
	tfc_op_set_attr_int_list(d, "squeeze_dims", v, 1);
}
static void attr_shrink1(tfc_op_desc *d) { tfc_op_set_attr_int(d, "shrink_axis_mask", 1); }
static void attr_msg(tfc_op_desc *d) { tfc_op_set_attr_string(d, "message", "check x", 7); }
static void attr_parts2(tfc_op_desc *d) { tfc_op_set_attr_int(d, "num_partitions", 2); }

static tfc_tensor *fnan(void)
{
	int64_t d = 2;
	tfc_tensor *t = tfc_tensor_new(TFC_FLOAT, &d, 1, NULL);
	((float *)tfc_tensor_data(t))[1] = NAN;
	return t;
}

/* Assert(false, [data]) fails with "assertion failed: [...]". */
static void assert_fails(void)
{
	tfc_graph *g = tfc_graph_new();
	tfc_operation *c = t_placeholder(g, "c", TFC_BOOL, -1, NULL, st);
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, -1, NULL, st);
	tfc_op_desc *d = tfc_op_new(g, "Assert", "bad_node");
	tfc_op_add_input(d, (tfc_output){c, 0});
	tfc_output l[1] = {{x, 0}};
	tfc_op_add_input_list(d, l, 1);
	tfc_operation *op = tfc_op_finish(d, st);
	tfc_output feeds[2] = {{c, 0}, {x, 0}};
	int64_t n = 2;
	tfc_tensor *xv = tfc_tensor_new(TFC_FLOAT, &n, 1, NULL);
	((float *)tfc_tensor_data(xv))[0] = 1.5f;
	tfc_tensor *cv = tfc_tensor_new(TFC_BOOL, NULL, 0, NULL);
	tfc_tensor *vals[2] = {cv, xv};
	kr_expect_error(g, op, feeds, vals, 2, TFC_INVALID_ARGUMENT, "assertion failed: [1.5 0]",
			"Assert(false) fails with its data");
	tfc_graph_free(g);
}

static void threads_agree(const char *type, int64_t rows, int64_t cols, int axis)
{
	tfc_graph *g = tfc_graph_new();
	tfc_operation *a = t_placeholder(g, "a", TFC_FLOAT, -1, NULL, st);
	tfc_operation *ax = t_const_i(g, "axis", axis, st);
	tfc_operation *op = t_binary(g, type, "n", a, ax, st);
	int64_t dims[2] = {rows, cols};
	tfc_tensor *x = tfc_tensor_new(TFC_FLOAT, dims, 2, NULL);
	for (int64_t i = 0; i < rows * cols; i++)
		((float *)tfc_tensor_data(x))[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
	tfc_output feed = {a, 0}, out = {op, 0};
	tfc_tensor *r1 = NULL, *r2 = NULL;
	kr_run(g, &feed, &x, 1, &out, &r1, 1, NULL, 0, 1, st);
	kr_run(g, &feed, &x, 1, &out, &r2, 1, NULL, 0, 2, st);
	char why[256] = "";
	ok(r1 && r2 && kr_close(r2, r1, 0, 0, why, sizeof(why)),
	   "%s over axis %d of [%lld,%lld]: 2 threads = 1 thread %s", type, axis, (long long)rows,
	   (long long)cols, why);
	tfc_tensor_free(r1);
	tfc_tensor_free(r2);
	tfc_tensor_free(x);
	tfc_graph_free(g);
}

int main(void)
{
	plan_lazy();
	st = tfc_status_new();
	int n = kr_run_file("reductions.txt", NULL);
	ok(n > 200, "%d reduction reference cases", n);
	n = kr_run_file("arrays.txt", NULL);
	ok(n > 100, "%d array reference cases", n);
	n = kr_run_file("misc.txt", NULL);
	ok(n > 30, "%d reference cases of the other math and array ops", n);

	const int64_t d23[] = {2, 3}, d3[] = {3}, d6[] = {6}, d123[] = {1, 2, 3};
	bad("Sum", 2, (tfc_tensor *[]){fzeros(2, d23), ivec(TFC_INT32, 1, (const int64_t[]){2})}, NULL,
	    "Invalid reduction dimension (2 for input with 2 dimension(s)");
	bad("Max", 2, (tfc_tensor *[]){fzeros(2, d23), ivec(TFC_INT64, 1, (const int64_t[]){-3})}, NULL,
	    "Invalid reduction dimension (-3 for input with 2 dimension(s)");
	bad("ArgMax", 2, (tfc_tensor *[]){fzeros(2, d23), iscalar(2)}, NULL,
	    "Expected dimension in the range [-2, 2), but got 2");
	bad("Transpose", 2, (tfc_tensor *[]){fzeros(2, d23), ivec(TFC_INT32, 2, (const int64_t[]){0, 2})},
	    NULL, "2 is out of range [0 .. 2)");
	bad("Transpose", 2, (tfc_tensor *[]){fzeros(2, d23), ivec(TFC_INT32, 2, (const int64_t[]){1, 1})},
	    NULL, "1 is duplicated in the input.");
	bad("ConcatV2", 3, (tfc_tensor *[]){fzeros(2, d23), fzeros(1, d3), iscalar(0)}, NULL,
	    "Ranks of all input tensors should match");
	bad("ConcatV2", 3, (tfc_tensor *[]){fzeros(2, d23), fzeros(2, d23), iscalar(2)}, NULL,
	    "Expected concatenating dimensions in the range [-2, 2), but got 2");
	bad("Gather", 2, (tfc_tensor *[]){fzeros(2, d23), ivec(TFC_INT32, 2, (const int64_t[]){1, 2})},
	    NULL, "indices[1] = 2 is not in [0, 2)");
	bad("Gather", 2, (tfc_tensor *[]){fzeros(2, d23), ivec(TFC_INT64, 1, (const int64_t[]){-1})},
	    NULL, "indices[0] = -1 is not in [0, 2)");
	bad("GatherV2", 3, (tfc_tensor *[]){fzeros(2, d23), ivec(TFC_INT32, 1, (const int64_t[]){3}), iscalar(1)},
	    NULL, "indices[0] = 3 is not in [0, 3)");
	bad("GatherV2", 3, (tfc_tensor *[]){fzeros(2, d23), ivec(TFC_INT32, 1, (const int64_t[]){0}), iscalar(-3)},
	    NULL, "Expected axis in the range [-2, 2), but got -3");
	bad("GatherNd", 2, (tfc_tensor *[]){fzeros(2, d23), ivec(TFC_INT32, 2, (const int64_t[]){1, 3})},
	    NULL, "does not index into param shape [2,3]");
	bad("Slice", 3, (tfc_tensor *[]){fzeros(2, d23), ivec(TFC_INT32, 2, (const int64_t[]){1, 1}),
					ivec(TFC_INT32, 2, (const int64_t[]){2, 1})},
	    NULL, "Expected size[0] in [0, 1], but got 2");
	bad("Slice", 3, (tfc_tensor *[]){fzeros(2, d23), ivec(TFC_INT32, 1, (const int64_t[]){1}),
					ivec(TFC_INT32, 1, (const int64_t[]){1})},
	    NULL, "Expected begin and size arguments to be 1-D tensors of size 2");
	bad("StridedSlice", 4, (tfc_tensor *[]){fzeros(1, d3), ivec(TFC_INT32, 1, (const int64_t[]){3}),
					       ivec(TFC_INT32, 1, (const int64_t[]){4}),
					       ivec(TFC_INT32, 1, (const int64_t[]){1})},
	    attr_shrink1, "slice index 3 of dimension 0 out of bounds.");
	bad("StridedSlice", 4, (tfc_tensor *[]){fzeros(1, d3), ivec(TFC_INT32, 1, (const int64_t[]){0}),
					       ivec(TFC_INT32, 1, (const int64_t[]){2}),
					       ivec(TFC_INT32, 1, (const int64_t[]){0})},
	    NULL, "strides[0] must be non-zero");
	bad("Split", 2, (tfc_tensor *[]){iscalar(1), fzeros(2, (const int64_t[]){2, 4})}, attr_num_split3,
	    "Number of ways to split should evenly divide the split dimension");
	bad("Split", 2, (tfc_tensor *[]){iscalar(2), fzeros(2, d23)}, attr_num_split3,
	    "split_dim < input rank (2), but got 2");
	bad("Reshape", 2, (tfc_tensor *[]){fzeros(1, d6), ivec(TFC_INT32, 2, (const int64_t[]){4, -1})},
	    NULL, "requires a multiple of 4");
	bad("Squeeze", 1, (tfc_tensor *[]){fzeros(2, d23)}, attr_squeeze0,
	    "Can not squeeze dim[0], expected a dimension of 1, got 2");
	bad("ExpandDims", 2, (tfc_tensor *[]){fzeros(3, d123), iscalar(5)}, NULL,
	    "Tried to expand dim index 5 for tensor with 3 dimensions.");
	bad("Tile", 2, (tfc_tensor *[]){fzeros(2, d23), ivec(TFC_INT32, 1, (const int64_t[]){2})}, NULL,
	    "Expected multiples argument to be a vector of length 2");
	bad("Pad", 2, (tfc_tensor *[]){fzeros(1, d3), ivec(TFC_INT32, 2, (const int64_t[]){-1, 0})}, NULL,
	    "The first dimension of paddings must be the rank of inputs");
	bad("BroadcastTo", 2, (tfc_tensor *[]){fzeros(1, d3), ivec(TFC_INT32, 2, (const int64_t[]){2, 4})},
	    NULL, "Unable to broadcast tensor of shape [3] to tensor of shape [2,4]");
	bad("Range", 3, (tfc_tensor *[]){iscalar(0), iscalar(5), iscalar(0)}, NULL,
	    "Requires delta != 0");
	bad("Range", 3, (tfc_tensor *[]){iscalar(5), iscalar(0), iscalar(1)}, NULL,
	    "Requires start <= limit when delta > 0: 5/0");
	bad("InvertPermutation", 1, (tfc_tensor *[]){ivec(TFC_INT32, 2, (const int64_t[]){0, 2})}, NULL,
	    "2 is not between 0 and 2");
	bad("BroadcastGradientArgs", 2,
	    (tfc_tensor *[]){ivec(TFC_INT32, 1, (const int64_t[]){2}), ivec(TFC_INT32, 1, (const int64_t[]){3})},
	    NULL, "Incompatible shapes");

	bad("CheckNumerics", 1, (tfc_tensor *[]){fnan()}, attr_msg, "check x : Tensor had NaN values");
	bad("TopKV2", 2, (tfc_tensor *[]){fzeros(2, d23), iscalar(4)}, NULL,
	    "input must have at least k columns. Had 3, needed 4");
	bad("DynamicPartition", 2, (tfc_tensor *[]){fzeros(1, d3), ivec(TFC_INT32, 3, (const int64_t[]){0, 2, 1})},
	    attr_parts2, "partitions[1] = 2 is not in [0, 2)");
	bad("Cumsum", 2, (tfc_tensor *[]){fzeros(2, d23), iscalar(2)}, NULL,
	    "Expected dimension in the range [-2, 2), but got 2");
	bad("UnsortedSegmentSum", 3, (tfc_tensor *[]){fzeros(1, d3), ivec(TFC_INT32, 3, (const int64_t[]){0, 5, 1}), iscalar(2)},
	    NULL, "segment_ids[1] = 5 is out of range [0, 2)");
	bad("ScatterNd", 3, (tfc_tensor *[]){ivec(TFC_INT32, 1, (const int64_t[]){3}), fzeros(0, NULL), ivec(TFC_INT32, 1, (const int64_t[]){3})},
	    NULL, "does not index into shape [3]");
	assert_fails();

	threads_agree("Sum", 3000, 200, 1);
	threads_agree("Sum", 3000, 200, 0);
	threads_agree("Max", 200, 3000, 1);
	threads_agree("Mean", 200, 3000, 0);

	tfc_status_free(st);
	done_testing();
	return exit_status();
}
