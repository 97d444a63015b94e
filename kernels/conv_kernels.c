/*
 * conv_kernels.c: CPU kernels of the 2-D convolutions: Conv2D, Conv2DBackpropInput and
 * Conv2DBackpropFilter (im2col + one OpenBLAS GEMM; col2im for the input gradient),
 * DepthwiseConv2dNative and its two backprops (direct loops); NHWC and NCHW (NCHW
 * tensors are transposed to NHWC and back), strides, dilations, SAME, VALID and
 * EXPLICIT padding; float and double. Also the window geometry shared with
 * kernels/pooling.c (struct tfc__window, kernels.h).
 *
 * im2col: for image b, output position (oh, ow) and filter tap (kh, kw), the C input
 * channels at (oh*sh + kh*dh - pt, ow*sw + kw*dw - pl) are contiguous in NHWC, so row
 * (b, oh, ow) of the column matrix is KH*KW runs of C elements (zeros outside the
 * image). Conv2D is then col [B*OH*OW, KH*KW*C] x filter [KH*KW*C, OC] (the filter's
 * HWIO layout is already that matrix). Rows (b, oh, ow) of the column matrix and of
 * the output run in the same order, so the column matrix is built and multiplied in
 * blocks of rows of about COL_BLOCK bytes (it stays in cache between im2col and GEMM,
 * and a batch never needs its whole column matrix at once); each block's im2col is
 * split over the intra-op threads, its GEMM uses OpenBLAS's threads (as many).
 */
#include <limits.h>


#include "kernels.h"

/* Bytes of column matrix built and multiplied at a time (at least 64 rows). On the
 * development machine blocks of 2 to 8 MiB ran the 8x56x56x64 * 3x3x64x64 layer
 * 1.6-2x faster than whole-batch column matrices (58 MiB), and the 64x14x14x32 *
 * 5x5x32x64 one 2-2.4x faster. */
#define COL_BLOCK ((size_t)4 << 20)

/* ---- geometry */

static bool parse_list4(const tfc_operation *op, const char *name, bool nchw, int64_t out[2],
			int64_t dflt, bool required, tfc_status *st)
{
	int64_t v[8];
	int n = tfc__kernel_attr_ints(op, name, v, 8);
	if (n < 0 && !required) {
		out[0] = out[1] = dflt;
		return true;
	}
	if (n != 4) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT,
			       "Sliding window %s field must specify 4 dimensions (node '%s')", name,
			       op->name);
		return false;
	}
	int64_t nn = v[0], cc = nchw ? v[1] : v[3], h = nchw ? v[2] : v[1], w = nchw ? v[3] : v[2];
	if (nn != 1 || cc != 1) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT,
			       strcmp(name, "ksize") == 0
				       ? "Pooling is not yet supported on the batch nor depth dimensions. (node '%s')"
				       : "Current implementation does not yet support %s in the batch "
					 "and depth dimensions. (node '%s')",
			       strcmp(name, "ksize") == 0 ? op->name : name, op->name);
		return false;
	}
	if (h < 1 || w < 1) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s must be positive (node '%s')", name,
			       op->name);
		return false;
	}
	out[0] = h;
	out[1] = w;
	return true;
}

bool tfc__window_parse(const tfc_operation *op, bool pool, struct tfc__window *w,
		       tfc_status *st)
{
	memset(w, 0, sizeof(*w));
	w->nchw = tfc__kernel_attr_str_is(op, "data_format", "NCHW", false);
	if (!tfc__kernel_attr_str_is(op, "data_format", "NHWC", true) && !w->nchw) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "Invalid data format (node '%s')", op->name);
		return false;
	}
	if (!parse_list4(op, "strides", w->nchw, w->stride, 1, true, st) ||
	    !parse_list4(op, "dilations", w->nchw, w->dil, 1, false, st))
		return false;
	if (pool && !parse_list4(op, "ksize", w->nchw, w->ksize, 1, true, st))
		return false;
	if (tfc__kernel_attr_str_is(op, "padding", "SAME", false)) {
		w->padding = 1;
	} else if (tfc__kernel_attr_str_is(op, "padding", "EXPLICIT", false)) {
		w->padding = 2;
		int64_t p[16];
		int n = tfc__kernel_attr_ints(op, "explicit_paddings", p, 16);
		if (n != 8) {
			tfc_status_set(st, TFC_INVALID_ARGUMENT,
				       "explicit_paddings attribute must contain 8 values, but got: %d "
				       "(node '%s')",
				       n < 0 ? 0 : n, op->name);
			return false;
		}
		int h = w->nchw ? 2 : 1, c = w->nchw ? 1 : 3;
		if (p[0] || p[1] || p[2 * c] || p[2 * c + 1]) {
			tfc_status_set(st, TFC_INVALID_ARGUMENT,
				       "Nonzero padding in the batch or depth dimensions is not "
				       "supported (node '%s')",
				       op->name);
			return false;
		}
		for (int i = 0; i < 4; i++) {
			w->pad_attr[i] = p[2 * h + i];
			if (w->pad_attr[i] < 0) {
				tfc_status_set(st, TFC_INVALID_ARGUMENT,
					       "All explicit padding values must be nonnegative (node '%s')",
					       op->name);
				return false;
			}
		}
	} else if (!tfc__kernel_attr_str_is(op, "padding", "VALID", false)) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "Unknown padding (node '%s')", op->name);
		return false;
	}
	return true;
}

