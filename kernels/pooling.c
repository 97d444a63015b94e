/*
 * pooling.c: CPU kernels of 2-D pooling: MaxPool (and MaxPoolV2, whose window and
 * strides are inputs), AvgPool (the average over the window's elements inside the
 * image: padding is not counted, as in TensorFlow), MaxPoolGrad and MaxPoolGradV2
 * (each gradient goes to the first maximum of its window, scanning rows then
 * columns) and AvgPoolGrad (each gradient spread evenly over its window); NHWC and
 * NCHW (transposed to NHWC and back), SAME and VALID padding; float and double.
 * Windows come from struct tfc__window (kernels/conv_kernels.c). The argument checks
 * (tfc__pool_args_ok) and the node state are shared with the GPU kernels
 * (cuda/pool_gpu.c).
 */
#include <math.h>

#include "kernels.h"

void *tfc__pool_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t == TFC_DTYPE_INVALID)
		t = TFC_FLOAT;
	if (t != TFC_FLOAT && t != TFC_DOUBLE)
		return tfc__kernel_unsupported(op, "T", t, st);
	struct tfc__pool_state *s = tfc__malloc(sizeof(*s));
	s->dtype = t;
	if (!tfc__window_parse(op, true, &s->w, st)) {
		free(s);
		return NULL;
	}
	return s;
}

void tfc__pool_destroy(void *s) { free(s); }

static bool pgeom(struct tfc_kernel_ctx *ctx, const struct tfc__window *w, const int64_t *in,
		  struct tfc__pool_geom *g)
{
	g->n = in[0];
	g->ih = in[1];
	g->iw = in[2];
	g->c = in[3];
	g->kh = w->ksize[0];
	g->kw = w->ksize[1];
	g->sh = w->stride[0];
	g->sw = w->stride[1];
	if (!tfc__window_out(w, 0, g->ih, g->kh, &g->oh, &g->pt) ||
	    !tfc__window_out(w, 1, g->iw, g->kw, &g->ow, &g->pl)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Computed output size would be negative: input %lldx%lld, window "
				 "%lldx%lld",
				 (long long)g->ih, (long long)g->iw, (long long)g->kh, (long long)g->kw);
		return false;
	}
	return true;
}

static double ld(const void *p, tfc_dtype t, int64_t i)
{
	return t == TFC_FLOAT ? ((const float *)p)[i] : ((const double *)p)[i];
}

static void stv(void *p, tfc_dtype t, int64_t i, double v)
{
	if (t == TFC_FLOAT)
		((float *)p)[i] = (float)v;
	else
		((double *)p)[i] = v;
}

/* Input k must be a 4-D tensor of the node's dtype; false with ctx->st set. */
static bool is_4d(struct tfc_kernel_ctx *ctx, const struct tfc__pool_state *s, int k)
{
	const tfc_tensor *x = ctx->inputs[k];
	if (x->shape.rank == 4 && x->dtype == s->dtype)
		return true;
	char b[128];
	tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "input must be 4-dimensional %s, got %s %s",
			 tfc_dtype_name(s->dtype), tfc_dtype_name(x->dtype), tfc__kshape(&x->shape, b, sizeof(b)));
	return false;
}

/* Dims d of the data format in NHWC order. */
static void nhwc_dims(const struct tfc__pool_state *s, const int64_t *d, int64_t out[4])
{
	out[0] = d[0];
	out[1] = s->w.nchw ? d[2] : d[1];
	out[2] = s->w.nchw ? d[3] : d[2];
	out[3] = s->w.nchw ? d[1] : d[3];
}

