/*
 * training_gpu.c: optimizer updates on the GPU, float and double, updating the
 * variable's value (and its slots') in the GPU's memory in place: ApplyGradientDescent
 * and ResourceApplyGradientDescent (var -= alpha * delta, cuBLAS's axpy),
 * ApplyMomentum and ResourceApplyMomentum, ApplyAdam and ResourceApplyAdam,
 * ApplyAdagrad, ApplyRMSProp, ApplyAdadelta and their resource forms (the kernels of
 * cuda/train_kernels.cu).
 *
 * Checks, locking and node state are the CPU kernels' (kernels/training_kernels.c,
 * through tfc__train_begin/end): the slots are locked in input order, each once, and
 * held for the whole update, here while the GPU works on it, so two updates of one
 * variable still serialize and no reader sees a half-written value. Holding them
 * while the GPU works cannot deadlock: the stream thread takes the GPU first (sync_mu,
 * while it runs a kernel) and a ref mutex second, and no holder of a ref mutex waits
 * for a GPU. A slot's value is written in place when no one else holds it, else into
 * a fresh device tensor swapped into the ref (tfc__gpu_ref_writable), so a reader
 * that took the value earlier keeps it unchanged. A value a CPU kernel left on the
 * host (another signature placed the variable on the CPU) moves to this GPU here.
 * The scalars (alpha, lr, the betas, ...) are read on the host (host_inputs); the
 * gradient may be the GPU's or the host's.
 *
 * Placement: the placer puts an update op in its variable's colocation group
 * (core/placer.c), which goes to the GPU when every member has a GPU kernel: with the
 * variable ops of cuda/state_gpu.c, a graph whose variables are only assigned, read
 * and updated by these ops keeps its variables and updates on the GPU.
 */
#include <math.h>

#include "gpu_internal.h"

static bool supports(const tfc_operation *op)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	return t == TFC_FLOAT || t == TFC_DOUBLE;
}

enum update { U_GD, U_MOMENTUM, U_ADAM, U_ADAGRAD, U_RMSPROP, U_ADADELTA };

static enum update update_of(const char *op)
{
	if (strstr(op, "Momentum"))
		return U_MOMENTUM;
	if (strstr(op, "Adagrad"))
		return U_ADAGRAD;
	if (strstr(op, "RMSProp"))
		return U_RMSPROP;
	if (strstr(op, "Adadelta"))
		return U_ADADELTA;
	return strstr(op, "Adam") ? U_ADAM : U_GD;
}