bool tfc__window_out(const struct tfc__window *w, int dim, int64_t in, int64_t k, int64_t *out,
		     int64_t *pad_before)
{
	int64_t eff = (k - 1) * w->dil[dim] + 1, s = w->stride[dim];
	switch (w->padding) {
	case 0:
		*out = (in - eff + s) / s;
		*pad_before = 0;
		return in >= eff;
	case 1: {
		*out = (in + s - 1) / s;
		int64_t need = (*out - 1) * s + eff - in;
		*pad_before = need > 0 ? need / 2 : 0;
		return true;
	}
	default: {
		int64_t pb = w->pad_attr[2 * dim], pa = w->pad_attr[2 * dim + 1];
		*pad_before = pb;
		*out = (in + pb + pa - eff + s) / s;
		return in + pb + pa >= eff;
	}
	}
}

tfc_tensor *tfc__to_layout(const tfc_tensor *x, bool to_nchw, tfc_status *st)
{
	const int64_t *d = x->shape.dims;
	int64_t nd[4], perm[4], str[4], sstr[4], dstr[4];
	/* NCHW->NHWC: out dims (N,H,W,C) = in (0,2,3,1); NHWC->NCHW: (0,3,1,2) */
	const int *p = to_nchw ? (const int[]){0, 3, 1, 2} : (const int[]){0, 2, 3, 1};
	tfc__strides(&x->shape, str);
	for (int i = 0; i < 4; i++) {
		perm[i] = p[i];
		nd[i] = d[p[i]];
		sstr[i] = str[p[i]];
	}
	(void)perm;
	tfc_tensor *o = tfc_tensor_new(x->dtype, nd, 4, st);
	if (!o)
		return NULL;
	tfc_shape os = o->shape;
	tfc__strides(&os, dstr);
	tfc__copy_strided(o, 0, x, 0, 4, nd, dstr, sstr);
	return o;
}

/* ---- shared pieces */

void *tfc__conv_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t != TFC_FLOAT && t != TFC_DOUBLE)
		return tfc__kernel_unsupported(op, "T", t, st);
	struct tfc__conv_state *s = tfc__malloc(sizeof(*s));
	s->dtype = t;
	if (!tfc__window_parse(op, false, &s->w, st)) {
		free(s);
		return NULL;
	}
	return s;
}

void tfc__conv_destroy(void *s) { free(s); }

/* The problem in NHWC terms. */
struct conv_geom {
	int64_t n, ih, iw, c;   /* input */
	int64_t kh, kw, oc;     /* filter (HWIO: kh, kw, c, oc) */
	int64_t oh, ow;         /* output */
	int64_t pt, pl;         /* padding before rows, cols */
	int64_t sh, sw, dh, dw;
};

