/*
 * conv_gpu.c: Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter, and the depthwise
 * DepthwiseConv2dNative and its two backprops (cuDNN's grouped convolution, a group
 * per input channel), on the GPU through cuDNN (float and double), with the cuDNN handle of each GPU (made by its first
 * convolution, bound to its compute stream). Built when configure finds cuDNN
 * (TFC_HAVE_CUDNN); cuda/dnn_none.c stands in otherwise, and the convolutions stay on
 * the CPU.
 *
 * As TensorFlow 1.x's GPU kernels do, cuDNN works in NCHW here: an NHWC input or
 * gradient is transposed to NCHW on the device (and the result back), and the HWIO
 * filter to OIHW. cuDNN pads both sides of a dim alike, while TensorFlow's SAME puts
 * the odd row or column at the bottom or right and EXPLICIT padding may differ at
 * will: like TensorFlow's kernel, the input is padded on the device with the extra
 * rows and columns (pad_before - min, pad_after - min) in the same pass as the
 * layout change, cuDNN gets the common min(pad_before, pad_after), and the input
 * gradient is computed for the padded input and cropped. Nothing is refused for its
 * padding; `supports` refuses only dtypes other than float and double and attrs the
 * CPU kernel would reject (so the CPU reports them). The algorithm: as TensorFlow
 * does by default (TF_CUDNN_USE_AUTOTUNE), the first run of each convolution times
 * cuDNN's algorithms (cudnnFind*AlgorithmEx) and later runs use the fastest
 * (cuda/conv_autotune.c); with autotuning off, cuDNN's heuristic order
 * (cudnnGet*Algorithm_v7); either way the first whose workspace the device allocator
 * can give. FMA math (no TF32), so float results match the CPU's to rounding.
 *
 * cuDNN 9 marks this (legacy) convolution API deprecated in favour of its graph API;
 * it is still shipped and supported, and is what TensorFlow 1.x called, so the
 * deprecation warnings are turned off for this file.
 */
#include <limits.h>

#include <cudnn.h>

#include "conv_autotune.h"
#include "gpu_internal.h"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#define MAX_ALGOS 16

static bool dnn_check(cudnnStatus_t e, const char *call, tfc_status *st)
{
	if (e == CUDNN_STATUS_SUCCESS)
		return true;
	tfc_status_set(st, TFC_INTERNAL, "%s failed: %s", call, cudnnGetErrorString(e));
	return false;
}
#define TFC_CUDNN_CHECK(call, st) dnn_check((call), #call, (st))

void tfc__gpu_dnn_release(struct tfc__gpu *g)
{
	if (g->dnn)
		cudnnDestroy(g->dnn);
	g->dnn = NULL;
}

/* The running GPU's cuDNN handle, made on first use. NULL with ctx->st set. */
static cudnnHandle_t dnn_handle(struct tfc_kernel_ctx *ctx)
{
	struct tfc__gpu *g = tfc__gpu_current();
	if (g->dnn)
		return g->dnn;
	cudnnHandle_t h = NULL;
	if (!TFC_CUDNN_CHECK(cudnnCreate(&h), ctx->st))
		return NULL;
	if (!TFC_CUDNN_CHECK(cudnnSetStream(h, g->compute), ctx->st)) {
		cudnnDestroy(h);
		return NULL;
	}
	g->dnn = h;
	return h;
}

/* ---- which nodes */

static bool supports(const tfc_operation *op)
{
	tfc_dtype t = tfc_kernel_attr_type(op, "T");
	if (t != TFC_FLOAT && t != TFC_DOUBLE)
		return false;
	struct tfc__window w;
	tfc_status st = {0};
	bool ok = tfc__window_parse(op, false, &w, &st);
	free(st.msg);
	return ok;
}


/* ---- geometry */

/* The problem in NCHW terms, dims 0 (rows) and 1 (cols) for the spatial pairs. */
struct geom {
	int64_t n, c, in[2];    /* input */
	int64_t k[2], oc;       /* filter (HWIO: k[0], k[1], cg, oc) */
	int64_t groups, cg;     /* channel groups (depthwise: c), input channels per group */
	int64_t out[2];
	int64_t pad[2];         /* what cuDNN pads on both sides */
	int64_t extra[2];       /* zero rows / cols added before the input on the device */
	int64_t padded[2];      /* input dims with the extra rows / cols on both sides */
	int64_t stride[2], dil[2];
};

/* DepthwiseConv2dNative and its backprops: cuDNN's grouped convolution, one group
 * per input channel. */