/* The update of a, whose slots are locked and checked; false with ctx->st set. */
static bool update(struct tfc_kernel_ctx *ctx, struct tfc__train_args *a)
{
	struct tfc__gpu *g = tfc__gpu_current();
	int64_t n = a->grad->n_elems;
	enum update u = update_of(a->op);
	if (u == U_GD && n > INT32_MAX) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "%s on the GPU: 2^31 elements or more", a->op);
		return false;
	}
	const void *dg = tfc__gpu_upload(ctx, a->grad);
	if (!dg)
		return false;
	void *v[TFC_TRAIN_MAX_SLOTS];
	for (int k = 0; k < a->n_slots; k++) {
		int j = tfc__train_same_as(a, k);
		tfc_tensor *w = j >= 0 ? NULL : tfc__gpu_ref_writable(ctx, a->refs[k]);
		if (j < 0 && !w)
			return false;
		v[k] = j >= 0 ? v[j] : tfc_tensor_data(w);
	}
	if (n == 0)
		return true;
	int dt = a->dtype == TFC_FLOAT ? 0 : 1;
	const double *s = a->scalars;
	switch (u) {
	case U_GD: {
		cublasStatus_t st;
		if (dt == 0) {
			float alpha = -(float)s[0];
			st = cublasSaxpy(g->blas, (int)n, &alpha, dg, 1, v[0], 1);
		} else {
			double alpha = -s[0];
			st = cublasDaxpy(g->blas, (int)n, &alpha, dg, 1, v[0], 1);
		}
		return TFC_CUBLAS_CHECK(st, ctx->st);
	}
	case U_MOMENTUM: /* lr, momentum */
		return TFC_CUDA_CHECK(tfc__gpu_launch_apply_momentum(g->compute, dt, v[0], v[1], dg, n, s[0], s[1],
								     a->flag),
				      ctx->st);
	case U_ADAM: { /* beta1_power, beta2_power, lr, beta1, beta2, epsilon */
		double alpha;
		if (dt == 0) { /* in float, as the CPU's float path computes it */
			float b1p = (float)s[0], b2p = (float)s[1], lr = (float)s[2];
			alpha = lr * sqrtf(1 - b2p) / (1 - b1p);
		} else {
			alpha = s[2] * sqrt(1 - s[1]) / (1 - s[0]);
		}
		return TFC_CUDA_CHECK(tfc__gpu_launch_apply_adam(g->compute, dt, v[0], v[1], v[2], dg, n, alpha, s[3],
								 s[4], s[5], a->flag),
				      ctx->st);
	}
	case U_ADAGRAD: /* lr; the update_slots attr */
		return TFC_CUDA_CHECK(tfc__gpu_launch_apply_adagrad(g->compute, dt, v[0], v[1], dg, n, s[0], a->flag),
				      ctx->st);
	case U_RMSPROP: /* lr, rho, momentum, epsilon */
		return TFC_CUDA_CHECK(tfc__gpu_launch_apply_rmsprop(g->compute, dt, v[0], v[1], v[2], dg, n, s[0], s[1],
								    s[2], s[3]),
				      ctx->st);
	case U_ADADELTA: /* lr, rho, epsilon */
		return TFC_CUDA_CHECK(tfc__gpu_launch_apply_adadelta(g->compute, dt, v[0], v[1], v[2], dg, n, s[0],
								     s[1], s[2]),
				      ctx->st);
	}
	return false;
}

static void train_compute(struct tfc_kernel_ctx *ctx)
{
	struct tfc__train_args a;
	if (!tfc__train_begin(ctx, &a))
		return;
	tfc__train_end(ctx, &a, update(ctx, &a));
}

/* Stateful (they change variables) and taking the GPU's memory as it is; the node's
 * state is the CPU kernel's (the session frees it through the CPU record). Inputs
 * read on the host: the scalars, and the resource forms' handles. */
#define TRAIN(OP, HOST)                                                                                      \
	{ .op = OP, .device = "GPU", .create = tfc__train_create, .destroy = tfc__train_destroy,             \
	  .compute = train_compute, .flags = TFC_KF_STATEFUL | TFC_KF_DEVICE_MEMORY, .supports = supports, \
	  .host_inputs = HOST }

const struct tfc_kernel_def tfc__gpu_training_kernels[] = {
	/* var, alpha, delta */
	TRAIN("ApplyGradientDescent", 1u << 1),
	TRAIN("ResourceApplyGradientDescent", 1u << 0 | 1u << 1),
	/* var, accum, lr, grad, momentum */
	TRAIN("ApplyMomentum", 1u << 2 | 1u << 4),
	TRAIN("ResourceApplyMomentum", 1u << 0 | 1u << 1 | 1u << 2 | 1u << 4),
	/* var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad */
	TRAIN("ApplyAdam", 0x1f8u),
	TRAIN("ResourceApplyAdam", 0x7u | 0x1f8u),
	/* var, accum, lr, grad */
	TRAIN("ApplyAdagrad", 1u << 2),
	TRAIN("ResourceApplyAdagrad", 0x3u | 1u << 2),
	/* var, ms, mom, lr, rho, momentum, epsilon, grad */
	TRAIN("ApplyRMSProp", 0x78u),
	TRAIN("ResourceApplyRMSProp", 0x7u | 0x78u),
	/* var, accum, accum_update, lr, rho, epsilon, grad */
	TRAIN("ApplyAdadelta", 0x38u),
	TRAIN("ResourceApplyAdadelta", 0x7u | 0x38u),
	{0},
};
