/*
 * launch_train.c: host twins of the optimizer launchers of cuda/train_kernels.cu
 * (tfc__gpu_launch_apply_momentum, _adam, _adagrad, _rmsprop and _adadelta), for the
 * fake CUDA runtime of tests/fakecuda/: the same names and signatures as
 * gpu_internal.h declares, the same formulas in the same order (float updates in
 * float, but Adagrad's and Adadelta's in double, as the device code does), done at
 * once instead of queued on the stream, on the host addresses of the fake's device
 * memory (tfc_fake_dev checks each range lies in a live allocation).
 */
#include <math.h>

#include "fake.h"
#include "gpu_internal.h"

cudaError_t tfc__gpu_launch_apply_momentum(cudaStream_t s, int dtype, void *var, void *accum, const void *grad,
					   int64_t n, double lr, double momentum, bool nesterov)
{
	tfc_fake_check_stream(s, __func__);
	size_t bytes = (size_t)n * (dtype == 0 ? sizeof(float) : sizeof(double));
	var = tfc_fake_dev(var, bytes, "apply_momentum var");
	accum = tfc_fake_dev(accum, bytes, "apply_momentum accum");
	grad = tfc_fake_dev(grad, bytes, "apply_momentum grad");
	if (dtype == 0) {
		float *w = var, *a = accum, l = (float)lr, mu = (float)momentum;
		const float *g = grad;
		for (int64_t i = 0; i < n; i++) {
			float gi = g[i], wi = w[i], ai = a[i];
			ai = ai * mu + gi;
			wi -= nesterov ? gi * l + ai * mu * l : ai * l;
			w[i] = wi;
			a[i] = ai;
		}
	} else {
		double *w = var, *a = accum;
		const double *g = grad;
		for (int64_t i = 0; i < n; i++) {
			double gi = g[i], wi = w[i], ai = a[i];
			ai = ai * momentum + gi;
			wi -= nesterov ? gi * lr + ai * momentum * lr : ai * lr;
			w[i] = wi;
			a[i] = ai;
		}
	}
	return cudaSuccess;
}

cudaError_t tfc__gpu_launch_apply_adam(cudaStream_t s, int dtype, void *var, void *m, void *v, const void *grad,
				       int64_t n, double alpha, double beta1, double beta2, double epsilon,
				       bool nesterov)
{
	tfc_fake_check_stream(s, __func__);
	size_t bytes = (size_t)n * (dtype == 0 ? sizeof(float) : sizeof(double));
	var = tfc_fake_dev(var, bytes, "apply_adam var");
	m = tfc_fake_dev(m, bytes, "apply_adam m");
	v = tfc_fake_dev(v, bytes, "apply_adam v");
	grad = tfc_fake_dev(grad, bytes, "apply_adam grad");
	if (dtype == 0) {
		float *w = var, *mm = m, *vv = v, al = (float)alpha, b1 = (float)beta1, b2 = (float)beta2;
		float eps = (float)epsilon;
		const float *g = grad;
		for (int64_t i = 0; i < n; i++) {
			float gi = g[i], wi = w[i], mi = mm[i], vi = vv[i];
			mi += (gi - mi) * (1 - b1);
			vi += (gi * gi - vi) * (1 - b2);
			float step = nesterov ? mi * b1 + (1 - b1) * gi : mi;
			wi -= step * al / (sqrtf(vi) + eps);
			w[i] = wi;
			mm[i] = mi;
			vv[i] = vi;
		}
	} else {
		double *w = var, *mm = m, *vv = v;
		const double *g = grad;
		for (int64_t i = 0; i < n; i++) {
			double gi = g[i], wi = w[i], mi = mm[i], vi = vv[i];
			mi += (gi - mi) * (1 - beta1);
			vi += (gi * gi - vi) * (1 - beta2);
			double step = nesterov ? mi * beta1 + (1 - beta1) * gi : mi;
			wi -= step * alpha / (sqrt(vi) + epsilon);
			w[i] = wi;
			mm[i] = mi;
			vv[i] = vi;
		}
	}
	return cudaSuccess;
}

/* Element i of a float (dtype 0) or double array, as a double. */
static double ld(const void *p, int dtype, int64_t i)
{
	return dtype == 0 ? ((const float *)p)[i] : ((const double *)p)[i];
}

