/*
 * matmul_kernels.c: the CPU MatMul kernel (transpose_a, transpose_b): float and double
 * through OpenBLAS (cblas_sgemm, cblas_dgemm), int32 and int64 through a plain loop
 * with wrapping arithmetic; BatchMatMul (equal batch dimensions) and BatchMatMulV2
 * (batch dimensions broadcast), adj_x and adj_y, float and double, one GEMM per
 * matrix of the batch; each GEMM through tfc__gemm (kernels/gemm.c), split over the
 * session's intra-op threads.
 */
#include <limits.h>

#include "kernels.h"

struct matmul_state {
	tfc_dtype dtype; /* T */
	bool ta, tb;     /* transpose_a, transpose_b */
};

static void *matmul_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t != TFC_FLOAT && t != TFC_DOUBLE && t != TFC_INT32 && t != TFC_INT64)
		return tfc__kernel_unsupported(op, "T", t, st);
	struct matmul_state *s = tfc__malloc(sizeof(*s));
	s->dtype = t;
	s->ta = tfc__kernel_attr_bool(op, "transpose_a", false);
	s->tb = tfc__kernel_attr_bool(op, "transpose_b", false);
	return s;
}

static void matmul_destroy(void *state) { free(state); }

/* c[m][n] = sum_p a(i,p) * b(p,j), where a(i,p) = a[i*ais + p*aps] (and b alike);
 * int types wrap around as TensorFlow's do. */
#define INT_MATMUL(NAME, T, U)                                                              \
	static void NAME(const T *a, int64_t ais, int64_t aps, const T *b, int64_t bps,      \
			 int64_t bjs, T *c, int64_t m, int64_t n, int64_t k)                 \
	{                                                                                   \
		for (int64_t i = 0; i < m; i++) {                                           \
			U *row = (U *)(c + i * n);                                          \
			for (int64_t p = 0; p < k; p++) {                                   \
				U x = (U)a[i * ais + p * aps];                              \
				const T *bp = b + p * bps;                                  \
				for (int64_t j = 0; j < n; j++)                             \
					row[j] += x * (U)bp[j * bjs];                       \
			}                                                                   \
		}                                                                           \
	}
INT_MATMUL(matmul_i32, int32_t, uint32_t)
INT_MATMUL(matmul_i64, int64_t, uint64_t)

static void matmul_compute(struct tfc_kernel_ctx *ctx)
{
	const struct matmul_state *s = ctx->state;
	const tfc_tensor *a = ctx->inputs[0], *b = ctx->inputs[1];
	char sa[512], sb[512];
	if (!a || !b) {
		tfc_kernel_error(ctx, TFC_INTERNAL, "An input of MatMul is missing");
		return;
	}
	if (a->dtype != s->dtype || b->dtype != s->dtype) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "MatMul inputs have dtypes %s and %s, expected %s",
				 tfc_dtype_name(a->dtype), tfc_dtype_name(b->dtype),
				 tfc_dtype_name(s->dtype));
		return;
	}
	if (a->shape.rank != 2) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "In[0] is not a matrix. Instead it has shape %s",
				 tfc__kshape(&a->shape, sa, sizeof(sa)));
		return;
	}
	if (b->shape.rank != 2) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "In[1] is not a matrix. Instead it has shape %s",
				 tfc__kshape(&b->shape, sb, sizeof(sb)));
		return;
	}
	int64_t a0 = a->shape.dims[0], a1 = a->shape.dims[1];
	int64_t b0 = b->shape.dims[0], b1 = b->shape.dims[1];
	int64_t m = s->ta ? a1 : a0, k = s->ta ? a0 : a1;
	int64_t kb = s->tb ? b1 : b0, n = s->tb ? b0 : b1;
	if (k != kb) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Matrix size-incompatible: In[0]: %s, In[1]: %s",
				 tfc__kshape(&a->shape, sa, sizeof(sa)),
				 tfc__kshape(&b->shape, sb, sizeof(sb)));
		return;
	}
	int64_t dims[2] = {m, n};
	tfc_tensor *c = tfc_kernel_alloc_output(ctx, 0, s->dtype, dims, 2);
	if (!c || m == 0 || n == 0 || k == 0)
		return; /* an empty product is all zeros, as allocated */

	const void *pa = tfc_tensor_data(a), *pb = tfc_tensor_data(b);
	void *pc = tfc_tensor_data(c);
	if (s->dtype == TFC_INT32 || s->dtype == TFC_INT64) {
		/* a(i,p): row-major a is [m,k] (ta: [k,m]); b(p,j) likewise. */
		int64_t ais = s->ta ? 1 : a1, aps = s->ta ? a1 : 1;
		int64_t bps = s->tb ? 1 : b1, bjs = s->tb ? b1 : 1;
		if (s->dtype == TFC_INT32)
			matmul_i32(pa, ais, aps, pb, bps, bjs, pc, m, n, k);
		else
			matmul_i64(pa, ais, aps, pb, bps, bjs, pc, m, n, k);
		return;
	}
	if (a0 > INT_MAX || a1 > INT_MAX || b0 > INT_MAX || b1 > INT_MAX) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED,
				 "MatMul dimensions above %d are not supported: In[0]: %s, In[1]: %s",
				 INT_MAX, tfc__kshape(&a->shape, sa, sizeof(sa)),
				 tfc__kshape(&b->shape, sb, sizeof(sb)));
		return;
	}
	tfc__gemm(ctx->intra_op_threads, s->dtype, s->ta, s->tb, m, n, k, pa, a1, pb, b1, 0.0, pc, n);
}

