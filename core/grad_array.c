/*
 * grad_array.c: gradient functions of the array ops (TensorFlow's array_grad.py):
 * Reshape, ExpandDims, Squeeze, Transpose, ConcatV2, Pack, Unpack, Split, SplitV,
 * Slice, StridedSlice, Tile, Fill, Pad, Select, BroadcastTo; PreventGradient's error;
 * and the array ops that are not differentiable. Registered as data in
 * tfc__grad_array_defs, with TensorFlow's op names.
 */
#include "grad_internal.h"

#define NONE ((tfc_output){NULL, 0})

static tfc_output in(const tfc_operation *op, int i) { return op->inputs[i]; }
static tfc_output out(tfc_operation *op, int i) { return (tfc_output){op, i}; }

static int64_t attr_int(const tfc_operation *op, const char *name)
{
	tfc_status *st = tfc_status_new();
	int64_t v = tfc_operation_get_attr_int(op, name, st);
	tfc_status_free(st);
	return v;
}

/* _ReshapeToInput: reshape(grad, shape(op.inputs[0])) */
static void reshape_to_input(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			     tfc_output *dx)
{
	tfc_output s = tfc__gb_shape(b, "Shape", in(op, 0));
	dx[0] = tfc__gb_op2(b, "Reshape", "Reshape", dy[0], s);
}

static void reshape_passthrough(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
				tfc_output *dx)
{
	(void)b;
	(void)op;
	dx[0] = dy[0];
}

static void transpose_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			   tfc_output *dx)
{
	tfc_output inv = tfc__gb_op1(b, "InvertPermutation", "InvertPermutation", in(op, 1));
	dx[0] = tfc__gb_op2(b, "Transpose", "transpose", dy[0], inv);
}

static void concat_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	int nv = op->n_inputs - 1;
	if (nv == 1) {
		dx[0] = dy[0];
		return;
	}
	tfc_output axis = in(op, nv);
	tfc_output rank = tfc__gb_rank(b, "Rank", in(op, 0));
	tfc_output ax = tfc__gb_op2(b, "FloorMod", "mod", axis, rank);
	tfc_output *sizes = tfc__calloc((size_t)nv, sizeof(tfc_output));
	bool known = true;
	for (int i = 0; i < nv; i++)
		known = known && tfc__gb_fully_defined(in(op, i));
	if (known) {
		for (int i = 0; i < nv; i++)
			sizes[i] = tfc__gb_shape(b, "Shape", in(op, i));
	} else {
		tfc_op_desc *d = tfc__gb_new(b, "ShapeN", "ShapeN");
		if (d)
			tfc_op_add_input_list(d, op->inputs, nv);
		tfc_operation *sn = tfc__gb_finish_op(b, d);
		for (int i = 0; i < nv; i++)
			sizes[i] = (tfc_output){sn, i};
	}
	tfc_op_desc *d = tfc__gb_new(b, "ConcatOffset", "ConcatOffset");
	tfc__gb_input(b, d, ax);
	if (d && tfc__gb_ok(b))
		tfc_op_add_input_list(d, sizes, nv);
	tfc_operation *off = tfc__gb_finish_op(b, d);
	for (int i = 0; i < nv && off; i++)
		dx[i] = tfc__gb_op3(b, "Slice", "Slice", dy[0], (tfc_output){off, i}, sizes[i]);
	free(sizes);
}

static void pack_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_op_desc *d = tfc__gb_new(b, "Unpack", "unstack");
	tfc__gb_input(b, d, dy[0]);
	if (d) {
		tfc_op_set_attr_int(d, "num", op->n_inputs);
		tfc_op_set_attr_int(d, "axis", attr_int(op, "axis"));
	}
	tfc_operation *u = tfc__gb_finish_op(b, d);
	for (int i = 0; i < op->n_inputs && u; i++)
		dx[i] = (tfc_output){u, i};
}

static void unpack_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_op_desc *d = tfc__gb_new(b, "Pack", "stack");
	if (d)
		tfc_op_add_input_list(d, dy, op->n_outputs);
	if (d)
		tfc_op_set_attr_int(d, "axis", attr_int(op, "axis"));
	dx[0] = tfc__gb_finish(b, d);
}

