/*
 * sendrecv_gpu.c: the GPU's _Recv. It takes its tensor from the step's rendezvous
 * (a host tensor: a _Send hands over host copies) and, for float and double, puts it
 * in the GPU's memory once, so the GPU kernels that read it share one upload instead
 * of each making its own. Other dtypes stay host tensors, as TensorFlow keeps int32
 * in host memory on a GPU: shapes and indices are read on the host.
 */
#include "gpu_internal.h"
#include "rendezvous.h"

static void recv_compute(struct tfc_kernel_ctx *ctx)
{
	if (!ctx->rendezvous) {
		tfc_kernel_error(ctx, TFC_INTERNAL, "%s needs the step's rendezvous, and this step has none",
				 ctx->op->type);
		return;
	}
	tfc_tensor *t = tfc__rendezvous_recv(ctx->rendezvous, ctx->state, ctx->frame_id, ctx->iter, ctx->st);
	if (!t)
		return;
	tfc_dtype dt = tfc_tensor_dtype(t);
	if ((dt != TFC_FLOAT && dt != TFC_DOUBLE) || tfc__tensor_device(t)) {
		tfc_tensor_free(ctx->outputs[0]);
		ctx->outputs[0] = t;
		return;
	}
	tfc_tensor *d = tfc__gpu_alloc_output(ctx, 0, dt, t->shape.dims, t->shape.rank);
	size_t n = tfc_tensor_byte_size(t);
	if (d && n)
		TFC_CUDA_CHECK(cudaMemcpyAsync(tfc_tensor_data(d), tfc_tensor_data(t), n, cudaMemcpyHostToDevice,
					       tfc__gpu_current()->compute),
			       ctx->st);
	tfc_tensor_free(t);
}

const struct tfc_kernel_def tfc__gpu_sendrecv_kernels[] = {
	{.op = "_Recv", .device = "GPU", .create = tfc__transfer_create, .destroy = tfc__transfer_destroy,
	 .compute = recv_compute},
	{0},
};