/* Fills g from NHWC input dims and HWIO filter dims; false with ctx->st set. */
static bool geom(struct tfc_kernel_ctx *ctx, const struct tfc__window *w, const int64_t *in,
		 const int64_t *f, bool depthwise, struct conv_geom *g)
{
	g->n = in[0];
	g->ih = in[1];
	g->iw = in[2];
	g->c = in[3];
	g->kh = f[0];
	g->kw = f[1];
	g->oc = depthwise ? f[2] * f[3] : f[3];
	if (f[2] != g->c) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 depthwise ? "input and filter must have the same depth: %lld vs %lld"
					   : "input depth must be evenly divisible by filter depth: %lld vs %lld",
				 (long long)g->c, (long long)f[2]);
		return false;
	}
	g->sh = w->stride[0];
	g->sw = w->stride[1];
	g->dh = w->dil[0];
	g->dw = w->dil[1];
	if (!tfc__window_out(w, 0, g->ih, g->kh, &g->oh, &g->pt) ||
	    !tfc__window_out(w, 1, g->iw, g->kw, &g->ow, &g->pl) || g->oh < 0 || g->ow < 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Computed output size would be negative: input %lldx%lld, filter "
				 "%lldx%lld",
				 (long long)g->ih, (long long)g->iw, (long long)g->kh, (long long)g->kw);
		return false;
	}
	return true;
}

/* im2col of images [b0, b0 + nb) into col (rows (b, oh, ow), KH*KW*C columns). */
struct im2col_job {
	const struct conv_geom *g;
	const char *x;   /* the whole NHWC input */
	char *col;       /* rows [row0, ...) of the column matrix */
	int64_t row0;
	size_t esz;
};

static void im2col_rows(void *arg, int64_t i0, int64_t i1)
{
	const struct im2col_job *j = arg;
	const struct conv_geom *g = j->g;
	size_t run = (size_t)g->c * j->esz, row = (size_t)(g->kh * g->kw) * run;
	for (int64_t i = i0; i < i1; i++) {
		int64_t r = j->row0 + i;
		int64_t b = r / (g->oh * g->ow), p = r % (g->oh * g->ow);
		int64_t oh = p / g->ow, ow = p % g->ow;
		char *dst = j->col + (size_t)i * row;
		for (int64_t kh = 0; kh < g->kh; kh++) {
			int64_t h = oh * g->sh + kh * g->dh - g->pt;
			int64_t w0 = ow * g->sw - g->pl;
			if (g->dw == 1 && h >= 0 && h < g->ih && w0 >= 0 && w0 + g->kw <= g->iw) {
				/* the window's row is KW*C contiguous elements in NHWC */
				memcpy(dst, j->x + (size_t)(((b * g->ih + h) * g->iw + w0) * g->c) * j->esz,
				       run * (size_t)g->kw);
				dst += run * (size_t)g->kw;
				continue;
			}
			for (int64_t kw = 0; kw < g->kw; kw++, dst += run) {
				int64_t w = ow * g->sw + kw * g->dw - g->pl;
				if (h < 0 || h >= g->ih || w < 0 || w >= g->iw)
					memset(dst, 0, run);
				else
					memcpy(dst, j->x + (size_t)(((b * g->ih + h) * g->iw + w) * g->c) * j->esz,
					       run);
			}
		}
	}
}

/* Column-matrix rows per block (see COL_BLOCK). */
static int64_t block_rows(const struct conv_geom *g, size_t esz)
{
	size_t per = (size_t)(g->kh * g->kw * g->c) * esz;
	int64_t k = per ? (int64_t)(COL_BLOCK / per) : 64;
	int64_t total = g->n * g->oh * g->ow;
	k = k < 64 ? 64 : k;
	return k > total ? (total > 0 ? total : 1) : k;
}

static bool fits_int(const struct conv_geom *g)
{
	return g->n * g->oh * g->ow < INT_MAX && g->kh * g->kw * g->c < INT_MAX &&
	       g->oc < INT_MAX && g->n * g->ih * g->iw < INT_MAX;
}

/* ---- Conv2D */

/* Runs fn on NHWC versions of the node's tensors: converts NCHW input k (when
 * nchw) and the output. */
static tfc_tensor *nhwc_input(struct tfc_kernel_ctx *ctx, const struct tfc__conv_state *s, int k)
{
	const tfc_tensor *x = ctx->inputs[k];
	if (x->shape.rank != 4) {
		char b[128];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "input must be 4-dimensional%s",
				 tfc__kshape(&x->shape, b, sizeof(b)));
		return NULL;
	}
	if (!s->w.nchw)
		return tfc_tensor_ref((tfc_tensor *)x);
	return tfc__to_layout(x, false, ctx->st);
}

