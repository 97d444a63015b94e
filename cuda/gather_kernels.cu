/*
 * gather_kernels.cu: device code of cuda/gather_gpu.c (launchers declared in
 * gather_launch.h): Gather (one thread per output element, zeros for an index out of
 * range), UnsortedSegmentSum (one thread per data element, an atomic add into its
 * segment; ids out of range dropped) and OneHot (one thread per output element).
 * Gather and OneHot move elements as bytes of their width, whatever their type.
 */
#include <cuda_runtime.h>
#include <stdint.h>

#include "gather_launch.h"

#define THREADS 256

static unsigned blocks_for(int64_t n)
{
	int64_t b = (n + THREADS - 1) / THREADS;
	return (unsigned)(b > 65535 * 16 ? 65535 * 16 : b);
}

#define GRID_LOOP(i, n) \
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n); i += (int64_t)blockDim.x * gridDim.x)

/* ---- Gather */

template <typename E, typename I>
__global__ void gather_kernel(const E *params, const I *idx, E *out, int64_t n, int64_t ni, int64_t inner,
			      int64_t total)
{
	GRID_LOOP(k, total)
	{
		int64_t j = k % inner, rest = k / inner, i = rest % ni, a = rest / ni;
		int64_t v = (int64_t)idx[i];
		out[k] = v >= 0 && v < n ? params[(a * n + v) * inner + j] : E(0);
	}
}

template <typename E>
static void gather_as(cudaStream_t s, int idx64, const void *params, const void *idx, void *out, int64_t n,
		      int64_t ni, int64_t inner, int64_t total)
{
	if (idx64)
		gather_kernel<<<blocks_for(total), THREADS, 0, s>>>((const E *)params, (const int64_t *)idx, (E *)out,
								     n, ni, inner, total);
	else
		gather_kernel<<<blocks_for(total), THREADS, 0, s>>>((const E *)params, (const int32_t *)idx, (E *)out,
								     n, ni, inner, total);
}

extern "C" cudaError_t tfc__gpu_launch_gather(cudaStream_t s, int esize, int idx64, const void *params,
					      const void *idx, void *out, int64_t outer, int64_t n, int64_t ni,
					      int64_t inner)
{
	int64_t total = outer * ni * inner;
	if (total == 0)
		return cudaSuccess;
	switch (esize) {
	case 1: gather_as<uint8_t>(s, idx64, params, idx, out, n, ni, inner, total); break;
	case 2: gather_as<uint16_t>(s, idx64, params, idx, out, n, ni, inner, total); break;
	case 4: gather_as<uint32_t>(s, idx64, params, idx, out, n, ni, inner, total); break;
	case 8: gather_as<uint64_t>(s, idx64, params, idx, out, n, ni, inner, total); break;
	default: return cudaErrorInvalidValue;
	}
	return cudaGetLastError();
}

/* ---- UnsortedSegmentSum */

__device__ __forceinline__ void add_to(float *p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void add_to(double *p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void add_to(int32_t *p, int32_t v) { atomicAdd((int *)p, (int)v); }
__device__ __forceinline__ void add_to(int64_t *p, int64_t v)
{
	atomicAdd((unsigned long long *)p, (unsigned long long)v); /* two's complement: wraps */
}

template <typename T, typename I>
__global__ void segment_sum_kernel(const T *data, const I *ids, T *out, int64_t inner, int64_t nseg, int64_t total)
{
	GRID_LOOP(k, total)
	{
		int64_t v = (int64_t)ids[k / inner];
		if (v >= 0 && v < nseg)
			add_to(out + v * inner + k % inner, data[k]);
	}
}

template <typename T>
static void segment_sum_as(cudaStream_t s, int idx64, const void *data, const void *ids, void *out, int64_t inner,
			   int64_t nseg, int64_t total)
{
	if (idx64)
		segment_sum_kernel<<<blocks_for(total), THREADS, 0, s>>>((const T *)data, (const int64_t *)ids,
									  (T *)out, inner, nseg, total);
	else
		segment_sum_kernel<<<blocks_for(total), THREADS, 0, s>>>((const T *)data, (const int32_t *)ids,
									  (T *)out, inner, nseg, total);
}

extern "C" cudaError_t tfc__gpu_launch_segment_sum(cudaStream_t s, int elem, int idx64, const void *data,
						   const void *ids, void *out, int64_t nids, int64_t inner,
						   int64_t nseg)
{
	int64_t total = nids * inner;
	if (total == 0)
		return cudaSuccess;
	switch (elem) {
	case TFC_GE_FLOAT: segment_sum_as<float>(s, idx64, data, ids, out, inner, nseg, total); break;
	case TFC_GE_DOUBLE: segment_sum_as<double>(s, idx64, data, ids, out, inner, nseg, total); break;
	case TFC_GE_INT32: segment_sum_as<int32_t>(s, idx64, data, ids, out, inner, nseg, total); break;
	case TFC_GE_INT64: segment_sum_as<int64_t>(s, idx64, data, ids, out, inner, nseg, total); break;
	default: return cudaErrorInvalidValue;
	}
	return cudaGetLastError();
}

/* ---- OneHot */

template <typename E, typename I>
__global__ void one_hot_kernel(const I *idx, E *out, int64_t depth, int64_t inner, E on, E off, int64_t total)
{
	GRID_LOOP(k, total)
	{
		int64_t q = k % inner, rest = k / inner, d = rest % depth, p = rest / depth;
		out[k] = (int64_t)idx[p * inner + q] == d ? on : off;
	}
}

template <typename E>
static void one_hot_as(cudaStream_t s, int idx64, const void *idx, void *out, int64_t depth, int64_t inner,
		       uint64_t on, uint64_t off, int64_t total)
{
	if (idx64)
		one_hot_kernel<<<blocks_for(total), THREADS, 0, s>>>((const int64_t *)idx, (E *)out, depth, inner, (E)on,
								      (E)off, total);
	else
		one_hot_kernel<<<blocks_for(total), THREADS, 0, s>>>((const int32_t *)idx, (E *)out, depth, inner, (E)on,
								      (E)off, total);
}

extern "C" cudaError_t tfc__gpu_launch_one_hot(cudaStream_t s, int esize, int idx64, const void *idx, void *out,
					       int64_t outer, int64_t depth, int64_t inner, uint64_t on, uint64_t off)
{
	int64_t total = outer * depth * inner;
	if (total == 0)
		return cudaSuccess;
	switch (esize) {
	case 1: one_hot_as<uint8_t>(s, idx64, idx, out, depth, inner, on, off, total); break;
	case 2: one_hot_as<uint16_t>(s, idx64, idx, out, depth, inner, on, off, total); break;
	case 4: one_hot_as<uint32_t>(s, idx64, idx, out, depth, inner, on, off, total); break;
	case 8: one_hot_as<uint64_t>(s, idx64, idx, out, depth, inner, on, off, total); break;
	default: return cudaErrorInvalidValue;
	}
	return cudaGetLastError();
}