static tfc_output concat_of(struct tfc__gb *b, const tfc_output *parts, int n, tfc_output axis)
{
	tfc_op_desc *d = tfc__gb_new(b, "ConcatV2", "concat");
	if (d)
		tfc_op_add_input_list(d, parts, n);
	tfc__gb_input(b, d, axis);
	return tfc__gb_finish(b, d);
}

static void split_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	/* Split(split_dim, value) */
	dx[1] = concat_of(b, dy, op->n_outputs, in(op, 0));
}

static void splitv_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	/* SplitV(value, size_splits, split_dim) */
	dx[0] = concat_of(b, dy, op->n_outputs, in(op, 2));
}

static void slice_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_output x = in(op, 0), begin = in(op, 1);
	tfc_output rank = tfc__gb_rank(b, "Rank", x);
	tfc_output ssize = tfc__gb_shape(b, "Shape", out(op, 0));
	tfc_output one = tfc__gb_const_scalar(b, "stack/1", TFC_INT32, 1);
	tfc_op_desc *d = tfc__gb_new(b, "Pack", "stack");
	tfc_output pr[2] = {rank, one};
	if (d && rank.oper && one.oper)
		tfc_op_add_input_list(d, pr, 2);
	tfc_output shape = tfc__gb_finish(b, d);
	tfc_output before = tfc__gb_op2(b, "Reshape", "Reshape", begin, shape);
	tfc_output xs = tfc__gb_shape(b, "Shape", x);
	tfc_output t = tfc__gb_op2(b, "Sub", "sub", xs, ssize);
	t = tfc__gb_op2(b, "Sub", "sub", t, begin);
	tfc_output after = tfc__gb_op2(b, "Reshape", "Reshape", t, shape);
	const char *sc = tfc__gb_push_scope(b, "concat");
	if (!sc)
		return;
	char *full = tfc__strdup(sc);
	tfc_output axis = tfc__gb_const_scalar(b, "axis", TFC_INT32, 1);
	tfc__gb_pop_scope(b);
	d = tfc__gb_new_exact(b, "ConcatV2", full);
	free(full);
	tfc_output parts[2] = {before, after};
	if (d && before.oper && after.oper)
		tfc_op_add_input_list(d, parts, 2);
	tfc__gb_input(b, d, axis);
	tfc_output pads = tfc__gb_finish(b, d);
	dx[0] = tfc__gb_op2(b, "Pad", "Pad", dy[0], pads);
}

static void strided_slice_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			       tfc_output *dx)
{
	static const char *const masks[] = {"begin_mask", "end_mask", "ellipsis_mask",
					    "new_axis_mask", "shrink_axis_mask"};
	tfc_output s = tfc__gb_shape(b, "Shape", in(op, 0));
	tfc_op_desc *d = tfc__gb_new(b, "StridedSliceGrad", "StridedSliceGrad");
	tfc__gb_input(b, d, s);
	tfc__gb_input(b, d, in(op, 1));
	tfc__gb_input(b, d, in(op, 2));
	tfc__gb_input(b, d, in(op, 3));
	tfc__gb_input(b, d, dy[0]);
	for (int i = 0; d && i < 5; i++)
		tfc_op_set_attr_int(d, masks[i], attr_int(op, masks[i]));
	dx[0] = tfc__gb_finish(b, d);
}