/* Sets output 0 from an NHWC result (taken), converting to NCHW when needed. */
static void set_output(struct tfc_kernel_ctx *ctx, const struct tfc__conv_state *s, tfc_tensor *o)
{
	if (s->w.nchw) {
		tfc_tensor *t = tfc__to_layout(o, true, ctx->st);
		tfc_tensor_free(o);
		o = t;
		if (!o)
			return;
	}
	tfc_tensor_free(ctx->outputs[0]);
	ctx->outputs[0] = o;
}

static void conv2d_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__conv_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 2, s->dtype))
		return;
	const tfc_tensor *f = ctx->inputs[1];
	char b[128];
	if (f->shape.rank != 4) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "filter must be 4-dimensional: %s",
				 tfc__kshape(&f->shape, b, sizeof(b)));
		return;
	}
	tfc_tensor *x = nhwc_input(ctx, s, 0);
	if (!x)
		return;
	struct conv_geom g;
	tfc_tensor *o = NULL;
	char *col = NULL;
	if (!geom(ctx, &s->w, x->shape.dims, f->shape.dims, false, &g))
		goto cleanup;
	if (!fits_int(&g)) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "Conv2D dimensions too large for BLAS");
		goto cleanup;
	}
	int64_t od[4] = {g.n, g.oh, g.ow, g.oc};
	o = tfc_tensor_new(s->dtype, od, 4, ctx->st);
	if (!o || o->n_elems == 0)
		goto done;
	size_t esz = tfc_dtype_size(s->dtype);
	int64_t K = g.kh * g.kw * g.c, rows_per_img = g.oh * g.ow;
	if (g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 &&
	    g.oh == g.ih && g.ow == g.iw) {
		/* 1x1: the input already is the column matrix */
		tfc__gemm(ctx->intra_op_threads, s->dtype, false, false, g.n * rows_per_img, g.oc, K, tfc_tensor_data(x), K,
		     tfc_tensor_data(f), g.oc, 0, tfc_tensor_data(o), g.oc);
		goto done;
	}
	int64_t blk = block_rows(&g, esz), rows = g.n * rows_per_img;
	col = tfc__malloc((size_t)(blk * K) * esz + 1);
	for (int64_t r0 = 0; r0 < rows; r0 += blk) {
		int64_t nr = rows - r0 < blk ? rows - r0 : blk;
		struct im2col_job j = { &g, tfc_tensor_data(x), col, r0, esz };
		tfc_parallel_for(ctx->intra_op_threads, nr, 64, im2col_rows, &j);
		tfc__gemm(ctx->intra_op_threads, s->dtype, false, false, nr, g.oc, K, col, K, tfc_tensor_data(f), g.oc, 0,
		     (char *)tfc_tensor_data(o) + (size_t)(r0 * g.oc) * esz, g.oc);
	}
done:
	if (o) {
		set_output(ctx, s, o);
		o = NULL;
	}
cleanup:
	free(col);
	tfc_tensor_free(o);
	tfc_tensor_free(x);
}

/* ---- Conv2DBackpropInput */

