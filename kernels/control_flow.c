/*
 * control_flow.c: CPU kernels of TensorFlow's v1 control-flow ops: Switch, Merge,
 * Enter, Exit, NextIteration and LoopCond, with their Ref forms.
 *
 * The kernels only move values; what makes these ops control flow lives in the
 * executor (core/executor_cf.c): a Switch leaves its untaken output unset, which the
 * executor carries on as a dead tensor; a Merge runs on its first live input, which
 * the executor hands in with the other inputs unset; Enter, Exit and NextIteration
 * pass their input into a child frame, the parent frame and the next iteration. A
 * Ref form forwards the variable itself, so ops behind it still see and update it.
 */
#include "kernels.h"

/* Output i takes input k, as a value or, for a ref input, as the ref. */
static void pass(struct tfc_kernel_ctx *ctx, int k, int i)
{
	if (ctx->input_refs && ctx->input_refs[k] && ctx->output_refs) {
		ctx->output_refs[i] = ctx->input_refs[k];
		return;
	}
	tfc_kernel_forward_input(ctx, k, i);
}

/* Switch(data, pred): data goes to output_true (1) when pred holds, else to
 * output_false (0); the other output stays unset (dead). */
static void switch_compute(struct tfc_kernel_ctx *ctx)
{
	const tfc_tensor *p = ctx->inputs[1];
	if (!p || tfc_tensor_num_elements(p) != 1) {
		char buf[128];
		tfc_shape s = p ? tfc_tensor_shape(p) : tfc_shape_unknown();
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "The second input must be a scalar, but it has shape %s",
				 tfc__kshape(&s, buf, sizeof(buf)));
		return;
	}
	bool taken = *(const bool *)tfc_tensor_data(p);
	pass(ctx, 0, taken ? 1 : 0);
}

/* Merge(inputs): the first live input (the executor sets exactly one) goes to
 * output 0, its index to output 1 (value_index, int32). */
static void merge_compute(struct tfc_kernel_ctx *ctx)
{
	for (int k = 0; k < ctx->n_inputs; k++) {
		bool live = ctx->inputs[k] || (ctx->input_refs && ctx->input_refs[k]);
		if (!live)
			continue;
		pass(ctx, k, 0);
		if (!tfc__ok(ctx->st))
			return;
		int64_t dims[1] = {0};
		tfc_tensor *idx = tfc_kernel_alloc_output(ctx, 1, TFC_INT32, dims, 0);
		if (idx)
			*(int32_t *)tfc_tensor_data(idx) = k;
		return;
	}
	tfc_kernel_error(ctx, TFC_INTERNAL, "Merge ran with no live input");
}

static void pass0_compute(struct tfc_kernel_ctx *ctx) { pass(ctx, 0, 0); }

/* LoopCond: a boolean scalar the loop's Switches test. */
static void loop_cond_compute(struct tfc_kernel_ctx *ctx)
{
	const tfc_tensor *p = ctx->inputs[0];
	if (p && tfc_tensor_num_elements(p) != 1) {
		char buf[128];
		tfc_shape s = tfc_tensor_shape(p);
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "input must be a scalar, but it has shape %s",
				 tfc__kshape(&s, buf, sizeof(buf)));
		return;
	}
	pass(ctx, 0, 0);
}

const struct tfc_kernel_def tfc__control_flow_kernels[] = {
	{ .op = "Switch", .device = "CPU", .compute = switch_compute },
	{ .op = "RefSwitch", .device = "CPU", .compute = switch_compute },
	{ .op = "Merge", .device = "CPU", .compute = merge_compute },
	{ .op = "RefMerge", .device = "CPU", .compute = merge_compute },
	{ .op = "Enter", .device = "CPU", .compute = pass0_compute },
	{ .op = "RefEnter", .device = "CPU", .compute = pass0_compute },
	{ .op = "Exit", .device = "CPU", .compute = pass0_compute },
	{ .op = "RefExit", .device = "CPU", .compute = pass0_compute },
	{ .op = "NextIteration", .device = "CPU", .compute = pass0_compute },
	{ .op = "RefNextIteration", .device = "CPU", .compute = pass0_compute },
	{ .op = "LoopCond", .device = "CPU", .compute = loop_cond_compute },
	{ .op = NULL },
};
