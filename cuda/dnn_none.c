/*
 * dnn_none.c: the cuDNN part of a CUDA build without cuDNN (configure found none, or
 * --without-cudnn): no GPU convolution kernels, so Conv2D and its backprops stay on
 * the CPU, and no cuDNN handle to free. Same interface as cuda/conv_gpu.c.
 */
#include "gpu_internal.h"

const struct tfc_kernel_def tfc__gpu_conv_kernels[] = {{0}};

void tfc__gpu_dnn_release(struct tfc__gpu *g) { (void)g; }
