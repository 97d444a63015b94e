/*
 * gather_gpu.c: the GPU kernel records of the index ops of training graphs (embedding
 * lookups and their gradients, labels made one-hot): Gather and GatherV2 (params of
 * float, double, int32, int64 or bool), ResourceGather (a variable's value where it
 * lives, the GPU's memory once a GPU kernel has assigned it), UnsortedSegmentSum
 * (float, double, int32, int64) and OneHot (the same five types), with int32 or int64
 * indices. The device code is cuda/gather_kernels.cu.
 *
 * Checks and error texts are the CPU kernels' (tfc__gather_args and friends,
 * kernels.h). Indices are read where they are: when they come in host memory (a
 * Const, a feed, a CPU kernel's output) every one is checked on the host first and an
 * index out of range is the CPU's InvalidArgument; when a GPU kernel made them they
 * stay on the device unread, and an index out of range does what TensorFlow's GPU
 * kernels do: Gather writes zeros for it (tf.gather: "On GPU, if an out of bound
 * index is found, a 0 is stored in the corresponding output value"),
 * UnsortedSegmentSum drops its row. OneHot gives off_value for an index out of range
 * on both devices. Shape-like inputs (GatherV2's axis, num_segments, OneHot's depth
 * and on/off values) and resource handles are read on the host.
 */
#include "device_iface.h"
#include "gather_launch.h"
#include "array_launch.h"
#include "gpu_internal.h"

/* Input k, when present and in host memory: its indices can be checked there. */
static bool host_input(const struct tfc_kernel_ctx *ctx, int k)
{
	return k < ctx->n_inputs && ctx->inputs[k] && !tfc__tensor_device(ctx->inputs[k]);
}

/* ---- Gather, GatherV2, ResourceGather */

/* Output 0 (dtype of params, odims) = params viewed as [outer, n, inner] gathered
 * along n by idx. */
static void gather_launch(struct tfc_kernel_ctx *ctx, const tfc_tensor *params, const tfc_tensor *idx,
			  const int64_t *odims, int orank, int64_t outer, int64_t n, int64_t inner)
{
	tfc_tensor *o = tfc__gpu_alloc_output(ctx, 0, params->dtype, odims, orank);
	if (!o || o->n_elems == 0)
		return;
	const void *pp = tfc__gpu_upload(ctx, params);
	const void *ip = pp ? tfc__gpu_upload(ctx, idx) : NULL;
	if (ip)
		tfc__gpu_launch_ok(ctx, tfc__gpu_launch_gather(tfc__gpu_stream(), (int)tfc_dtype_size(params->dtype),
							       idx->dtype == TFC_INT64, pp, ip, tfc_tensor_data(o), outer, n,
							       idx->n_elems, inner));
}

static void gather_run(struct tfc_kernel_ctx *ctx, bool v2)
{
	struct tfc__gather_geom g;
	if (!tfc__gather_args(ctx, v2, host_input(ctx, 1), &g))
		return;
	gather_launch(ctx, ctx->inputs[0], ctx->inputs[1], g.odims, g.orank, g.outer, g.n, g.inner);
}

static void gather_compute(struct tfc_kernel_ctx *ctx) { gather_run(ctx, false); }
static void gather_v2_compute(struct tfc_kernel_ctx *ctx) { gather_run(ctx, true); }

/* The value is taken (a reference) under the variable's lock and gathered after it:
 * an update that comes later finds the reference and writes a copy
 * (tfc__gpu_ref_writable), or queues behind this gather on the compute stream. */
static void resource_gather_compute(struct tfc_kernel_ctx *ctx)
{
	int64_t odims[TFC_MAX_RANK], inner;
	int orank;
	tfc_tensor *v = tfc__resource_gather_args(ctx, host_input(ctx, 1), odims, &orank, &inner);
	if (!v)
		return;
	if (tfc__gpu_elem(v->dtype) < 0)
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "No GPU kernel for ResourceGather of %s",
				 tfc_dtype_name(v->dtype));
	else
		gather_launch(ctx, v, ctx->inputs[1], odims, orank, 1, v->shape.dims[0], inner);
	tfc_tensor_free(v);
}

/* ---- UnsortedSegmentSum */

