/*
 * array_shape_kernels.c: CPU kernels of the array ops that compute shapes or index
 * vectors, or only relabel a tensor's shape: ShapeN, Size, Rank, ExpandDims and
 * Squeeze (a new shape over the input's buffer), OnesLike, PreventGradient (the
 * input itself), InvertPermutation, BroadcastGradientArgs (the axes each operand's
 * gradient is summed over), ConcatOffset and Range. ShapeN, Size, Rank, ExpandDims,
 * Squeeze and PreventGradient have GPU records too, with these compute functions:
 * none reads an element of its tensor input (they read its shape, or alias its buffer
 * wherever it lives, tfc__kernel_share_input), so they need no CUDA; their int outputs
 * are host tensors, and ExpandDims' dim is read on the host.
 */
#include <math.h>

#include "kernels.h"

static bool is_index_type(tfc_dtype t) { return t == TFC_INT32 || t == TFC_INT64; }

static void set_int(tfc_tensor *t, int64_t i, int64_t v)
{
	if (t->dtype == TFC_INT32)
		((int32_t *)tfc_tensor_data(t))[i] = (int32_t)v;
	else
		((int64_t *)tfc_tensor_data(t))[i] = v;
}

static tfc_dtype out_type(const tfc_operation *op)
{
	tfc_dtype t = tfc_kernel_attr_type(op, "out_type");
	return t == TFC_DTYPE_INVALID ? TFC_INT32 : t;
}

static void *out_type_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = out_type(op);
	if (!is_index_type(t))
		return tfc__kernel_unsupported(op, "out_type", t, st);
	return NULL;
}

/* ---- ShapeN, Size, Rank */

static void shape_n_compute(struct tfc_kernel_ctx *ctx)
{
	tfc_dtype t = out_type(ctx->op);
	if (!tfc__kernel_inputs_ok(ctx, ctx->n_inputs, TFC_DTYPE_INVALID))
		return;
	for (int k = 0; k < ctx->n_inputs && k < ctx->n_outputs; k++) {
		const tfc_tensor *x = ctx->inputs[k];
		int64_t r = x->shape.rank;
		tfc_tensor *o = tfc_kernel_alloc_output(ctx, k, t, &r, 1);
		if (!o)
			return;
		for (int d = 0; d < r; d++) {
			if (t == TFC_INT32 && x->shape.dims[d] > INT32_MAX) {
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "ShapeN output type is 32-bit but shape %d dim %d is %lld",
						 k, d, (long long)x->shape.dims[d]);
				return;
			}
			set_int(o, d, x->shape.dims[d]);
		}
	}
}

static void size_compute(struct tfc_kernel_ctx *ctx)
{
	tfc_dtype t = out_type(ctx->op);
	if (!tfc__kernel_inputs_ok(ctx, 1, TFC_DTYPE_INVALID))
		return;
	int64_t n = ctx->inputs[0]->n_elems;
	if (t == TFC_INT32 && n > INT32_MAX) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Number of elements was larger than representable by 32-bit output "
				 "type");
		return;
	}
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, t, NULL, 0);
	if (o)
		set_int(o, 0, n);
}

static void rank_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 1, TFC_DTYPE_INVALID))
		return;
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, TFC_INT32, NULL, 0);
	if (o)
		set_int(o, 0, ctx->inputs[0]->shape.rank);
}

/* ---- ExpandDims, Squeeze */

static void expand_dims_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0], *dim = ctx->inputs[1];
	if (!is_index_type(dim->dtype) || dim->n_elems != 1) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "'dim' must be a tensor with a single value");
		return;
	}
	int r = x->shape.rank;
	int64_t a = tfc__kint(dim, 0);
	if (a < -1 - r || a > r) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Tried to expand dim index %lld for tensor with %d dimensions.",
				 (long long)a, r);
		return;
	}
	if (r + 1 > TFC_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "ExpandDims beyond %d dimensions",
				 TFC_MAX_RANK);
		return;
	}
	if (a < 0)
		a += r + 1;
	int64_t dims[TFC_MAX_RANK];
	for (int d = 0, k = 0; d <= r; d++)
		dims[d] = d == a ? 1 : x->shape.dims[k++];
	tfc__kernel_share_input(ctx, 0, 0, dims, r + 1);
}