/* Reads a 4-vector of sizes (input_sizes / filter_sizes) into v; false with ctx->st. */
static bool sizes4(struct tfc_kernel_ctx *ctx, int k, int64_t v[4])
{
	const tfc_tensor *t = ctx->inputs[k];
	if ((t->dtype != TFC_INT32 && t->dtype != TFC_INT64) || t->shape.rank != 1 ||
	    t->n_elems != 4) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Conv2DBackprop: %s must be 1-dimensional with 4 elements",
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

#define COL2IM(T)                                                                           \
	do {                                                                                \
		const T *c = col;                                                           \
		T *xp = dx;                                                                 \
		for (int64_t i = 0; i < rows; i++) {                                        \
			int64_t r = row0 + i;                                               \
			int64_t b = r / (g->oh * g->ow), p = r % (g->oh * g->ow);           \
			int64_t oh = p / g->ow, ow = p % g->ow;                             \
			const T *src = c + i * g->kh * g->kw * g->c;                        \
			for (int64_t kh = 0; kh < g->kh; kh++) {                            \
				int64_t h = oh * g->sh + kh * g->dh - g->pt;                \
				for (int64_t kw = 0; kw < g->kw; kw++, src += g->c) {       \
					int64_t w = ow * g->sw + kw * g->dw - g->pl;        \
					if (h < 0 || h >= g->ih || w < 0 || w >= g->iw)     \
						continue;                                   \
					T *d = xp + ((b * g->ih + h) * g->iw + w) * g->c;   \
					for (int64_t ch = 0; ch < g->c; ch++)               \
						d[ch] += src[ch];                           \
				}                                                           \
			}                                                                   \
		}                                                                           \
	} while (0)

/* Adds column rows [row0, row0 + rows) back into dx (the whole NHWC input gradient). */
static void col2im(const struct conv_geom *g, tfc_dtype t, const void *col, int64_t row0,
		   int64_t rows, void *dx)
{
	if (t == TFC_FLOAT)
		COL2IM(float);
	else
		COL2IM(double);
}

/* Whether dy (NHWC) has the output shape of g; else InvalidArgument naming the op. */
static bool dy_ok(struct tfc_kernel_ctx *ctx, const tfc_tensor *dy, const struct conv_geom *g)
{
	if (dy->shape.rank == 4 && dy->shape.dims[0] == g->n && dy->shape.dims[1] == g->oh &&
	    dy->shape.dims[2] == g->ow && dy->shape.dims[3] == g->oc)
		return true;
	char b[128];
	tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
			 "%s: out_backprop has shape %s, expected [%lld,%lld,%lld,%lld] (NHWC)",
			 ctx->op->type, tfc__kshape(&dy->shape, b, sizeof(b)), (long long)g->n,
			 (long long)g->oh, (long long)g->ow, (long long)g->oc);
	return false;
}

static void conv2d_backprop_input_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__conv_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 3, TFC_DTYPE_INVALID))
		return;
	int64_t isz[4];
	if (!sizes4(ctx, 0, isz))
		return;
	const tfc_tensor *f = ctx->inputs[1];
	if (f->dtype != s->dtype || ctx->inputs[2]->dtype != s->dtype || f->shape.rank != 4) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Conv2DBackpropInput: filter must be 4-D %s",
				 tfc_dtype_name(s->dtype));
		return;
	}
	int64_t in_nhwc[4] = {isz[0], s->w.nchw ? isz[2] : isz[1], s->w.nchw ? isz[3] : isz[2],
			      s->w.nchw ? isz[1] : isz[3]};
	struct conv_geom g;
	tfc_tensor *dy = NULL, *dx = NULL;
	char *col = NULL;
	if (!geom(ctx, &s->w, in_nhwc, f->shape.dims, false, &g))
		return;
	dy = nhwc_input(ctx, s, 2);
	if (!dy)
		return;
	if (!dy_ok(ctx, dy, &g))
		goto cleanup;
	if (!fits_int(&g)) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "Conv2D dimensions too large for BLAS");
		goto cleanup;
	}
	dx = tfc_tensor_new(s->dtype, in_nhwc, 4, ctx->st);
	if (!dx)
		goto cleanup;
	if (dx->n_elems && dy->n_elems) {
		size_t esz = tfc_dtype_size(s->dtype);
		int64_t K = g.kh * g.kw * g.c, rows = g.n * g.oh * g.ow, blk = block_rows(&g, esz);
			col = tfc__malloc((size_t)(blk * K) * esz + 1);
		for (int64_t r0 = 0; r0 < rows; r0 += blk) {
			int64_t nr = rows - r0 < blk ? rows - r0 : blk;
			/* dcol = dy [rows, OC] x filter^T [OC, K] */
			tfc__gemm(ctx->intra_op_threads, s->dtype, false, true, nr, K, g.oc,
			     (const char *)tfc_tensor_data(dy) + (size_t)(r0 * g.oc) * esz, g.oc,
			     tfc_tensor_data(f), g.oc, 0, col, K);
			col2im(&g, s->dtype, col, r0, nr, tfc_tensor_data(dx));
		}
	}
	set_output(ctx, s, dx);
	dx = NULL;
cleanup:
	free(col);
	tfc_tensor_free(dx);
	tfc_tensor_free(dy);
}

/* ---- Conv2DBackpropFilter */

