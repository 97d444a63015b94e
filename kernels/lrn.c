/*
 * lrn.c: CPU kernels of local response normalization across channels (the last
 * dimension of a 4-D NHWC tensor): LRN, out = x / (bias + alpha * sum of x^2 over the
 * 2*depth_radius+1 neighbouring channels)^beta, and LRNGrad, its gradient with
 * respect to the input; float. Sums are taken in double.
 */
#include <math.h>

#include "kernels.h"

struct lrn_state {
	int64_t radius;
	double bias, alpha, beta;
};

static void *lrn_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t == TFC_DTYPE_INVALID)
		t = TFC_FLOAT;
	if (t != TFC_FLOAT)
		return tfc__kernel_unsupported(op, "T", t, st);
	struct lrn_state *s = tfc__malloc(sizeof(*s));
	s->radius = tfc__kernel_attr_int(op, "depth_radius", 5);
	s->bias = tfc__kernel_attr_float(op, "bias", 1.0f);
	s->alpha = tfc__kernel_attr_float(op, "alpha", 1.0f);
	s->beta = tfc__kernel_attr_float(op, "beta", 0.5f);
	if (s->radius < 0) {
		free(s);
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "depth_radius must be non-negative (node '%s')",
			       op->name);
		return NULL;
	}
	return s;
}

static void lrn_destroy(void *s) { free(s); }

static bool input4(struct tfc_kernel_ctx *ctx, int k)
{
	const tfc_tensor *x = ctx->inputs[k];
	if (x->dtype != TFC_FLOAT || x->shape.rank != 4) {
		char b[128];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "input must be 4-dimensional, got %s",
				 tfc__kshape(&x->shape, b, sizeof(b)));
		return false;
	}
	return true;
}

/* N = bias + alpha * sum of squares of the window around channel k of row xr. */
static double norm(const struct lrn_state *s, const float *xr, int64_t c, int64_t k)
{
	int64_t lo = k - s->radius < 0 ? 0 : k - s->radius;
	int64_t hi = k + s->radius >= c ? c - 1 : k + s->radius;
	double sq = 0;
	for (int64_t j = lo; j <= hi; j++)
		sq += (double)xr[j] * xr[j];
	return s->bias + s->alpha * sq;
}

static void lrn_compute(struct tfc_kernel_ctx *ctx)
{
	const struct lrn_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 1, TFC_DTYPE_INVALID) || !input4(ctx, 0))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, TFC_FLOAT, x->shape.dims, 4);
	if (!o)
		return;
	int64_t c = x->shape.dims[3], rows = c ? x->n_elems / c : 0;
	const float *xp = tfc_tensor_data(x);
	float *op = tfc_tensor_data(o);
	for (int64_t r = 0; r < rows; r++)
		for (int64_t k = 0; k < c; k++)
			op[r * c + k] = (float)(xp[r * c + k] * pow(norm(s, xp + r * c, c, k), -s->beta));
}

/* dx_j = g_j N_j^-b - 2 a b x_j sum_{i: j in window(i)} g_i x_i N_i^(-b-1) */
static void lrn_grad_compute(struct tfc_kernel_ctx *ctx)
{
	const struct lrn_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 3, TFC_DTYPE_INVALID) || !input4(ctx, 0) || !input4(ctx, 1) ||
	    !input4(ctx, 2))
		return;
	const tfc_tensor *g = ctx->inputs[0], *x = ctx->inputs[1];
	for (int k = 1; k < 3; k++)
		if (memcmp(ctx->inputs[k]->shape.dims, g->shape.dims, sizeof(int64_t) * 4) != 0) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "input_grads, input_image, and out_image should have the same "
					 "shape");
			return;
		}
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, TFC_FLOAT, x->shape.dims, 4);
	if (!o)
		return;
	int64_t c = x->shape.dims[3], rows = c ? x->n_elems / c : 0;
	const float *xp = tfc_tensor_data(x), *gp = tfc_tensor_data(g);
	float *op = tfc_tensor_data(o);
	double *nv = tfc__malloc(sizeof(double) * (size_t)(c ? c : 1));
	for (int64_t r = 0; r < rows; r++) {
		const float *xr = xp + r * c, *gr = gp + r * c;
		for (int64_t k = 0; k < c; k++)
			nv[k] = norm(s, xr, c, k);
		for (int64_t j = 0; j < c; j++) {
			double acc = gr[j] * pow(nv[j], -s->beta);
			int64_t lo = j - s->radius < 0 ? 0 : j - s->radius;
			int64_t hi = j + s->radius >= c ? c - 1 : j + s->radius;
			double t = 0;
			for (int64_t i = lo; i <= hi; i++)
				t += gr[i] * xr[i] * pow(nv[i], -s->beta - 1);
			acc -= 2 * s->alpha * s->beta * xr[j] * t;
			op[r * c + j] = (float)acc;
		}
	}
	free(nv);
}

const struct tfc_kernel_def tfc__lrn_kernels[] = {
	{ .op = "LRN", .device = "CPU", .create = lrn_create, .destroy = lrn_destroy,
	  .compute = lrn_compute },
	{ .op = "LRNGrad", .device = "CPU", .create = lrn_create, .destroy = lrn_destroy,
	  .compute = lrn_grad_compute },
	{ .op = NULL },
};
