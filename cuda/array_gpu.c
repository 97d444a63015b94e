/*
 * array_gpu.c: the GPU kernel records of the common array ops and element-wise
 * helpers of training graphs, so their tensors stay in the GPU's memory:
 *  - the moving ops Transpose, ConcatV2, Concat, Pack, Unpack, Split, SplitV, Slice,
 *    StridedSlice, StridedSliceGrad, Tile, Pad, PadV2 and BroadcastTo run the CPU
 *    kernels' own checks and index computations (tfc__transpose_run and friends,
 *    kernels.h) with a struct tfc__array_io whose outputs are device tensors
 *    and whose copies are one strided-copy launch each (contiguous dimensions merged
 *    first), for float, double, int32, int64 and bool;
 *  - Fill, ZerosLike, OnesLike (a fill or a memset), AddN (float, double: the
 *    broadcasting Add of cuda/cwise_kernels.cu, summed in the CPU's order), Cast
 *    among float, double, int32, int64 and bool, the comparisons Equal, NotEqual,
 *    Less, LessEqual, Greater, GreaterEqual with broadcasting (bool out), Select and
 *    SelectV2, ArgMax and ArgMin over one axis.
 * The argument checks and their error texts are the CPU kernels' (shared through
 * kernels.h). Shape-like inputs (axes, perm, begin/size, multiples, Fill's dims and
 * value) are read on the host. The device code is cuda/array_kernels.cu. The
 * metadata-only ops (Reshape, Shape, ShapeN, Size, Rank, ExpandDims, Squeeze,
 * PreventGradient) need no CUDA: their GPU records are next to the CPU ones in
 * kernels/array_kernels.c and kernels/array_shape_kernels.c.
 */
#include "array_launch.h"
#include "broadcast.h"
#include "device_iface.h"
#include "gpu_internal.h"

/* ---- dimension merging */

/* Drops size-1 dimensions and merges each dimension into its outer neighbour when
 * every operand's stride allows it (outer stride = inner stride * inner size), in
 * place over dims and the nops stride arrays; returns the new rank (0 for a single
 * element). Fewer dimensions mean fewer divisions per element on the device, and
 * keep most copies well under the launchers' rank limits. */
static int merge_dims(int rank, int64_t *dims, int nops, int64_t (*str)[TFC_MAX_RANK])
{
	int m = 0;
	for (int d = 0; d < rank; d++) {
		if (dims[d] == 1)
			continue;
		bool merge = m > 0;
		for (int k = 0; merge && k < nops; k++)
			merge = str[k][m - 1] == str[k][d] * dims[d];
		if (merge) {
			dims[m - 1] *= dims[d];
			for (int k = 0; k < nops; k++)
				str[k][m - 1] = str[k][d];
			continue;
		}
		dims[m] = dims[d];
		for (int k = 0; k < nops; k++)
			str[k][m] = str[k][d];
		m++;
	}
	return m;
}

/* ---- the moving ops: device outputs, strided copies on the GPU */

static tfc_tensor *gpu_alloc(struct tfc_kernel_ctx *ctx, int i, tfc_dtype dtype, const int64_t *dims, int rank)
{
	return tfc__gpu_alloc_output(ctx, i, dtype, dims, rank);
}

static bool gpu_copy(struct tfc_kernel_ctx *ctx, tfc_tensor *dst, int64_t dst_off, const tfc_tensor *src,
		     int64_t src_off, int rank, const int64_t *dims, const int64_t *dstr, const int64_t *sstr)
{
	int64_t d[TFC_MAX_RANK], s[2][TFC_MAX_RANK], n = 1;
	for (int k = 0; k < rank; k++) {
		d[k] = dims[k];
		s[0][k] = dstr[k];
		s[1][k] = sstr[k];
		n *= dims[k];
	}
	if (n == 0)
		return true;
	int m = merge_dims(rank, d, 2, s);
	if (m > TFC_GPU_COPY_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "GPU %s: a copy over %d dimensions (at most %d)", ctx->op->type,
				 m, TFC_GPU_COPY_MAX_RANK);
		return false;
	}
	struct tfc__gpu_copy_geom g = {.rank = m};
	for (int k = 0; k < m; k++) {
		g.dims[k] = d[k];
		g.dstr[k] = s[0][k];
		g.sstr[k] = s[1][k];
	}
	const char *sp = tfc__gpu_upload(ctx, src);
	if (!sp)
		return false;
	size_t esz = tfc_dtype_size(dst->dtype);
	char *dp = tfc_tensor_data(dst);
	return tfc__gpu_launch_ok(ctx, tfc__gpu_launch_copy_strided(tfc__gpu_stream(), (int)esz, dp + (size_t)dst_off * esz,
							   sp + (size_t)src_off * esz, &g, n));
}