static void squeeze_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 1, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	int r = x->shape.rank;
	int64_t sq[TFC_MAX_RANK];
	int n = tfc__kernel_attr_ints(ctx->op, "squeeze_dims", sq, TFC_MAX_RANK);
	bool drop[TFC_MAX_RANK] = {false};
	for (int i = 0; i < n; i++) {
		int64_t a = sq[i];
		if (a < -r || a >= r) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Tried to squeeze dim index %lld for tensor with %d dimensions.",
					 (long long)a, r);
			return;
		}
		if (a < 0)
			a += r;
		if (x->shape.dims[a] != 1) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Can not squeeze dim[%lld], expected a dimension of 1, got %lld",
					 (long long)a, (long long)x->shape.dims[a]);
			return;
		}
		drop[a] = true;
	}
	int64_t dims[TFC_MAX_RANK];
	int k = 0;
	for (int d = 0; d < r; d++)
		if (n > 0 ? !drop[d] : x->shape.dims[d] != 1)
			dims[k++] = x->shape.dims[d];
	tfc__kernel_share_input(ctx, 0, 0, dims, k);
}

/* ---- OnesLike, PreventGradient */

static void *ones_like_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	switch (t) {
	case TFC_FLOAT: case TFC_DOUBLE: case TFC_INT32: case TFC_INT64: case TFC_BOOL:
	case TFC_UINT8: case TFC_INT8: case TFC_INT16:
		return NULL;
	default:
		return tfc__kernel_unsupported(op, "T", t, st);
	}
}

static void ones_like_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 1, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, x->dtype, x->shape.dims, x->shape.rank);
	if (!o)
		return;
	void *p = tfc_tensor_data(o);
	for (int64_t i = 0; i < o->n_elems; i++) {
		switch (x->dtype) {
		case TFC_FLOAT: ((float *)p)[i] = 1; break;
		case TFC_DOUBLE: ((double *)p)[i] = 1; break;
		case TFC_INT32: ((int32_t *)p)[i] = 1; break;
		case TFC_INT64: ((int64_t *)p)[i] = 1; break;
		case TFC_INT16: ((int16_t *)p)[i] = 1; break;
		default: ((uint8_t *)p)[i] = 1; break;
		}
	}
}

static void forward_compute(struct tfc_kernel_ctx *ctx)
{
	if (tfc__kernel_inputs_ok(ctx, 1, TFC_DTYPE_INVALID))
		tfc_kernel_forward_input(ctx, 0, 0);
}

/* ---- InvertPermutation */

static void invert_permutation_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 1, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	char b[128];
	if (x->shape.rank != 1 || !is_index_type(x->dtype)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "invert_permutation expects a 1D vector.");
		return;
	}
	int64_t n = x->n_elems;
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, x->dtype, &n, 1);
	if (!o)
		return;
	bool *seen = tfc__calloc((size_t)n + 1, 1);
	for (int64_t i = 0; i < n; i++) {
		int64_t d = tfc__kint(x, i);
		if (d < 0 || d >= n) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%lld is not between 0 and %lld",
					 (long long)d, (long long)n);
			break;
		}
		if (seen[d]) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%lld is duplicated in the input.",
					 (long long)d);
			break;
		}
		seen[d] = true;
		set_int(o, d, i);
	}
	(void)b;
	free(seen);
}

/* ---- BroadcastGradientArgs */

