/*
 * array_launch.h: the C launchers of cuda/array_kernels.cu, the device code of the
 * GPU's array and element-wise helper ops (cuda/array_gpu.c): a strided copy (the
 * moving ops: Transpose, Concat, Pack, Slice, StridedSlice, Tile), a fill, casts,
 * broadcasting comparisons, a broadcasting select and ArgMax/ArgMin. Included by
 * cuda/array_gpu.c, by cuda/array_kernels.cu (so definitions and declarations cannot
 * drift apart) and by the host twins of tests/fakecuda/launch_array.c; it needs
 * nothing but cuda_runtime.h. Each launcher queues its work on stream s and returns
 * the launch's error; none launches anything for zero elements.
 */
#ifndef TFC_ARRAY_LAUNCH_H
#define TFC_ARRAY_LAUNCH_H

#include <cuda_runtime.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types of these launchers. */
enum tfc__gpu_elem { TFC_GE_FLOAT, TFC_GE_DOUBLE, TFC_GE_INT32, TFC_GE_INT64, TFC_GE_BOOL, TFC_GE_COUNT };

/* Dimensions of a strided copy after merging (cuda/array_gpu.c merges contiguous
 * neighbours and drops size-1 dimensions before launching). */
#define TFC_GPU_COPY_MAX_RANK 16

/* A strided copy of `rank` dimensions (element strides, which may be 0 or negative). */
struct tfc__gpu_copy_geom {
	int rank;
	int64_t dims[TFC_GPU_COPY_MAX_RANK];
	int64_t dstr[TFC_GPU_COPY_MAX_RANK];
	int64_t sstr[TFC_GPU_COPY_MAX_RANK];
};

/* For every index (i0..i{rank-1}) of g->dims (n elements in all):
 * dst[sum i_d * dstr[d]] = src[sum i_d * sstr[d]], elements of esize bytes (1, 2, 4
 * or 8); dst and src point at the first element (offsets already applied). */
cudaError_t tfc__gpu_launch_copy_strided(cudaStream_t s, int esize, void *dst, const void *src,
					 const struct tfc__gpu_copy_geom *g, int64_t n);

/* dst[i] = value for n elements of esize bytes (1, 2, 4 or 8); value holds the
 * element's bytes in its low esize bytes (as memcpy puts them on a little-endian
 * machine). */
cudaError_t tfc__gpu_launch_fill(cudaStream_t s, int esize, void *dst, int64_t n, uint64_t value);

/* out[i] = in[i] converted from element type src to dst, as the CPU's Cast does
 * (kernels/cwise_misc.c): floats to integers truncate toward zero, saturate to
 * int64's range and give 0 for NaN, then wrap to the width; integers wrap; anything
 * to bool is != 0; bool is 0 or 1. */
cudaError_t tfc__gpu_launch_cast(cudaStream_t s, int src, int dst, const void *in, void *out, int64_t n);

enum tfc__gpu_compare { TFC_GC_EQUAL, TFC_GC_NOT_EQUAL, TFC_GC_LESS, TFC_GC_LESS_EQUAL, TFC_GC_GREATER,
			TFC_GC_GREATER_EQUAL, TFC_GC_COUNT };

/* Broadcasting comparison (bool out, one byte per element) of a and b of element
 * type elem: out over `rank` merged dims (at most 8), a and b element strides per
 * dim (0: broadcast), n output elements. */
cudaError_t tfc__gpu_launch_compare(cudaStream_t s, int op, int elem, const void *a, const void *b, uint8_t *out,
				    int rank, const int64_t *dims, const int64_t *sa, const int64_t *sb, int64_t n);

/* Broadcasting select: out[i] = cond[.] ? t[.] : e[.] over `rank` dims (at most 8),
 * with element strides sc, st, se per dim (0: broadcast); esize-byte elements. */
cudaError_t tfc__gpu_launch_select(cudaStream_t s, int esize, const uint8_t *cond, const void *t, const void *e,
				   void *out, int rank, const int64_t *dims, const int64_t *sc, const int64_t *st,
				   const int64_t *se, int64_t n);

/* ArgMax (max != 0) or ArgMin of `in` of element type elem (float, double, int32,
 * int64) viewed as [outer, n, inner] along n >= 1: out[o * inner + i] is the first
 * index whose element is strictly greater (less) than every earlier one, as int64
 * (out64) or int32. */
cudaError_t tfc__gpu_launch_argminmax(cudaStream_t s, int max, int elem, int out64, const void *in, void *out,
				      int64_t outer, int64_t n, int64_t inner);

#ifdef __cplusplus
}
#endif

#endif /* TFC_ARRAY_LAUNCH_H */
