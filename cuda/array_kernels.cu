/*
 * array_kernels.cu: device code of cuda/array_gpu.c (launchers declared in
 * array_launch.h): a strided copy of up to 16 dimensions over elements of 1, 2, 4 or
 * 8 bytes, a fill, casts among float, double, int32, int64 and bool, broadcasting
 * comparisons and select, and ArgMax/ArgMin. One thread per output element in
 * grid-stride loops; an output index is turned into input offsets by dividing by the
 * dimensions from the innermost out. The moving kernels copy bytes of the element's
 * width whatever its type, so one instance serves every dtype of that width.
 */
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>

#include "array_launch.h"

#define THREADS 256
#define MAX_BCAST_RANK 8

/* Blocks for n elements in grid-stride loops (at most 65535 * 16). */
static unsigned blocks_for(int64_t n)
{
	int64_t b = (n + THREADS - 1) / THREADS;
	return (unsigned)(b > 65535 * 16 ? 65535 * 16 : b);
}

#define GRID_LOOP(i, n) \
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n); i += (int64_t)blockDim.x * gridDim.x)

/* ---- strided copy */

template <typename E> __global__ void copy_kernel(E *dst, const E *src, tfc__gpu_copy_geom g, int64_t n)
{
	GRID_LOOP(i, n)
	{
		int64_t r = i, doff = 0, soff = 0;
		for (int d = g.rank - 1; d >= 0; d--) {
			int64_t k = r % g.dims[d];
			r /= g.dims[d];
			doff += k * g.dstr[d];
			soff += k * g.sstr[d];
		}
		dst[doff] = src[soff];
	}
}

extern "C" cudaError_t tfc__gpu_launch_copy_strided(cudaStream_t s, int esize, void *dst, const void *src,
						    const tfc__gpu_copy_geom *g, int64_t n)
{
	if (n == 0)
		return cudaSuccess;
	switch (esize) {
	case 1: copy_kernel<<<blocks_for(n), THREADS, 0, s>>>((uint8_t *)dst, (const uint8_t *)src, *g, n); break;
	case 2: copy_kernel<<<blocks_for(n), THREADS, 0, s>>>((uint16_t *)dst, (const uint16_t *)src, *g, n); break;
	case 4: copy_kernel<<<blocks_for(n), THREADS, 0, s>>>((uint32_t *)dst, (const uint32_t *)src, *g, n); break;
	case 8: copy_kernel<<<blocks_for(n), THREADS, 0, s>>>((uint64_t *)dst, (const uint64_t *)src, *g, n); break;
	default: return cudaErrorInvalidValue;
	}
	return cudaGetLastError();
}

/* ---- fill */

template <typename E> __global__ void fill_kernel(E *dst, int64_t n, E v)
{
	GRID_LOOP(i, n)
	dst[i] = v;
}

extern "C" cudaError_t tfc__gpu_launch_fill(cudaStream_t s, int esize, void *dst, int64_t n, uint64_t value)
{
	if (n == 0)
		return cudaSuccess;
	switch (esize) {
	case 1: fill_kernel<<<blocks_for(n), THREADS, 0, s>>>((uint8_t *)dst, n, (uint8_t)value); break;
	case 2: fill_kernel<<<blocks_for(n), THREADS, 0, s>>>((uint16_t *)dst, n, (uint16_t)value); break;
	case 4: fill_kernel<<<blocks_for(n), THREADS, 0, s>>>((uint32_t *)dst, n, (uint32_t)value); break;
	case 8: fill_kernel<<<blocks_for(n), THREADS, 0, s>>>((uint64_t *)dst, n, value); break;
	default: return cudaErrorInvalidValue;
	}
	return cudaGetLastError();
}

/* ---- element access by element type (for the converting kernels) */

__device__ __forceinline__ bool is_float(int t) { return t == TFC_GE_FLOAT || t == TFC_GE_DOUBLE; }

__device__ __forceinline__ double load_f(const void *p, int t, int64_t i)
{
	switch (t) {
	case TFC_GE_FLOAT: return ((const float *)p)[i];
	case TFC_GE_DOUBLE: return ((const double *)p)[i];
	case TFC_GE_INT32: return ((const int32_t *)p)[i];
	case TFC_GE_INT64: return (double)((const int64_t *)p)[i];
	default: return ((const uint8_t *)p)[i] != 0;
	}
}

__device__ __forceinline__ int64_t load_i(const void *p, int t, int64_t i)
{
	switch (t) {
	case TFC_GE_INT32: return ((const int32_t *)p)[i];
	case TFC_GE_INT64: return ((const int64_t *)p)[i];
	default: return ((const uint8_t *)p)[i] != 0;
	}
}

/* ---- Cast */

/* The CPU's float_to_int: truncation, saturation to int64, NaN as 0. */
__device__ __forceinline__ int64_t float_to_int(double x)
{
	if (isnan(x))
		return 0;
	if (x >= 9223372036854775807.0)
		return INT64_MAX;
	if (x <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)x;
}

