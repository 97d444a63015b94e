/*
 * nn_gpu.c: the GPU kernel records of the training-step ops of kernels/nn_kernels.c:
 * BiasAddGrad (NHWC and NCHW: a sum over all but the channel dim, through the
 * reduction of cuda/cwise_kernels.cu), SoftmaxCrossEntropyWithLogits and
 * SparseSoftmaxCrossEntropyWithLogits (loss and backprop, cuda/nn_kernels.cu) and
 * L2Loss (the sum of squares on the device, halved on the host); float and double.
 * Errors are the CPU kernels'; sparse labels are host tensors, checked on the host
 * before they go to the device, so an out-of-range label is the CPU's
 * InvalidArgument and not a NaN as in TensorFlow's GPU kernel.
 */
#include "gpu_internal.h"

static bool supports_float_t(const tfc_operation *op)
{
	return tfc__gpu_ftype(tfc_kernel_attr_type(op, "T")) >= 0;
}

static bool supports_bias_grad(const tfc_operation *op)
{
	return supports_float_t(op) && (tfc__kernel_attr_str_is(op, "data_format", "NHWC", true) ||
					tfc__kernel_attr_str_is(op, "data_format", "NCHW", false));
}

/* ---- BiasAddGrad */

static void bias_add_grad_compute(struct tfc_kernel_ctx *ctx)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(ctx->op, "T"));
	if (!tfc__kernel_inputs_ok(ctx, 1, t))
		return;
	const tfc_tensor *g = ctx->inputs[0];
	bool nchw = tfc__kernel_attr_str_is(ctx->op, "data_format", "NCHW", false);
	int r = g->shape.rank;
	if (r < 2) {
		char b0[128];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Input tensor must be at least 2D: %s",
				 tfc__kshape(&g->shape, b0, sizeof(b0)));
		return;
	}
	/* [outer, channels, inner]; NHWC has inner 1, NCHW (rank >= 3) the channels at 1 */
	int cd = nchw && r >= 3 ? 1 : r - 1;
	int64_t dims[3] = {1, g->shape.dims[cd], 1};
	for (int d = 0; d < r; d++) {
		if (d < cd)
			dims[0] *= g->shape.dims[d];
		else if (d > cd)
			dims[2] *= g->shape.dims[d];
	}
	tfc_tensor *o = tfc__gpu_alloc_output(ctx, 0, t, &dims[1], 1);
	if (!o || o->n_elems == 0)
		return;
	if (g->n_elems == 0) {
		tfc__gpu_zero(ctx, o);
		return;
	}
	static const bool reduced[3] = {true, false, true};
	void *dg = tfc__gpu_upload(ctx, g);
	if (dg)
		tfc__gpu_launch_ok(ctx, tfc__gpu_launch_reduce(tfc__gpu_current()->compute, TFC_GR_SUM, tfc__gpu_ftype(t), dg,
						      tfc_tensor_data(o), 3, dims, reduced));
}

/* ---- SoftmaxCrossEntropyWithLogits, SparseSoftmaxCrossEntropyWithLogits */

/* Takes logits and labels where they are (label_bytes: 0 dense, else the index
 * size) and runs the kernel into loss and backprop on the GPU. */
static void xent_run(struct tfc_kernel_ctx *ctx, const tfc_tensor *f, const tfc_tensor *l, int label_bytes)
{
	tfc_dtype t = f->dtype;
	int64_t rows = f->shape.dims[0], cols = f->shape.dims[1];
	tfc_tensor *loss = tfc__gpu_alloc_output(ctx, 0, t, &rows, 1);
	tfc_tensor *back = loss ? tfc__gpu_alloc_output(ctx, 1, t, f->shape.dims, 2) : NULL;
	if (!back)
		return;
	if (rows == 0 || cols == 0) {
		if (tfc__gpu_zero(ctx, loss))
			tfc__gpu_zero(ctx, back);
		return;
	}
	void *df = tfc__gpu_upload(ctx, f);
	void *dl = df ? tfc__gpu_upload(ctx, l) : NULL;
	if (dl)
		tfc__gpu_launch_ok(ctx, tfc__gpu_launch_xent(tfc__gpu_current()->compute, tfc__gpu_ftype(t), df, dl, label_bytes,
						    tfc_tensor_data(loss), tfc_tensor_data(back), rows, cols));
}

static void xent_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__xent_args_ok(ctx))
		return;
	const tfc_tensor *f = ctx->inputs[0], *l = ctx->inputs[1];
	xent_run(ctx, f, l, 0);
}

static void sparse_xent_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__sparse_xent_args_ok(ctx))
		return;
	const tfc_tensor *f = ctx->inputs[0], *l = ctx->inputs[1];
	xent_run(ctx, f, l, l->dtype == TFC_INT32 ? 4 : 8);
}

/* ---- L2Loss */

static void l2loss_compute(struct tfc_kernel_ctx *ctx)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(ctx->op, "T"));
	if (!tfc__kernel_inputs_ok(ctx, 1, t))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, t, NULL, 0);
	if (!o || x->n_elems == 0)
		return;
	cudaStream_t s = tfc__gpu_current()->compute;
	int dt = tfc__gpu_ftype(t);
	int64_t n = x->n_elems;
	static const bool all[1] = {true};
	void *dx = tfc__gpu_upload(ctx, x);
	void *sq = dx ? tfc__gpu_scratch(ctx, tfc_tensor_byte_size(x)) : NULL;
	void *sum = sq ? tfc__gpu_scratch(ctx, tfc_tensor_byte_size(o)) : NULL;
	if (!sum || !tfc__gpu_launch_ok(ctx, tfc__gpu_launch_unary(s, TFC_GU_SQUARE, dt, dx, sq, n, 0)) ||
	    !tfc__gpu_launch_ok(ctx, tfc__gpu_launch_reduce(s, TFC_GR_SUM, dt, sq, sum, 1, &n, all)) ||
	    !tfc__gpu_download(ctx, sum, o))
		return;
	if (t == TFC_FLOAT)
		*(float *)tfc_tensor_data(o) /= 2;
	else
		*(double *)tfc_tensor_data(o) /= 2;
}

const struct tfc_kernel_def tfc__gpu_nn_kernels[] = {
	{.op = "BiasAddGrad", .device = "GPU", .compute = bias_add_grad_compute, .supports = supports_bias_grad,
	 .flags = TFC_KF_DEVICE_MEMORY},
	{.op = "SoftmaxCrossEntropyWithLogits", .device = "GPU", .compute = xent_compute,
	 .supports = supports_float_t, .flags = TFC_KF_DEVICE_MEMORY},
	/* the labels are range-checked on the host (tfc__sparse_xent_args_ok) */
	{.op = "SparseSoftmaxCrossEntropyWithLogits", .device = "GPU", .compute = sparse_xent_compute,
	 .supports = supports_float_t, .flags = TFC_KF_DEVICE_MEMORY, .host_inputs = 1u << 1},
	/* the loss, a scalar, is halved on the host: its output is host memory */
	{.op = "L2Loss", .device = "GPU", .compute = l2loss_compute, .supports = supports_float_t,
	 .flags = TFC_KF_DEVICE_MEMORY},
	{0},
};
