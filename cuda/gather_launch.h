/*
 * gather_launch.h: the C launchers of cuda/gather_kernels.cu, the device code of the
 * GPU's index ops (cuda/gather_gpu.c): Gather/GatherV2/ResourceGather, the sum of
 * UnsortedSegmentSum and OneHot. Included by cuda/gather_gpu.c, by
 * cuda/gather_kernels.cu and by the host twins of tests/fakecuda/launch_gather.c;
 * it needs nothing but cuda_runtime.h (and array_launch.h's element types). Each
 * launcher queues its work on stream s and returns the launch's error; none launches
 * anything for zero elements. Indices are int64 when idx64, else int32.
 */
#ifndef TFC_GATHER_LAUNCH_H
#define TFC_GATHER_LAUNCH_H

#include <cuda_runtime.h>
#include <stdint.h>

#include "array_launch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* params viewed as [outer, n, inner], idx as ni indices:
 * out[(a * ni + i) * inner + j] = params[(a * n + idx[i]) * inner + j], elements of
 * esize bytes (1, 2, 4 or 8). An index outside [0, n) gives zeros (all bytes 0), as
 * TensorFlow's GPU Gather does: the device does not report it. */
cudaError_t tfc__gpu_launch_gather(cudaStream_t s, int esize, int idx64, const void *params, const void *idx,
				   void *out, int64_t outer, int64_t n, int64_t ni, int64_t inner);

/* out[ids[i] * inner + j] += data[i * inner + j] for i < nids, j < inner, by atomic
 * adds (so the order of a float sum is the device's), elem float, double, int32 or
 * int64 (enum tfc__gpu_elem; integers wrap); ids outside [0, nseg) are dropped, as
 * TensorFlow's GPU UnsortedSegmentSum does. The caller zeroes out first. */
cudaError_t tfc__gpu_launch_segment_sum(cudaStream_t s, int elem, int idx64, const void *data, const void *ids,
					void *out, int64_t nids, int64_t inner, int64_t nseg);

/* out viewed as [outer, depth, inner]: out[(p * depth + d) * inner + q] = on when
 * idx[p * inner + q] == d, else off; on and off hold the element's bytes in their low
 * esize bytes (1, 2, 4 or 8). */
cudaError_t tfc__gpu_launch_one_hot(cudaStream_t s, int esize, int idx64, const void *idx, void *out,
				    int64_t outer, int64_t depth, int64_t inner, uint64_t on, uint64_t off);

#ifdef __cplusplus
}
#endif

#endif /* TFC_GATHER_LAUNCH_H */
