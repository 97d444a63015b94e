/*
 * fake_cublas.c: the cuBLAS functions that the files of cuda/ call, for the fake CUDA runtime
 * (fake.h): handles, streams, status strings, the strided batched GEMMs and AXPY,
 * computed on the host with plain loops. They follow cuBLAS's documented contract,
 * not tfc's CPU GEMM, so the row-major-through-column-major calls of
 * cuda/matmul_gpu.c are really checked: matrices are column-major, element (i, j) of
 * a matrix with leading dimension ld is at [i + j * ld]; op(A) is m x k, op(B) k x n,
 * C m x n; A is stored m x k (lda >= m) for CUBLAS_OP_N and k x m (lda >= k)
 * otherwise, B likewise; C = alpha op(A) op(B) + beta C, where C is not read when
 * beta is 0; batch i uses A + i strideA, B + i strideB, C + i strideC. Bad sizes are
 * CUBLAS_STATUS_INVALID_VALUE, as in cuBLAS.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fake.h"

#define HANDLE_MAGIC 0x7fcb1a5u

struct cublasContext {
	unsigned magic;
	cudaStream_t stream;
};

static void check_handle(cublasHandle_t h, const char *what)
{
	tfc_fake_activity_settle();
	if (!h || h->magic != HANDLE_MAGIC)
		tfc_fake_die("%s: %p is not a live cuBLAS handle", what, (void *)h);
}

cublasStatus_t cublasCreate(cublasHandle_t *handle)
{
	if (!handle)
		return CUBLAS_STATUS_INVALID_VALUE;
	struct cublasContext *h = calloc(1, sizeof(*h));
	if (!h)
		return CUBLAS_STATUS_ALLOC_FAILED;
	h->magic = HANDLE_MAGIC;
	*handle = h;
	return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasDestroy(cublasHandle_t handle)
{
	check_handle(handle, "cublasDestroy");
	handle->magic = 0;
	free(handle);
	return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetStream(cublasHandle_t handle, cudaStream_t streamId)
{
	check_handle(handle, "cublasSetStream");
	tfc_fake_check_stream(streamId, "cublasSetStream");
	handle->stream = streamId;
	return CUBLAS_STATUS_SUCCESS;
}

const char *cublasGetStatusString(cublasStatus_t status)
{
	switch (status) {
	case CUBLAS_STATUS_SUCCESS: return "the operation completed successfully";
	case CUBLAS_STATUS_NOT_INITIALIZED: return "the library was not initialized";
	case CUBLAS_STATUS_ALLOC_FAILED: return "the resource allocation failed";
	case CUBLAS_STATUS_INVALID_VALUE: return "an invalid numeric value was used as an argument";
	case CUBLAS_STATUS_EXECUTION_FAILED: return "the GPU program failed to execute";
	default: return "unknown cuBLAS status";
	}
}

/* ---- GEMM */

static bool is_trans(cublasOperation_t op) { return op == CUBLAS_OP_T || op == CUBLAS_OP_C; }

static bool known_op(cublasOperation_t op)
{
	return op == CUBLAS_OP_N || op == CUBLAS_OP_T || op == CUBLAS_OP_C;
}

/* Elements one column-major matrix of r rows and c columns with leading dimension ld
 * spans: (c - 1) * ld + r, or 0 when it is empty. */
static size_t span(int r, int c, int ld)
{
	return r > 0 && c > 0 ? (size_t)(c - 1) * (size_t)ld + (size_t)r : 0;
}

/* The extent in elements of `batch` matrices of `one` elements `stride` apart. */
static size_t batch_span(size_t one, long long stride, int batch)
{
	if (one == 0 || batch <= 0)
		return 0;
	if (stride < 0)
		tfc_fake_die("cuBLAS strided batched GEMM: a negative stride (%lld) is not supported by the fake", stride);
	return (size_t)stride * (size_t)(batch - 1) + one;
}

