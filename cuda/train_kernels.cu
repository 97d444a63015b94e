/*
 * train_kernels.cu: CUDA kernels of the optimizer updates that need more than
 * cuBLAS's axpy: Momentum (and Nesterov) and Adam (and Nesterov), in place over a
 * variable and its slots, float and double, with the C launchers gpu_internal.h
 * declares. The formulas and their order are the CPU kernels'
 * (kernels/training_kernels.c); each element reads every slot first and writes them
 * in slot order, so a slot given twice ends with the later slot's value, as there.
 * Host twins: tests/fakecuda/launch_train.c.
 */
#include <cuda_runtime.h>
#include <stdint.h>

#define THREADS 256

static unsigned blocks_for(int64_t n)
{
	int64_t b = (n + THREADS - 1) / THREADS;
	return (unsigned)(b < 1 ? 1 : (b > 65535 * 16 ? 65535 * 16 : b));
}

template <typename T>
__global__ void momentum_kernel(T *var, T *accum, const T *grad, int64_t n, T lr, T mu, bool nesterov)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x) {
		T g = grad[i], w = var[i], a = accum[i];
		a = a * mu + g;
		w -= nesterov ? g * lr + a * mu * lr : a * lr;
		var[i] = w;
		accum[i] = a;
	}
}

template <typename T>
__global__ void adam_kernel(T *var, T *m, T *v, const T *grad, int64_t n, T alpha, T b1, T b2, T eps,
			    bool nesterov)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x) {
		T g = grad[i], w = var[i], mi = m[i], vi = v[i];
		mi += (g - mi) * (T(1) - b1);
		vi += (g * g - vi) * (T(1) - b2);
		T step = nesterov ? mi * b1 + (T(1) - b1) * g : mi;
		w -= step * alpha / (sqrt(vi) + eps);
		var[i] = w;
		m[i] = mi;
		v[i] = vi;
	}
}

extern "C" cudaError_t tfc__gpu_launch_apply_momentum(cudaStream_t s, int dtype, void *var, void *accum,
						      const void *grad, int64_t n, double lr, double momentum,
						      bool nesterov)
{
	if (n == 0)
		return cudaSuccess;
	if (dtype == 0)
		momentum_kernel<float><<<blocks_for(n), THREADS, 0, s>>>((float *)var, (float *)accum,
									 (const float *)grad, n, (float)lr,
									 (float)momentum, nesterov);
	else
		momentum_kernel<double><<<blocks_for(n), THREADS, 0, s>>>((double *)var, (double *)accum,
									  (const double *)grad, n, lr, momentum,
									  nesterov);
	return cudaGetLastError();
}

extern "C" cudaError_t tfc__gpu_launch_apply_adam(cudaStream_t s, int dtype, void *var, void *m, void *v,
						  const void *grad, int64_t n, double alpha, double beta1,
						  double beta2, double epsilon, bool nesterov)
{
	if (n == 0)
		return cudaSuccess;
	if (dtype == 0)
		adam_kernel<float><<<blocks_for(n), THREADS, 0, s>>>((float *)var, (float *)m, (float *)v,
								     (const float *)grad, n, (float)alpha,
								     (float)beta1, (float)beta2, (float)epsilon,
								     nesterov);
	else
		adam_kernel<double><<<blocks_for(n), THREADS, 0, s>>>((double *)var, (double *)m, (double *)v,
								      (const double *)grad, n, alpha, beta1, beta2,
								      epsilon, nesterov);
	return cudaGetLastError();
}
