/*
 * batchnorm_gpu.c: the GPU kernel records of fused batch normalization:
 * FusedBatchNorm, V2 and V3 (training and inference, epsilon, exponential_avg_factor)
 * and FusedBatchNormGrad, V2 and V3; NHWC and NCHW (computed in the layout the data
 * has); float (T and U), as the CPU kernels; device code in cuda/batchnorm_kernels.cu.
 * The node state, the argument checks and their texts are the CPU kernels'
 * (tfc__bn_create, tfc__bn_args_ok in kernels/batchnorm.c), and so are the outputs:
 * batch_mean and batch_variance (the unbiased one when training), reserve_space_1/2
 * the mean and biased variance used, reserve_space_3 empty; the gradients' last two
 * outputs are scalar zeros. Those small outputs (and the empty one) are made on the
 * host; the others stay in the GPU's memory.
 */
#include "gpu_internal.h"

/* T float, and U float when the op has it (FusedBatchNorm has only T). */
static bool supports(const tfc_operation *op)
{
	tfc_dtype u = tfc_kernel_attr_type(op, "U");
	return tfc_kernel_attr_type(op, "T") == TFC_FLOAT && (u == TFC_DTYPE_INVALID || u == TFC_FLOAT);
}

static struct tfc__gpu_bn_geom geom_of(const struct tfc__bn_state *s, const tfc_tensor *x, int64_t c)
{
	const int64_t *d = x->shape.dims;
	return (struct tfc__gpu_bn_geom){.n = x->n_elems, .c = c, .inner = s->nchw ? d[2] * d[3] : 1,
					 .epsilon = s->epsilon, .avg_factor = s->avg_factor,
					 .training = s->training};
}

/* Input k on the device, or NULL with ctx->st set; an empty one is not copied (its
 * address is never read). */
static const float *dev_in(struct tfc_kernel_ctx *ctx, int k, bool *ok)
{
	const tfc_tensor *t = ctx->inputs[k];
	if (!*ok || t->n_elems == 0)
		return NULL;
	const float *p = tfc__gpu_upload(ctx, t);
	*ok = p != NULL;
	return p;
}

static void bn_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__bn_state *s = ctx->state;
	int64_t c, rows;
	if (!tfc__bn_args_ok(ctx, s, false, &c, &rows))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	tfc_tensor *out[5] = {tfc__gpu_alloc_output(ctx, 0, TFC_FLOAT, x->shape.dims, 4)};
	for (int i = 1; i < 5 && out[i - 1]; i++)
		out[i] = tfc__gpu_alloc_output(ctx, i, TFC_FLOAT, &c, 1);
	int64_t zero = 0;
	if (!out[4] || (s->v3 && ctx->n_outputs > 5 && !tfc_kernel_alloc_output(ctx, 5, TFC_FLOAT, &zero, 1)) ||
	    c == 0)
		return;
	bool ok = true, running = tfc__bn_needs_running(s);
	const float *xp = dev_in(ctx, 0, &ok), *scale = dev_in(ctx, 1, &ok), *offset = dev_in(ctx, 2, &ok);
	const float *mean = running ? dev_in(ctx, 3, &ok) : NULL, *var = running ? dev_in(ctx, 4, &ok) : NULL;
	double *scratch = ok ? tfc__gpu_scratch(ctx, 2 * (size_t)c * sizeof(double)) : NULL;
	if (!scratch)
		return;
	struct tfc__gpu_bn_geom g = geom_of(s, x, c);
	float *o[5];
	for (int i = 0; i < 5; i++)
		o[i] = tfc_tensor_data(out[i]);
	tfc__gpu_launch_ok(ctx, tfc__gpu_launch_bn_forward(tfc__gpu_current()->compute, &g, xp, scale, offset, mean, var, o[0],
						  o[1], o[2], o[3], o[4], scratch));
}

static void bn_grad_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__bn_state *s = ctx->state;
	int64_t c, rows;
	if (!tfc__bn_args_ok(ctx, s, true, &c, &rows))
		return;
	const tfc_tensor *x = ctx->inputs[1];
	tfc_tensor *dx = tfc__gpu_alloc_output(ctx, 0, TFC_FLOAT, x->shape.dims, 4);
	tfc_tensor *ds = dx ? tfc__gpu_alloc_output(ctx, 1, TFC_FLOAT, &c, 1) : NULL;
	tfc_tensor *dof = ds ? tfc__gpu_alloc_output(ctx, 2, TFC_FLOAT, &c, 1) : NULL;
	if (!dof || !tfc_kernel_alloc_output(ctx, 3, TFC_FLOAT, NULL, 0) ||
	    !tfc_kernel_alloc_output(ctx, 4, TFC_FLOAT, NULL, 0) || c == 0)
		return;
	bool ok = true;
	const float *dyp = dev_in(ctx, 0, &ok), *xp = dev_in(ctx, 1, &ok), *scale = dev_in(ctx, 2, &ok);
	const float *mean = dev_in(ctx, 3, &ok), *var = dev_in(ctx, 4, &ok);
	double *scratch = ok ? tfc__gpu_scratch(ctx, 2 * (size_t)c * sizeof(double)) : NULL;
	if (!scratch)
		return;
	struct tfc__gpu_bn_geom g = geom_of(s, x, c);
	tfc__gpu_launch_ok(ctx, tfc__gpu_launch_bn_grad(tfc__gpu_current()->compute, &g, dyp, xp, scale, mean, var,
					       tfc_tensor_data(dx), tfc_tensor_data(ds), tfc_tensor_data(dof),
					       scratch));
}

#define K(NAME, FN)                                                                                        \
	{.op = NAME, .device = "GPU", .create = tfc__bn_create, .destroy = tfc__bn_destroy, .compute = FN, \
	 .supports = supports, .flags = TFC_KF_DEVICE_MEMORY}
const struct tfc_kernel_def tfc__gpu_batchnorm_kernels[] = {
	K("FusedBatchNorm", bn_compute),
	K("FusedBatchNormV2", bn_compute),
	K("FusedBatchNormV3", bn_compute),
	K("FusedBatchNormGrad", bn_grad_compute),
	K("FusedBatchNormGradV2", bn_grad_compute),
	K("FusedBatchNormGradV3", bn_grad_compute),
	{0},
};