/* One body for float and double: T the element type. */
#define GEMM_STRIDED_BATCHED(NAME, T)                                                                         \
	cublasStatus_t NAME(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m,  \
			    int n, int k, const T *alpha, const T *A, int lda, long long int strideA, const T *B,   \
			    int ldb, long long int strideB, const T *beta, T *C, int ldc, long long int strideC,   \
			    int batchCount)                                                                      \
	{                                                                                                      \
		check_handle(handle, #NAME);                                                                   \
		bool ta = is_trans(transa), tb = is_trans(transb);                                             \
		int ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;                        \
		if (!known_op(transa) || !known_op(transb) || m < 0 || n < 0 || k < 0 || batchCount < 0 ||    \
		    lda < (ar > 1 ? ar : 1) || ldb < (br > 1 ? br : 1) || ldc < (m > 1 ? m : 1))               \
			return CUBLAS_STATUS_INVALID_VALUE;                                                    \
		if (!alpha || !beta)                                                                           \
			tfc_fake_die(#NAME ": NULL alpha or beta");                                            \
		if (m == 0 || n == 0 || batchCount == 0)                                                       \
			return CUBLAS_STATUS_SUCCESS;                                                          \
		size_t na = batch_span(span(ar, ac, lda), strideA, batchCount);                                \
		size_t nb = batch_span(span(br, bc, ldb), strideB, batchCount);                                \
		size_t nc = batch_span(span(m, n, ldc), strideC, batchCount);                                  \
		const T *ha = k ? tfc_fake_dev(A, na * sizeof(T), #NAME " A") : NULL;                          \
		const T *hb = k ? tfc_fake_dev(B, nb * sizeof(T), #NAME " B") : NULL;                          \
		T *hc = tfc_fake_dev(C, nc * sizeof(T), #NAME " C");                                           \
		T al = *alpha, be = *beta;                                                                     \
		struct tfc_fake_launch cfg = {{(m + 63) / 64, (n + 63) / 64, batchCount}, {128, 1, 1}, 126, 16384}; \
		tfc_fake_activity_kernel(sizeof(T) == 4 ? "tfc_fake_sgemm_128x64" : "tfc_fake_dgemm_128x64",   \
					 handle->stream, &cfg);                                                \
		for (int b = 0; b < batchCount; b++) {                                                         \
			const T *a = ha ? ha + (size_t)b * (size_t)strideA : NULL;                             \
			const T *bm = hb ? hb + (size_t)b * (size_t)strideB : NULL;                            \
			T *c = hc + (size_t)b * (size_t)strideC;                                               \
			for (int j = 0; j < n; j++) {                                                          \
				for (int i = 0; i < m; i++) {                                                  \
					T acc = 0;                                                             \
					for (int p = 0; p < k; p++) {                                          \
						T av = ta ? a[p + (size_t)i * lda] : a[i + (size_t)p * lda];   \
						T bv = tb ? bm[j + (size_t)p * ldb] : bm[p + (size_t)j * ldb]; \
						acc += av * bv;                                                \
					}                                                                      \
					T *cij = &c[i + (size_t)j * ldc];                                      \
					*cij = be == 0 ? al * acc : al * acc + be * *cij;                     \
				}                                                                              \
			}                                                                                      \
		}                                                                                              \
		tfc_fake_activity_settle();                                                                    \
		return CUBLAS_STATUS_SUCCESS;                                                                  \
	}

GEMM_STRIDED_BATCHED(cublasSgemmStridedBatched, float)
GEMM_STRIDED_BATCHED(cublasDgemmStridedBatched, double)

/* ---- AXPY: y[iy] = alpha x[ix] + y[iy] for n pairs, x and y stepping by incx and
 * incy; a negative increment walks its vector from the far end, as in BLAS. */

#define AXPY(NAME, T)                                                                                       \
	cublasStatus_t NAME(cublasHandle_t handle, int n, const T *alpha, const T *x, int incx, T *y, int incy) \
	{                                                                                                      \
		check_handle(handle, #NAME);                                                                   \
		if (n <= 0)                                                                                    \
			return CUBLAS_STATUS_SUCCESS;                                                          \
		if (!alpha)                                                                                    \
			tfc_fake_die(#NAME ": NULL alpha");                                                    \
		size_t ax = (size_t)(n - 1) * (size_t)llabs(incx) + 1;                                         \
		size_t ay = (size_t)(n - 1) * (size_t)llabs(incy) + 1;                                         \
		const T *hx = tfc_fake_dev(x, ax * sizeof(T), #NAME " x");                                     \
		T *hy = tfc_fake_dev(y, ay * sizeof(T), #NAME " y");                                           \
		struct tfc_fake_launch cfg = {{(n + 255) / 256, 1, 1}, {256, 1, 1}, 16, 0};                    \
		tfc_fake_activity_kernel(sizeof(T) == 4 ? "tfc_fake_saxpy" : "tfc_fake_daxpy", handle->stream, &cfg); \
		long long ix = incx < 0 ? (long long)(n - 1) * -incx : 0;                                      \
		long long iy = incy < 0 ? (long long)(n - 1) * -incy : 0;                                      \
		for (int i = 0; i < n; i++, ix += incx, iy += incy)                                            \
			hy[iy] = *alpha * hx[ix] + hy[iy];                                                     \
		tfc_fake_activity_settle();                                                                    \
		return CUBLAS_STATUS_SUCCESS;                                                                  \
	}

AXPY(cublasSaxpy, float)
AXPY(cublasDaxpy, double)
