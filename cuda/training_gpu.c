/*
 * training_gpu.c: ApplyGradientDescent (the ref form: var -= alpha * delta) on the
 * GPU, float and double, through cuBLAS's axpy.
 *
 * Locking is the CPU kernel's (kernels/training_kernels.c): the variable's ref mutex
 * is held for the whole update, here across the device round trip (the value and the
 * gradient go in, the new value comes back), so two updates of one variable still
 * serialize and no reader sees a half-written value. Holding it while the GPU works
 * cannot deadlock: the stream thread takes the GPU first (sync_mu, while it runs a
 * kernel) and the ref mutex second, and no holder of a ref mutex waits for a GPU.
 * The new value is downloaded into a fresh host tensor that replaces the old one in
 * the ref, as the CPU kernel does whenever someone else holds the value, so a reader
 * that took the value earlier keeps it unchanged.
 *
 * Placement: the placer puts a node with a ref input in its variable's colocation
 * group (core/placer.c), and a group goes to the GPU only when every member has a
 * GPU kernel. VariableV2, Assign and the variable's `read` Identity have none yet, so
 * today ApplyGradientDescent stays on the CPU with its variable; this kernel runs
 * when the kernel record is called on a GPU device directly (tests/test_gpu_kernels.c)
 * and will be placed once the variable ops are (see README, "GPU").
 */
#include "gpu_internal.h"

static bool supports(const tfc_operation *op)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	return t == TFC_FLOAT || t == TFC_DOUBLE;
}

static bool same_shape(const tfc_shape *a, const tfc_shape *b)
{
	return a->rank == b->rank && memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank) == 0;
}

/* var += -alpha * delta on the device; the new value into nt (host). */
static bool update(struct tfc_kernel_ctx *ctx, const tfc_tensor *var, const tfc_tensor *delta, double alpha,
		   tfc_tensor *nt)
{
	struct tfc__gpu *g = tfc__gpu_current();
	int64_t n = var->n_elems;
	if (n > INT32_MAX) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "ApplyGradientDescent on the GPU: 2^31 elements or more");
		return false;
	}
	void *dv = tfc__gpu_upload(ctx, var);
	void *dg = dv ? tfc__gpu_upload(ctx, delta) : NULL;
	if (!dg)
		return false;
	cublasStatus_t s;
	if (var->dtype == TFC_FLOAT) {
		float a = (float)-alpha;
		s = cublasSaxpy(g->blas, (int)n, &a, dg, 1, dv, 1);
	} else {
		double a = -alpha;
		s = cublasDaxpy(g->blas, (int)n, &a, dg, 1, dv, 1);
	}
	return TFC_CUBLAS_CHECK(s, ctx->st) && tfc__gpu_download(ctx, dv, nt);
}

static void apply_gd_compute(struct tfc_kernel_ctx *ctx)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(ctx->op, "T"));
	struct tfc_ref *ref = ctx->n_inputs == 3 && ctx->input_refs ? ctx->input_refs[0] : NULL;
	char b0[128], b1[128];
	if (!ref) {
		tfc_kernel_error(ctx, TFC_INTERNAL, "Input 0 of ApplyGradientDescent is not a reference");
		return;
	}
	const tfc_tensor *alpha = ctx->inputs[1], *delta = ctx->inputs[2];
	for (int k = 1; k < 3; k++)
		if (!ctx->inputs[k] || ctx->inputs[k]->dtype != t) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Input %d of ApplyGradientDescent must be %s", k,
					 tfc_dtype_name(t));
			return;
		}
	if (alpha->shape.rank != 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "alpha is not a scalar: %s",
				 tfc__kshape(&alpha->shape, b0, sizeof(b0)));
		return;
	}
	double a = t == TFC_FLOAT ? *(const float *)tfc_tensor_data((tfc_tensor *)alpha)
				  : *(const double *)tfc_tensor_data((tfc_tensor *)alpha);
	tfc_tensor *nt = NULL;
	pthread_mutex_lock(&ref->mu);
	tfc_tensor *old = ref->value;
	if (!old) {
		tfc_kernel_error(ctx, TFC_FAILED_PRECONDITION, "Attempting to use uninitialized value %s", ref->name);
		goto unlock;
	}
	if (old->dtype != t) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "ApplyGradientDescent of a %s variable %s with T=%s",
				 tfc_dtype_name(old->dtype), ref->name, tfc_dtype_name(t));
		goto unlock;
	}
	if (!same_shape(&old->shape, &delta->shape)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "var and grad do not have the same shape%s %s",
				 tfc__kshape(&old->shape, b0, sizeof(b0)), tfc__kshape(&delta->shape, b1, sizeof(b1)));
		goto unlock;
	}
	nt = tfc_tensor_new(t, old->shape.dims, old->shape.rank, ctx->st);
	if (!nt || (old->n_elems > 0 && !update(ctx, old, delta, a, nt)))
		goto unlock;
	ref->value = nt; /* the ref takes nt; whoever holds old keeps it */
	nt = NULL;
	tfc_tensor_free(old);
	if (ctx->n_outputs > 0)
		ctx->output_refs[0] = ref;
unlock:
	pthread_mutex_unlock(&ref->mu);
	tfc_tensor_free(nt);
}

const struct tfc_kernel_def tfc__gpu_training_kernels[] = {
	/* the variable's value is host memory (the variable ops are CPU ones); delta may
	 * be the GPU's; alpha is read on the host */
	{.op = "ApplyGradientDescent", .device = "GPU", .compute = apply_gd_compute,
	 .flags = TFC_KF_STATEFUL | TFC_KF_DEVICE_MEMORY, .supports = supports, .host_inputs = 1u << 1},
	{0},
};