static bool is_depthwise(const struct tfc_kernel_ctx *ctx) { return !strncmp(ctx->op->type, "Depthwise", 9); }

/* Fills g from the input's N, C, H, W and the filter dims (HWIO, or for a depthwise
 * convolution [H, W, C, M]: C groups of one input channel and M outputs, which is
 * HWIO with I = 1 and O = C * M as laid out in memory); false with ctx->st. */
static bool geom_of(struct tfc_kernel_ctx *ctx, const struct tfc__window *w, int64_t n, int64_t c, int64_t ih,
		    int64_t iw, const int64_t *f, bool depthwise, struct geom *g)
{
	*g = (struct geom){.n = n, .c = c, .in = {ih, iw}, .k = {f[0], f[1]}, .oc = depthwise ? f[2] * f[3] : f[3],
			   .groups = depthwise ? c : 1, .cg = depthwise ? 1 : c};
	if (f[2] != c) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 depthwise ? "input and filter must have the same depth: %lld vs %lld"
					   : "input depth must be evenly divisible by filter depth: %lld vs %lld",
				 (long long)c, (long long)f[2]);
		return false;
	}
	for (int d = 0; d < 2; d++) {
		int64_t before, after;
		g->stride[d] = w->stride[d];
		g->dil[d] = w->dil[d];
		if (!tfc__window_out(w, d, g->in[d], g->k[d], &g->out[d], &before) || g->out[d] < 0) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Computed output size would be negative: input %lldx%lld, filter %lldx%lld",
					 (long long)ih, (long long)iw, (long long)f[0], (long long)f[1]);
			return false;
		}
		int64_t eff = (g->k[d] - 1) * g->dil[d] + 1;
		if (w->padding == 0) {
			after = 0;
		} else if (w->padding == 1) {
			int64_t total = (g->out[d] - 1) * g->stride[d] + eff - g->in[d];
			after = total > before ? total - before : 0;
		} else {
			after = w->pad_attr[2 * d + 1];
		}
		g->pad[d] = before < after ? before : after;
		g->extra[d] = before - g->pad[d];
		g->padded[d] = g->in[d] + (before - g->pad[d]) + (after - g->pad[d]);
	}
	int64_t lim = INT_MAX;
	if (g->n * g->c * g->padded[0] * g->padded[1] >= lim || g->n * g->oc * g->out[0] * g->out[1] >= lim ||
	    g->oc * g->cg * g->k[0] * g->k[1] >= lim) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "%s on the GPU: tensors of 2^31 elements or more",
				 ctx->op->type);
		return false;
	}
	return true;
}

/* Element strides of logical (n, c, h, w) in a packed NCHW or NHWC tensor. */
static void strides_of(bool nchw, int64_t c, int64_t h, int64_t w, int64_t s[4])
{
	if (nchw) {
		s[0] = c * h * w;
		s[1] = h * w;
		s[2] = w;
		s[3] = 1;
	} else {
		s[0] = h * w * c;
		s[1] = 1;
		s[2] = w * c;
		s[3] = c;
	}
}

static bool copy4(struct tfc_kernel_ctx *ctx, int dt, const void *in, void *out, const int64_t dims[4],
		  const int64_t in_str[4], const int64_t out_str[4], int64_t in_h, int64_t in_w, int64_t off2,
		  int64_t off3)
{
	cudaError_t e = tfc__gpu_launch_copy4(tfc__gpu_current()->compute, dt, in, out, dims, in_str, out_str, in_h,
					      in_w, off2, off3);
	if (e == cudaSuccess)
		return true;
	tfc_kernel_error(ctx, TFC_INTERNAL, "launching a layout copy for %s failed: %s", ctx->op->type,
			 cudaGetErrorString(e));
	return false;
}

/* The input x (device, data_format layout) as packed NCHW with the extra zero rows
 * and columns: x itself when it already is. NULL with ctx->st set. */
static void *padded_input(struct tfc_kernel_ctx *ctx, const struct tfc__conv_state *s, const struct geom *g,
			  void *x)
{
	if (s->w.nchw && g->padded[0] == g->in[0] && g->padded[1] == g->in[1])
		return x;
	size_t esz = tfc_dtype_size(s->dtype);
	void *p = tfc__gpu_scratch(ctx, (size_t)(g->n * g->c * g->padded[0] * g->padded[1]) * esz);
	int64_t dims[4] = {g->n, g->c, g->padded[0], g->padded[1]}, is[4], os[4];
	strides_of(s->w.nchw, g->c, g->in[0], g->in[1], is);
	strides_of(true, g->c, g->padded[0], g->padded[1], os);
	if (!p || !copy4(ctx, s->dtype == TFC_DOUBLE, x, p, dims, is, os, g->in[0], g->in[1], -g->extra[0],
			 -g->extra[1]))
		return NULL;
	return p;
}