static void bga_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *s[2] = { ctx->inputs[0], ctx->inputs[1] };
	for (int k = 0; k < 2; k++)
		if (s[k]->shape.rank != 1 || !is_index_type(s[k]->dtype) || s[k]->n_elems > 64) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "In[%d] must be a vector of at most 64 dimensions", k);
			return;
		}
	int64_t n0 = s[0]->n_elems, n1 = s[1]->n_elems, r = n0 > n1 ? n0 : n1;
	int64_t red[2][64], nred[2] = {0, 0};
	bool same = n0 == n1;
	for (int64_t i = 0; same && i < n0; i++)
		same = tfc__kint(s[0], i) == tfc__kint(s[1], i);
	/* Aligned at the last dimension; missing leading ones are 1. Where the output's
	 * dimension is 1 and so is an operand's, TensorFlow reduces over it as well,
	 * unless the two shapes are equal (then nothing is reduced). */
	for (int64_t i = 0; i < r && !same; i++) {
		int64_t a = i - (r - n0) >= 0 ? tfc__kint(s[0], i - (r - n0)) : 1;
		int64_t b = i - (r - n1) >= 0 ? tfc__kint(s[1], i - (r - n1)) : 1;
		if (a != b && a != 1 && b != 1) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Incompatible shapes: dimension %lld is %lld vs. %lld",
					 (long long)i, (long long)a, (long long)b);
			return;
		}
		if (a == 1 && b == 1) {
			red[0][nred[0]++] = i;
			red[1][nred[1]++] = i;
		} else if (a == 1) {
			red[0][nred[0]++] = i;
		} else if (b == 1) {
			red[1][nred[1]++] = i;
		}
	}
	for (int k = 0; k < 2; k++) {
		tfc_tensor *o = tfc_kernel_alloc_output(ctx, k, s[0]->dtype, &nred[k], 1);
		if (!o)
			return;
		for (int64_t i = 0; i < nred[k]; i++)
			set_int(o, i, red[k][i]);
	}
}

/* ---- ConcatOffset */

static void concat_offset_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, ctx->n_inputs, TFC_DTYPE_INVALID))
		return;
	int n = ctx->n_inputs - 1;
	const tfc_tensor *cd = ctx->inputs[0], *s0 = ctx->inputs[1];
	if (cd->n_elems != 1 || s0->shape.rank != 1) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Concat dim tensor should be a scalar");
		return;
	}
	int64_t r = s0->n_elems, axis = tfc__kint(cd, 0);
	if (axis < -r || axis >= r) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Concat dim is out of range: %lld vs. %lld", (long long)axis,
				 (long long)r);
		return;
	}
	if (axis < 0)
		axis += r;
	int64_t off = 0;
	for (int k = 0; k < n && k < ctx->n_outputs; k++) {
		const tfc_tensor *s = ctx->inputs[k + 1];
		if (s->shape.rank != 1 || s->n_elems != r) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "input %d should contain %lld elements, but got %lld", k,
					 (long long)r, (long long)s->n_elems);
			return;
		}
		tfc_tensor *o = tfc_kernel_alloc_output(ctx, k, TFC_INT32, &r, 1);
		if (!o)
			return;
		for (int64_t d = 0; d < r; d++) {
			if (d != axis && tfc__kint(s, d) != tfc__kint(s0, d)) {
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "input[%d,%lld] mismatch: %lld vs. %lld", k, (long long)d,
						 (long long)tfc__kint(s0, d), (long long)tfc__kint(s, d));
				return;
			}
			set_int(o, d, d == axis ? off : 0);
		}
		off += tfc__kint(s, axis);
	}
}

/* ---- Range */

static void *range_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_kernel_attr_type(op, "Tidx");
	if (t != TFC_FLOAT && t != TFC_DOUBLE && t != TFC_INT32 && t != TFC_INT64)
		return tfc__kernel_unsupported(op, "Tidx", t, st);
	return NULL;
}

static double as_double(const tfc_tensor *t)
{
	switch (t->dtype) {
	case TFC_FLOAT: return *(const float *)tfc_tensor_data(t);
	case TFC_DOUBLE: return *(const double *)tfc_tensor_data(t);
	default: return (double)tfc__kint(t, 0);
	}
}

