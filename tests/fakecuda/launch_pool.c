/*
 * launch_pool.c: host twins of the launchers of cuda/pool_kernels.cu and
 * cuda/batchnorm_kernels.cu (declared in cuda/pool_launch.h), for the fake CUDA
 * runtime of tests/fakecuda, which lets the GPU host code run where there is no GPU.
 * Each function has the launcher's name and signature and computes the same thing,
 * synchronously, on the calling thread; the stream is ignored and cudaSuccess is
 * returned. Each turns the fake's device addresses into host ones first
 * (tfc_fake_dev, tests/fakecuda/fake.h: an address outside a live allocation aborts)
 * and then works on plain C pointers. Arithmetic follows the device code
 * (and the CPU kernels of kernels/pooling.c and kernels/batchnorm.c): same order of
 * sums, doubles where the device uses them.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "fake.h"
#include "pool_launch.h"

/* A device address of the fake -> its host address (NULL stays NULL). */
#define DEV(p) ((__typeof__(p))((p) ? tfc_fake_dev((p), 0, __func__) : NULL))

/* ---- pooling */

/* The storage offset of logical (b, h, w, c) in a packed tensor of spatial dims hd x wd. */
static int64_t at(const struct tfc__gpu_pool_geom *g, int64_t b, int64_t h, int64_t w, int64_t c, int64_t hd,
		  int64_t wd)
{
	return g->nchw ? ((b * g->c + c) * hd + h) * wd + w : ((b * hd + h) * wd + w) * g->c + c;
}

/* The logical (b, h, w, c) of storage offset i in a packed tensor of spatial dims hd x wd. */
static void coords(const struct tfc__gpu_pool_geom *g, int64_t i, int64_t hd, int64_t wd, int64_t *b, int64_t *h,
		   int64_t *w, int64_t *c)
{
	if (g->nchw) {
		*w = i % wd;
		i /= wd;
		*h = i % hd;
		i /= hd;
		*c = i % g->c;
		*b = i / g->c;
	} else {
		*c = i % g->c;
		i /= g->c;
		*w = i % wd;
		i /= wd;
		*h = i % hd;
		*b = i / hd;
	}
}

/* Window (oh, ow) clipped to the image: rows [h0, h1), columns [w0, w1). */
static void window(const struct tfc__gpu_pool_geom *g, int64_t oh, int64_t ow, int64_t *h0, int64_t *h1,
		   int64_t *w0, int64_t *w1)
{
	*h0 = oh * g->sh - g->pt;
	*w0 = ow * g->sw - g->pl;
	*h1 = *h0 + g->kh < g->ih ? *h0 + g->kh : g->ih;
	*w1 = *w0 + g->kw < g->iw ? *w0 + g->kw : g->iw;
	*h0 = *h0 < 0 ? 0 : *h0;
	*w0 = *w0 < 0 ? 0 : *w0;
}

/* The outputs along one dim whose windows hold input position p: [lo, hi]. */
static void covering(int64_t p, int64_t pad, int64_t k, int64_t s, int64_t out, int64_t *lo, int64_t *hi)
{
	int64_t first = p + pad - k + 1;
	*lo = first <= 0 ? 0 : (first + s - 1) / s;
	*hi = (p + pad) / s;
	*hi = *hi < out - 1 ? *hi : out - 1;
}

/* Element i of a float (dtype 0) or double array, and a store rounding to it. */
static double ld(const void *p, int dtype, int64_t i)
{
	return dtype == 0 ? ((const float *)p)[i] : ((const double *)p)[i];
}

static void st(void *p, int dtype, int64_t i, double v)
{
	if (dtype == 0)
		((float *)p)[i] = (float)v;
	else
		((double *)p)[i] = v;
}

