/*
 * array_kernels.c: CPU kernels of the ops that rearrange or make arrays: Reshape (a
 * new shape over the same buffer, one dimension inferable from -1), Pack (stacking N
 * equal-shaped tensors along a new axis), Shape, Fill and ZerosLike. They work for
 * every dense dtype, strings included (string elements are copied, never shared
 * between two buffers). Reshape and Shape have GPU records too: they read no element
 * of their input (Reshape makes a new shape over its buffer wherever it lives, Shape
 * reads the shape and makes a host tensor), so they need no CUDA and are here.
 * Pack's checks and copies and Fill's checks are shared with the GPU's kernels
 * (cuda/array_gpu.c; kernels.h).
 */
#include "kernels.h"

/* Bytes per element as tensors store them. */
static size_t elem_size(tfc_dtype dt)
{
	if (dt == TFC_STRING)
		return sizeof(tfc_tstring);
	if (dt == TFC_RESOURCE)
		return sizeof(void *);
	return tfc_dtype_size(dt);
}

/* Copies n elements from src[so..] to dst[do_..] (same dtype; strings deep-copied). */
static void copy_elems(tfc_tensor *dst, int64_t do_, const tfc_tensor *src, int64_t so, int64_t n)
{
	if (n <= 0)
		return;
	if (dst->dtype == TFC_STRING) {
		for (int64_t i = 0; i < n; i++) {
			const tfc_tstring *s = tfc_tensor_string(src, so + i);
			tfc_tensor_set_string(dst, do_ + i, s->ptr, s->len, NULL);
		}
		return;
	}
	size_t esz = elem_size(dst->dtype);
	memcpy((char *)tfc_tensor_data(dst) + (size_t)do_ * esz,
	       (const char *)tfc_tensor_data(src) + (size_t)so * esz, (size_t)n * esz);
}

/* Reads element i of an int32 or int64 tensor. */
static int64_t int_at(const tfc_tensor *t, int64_t i)
{
	if (t->dtype == TFC_INT32)
		return ((const int32_t *)tfc_tensor_data(t))[i];
	return ((const int64_t *)tfc_tensor_data(t))[i];
}

static bool is_index_type(tfc_dtype t) { return t == TFC_INT32 || t == TFC_INT64; }

/* Most dtypes are fine for a kernel that only moves elements; variants are not.
 * False with st set when T is not. */
static bool dense_t_ok(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t == TFC_DTYPE_INVALID || t == TFC_VARIANT) {
		tfc__kernel_unsupported(op, "T", t, st);
		return false;
	}
	return true;
}

/* ---- Reshape */

static void *reshape_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype ts = tfc_kernel_attr_type(op, "Tshape");
	if (ts != TFC_DTYPE_INVALID && !is_index_type(ts))
		return tfc__kernel_unsupported(op, "Tshape", ts, st);
	dense_t_ok(op, st);
	return NULL;
}

static void reshape_compute(struct tfc_kernel_ctx *ctx)
{
	const tfc_tensor *in = ctx->inputs[0], *sizes = ctx->inputs[1];
	char buf[512];
	if (!in || !sizes) {
		tfc_kernel_error(ctx, TFC_INTERNAL, "An input of Reshape is missing");
		return;
	}
	if (sizes->shape.rank > 1 || !is_index_type(sizes->dtype)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "sizes input must be 1-D, not %s",
				 tfc__kshape(&sizes->shape, buf, sizeof(buf)));
		return;
	}
	int64_t rank = sizes->n_elems;
	if (rank > TFC_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Reshape to %lld dimensions: tfc supports at most %d",
				 (long long)rank, TFC_MAX_RANK);
		return;
	}
	int64_t dims[TFC_MAX_RANK];
	int64_t product = 1;
	int unknown = -1;
	bool overflow = false;
	for (int i = 0; i < rank; i++) {
		int64_t d = int_at(sizes, i);
		dims[i] = d;
		if (d == -1) {
			if (unknown >= 0) {
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "Only one input size may be -1, not both %d and %d",
						 unknown, i);
				return;
			}
			unknown = i;
		} else if (d < 0) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Size %d must be non-negative, not %lld", i, (long long)d);
			return;
		} else if (d && product > INT64_MAX / d) {
			overflow = true;
		} else {
			product *= d;
		}
	}
	int64_t n = in->n_elems;
	if (overflow) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Input to reshape is a tensor with %lld values, but the requested "
				 "shape has more than %lld",
				 (long long)n, (long long)INT64_MAX);
		return;
	}
	if (unknown >= 0) {
		if (product == 0 || n % product != 0) {
			if (product == 0)
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "Reshape cannot infer the missing input size for an "
						 "empty tensor unless all specified input sizes are "
						 "non-zero");
			else
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "Input to reshape is a tensor with %lld values, but "
						 "the requested shape requires a multiple of %lld",
						 (long long)n, (long long)product);
			return;
		}
		dims[unknown] = n / product;
	} else if (product != n) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Input to reshape is a tensor with %lld values, but the requested "
				 "shape has %lld",
				 (long long)n, (long long)product);
		return;
	}
	tfc__kernel_share_input(ctx, 0, 0, dims, (int)rank);
}