bool tfc__pool_args_ok(struct tfc_kernel_ctx *ctx, const struct tfc__pool_state *s, enum tfc__pool_kind kind,
		       struct tfc__pool_geom *g)
{
	int n_in = kind == TFC_POOL_FORWARD ? 1 : kind == TFC_POOL_MAX_GRAD ? 3 : 2;
	if (!tfc__kernel_inputs_ok(ctx, n_in, TFC_DTYPE_INVALID))
		return false;
	int64_t in[4];
	if (kind == TFC_POOL_AVG_GRAD) {
		const tfc_tensor *shp = ctx->inputs[0];
		if ((shp->dtype != TFC_INT32 && shp->dtype != TFC_INT64) || shp->shape.rank != 1 ||
		    shp->n_elems != 4) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "orig_input_shape must be 1-dimensional and 4 elements");
			return false;
		}
		int64_t d[4];
		for (int i = 0; i < 4; i++) {
			d[i] = tfc__kint(shp, i);
			if (d[i] < 0) {
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "orig_input_shape must be non-negative");
				return false;
			}
		}
		nhwc_dims(s, d, in);
	} else {
		if (!is_4d(ctx, s, 0))
			return false;
		nhwc_dims(s, ctx->inputs[0]->shape.dims, in);
	}
	if (!pgeom(ctx, &s->w, in, g))
		return false;
	if (kind == TFC_POOL_FORWARD)
		return true;
	int k = kind == TFC_POOL_MAX_GRAD ? 2 : 1;
	if (!is_4d(ctx, s, k))
		return false;
	int64_t d[4];
	nhwc_dims(s, ctx->inputs[k]->shape.dims, d);
	if (d[0] != g->n || d[1] != g->oh || d[2] != g->ow || d[3] != g->c) {
		char b[128];
		tfc_shape sh = tfc_shape_make(4, d);
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Expected grad shape to be [%lld,%lld,%lld,%lld] (NHWC), but got %s", (long long)g->n,
				 (long long)g->oh, (long long)g->ow, (long long)g->c, tfc__kshape(&sh, b, sizeof(b)));
		return false;
	}
	return true;
}

/* An NHWC reference to input k (converted from NCHW when needed; tfc__pool_args_ok
 * has checked it); NULL with st set. */
static tfc_tensor *nhwc(struct tfc_kernel_ctx *ctx, const struct tfc__pool_state *s, int k)
{
	const tfc_tensor *x = ctx->inputs[k];
	return s->w.nchw ? tfc__to_layout(x, false, ctx->st) : tfc_tensor_ref((tfc_tensor *)x);
}

static void set_out(struct tfc_kernel_ctx *ctx, const struct tfc__pool_state *s, tfc_tensor *o)
{
	if (s->w.nchw) {
		tfc_tensor *t = tfc__to_layout(o, true, ctx->st);
		tfc_tensor_free(o);
		if (!t)
			return;
		o = t;
	}
	tfc_tensor_free(ctx->outputs[0]);
	ctx->outputs[0] = o;
}

/* Window (oh, ow) clipped to the image: rows [h0, h1), cols [w0, w1). */
static void window(const struct tfc__pool_geom *g, int64_t oh, int64_t ow, int64_t *h0, int64_t *h1,
		   int64_t *w0, int64_t *w1)
{
	*h0 = oh * g->sh - g->pt;
	*w0 = ow * g->sw - g->pl;
	*h1 = *h0 + g->kh < g->ih ? *h0 + g->kh : g->ih;
	*w1 = *w0 + g->kw < g->iw ? *w0 + g->kw : g->iw;
	if (*h0 < 0)
		*h0 = 0;
	if (*w0 < 0)
		*w0 = 0;
}

/* Float fast paths, split over the images with the intra-op threads. Channels are
 * innermost in NHWC, so each window position is a contiguous run of c floats and
 * the loops over it vectorize; the generic double path below reads one element at a
 * time across the window (about 15x slower on LeNet's 64x28x28x6 pool). */
struct fpool {
	const struct tfc__pool_geom *g;
	const float *x, *dy;
	float *out;
	bool max;
};