static void segment_sum_compute(struct tfc_kernel_ctx *ctx)
{
	int64_t odims[TFC_MAX_RANK], inner;
	int orank;
	if (!tfc__segment_sum_args(ctx, host_input(ctx, 1), odims, &orank, &inner))
		return;
	const tfc_tensor *data = ctx->inputs[0], *ids = ctx->inputs[1];
	int elem = tfc__gpu_elem(data->dtype);
	if (elem < 0 || elem == TFC_GE_BOOL) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "No GPU kernel for UnsortedSegmentSum of %s",
				 tfc_dtype_name(data->dtype));
		return;
	}
	tfc_tensor *o = tfc__gpu_alloc_output(ctx, 0, data->dtype, odims, orank);
	if (!o || o->n_elems == 0 || !tfc__gpu_zero(ctx, o) || ids->n_elems * inner == 0)
		return;
	const void *dp = tfc__gpu_upload(ctx, data);
	const void *ip = dp ? tfc__gpu_upload(ctx, ids) : NULL;
	if (ip)
		tfc__gpu_launch_ok(ctx, tfc__gpu_launch_segment_sum(tfc__gpu_stream(), elem, ids->dtype == TFC_INT64, dp, ip,
							   tfc_tensor_data(o), ids->n_elems, inner, odims[0]));
}

/* ---- OneHot */

static void one_hot_compute(struct tfc_kernel_ctx *ctx)
{
	int64_t odims[TFC_MAX_RANK], outer, depth, inner;
	if (!tfc__one_hot_args(ctx, odims, &outer, &depth, &inner))
		return;
	const tfc_tensor *idx = ctx->inputs[0], *on = ctx->inputs[2], *off = ctx->inputs[3];
	if (tfc__gpu_elem(on->dtype) < 0 || off->dtype != on->dtype ||
	    (idx->dtype != TFC_INT32 && idx->dtype != TFC_INT64)) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "No GPU kernel for OneHot of %s indices and %s values",
				 tfc_dtype_name(idx->dtype), tfc_dtype_name(on->dtype));
		return;
	}
	tfc_tensor *o = tfc__gpu_alloc_output(ctx, 0, on->dtype, odims, idx->shape.rank + 1);
	if (!o || o->n_elems == 0)
		return;
	size_t esz = tfc_dtype_size(on->dtype);
	uint64_t onb = 0, offb = 0; /* on the host (host_inputs) */
	memcpy(&onb, tfc_tensor_data((tfc_tensor *)on), esz);
	memcpy(&offb, tfc_tensor_data((tfc_tensor *)off), esz);
	const void *ip = tfc__gpu_upload(ctx, idx);
	if (ip)
		tfc__gpu_launch_ok(ctx, tfc__gpu_launch_one_hot(tfc__gpu_stream(), (int)esz, idx->dtype == TFC_INT64, ip,
								tfc_tensor_data(o), outer, depth, inner, onb, offb));
}

/* ---- which nodes the GPU takes */

static bool index_attr(const tfc_operation *op, const char *attr)
{
	tfc_dtype t = tfc_kernel_attr_type(op, attr);
	return t == TFC_DTYPE_INVALID || t == TFC_INT32 || t == TFC_INT64;
}

static bool supports_gather(const tfc_operation *op)
{
	return tfc__gpu_elem(tfc_kernel_attr_type(op, "Tparams")) >= 0 && index_attr(op, "Tindices");
}

static bool supports_resource_gather(const tfc_operation *op)
{
	return tfc__gpu_elem(tfc_kernel_attr_type(op, "dtype")) >= 0 && index_attr(op, "Tindices");
}

static bool supports_segment_sum(const tfc_operation *op)
{
	int e = tfc__gpu_elem(tfc_kernel_attr_type(op, "T"));
	return e >= 0 && e != TFC_GE_BOOL && index_attr(op, "Tindices") && index_attr(op, "Tnumsegments");
}

static bool supports_one_hot(const tfc_operation *op)
{
	return tfc__gpu_elem(tfc_kernel_attr_type(op, "T")) >= 0 && index_attr(op, "TI");
}

#define K(NAME, FN, SUP, HOST, ...)                                                              \
	{.op = NAME, .device = "GPU", .compute = FN, .supports = SUP, .flags = TFC_KF_DEVICE_MEMORY, \
	 .host_inputs = HOST, __VA_ARGS__}
const struct tfc_kernel_def tfc__gpu_gather_kernels[] = {
	K("Gather", gather_compute, supports_gather, 0),
	K("GatherV2", gather_v2_compute, supports_gather, 1u << 2 /* axis */),
	{.op = "ResourceGather", .device = "GPU", .compute = resource_gather_compute,
	 .supports = supports_resource_gather, .flags = TFC_KF_STATEFUL | TFC_KF_DEVICE_MEMORY,
	 .host_inputs = 1u << 0 /* the handle */},
	K("UnsortedSegmentSum", segment_sum_compute, supports_segment_sum, 1u << 2 /* num_segments */),
	K("OneHot", one_hot_compute, supports_one_hot, 1u << 1 | 1u << 2 | 1u << 3 /* depth, on, off */),
	{0},
};