static void stv(void *p, int dtype, int64_t i, double v)
{
	if (dtype == 0)
		((float *)p)[i] = (float)v;
	else
		((double *)p)[i] = v;
}

cudaError_t tfc__gpu_launch_apply_adagrad(cudaStream_t s, int dtype, void *var, void *accum, const void *grad,
					  int64_t n, double lr, bool update_slots)
{
	tfc_fake_check_stream(s, __func__);
	size_t bytes = (size_t)n * (dtype == 0 ? sizeof(float) : sizeof(double));
	var = tfc_fake_dev(var, bytes, "apply_adagrad var");
	accum = tfc_fake_dev(accum, bytes, "apply_adagrad accum");
	grad = tfc_fake_dev(grad, bytes, "apply_adagrad grad");
	for (int64_t i = 0; i < n; i++) {
		double g = ld(grad, dtype, i), w = ld(var, dtype, i), a = ld(accum, dtype, i);
		if (update_slots)
			a += g * g;
		w -= lr * g / sqrt(a);
		stv(var, dtype, i, w);
		stv(accum, dtype, i, a);
	}
	return cudaSuccess;
}

cudaError_t tfc__gpu_launch_apply_rmsprop(cudaStream_t s, int dtype, void *var, void *ms, void *mom,
					  const void *grad, int64_t n, double lr, double rho, double momentum,
					  double epsilon)
{
	tfc_fake_check_stream(s, __func__);
	size_t bytes = (size_t)n * (dtype == 0 ? sizeof(float) : sizeof(double));
	var = tfc_fake_dev(var, bytes, "apply_rmsprop var");
	ms = tfc_fake_dev(ms, bytes, "apply_rmsprop ms");
	mom = tfc_fake_dev(mom, bytes, "apply_rmsprop mom");
	grad = tfc_fake_dev(grad, bytes, "apply_rmsprop grad");
	if (dtype == 0) {
		float *w = var, *m = ms, *p = mom, l = (float)lr, r = (float)rho, mu = (float)momentum;
		float eps = (float)epsilon;
		const float *g = grad;
		for (int64_t i = 0; i < n; i++) {
			float gi = g[i], wi = w[i], mi = m[i], pi = p[i];
			mi += (gi * gi - mi) * (1 - r);
			pi = pi * mu + l * gi / sqrtf(mi + eps);
			wi -= pi;
			w[i] = wi;
			m[i] = mi;
			p[i] = pi;
		}
	} else {
		double *w = var, *m = ms, *p = mom;
		const double *g = grad;
		for (int64_t i = 0; i < n; i++) {
			double gi = g[i], wi = w[i], mi = m[i], pi = p[i];
			mi += (gi * gi - mi) * (1 - rho);
			pi = pi * momentum + lr * gi / sqrt(mi + epsilon);
			wi -= pi;
			w[i] = wi;
			m[i] = mi;
			p[i] = pi;
		}
	}
	return cudaSuccess;
}

cudaError_t tfc__gpu_launch_apply_adadelta(cudaStream_t s, int dtype, void *var, void *accum, void *accum_update,
					   const void *grad, int64_t n, double lr, double rho, double epsilon)
{
	tfc_fake_check_stream(s, __func__);
	size_t bytes = (size_t)n * (dtype == 0 ? sizeof(float) : sizeof(double));
	var = tfc_fake_dev(var, bytes, "apply_adadelta var");
	accum = tfc_fake_dev(accum, bytes, "apply_adadelta accum");
	accum_update = tfc_fake_dev(accum_update, bytes, "apply_adadelta accum_update");
	grad = tfc_fake_dev(grad, bytes, "apply_adadelta grad");
	for (int64_t i = 0; i < n; i++) {
		double g = ld(grad, dtype, i), w = ld(var, dtype, i), a = ld(accum, dtype, i);
		double u = ld(accum_update, dtype, i);
		a = a * rho + g * g * (1 - rho);
		double upd = sqrt(u + epsilon) / sqrt(a + epsilon) * g;
		u = u * rho + upd * upd * (1 - rho);
		w -= upd * lr;
		stv(var, dtype, i, w);
		stv(accum, dtype, i, a);
		stv(accum_update, dtype, i, u);
	}
	return cudaSuccess;
}
