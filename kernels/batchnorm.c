/*
 * batchnorm.c: CPU kernels of fused batch normalization: FusedBatchNorm, V2 and V3
 * (training: the batch's mean and variance normalize, the outputs carry the mean and
 * the unbiased variance, mixed with the running values by exponential_avg_factor;
 * inference: the given mean and variance), and FusedBatchNormGrad, V2 and V3 (the
 * input, scale and offset gradients, from the saved batch statistics when training
 * and from the population ones otherwise); NHWC and NCHW (transposed to NHWC and
 * back); float. reserve_space_1/2 hold the batch mean and the biased batch variance,
 * as TensorFlow's CPU kernels do; reserve_space_3 is empty and the gradients' last two
 * outputs are scalar zeros, as there. Sums are taken in double.
 */
#include <math.h>

#include "kernels.h"

struct bn_state {
	float epsilon, avg_factor;
	bool training, nchw, v3;
};

static void *bn_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t != TFC_FLOAT)
		return tfc__kernel_unsupported(op, "T", t, st);
	tfc_dtype u = tfc_kernel_attr_type(op, "U");
	if (u != TFC_DTYPE_INVALID && u != TFC_FLOAT)
		return tfc__kernel_unsupported(op, "U", u, st);
	struct bn_state *s = tfc__malloc(sizeof(*s));
	s->epsilon = tfc__kernel_attr_float(op, "epsilon", 0.0001f);
	s->avg_factor = tfc__kernel_attr_float(op, "exponential_avg_factor", 1.0f);
	s->training = tfc__kernel_attr_bool(op, "is_training", true);
	s->nchw = tfc__kernel_attr_str_is(op, "data_format", "NCHW", false);
	s->v3 = strstr(op->type, "V3") != NULL;
	return s;
}

static void bn_destroy(void *s) { free(s); }

/* Input k as NHWC (a new reference); NULL with ctx->st set. */
static tfc_tensor *nhwc(struct tfc_kernel_ctx *ctx, const struct bn_state *s, int k)
{
	const tfc_tensor *x = ctx->inputs[k];
	if (x->shape.rank != 4 || x->dtype != TFC_FLOAT) {
		char b[128];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "input must be 4-dimensional%s",
				 tfc__kshape(&x->shape, b, sizeof(b)));
		return NULL;
	}
	return s->nchw ? tfc__to_layout(x, false, ctx->st) : tfc_tensor_ref((tfc_tensor *)x);
}

static void set_nhwc_output(struct tfc_kernel_ctx *ctx, const struct bn_state *s, int i,
			    tfc_tensor *o)
{
	if (s->nchw) {
		tfc_tensor *t = tfc__to_layout(o, true, ctx->st);
		tfc_tensor_free(o);
		if (!t)
			return;
		o = t;
	}
	tfc_tensor_free(ctx->outputs[i]);
	ctx->outputs[i] = o;
}

/* A [C] float vector input k, or NULL with ctx->st set. */
static const float *vec(struct tfc_kernel_ctx *ctx, int k, int64_t c, const char *name)
{
	const tfc_tensor *t = ctx->inputs[k];
	if (t->dtype != TFC_FLOAT || t->shape.rank != 1 || t->n_elems != c) {
		char b[128];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "%s must be 1-dimensional with %lld elements, got %s", name,
				 (long long)c, tfc__kshape(&t->shape, b, sizeof(b)));
		return NULL;
	}
	return tfc_tensor_data(t);
}

static float *vec_out(struct tfc_kernel_ctx *ctx, int i, int64_t c)
{
	tfc_tensor *t = tfc_kernel_alloc_output(ctx, i, TFC_FLOAT, &c, 1);
	return t ? tfc_tensor_data(t) : NULL;
}

static void bn_compute(struct tfc_kernel_ctx *ctx)
{
	const struct bn_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 5, TFC_DTYPE_INVALID))
		return;
	tfc_tensor *x = nhwc(ctx, s, 0), *y = NULL;
	double *mean = NULL, *var = NULL;
	if (!x)
		return;
	int64_t c = x->shape.dims[3], rows = c ? x->n_elems / c : 0;
	const float *scale = vec(ctx, 1, c, "scale"), *offset = scale ? vec(ctx, 2, c, "offset") : NULL;
	if (!offset)
		goto cleanup;
	/* Inference, or training that mixes the running values, reads mean and variance. */
	bool need_running = !s->training || s->avg_factor != 1.0f;
	const float *rmean = NULL, *rvar = NULL;
	if (need_running && (!(rmean = vec(ctx, 3, c, "mean")) || !(rvar = vec(ctx, 4, c, "variance"))))
		goto cleanup;
	mean = tfc__calloc((size_t)c + 1, sizeof(double));
	var = tfc__calloc((size_t)c + 1, sizeof(double));
	const float *xp = tfc_tensor_data(x);
	if (s->training) {
		for (int64_t r = 0; r < rows; r++)
			for (int64_t k = 0; k < c; k++)
				mean[k] += xp[r * c + k];
		for (int64_t k = 0; k < c; k++)
			mean[k] = rows ? mean[k] / (double)rows : 0;
		for (int64_t r = 0; r < rows; r++)
			for (int64_t k = 0; k < c; k++) {
				double d = xp[r * c + k] - mean[k];
				var[k] += d * d;
			}
		for (int64_t k = 0; k < c; k++)
			var[k] = rows ? var[k] / (double)rows : 0;
	} else {
		for (int64_t k = 0; k < c; k++) {
			mean[k] = rmean[k];
			var[k] = rvar[k];
		}
	}
	y = tfc_tensor_new(TFC_FLOAT, x->shape.dims, 4, ctx->st);
	if (!y)
		goto cleanup;
	float *yp = tfc_tensor_data(y);
	for (int64_t k = 0; k < c; k++) {
		double inv = 1.0 / sqrt(var[k] + s->epsilon);
		for (int64_t r = 0; r < rows; r++)
			yp[r * c + k] = (float)((xp[r * c + k] - mean[k]) * inv * scale[k] + offset[k]);
	}
	float *bm = vec_out(ctx, 1, c), *bv = bm ? vec_out(ctx, 2, c) : NULL;
	float *r1 = bv ? vec_out(ctx, 3, c) : NULL, *r2 = r1 ? vec_out(ctx, 4, c) : NULL;
	if (!r2)
		goto cleanup;
	double f = s->avg_factor;
	for (int64_t k = 0; k < c; k++) {
		if (s->training) {
			double unbiased = rows > 1 ? var[k] * (double)rows / (double)(rows - 1) : 0;
			bm[k] = (float)(f == 1.0 ? mean[k] : (1 - f) * rmean[k] + f * mean[k]);
			bv[k] = (float)(f == 1.0 ? unbiased : (1 - f) * rvar[k] + f * unbiased);
		} else {
			bm[k] = (float)mean[k];
			bv[k] = (float)var[k];
		}
		r1[k] = (float)mean[k];
		r2[k] = (float)var[k];
	}
	if (s->v3 && ctx->n_outputs > 5 && !vec_out(ctx, 5, 0))
		goto cleanup;
	set_nhwc_output(ctx, s, 0, y);
	y = NULL;
