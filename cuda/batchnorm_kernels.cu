/*
 * batchnorm_kernels.cu: device code of cuda/batchnorm_gpu.c: FusedBatchNorm (per
 * channel statistics, then y element-wise) and FusedBatchNormGrad (per channel sums of
 * dy and dy * x_hat, then dx element-wise), float data on NHWC or NCHW as it lies,
 * with the arithmetic of the CPU kernel (kernels/batchnorm.c): sums, means and
 * variances in double, each output rounded to float once. The launchers are declared
 * in pool_launch.h.
 *
 * The statistics take one block per channel, whose threads stride over the channel's
 * elements: simple and exact enough, but in NHWC a channel's elements are c apart,
 * so those reads are not coalesced; wide, large batches would want a two-level
 * reduction (not needed by the models we run).
 */
#include <cuda_runtime.h>
#include <stdint.h>

#include "pool_launch.h"

#define THREADS 256

static unsigned blocks_for(int64_t n)
{
	int64_t b = (n + THREADS - 1) / THREADS;
	return (unsigned)(b > 65535 * 16 ? 65535 * 16 : b);
}

/* The storage offset of element j (of n / c) of channel k. */
__device__ __forceinline__ int64_t chan_at(const tfc__gpu_bn_geom &g, int64_t k, int64_t j)
{
	return (j / g.inner) * g.c * g.inner + k * g.inner + j % g.inner;
}

/* The sum of every thread's v, returned to all of them; every thread must call it. */
__device__ double block_sum(double *part, double v)
{
	part[threadIdx.x] = v;
	__syncthreads();
	for (int w = blockDim.x / 2; w > 0; w /= 2) {
		if (threadIdx.x < w)
			part[threadIdx.x] += part[threadIdx.x + w];
		__syncthreads();
	}
	double r = part[0];
	__syncthreads();
	return r;
}

/* Block k: channel k's mean and 1 / sqrt(var + eps) into scratch[k], scratch[c + k],
 * and its four [c] outputs. */
__global__ void bn_stats_kernel(tfc__gpu_bn_geom g, const float *x, const float *mean, const float *var,
				float *batch_mean, float *batch_var, float *saved_mean, float *saved_var,
				double *scratch)
{
	__shared__ double part[THREADS];
	int64_t k = blockIdx.x, rows = g.n / g.c;
	double m, v;
	if (g.training) {
		double sum = 0;
		for (int64_t j = threadIdx.x; j < rows; j += blockDim.x)
			sum += x[chan_at(g, k, j)];
		sum = block_sum(part, sum);
		m = rows ? sum / (double)rows : 0;
		double sq = 0;
		for (int64_t j = threadIdx.x; j < rows; j += blockDim.x) {
			double d = x[chan_at(g, k, j)] - m;
			sq += d * d;
		}
		sq = block_sum(part, sq);
		v = rows ? sq / (double)rows : 0;
	} else {
		m = mean[k];
		v = var[k];
	}
	if (threadIdx.x != 0)
		return;
	scratch[k] = m;
	scratch[g.c + k] = 1.0 / sqrt(v + g.epsilon);
	double f = g.avg_factor;
	if (g.training) {
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

__global__ void bn_apply_kernel(tfc__gpu_bn_geom g, const float *x, const float *scale, const float *offset,
				const double *scratch, float *y)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < g.n; i += (int64_t)gridDim.x * blockDim.x) {
		int64_t k = (i / g.inner) % g.c;
		y[i] = (float)((x[i] - scratch[k]) * scratch[g.c + k] * scale[k] + offset[k]);
	}
}

/* Block k: channel k's sum of dy and of dy * x_hat into scratch[k], scratch[c + k],
 * doffset[k] and dscale[k]. */
__global__ void bn_grad_sums_kernel(tfc__gpu_bn_geom g, const float *dy, const float *x, const float *mean,
				    const float *var, float *dscale, float *doffset, double *scratch)
{
	__shared__ double part[THREADS];
	int64_t k = blockIdx.x, rows = g.n / g.c;
	double inv = 1.0 / sqrt((double)var[k] + g.epsilon), sdy = 0, sdyx = 0;
	for (int64_t j = threadIdx.x; j < rows; j += blockDim.x) {
		int64_t i = chan_at(g, k, j);
		sdy += dy[i];
		sdyx += dy[i] * ((x[i] - mean[k]) * inv);
	}
	sdy = block_sum(part, sdy);
	sdyx = block_sum(part, sdyx);
	if (threadIdx.x != 0)
		return;
	scratch[k] = sdy;
	scratch[g.c + k] = sdyx;
	doffset[k] = (float)sdy;
	dscale[k] = (float)sdyx;
}

__global__ void bn_grad_apply_kernel(tfc__gpu_bn_geom g, const float *dy, const float *x, const float *scale,
				     const float *mean, const float *var, const double *scratch, float *dx)
{
	double rows = (double)(g.n / g.c);
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < g.n; i += (int64_t)gridDim.x * blockDim.x) {
		int64_t k = (i / g.inner) % g.c;
		double inv = 1.0 / sqrt((double)var[k] + g.epsilon), d = dy[i];
		if (g.training) {
			double xh = (x[i] - mean[k]) * inv;
			d = d - scratch[k] / rows - xh * scratch[g.c + k] / rows;
		}
		dx[i] = (float)(scale[k] * inv * d);
	}
}

extern "C" cudaError_t tfc__gpu_launch_bn_forward(cudaStream_t s, const struct tfc__gpu_bn_geom *g, const float *x,
						  const float *scale, const float *offset, const float *mean,
						  const float *var, float *y, float *batch_mean, float *batch_var,
						  float *saved_mean, float *saved_var, double *scratch)
{
	if (g->c == 0)
		return cudaSuccess;
	if (g->c > 2147483647)
		return cudaErrorInvalidValue;
	bn_stats_kernel<<<(unsigned)g->c, THREADS, 0, s>>>(*g, x, mean, var, batch_mean, batch_var, saved_mean,
							   saved_var, scratch);
	if (g->n > 0)
		bn_apply_kernel<<<blocks_for(g->n), THREADS, 0, s>>>(*g, x, scale, offset, scratch, y);
	return cudaGetLastError();
}

extern "C" cudaError_t tfc__gpu_launch_bn_grad(cudaStream_t s, const struct tfc__gpu_bn_geom *g, const float *dy,
					       const float *x, const float *scale, const float *mean, const float *var,
					       float *dx, float *dscale, float *doffset, double *scratch)
{
	if (g->c == 0)
		return cudaSuccess;
	if (g->c > 2147483647)
		return cudaErrorInvalidValue;
	bn_grad_sums_kernel<<<(unsigned)g->c, THREADS, 0, s>>>(*g, dy, x, mean, var, dscale, doffset, scratch);
	if (g->n > 0)
		bn_grad_apply_kernel<<<blocks_for(g->n), THREADS, 0, s>>>(*g, dy, x, scale, mean, var, scratch, dx);
	return cudaGetLastError();
}