/* An output-shaped tensor (dy, device, data_format layout) as packed NCHW. */
static void *nchw_of_output(struct tfc_kernel_ctx *ctx, const struct tfc__conv_state *s, const struct geom *g,
			    void *y)
{
	if (s->w.nchw)
		return y;
	size_t esz = tfc_dtype_size(s->dtype);
	void *p = tfc__gpu_scratch(ctx, (size_t)(g->n * g->oc * g->out[0] * g->out[1]) * esz);
	int64_t dims[4] = {g->n, g->oc, g->out[0], g->out[1]}, is[4], os[4];
	strides_of(false, g->oc, g->out[0], g->out[1], is);
	strides_of(true, g->oc, g->out[0], g->out[1], os);
	if (!p || !copy4(ctx, s->dtype == TFC_DOUBLE, y, p, dims, is, os, g->out[0], g->out[1], 0, 0))
		return NULL;
	return p;
}

/* HWIO filter strides for logical (o, i, h, w), i < cg. */
static void hwio_strides(const struct geom *g, int64_t s[4])
{
	s[0] = 1;
	s[1] = g->oc;
	s[2] = g->k[1] * g->cg * g->oc;
	s[3] = g->cg * g->oc;
}

/* The HWIO filter f (device) as OIHW. */
static void *oihw_filter(struct tfc_kernel_ctx *ctx, const struct tfc__conv_state *s, const struct geom *g, void *f)
{
	size_t esz = tfc_dtype_size(s->dtype);
	void *p = tfc__gpu_scratch(ctx, (size_t)(g->oc * g->cg * g->k[0] * g->k[1]) * esz);
	int64_t dims[4] = {g->oc, g->cg, g->k[0], g->k[1]}, is[4], os[4];
	hwio_strides(g, is);
	strides_of(true, g->cg, g->k[0], g->k[1], os);
	if (!p || !copy4(ctx, s->dtype == TFC_DOUBLE, f, p, dims, is, os, g->k[0], g->k[1], 0, 0))
		return NULL;
	return p;
}

/* ---- cuDNN descriptors and the three calls */

enum conv_kind { CONV_FWD, CONV_BWD_DATA, CONV_BWD_FILTER };

struct descs {
	cudnnTensorDescriptor_t x, y;   /* padded input, output (NCHW) */
	cudnnFilterDescriptor_t w;      /* OIHW */
	cudnnConvolutionDescriptor_t conv;
};

static void descs_free(struct descs *d)
{
	if (d->x)
		cudnnDestroyTensorDescriptor(d->x);
	if (d->y)
		cudnnDestroyTensorDescriptor(d->y);
	if (d->w)
		cudnnDestroyFilterDescriptor(d->w);
	if (d->conv)
		cudnnDestroyConvolutionDescriptor(d->conv);
}

static bool descs_init(struct descs *d, const struct geom *g, tfc_dtype t, tfc_status *st)
{
	cudnnDataType_t dt = t == TFC_DOUBLE ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT;
	int n = (int)g->n, on = 0, oc = 0, oh = 0, ow = 0;
	if (!TFC_CUDNN_CHECK(cudnnCreateTensorDescriptor(&d->x), st) ||
	    !TFC_CUDNN_CHECK(cudnnCreateTensorDescriptor(&d->y), st) ||
	    !TFC_CUDNN_CHECK(cudnnCreateFilterDescriptor(&d->w), st) ||
	    !TFC_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&d->conv), st) ||
	    !TFC_CUDNN_CHECK(cudnnSetTensor4dDescriptor(d->x, CUDNN_TENSOR_NCHW, dt, n, (int)g->c, (int)g->padded[0],
							(int)g->padded[1]), st) ||
	    !TFC_CUDNN_CHECK(cudnnSetTensor4dDescriptor(d->y, CUDNN_TENSOR_NCHW, dt, n, (int)g->oc, (int)g->out[0],
							(int)g->out[1]), st) ||
	    !TFC_CUDNN_CHECK(cudnnSetFilter4dDescriptor(d->w, dt, CUDNN_TENSOR_NCHW, (int)g->oc, (int)g->cg,
							(int)g->k[0], (int)g->k[1]), st) ||
	    !TFC_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(d->conv, (int)g->pad[0], (int)g->pad[1],
							     (int)g->stride[0], (int)g->stride[1], (int)g->dil[0],
							     (int)g->dil[1], CUDNN_CROSS_CORRELATION, dt), st) ||
	    !TFC_CUDNN_CHECK(cudnnSetConvolutionMathType(d->conv, CUDNN_FMA_MATH), st) ||
	    !TFC_CUDNN_CHECK(cudnnSetConvolutionGroupCount(d->conv, (int)g->groups), st) ||
	    !TFC_CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(d->conv, d->x, d->w, &on, &oc, &oh, &ow), st))
		return false;
	if (on != n || oc != (int)g->oc || oh != (int)g->out[0] || ow != (int)g->out[1]) {
		tfc_status_set(st, TFC_INTERNAL,
			       "cuDNN's convolution output [%d,%d,%d,%d] differs from TensorFlow's [%lld,%lld,%lld,%lld]",
			       on, oc, oh, ow, (long long)g->n, (long long)g->oc, (long long)g->out[0],
			       (long long)g->out[1]);
		return false;
	}
	return true;
}

