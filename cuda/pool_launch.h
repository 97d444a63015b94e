/*
 * pool_launch.h: the C launchers of cuda/pool_kernels.cu (MaxPool, AvgPool and their
 * gradients) and cuda/batchnorm_kernels.cu (fused batch normalization and its
 * gradient), with the plain geometry records they take. Included by gpu_internal.h,
 * by the .cu files (so definitions and declarations cannot drift apart) and by the
 * host twins of tests/fakecuda/launch_pool.c; it needs nothing but cuda_runtime.h.
 * Each launcher queues its work on stream s and returns the launch's error.
 */
#ifndef TFC_POOL_LAUNCH_H
#define TFC_POOL_LAUNCH_H

#include <cuda_runtime.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A 2-D pooling: logical input [n, ih, iw, c] and output [n, oh, ow, c], stored NCHW
 * when nchw, else NHWC (packed); window kh x kw moved by sh, sw, with pt rows and pl
 * columns of padding before the image (the window at (oh, ow) covers rows
 * oh * sh - pt .. + kh, clipped to the image). */
struct tfc__gpu_pool_geom {
	int64_t n, c, ih, iw, oh, ow, kh, kw, sh, sw, pt, pl;
	int nchw;
};

/* Element types of the pooling launchers: 0 float, 1 double. */

/* y = max (max != 0; NaN wins, an empty window gives -inf) or mean over the window's
 * elements inside the image (0 for none), per output element. */
cudaError_t tfc__gpu_launch_pool(cudaStream_t s, int dtype, int max, const struct tfc__gpu_pool_geom *g,
				 const void *x, void *y);
/* MaxPoolGrad: dx (input-shaped, every element written) = the sum of the gradients dy
 * of the windows whose first maximum (scanning rows, then columns; strictly greater
 * replaces) is that element. argmax is scratch of one int64 per output element. */
cudaError_t tfc__gpu_launch_max_pool_grad(cudaStream_t s, int dtype, const struct tfc__gpu_pool_geom *g,
					  const void *x, const void *dy, int64_t *argmax, void *dx);
/* AvgPoolGrad: dx (input-shaped, every element written) = the sum over the windows
 * that hold the element of dy / (the window's count of in-image elements). */
cudaError_t tfc__gpu_launch_avg_pool_grad(cudaStream_t s, int dtype, const struct tfc__gpu_pool_geom *g,
					  const void *dy, void *dx);

/* Fused batch normalization over float x of n elements, c channels; the channel of
 * element i is (i / inner) % c (inner 1 for NHWC, H * W for NCHW); rows = n / c
 * elements per channel. */
struct tfc__gpu_bn_geom {
	int64_t n, c, inner;
	float epsilon;
	float avg_factor; /* exponential_avg_factor */
	int training;     /* is_training */
};

/* FusedBatchNorm: y, and per channel batch_mean and batch_variance (training: the
 * batch mean and unbiased variance, mixed into mean and var by avg_factor when it is
 * not 1; inference: mean and var), saved_mean and saved_var (reserve_space_1 and 2:
 * the mean and biased variance used). mean and var are read only for inference or
 * avg_factor != 1 (NULL otherwise). scratch: 2 * c doubles. Sums in double. */
cudaError_t tfc__gpu_launch_bn_forward(cudaStream_t s, const struct tfc__gpu_bn_geom *g, const float *x,
				       const float *scale, const float *offset, const float *mean,
				       const float *var, float *y, float *batch_mean, float *batch_var,
				       float *saved_mean, float *saved_var, double *scratch);
/* FusedBatchNormGrad: dx, dscale (sum of dy * x_hat) and doffset (sum of dy) from dy,
 * x, scale and the saved mean and variance (x_hat = (x - mean) / sqrt(var + eps));
 * training subtracts the batch statistics' share from dx. scratch: 2 * c doubles. */
cudaError_t tfc__gpu_launch_bn_grad(cudaStream_t s, const struct tfc__gpu_bn_geom *g, const float *dy,
				    const float *x, const float *scale, const float *mean, const float *var,
				    float *dx, float *dscale, float *doffset, double *scratch);

#ifdef __cplusplus
}
#endif

#endif /* TFC_POOL_LAUNCH_H */
