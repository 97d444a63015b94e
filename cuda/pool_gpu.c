/*
 * pool_gpu.c: the GPU kernel records of 2-D pooling: MaxPool, AvgPool, MaxPoolGrad and
 * AvgPoolGrad, NHWC and NCHW (computed in the layout the data has, no transposes),
 * VALID and SAME, float and double; device code in cuda/pool_kernels.cu. The node
 * state, the argument checks and their error texts are the CPU kernels'
 * (tfc__pool_create, tfc__pool_args_ok in kernels/pooling.c), and so are the results:
 * MaxPool lets NaN win, AvgPool divides by the count of in-image elements,
 * MaxPoolGrad routes each gradient to its window's first maximum. AvgPoolGrad's
 * orig_input_shape is read on the host (HostMemory, as in TensorFlow). MaxPoolV2 and
 * MaxPoolGradV2 (window as inputs) stay on the CPU.
 */
#include "gpu_internal.h"

/* Float and double nodes whose window attrs parse (others stay on the CPU, whose
 * kernel reports them). */
static bool supports(const tfc_operation *op)
{
	if (tfc__gpu_ftype(tfc_kernel_attr_type(op, "T")) < 0)
		return false;
	struct tfc__window w;
	tfc_status st = {0};
	bool ok = tfc__window_parse(op, true, &w, &st);
	free(st.msg);
	return ok;
}

/* The launchers' geometry from the checked one. */
static struct tfc__gpu_pool_geom gpu_geom(const struct tfc__pool_state *s, const struct tfc__pool_geom *g)
{
	return (struct tfc__gpu_pool_geom){.n = g->n, .c = g->c, .ih = g->ih, .iw = g->iw, .oh = g->oh, .ow = g->ow,
					   .kh = g->kh, .kw = g->kw, .sh = g->sh, .sw = g->sw, .pt = g->pt,
					   .pl = g->pl, .nchw = s->w.nchw};
}

/* Dims [n, h, w, c] in the data format. */
static void format_dims(const struct tfc__pool_state *s, int64_t n, int64_t h, int64_t w, int64_t c, int64_t d[4])
{
	d[0] = n;
	d[1] = s->w.nchw ? c : h;
	d[2] = s->w.nchw ? h : w;
	d[3] = s->w.nchw ? w : c;
}

static void pool_forward(struct tfc_kernel_ctx *ctx, bool max)
{
	const struct tfc__pool_state *s = ctx->state;
	struct tfc__pool_geom g;
	if (!tfc__pool_args_ok(ctx, s, TFC_POOL_FORWARD, &g))
		return;
	int64_t od[4];
	format_dims(s, g.n, g.oh, g.ow, g.c, od);
	tfc_tensor *o = tfc__gpu_alloc_output(ctx, 0, s->dtype, od, 4);
	/* a non-empty output has a non-empty input (the window fits, or SAME pads it) */
	if (!o || o->n_elems == 0)
		return;
	struct tfc__gpu_pool_geom gg = gpu_geom(s, &g);
	void *x = tfc__gpu_upload(ctx, ctx->inputs[0]);
	if (x)
		tfc__gpu_launch_ok(ctx, tfc__gpu_launch_pool(tfc__gpu_current()->compute, tfc__gpu_ftype(s->dtype), max, &gg, x,
						    tfc_tensor_data(o)));
}

static void max_pool_compute(struct tfc_kernel_ctx *ctx) { pool_forward(ctx, true); }
static void avg_pool_compute(struct tfc_kernel_ctx *ctx) { pool_forward(ctx, false); }

static void max_pool_grad_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__pool_state *s = ctx->state;
	struct tfc__pool_geom g;
	if (!tfc__pool_args_ok(ctx, s, TFC_POOL_MAX_GRAD, &g))
		return;
	const tfc_tensor *x = ctx->inputs[0], *dy = ctx->inputs[2];
	tfc_tensor *dx = tfc__gpu_alloc_output(ctx, 0, s->dtype, x->shape.dims, 4);
	if (!dx || dx->n_elems == 0)
		return;
	if (dy->n_elems == 0) {
		tfc__gpu_zero(ctx, dx);
		return;
	}
	struct tfc__gpu_pool_geom gg = gpu_geom(s, &g);
	void *xp = tfc__gpu_upload(ctx, x);
	void *dyp = xp ? tfc__gpu_upload(ctx, dy) : NULL;
	int64_t *argmax = dyp ? tfc__gpu_scratch(ctx, (size_t)dy->n_elems * sizeof(int64_t)) : NULL;
	if (argmax)
		tfc__gpu_launch_ok(ctx, tfc__gpu_launch_max_pool_grad(tfc__gpu_current()->compute, tfc__gpu_ftype(s->dtype), &gg, xp,
							     dyp, argmax, tfc_tensor_data(dx)));
}

static void avg_pool_grad_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__pool_state *s = ctx->state;
	struct tfc__pool_geom g;
	if (!tfc__pool_args_ok(ctx, s, TFC_POOL_AVG_GRAD, &g))
		return;
	const tfc_tensor *dy = ctx->inputs[1];
	int64_t d[4];
	format_dims(s, g.n, g.ih, g.iw, g.c, d);
	tfc_tensor *dx = tfc__gpu_alloc_output(ctx, 0, s->dtype, d, 4);
	if (!dx || dx->n_elems == 0)
		return;
	if (dy->n_elems == 0) {
		tfc__gpu_zero(ctx, dx);
		return;
	}
	struct tfc__gpu_pool_geom gg = gpu_geom(s, &g);
	void *dyp = tfc__gpu_upload(ctx, dy);
	if (dyp)
		tfc__gpu_launch_ok(ctx, tfc__gpu_launch_avg_pool_grad(tfc__gpu_current()->compute, tfc__gpu_ftype(s->dtype), &gg, dyp,
							     tfc_tensor_data(dx)));
}

#define K(NAME, FN, HOST)                                                                                     \
	{.op = NAME, .device = "GPU", .create = tfc__pool_create, .destroy = tfc__pool_destroy, .compute = FN, \
	 .supports = supports, .flags = TFC_KF_DEVICE_MEMORY, .host_inputs = HOST}
const struct tfc_kernel_def tfc__gpu_pool_kernels[] = {
	K("MaxPool", max_pool_compute, 0),
	K("AvgPool", avg_pool_compute, 0),
	K("MaxPoolGrad", max_pool_grad_compute, 0),
	/* orig_input_shape is a shape, read on the host */
	K("AvgPoolGrad", avg_pool_grad_compute, 1u << 0),
	{0},
};