/* cuDNN's heuristic algorithms for the call, best first, those it says work. */
static int algos_for(cudnnHandle_t h, enum conv_kind kind, const struct descs *d, int out[MAX_ALGOS],
		     tfc_status *st)
{
	int got = 0, n = 0;
	cudnnStatus_t e;
	switch (kind) {
	case CONV_FWD: {
		cudnnConvolutionFwdAlgoPerf_t p[MAX_ALGOS];
		e = cudnnGetConvolutionForwardAlgorithm_v7(h, d->x, d->w, d->conv, d->y, MAX_ALGOS, &got, p);
		for (int i = 0; e == CUDNN_STATUS_SUCCESS && i < got; i++)
			if (p[i].status == CUDNN_STATUS_SUCCESS)
				out[n++] = (int)p[i].algo;
		break;
	}
	case CONV_BWD_DATA: {
		cudnnConvolutionBwdDataAlgoPerf_t p[MAX_ALGOS];
		e = cudnnGetConvolutionBackwardDataAlgorithm_v7(h, d->w, d->y, d->conv, d->x, MAX_ALGOS, &got, p);
		for (int i = 0; e == CUDNN_STATUS_SUCCESS && i < got; i++)
			if (p[i].status == CUDNN_STATUS_SUCCESS)
				out[n++] = (int)p[i].algo;
		break;
	}
	default: {
		cudnnConvolutionBwdFilterAlgoPerf_t p[MAX_ALGOS];
		e = cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, d->x, d->y, d->conv, d->w, MAX_ALGOS, &got, p);
		for (int i = 0; e == CUDNN_STATUS_SUCCESS && i < got; i++)
			if (p[i].status == CUDNN_STATUS_SUCCESS)
				out[n++] = (int)p[i].algo;
		break;
	}
	}
	if (!dnn_check(e, "cudnnGetConvolution*Algorithm_v7", st))
		return -1;
	if (n == 0)
		tfc_status_set(st, TFC_UNIMPLEMENTED, "cuDNN has no algorithm for this convolution");
	return n;
}

static cudnnStatus_t workspace_of(cudnnHandle_t h, enum conv_kind kind, const struct descs *d, int algo,
				  size_t *bytes)
{
	switch (kind) {
	case CONV_FWD:
		return cudnnGetConvolutionForwardWorkspaceSize(h, d->x, d->w, d->conv, d->y,
							       (cudnnConvolutionFwdAlgo_t)algo, bytes);
	case CONV_BWD_DATA:
		return cudnnGetConvolutionBackwardDataWorkspaceSize(h, d->w, d->y, d->conv, d->x,
								    (cudnnConvolutionBwdDataAlgo_t)algo, bytes);
	default:
		return cudnnGetConvolutionBackwardFilterWorkspaceSize(h, d->x, d->y, d->conv, d->w,
								      (cudnnConvolutionBwdFilterAlgo_t)algo, bytes);
	}
}

/* ---- autotuning: time every algorithm on the first run of a convolution */

static void conv_key(const struct geom *g, enum conv_kind kind, tfc_dtype t, int64_t key[TFC_CONV_KEY_LEN])
{
	const int64_t k[TFC_CONV_KEY_LEN] = {tfc__gpu_current()->ordinal, kind * 2 + (g->groups > 1), t, g->n,
					     g->c, g->padded[0], g->padded[1], g->oc, g->k[0], g->k[1], g->pad[0],
					     g->pad[1], g->stride[0], g->stride[1], g->dil[0], g->dil[1]};
	memcpy(key, k, sizeof(k));
}

