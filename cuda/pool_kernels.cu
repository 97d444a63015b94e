/*
 * pool_kernels.cu: device code of cuda/pool_gpu.c: MaxPool and AvgPool (one thread per
 * output element), MaxPoolGrad (each window's first maximum found per output element,
 * then gathered per input element) and AvgPoolGrad (gathered per input element), on
 * NHWC or NCHW data as it lies, float and double. The launchers are declared in
 * pool_launch.h.
 *
 * The gradients gather rather than scatter: each input element walks the windows
 * that hold it in the order the CPU kernel (kernels/pooling.c) visits them and adds
 * their shares itself, so no atomics are needed, every element of dx is written (no
 * zeroing pass), and the sums are rounded in the CPU's order: the results equal the
 * CPU's bit for bit.
 */
#include <cuda_runtime.h>
#include <stdint.h>

#include "pool_launch.h"

#define THREADS 256

/* Blocks for n elements in grid-stride loops (at most 65535 * 16). */
static unsigned blocks_for(int64_t n)
{
	int64_t b = (n + THREADS - 1) / THREADS;
	return (unsigned)(b > 65535 * 16 ? 65535 * 16 : b);
}

/* The storage offset of logical (b, h, w, c) in a packed tensor of spatial dims
 * hd x wd. */
__device__ __forceinline__ int64_t at(const tfc__gpu_pool_geom &g, int64_t b, int64_t h, int64_t w, int64_t c,
				      int64_t hd, int64_t wd)
{
	return g.nchw ? ((b * g.c + c) * hd + h) * wd + w : ((b * hd + h) * wd + w) * g.c + c;
}

/* The logical (b, h, w, c) of storage offset i in a packed tensor of spatial dims
 * hd x wd. */
__device__ __forceinline__ void coords(const tfc__gpu_pool_geom &g, int64_t i, int64_t hd, int64_t wd,
				       int64_t *b, int64_t *h, int64_t *w, int64_t *c)
{
	if (g.nchw) {
		*w = i % wd;
		i /= wd;
		*h = i % hd;
		i /= hd;
		*c = i % g.c;
		*b = i / g.c;
	} else {
		*c = i % g.c;
		i /= g.c;
		*w = i % wd;
		i /= wd;
		*h = i % hd;
		*b = i / hd;
	}
}

/* Window (oh, ow) clipped to the image: rows [h0, h1), columns [w0, w1). */
__device__ __forceinline__ void window(const tfc__gpu_pool_geom &g, int64_t oh, int64_t ow, int64_t *h0,
				       int64_t *h1, int64_t *w0, int64_t *w1)
{
	*h0 = oh * g.sh - g.pt;
	*w0 = ow * g.sw - g.pl;
	*h1 = *h0 + g.kh < g.ih ? *h0 + g.kh : g.ih;
	*w1 = *w0 + g.kw < g.iw ? *w0 + g.kw : g.iw;
	*h0 = *h0 < 0 ? 0 : *h0;
	*w0 = *w0 < 0 ? 0 : *w0;
}

/* The outputs along one dim whose windows hold input position p: [lo, hi]. */
__device__ __forceinline__ void covering(int64_t p, int64_t pad, int64_t k, int64_t s, int64_t out, int64_t *lo,
					 int64_t *hi)
{
	int64_t first = p + pad - k + 1; /* the lowest window start that still reaches p */
	*lo = first <= 0 ? 0 : (first + s - 1) / s;
	*hi = (p + pad) / s;
	*hi = *hi < out - 1 ? *hi : out - 1;
}

template <typename T> __global__ void pool_kernel(tfc__gpu_pool_geom g, bool max, const T *x, T *y, int64_t n)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
		int64_t b, oh, ow, c, h0, h1, w0, w1;
		coords(g, i, g.oh, g.ow, &b, &oh, &ow, &c);
		window(g, oh, ow, &h0, &h1, &w0, &w1);
		T acc = max ? T(-INFINITY) : T(0);
		for (int64_t h = h0; h < h1; h++)
			for (int64_t w = w0; w < w1; w++) {
				T v = x[at(g, b, h, w, c, g.ih, g.iw)];
				if (max)
					acc = v > acc || isnan(v) ? v : acc;
				else
					acc += v;
			}
		int64_t cnt = (h1 - h0) * (w1 - w0);
		if (!max)
			acc = cnt > 0 ? acc / T(cnt) : T(0);
		y[i] = acc;
	}
}