__global__ void cast_kernel(int src, int dst, const void *in, void *out, int64_t n)
{
	GRID_LOOP(i, n)
	{
		if (src == TFC_GE_FLOAT && dst == TFC_GE_DOUBLE) {
			((double *)out)[i] = ((const float *)in)[i];
			continue;
		}
		if (src == TFC_GE_DOUBLE && dst == TFC_GE_FLOAT) {
			((float *)out)[i] = (float)((const double *)in)[i];
			continue;
		}
		if (is_float(src)) {
			double x = load_f(in, src, i);
			switch (dst) {
			case TFC_GE_FLOAT: ((float *)out)[i] = (float)x; break;
			case TFC_GE_DOUBLE: ((double *)out)[i] = x; break;
			case TFC_GE_BOOL: ((uint8_t *)out)[i] = x != 0; break;
			case TFC_GE_INT32: ((int32_t *)out)[i] = (int32_t)(uint32_t)(uint64_t)float_to_int(x); break;
			default: ((int64_t *)out)[i] = float_to_int(x); break;
			}
			continue;
		}
		int64_t v = load_i(in, src, i);
		switch (dst) {
		case TFC_GE_FLOAT: ((float *)out)[i] = (float)v; break;
		case TFC_GE_DOUBLE: ((double *)out)[i] = (double)v; break;
		case TFC_GE_BOOL: ((uint8_t *)out)[i] = v != 0; break;
		case TFC_GE_INT32: ((int32_t *)out)[i] = (int32_t)(uint32_t)(uint64_t)v; break;
		default: ((int64_t *)out)[i] = v; break;
		}
	}
}

extern "C" cudaError_t tfc__gpu_launch_cast(cudaStream_t s, int src, int dst, const void *in, void *out, int64_t n)
{
	if (n == 0)
		return cudaSuccess;
	if (src < 0 || src >= TFC_GE_COUNT || dst < 0 || dst >= TFC_GE_COUNT)
		return cudaErrorInvalidValue;
	cast_kernel<<<blocks_for(n), THREADS, 0, s>>>(src, dst, in, out, n);
	return cudaGetLastError();
}

/* ---- broadcasting comparisons and select */

struct bstrides {
	int rank;
	int64_t dims[MAX_BCAST_RANK], s0[MAX_BCAST_RANK], s1[MAX_BCAST_RANK], s2[MAX_BCAST_RANK];
};

/* The operands' offsets of output element i. */
__device__ __forceinline__ void offsets(const bstrides &b, int64_t i, int64_t *o0, int64_t *o1, int64_t *o2)
{
	int64_t x = 0, y = 0, z = 0;
	for (int d = b.rank - 1; d >= 0; d--) {
		int64_t k = i % b.dims[d];
		i /= b.dims[d];
		x += k * b.s0[d];
		y += k * b.s1[d];
		z += k * b.s2[d];
	}
	*o0 = x;
	*o1 = y;
	*o2 = z;
}

template <typename T> __device__ __forceinline__ bool compare(int op, T x, T y)
{
	switch (op) {
	case TFC_GC_EQUAL: return x == y;
	case TFC_GC_NOT_EQUAL: return x != y;
	case TFC_GC_LESS: return x < y;
	case TFC_GC_LESS_EQUAL: return x <= y;
	case TFC_GC_GREATER: return x > y;
	default: return x >= y;
	}
}

template <typename T> __global__ void compare_kernel(int op, const T *a, const T *b, uint8_t *out, bstrides bs,
						     int64_t n)
{
	GRID_LOOP(i, n)
	{
		int64_t oa, ob, unused;
		offsets(bs, i, &oa, &ob, &unused);
		out[i] = compare(op, a[oa], b[ob]);
	}
}

static bool bstrides_make(bstrides *b, int rank, const int64_t *dims, const int64_t *s0, const int64_t *s1,
			  const int64_t *s2)
{
	if (rank < 0 || rank > MAX_BCAST_RANK)
		return false;
	b->rank = rank;
	for (int d = 0; d < rank; d++) {
		b->dims[d] = dims[d];
		b->s0[d] = s0[d];
		b->s1[d] = s1[d];
		b->s2[d] = s2 ? s2[d] : 0;
	}
	return true;
}