/* The fastest algorithm cudnnFind*AlgorithmEx measures on these buffers (the
 * output one is written over, as the real call will), with the largest workspace
 * the heuristic algorithms want that the allocator can give (halved until it can,
 * capped at 1 GiB); -1 when timing fails (the heuristic order is used then). */
static int find_fastest(struct tfc_kernel_ctx *ctx, cudnnHandle_t h, enum conv_kind kind, const struct descs *d,
			const int *algos, int n, void *x, void *w, void *y)
{
	size_t want = 0;
	for (int i = 0; i < n; i++) {
		size_t b = 0;
		if (workspace_of(h, kind, d, algos[i], &b) == CUDNN_STATUS_SUCCESS && b > want)
			want = b;
	}
	if (want > ((size_t)1 << 30))
		want = (size_t)1 << 30;
	void *ws = NULL;
	while (want && !(ws = tfc__gpu_scratch(ctx, want))) {
		if (tfc_status_code(ctx->st) != TFC_RESOURCE_EXHAUSTED)
			return -1;
		tfc_status_set(ctx->st, TFC_OK, NULL);
		want /= 2;
	}
	int got = 0, best = -1;
	cudnnStatus_t e;
	switch (kind) {
	case CONV_FWD: {
		cudnnConvolutionFwdAlgoPerf_t p[MAX_ALGOS];
		e = cudnnFindConvolutionForwardAlgorithmEx(h, d->x, x, d->w, w, d->conv, d->y, y, MAX_ALGOS, &got, p,
							   ws, want);
		for (int i = 0; e == CUDNN_STATUS_SUCCESS && i < got && best < 0; i++)
			if (p[i].status == CUDNN_STATUS_SUCCESS && p[i].memory <= want)
				best = (int)p[i].algo;
		break;
	}
	case CONV_BWD_DATA: {
		cudnnConvolutionBwdDataAlgoPerf_t p[MAX_ALGOS];
		e = cudnnFindConvolutionBackwardDataAlgorithmEx(h, d->w, w, d->y, y, d->conv, d->x, x, MAX_ALGOS, &got,
								p, ws, want);
		for (int i = 0; e == CUDNN_STATUS_SUCCESS && i < got && best < 0; i++)
			if (p[i].status == CUDNN_STATUS_SUCCESS && p[i].memory <= want)
				best = (int)p[i].algo;
		break;
	}
	default: {
		cudnnConvolutionBwdFilterAlgoPerf_t p[MAX_ALGOS];
		e = cudnnFindConvolutionBackwardFilterAlgorithmEx(h, d->x, x, d->y, y, d->conv, d->w, w, MAX_ALGOS,
								  &got, p, ws, want);
		for (int i = 0; e == CUDNN_STATUS_SUCCESS && i < got && best < 0; i++)
			if (p[i].status == CUDNN_STATUS_SUCCESS && p[i].memory <= want)
				best = (int)p[i].algo;
		break;
	}
	}
	return best; /* cuDNN's results come fastest first */
}

/* Puts the autotuned algorithm first in algos[0..n) (adding it if the heuristics
 * did not list it), timing the convolution if it is new. */
static int autotune(struct tfc_kernel_ctx *ctx, cudnnHandle_t h, enum conv_kind kind, const struct geom *g,
		    tfc_dtype t, const struct descs *d, int *algos, int n, void *x, void *w, void *y)
{
	int64_t key[TFC_CONV_KEY_LEN];
	conv_key(g, kind, t, key);
	int best = tfc__conv_algo_lookup(key);
	if (best < 0) {
		best = find_fastest(ctx, h, kind, d, algos, n, x, w, y);
		if (best < 0)
			return n;
		tfc__conv_algo_store(key, best);
	}
	int at = 0;
	while (at < n && algos[at] != best)
		at++;
	if (at == n && n == MAX_ALGOS)
		at = n - 1; /* full: the last heuristic choice makes room */
	else if (at == n)
		n++;
	memmove(algos + 1, algos, (size_t)at * sizeof(int));
	algos[0] = best;
	return n;
}

/* Runs the call: FWD y = conv(x, w); BWD_DATA x = grad wrt x of (w, y = dy);
 * BWD_FILTER w = grad wrt w of (x, y = dy). The first of cuDNN's algorithms whose
 * workspace the allocator can give and that runs. */