static void tile_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_output ishape = tfc__gb_shape(b, "Shape", in(op, 0));
	tfc_output mult = tfc__gb_cast(b, "Cast", in(op, 1), TFC_INT32);
	tfc_op_desc *d = tfc__gb_new(b, "Pack", "stack");
	tfc_output pr[2] = {mult, ishape};
	if (d && mult.oper && ishape.oper)
		tfc_op_add_input_list(d, pr, 2);
	tfc_output st = tfc__gb_finish(b, d);
	int64_t perm[2] = {1, 0};
	const char *sc = tfc__gb_push_scope(b, "transpose");
	if (!sc)
		return;
	char *full = tfc__strdup(sc);
	tfc_output p = tfc__gb_const_ivec(b, "perm", TFC_INT32, perm, 2);
	tfc__gb_pop_scope(b);
	d = tfc__gb_new_exact(b, "Transpose", full);
	free(full);
	tfc__gb_input(b, d, st);
	tfc__gb_input(b, d, p);
	tfc_output tr = tfc__gb_finish(b, d);
	int64_t m1 = -1;
	tfc_output split_shape = tfc__gb_reshape_c(b, "Reshape", tr, &m1, 1);
	tfc_output sz = tfc__gb_size(b, "Size", split_shape);
	sc = tfc__gb_push_scope(b, "range");
	if (!sc)
		return;
	full = tfc__strdup(sc);
	tfc_output start = tfc__gb_const_scalar(b, "start", TFC_INT32, 0);
	tfc_output delta = tfc__gb_const_scalar(b, "delta", TFC_INT32, 2);
	tfc__gb_pop_scope(b);
	d = tfc__gb_new_exact(b, "Range", full);
	free(full);
	tfc__gb_input(b, d, start);
	tfc__gb_input(b, d, sz);
	tfc__gb_input(b, d, delta);
	tfc_output axes = tfc__gb_finish(b, d);
	tfc_output r = tfc__gb_op2(b, "Reshape", "Reshape", dy[0], split_shape);
	dx[0] = tfc__gb_sum(b, "Sum", r, axes, false);
}

static void fill_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_shape s = tfc__gb_static_shape(dy[0]);
	if (s.rank >= 0) {
		int64_t axes[TFC_MAX_RANK];
		for (int i = 0; i < s.rank; i++)
			axes[i] = i;
		const char *sc = tfc__gb_push_scope(b, "Sum");
		if (!sc)
			return;
		char *full = tfc__strdup(sc);
		tfc_output ax = tfc__gb_const_ivec(b, "Const", TFC_INT32, axes, s.rank);
		tfc__gb_pop_scope(b);
		tfc_op_desc *d = tfc__gb_new_exact(b, "Sum", full);
		free(full);
		tfc__gb_input(b, d, dy[0]);
		tfc__gb_input(b, d, ax);
		dx[1] = tfc__gb_finish(b, d);
	} else {
		(void)op;
		tfc_output r = tfc__gb_rank(b, "Rank", dy[0]);
		tfc_output z = tfc__gb_const_scalar(b, "range/start", TFC_INT32, 0);
		tfc_output one = tfc__gb_const_scalar(b, "range/delta", TFC_INT32, 1);
		tfc_output axes = tfc__gb_op3(b, "Range", "range", z, r, one);
		dx[1] = tfc__gb_sum(b, "Sum", dy[0], axes, false);
	}
}

static void pad_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	/* Pad(x, paddings): slice(grad, paddings[:, 0], shape(x)) */
	tfc_output x = in(op, 0), a = in(op, 1);
	tfc_output rank = tfc__gb_rank(b, "Rank", x);
	tfc_output z = tfc__gb_const_scalar(b, "stack/1", TFC_INT32, 1);
	tfc_op_desc *d = tfc__gb_new(b, "Pack", "stack");
	tfc_output pr[2] = {rank, z};
	if (d && rank.oper && z.oper)
		tfc_op_add_input_list(d, pr, 2);
	tfc_output size = tfc__gb_finish(b, d);
	int64_t zz[2] = {0, 0};
	tfc_output begin = tfc__gb_const_ivec(b, "Slice/begin", TFC_INT32, zz, 2);
	tfc_output s = tfc__gb_op3(b, "Slice", "Slice", tfc__gb_cast(b, "Cast", a, TFC_INT32), begin,
				   size);
	int64_t m1 = -1;
	tfc_output pad_before = tfc__gb_reshape_c(b, "Reshape", s, &m1, 1);
	tfc_output xs = tfc__gb_shape(b, "Shape", x);
	dx[0] = tfc__gb_op3(b, "Slice", "Slice", dy[0], pad_before, xs);
}

static void select_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_output c = in(op, 0), x = in(op, 1);
	tfc_output z = tfc__gb_zeros_like(b, x);
	dx[1] = tfc__gb_op3(b, "Select", "Select", c, dy[0], z);
	dx[2] = tfc__gb_op3(b, "Select", "Select", c, z, dy[0]);
}