static void fpool_forward(void *arg, int64_t b0, int64_t b1)
{
	const struct fpool *j = arg;
	const struct tfc__pool_geom *g = j->g;
	for (int64_t b = b0; b < b1; b++)
		for (int64_t oh = 0; oh < g->oh; oh++)
			for (int64_t ow = 0; ow < g->ow; ow++) {
				int64_t h0, h1, w0, w1;
				window(g, oh, ow, &h0, &h1, &w0, &w1);
				float *dst = j->out + ((b * g->oh + oh) * g->ow + ow) * g->c;
				for (int64_t c = 0; c < g->c; c++)
					dst[c] = j->max ? -INFINITY : 0.0f;
				for (int64_t h = h0; h < h1; h++)
					for (int64_t w = w0; w < w1; w++) {
						const float *src = j->x + ((b * g->ih + h) * g->iw + w) * g->c;
						if (j->max) {
							for (int64_t c = 0; c < g->c; c++)
								dst[c] = src[c] > dst[c] || isnan(src[c]) ? src[c] : dst[c];
						} else {
							for (int64_t c = 0; c < g->c; c++)
								dst[c] += src[c];
						}
					}
				int64_t cnt = (h1 - h0) * (w1 - w0);
				if (!j->max)
					for (int64_t c = 0; c < g->c; c++)
						dst[c] = cnt > 0 ? dst[c] / (float)cnt : 0.0f;
			}
}

/* MaxPoolGrad: each window's gradient goes to its first maximum, per channel. */
static void fpool_max_grad(void *arg, int64_t b0, int64_t b1)
{
	const struct fpool *j = arg;
	const struct tfc__pool_geom *g = j->g;
	float *best = tfc__malloc(((size_t)g->c + 1) * sizeof(float));
	int64_t *at = tfc__malloc(((size_t)g->c + 1) * sizeof(int64_t));
	for (int64_t b = b0; b < b1; b++)
		for (int64_t oh = 0; oh < g->oh; oh++)
			for (int64_t ow = 0; ow < g->ow; ow++) {
				int64_t h0, h1, w0, w1;
				window(g, oh, ow, &h0, &h1, &w0, &w1);
				for (int64_t c = 0; c < g->c; c++)
					at[c] = -1;
				for (int64_t h = h0; h < h1; h++)
					for (int64_t w = w0; w < w1; w++) {
						int64_t base = ((b * g->ih + h) * g->iw + w) * g->c;
						const float *src = j->x + base;
						for (int64_t c = 0; c < g->c; c++)
							if (at[c] < 0 || src[c] > best[c]) {
								best[c] = src[c];
								at[c] = base + c;
							}
					}
				const float *gy = j->dy + ((b * g->oh + oh) * g->ow + ow) * g->c;
				for (int64_t c = 0; c < g->c; c++)
					if (at[c] >= 0)
						j->out[at[c]] += gy[c];
			}
	free(best);
	free(at);
}

/* Images per chunk: at least ~64K window reads, so small pools stay on one thread. */
static int64_t images_per_chunk(const struct tfc__pool_geom *g)
{
	int64_t per = g->oh * g->ow * g->c * g->kh * g->kw;
	return per > 0 ? 65536 / per + 1 : 1;
}

/* For each output element: max (and the input index of the first maximum) or mean. */
static void pool_forward(struct tfc_kernel_ctx *ctx, bool max)
{
	const struct tfc__pool_state *s = ctx->state;
	struct tfc__pool_geom g;
	if (!tfc__pool_args_ok(ctx, s, TFC_POOL_FORWARD, &g))
		return;
	tfc_tensor *x = nhwc(ctx, s, 0), *o = NULL;
	if (!x)
		return;
	int64_t od[4] = {g.n, g.oh, g.ow, g.c};
	o = tfc_tensor_new(s->dtype, od, 4, ctx->st);
	if (!o)
		goto cleanup;
	const void *xp = tfc_tensor_data(x);
	void *op = tfc_tensor_data(o);
	if (s->dtype == TFC_FLOAT) {
		struct fpool j = {&g, xp, NULL, op, max};
		tfc_parallel_for(ctx->intra_op_threads, g.n, images_per_chunk(&g), fpool_forward, &j);
		set_out(ctx, s, o);
		o = NULL;
		goto cleanup;
	}
	for (int64_t b = 0; b < g.n; b++)
		for (int64_t oh = 0; oh < g.oh; oh++)
			for (int64_t ow = 0; ow < g.ow; ow++) {
				int64_t h0, h1, w0, w1;
				window(&g, oh, ow, &h0, &h1, &w0, &w1);
				int64_t oi = ((b * g.oh + oh) * g.ow + ow) * g.c;
				for (int64_t c = 0; c < g.c; c++) {
					double acc = max ? -INFINITY : 0;
					int64_t cnt = 0;
					for (int64_t h = h0; h < h1; h++)
						for (int64_t w = w0; w < w1; w++) {
							double v = ld(xp, s->dtype,
								      ((b * g.ih + h) * g.iw + w) * g.c + c);
							if (max)
								acc = v > acc || isnan(v) ? v : acc;
							else
								acc += v;
							cnt++;
						}
					stv(op, s->dtype, oi + c, max ? acc : cnt ? acc / (double)cnt : 0);
				}
			}
	set_out(ctx, s, o);
	o = NULL;
cleanup:
	tfc_tensor_free(o);
	tfc_tensor_free(x);
}

