/*
 * gpu_none.c: the GPU support of a build without CUDA (configure --without-cuda):
 * no GPUs, no GPU kernels, no tracer. Same interface as cuda/gpu_device.c (gpu.h).
 */
#include <stdio.h>

#include "gpu.h"
#include "kernels.h"

const struct tfc_kernel_def tfc__gpu_cwise_kernels[] = {{0}};
const struct tfc_kernel_def tfc__gpu_matmul_kernels[] = {{0}};
const struct tfc_kernel_def tfc__gpu_conv_kernels[] = {{0}};
const struct tfc_kernel_def tfc__gpu_nn_kernels[] = {{0}};
const struct tfc_kernel_def tfc__gpu_training_kernels[] = {{0}};
const struct tfc_kernel_def tfc__gpu_pool_kernels[] = {{0}};
const struct tfc_kernel_def tfc__gpu_batchnorm_kernels[] = {{0}};
const struct tfc_kernel_def tfc__gpu_state_kernels[] = {{0}};
const struct tfc_kernel_def tfc__gpu_sendrecv_kernels[] = {{0}};
const struct tfc_kernel_def tfc__gpu_array_kernels[] = {{0}};
const struct tfc_kernel_def tfc__gpu_gather_kernels[] = {{0}};

int tfc__gpu_count(char *why, size_t n)
{
	snprintf(why, n, "this tfc was built without CUDA");
	return 0;
}

void tfc__gpu_describe(int i, char *buf, size_t n) { snprintf(buf, n, "device: %d", i); }

struct tfc_device *tfc__gpu_device_new(const char *name, int index, const Tensorflow__GPUOptions *opts,
				       tfc_status *st)
{
	(void)name;
	(void)opts;
	tfc_status_set(st, TFC_UNAVAILABLE, "GPU %d: this tfc was built without CUDA", index);
	return NULL;
}

struct tfc__gpu_tracer *tfc__gpu_tracer_start(struct tfc__gpu_activity *into, tfc_status *st)
{
	(void)into;
	tfc_status_set(st, TFC_UNAVAILABLE, "this tfc was built without CUDA (no CUPTI)");
	return NULL;
}

void tfc__gpu_tracer_stop(struct tfc__gpu_tracer *t) { (void)t; }