static void conv2d_backprop_filter_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__conv_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 3, TFC_DTYPE_INVALID))
		return;
	int64_t fsz[4];
	if (!sizes4(ctx, 1, fsz))
		return;
	if (ctx->inputs[0]->dtype != s->dtype || ctx->inputs[2]->dtype != s->dtype) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Conv2DBackpropFilter expects %s inputs",
				 tfc_dtype_name(s->dtype));
		return;
	}
	tfc_tensor *x = nhwc_input(ctx, s, 0), *dy = NULL, *df = NULL;
	char *col = NULL;
	struct conv_geom g;
	if (!x)
		return;
	if (!geom(ctx, &s->w, x->shape.dims, fsz, false, &g))
		goto cleanup;
	dy = nhwc_input(ctx, s, 2);
	if (!dy)
		goto cleanup;
	if (!dy_ok(ctx, dy, &g))
		goto cleanup;
	if (!fits_int(&g)) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "Conv2D dimensions too large for BLAS");
		goto cleanup;
	}
	df = tfc_kernel_alloc_output(ctx, 0, s->dtype, fsz, 4);
	if (!df || df->n_elems == 0 || dy->n_elems == 0)
		goto cleanup;
	size_t esz = tfc_dtype_size(s->dtype);
	int64_t K = g.kh * g.kw * g.c, rows = g.n * g.oh * g.ow, blk = block_rows(&g, esz);
	col = tfc__malloc((size_t)(blk * K) * esz + 1);
	for (int64_t r0 = 0; r0 < rows; r0 += blk) {
		int64_t nr = rows - r0 < blk ? rows - r0 : blk;
		struct im2col_job j = { &g, tfc_tensor_data(x), col, r0, esz };
		tfc_parallel_for(ctx->intra_op_threads, nr, 64, im2col_rows, &j);
		/* df [K, OC] += col^T [K, rows] x dy [rows, OC] */
		tfc__gemm(ctx->intra_op_threads, s->dtype, true, false, K, g.oc, nr, col, K,
		     (const char *)tfc_tensor_data(dy) + (size_t)(r0 * g.oc) * esz, g.oc,
		     r0 == 0 ? 0 : 1, tfc_tensor_data(df), g.oc);
	}
cleanup:
	free(col);
	tfc_tensor_free(x);
	tfc_tensor_free(dy);
}

/* ---- DepthwiseConv2dNative and backprops: out channel c*M + m reads input channel
 * c with filter [kh, kw, c, m]. */

#define DW_LOOP(BODY)                                                                       \
	for (int64_t b = 0; b < g.n; b++)                                                   \
		for (int64_t oh = 0; oh < g.oh; oh++)                                       \
			for (int64_t ow = 0; ow < g.ow; ow++)                               \
				for (int64_t kh = 0; kh < g.kh; kh++) {                     \
					int64_t h = oh * g.sh + kh * g.dh - g.pt;           \
					if (h < 0 || h >= g.ih)                             \
						continue;                                   \
					for (int64_t kw = 0; kw < g.kw; kw++) {             \
						int64_t w = ow * g.sw + kw * g.dw - g.pl;   \
						if (w < 0 || w >= g.iw)                     \
							continue;                           \
						int64_t xi = ((b * g.ih + h) * g.iw + w) * g.c; \
						int64_t oi = ((b * g.oh + oh) * g.ow + ow) * g.oc; \
						int64_t fi = (kh * g.kw + kw) * g.c * M;    \
						for (int64_t c = 0; c < g.c; c++)           \
							for (int64_t m = 0; m < M; m++) {   \
								BODY;                       \
							}                                   \
					}                                                   \
				}

static double ldv(const void *p, tfc_dtype t, int64_t i)
{
	return t == TFC_FLOAT ? ((const float *)p)[i] : ((const double *)p)[i];
}

static void addv(void *p, tfc_dtype t, int64_t i, double v)
{
	if (t == TFC_FLOAT)
		((float *)p)[i] += (float)v;
	else
		((double *)p)[i] += v;
}

static void depthwise_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__conv_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 2, s->dtype))
		return;
	const tfc_tensor *f = ctx->inputs[1];
	if (f->shape.rank != 4) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "filter must be 4-dimensional");
		return;
	}
	tfc_tensor *x = nhwc_input(ctx, s, 0), *o = NULL;
	struct conv_geom g;
	if (!x)
		return;
	if (!geom(ctx, &s->w, x->shape.dims, f->shape.dims, true, &g))
		goto cleanup;
	int64_t M = f->shape.dims[3], od[4] = {g.n, g.oh, g.ow, g.oc};
	o = tfc_tensor_new(s->dtype, od, 4, ctx->st);
	if (!o)
		goto cleanup;
	const void *xp = tfc_tensor_data(x), *fp = tfc_tensor_data(f);
	void *op = tfc_tensor_data(o);
	tfc_dtype t = s->dtype;
	DW_LOOP(addv(op, t, oi + c * M + m, ldv(xp, t, xi + c) * ldv(fp, t, fi + c * M + m)))
	set_output(ctx, s, o);
	o = NULL;