/* The storage offset in x of each window's first maximum (-1 for an empty window). */
template <typename T> __global__ void argmax_kernel(tfc__gpu_pool_geom g, const T *x, int64_t *argmax, int64_t n)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
		int64_t b, oh, ow, c, h0, h1, w0, w1, best_at = -1;
		coords(g, i, g.oh, g.ow, &b, &oh, &ow, &c);
		window(g, oh, ow, &h0, &h1, &w0, &w1);
		T best = T(0);
		for (int64_t h = h0; h < h1; h++)
			for (int64_t w = w0; w < w1; w++) {
				int64_t k = at(g, b, h, w, c, g.ih, g.iw);
				if (best_at < 0 || x[k] > best) {
					best = x[k];
					best_at = k;
				}
			}
		argmax[i] = best_at;
	}
}

/* dx[i] = the gradients of the windows holding input i whose maximum it is (max) or
 * their shares dy / count (average), added in the CPU's window order. */
template <typename T>
__global__ void pool_grad_kernel(tfc__gpu_pool_geom g, const int64_t *argmax, const T *dy, T *dx, int64_t n)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
		int64_t b, h, w, c, oh0, oh1, ow0, ow1;
		coords(g, i, g.ih, g.iw, &b, &h, &w, &c);
		covering(h, g.pt, g.kh, g.sh, g.oh, &oh0, &oh1);
		covering(w, g.pl, g.kw, g.sw, g.ow, &ow0, &ow1);
		T acc = T(0);
		for (int64_t oh = oh0; oh <= oh1; oh++)
			for (int64_t ow = ow0; ow <= ow1; ow++) {
				int64_t o = at(g, b, oh, ow, c, g.oh, g.ow);
				if (argmax) {
					if (argmax[o] == i)
						acc += dy[o];
				} else {
					int64_t h0, h1, w0, w1;
					window(g, oh, ow, &h0, &h1, &w0, &w1);
					/* the CPU kernel adds dy / count in double, rounding the sum to T */
					acc = T((double)acc + (double)dy[o] / (double)((h1 - h0) * (w1 - w0)));
				}
			}
		dx[i] = acc;
	}
}

extern "C" cudaError_t tfc__gpu_launch_pool(cudaStream_t s, int dtype, int max, const struct tfc__gpu_pool_geom *g,
					    const void *x, void *y)
{
	int64_t n = g->n * g->oh * g->ow * g->c;
	if (n == 0)
		return cudaSuccess;
	if (dtype == 0)
		pool_kernel<float><<<blocks_for(n), THREADS, 0, s>>>(*g, max != 0, (const float *)x, (float *)y, n);
	else
		pool_kernel<double><<<blocks_for(n), THREADS, 0, s>>>(*g, max != 0, (const double *)x, (double *)y, n);
	return cudaGetLastError();
}

extern "C" cudaError_t tfc__gpu_launch_max_pool_grad(cudaStream_t s, int dtype, const struct tfc__gpu_pool_geom *g,
						     const void *x, const void *dy, int64_t *argmax, void *dx)
{
	int64_t n_out = g->n * g->oh * g->ow * g->c, n_in = g->n * g->ih * g->iw * g->c;
	if (n_in == 0)
		return cudaSuccess;
	if (n_out == 0)
		return cudaMemsetAsync(dx, 0, (size_t)n_in * (dtype == 0 ? sizeof(float) : sizeof(double)), s);
	if (dtype == 0) {
		argmax_kernel<float><<<blocks_for(n_out), THREADS, 0, s>>>(*g, (const float *)x, argmax, n_out);
		pool_grad_kernel<float><<<blocks_for(n_in), THREADS, 0, s>>>(*g, argmax, (const float *)dy, (float *)dx,
									       n_in);
	} else {
		argmax_kernel<double><<<blocks_for(n_out), THREADS, 0, s>>>(*g, (const double *)x, argmax, n_out);
		pool_grad_kernel<double><<<blocks_for(n_in), THREADS, 0, s>>>(*g, argmax, (const double *)dy,
										(double *)dx, n_in);
	}
	return cudaGetLastError();
}

extern "C" cudaError_t tfc__gpu_launch_avg_pool_grad(cudaStream_t s, int dtype, const struct tfc__gpu_pool_geom *g,
						     const void *dy, void *dx)
{
	int64_t n_out = g->n * g->oh * g->ow * g->c, n_in = g->n * g->ih * g->iw * g->c;
	if (n_in == 0)
		return cudaSuccess;
	if (n_out == 0)
		return cudaMemsetAsync(dx, 0, (size_t)n_in * (dtype == 0 ? sizeof(float) : sizeof(double)), s);
	if (dtype == 0)
		pool_grad_kernel<float><<<blocks_for(n_in), THREADS, 0, s>>>(*g, NULL, (const float *)dy, (float *)dx,
									       n_in);
	else
		pool_grad_kernel<double><<<blocks_for(n_in), THREADS, 0, s>>>(*g, NULL, (const double *)dy,
										(double *)dx, n_in);
	return cudaGetLastError();
}