cleanup:
	free(mean);
	free(var);
	tfc_tensor_free(y);
	tfc_tensor_free(x);
}

static void bn_grad_compute(struct tfc_kernel_ctx *ctx)
{
	const struct bn_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 5, TFC_DTYPE_INVALID))
		return;
	tfc_tensor *dy = nhwc(ctx, s, 0), *x = NULL, *dx = NULL;
	double *sdy = NULL, *sdyx = NULL;
	if (!dy)
		return;
	x = nhwc(ctx, s, 1);
	if (!x)
		goto cleanup;
	if (x->n_elems != dy->n_elems || x->shape.dims[3] != dy->shape.dims[3]) {
		char b0[128], b1[128];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "x and y_backprop must have same shape, but x has shape %s and "
				 "y_backprop has shape %s",
				 tfc__kshape(&ctx->inputs[1]->shape, b0, sizeof(b0)),
				 tfc__kshape(&ctx->inputs[0]->shape, b1, sizeof(b1)));
		goto cleanup;
	}
	int64_t c = x->shape.dims[3], rows = c ? x->n_elems / c : 0;
	const float *scale = vec(ctx, 2, c, "scale");
	const float *mean = scale ? vec(ctx, 3, c, "reserve_space_1") : NULL;
	const float *var = mean ? vec(ctx, 4, c, "reserve_space_2") : NULL;
	if (!var)
		goto cleanup;
	const float *xp = tfc_tensor_data(x), *gp = tfc_tensor_data(dy);
	sdy = tfc__calloc((size_t)c + 1, sizeof(double));
	sdyx = tfc__calloc((size_t)c + 1, sizeof(double)); /* sum dy * x_hat */
	for (int64_t r = 0; r < rows; r++)
		for (int64_t k = 0; k < c; k++) {
			double inv = 1.0 / sqrt((double)var[k] + s->epsilon);
			double xh = (xp[r * c + k] - mean[k]) * inv;
			sdy[k] += gp[r * c + k];
			sdyx[k] += gp[r * c + k] * xh;
		}
	dx = tfc_tensor_new(TFC_FLOAT, x->shape.dims, 4, ctx->st);
	if (!dx)
		goto cleanup;
	float *dp = tfc_tensor_data(dx);
	for (int64_t k = 0; k < c; k++) {
		double inv = 1.0 / sqrt((double)var[k] + s->epsilon);
		for (int64_t r = 0; r < rows; r++) {
			double g = gp[r * c + k];
			if (s->training) {
				double xh = (xp[r * c + k] - mean[k]) * inv;
				g = g - sdy[k] / (double)rows - xh * sdyx[k] / (double)rows;
			}
			dp[r * c + k] = (float)(scale[k] * inv * g);
		}
	}
	float *ds = vec_out(ctx, 1, c), *dof = ds ? vec_out(ctx, 2, c) : NULL;
	if (!dof || !tfc_kernel_alloc_output(ctx, 3, TFC_FLOAT, NULL, 0) ||
	    !tfc_kernel_alloc_output(ctx, 4, TFC_FLOAT, NULL, 0))
		goto cleanup;
	for (int64_t k = 0; k < c; k++) {
		ds[k] = (float)sdyx[k];
		dof[k] = (float)sdy[k];
	}
	set_nhwc_output(ctx, s, 0, dx);
	dx = NULL;
cleanup:
	free(sdy);
	free(sdyx);
	tfc_tensor_free(dx);
	tfc_tensor_free(x);
	tfc_tensor_free(dy);
}

#define K(NAME, FN) { .op = NAME, .device = "CPU", .create = bn_create, .destroy = bn_destroy, \
		      .compute = FN }
const struct tfc_kernel_def tfc__batchnorm_kernels[] = {
	K("FusedBatchNorm", bn_compute),
	K("FusedBatchNormV2", bn_compute),
	K("FusedBatchNormV3", bn_compute),
	K("FusedBatchNormGrad", bn_grad_compute),
	K("FusedBatchNormGradV2", bn_grad_compute),
	K("FusedBatchNormGradV3", bn_grad_compute),
	{ .op = NULL },
};