static void broadcast_to_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			      tfc_output *dx)
{
	tfc_output xs = tfc__gb_shape(b, "Shape", in(op, 0));
	tfc_op_desc *d = tfc__gb_new(b, "BroadcastGradientArgs", "BroadcastGradientArgs");
	tfc__gb_input(b, d, tfc__gb_cast(b, "Cast", in(op, 1), TFC_INT32));
	tfc__gb_input(b, d, xs);
	tfc_operation *ra = tfc__gb_finish_op(b, d);
	tfc_output s = tfc__gb_sum(b, "Sum", dy[0], (tfc_output){ra, 1}, true);
	dx[0] = tfc__gb_op2(b, "Reshape", "Reshape", s, xs);
}

/* SelectV2 broadcasts: each branch's gradient is summed back to its shape. */
static void select_v2_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			   tfc_output *dx)
{
	tfc_output c = in(op, 0), g = dy[0];
	tfc_output zeros = tfc__gb_const_scalar(b, "zeros", tfc__gb_dtype(g), 0);
	tfc_output os = tfc__gb_shape(b, "Shape", out(op, 0));
	for (int k = 1; k <= 2; k++) {
		tfc_output t = k == 1 ? tfc__gb_op3(b, "SelectV2", "SelectV2", c, g, zeros)
				      : tfc__gb_op3(b, "SelectV2", "SelectV2", c, zeros, g);
		tfc_output s = tfc__gb_shape(b, "Shape", in(op, k));
		tfc_op_desc *d = tfc__gb_new(b, "BroadcastGradientArgs", "BroadcastGradientArgs");
		tfc__gb_input(b, d, s);
		tfc__gb_input(b, d, os);
		tfc_operation *ra = tfc__gb_finish_op(b, d);
		t = tfc__gb_sum(b, "Sum", t, (tfc_output){ra, 0}, true);
		dx[k] = tfc__gb_op2(b, "Reshape", "Reshape", t, s);
	}
}

/* Gather and GatherV2 along axis 0: TensorFlow makes IndexedSlices; tfc makes them
 * dense at once, as their conversion to a tensor does: UnsortedSegmentSum of the
 * gradient rows by index into the first dimension of params. */
static void gather_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			tfc_output *dx)
{
	tfc_output params = in(op, 0), idx = in(op, 1);
	if (op->n_inputs > 2) {
		tfc_tensor *ax = tfc__gb_const_value(in(op, 2));
		int64_t a = -1;
		if (ax && tfc_tensor_num_elements(ax) == 1)
			a = tfc_tensor_dtype(ax) == TFC_INT64 ? *(int64_t *)tfc_tensor_data(ax)
							      : *(int32_t *)tfc_tensor_data(ax);
		tfc_tensor_free(ax);
		if (a != 0 || attr_int(op, "batch_dims") != 0) {
			tfc_status_set(b->st, TFC_UNIMPLEMENTED,
				       "gradient of '%s': GatherV2 along an axis other than a constant 0",
				       op->name);
			return;
		}
	}
	tfc_output ps = tfc__gb_shape(b, "Shape", params);
	tfc_output size = tfc__gb_size(b, "Size", idx);
	tfc_output size1 = tfc__gb_expand_dims(b, "ExpandDims", size, 0);
	int64_t one = 1, zero = 0, m1 = -1;
	tfc_output rest = tfc__gb_op3(b, "Slice", "Slice", ps,
				      tfc__gb_const_ivec(b, "Slice/begin", TFC_INT32, &one, 1),
				      tfc__gb_const_ivec(b, "Slice/size", TFC_INT32, &m1, 1));
	const char *sc = tfc__gb_push_scope(b, "concat");
	if (!sc)
		return;
	char *full = tfc__strdup(sc);
	tfc_output axis = tfc__gb_const_scalar(b, "axis", TFC_INT32, 0);
	tfc__gb_pop_scope(b);
	tfc_op_desc *d = tfc__gb_new_exact(b, "ConcatV2", full);
	free(full);
	tfc_output parts[2] = {size1, rest};
	if (d && size1.oper && rest.oper)
		tfc_op_add_input_list(d, parts, 2);
	tfc__gb_input(b, d, axis);
	tfc_output vshape = tfc__gb_finish(b, d);
	tfc_output values = tfc__gb_op2(b, "Reshape", "Reshape", dy[0], vshape);
	tfc_output flat = tfc__gb_op2(b, "Reshape", "Reshape", idx, size1);
	/* the first dimension as a scalar: Slice + Reshape to [] */
	tfc_output first = tfc__gb_op3(b, "Slice", "Slice", ps,
				       tfc__gb_const_ivec(b, "Slice/begin", TFC_INT32, &zero, 1),
				       tfc__gb_const_ivec(b, "Slice/size", TFC_INT32, &one, 1));
	first = tfc__gb_reshape_c(b, "Reshape", first, NULL, 0);
	dx[0] = tfc__gb_op3(b, "UnsortedSegmentSum", "UnsortedSegmentSum", values, flat, first);
}