cudaError_t tfc__gpu_launch_pool(cudaStream_t s, int dtype, int max, const struct tfc__gpu_pool_geom *g,
				 const void *x, void *y)
{
	tfc_fake_check_stream(s, __func__);
	x = DEV(x);
	y = DEV(y);
	int64_t n = g->n * g->oh * g->ow * g->c;
	for (int64_t i = 0; i < n; i++) {
		int64_t b, oh, ow, c, h0, h1, w0, w1;
		coords(g, i, g->oh, g->ow, &b, &oh, &ow, &c);
		window(g, oh, ow, &h0, &h1, &w0, &w1);
		/* float sums are rounded to float after each add, as on the device */
		double acc = max ? -INFINITY : 0;
		for (int64_t h = h0; h < h1; h++)
			for (int64_t w = w0; w < w1; w++) {
				double v = ld(x, dtype, at(g, b, h, w, c, g->ih, g->iw));
				if (max)
					acc = v > acc || isnan(v) ? v : acc;
				else
					acc = dtype == 0 ? (double)(float)(acc + v) : acc + v;
			}
		int64_t cnt = (h1 - h0) * (w1 - w0);
		if (!max)
			acc = cnt == 0 ? 0 : dtype == 0 ? (double)((float)acc / (float)cnt) : acc / (double)cnt;
		st(y, dtype, i, acc);
	}
	return cudaSuccess;
}

/* dx from the windows' first maxima (argmax) or their average shares (argmax NULL). */
static void pool_grad(int dtype, const struct tfc__gpu_pool_geom *g, const int64_t *argmax, const void *dy, void *dx)
{
	int64_t n = g->n * g->ih * g->iw * g->c;
	for (int64_t i = 0; i < n; i++) {
		int64_t b, h, w, c, oh0, oh1, ow0, ow1;
		coords(g, i, g->ih, g->iw, &b, &h, &w, &c);
		covering(h, g->pt, g->kh, g->sh, g->oh, &oh0, &oh1);
		covering(w, g->pl, g->kw, g->sw, g->ow, &ow0, &ow1);
		double acc = 0;
		for (int64_t oh = oh0; oh <= oh1; oh++)
			for (int64_t ow = ow0; ow <= ow1; ow++) {
				int64_t o = at(g, b, oh, ow, c, g->oh, g->ow);
				if (argmax) {
					if (argmax[o] == i)
						acc += ld(dy, dtype, o);
				} else {
					int64_t h0, h1, w0, w1;
					window(g, oh, ow, &h0, &h1, &w0, &w1);
					acc += ld(dy, dtype, o) / (double)((h1 - h0) * (w1 - w0));
				}
				if (dtype == 0)
					acc = (float)acc;
			}
		st(dx, dtype, i, acc);
	}
}

cudaError_t tfc__gpu_launch_max_pool_grad(cudaStream_t s, int dtype, const struct tfc__gpu_pool_geom *g,
					  const void *x, const void *dy, int64_t *argmax, void *dx)
{
	tfc_fake_check_stream(s, __func__);
	x = DEV(x);
	dy = DEV(dy);
	argmax = DEV(argmax);
	dx = DEV(dx);
	int64_t n_out = g->n * g->oh * g->ow * g->c;
	for (int64_t i = 0; i < n_out; i++) {
		int64_t b, oh, ow, c, h0, h1, w0, w1, best_at = -1;
		coords(g, i, g->oh, g->ow, &b, &oh, &ow, &c);
		window(g, oh, ow, &h0, &h1, &w0, &w1);
		double best = 0;
		for (int64_t h = h0; h < h1; h++)
			for (int64_t w = w0; w < w1; w++) {
				int64_t k = at(g, b, h, w, c, g->ih, g->iw);
				double v = ld(x, dtype, k);
				if (best_at < 0 || v > best) {
					best = v;
					best_at = k;
				}
			}
		argmax[i] = best_at;
	}
	pool_grad(dtype, g, argmax, dy, dx);
	return cudaSuccess;
}

cudaError_t tfc__gpu_launch_avg_pool_grad(cudaStream_t s, int dtype, const struct tfc__gpu_pool_geom *g,
					  const void *dy, void *dx)
{
	tfc_fake_check_stream(s, __func__);
	dy = DEV(dy);
	dx = DEV(dx);
	pool_grad(dtype, g, NULL, dy, dx);
	return cudaSuccess;
}

/* ---- batch normalization */

/* The storage offset of element j (of n / c) of channel k. */
static int64_t chan_at(const struct tfc__gpu_bn_geom *g, int64_t k, int64_t j)
{
	return (j / g->inner) * g->c * g->inner + k * g->inner + j % g->inner;
}

