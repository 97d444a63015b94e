/*
 * sendrecv_kernels.c: CPU kernels of the transfer ops the partitioner puts on edges
 * between devices (core/partition.c): _Send deposits its input in the step's
 * rendezvous under the node's tensor_name and the execution's frame and iteration,
 * _Recv takes it out. _HostSend/_HostRecv are the same on a CPU. The executor runs
 * a _Recv after its _Send, so a _Recv never waits. _Send is also the GPU's (host work
 * either way); the GPU's _Recv is cuda/sendrecv_gpu.c.
 */
#include "kernels.h"
#include "rendezvous.h"

/* The state of a transfer node: its tensor_name (owned). */
void *tfc__transfer_create(const tfc_operation *op, tfc_status *st)
{
	size_t len = 0;
	const char *name = tfc_operation_get_attr_string(op, "tensor_name", &len, st);
	if (!name) {
		tfc__status_prefix(st, "%s node '%s': ", op->type, op->name);
		return NULL;
	}
	return tfc__strndup(name, len);
}

void tfc__transfer_destroy(void *state) { free(state); }

static bool have_rendezvous(struct tfc_kernel_ctx *ctx)
{
	if (ctx->rendezvous)
		return true;
	tfc_kernel_error(ctx, TFC_INTERNAL, "%s needs the step's rendezvous, and this step has none",
			 ctx->op->type);
	return false;
}

static void send_compute(struct tfc_kernel_ctx *ctx)
{
	if (have_rendezvous(ctx))
		tfc__rendezvous_send(ctx->rendezvous, ctx->state, ctx->frame_id, ctx->iter, ctx->inputs[0],
				     ctx->st);
}

static void recv_compute(struct tfc_kernel_ctx *ctx)
{
	if (!have_rendezvous(ctx))
		return;
	tfc_tensor_free(ctx->outputs[0]);
	ctx->outputs[0] = tfc__rendezvous_recv(ctx->rendezvous, ctx->state, ctx->frame_id, ctx->iter,
					       ctx->st);
}

const struct tfc_kernel_def tfc__sendrecv_kernels[] = {
	{ .op = "_Send", .device = "CPU", .create = tfc__transfer_create, .destroy = tfc__transfer_destroy,
	  .compute = send_compute },
	{ .op = "_Recv", .device = "CPU", .create = tfc__transfer_create, .destroy = tfc__transfer_destroy,
	  .compute = recv_compute },
	{ .op = "_HostSend", .device = "CPU", .create = tfc__transfer_create, .destroy = tfc__transfer_destroy,
	  .compute = send_compute },
	{ .op = "_HostRecv", .device = "CPU", .create = tfc__transfer_create, .destroy = tfc__transfer_destroy,
	  .compute = recv_compute },
	/* On a GPU (the partitioner puts a _Send on its producer's device): the same
	 * host-side work. Without TFC_KF_DEVICE_MEMORY, a _Send gets a host copy of a
	 * tensor in the GPU's memory (core/device_memory.c). The GPU's _Recv, which
	 * uploads what it receives, is in cuda/sendrecv_gpu.c. */
	{ .op = "_Send", .device = "GPU", .create = tfc__transfer_create, .destroy = tfc__transfer_destroy,
	  .compute = send_compute },
	{ 0 },
};