/* ---- Pack */

struct pack_state {
	int64_t axis; /* as given (may be negative) */
};

void *tfc__pack_create(const tfc_operation *op, tfc_status *st)
{
	if (!dense_t_ok(op, st))
		return NULL;
	struct pack_state *s = tfc__malloc(sizeof(*s));
	s->axis = tfc__kernel_attr_int(op, "axis", 0);
	return s;
}

void tfc__pack_destroy(void *state) { free(state); }

void tfc__pack_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io)
{
	const struct pack_state *s = ctx->state;
	int n = ctx->n_inputs;
	char b0[512], b1[512];
	if (n < 1 || !ctx->inputs[0]) {
		tfc_kernel_error(ctx, TFC_INTERNAL, "Pack has no inputs");
		return;
	}
	const tfc_tensor *first = ctx->inputs[0];
	int rank = first->shape.rank;
	int64_t expanded = rank + 1;
	int64_t axis = s->axis < 0 ? s->axis + expanded : s->axis;
	if (axis < 0 || axis >= expanded) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "axis = %lld not in [%lld, %lld)",
				 (long long)s->axis, (long long)-expanded, (long long)expanded);
		return;
	}
	if (expanded > TFC_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Pack to %lld dimensions: tfc supports at most %d",
				 (long long)expanded, TFC_MAX_RANK);
		return;
	}
	for (int i = 1; i < n; i++) {
		const tfc_tensor *t = ctx->inputs[i];
		bool same = t && t->dtype == first->dtype && t->shape.rank == rank;
		for (int d = 0; same && d < rank; d++)
			same = t->shape.dims[d] == first->shape.dims[d];
		if (!same) {
			if (!t || t->dtype != first->dtype)
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "All inputs of Pack must have one dtype: values[0] is "
						 "%s, values[%d] is %s",
						 tfc_dtype_name(first->dtype), i,
						 t ? tfc_dtype_name(t->dtype) : "missing");
			else
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "Shapes of all inputs must match: values[0].shape = "
						 "%s != values[%d].shape = %s",
						 tfc__kshape(&first->shape, b0, sizeof(b0)), i,
						 tfc__kshape(&t->shape, b1, sizeof(b1)));
			return;
		}
	}
	int64_t dims[TFC_MAX_RANK];
	for (int d = 0, k = 0; d < expanded; d++)
		dims[d] = d == axis ? n : first->shape.dims[k++];
	tfc_tensor *out = io->alloc(ctx, 0, first->dtype, dims, (int)expanded);
	if (!out)
		return;
	/* out viewed as [before, n, after]: input i ([before, after]) fills [:, i, :]. */
	int64_t before = 1, after = 1;
	for (int d = 0; d < rank; d++) {
		if (d < axis)
			before *= first->shape.dims[d];
		else
			after *= first->shape.dims[d];
	}
	int64_t vd[2] = {before, after}, dstr[2] = {n * after, 1}, sstr[2] = {after, 1};
	for (int i = 0; i < n; i++)
		if (!io->copy(ctx, out, i * after, ctx->inputs[i], 0, 2, vd, dstr, sstr))
			return;
}

static void pack_compute(struct tfc_kernel_ctx *ctx) { tfc__pack_run(ctx, &tfc__array_io_cpu); }

/* ---- Shape */

static void *shape_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_kernel_attr_type(op, "out_type");
	if (t != TFC_DTYPE_INVALID && !is_index_type(t))
		return tfc__kernel_unsupported(op, "out_type", t, st);
	return NULL;
}

static void shape_compute(struct tfc_kernel_ctx *ctx)
{
	tfc_dtype t = tfc_kernel_attr_type(ctx->op, "out_type");
	if (t == TFC_DTYPE_INVALID)
		t = TFC_INT32;
	const tfc_tensor *in = ctx->inputs[0];
	if (!in) {
		tfc_kernel_error(ctx, TFC_INTERNAL, "The input of Shape is missing");
		return;
	}
	int64_t rank = in->shape.rank;
	tfc_tensor *out = tfc_kernel_alloc_output(ctx, 0, t, &rank, 1);
	if (!out)
		return;
	for (int i = 0; i < rank; i++) {
		int64_t d = in->shape.dims[i];
		if (t == TFC_INT64) {
			((int64_t *)tfc_tensor_data(out))[i] = d;
		} else if (d > INT32_MAX) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Shape output type is 32-bit but dim %d is %lld", i,
					 (long long)d);
			return;
		} else {
			((int32_t *)tfc_tensor_data(out))[i] = (int32_t)d;
		}
	}
}