static bool run_conv(struct tfc_kernel_ctx *ctx, enum conv_kind kind, const struct geom *g, tfc_dtype t, void *x,
		     void *w, void *y)
{
	cudnnHandle_t h = dnn_handle(ctx);
	struct descs d = {0};
	int algos[MAX_ALGOS];
	bool ok = false;
	if (!h || !descs_init(&d, g, t, ctx->st))
		goto cleanup;
	int n = algos_for(h, kind, &d, algos, ctx->st);
	if (n > 0 && tfc__conv_autotune_enabled())
		n = autotune(ctx, h, kind, g, t, &d, algos, n, x, w, y);
	float f1 = 1, f0 = 0;
	double d1 = 1, d0 = 0;
	const void *one = t == TFC_DOUBLE ? (const void *)&d1 : (const void *)&f1;
	const void *zero = t == TFC_DOUBLE ? (const void *)&d0 : (const void *)&f0;
	cudnnStatus_t e = CUDNN_STATUS_NOT_SUPPORTED;
	for (int i = 0; i < n; i++) {
		size_t bytes = 0;
		if (workspace_of(h, kind, &d, algos[i], &bytes) != CUDNN_STATUS_SUCCESS)
			continue;
		void *ws = bytes ? tfc__gpu_scratch(ctx, bytes) : NULL;
		if (bytes && !ws) {
			if (tfc_status_code(ctx->st) != TFC_RESOURCE_EXHAUSTED)
				goto cleanup;
			tfc_status_set(ctx->st, TFC_OK, NULL); /* try an algorithm that needs less */
			continue;
		}
		switch (kind) {
		case CONV_FWD:
			e = cudnnConvolutionForward(h, one, d.x, x, d.w, w, d.conv, (cudnnConvolutionFwdAlgo_t)algos[i],
						    ws, bytes, zero, d.y, y);
			break;
		case CONV_BWD_DATA:
			e = cudnnConvolutionBackwardData(h, one, d.w, w, d.y, y, d.conv,
							 (cudnnConvolutionBwdDataAlgo_t)algos[i], ws, bytes, zero, d.x,
							 x);
			break;
		default:
			e = cudnnConvolutionBackwardFilter(h, one, d.x, x, d.y, y, d.conv,
							   (cudnnConvolutionBwdFilterAlgo_t)algos[i], ws, bytes, zero,
							   d.w, w);
			break;
		}
		if (e != CUDNN_STATUS_NOT_SUPPORTED)
			break;
	}
	if (n > 0 && tfc_status_code(ctx->st) == TFC_OK && e != CUDNN_STATUS_SUCCESS) {
		tfc_kernel_error(ctx, e == CUDNN_STATUS_NOT_SUPPORTED ? TFC_UNIMPLEMENTED : TFC_INTERNAL,
				 "cuDNN %s: %s", ctx->op->type, cudnnGetErrorString(e));
		goto cleanup;
	}
	ok = n > 0 && tfc_status_code(ctx->st) == TFC_OK;
cleanup:
	descs_free(&d);
	return ok;
}

/* ---- the kernels */

/* The node's 4-D tensor input k in data_format terms as N, C, H, W. */
static bool nchw_dims(struct tfc_kernel_ctx *ctx, const struct tfc__conv_state *s, const tfc_tensor *t,
		      const char *what, int64_t out[4])
{
	if (t->shape.rank != 4) {
		char b[128];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%s must be 4-dimensional%s", what,
				 tfc__kshape(&t->shape, b, sizeof(b)));
		return false;
	}
	const int64_t *d = t->shape.dims;
	out[0] = d[0];
	out[1] = s->w.nchw ? d[1] : d[3];
	out[2] = s->w.nchw ? d[2] : d[1];
	out[3] = s->w.nchw ? d[3] : d[2];
	return true;
}

/* dims of an output-shaped tensor [n, oc, oh, ow] in data_format order. */
static void format_dims(const struct tfc__conv_state *s, int64_t n, int64_t c, int64_t h, int64_t w, int64_t out[4])
{
	out[0] = n;
	out[1] = s->w.nchw ? c : h;
	out[2] = s->w.nchw ? h : w;
	out[3] = s->w.nchw ? w : c;
}

