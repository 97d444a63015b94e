/*
 * const_kernels.c: CPU kernels of the ops that make or pass values without computing:
 * Const (its value parsed once per node), Placeholder and PlaceholderV2 (which only
 * run when not fed, and then fail as TensorFlow does), PlaceholderWithDefault,
 * Identity, IdentityN, Snapshot, StopGradient and NoOp. Passing a value on is taking a
 * new reference: tensors are immutable once produced.
 */
#include "kernels.h"

/* ---- Const */

static void *const_create(const tfc_operation *op, tfc_status *st)
{
	const Tensorflow__AttrValue *v = tfc__op_attr(op, "value");
	if (!v || v->value_case != TENSORFLOW__ATTR_VALUE__VALUE_TENSOR || !v->tensor) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "Const node '%s' has no tensor value",
			       op->name);
		return NULL;
	}
	tfc_tensor *t = tfc__tensor_from_proto(v->tensor, st);
	if (!t) {
		tfc__status_prefix(st, "Const node '%s': ", op->name);
		return NULL;
	}
	tfc_dtype want = tfc_kernel_attr_type(op, "dtype");
	if (want != TFC_DTYPE_INVALID && tfc_dtype_base(want) != t->dtype) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT,
			       "Type mismatch between value (%s) and dtype (%s) (node '%s')",
			       tfc_dtype_name(t->dtype), tfc_dtype_name(want), op->name);
		tfc_tensor_free(t);
		return NULL;
	}
	return t;
}

static void const_destroy(void *state) { tfc_tensor_free(state); }

static void const_compute(struct tfc_kernel_ctx *ctx)
{
	tfc_tensor_free(ctx->outputs[0]);
	ctx->outputs[0] = tfc_tensor_ref(ctx->state);
}

/* ---- Placeholder, PlaceholderV2 */

static void placeholder_compute(struct tfc_kernel_ctx *ctx)
{
	const tfc_operation *op = ctx->op;
	tfc_dtype dt = tfc_kernel_attr_type(op, "dtype");
	const Tensorflow__AttrValue *v = tfc__op_attr(op, "shape");
	tfc_shape s = tfc_shape_unknown();
	if (v && v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_SHAPE)
		s = tfc__shape_from_proto(v->shape);
	/* As TensorFlow's PlaceholderOp: the shape is only named when it has dimensions
	 * (so not for an unknown rank, and not for a scalar either). */
	if (s.rank <= 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "You must feed a value for placeholder tensor '%s' with dtype %s",
				 op->name, tfc_dtype_name(dt));
		return;
	}
	char buf[512];
	tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
			 "You must feed a value for placeholder tensor '%s' with dtype %s and shape %s",
			 op->name, tfc_dtype_name(dt), tfc__kshape(&s, buf, sizeof(buf)));
}

/* ---- the identities */

static void forward0_compute(struct tfc_kernel_ctx *ctx) { tfc_kernel_forward_input(ctx, 0, 0); }

static void identity_n_compute(struct tfc_kernel_ctx *ctx)
{
	for (int i = 0; i < ctx->n_inputs && i < ctx->n_outputs; i++) {
		tfc_kernel_forward_input(ctx, i, i);
		if (!tfc__ok(ctx->st))
			return;
	}
}

static void noop_compute(struct tfc_kernel_ctx *ctx) { (void)ctx; }

/* Placement never picks the GPU's Const: user constants stay on the CPU and a GPU
 * kernel uploads what it reads. The record exists for the partitioner, whose
 * control-edge signal is a small Const on the sending device (core/partition.c). */
static bool never(const tfc_operation *op)
{
	(void)op;
	return false;
}

/* A GPU Identity forwards numeric tensors where they are, the GPU's memory included.
 * A ref input too (a variable's `read`): the executor hands it the variable's current
 * value, which it forwards like any other, so the variable's colocation group can go
 * to the GPU when its other members have GPU kernels (cuda/state_gpu.c). */
static bool numeric_t(const tfc_operation *op)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	return tfc_dtype_size(t) > 0 && t != TFC_STRING && t != TFC_RESOURCE && t != TFC_VARIANT;
}

const struct tfc_kernel_def tfc__const_kernels[] = {
	{ .op = "Const", .device = "CPU", .create = const_create, .destroy = const_destroy,
	  .compute = const_compute },
	{ .op = "Placeholder", .device = "CPU", .compute = placeholder_compute },
	{ .op = "PlaceholderV2", .device = "CPU", .compute = placeholder_compute },
	{ .op = "PlaceholderWithDefault", .device = "CPU", .compute = forward0_compute },
	{ .op = "Identity", .device = "CPU", .compute = forward0_compute },
	{ .op = "IdentityN", .device = "CPU", .compute = identity_n_compute },
	{ .op = "Snapshot", .device = "CPU", .compute = forward0_compute },
	{ .op = "StopGradient", .device = "CPU", .compute = forward0_compute },
	{ .op = "NoOp", .device = "CPU", .compute = noop_compute },
	/* GPU records that need no CUDA (see never and numeric_t above) */
	{ .op = "Const", .device = "GPU", .create = const_create, .destroy = const_destroy,
	  .compute = const_compute, .supports = never },
	{ .op = "Identity", .device = "GPU", .compute = forward0_compute, .supports = numeric_t,
	  .flags = TFC_KF_DEVICE_MEMORY },
	{ .op = "Snapshot", .device = "GPU", .compute = forward0_compute, .supports = numeric_t,
	  .flags = TFC_KF_DEVICE_MEMORY },
	{ .op = "StopGradient", .device = "GPU", .compute = forward0_compute, .supports = numeric_t,
	  .flags = TFC_KF_DEVICE_MEMORY },
	{ .op = "NoOp", .device = "GPU", .compute = noop_compute },
	{ .op = NULL },
};
