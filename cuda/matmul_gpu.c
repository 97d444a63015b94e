/*
 * matmul_gpu.c: MatMul, BatchMatMul and BatchMatMulV2 on the GPU through cuBLAS
 * (float: cublasSgemm*, double: cublasDgemm*). cuBLAS is column-major, so the
 * row-major C = op(A) op(B) is computed as C^T = op(B)^T op(A)^T with the operands
 * swapped. Batches broadcast as in BatchMatMulV2 when one side has a single matrix
 * (a zero stride); other broadcasts are refused.
 */
#include "gpu_internal.h"

static bool supports(const tfc_operation *op)
{
	tfc_dtype t = tfc_kernel_attr_type(op, "T");
	return t == TFC_FLOAT || t == TFC_DOUBLE;
}

/* batch GEMMs of m x n = (m x k)(k x n) on the GPU; ta/tb: A or B stored transposed. */
static bool gemm(struct tfc_kernel_ctx *ctx, bool dbl, bool ta, bool tb, int64_t m, int64_t n, int64_t k,
		 const void *a, int64_t stride_a, const void *b, int64_t stride_b, void *c, int64_t batch)
{
	struct tfc__gpu *g = tfc__gpu_current();
	cublasOperation_t opa = ta ? CUBLAS_OP_T : CUBLAS_OP_N, opb = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
	int lda = (int)(ta ? m : k), ldb = (int)(tb ? k : n);
	if (m > INT32_MAX || n > INT32_MAX || k > INT32_MAX || batch > INT32_MAX) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "MatMul on the GPU: dimensions beyond 2^31");
		return false;
	}
	cublasStatus_t s;
	if (dbl) {
		const double one = 1, zero = 0;
		s = cublasDgemmStridedBatched(g->blas, opb, opa, (int)n, (int)m, (int)k, &one, b, ldb, stride_b, a,
					      lda, stride_a, &zero, c, (int)n, m * n, (int)batch);
	} else {
		const float one = 1, zero = 0;
		s = cublasSgemmStridedBatched(g->blas, opb, opa, (int)n, (int)m, (int)k, &one, b, ldb, stride_b, a,
					      lda, stride_a, &zero, c, (int)n, m * n, (int)batch);
	}
	return TFC_CUBLAS_CHECK(s, ctx->st);
}

static void matmul_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *a = ctx->inputs[0], *b = ctx->inputs[1];
	bool batched = strcmp(ctx->op->type, "MatMul") != 0;
	bool ta = tfc__kernel_attr_bool(ctx->op, batched ? "adj_x" : "transpose_a", false);
	bool tb = tfc__kernel_attr_bool(ctx->op, batched ? "adj_y" : "transpose_b", false);
	int ra = a->shape.rank, rb = b->shape.rank;
	if ((a->dtype != TFC_FLOAT && a->dtype != TFC_DOUBLE) || a->dtype != b->dtype || ra < 2 || rb < 2 ||
	    (!batched && (ra != 2 || rb != 2))) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "%s on the GPU needs float or double matrices of one dtype, got %s (rank %d) and %s (rank %d)",
				 ctx->op->type, tfc_dtype_name(a->dtype), ra, tfc_dtype_name(b->dtype), rb);
		return;
	}
	int64_t m = a->shape.dims[ra - (ta ? 1 : 2)], k = a->shape.dims[ra - (ta ? 2 : 1)];
	int64_t k2 = b->shape.dims[rb - (tb ? 1 : 2)], n = b->shape.dims[rb - (tb ? 2 : 1)];
	if (k != k2) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Matrix size-incompatible: In[0]: [%lld,%lld], In[1]: [%lld,%lld]",
				 (long long)a->shape.dims[ra - 2], (long long)a->shape.dims[ra - 1],
				 (long long)b->shape.dims[rb - 2], (long long)b->shape.dims[rb - 1]);
		return;
	}
	int64_t batch_a = m * k != 0 ? a->n_elems / (m * k) : 1, batch_b = k * n != 0 ? b->n_elems / (k * n) : 1;
	if (batch_a != batch_b && batch_a != 1 && batch_b != 1) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "%s on the GPU: batches %lld and %lld do not broadcast",
				 ctx->op->type, (long long)batch_a, (long long)batch_b);
		return;
	}
	/* The output's batch dims: those of the operand with more matrices. */
	const tfc_tensor *big = batch_a >= batch_b ? a : b;
	int64_t dims[TFC_MAX_RANK];
	int rank = big->shape.rank;
	for (int d = 0; d < rank - 2; d++)
		dims[d] = big->shape.dims[d];
	dims[rank - 2] = m;
	dims[rank - 1] = n;
	tfc_tensor *c = tfc__gpu_alloc_output(ctx, 0, a->dtype, dims, rank);
	if (!c || c->n_elems == 0)
		return;
	int64_t batch = batch_a > batch_b ? batch_a : batch_b;
	void *da = tfc__gpu_upload(ctx, a);
	void *db = da ? tfc__gpu_upload(ctx, b) : NULL;
	void *dc = db ? tfc_tensor_data(c) : NULL;
	if (!dc)
		return;
	if (k == 0) { /* an empty sum: zeros */
		TFC_CUDA_CHECK(cudaMemsetAsync(dc, 0, tfc_tensor_byte_size(c), tfc__gpu_current()->compute), ctx->st);
		return;
	}
	gemm(ctx, a->dtype == TFC_DOUBLE, ta, tb, m, n, k, da, batch_a > 1 ? m * k : 0, db, batch_b > 1 ? k * n : 0,
	     dc, batch);
}

const struct tfc_kernel_def tfc__gpu_matmul_kernels[] = {
	{.op = "MatMul", .device = "GPU", .compute = matmul_compute, .supports = supports,
	 .flags = TFC_KF_DEVICE_MEMORY},
	{.op = "BatchMatMul", .device = "GPU", .compute = matmul_compute, .supports = supports,
	 .flags = TFC_KF_DEVICE_MEMORY},
	{.op = "BatchMatMulV2", .device = "GPU", .compute = matmul_compute, .supports = supports,
	 .flags = TFC_KF_DEVICE_MEMORY},
	{0},
};