static const struct tfc__array_io gpu_io = {.alloc = gpu_alloc, .copy = gpu_copy, .zero = tfc__gpu_zero};

static void transpose_compute(struct tfc_kernel_ctx *ctx) { tfc__transpose_run(ctx, &gpu_io); }
static void concat_compute(struct tfc_kernel_ctx *ctx) { tfc__concat_run(ctx, &gpu_io); }
static void pack_compute(struct tfc_kernel_ctx *ctx) { tfc__pack_run(ctx, &gpu_io); }
static void slice_compute(struct tfc_kernel_ctx *ctx) { tfc__slice_run(ctx, &gpu_io); }
static void strided_slice_compute(struct tfc_kernel_ctx *ctx) { tfc__strided_slice_run(ctx, &gpu_io); }
static void tile_compute(struct tfc_kernel_ctx *ctx) { tfc__tile_run(ctx, &gpu_io); }
static void unpack_compute(struct tfc_kernel_ctx *ctx) { tfc__unpack_run(ctx, &gpu_io); }
static void split_compute(struct tfc_kernel_ctx *ctx) { tfc__split_run(ctx, &gpu_io); }
static void split_v_compute(struct tfc_kernel_ctx *ctx) { tfc__split_v_run(ctx, &gpu_io); }
static void pad_compute(struct tfc_kernel_ctx *ctx) { tfc__pad_run(ctx, &gpu_io); }
static void broadcast_to_compute(struct tfc_kernel_ctx *ctx) { tfc__broadcast_to_run(ctx, &gpu_io); }
static void ss_grad_compute(struct tfc_kernel_ctx *ctx) { tfc__ss_grad_run(ctx, &gpu_io); }

/* ConcatV2's axis is its last input, whose index depends on N, so host_inputs (a
 * fixed mask) cannot name it: when it comes in the GPU's memory (an int32 made by a
 * GPU kernel) it is copied to the host here, and the CPU's checks run on a context
 * that holds the host copy. */
static void concat_v2_compute(struct tfc_kernel_ctx *ctx)
{
	int last = ctx->n_inputs - 1;
	if (last < 1 || !ctx->inputs[last] || !tfc__tensor_device(ctx->inputs[last])) {
		tfc__concat_v2_run(ctx, &gpu_io);
		return;
	}
	tfc_tensor **in = tfc__malloc(sizeof(*in) * (size_t)ctx->n_inputs);
	memcpy(in, ctx->inputs, sizeof(*in) * (size_t)ctx->n_inputs);
	in[last] = tfc__tensor_to_host(ctx->inputs[last], ctx->st);
	if (in[last]) {
		struct tfc_kernel_ctx hc = *ctx;
		hc.inputs = in;
		tfc__concat_v2_run(&hc, &gpu_io);
		tfc_tensor_free(in[last]);
	}
	free(in);
}

/* ---- Fill, ZerosLike, OnesLike */

/* Fills t (in the GPU's memory) with the element whose bytes are at value. */
static void fill_with(struct tfc_kernel_ctx *ctx, tfc_tensor *t, const void *value)
{
	size_t esz = tfc_dtype_size(t->dtype);
	uint64_t bits = 0;
	memcpy(&bits, value, esz);
	tfc__gpu_launch_ok(ctx, tfc__gpu_launch_fill(tfc__gpu_stream(), (int)esz, tfc_tensor_data(t), t->n_elems, bits));
}

static void fill_compute(struct tfc_kernel_ctx *ctx)
{
	int64_t dims[TFC_MAX_RANK];
	int rank;
	if (!tfc__fill_args_ok(ctx, dims, &rank))
		return;
	const tfc_tensor *value = ctx->inputs[1]; /* on the host (host_inputs) */
	if (tfc__gpu_elem(value->dtype) < 0) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "No GPU kernel for Fill of %s", tfc_dtype_name(value->dtype));
		return;
	}
	tfc_tensor *o = tfc__gpu_alloc_output(ctx, 0, value->dtype, dims, rank);
	if (o && o->n_elems)
		fill_with(ctx, o, tfc_tensor_data(value));
}

