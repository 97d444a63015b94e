/*
 * gemm.c: tfc__gemm, the one way kernels multiply float and double matrices: OpenBLAS
 * on one thread per call, split over the intra-op threads by tfc_parallel_for.
 *
 * Why not OpenBLAS's own threads: its thread count is one setting for the whole
 * process (sessions with different intra_op_parallelism_threads fought over it), and
 * its workers spin (sched_yield) for a while after each call. Between a convolution's
 * GEMMs the intra-op pool's workers then compete with spinning BLAS threads for the
 * same cores: on the 2-core development machine a LeNet training step got slower with
 * 2 threads than with 1. With one pool, a GEMM is cut into as many blocks as there are
 * threads: rows of C when op(A) has enough of them, else columns, else the inner
 * dimension (a convolution's filter gradient: a few dozen rows and columns summed
 * over every output pixel), with the partial products added up at the end.
 */
#include <cblas.h>

#include "kernels.h"

/* Below this many multiply-adds a GEMM stays on the calling thread. */
#define GEMM_SPLIT_MIN (1 << 20)
/* A block is at least this many rows or columns. */
#define GEMM_MIN_BLOCK 32

/* OpenBLAS runs every call on the calling thread. Checked each call (a cheap read):
 * a program linking tfc may set OpenBLAS's threads itself. */
static void blas_single_thread(void)
{
#ifdef OPENBLAS_VERSION
	if (openblas_get_num_threads() != 1)
		openblas_set_num_threads(1);
#endif
}

static void gemm1(tfc_dtype t, bool ta, bool tb, int64_t m, int64_t n, int64_t k, const void *a,
		  int64_t lda, const void *b, int64_t ldb, double beta, void *c, int64_t ldc)
{
	enum CBLAS_TRANSPOSE A = ta ? CblasTrans : CblasNoTrans, B = tb ? CblasTrans : CblasNoTrans;
	if (t == TFC_FLOAT)
		cblas_sgemm(CblasRowMajor, A, B, (int)m, (int)n, (int)k, 1.0f, a, (int)lda, b, (int)ldb,
			    (float)beta, c, (int)ldc);
	else
		cblas_dgemm(CblasRowMajor, A, B, (int)m, (int)n, (int)k, 1.0, a, (int)lda, b, (int)ldb,
			    beta, c, (int)ldc);
}

enum split { BY_ROWS, BY_COLS, BY_INNER };

struct gemm_job {
	tfc_dtype t;
	bool ta, tb;
	int64_t m, n, k, lda, ldb, ldc;
	const char *a, *b;
	char *c;
	double beta;
	size_t esz;
	enum split how;
	int64_t chunk;  /* items per block (the last may be shorter) */
	char *partial;  /* BY_INNER: one m x n product per block */
};

/* Block number `blk`: items [blk * chunk, ...) of the split dimension. */
static void gemm_one_block(const struct gemm_job *j, int64_t blk)
{
	int64_t i0 = blk * j->chunk, items = j->how == BY_ROWS ? j->m : j->how == BY_COLS ? j->n : j->k;
	int64_t i1 = i0 + j->chunk < items ? i0 + j->chunk : items;
	int64_t len = i1 - i0;
	size_t e = j->esz;
	switch (j->how) {
	case BY_ROWS: /* rows [i0, i1) of op(A) and of C */
		gemm1(j->t, j->ta, j->tb, len, j->n, j->k,
		      j->a + (size_t)(j->ta ? i0 : i0 * j->lda) * e, j->lda, j->b, j->ldb, j->beta,
		      j->c + (size_t)(i0 * j->ldc) * e, j->ldc);
		break;
	case BY_COLS: /* columns [i0, i1) of op(B) and of C */
		gemm1(j->t, j->ta, j->tb, j->m, len, j->k, j->a, j->lda,
		      j->b + (size_t)(j->tb ? i0 * j->ldb : i0) * e, j->ldb, j->beta,
		      j->c + (size_t)i0 * e, j->ldc);
		break;
	case BY_INNER: /* columns [i0, i1) of op(A) times rows [i0, i1) of op(B) */
		gemm1(j->t, j->ta, j->tb, j->m, j->n, len,
		      j->a + (size_t)(j->ta ? i0 * j->lda : i0) * e, j->lda,
		      j->b + (size_t)(j->tb ? i0 : i0 * j->ldb) * e, j->ldb, 0.0,
		      j->partial + (size_t)(blk * j->m * j->n) * e, j->n);
		break;
	}
}

static void gemm_blocks(void *arg, int64_t b0, int64_t b1)
{
	for (int64_t b = b0; b < b1; b++)
		gemm_one_block(arg, b);
}

void tfc__gemm(int threads, tfc_dtype t, bool ta, bool tb, int64_t m, int64_t n, int64_t k,
	       const void *a, int64_t lda, const void *b, int64_t ldb, double beta, void *c,
	       int64_t ldc)
{
	blas_single_thread();
	double work = (double)m * (double)n * (double)k;
	if (threads <= 1 || work < GEMM_SPLIT_MIN) {
		gemm1(t, ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
		return;
	}
	struct gemm_job j = {t, ta, tb, m, n, k, lda, ldb, ldc, a, b, c, beta, tfc_dtype_size(t),
			     BY_ROWS, 0, NULL};
	int64_t items;
	/* Every block packs its own copy of the operand it does not split: a split by
	 * rows packs all of op(B) (k x n) in each block, a split by columns all of op(A)
	 * (m x k). Split so that the smaller one is the one packed twice. */
	bool rows_ok = m >= 2 * GEMM_MIN_BLOCK, cols_ok = n >= 2 * GEMM_MIN_BLOCK;
	if (rows_ok && (!cols_ok || m >= n)) {
		j.how = BY_ROWS;
		items = m;
	} else if (cols_ok) {
		j.how = BY_COLS;
		items = n;
	} else if (k >= 2 * GEMM_MIN_BLOCK) {
		j.how = BY_INNER;
		items = k;
	} else {
		gemm1(t, ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
		return;
	}
	/* Blocks start on a multiple of 16 rows or columns: a block of a transposed
	 * operand then starts on a 64-byte boundary. (784 rows of x^T cut at 392 ran no
	 * faster on 2 threads than on 1; cut at 400, 1.6x.) */
	j.chunk = (items + threads - 1) / threads;
	j.chunk = (j.chunk + 15) / 16 * 16;
	if (j.chunk < GEMM_MIN_BLOCK)
		j.chunk = GEMM_MIN_BLOCK;
	int64_t blocks = (items + j.chunk - 1) / j.chunk;
	if (j.how == BY_INNER)
		j.partial = tfc__malloc((size_t)(blocks * m * n) * j.esz + 1);
	tfc_parallel_for(threads, blocks, 1, gemm_blocks, &j);
	if (j.how != BY_INNER)
		return;
	/* C = beta * C + the sum of the blocks' products. */
	for (int64_t i = 0; i < m; i++) {
		for (int64_t q = 0; q < n; q++) {
			double s = 0;
			for (int64_t p = 0; p < blocks; p++) {
				size_t at = (size_t)(p * m * n + i * n + q);
				s += t == TFC_FLOAT ? ((const float *)j.partial)[at]
						    : ((const double *)j.partial)[at];
			}
			size_t ci = (size_t)(i * ldc + q);
			if (t == TFC_FLOAT) {
				float *cf = c;
				cf[ci] = (float)(beta != 0 ? beta * cf[ci] + s : s);
			} else {
				double *cd = c;
				cd[ci] = beta != 0 ? beta * cd[ci] + s : s;
			}
		}
	}
	free(j.partial);
}