/* ---- Fill */

static void *fill_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype it = tfc_kernel_attr_type(op, "index_type");
	if (it != TFC_DTYPE_INVALID && !is_index_type(it))
		return tfc__kernel_unsupported(op, "index_type", it, st);
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t == TFC_DTYPE_INVALID || t == TFC_VARIANT || t == TFC_RESOURCE)
		return tfc__kernel_unsupported(op, "T", t, st);
	return NULL;
}

bool tfc__fill_args_ok(struct tfc_kernel_ctx *ctx, int64_t *dims, int *rank)
{
	const tfc_tensor *dims_t = ctx->inputs[0], *value = ctx->inputs[1];
	char buf[512];
	if (!dims_t || !value) {
		tfc_kernel_error(ctx, TFC_INTERNAL, "An input of Fill is missing");
		return false;
	}
	if (dims_t->shape.rank != 1 || !is_index_type(dims_t->dtype)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "dims must be a vector, got shape %s",
				 tfc__kshape(&dims_t->shape, buf, sizeof(buf)));
		return false;
	}
	if (value->shape.rank != 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "value must be a scalar, got shape %s",
				 tfc__kshape(&value->shape, buf, sizeof(buf)));
		return false;
	}
	if (dims_t->n_elems > TFC_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Fill to %lld dimensions: tfc supports at most %d",
				 (long long)dims_t->n_elems, TFC_MAX_RANK);
		return false;
	}
	*rank = (int)dims_t->n_elems;
	for (int i = 0; i < *rank; i++)
		dims[i] = int_at(dims_t, i);
	return true;
}

static void fill_compute(struct tfc_kernel_ctx *ctx)
{
	int64_t dims[TFC_MAX_RANK];
	int rank;
	if (!tfc__fill_args_ok(ctx, dims, &rank))
		return;
	const tfc_tensor *value = ctx->inputs[1];
	tfc_tensor *out = tfc_kernel_alloc_output(ctx, 0, value->dtype, dims, rank);
	if (!out)
		return;
	if (value->dtype == TFC_STRING) {
		for (int64_t i = 0; i < out->n_elems; i++)
			copy_elems(out, i, value, 0, 1);
		return;
	}
	size_t esz = elem_size(value->dtype);
	char *p = tfc_tensor_data(out);
	for (int64_t i = 0; i < out->n_elems; i++)
		memcpy(p + (size_t)i * esz, tfc_tensor_data(value), esz);
}

/* ---- ZerosLike */

static void *zeros_like_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t == TFC_DTYPE_INVALID || t == TFC_VARIANT || t == TFC_RESOURCE)
		return tfc__kernel_unsupported(op, "T", t, st);
	return NULL;
}

static void zeros_like_compute(struct tfc_kernel_ctx *ctx)
{
	const tfc_tensor *in = ctx->inputs[0];
	if (!in) {
		tfc_kernel_error(ctx, TFC_INTERNAL, "The input of ZerosLike is missing");
		return;
	}
	/* New tensors are zero-filled (strings: empty). */
	tfc_kernel_alloc_output(ctx, 0, in->dtype, in->shape.dims, in->shape.rank);
}

/* The GPU takes numeric tensors (a string, variant or resource stays on the host). */
static bool gpu_numeric_t(const tfc_operation *op)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	return tfc_dtype_size(t) > 0 && t != TFC_STRING && t != TFC_RESOURCE && t != TFC_VARIANT;
}

const struct tfc_kernel_def tfc__array_kernels[] = {
	{ .op = "Reshape", .device = "CPU", .create = reshape_create, .compute = reshape_compute },
	{ .op = "Pack", .device = "CPU", .create = tfc__pack_create, .destroy = tfc__pack_destroy,
	  .compute = pack_compute },
	{ .op = "Shape", .device = "CPU", .create = shape_create, .compute = shape_compute },
	{ .op = "Fill", .device = "CPU", .create = fill_create, .compute = fill_compute },
	{ .op = "ZerosLike", .device = "CPU", .create = zeros_like_create,
	  .compute = zeros_like_compute },
	/* GPU records that need no CUDA (see the top of the file): the input stays where
	 * it is (TFC_KF_DEVICE_MEMORY) and Reshape's sizes are read on the host */
	{ .op = "Reshape", .device = "GPU", .create = reshape_create, .compute = reshape_compute,
	  .supports = gpu_numeric_t, .flags = TFC_KF_DEVICE_MEMORY, .host_inputs = 1u << 1 },
	{ .op = "Shape", .device = "GPU", .create = shape_create, .compute = shape_compute,
	  .supports = gpu_numeric_t, .flags = TFC_KF_DEVICE_MEMORY },
	{ .op = NULL },
};
