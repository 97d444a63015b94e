/*
 * nn_kernels.cu: device code of cuda/nn_gpu.c: SoftmaxCrossEntropyWithLogits and
 * SparseSoftmaxCrossEntropyWithLogits, one block per row (the row's max, the sum of
 * exp(x - max), then loss = sum over labels y of y * (log(sum) - (x - max)) and
 * backprop = exp(x - max) / sum - y, as the CPU kernel computes them). Its C launcher
 * is declared in gpu_internal.h. float and double.
 */
#include <cuda_runtime.h>
#include <stdint.h>

#define THREADS 256

/* The label of column j of row r: dense labels, or 1 at the row's class index. */
template <typename T>
__device__ T label_at(const void *labels, int label_bytes, int64_t r, int64_t cols, int64_t j)
{
	if (label_bytes == 0)
		return ((const T *)labels)[r * cols + j];
	int64_t c = label_bytes == 4 ? (int64_t)((const int32_t *)labels)[r] : ((const int64_t *)labels)[r];
	return c == j ? T(1) : T(0);
}

/* Sums (or maxes) part[] into part[0]; every thread must call it. */
template <typename T> __device__ T block_combine(T *part, T v, bool is_max)
{
	part[threadIdx.x] = v;
	__syncthreads();
	for (int w = blockDim.x / 2; w > 0; w /= 2) {
		if (threadIdx.x < w)
			part[threadIdx.x] = is_max ? (part[threadIdx.x + w] > part[threadIdx.x] ? part[threadIdx.x + w]
											: part[threadIdx.x])
						   : part[threadIdx.x] + part[threadIdx.x + w];
		__syncthreads();
	}
	T r = part[0];
	__syncthreads();
	return r;
}

template <typename T>
__global__ void xent_kernel(const T *logits, const void *labels, int label_bytes, T *loss, T *back, int64_t cols)
{
	__shared__ T part[THREADS];
	int64_t r = blockIdx.x;
	const T *x = logits + r * cols;
	T *b = back + r * cols;
	T m = -INFINITY;
	for (int64_t j = threadIdx.x; j < cols; j += blockDim.x)
		m = x[j] > m ? x[j] : m;
	m = block_combine<T>(part, m, true);
	T sum = 0;
	for (int64_t j = threadIdx.x; j < cols; j += blockDim.x)
		sum += exp(x[j] - m);
	sum = block_combine<T>(part, sum, false);
	T lse = log(sum), l = 0;
	for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
		T z = x[j] - m, y = label_at<T>(labels, label_bytes, r, cols, j);
		if (y != T(0))
			l += y * (lse - z);
		b[j] = exp(z) / sum - y;
	}
	l = block_combine<T>(part, l, false);
	if (threadIdx.x == 0)
		loss[r] = l;
}

extern "C" cudaError_t tfc__gpu_launch_xent(cudaStream_t s, int dtype, const void *logits, const void *labels,
					    int label_bytes, void *loss, void *backprop, int64_t rows, int64_t cols)
{
	if (rows == 0 || cols == 0)
		return cudaSuccess;
	if (rows > 2147483647)
		return cudaErrorInvalidValue;
	if (dtype == 0)
		xent_kernel<float><<<(unsigned)rows, THREADS, 0, s>>>((const float *)logits, labels, label_bytes,
								     (float *)loss, (float *)backprop, cols);
	else
		xent_kernel<double><<<(unsigned)rows, THREADS, 0, s>>>((const double *)logits, labels, label_bytes,
								      (double *)loss, (double *)backprop, cols);
	return cudaGetLastError();
}