static void zeros_like_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 1, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	tfc_tensor *o = tfc__gpu_alloc_output(ctx, 0, x->dtype, x->shape.dims, x->shape.rank);
	if (o && o->n_elems)
		tfc__gpu_zero(ctx, o);
}

static void ones_like_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 1, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	union {
		float f;
		double d;
		int32_t i32;
		int64_t i64;
		uint8_t b;
	} one;
	switch (x->dtype) {
	case TFC_FLOAT: one.f = 1; break;
	case TFC_DOUBLE: one.d = 1; break;
	case TFC_INT32: one.i32 = 1; break;
	case TFC_INT64: one.i64 = 1; break;
	case TFC_BOOL: one.b = 1; break;
	default:
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "No GPU kernel for OnesLike of %s", tfc_dtype_name(x->dtype));
		return;
	}
	tfc_tensor *o = tfc__gpu_alloc_output(ctx, 0, x->dtype, x->shape.dims, x->shape.rank);
	if (o && o->n_elems)
		fill_with(ctx, o, &one);
}

/* ---- AddN: ((x0 + x1) + x2) + ..., the CPU's order, by the element-wise Add */

static void add_n_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__addn_args_ok(ctx))
		return;
	const tfc_tensor *x0 = ctx->inputs[0];
	if (ctx->n_inputs == 1) {
		tfc_kernel_forward_input(ctx, 0, 0);
		return;
	}
	int dt = x0->dtype == TFC_FLOAT ? 0 : 1;
	tfc_tensor *y = tfc__gpu_alloc_output(ctx, 0, x0->dtype, x0->shape.dims, x0->shape.rank);
	if (!y || y->n_elems == 0)
		return;
	int64_t n = y->n_elems, one = 1;
	void *acc = tfc__gpu_upload(ctx, x0);
	for (int k = 1; acc && k < ctx->n_inputs; k++) {
		void *xk = tfc__gpu_upload(ctx, ctx->inputs[k]);
		if (!xk || !tfc__gpu_launch_ok(ctx, tfc__gpu_launch_binary(tfc__gpu_stream(), TFC_GB_ADD, dt, acc, xk,
									   tfc_tensor_data(y), 1, &n, &one, &one, n)))
			return;
		acc = tfc_tensor_data(y);
	}
}

/* ---- Cast */

static void cast_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__cast_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 1, s->src))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	if (s->src == s->dst) {
		tfc_kernel_forward_input(ctx, 0, 0);
		return;
	}
	tfc_tensor *y = tfc__gpu_alloc_output(ctx, 0, s->dst, x->shape.dims, x->shape.rank);
	if (!y || y->n_elems == 0)
		return;
	void *xp = tfc__gpu_upload(ctx, x);
	if (xp)
		tfc__gpu_launch_ok(ctx, tfc__gpu_launch_cast(tfc__gpu_stream(), tfc__gpu_elem(s->src), tfc__gpu_elem(s->dst),
							     xp, tfc_tensor_data(y), x->n_elems));
}

/* ---- comparisons */

static const struct {
	const char *op;
	enum tfc__gpu_compare c;
} compare_ops[] = {
	{"Equal", TFC_GC_EQUAL}, {"NotEqual", TFC_GC_NOT_EQUAL}, {"Less", TFC_GC_LESS},
	{"LessEqual", TFC_GC_LESS_EQUAL}, {"Greater", TFC_GC_GREATER}, {"GreaterEqual", TFC_GC_GREATER_EQUAL},
};

static int compare_of(const char *op)
{
	for (size_t i = 0; i < TFC_ARRAY_LEN(compare_ops); i++)
		if (!strcmp(compare_ops[i].op, op))
			return (int)compare_ops[i].c;
	return -1;
}

static void compare_compute(struct tfc_kernel_ctx *ctx)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(ctx->op, "T"));
	if (!tfc__kernel_inputs_ok(ctx, 2, t))
		return;
	const tfc_tensor *a = ctx->inputs[0], *b = ctx->inputs[1];
	struct tfc__bcast bc;
	if (!tfc__bcast_init(&bc, &a->shape, &b->shape, ctx->st))
		return;
	if (bc.rank > TFC_GPU_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "GPU %s: broadcasting over %d dimensions", ctx->op->type,
				 bc.rank);
		return;
	}
	tfc_tensor *y = tfc__gpu_alloc_output(ctx, 0, TFC_BOOL, bc.out.dims, bc.out.rank);
	if (!y || y->n_elems == 0)
		return;
	void *ap = tfc__gpu_upload(ctx, a);
	void *bp = ap ? tfc__gpu_upload(ctx, b) : NULL;
	if (bp)
		tfc__gpu_launch_ok(ctx, tfc__gpu_launch_compare(tfc__gpu_stream(), compare_of(ctx->op->type),
								tfc__gpu_elem(t), ap, bp, tfc_tensor_data(y), bc.rank,
								bc.dims, bc.sa, bc.sb, bc.n));
}