cleanup:
	tfc_tensor_free(o);
	tfc_tensor_free(x);
}

static void depthwise_backprop_input_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__conv_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 3, TFC_DTYPE_INVALID))
		return;
	int64_t isz[4];
	if (!sizes4(ctx, 0, isz))
		return;
	const tfc_tensor *f = ctx->inputs[1];
	if (f->dtype != s->dtype || f->shape.rank != 4) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "filter must be 4-dimensional");
		return;
	}
	int64_t in_nhwc[4] = {isz[0], s->w.nchw ? isz[2] : isz[1], s->w.nchw ? isz[3] : isz[2],
			      s->w.nchw ? isz[1] : isz[3]};
	struct conv_geom g;
	tfc_tensor *dy = NULL, *dx = NULL;
	if (!geom(ctx, &s->w, in_nhwc, f->shape.dims, true, &g))
		return;
	dy = nhwc_input(ctx, s, 2);
	if (!dy)
		return;
	if (!dy_ok(ctx, dy, &g))
		goto cleanup;
	int64_t M = f->shape.dims[3];
	dx = tfc_tensor_new(s->dtype, in_nhwc, 4, ctx->st);
	if (!dx)
		goto cleanup;
	const void *dyp = tfc_tensor_data(dy), *fp = tfc_tensor_data(f);
	void *dxp = tfc_tensor_data(dx);
	tfc_dtype t = s->dtype;
	DW_LOOP(addv(dxp, t, xi + c, ldv(dyp, t, oi + c * M + m) * ldv(fp, t, fi + c * M + m)))
	set_output(ctx, s, dx);
	dx = NULL;
cleanup:
	tfc_tensor_free(dx);
	tfc_tensor_free(dy);
}

static void depthwise_backprop_filter_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__conv_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 3, TFC_DTYPE_INVALID))
		return;
	int64_t fsz[4];
	if (!sizes4(ctx, 1, fsz))
		return;
	tfc_tensor *x = nhwc_input(ctx, s, 0), *dy = NULL;
	struct conv_geom g;
	if (!x)
		return;
	if (x->dtype != s->dtype || !geom(ctx, &s->w, x->shape.dims, fsz, true, &g))
		goto cleanup;
	dy = nhwc_input(ctx, s, 2);
	if (!dy)
		goto cleanup;
	if (dy->dtype != s->dtype) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%s: out_backprop must be %s, not %s",
				 ctx->op->type, tfc_dtype_name(s->dtype), tfc_dtype_name(dy->dtype));
		goto cleanup;
	}
	if (!dy_ok(ctx, dy, &g))
		goto cleanup;
	int64_t M = fsz[3];
	tfc_tensor *df = tfc_kernel_alloc_output(ctx, 0, s->dtype, fsz, 4);
	if (!df)
		goto cleanup;
	const void *dyp = tfc_tensor_data(dy), *xp = tfc_tensor_data(x);
	void *dfp = tfc_tensor_data(df);
	tfc_dtype t = s->dtype;
	DW_LOOP(addv(dfp, t, fi + c * M + m, ldv(dyp, t, oi + c * M + m) * ldv(xp, t, xi + c)))
cleanup:
	tfc_tensor_free(x);
	tfc_tensor_free(dy);
}

#define K(NAME, FN) { .op = NAME, .device = "CPU", .create = tfc__conv_create, .destroy = tfc__conv_destroy, \
		      .compute = FN }
const struct tfc_kernel_def tfc__conv_kernels[] = {
	K("Conv2D", conv2d_compute),
	K("Conv2DBackpropInput", conv2d_backprop_input_compute),
	K("Conv2DBackpropFilter", conv2d_backprop_filter_compute),
	K("DepthwiseConv2dNative", depthwise_compute),
	K("DepthwiseConv2dNativeBackpropInput", depthwise_backprop_input_compute),
	K("DepthwiseConv2dNativeBackpropFilter", depthwise_backprop_filter_compute),
	{ .op = NULL },
};