static void max_pool_compute(struct tfc_kernel_ctx *ctx) { pool_forward(ctx, true); }
static void avg_pool_compute(struct tfc_kernel_ctx *ctx) { pool_forward(ctx, false); }

static void max_pool_grad_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__pool_state *s = ctx->state;
	struct tfc__pool_geom g;
	if (!tfc__pool_args_ok(ctx, s, TFC_POOL_MAX_GRAD, &g))
		return;
	tfc_tensor *x = nhwc(ctx, s, 0), *dy = NULL, *dx = NULL;
	if (!x)
		return;
	dy = nhwc(ctx, s, 2);
	if (!dy)
		goto cleanup;
	dx = tfc_tensor_new(s->dtype, x->shape.dims, 4, ctx->st);
	if (!dx)
		goto cleanup;
	const void *xp = tfc_tensor_data(x), *gp = tfc_tensor_data(dy);
	void *dp = tfc_tensor_data(dx);
	if (s->dtype == TFC_FLOAT) {
		struct fpool j = {&g, xp, gp, dp, true};
		tfc_parallel_for(ctx->intra_op_threads, g.n, images_per_chunk(&g), fpool_max_grad, &j);
		set_out(ctx, s, dx);
		dx = NULL;
		goto cleanup;
	}
	for (int64_t b = 0; b < g.n; b++)
		for (int64_t oh = 0; oh < g.oh; oh++)
			for (int64_t ow = 0; ow < g.ow; ow++) {
				int64_t h0, h1, w0, w1;
				window(&g, oh, ow, &h0, &h1, &w0, &w1);
				int64_t oi = ((b * g.oh + oh) * g.ow + ow) * g.c;
				for (int64_t c = 0; c < g.c; c++) {
					double best = -INFINITY;
					int64_t at = -1;
					for (int64_t h = h0; h < h1; h++)
						for (int64_t w = w0; w < w1; w++) {
							int64_t i = ((b * g.ih + h) * g.iw + w) * g.c + c;
							double v = ld(xp, s->dtype, i);
							if (at < 0 || v > best) {
								best = v;
								at = i;
							}
						}
					if (at >= 0)
						stv(dp, s->dtype, at,
						    ld(dp, s->dtype, at) + ld(gp, s->dtype, oi + c));
				}
			}
	set_out(ctx, s, dx);
	dx = NULL;
cleanup:
	tfc_tensor_free(dx);
	tfc_tensor_free(dy);
	tfc_tensor_free(x);
}

static void avg_pool_grad_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__pool_state *s = ctx->state;
	struct tfc__pool_geom g;
	if (!tfc__pool_args_ok(ctx, s, TFC_POOL_AVG_GRAD, &g))
		return;
	int64_t in[4] = {g.n, g.ih, g.iw, g.c};
	tfc_tensor *dy = nhwc(ctx, s, 1), *dx = NULL;
	if (!dy)
		return;
	dx = tfc_tensor_new(s->dtype, in, 4, ctx->st);
	if (!dx)
		goto cleanup;
	const void *gp = tfc_tensor_data(dy);
	void *dp = tfc_tensor_data(dx);
	for (int64_t b = 0; b < g.n; b++)
		for (int64_t oh = 0; oh < g.oh; oh++)
			for (int64_t ow = 0; ow < g.ow; ow++) {
				int64_t h0, h1, w0, w1;
				window(&g, oh, ow, &h0, &h1, &w0, &w1);
				int64_t cnt = (h1 - h0) * (w1 - w0);
				if (cnt <= 0)
					continue;
				int64_t oi = ((b * g.oh + oh) * g.ow + ow) * g.c;
				for (int64_t h = h0; h < h1; h++)
					for (int64_t w = w0; w < w1; w++)
						for (int64_t c = 0; c < g.c; c++) {
							int64_t i = ((b * g.ih + h) * g.iw + w) * g.c + c;
							stv(dp, s->dtype, i,
							    ld(dp, s->dtype, i) +
								    ld(gp, s->dtype, oi + c) / (double)cnt);
						}
			}
	set_out(ctx, s, dx);
	dx = NULL;