static void reverse_v2_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			    tfc_output *dx)
{
	dx[0] = tfc__gb_op2(b, "ReverseV2", "ReverseV2", dy[0], in(op, 1));
}

static void check_numerics_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
				tfc_output *dx)
{
	size_t n = 0;
	tfc_status *tmp = tfc_status_new();
	const char *m = tfc_operation_get_attr_string(op, "message", &n, tmp);
	tfc_status_free(tmp);
	char *msg = tfc__asprintf("Not a number (NaN) or infinity (Inf) values detected in "
				  "gradient. %.*s", (int)n, m ? m : "");
	tfc_op_desc *d = tfc__gb_new(b, "CheckNumerics", "CheckNumerics");
	tfc__gb_input(b, d, dy[0]);
	if (d)
		tfc_op_set_attr_string(d, "message", msg, strlen(msg));
	free(msg);
	dx[0] = tfc__gb_finish(b, d);
}

static void prevent_gradient_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
				  tfc_output *dx)
{
	(void)dy;
	(void)dx;
	size_t n = 0;
	tfc_status *tmp = tfc_status_new();
	const char *m = tfc_operation_get_attr_string(op, "message", &n, tmp);
	tfc_status_free(tmp);
	tfc_status_set(b->st, TFC_INVALID_ARGUMENT, "Gradient explicitly disabled. Reason: %.*s",
		       (int)n, m ? m : "");
}

const struct tfc__grad_def tfc__grad_array_defs[] = {
	{"Reshape", reshape_to_input},
	{"ExpandDims", reshape_to_input},
	{"Squeeze", reshape_to_input},
	{"Transpose", transpose_grad},
	{"ConcatV2", concat_grad},
	{"Pack", pack_grad},
	{"Unpack", unpack_grad},
	{"Split", split_grad},
	{"SplitV", splitv_grad},
	{"Slice", slice_grad},
	{"StridedSlice", strided_slice_grad},
	{"Tile", tile_grad},
	{"Fill", fill_grad},
	{"Pad", pad_grad},
	{"Select", select_grad},
	{"SelectV2", select_v2_grad},
	{"Gather", gather_grad},
	{"ReverseV2", reverse_v2_grad},
	{"CheckNumerics", check_numerics_grad},
	{"EnsureShape", reshape_passthrough},
	{"ReadVariableOp", reshape_passthrough},
	{"GatherV2", gather_grad},
	{"BroadcastTo", broadcast_to_grad},
	{"PreventGradient", prevent_gradient_grad},
	/* not differentiable */
	{"Shape", NULL},
	{"ShapeN", NULL},
	{"Rank", NULL},
	{"Size", NULL},
	{"ZerosLike", NULL},
	{"OnesLike", NULL},
	{"StopGradient", NULL},
	{"BroadcastGradientArgs", NULL},
	{"Const", NULL},
	{"ConcatOffset", NULL},
	{"InvertPermutation", NULL},
	{"OneHot", NULL},
	{"VarIsInitializedOp", NULL},
	{"VariableShape", NULL},
	{NULL, NULL},
};