extern "C" cudaError_t tfc__gpu_launch_compare(cudaStream_t s, int op, int elem, const void *a, const void *b,
					       uint8_t *out, int rank, const int64_t *dims, const int64_t *sa,
					       const int64_t *sb, int64_t n)
{
	if (n == 0)
		return cudaSuccess;
	bstrides bs;
	if (!bstrides_make(&bs, rank, dims, sa, sb, NULL) || op < 0 || op >= TFC_GC_COUNT)
		return cudaErrorInvalidValue;
	unsigned g = blocks_for(n);
	switch (elem) {
	case TFC_GE_FLOAT: compare_kernel<<<g, THREADS, 0, s>>>(op, (const float *)a, (const float *)b, out, bs, n); break;
	case TFC_GE_DOUBLE:
		compare_kernel<<<g, THREADS, 0, s>>>(op, (const double *)a, (const double *)b, out, bs, n);
		break;
	case TFC_GE_INT32:
		compare_kernel<<<g, THREADS, 0, s>>>(op, (const int32_t *)a, (const int32_t *)b, out, bs, n);
		break;
	case TFC_GE_INT64:
		compare_kernel<<<g, THREADS, 0, s>>>(op, (const int64_t *)a, (const int64_t *)b, out, bs, n);
		break;
	case TFC_GE_BOOL:
		compare_kernel<<<g, THREADS, 0, s>>>(op, (const uint8_t *)a, (const uint8_t *)b, out, bs, n);
		break;
	default: return cudaErrorInvalidValue;
	}
	return cudaGetLastError();
}

template <typename E> __global__ void select_kernel(const uint8_t *c, const E *t, const E *e, E *out, bstrides bs,
						    int64_t n)
{
	GRID_LOOP(i, n)
	{
		int64_t oc, ot, oe;
		offsets(bs, i, &oc, &ot, &oe);
		out[i] = c[oc] ? t[ot] : e[oe];
	}
}

extern "C" cudaError_t tfc__gpu_launch_select(cudaStream_t s, int esize, const uint8_t *cond, const void *t,
					      const void *e, void *out, int rank, const int64_t *dims,
					      const int64_t *sc, const int64_t *st, const int64_t *se, int64_t n)
{
	if (n == 0)
		return cudaSuccess;
	bstrides bs;
	if (!bstrides_make(&bs, rank, dims, sc, st, se))
		return cudaErrorInvalidValue;
	unsigned g = blocks_for(n);
	switch (esize) {
	case 1:
		select_kernel<<<g, THREADS, 0, s>>>(cond, (const uint8_t *)t, (const uint8_t *)e, (uint8_t *)out, bs, n);
		break;
	case 2:
		select_kernel<<<g, THREADS, 0, s>>>(cond, (const uint16_t *)t, (const uint16_t *)e, (uint16_t *)out, bs,
						    n);
		break;
	case 4:
		select_kernel<<<g, THREADS, 0, s>>>(cond, (const uint32_t *)t, (const uint32_t *)e, (uint32_t *)out, bs,
						    n);
		break;
	case 8:
		select_kernel<<<g, THREADS, 0, s>>>(cond, (const uint64_t *)t, (const uint64_t *)e, (uint64_t *)out, bs,
						    n);
		break;
	default: return cudaErrorInvalidValue;
	}
	return cudaGetLastError();
}

/* ---- ArgMax, ArgMin: one thread per output element scans its n elements in order,
 * as the CPU kernel does, so ties and NaNs resolve alike (a later element replaces
 * the best only when strictly better; a comparison with NaN is false). */

template <typename T, typename O>
__global__ void arg_kernel(bool max, const T *in, O *out, int64_t outer, int64_t n, int64_t inner)
{
	GRID_LOOP(j, outer * inner)
	{
		int64_t o = j / inner, i = j % inner, base = o * n * inner + i, best = 0;
		T bv = in[base];
		for (int64_t k = 1; k < n; k++) {
			T v = in[base + k * inner];
			if (max ? v > bv : v < bv) {
				best = k;
				bv = v;
			}
		}
		out[j] = (O)best;
	}
}

template <typename T>
static void arg_launch(bool max, int out64, const void *in, void *out, int64_t outer, int64_t n, int64_t inner,
		       cudaStream_t s)
{
	unsigned g = blocks_for(outer * inner);
	if (out64)
		arg_kernel<<<g, THREADS, 0, s>>>(max, (const T *)in, (int64_t *)out, outer, n, inner);
	else
		arg_kernel<<<g, THREADS, 0, s>>>(max, (const T *)in, (int32_t *)out, outer, n, inner);
}

extern "C" cudaError_t tfc__gpu_launch_argminmax(cudaStream_t s, int max, int elem, int out64, const void *in,
						 void *out, int64_t outer, int64_t n, int64_t inner)
{
	if (outer * inner == 0)
		return cudaSuccess;
	switch (elem) {
	case TFC_GE_FLOAT: arg_launch<float>(max, out64, in, out, outer, n, inner, s); break;
	case TFC_GE_DOUBLE: arg_launch<double>(max, out64, in, out, outer, n, inner, s); break;
	case TFC_GE_INT32: arg_launch<int32_t>(max, out64, in, out, outer, n, inner, s); break;
	case TFC_GE_INT64: arg_launch<int64_t>(max, out64, in, out, outer, n, inner, s); break;
	default: return cudaErrorInvalidValue;
	}
	return cudaGetLastError();
}