static void range_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 3, TFC_DTYPE_INVALID))
		return;
	const char *names[3] = { "start", "limit", "delta" };
	for (int k = 0; k < 3; k++)
		if (ctx->inputs[k]->n_elems != 1) {
			char b[128];
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%s must be a scalar, not shape %s",
					 names[k], tfc__kshape(&ctx->inputs[k]->shape, b, sizeof(b)));
			return;
		}
	tfc_dtype t = ctx->inputs[0]->dtype;
	bool fl = t == TFC_FLOAT || t == TFC_DOUBLE;
	int64_t n;
	if (fl) {
		double s = as_double(ctx->inputs[0]), l = as_double(ctx->inputs[1]),
		       d = as_double(ctx->inputs[2]);
		if (d == 0) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Requires delta != 0: %g", d);
			return;
		}
		if ((d > 0 && s > l) || (d < 0 && s < l)) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 d > 0 ? "Requires start <= limit when delta > 0: %g/%g"
					       : "Requires start >= limit when delta < 0: %g/%g",
					 s, l);
			return;
		}
		double c = ceil(fabs((l - s) / d));
		if (!(c < 1e15)) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Requires ((limit - start) / delta) <= 2**63 - 1");
			return;
		}
		n = (int64_t)c;
	} else {
		int64_t s = tfc__kint(ctx->inputs[0], 0), l = tfc__kint(ctx->inputs[1], 0),
			d = tfc__kint(ctx->inputs[2], 0);
		if (d == 0) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Requires delta != 0: %lld",
					 (long long)d);
			return;
		}
		if ((d > 0 && s > l) || (d < 0 && s < l)) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 d > 0 ? "Requires start <= limit when delta > 0: %lld/%lld"
					       : "Requires start >= limit when delta < 0: %lld/%lld",
					 (long long)s, (long long)l);
			return;
		}
		uint64_t span = d > 0 ? (uint64_t)l - (uint64_t)s : (uint64_t)s - (uint64_t)l;
		uint64_t ad = d > 0 ? (uint64_t)d : 0 - (uint64_t)d;
		n = (int64_t)((span + ad - 1) / ad);
	}
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, t, &n, 1);
	if (!o)
		return;
	void *p = tfc_tensor_data(o);
	for (int64_t i = 0; i < n; i++) {
		switch (t) {
		case TFC_FLOAT:
			((float *)p)[i] = (float)(*(const float *)tfc_tensor_data(ctx->inputs[0]) +
						  (float)i * *(const float *)tfc_tensor_data(ctx->inputs[2]));
			break;
		case TFC_DOUBLE:
			((double *)p)[i] = as_double(ctx->inputs[0]) + (double)i * as_double(ctx->inputs[2]);
			break;
		default:
			set_int(o, i, (int64_t)((uint64_t)tfc__kint(ctx->inputs[0], 0) +
						(uint64_t)i * (uint64_t)tfc__kint(ctx->inputs[2], 0)));
		}
	}
}

/* The GPU takes numeric tensors (a string, variant or resource stays on the host). */
static bool gpu_numeric_t(const tfc_operation *op)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	return tfc_dtype_size(t) > 0 && t != TFC_STRING && t != TFC_RESOURCE && t != TFC_VARIANT;
}

#define K(NAME, ...) { .op = NAME, .device = "CPU", __VA_ARGS__ }
#define GPU(NAME, ...) { .op = NAME, .device = "GPU", .supports = gpu_numeric_t, \
			 .flags = TFC_KF_DEVICE_MEMORY, __VA_ARGS__ }
const struct tfc_kernel_def tfc__array_shape_kernels[] = {
	K("ShapeN", .create = out_type_create, .compute = shape_n_compute),
	K("Size", .create = out_type_create, .compute = size_compute),
	K("Rank", .compute = rank_compute),
	K("ExpandDims", .compute = expand_dims_compute),
	K("Squeeze", .compute = squeeze_compute),
	K("OnesLike", .create = ones_like_create, .compute = ones_like_compute),
	K("PreventGradient", .compute = forward_compute),
	K("InvertPermutation", .compute = invert_permutation_compute),
	K("BroadcastGradientArgs", .compute = bga_compute),
	K("ConcatOffset", .compute = concat_offset_compute),
	K("Range", .create = range_create, .compute = range_compute),
	GPU("ShapeN", .create = out_type_create, .compute = shape_n_compute),
	GPU("Size", .create = out_type_create, .compute = size_compute),
	GPU("Rank", .compute = rank_compute),
	GPU("ExpandDims", .compute = expand_dims_compute, .host_inputs = 1u << 1),
	GPU("Squeeze", .compute = squeeze_compute),
	GPU("PreventGradient", .compute = forward_compute),
	{ .op = NULL },
};
