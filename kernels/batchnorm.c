/*
 * batchnorm.c: CPU kernels of fused batch normalization: FusedBatchNorm, V2 and V3
 * (training: the batch's mean and variance normalize, the outputs carry the mean and
 * the unbiased variance, mixed with the running values by exponential_avg_factor;
 * inference: the given mean and variance), and FusedBatchNormGrad, V2 and V3 (the
 * input, scale and offset gradients, from the saved batch statistics when training
 * and from the population ones otherwise); NHWC and NCHW (transposed to NHWC and
 * back); float. reserve_space_1/2 hold the batch mean and the biased batch variance,
 * as TensorFlow's CPU kernels do; reserve_space_3 is empty and the gradients' last two
 * outputs are scalar zeros, as there. Sums are taken in double. The argument checks (tfc__bn_args_ok) and the node
 * state are shared with the GPU kernels (cuda/batchnorm_gpu.c).
 */
#include <math.h>

#include "kernels.h"

void *tfc__bn_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t != TFC_FLOAT)
		return tfc__kernel_unsupported(op, "T", t, st);
	tfc_dtype u = tfc_kernel_attr_type(op, "U");
	if (u != TFC_DTYPE_INVALID && u != TFC_FLOAT)
		return tfc__kernel_unsupported(op, "U", u, st);
	struct tfc__bn_state *s = tfc__malloc(sizeof(*s));
	s->epsilon = tfc__kernel_attr_float(op, "epsilon", 0.0001f);
	s->avg_factor = tfc__kernel_attr_float(op, "exponential_avg_factor", 1.0f);
	s->training = tfc__kernel_attr_bool(op, "is_training", true);
	s->nchw = tfc__kernel_attr_str_is(op, "data_format", "NCHW", false);
	s->v3 = strstr(op->type, "V3") != NULL;
	return s;
}

void tfc__bn_destroy(void *s) { free(s); }

bool tfc__bn_needs_running(const struct tfc__bn_state *s) { return !s->training || s->avg_factor != 1.0f; }

/* Input k must be a 4-D float tensor; false with ctx->st set. */
static bool is_4d(struct tfc_kernel_ctx *ctx, int k)
{
	const tfc_tensor *x = ctx->inputs[k];
	if (x->shape.rank == 4 && x->dtype == TFC_FLOAT)
		return true;
	char b[128];
	tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "input must be 4-dimensional%s",
			 tfc__kshape(&x->shape, b, sizeof(b)));
	return false;
}

/* Input k must be a [C] float vector; false with ctx->st set. */
static bool vec_ok(struct tfc_kernel_ctx *ctx, int k, int64_t c, const char *name)
{
	const tfc_tensor *t = ctx->inputs[k];
	if (t->dtype == TFC_FLOAT && t->shape.rank == 1 && t->n_elems == c)
		return true;
	char b[128];
	tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%s must be 1-dimensional with %lld elements, got %s", name,
			 (long long)c, tfc__kshape(&t->shape, b, sizeof(b)));
	return false;
}

bool tfc__bn_args_ok(struct tfc_kernel_ctx *ctx, const struct tfc__bn_state *s, bool grad, int64_t *c,
		     int64_t *rows)
{
	if (!tfc__kernel_inputs_ok(ctx, 5, TFC_DTYPE_INVALID))
		return false;
	/* x is input 0, or 1 after y_backprop */
	int xi = grad ? 1 : 0;
	if ((grad && !is_4d(ctx, 0)) || !is_4d(ctx, xi))
		return false;
	const tfc_tensor *x = ctx->inputs[xi];
	int cd = s->nchw ? 1 : 3;
	if (grad && (x->n_elems != ctx->inputs[0]->n_elems || x->shape.dims[cd] != ctx->inputs[0]->shape.dims[cd])) {
		char b0[128], b1[128];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "x and y_backprop must have same shape, but x has shape %s and "
				 "y_backprop has shape %s",
				 tfc__kshape(&x->shape, b0, sizeof(b0)),
				 tfc__kshape(&ctx->inputs[0]->shape, b1, sizeof(b1)));
		return false;
	}
	*c = x->shape.dims[cd];
	*rows = *c ? x->n_elems / *c : 0;
	if (grad)
		return vec_ok(ctx, 2, *c, "scale") && vec_ok(ctx, 3, *c, "reserve_space_1") &&
		       vec_ok(ctx, 4, *c, "reserve_space_2");
	return vec_ok(ctx, 1, *c, "scale") && vec_ok(ctx, 2, *c, "offset") &&
	       (!tfc__bn_needs_running(s) || (vec_ok(ctx, 3, *c, "mean") && vec_ok(ctx, 4, *c, "variance")));
}

/* Input k (checked by tfc__bn_args_ok) as NHWC (a new reference); NULL with ctx->st
 * set. */
static tfc_tensor *nhwc(struct tfc_kernel_ctx *ctx, const struct tfc__bn_state *s, int k)
{
	const tfc_tensor *x = ctx->inputs[k];
	return s->nchw ? tfc__to_layout(x, false, ctx->st) : tfc_tensor_ref((tfc_tensor *)x);
}

static void set_nhwc_output(struct tfc_kernel_ctx *ctx, const struct tfc__bn_state *s, int i,
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

/* The data of [C] float vector input k (checked by tfc__bn_args_ok). */
static const float *vec(struct tfc_kernel_ctx *ctx, int k)
{
	return tfc_tensor_data(ctx->inputs[k]);
}

static float *vec_out(struct tfc_kernel_ctx *ctx, int i, int64_t c)
{
	tfc_tensor *t = tfc_kernel_alloc_output(ctx, i, TFC_FLOAT, &c, 1);
	return t ? tfc_tensor_data(t) : NULL;
}

static void bn_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__bn_state *s = ctx->state;
	int64_t c, rows;
	if (!tfc__bn_args_ok(ctx, s, false, &c, &rows))
		return;
	tfc_tensor *x = nhwc(ctx, s, 0), *y = NULL;
	double *mean = NULL, *var = NULL;
	if (!x)
		return;
	const float *scale = vec(ctx, 1), *offset = vec(ctx, 2);
	/* Inference, or training that mixes the running values, reads mean and variance. */
	bool need_running = tfc__bn_needs_running(s);
	const float *rmean = need_running ? vec(ctx, 3) : NULL, *rvar = need_running ? vec(ctx, 4) : NULL;
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
	const struct tfc__bn_state *s = ctx->state;
	int64_t c, rows;
	if (!tfc__bn_args_ok(ctx, s, true, &c, &rows))
		return;
	tfc_tensor *dy = nhwc(ctx, s, 0), *x = NULL, *dx = NULL;
	double *sdy = NULL, *sdyx = NULL;
	if (!dy)
		return;
	x = nhwc(ctx, s, 1);
	if (!x)
		goto cleanup;
	const float *scale = vec(ctx, 2), *mean = vec(ctx, 3), *var = vec(ctx, 4);
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

#define K(NAME, FN) { .op = NAME, .device = "CPU", .create = tfc__bn_create, .destroy = tfc__bn_destroy, \
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