/* ---- Select, SelectV2 */

/* out (allocated, of dims) = cond ? t : e over `rank` dims with the operands' element
 * strides str[0..2] (cond, t, e), merged first. */
static void select_launch(struct tfc_kernel_ctx *ctx, tfc_tensor *out, int rank, int64_t *dims,
			  int64_t (*str)[TFC_MAX_RANK])
{
	int m = merge_dims(rank, dims, 3, str);
	if (m > TFC_GPU_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "GPU %s: broadcasting over %d dimensions", ctx->op->type, m);
		return;
	}
	const uint8_t *cp = tfc__gpu_upload(ctx, ctx->inputs[0]);
	void *tp = cp ? tfc__gpu_upload(ctx, ctx->inputs[1]) : NULL;
	void *ep = tp ? tfc__gpu_upload(ctx, ctx->inputs[2]) : NULL;
	if (ep)
		tfc__gpu_launch_ok(ctx, tfc__gpu_launch_select(tfc__gpu_stream(), (int)tfc_dtype_size(out->dtype), cp, tp, ep,
						      tfc_tensor_data(out), m, dims, str[0], str[1], str[2],
						      out->n_elems));
}

static void select_compute(struct tfc_kernel_ctx *ctx)
{
	int64_t inner;
	if (!tfc__select_inputs_ok(ctx) || !tfc__select_inner(ctx, &inner))
		return;
	const tfc_tensor *t = ctx->inputs[1];
	tfc_tensor *out = tfc__gpu_alloc_output(ctx, 0, t->dtype, t->shape.dims, t->shape.rank);
	if (!out || out->n_elems == 0)
		return;
	/* [rows, inner]: the condition has one element per row */
	int64_t dims[TFC_MAX_RANK] = {out->n_elems / inner, inner};
	int64_t str[3][TFC_MAX_RANK] = {{1, 0}, {inner, 1}, {inner, 1}};
	select_launch(ctx, out, 2, dims, str);
}

static void select_v2_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__select_inputs_ok(ctx))
		return;
	struct tfc__bcast b1, b2;
	if (!tfc__bcast_init(&b1, &ctx->inputs[1]->shape, &ctx->inputs[2]->shape, ctx->st) ||
	    !tfc__bcast_init(&b2, &ctx->inputs[0]->shape, &b1.out, ctx->st))
		return;
	tfc_shape os = b2.out;
	tfc_tensor *out = tfc__gpu_alloc_output(ctx, 0, ctx->inputs[1]->dtype, os.dims, os.rank);
	if (!out || out->n_elems == 0)
		return;
	/* element strides of each operand over the output's dims (0: broadcast) */
	int r = os.rank;
	int64_t dims[TFC_MAX_RANK], str[3][TFC_MAX_RANK];
	memcpy(dims, os.dims, sizeof(int64_t) * (size_t)r);
	for (int k = 0; k < 3; k++) {
		const tfc_shape *s = &ctx->inputs[k]->shape;
		int64_t step = 1;
		for (int d = r - 1; d >= 0; d--) {
			int kd = d - (r - s->rank);
			int64_t dim = kd >= 0 ? s->dims[kd] : 1;
			str[k][d] = dim == 1 ? 0 : step;
			step *= dim;
		}
	}
	select_launch(ctx, out, r, dims, str);
}

/* ---- ArgMax, ArgMin */

static void arg_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__arg_state *s = ctx->state;
	int64_t odims[TFC_MAX_RANK], outer, n, inner;
	int orank;
	if (!tfc__arg_args_ok(ctx, s, &outer, &n, &inner, odims, &orank))
		return;
	tfc_tensor *y = tfc__gpu_alloc_output(ctx, 0, s->out, odims, orank);
	if (!y || y->n_elems == 0)
		return;
	void *xp = tfc__gpu_upload(ctx, ctx->inputs[0]);
	if (xp)
		tfc__gpu_launch_ok(ctx, tfc__gpu_launch_argminmax(tfc__gpu_stream(), s->max, tfc__gpu_elem(s->dtype),
								  s->out == TFC_INT64, xp, tfc_tensor_data(y), outer, n,
								  inner));
}