cudaError_t tfc__gpu_launch_bn_forward(cudaStream_t s, const struct tfc__gpu_bn_geom *g, const float *x,
				       const float *scale, const float *offset, const float *mean,
				       const float *var, float *y, float *batch_mean, float *batch_var,
				       float *saved_mean, float *saved_var, double *scratch)
{
	tfc_fake_check_stream(s, __func__);
	x = DEV(x);
	scale = DEV(scale);
	offset = DEV(offset);
	mean = DEV(mean);
	var = DEV(var);
	y = DEV(y);
	batch_mean = DEV(batch_mean);
	batch_var = DEV(batch_var);
	saved_mean = DEV(saved_mean);
	saved_var = DEV(saved_var);
	scratch = DEV(scratch);
	if (g->c == 0)
		return cudaSuccess;
	int64_t rows = g->n / g->c;
	for (int64_t k = 0; k < g->c; k++) {
		double m, v;
		if (g->training) {
			double sum = 0, sq = 0;
			for (int64_t j = 0; j < rows; j++)
				sum += x[chan_at(g, k, j)];
			m = rows ? sum / (double)rows : 0;
			for (int64_t j = 0; j < rows; j++) {
				double d = x[chan_at(g, k, j)] - m;
				sq += d * d;
			}
			v = rows ? sq / (double)rows : 0;
		} else {
			m = mean[k];
			v = var[k];
		}
		scratch[k] = m;
		scratch[g->c + k] = 1.0 / sqrt(v + g->epsilon);
		double f = g->avg_factor;
		if (g->training) {
			double unbiased = rows > 1 ? v * (double)rows / (double)(rows - 1) : 0;
			batch_mean[k] = (float)(f == 1.0 ? m : (1 - f) * mean[k] + f * m);
			batch_var[k] = (float)(f == 1.0 ? unbiased : (1 - f) * var[k] + f * unbiased);
		} else {
			batch_mean[k] = (float)m;
			batch_var[k] = (float)v;
		}
		saved_mean[k] = (float)m;
		saved_var[k] = (float)v;
	}
	for (int64_t i = 0; i < g->n; i++) {
		int64_t k = (i / g->inner) % g->c;
		y[i] = (float)((x[i] - scratch[k]) * scratch[g->c + k] * scale[k] + offset[k]);
	}
	return cudaSuccess;
}

cudaError_t tfc__gpu_launch_bn_grad(cudaStream_t s, const struct tfc__gpu_bn_geom *g, const float *dy,
				    const float *x, const float *scale, const float *mean, const float *var,
				    float *dx, float *dscale, float *doffset, double *scratch)
{
	tfc_fake_check_stream(s, __func__);
	dy = DEV(dy);
	x = DEV(x);
	scale = DEV(scale);
	mean = DEV(mean);
	var = DEV(var);
	dx = DEV(dx);
	dscale = DEV(dscale);
	doffset = DEV(doffset);
	scratch = DEV(scratch);
	if (g->c == 0)
		return cudaSuccess;
	int64_t rows = g->n / g->c;
	for (int64_t k = 0; k < g->c; k++) {
		double inv = 1.0 / sqrt((double)var[k] + g->epsilon), sdy = 0, sdyx = 0;
		for (int64_t j = 0; j < rows; j++) {
			int64_t i = chan_at(g, k, j);
			sdy += dy[i];
			sdyx += dy[i] * ((x[i] - mean[k]) * inv);
		}
		scratch[k] = sdy;
		scratch[g->c + k] = sdyx;
		doffset[k] = (float)sdy;
		dscale[k] = (float)sdyx;
	}
	for (int64_t i = 0; i < g->n; i++) {
		int64_t k = (i / g->inner) % g->c;
		double inv = 1.0 / sqrt((double)var[k] + g->epsilon), d = dy[i];
		if (g->training) {
			double xh = (x[i] - mean[k]) * inv;
			d = d - scratch[k] / (double)rows - xh * scratch[g->c + k] / (double)rows;
		}
		dx[i] = (float)(scale[k] * inv * d);
	}
	return cudaSuccess;
}