static void conv2d_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__conv_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 2, s->dtype))
		return;
	const tfc_tensor *x = ctx->inputs[0], *f = ctx->inputs[1];
	int64_t xd[4], od[4];
	struct geom g;
	if (!nchw_dims(ctx, s, x, "input", xd))
		return;
	if (f->shape.rank != 4) {
		char b[128];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "filter must be 4-dimensional: %s",
				 tfc__kshape(&f->shape, b, sizeof(b)));
		return;
	}
	if (!geom_of(ctx, &s->w, xd[0], xd[1], xd[2], xd[3], f->shape.dims, is_depthwise(ctx), &g))
		return;
	format_dims(s, g.n, g.oc, g.out[0], g.out[1], od);
	tfc_tensor *y = tfc__gpu_alloc_output(ctx, 0, s->dtype, od, 4);
	if (!y || y->n_elems == 0)
		return;
	if (x->n_elems == 0 || f->n_elems == 0) { /* an empty sum: zeros */
		tfc__gpu_zero(ctx, y);
		return;
	}
	int dt = s->dtype == TFC_DOUBLE;
	size_t esz = tfc_dtype_size(s->dtype);
	void *dx = tfc__gpu_upload(ctx, x);
	void *df = dx ? tfc__gpu_upload(ctx, f) : NULL;
	void *px = df ? padded_input(ctx, s, &g, dx) : NULL;
	void *pw = px ? oihw_filter(ctx, s, &g, df) : NULL;
	/* NCHW: cuDNN writes y itself; NHWC: a packed NCHW result, then y's layout */
	void *py = !pw ? NULL : s->w.nchw ? tfc_tensor_data(y) : tfc__gpu_scratch(ctx, (size_t)y->n_elems * esz);
	if (!py || !run_conv(ctx, CONV_FWD, &g, s->dtype, px, pw, py) || s->w.nchw)
		return;
	int64_t dims[4] = {g.n, g.oc, g.out[0], g.out[1]}, is[4], os[4];
	strides_of(true, g.oc, g.out[0], g.out[1], is);
	strides_of(false, g.oc, g.out[0], g.out[1], os);
	copy4(ctx, dt, py, tfc_tensor_data(y), dims, is, os, g.out[0], g.out[1], 0, 0);
}

/* input_sizes / filter_sizes (input k, host memory) into v; false with ctx->st. */
static bool sizes4(struct tfc_kernel_ctx *ctx, int k, int64_t v[4])
{
	const tfc_tensor *t = ctx->inputs[k];
	if ((t->dtype != TFC_INT32 && t->dtype != TFC_INT64) || t->shape.rank != 1 || t->n_elems != 4) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Conv2DBackprop: %s must be 1-dimensional with 4 elements",
				 k == 0 ? "input_sizes" : "filter_sizes");
		return false;
	}
	for (int i = 0; i < 4; i++) {
		v[i] = tfc__kint(t, i);
		if (v[i] < 0) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Conv2DBackprop: negative size");
			return false;
		}
	}
	return true;
}

/* Whether out_backprop (input 2) has the output's shape; sets ctx->st if not. */
static bool dy_ok(struct tfc_kernel_ctx *ctx, const struct tfc__conv_state *s, const struct geom *g)
{
	const tfc_tensor *dy = ctx->inputs[2];
	int64_t want[4];
	format_dims(s, g->n, g->oc, g->out[0], g->out[1], want);
	if (dy->shape.rank == 4 && !memcmp(dy->shape.dims, want, sizeof(want)))
		return true;
	char b[128];
	tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%s: out_backprop has shape %s, expected [%lld,%lld,%lld,%lld]",
			 ctx->op->type, tfc__kshape(&dy->shape, b, sizeof(b)), (long long)want[0], (long long)want[1],
			 (long long)want[2], (long long)want[3]);
	return false;
}