/* ---- BatchMatMul, BatchMatMulV2 */

struct bmm_state {
	tfc_dtype dtype;
	bool adj_x, adj_y, v2; /* v2: batch dimensions broadcast */
};

static void *bmm_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t != TFC_FLOAT && t != TFC_DOUBLE)
		return tfc__kernel_unsupported(op, "T", t, st);
	struct bmm_state *s = tfc__malloc(sizeof(*s));
	s->dtype = t;
	s->adj_x = tfc__kernel_attr_bool(op, "adj_x", false);
	s->adj_y = tfc__kernel_attr_bool(op, "adj_y", false);
	s->v2 = strcmp(op->type, "BatchMatMul") != 0;
	return s;
}

static void bmm_compute(struct tfc_kernel_ctx *ctx)
{
	const struct bmm_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 2, s->dtype))
		return;
	const tfc_tensor *x = ctx->inputs[0], *y = ctx->inputs[1];
	char b0[256], b1[256];
	int rx = x->shape.rank, ry = y->shape.rank;
	if (rx < 2 || ry < 2) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "In[%d] ndims must be >= 2: %d",
				 rx < 2 ? 0 : 1, rx < 2 ? rx : ry);
		return;
	}
	if (!s->v2 && rx != ry) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "In[0] and In[1] has different ndims: %s vs. %s",
				 tfc__kshape(&x->shape, b0, sizeof(b0)),
				 tfc__kshape(&y->shape, b1, sizeof(b1)));
		return;
	}
	int br = (rx > ry ? rx : ry) - 2;
	int64_t bdims[TFC_MAX_RANK], xs[TFC_MAX_RANK], ys[TFC_MAX_RANK], nb = 1;
	int64_t xm = x->shape.dims[rx - 2], xk = x->shape.dims[rx - 1];
	int64_t yk = y->shape.dims[ry - 2], yn = y->shape.dims[ry - 1];
	int64_t m = s->adj_x ? xk : xm, k = s->adj_x ? xm : xk;
	int64_t k2 = s->adj_y ? yn : yk, n = s->adj_y ? yk : yn;
	/* batch strides in matrices (0: broadcast) */
	int64_t sx = 1, sy = 1;
	for (int d = br - 1; d >= 0; d--) {
		int dx = d - (br - (rx - 2)), dy = d - (br - (ry - 2));
		int64_t ax = dx >= 0 ? x->shape.dims[dx] : 1, ay = dy >= 0 ? y->shape.dims[dy] : 1;
		if (ax != ay && ax != 1 && ay != 1) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "In[0] and In[1] must have compatible batch dimensions: %s vs. %s",
					 tfc__kshape(&x->shape, b0, sizeof(b0)),
					 tfc__kshape(&y->shape, b1, sizeof(b1)));
			return;
		}
		if (!s->v2 && ax != ay) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "In[0].dim(%d) and In[1].dim(%d) must be the same: %s vs %s", d,
					 d, tfc__kshape(&x->shape, b0, sizeof(b0)),
					 tfc__kshape(&y->shape, b1, sizeof(b1)));
			return;
		}
		bdims[d] = ax > ay ? ax : ay;
		xs[d] = ax == 1 ? 0 : sx;
		ys[d] = ay == 1 ? 0 : sy;
		sx *= ax;
		sy *= ay;
		nb *= bdims[d];
	}
	if (k != k2) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Matrix size-incompatible: In[0]: %s, In[1]: %s",
				 tfc__kshape(&x->shape, b0, sizeof(b0)),
				 tfc__kshape(&y->shape, b1, sizeof(b1)));
		return;
	}
	if (xm > INT_MAX || xk > INT_MAX || yk > INT_MAX || yn > INT_MAX) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "BatchMatMul dimensions above %d", INT_MAX);
		return;
	}
	int64_t odims[TFC_MAX_RANK];
	memcpy(odims, bdims, sizeof(int64_t) * (size_t)br);
	odims[br] = m;
	odims[br + 1] = n;
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, s->dtype, odims, br + 2);
	if (!o || o->n_elems == 0 || k == 0)
		return;
	size_t esz = tfc_dtype_size(s->dtype);
	int64_t idx[TFC_MAX_RANK] = {0};
	for (int64_t b = 0; b < nb; b++) {
		int64_t ox = 0, oy = 0, rem = b;
		for (int d = br - 1; d >= 0; d--) {
			idx[d] = rem % bdims[d];
			rem /= bdims[d];
			ox += idx[d] * xs[d];
			oy += idx[d] * ys[d];
		}
		const char *px = (const char *)tfc_tensor_data(x) + (size_t)(ox * xm * xk) * esz;
		const char *py = (const char *)tfc_tensor_data(y) + (size_t)(oy * yk * yn) * esz;
		char *po = (char *)tfc_tensor_data(o) + (size_t)(b * m * n) * esz;
		tfc__gemm(ctx->intra_op_threads, s->dtype, s->adj_x, s->adj_y, m, n, k, px, xk, py, yn,
			  0.0, po, n);
	}
}

const struct tfc_kernel_def tfc__matmul_kernels[] = {
	{ .op = "MatMul", .device = "CPU", .create = matmul_create, .destroy = matmul_destroy,
	  .compute = matmul_compute },
	{ .op = "BatchMatMul", .device = "CPU", .create = bmm_create, .destroy = matmul_destroy,
	  .compute = bmm_compute },
	{ .op = "BatchMatMulV2", .device = "CPU", .create = bmm_create, .destroy = matmul_destroy,
	  .compute = bmm_compute },
	{ .op = NULL },
};