/* ---- which nodes the GPU takes */

static bool elem_attr(const tfc_operation *op, const char *attr)
{
	return tfc__gpu_elem(tfc_kernel_attr_type(op, attr)) >= 0;
}

/* T among float, double, int32, int64, bool. */
static bool supports_t(const tfc_operation *op) { return elem_attr(op, "T"); }

static bool supports_float_t(const tfc_operation *op)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	return t == TFC_FLOAT || t == TFC_DOUBLE;
}

static bool supports_cast(const tfc_operation *op) { return elem_attr(op, "SrcT") && elem_attr(op, "DstT"); }

/* Ordered comparisons: numbers; Equal and NotEqual: bool too. */
static bool supports_compare(const tfc_operation *op)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t == TFC_BOOL)
		return !strcmp(op->type, "Equal") || !strcmp(op->type, "NotEqual");
	return tfc__gpu_elem(t) >= 0;
}

static bool supports_arg(const tfc_operation *op)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	tfc_dtype o = tfc_kernel_attr_type(op, "output_type");
	return t != TFC_BOOL && tfc__gpu_elem(t) >= 0 && (o == TFC_DTYPE_INVALID || o == TFC_INT32 || o == TFC_INT64);
}

#define K(NAME, FN, SUP, HOST, ...)                                                              \
	{.op = NAME, .device = "GPU", .compute = FN, .supports = SUP, .flags = TFC_KF_DEVICE_MEMORY, \
	 .host_inputs = HOST, __VA_ARGS__}
#define CMP(NAME) K(NAME, compare_compute, supports_compare, 0)
const struct tfc_kernel_def tfc__gpu_array_kernels[] = {
	K("Transpose", transpose_compute, supports_t, 1u << 1 /* perm */),
	K("ConcatV2", concat_v2_compute, supports_t, 0 /* the axis: see concat_v2_compute */),
	K("Concat", concat_compute, supports_t, 1u << 0 /* concat_dim */),
	K("Pack", pack_compute, supports_t, 0, .create = tfc__pack_create, .destroy = tfc__pack_destroy),
	K("Slice", slice_compute, supports_t, 1u << 1 | 1u << 2 /* begin, size */),
	K("StridedSlice", strided_slice_compute, supports_t, 1u << 1 | 1u << 2 | 1u << 3 /* begin, end, strides */,
	  .create = tfc__ss_create, .destroy = tfc__ss_destroy),
	K("Tile", tile_compute, supports_t, 1u << 1 /* multiples */),
	K("Unpack", unpack_compute, supports_t, 0),
	K("Split", split_compute, supports_t, 1u << 0 /* split_dim */),
	K("SplitV", split_v_compute, supports_t, 1u << 1 | 1u << 2 /* size_splits, split_dim */),
	K("Pad", pad_compute, supports_t, 1u << 1 /* paddings */),
	K("PadV2", pad_compute, supports_t, 1u << 1 | 1u << 2 /* paddings, constant_values */),
	K("BroadcastTo", broadcast_to_compute, supports_t, 1u << 1 /* shape */),
	K("StridedSliceGrad", ss_grad_compute, supports_t, 0xfu /* shape, begin, end, strides */,
	  .create = tfc__ss_create, .destroy = tfc__ss_destroy),
	K("Fill", fill_compute, supports_t, 1u << 0 | 1u << 1 /* dims, value */),
	K("ZerosLike", zeros_like_compute, supports_t, 0),
	K("OnesLike", ones_like_compute, supports_t, 0),
	K("AddN", add_n_compute, supports_float_t, 0),
	K("Cast", cast_compute, supports_cast, 0, .create = tfc__cast_create, .destroy = tfc__cast_destroy),
	CMP("Equal"), CMP("NotEqual"), CMP("Less"), CMP("LessEqual"), CMP("Greater"), CMP("GreaterEqual"),
	K("Select", select_compute, supports_t, 0),
	K("SelectV2", select_v2_compute, supports_t, 0),
	K("ArgMax", arg_compute, supports_arg, 1u << 1 /* dimension */, .create = tfc__arg_create,
	  .destroy = tfc__arg_destroy),
	K("ArgMin", arg_compute, supports_arg, 1u << 1 /* dimension */, .create = tfc__arg_create,
	  .destroy = tfc__arg_destroy),
	{0},
};
