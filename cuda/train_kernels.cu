/*
 * train_kernels.cu: CUDA kernels of the optimizer updates that need more than
 * cuBLAS's axpy: Momentum (and Nesterov), Adam (and Nesterov), Adagrad, RMSProp and
 * Adadelta, in place over a variable and its slots, float and double, with the C
 * launchers gpu_internal.h declares. The formulas and their order are the CPU kernels'
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

/* Adagrad and Adadelta compute in double for float too, as the CPU's element-wise
 * path does; RMSProp in the element type, as the CPU's float path does. */
template <typename T>
__global__ void adagrad_kernel(T *var, T *accum, const T *grad, int64_t n, double lr, bool update_slots)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x) {
		double g = grad[i], w = var[i], a = accum[i];
		if (update_slots)
			a += g * g;
		w -= lr * g / sqrt(a);
		var[i] = (T)w;
		accum[i] = (T)a;
	}
}

template <typename T>
__global__ void rmsprop_kernel(T *var, T *ms, T *mom, const T *grad, int64_t n, T lr, T rho, T mu, T eps)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x) {
		T g = grad[i], w = var[i], m = ms[i], p = mom[i];
		m += (g * g - m) * (T(1) - rho);
		p = p * mu + lr * g / sqrt(m + eps);
		w -= p;
		var[i] = w;
		ms[i] = m;
		mom[i] = p;
	}
}

template <typename T>
__global__ void adadelta_kernel(T *var, T *accum, T *accum_update, const T *grad, int64_t n, double lr, double rho,
				double eps)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x) {
		double g = grad[i], w = var[i], a = accum[i], u = accum_update[i];
		a = a * rho + g * g * (1 - rho);
		double upd = sqrt(u + eps) / sqrt(a + eps) * g;
		u = u * rho + upd * upd * (1 - rho);
		w -= upd * lr;
		var[i] = (T)w;
		accum[i] = (T)a;
		accum_update[i] = (T)u;
	}
}

extern "C" cudaError_t tfc__gpu_launch_apply_adagrad(cudaStream_t s, int dtype, void *var, void *accum,
						     const void *grad, int64_t n, double lr, bool update_slots)
{
	if (n == 0)
		return cudaSuccess;
	if (dtype == 0)
		adagrad_kernel<float><<<blocks_for(n), THREADS, 0, s>>>((float *)var, (float *)accum,
									(const float *)grad, n, lr, update_slots);
	else
		adagrad_kernel<double><<<blocks_for(n), THREADS, 0, s>>>((double *)var, (double *)accum,
									 (const double *)grad, n, lr, update_slots);
	return cudaGetLastError();
}

extern "C" cudaError_t tfc__gpu_launch_apply_rmsprop(cudaStream_t s, int dtype, void *var, void *ms, void *mom,
						     const void *grad, int64_t n, double lr, double rho,
						     double momentum, double epsilon)
{
	if (n == 0)
		return cudaSuccess;
	if (dtype == 0)
		rmsprop_kernel<float><<<blocks_for(n), THREADS, 0, s>>>((float *)var, (float *)ms, (float *)mom,
									(const float *)grad, n, (float)lr, (float)rho,
									(float)momentum, (float)epsilon);
	else
		rmsprop_kernel<double><<<blocks_for(n), THREADS, 0, s>>>((double *)var, (double *)ms, (double *)mom,
									 (const double *)grad, n, lr, rho, momentum,
									 epsilon);
	return cudaGetLastError();
}

extern "C" cudaError_t tfc__gpu_launch_apply_adadelta(cudaStream_t s, int dtype, void *var, void *accum,
						      void *accum_update, const void *grad, int64_t n, double lr,
						      double rho, double epsilon)
{
	if (n == 0)
		return cudaSuccess;
	if (dtype == 0)
		adadelta_kernel<float><<<blocks_for(n), THREADS, 0, s>>>((float *)var, (float *)accum,
									 (float *)accum_update, (const float *)grad, n,
									 lr, rho, epsilon);
	else
		adadelta_kernel<double><<<blocks_for(n), THREADS, 0, s>>>((double *)var, (double *)accum,
									  (double *)accum_update, (const double *)grad,
									  n, lr, rho, epsilon);
	return cudaGetLastError();
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
