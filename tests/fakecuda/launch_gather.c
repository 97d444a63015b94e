/*
 * launch_gather.c: host twins of the launchers of cuda/gather_kernels.cu (declared in
 * cuda/gather_launch.h) for the fake CUDA runtime of tests/fakecuda: Gather, the sum
 * of UnsortedSegmentSum and OneHot. Each has the launcher's name and signature,
 * checks its stream first, turns every device range it reads or writes into host
 * memory with tfc_fake_dev (which aborts for a range outside a live allocation) and
 * computes at once, as the device code does (an index out of range: zeros for Gather,
 * dropped for the segment sum). The segment sum adds in index order, which the
 * device's atomics need not.
 */
#include <string.h>

#include "fake.h"
#include "gather_launch.h"

static void check_esize(int esize, const char *what)
{
	if (esize != 1 && esize != 2 && esize != 4 && esize != 8)
		tfc_fake_die("%s: element size %d", what, esize);
}

/* Index i of n indices at host address h. */
static int64_t index_at(const void *h, int idx64, int64_t i)
{
	return idx64 ? ((const int64_t *)h)[i] : ((const int32_t *)h)[i];
}

static const void *indices(const void *d, int idx64, int64_t n, const char *what)
{
	return tfc_fake_dev(d, (size_t)n * (idx64 ? 8 : 4), what);
}

cudaError_t tfc__gpu_launch_gather(cudaStream_t s, int esize, int idx64, const void *params, const void *idx,
				   void *out, int64_t outer, int64_t n, int64_t ni, int64_t inner)
{
	tfc_fake_check_stream(s, "tfc__gpu_launch_gather");
	check_esize(esize, "tfc__gpu_launch_gather");
	if (outer * ni * inner == 0)
		return cudaSuccess;
	size_t es = (size_t)esize;
	const char *p = n ? tfc_fake_dev(params, (size_t)(outer * n * inner) * es, "tfc__gpu_launch_gather params")
			  : NULL;
	const void *x = indices(idx, idx64, ni, "tfc__gpu_launch_gather idx");
	char *o = tfc_fake_dev(out, (size_t)(outer * ni * inner) * es, "tfc__gpu_launch_gather out");
	for (int64_t a = 0; a < outer; a++)
		for (int64_t i = 0; i < ni; i++) {
			int64_t v = index_at(x, idx64, i);
			char *dst = o + (size_t)((a * ni + i) * inner) * es;
			if (v >= 0 && v < n)
				memcpy(dst, p + (size_t)((a * n + v) * inner) * es, (size_t)inner * es);
			else
				memset(dst, 0, (size_t)inner * es);
		}
	return cudaSuccess;
}

cudaError_t tfc__gpu_launch_segment_sum(cudaStream_t s, int elem, int idx64, const void *data, const void *ids,
					void *out, int64_t nids, int64_t inner, int64_t nseg)
{
	tfc_fake_check_stream(s, "tfc__gpu_launch_segment_sum");
	size_t es = elem == TFC_GE_FLOAT || elem == TFC_GE_INT32 ? 4 : 8;
	if (elem != TFC_GE_FLOAT && elem != TFC_GE_DOUBLE && elem != TFC_GE_INT32 && elem != TFC_GE_INT64)
		tfc_fake_die("tfc__gpu_launch_segment_sum: element type %d", elem);
	if (nids * inner == 0)
		return cudaSuccess;
	const char *x = tfc_fake_dev(data, (size_t)(nids * inner) * es, "tfc__gpu_launch_segment_sum data");
	const void *id = indices(ids, idx64, nids, "tfc__gpu_launch_segment_sum ids");
	char *o = nseg ? tfc_fake_dev(out, (size_t)(nseg * inner) * es, "tfc__gpu_launch_segment_sum out") : NULL;
	for (int64_t i = 0; i < nids; i++) {
		int64_t v = index_at(id, idx64, i);
		if (v < 0 || v >= nseg)
			continue;
		for (int64_t j = 0; j < inner; j++) {
			int64_t d = v * inner + j, k = i * inner + j;
			switch (elem) {
			case TFC_GE_FLOAT: ((float *)o)[d] += ((const float *)x)[k]; break;
			case TFC_GE_DOUBLE: ((double *)o)[d] += ((const double *)x)[k]; break;
			case TFC_GE_INT32:
				((int32_t *)o)[d] = (int32_t)((uint32_t)((int32_t *)o)[d] + (uint32_t)((const int32_t *)x)[k]);
				break;
			default:
				((int64_t *)o)[d] = (int64_t)((uint64_t)((int64_t *)o)[d] + (uint64_t)((const int64_t *)x)[k]);
			}
		}
	}
	return cudaSuccess;
}

cudaError_t tfc__gpu_launch_one_hot(cudaStream_t s, int esize, int idx64, const void *idx, void *out,
				    int64_t outer, int64_t depth, int64_t inner, uint64_t on, uint64_t off)
{
	tfc_fake_check_stream(s, "tfc__gpu_launch_one_hot");
	check_esize(esize, "tfc__gpu_launch_one_hot");
	if (outer * depth * inner == 0)
		return cudaSuccess;
	size_t es = (size_t)esize;
	const void *x = indices(idx, idx64, outer * inner, "tfc__gpu_launch_one_hot idx");
	char *o = tfc_fake_dev(out, (size_t)(outer * depth * inner) * es, "tfc__gpu_launch_one_hot out");
	for (int64_t p = 0; p < outer; p++)
		for (int64_t d = 0; d < depth; d++)
			for (int64_t q = 0; q < inner; q++) {
				bool hit = index_at(x, idx64, p * inner + q) == d;
				memcpy(o + (size_t)((p * depth + d) * inner + q) * es, hit ? &on : &off, es);
			}
	return cudaSuccess;
}