cleanup:
	tfc_tensor_free(dx);
	tfc_tensor_free(dy);
}

/* ---- MaxPoolV2, MaxPoolGradV2: ksize and strides are inputs (the last two) */

static void *pool_v2_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t == TFC_DTYPE_INVALID)
		t = TFC_FLOAT;
	if (t != TFC_FLOAT && t != TFC_DOUBLE)
		return tfc__kernel_unsupported(op, "T", t, st);
	struct tfc__pool_state *s = tfc__calloc(1, sizeof(*s));
	s->dtype = t;
	s->w.nchw = tfc__kernel_attr_str_is(op, "data_format", "NCHW", false);
	s->w.padding = tfc__kernel_attr_str_is(op, "padding", "SAME", false) ? 1 : 0;
	s->w.dil[0] = s->w.dil[1] = 1;
	return s;
}

/* Runs fn with the window read from inputs k and k+1 (ksize, strides). */
static void pool_v2(struct tfc_kernel_ctx *ctx, int k, void (*fn)(struct tfc_kernel_ctx *))
{
	const struct tfc__pool_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, k + 2, TFC_DTYPE_INVALID))
		return;
	struct tfc__pool_state local = *s;
	for (int j = 0; j < 2; j++) {
		const tfc_tensor *t = ctx->inputs[k + j];
		if (t->dtype != TFC_INT32 || t->shape.rank != 1 || t->n_elems != 4) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Sliding window %s field must specify 4 dimensions",
					 j ? "strides" : "ksize");
			return;
		}
		int64_t v[4];
		for (int i = 0; i < 4; i++)
			v[i] = tfc__kint(t, i);
		int64_t n = v[0], c = s->w.nchw ? v[1] : v[3], h = s->w.nchw ? v[2] : v[1],
			w = s->w.nchw ? v[3] : v[2];
		if (n != 1 || c != 1 || h < 1 || w < 1) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Pooling is not yet supported on the batch nor depth dimensions.");
			return;
		}
		int64_t *dst = j ? local.w.stride : local.w.ksize;
		dst[0] = h;
		dst[1] = w;
	}
	ctx->state = &local;
	fn(ctx);
	ctx->state = (void *)s;
}

static void max_pool_v2_compute(struct tfc_kernel_ctx *ctx) { pool_v2(ctx, 1, max_pool_compute); }
static void max_pool_grad_v2_compute(struct tfc_kernel_ctx *ctx)
{
	pool_v2(ctx, 3, max_pool_grad_compute);
}

#define K(NAME, FN) { .op = NAME, .device = "CPU", .create = tfc__pool_create, .destroy = tfc__pool_destroy, \
		      .compute = FN }
const struct tfc_kernel_def tfc__pooling_kernels[] = {
	K("MaxPool", max_pool_compute),
	K("AvgPool", avg_pool_compute),
	K("MaxPoolGrad", max_pool_grad_compute),
	K("AvgPoolGrad", avg_pool_grad_compute),
	{ .op = "MaxPoolV2", .device = "CPU", .create = pool_v2_create, .destroy = tfc__pool_destroy,
	  .compute = max_pool_v2_compute },
	{ .op = "MaxPoolGradV2", .device = "CPU", .create = pool_v2_create,
	  .destroy = tfc__pool_destroy, .compute = max_pool_grad_v2_compute },
	{ .op = NULL },
};