static void backprop_input_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__conv_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 3, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *f = ctx->inputs[1], *dy = ctx->inputs[2];
	int64_t isz[4], xd[4];
	struct geom g;
	if (!sizes4(ctx, 0, isz))
		return;
	if (f->dtype != s->dtype || dy->dtype != s->dtype || f->shape.rank != 4) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Conv2DBackpropInput: filter must be 4-D %s",
				 tfc_dtype_name(s->dtype));
		return;
	}
	xd[0] = isz[0]; /* input_sizes (data_format order) as N, C, H, W */
	xd[1] = s->w.nchw ? isz[1] : isz[3];
	xd[2] = s->w.nchw ? isz[2] : isz[1];
	xd[3] = s->w.nchw ? isz[3] : isz[2];
	if (!geom_of(ctx, &s->w, xd[0], xd[1], xd[2], xd[3], f->shape.dims, is_depthwise(ctx), &g) ||
	    !dy_ok(ctx, s, &g))
		return;
	tfc_tensor *dx = tfc__gpu_alloc_output(ctx, 0, s->dtype, isz, 4);
	if (!dx || dx->n_elems == 0)
		return;
	if (dy->n_elems == 0 || f->n_elems == 0) {
		tfc__gpu_zero(ctx, dx);
		return;
	}
	int dt = s->dtype == TFC_DOUBLE;
	size_t esz = tfc_dtype_size(s->dtype);
	void *df = tfc__gpu_upload(ctx, f);
	void *ddy = df ? tfc__gpu_upload(ctx, dy) : NULL;
	void *pw = ddy ? oihw_filter(ctx, s, &g, df) : NULL;
	void *pdy = pw ? nchw_of_output(ctx, s, &g, ddy) : NULL;
	/* NCHW without extra rows or columns: cuDNN writes dx itself */
	bool direct = s->w.nchw && g.padded[0] == g.in[0] && g.padded[1] == g.in[1];
	void *pdx = !pdy ? NULL
		    : direct ? tfc_tensor_data(dx)
			     : tfc__gpu_scratch(ctx, (size_t)(g.n * g.c * g.padded[0] * g.padded[1]) * esz);
	if (!pdx || !run_conv(ctx, CONV_BWD_DATA, &g, s->dtype, pdx, pw, pdy) || direct)
		return;
	/* crop the extra rows and columns, back to data_format */
	int64_t dims[4] = {g.n, g.c, g.in[0], g.in[1]}, is[4], os[4];
	strides_of(true, g.c, g.padded[0], g.padded[1], is);
	strides_of(s->w.nchw, g.c, g.in[0], g.in[1], os);
	copy4(ctx, dt, pdx, tfc_tensor_data(dx), dims, is, os, g.padded[0], g.padded[1], g.extra[0], g.extra[1]);
}

static void backprop_filter_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__conv_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 3, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0], *dy = ctx->inputs[2];
	int64_t fsz[4], xd[4];
	struct geom g;
	if (!sizes4(ctx, 1, fsz))
		return;
	if (x->dtype != s->dtype || dy->dtype != s->dtype) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Conv2DBackpropFilter expects %s inputs",
				 tfc_dtype_name(s->dtype));
		return;
	}
	if (!nchw_dims(ctx, s, x, "input", xd) ||
	    !geom_of(ctx, &s->w, xd[0], xd[1], xd[2], xd[3], fsz, is_depthwise(ctx), &g) ||
	    !dy_ok(ctx, s, &g))
		return;
	tfc_tensor *dw = tfc__gpu_alloc_output(ctx, 0, s->dtype, fsz, 4);
	if (!dw || dw->n_elems == 0)
		return;
	if (dy->n_elems == 0 || x->n_elems == 0) {
		tfc__gpu_zero(ctx, dw);
		return;
	}
	int dt = s->dtype == TFC_DOUBLE;
	size_t esz = tfc_dtype_size(s->dtype);
	void *dx = tfc__gpu_upload(ctx, x);
	void *ddy = dx ? tfc__gpu_upload(ctx, dy) : NULL;
	void *px = ddy ? padded_input(ctx, s, &g, dx) : NULL;
	void *pdy = px ? nchw_of_output(ctx, s, &g, ddy) : NULL;
	void *pdw = pdy ? tfc__gpu_scratch(ctx, (size_t)dw->n_elems * esz) : NULL;
	if (!pdw || !run_conv(ctx, CONV_BWD_FILTER, &g, s->dtype, px, pdw, pdy))
		return;
	/* OIHW back to HWIO */
	int64_t dims[4] = {g.oc, g.cg, g.k[0], g.k[1]}, is[4], os[4];
	strides_of(true, g.cg, g.k[0], g.k[1], is);
	hwio_strides(&g, os);
	copy4(ctx, dt, pdw, tfc_tensor_data(dw), dims, is, os, g.k[0], g.k[1], 0, 0);
}

/* HOST: the inputs read on the host (input_sizes, filter_sizes). */
#define K(NAME, FN, HOST) {.op = NAME, .device = "GPU", .create = tfc__conv_create, .destroy = tfc__conv_destroy, \
			   .compute = FN, .supports = supports, .flags = TFC_KF_DEVICE_MEMORY, .host_inputs = HOST}
const struct tfc_kernel_def tfc__gpu_conv_kernels[] = {
	K("Conv2D", conv2d_compute, 0),
	K("Conv2DBackpropInput", backprop_input_compute, 1u << 0),
	K("Conv2DBackpropFilter", backprop_filter_compute, 1u << 1),
	K("DepthwiseConv2dNative", conv2d_compute, 0),
	K("DepthwiseConv2dNativeBackpropInput", backprop_input_compute, 1u << 0),
	K("DepthwiseConv2dNativeBackpropFilter", backprop_filter_compute, 1u << 1),
	{0},
};
