/*
 * cwise_kernels.cu: CUDA kernels for element-wise unary and broadcasting binary ops, the
 * Relu family and the gradients of the activations, reductions, softmax and BiasAdd,
 * with the C launchers that gpu_internal.h declares. float and double (and bool for
 * LogicalNot, LogicalAnd, LogicalOr); TensorFlow's
 * formulas (Selu's constants, Relu6's clamp, Softplus' overflow guard; a gradient
 * op's inputs in TensorFlow's order: (gradients, features) for the Relu family,
 * (y, dy) for SigmoidGrad, TanhGrad, SqrtGrad, RsqrtGrad and ReciprocalGrad).
 */
#include <cuda_runtime.h>
#include <stdint.h>

#define TFC_GPU_MAX_RANK 8
#define THREADS 256

/* The op numbers of gpu_internal.h (enum tfc__gpu_unary / _binary / _reduce). */
enum { U_NEG, U_ABS, U_SQUARE, U_SQRT, U_RSQRT, U_EXP, U_LOG, U_TANH, U_SIGMOID, U_RELU, U_RELU6,
       U_ELU, U_SELU, U_SOFTPLUS, U_LEAKY_RELU, U_RECIPROCAL, U_LOG1P, U_EXPM1, U_FLOOR, U_CEIL, U_ROUND,
       U_SIGN, U_SIN, U_COS, U_LOGICAL_NOT };
enum { B_ADD, B_SUB, B_MUL, B_DIV, B_MAX, B_MIN, B_SQUARED_DIFF, B_RELU_GRAD, B_RELU6_GRAD, B_ELU_GRAD,
       B_SELU_GRAD, B_SOFTPLUS_GRAD, B_SIGMOID_GRAD, B_TANH_GRAD, B_SQRT_GRAD, B_RSQRT_GRAD,
       B_RECIPROCAL_GRAD, B_POW, B_FLOOR_DIV, B_FLOOR_MOD, B_LOGICAL_AND, B_LOGICAL_OR };
enum { R_SUM, R_MEAN, R_MAX, R_MIN, R_PROD };

template <typename T> __device__ T unary(int op, T x, T alpha)
{
	switch (op) {
	case U_NEG: return -x;
	case U_ABS: return fabs(x); /* +0 for -0, as the CPU's fabs */
	case U_SQUARE: return x * x;
	case U_SQRT: return sqrt(x);
	case U_RSQRT: return T(1) / sqrt(x);
	case U_EXP: return exp(x);
	case U_LOG: return log(x);
	case U_TANH: return tanh(x);
	case U_SIGMOID: return T(1) / (T(1) + exp(-x));
	case U_RELU: return x < T(0) ? T(0) : x; /* NaN stays NaN, as in TensorFlow */
	case U_RELU6: return x < T(0) ? T(0) : (x > T(6) ? T(6) : x);
	case U_ELU: return x < T(0) ? expm1(x) : x;
	case U_SELU: {
		const T scale = T(1.0507009873554804934193349852946);
		const T scale_alpha = T(1.7580993408473768599402175208123);
		return x < T(0) ? scale_alpha * expm1(x) : scale * x;
	}
	case U_SOFTPLUS: return x > T(20) ? x : (x < T(-20) ? exp(x) : log1p(exp(x)));
	case U_LEAKY_RELU: return x < T(0) ? alpha * x : x;
	case U_RECIPROCAL: return T(1) / x;
	case U_LOG1P: return log1p(x);
	case U_EXPM1: return expm1(x);
	case U_FLOOR: return floor(x);
	case U_CEIL: return ceil(x);
	case U_ROUND: return rint(x); /* half to even, as the CPU's nearbyint */
	case U_SIGN: return x > T(0) ? T(1) : (x < T(0) ? T(-1) : x);
	case U_SIN: return sin(x);
	case U_COS: return cos(x);
	}
	return x;
}

template <typename T> __global__ void unary_kernel(int op, const T *in, T *out, int64_t n, T alpha)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x)
		out[i] = unary<T>(op, in[i], alpha);
}

template <typename T> __device__ T binary(int op, T a, T b)
{
	switch (op) {
	case B_ADD: return a + b;
	case B_SUB: return a - b;
	case B_MUL: return a * b;
	case B_DIV: return a / b;
	case B_MAX: return a > b ? a : b;
	case B_MIN: return a < b ? a : b;
	case B_SQUARED_DIFF: return (a - b) * (a - b);
	case B_RELU_GRAD: return b > T(0) ? a : T(0); /* ReluGrad(gradients, features) */
	case B_RELU6_GRAD: return b > T(0) && b < T(6) ? a : T(0);
	case B_ELU_GRAD: return b < T(0) ? a * (b + T(1)) : a; /* EluGrad(gradients, outputs) */
	case B_SELU_GRAD: /* SeluGrad(gradients, outputs) */
		return b < T(0) ? a * (b + T(1.7580993408473768599402175208123))
				: a * T(1.0507009873554804934193349852946);
	case B_SOFTPLUS_GRAD: return a / (T(1) + exp(-b));
	case B_SIGMOID_GRAD: return b * a * (T(1) - a); /* SigmoidGrad(y, dy) */
	case B_TANH_GRAD: return b * (T(1) - a * a);
	case B_SQRT_GRAD: return b * T(0.5) / a;
	case B_RSQRT_GRAD: return b * T(-0.5) * a * a * a;
	case B_RECIPROCAL_GRAD: return -b * a * a;
	case B_POW: return pow(a, b);
	case B_FLOOR_DIV: return floor(a / b);
	case B_FLOOR_MOD: {
		T r = fmod(a, b);
		return r != T(0) && ((r < T(0)) != (b < T(0))) ? r + b : r;
	}
	}
	return a;
}

struct strides {
	int rank;
	int64_t dims[TFC_GPU_MAX_RANK], sa[TFC_GPU_MAX_RANK], sb[TFC_GPU_MAX_RANK];
};

template <typename T>
__global__ void binary_kernel(int op, const T *a, const T *b, T *out, struct strides s, int64_t n)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x) {
		int64_t rest = i, oa = 0, ob = 0;
		for (int d = s.rank - 1; d >= 0; d--) {
			int64_t k = rest % s.dims[d];
			rest /= s.dims[d];
			oa += k * s.sa[d];
			ob += k * s.sb[d];
		}
		out[i] = binary<T>(op, a[oa], b[ob]);
	}
}

static unsigned blocks_for(int64_t n)
{
	int64_t b = (n + THREADS - 1) / THREADS;
	return (unsigned)(b < 1 ? 1 : (b > 65535 * 16 ? 65535 * 16 : b));
}

/* ---- the logical ops, over bools (one byte, 0 or 1) */

__global__ void logical_not_kernel(const uint8_t *in, uint8_t *out, int64_t n)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x)
		out[i] = in[i] ? 0 : 1;
}

__global__ void logical_binary_kernel(int op, const uint8_t *a, const uint8_t *b, uint8_t *out, struct strides s,
				      int64_t n)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x) {
		int64_t rest = i, oa = 0, ob = 0;
		for (int d = s.rank - 1; d >= 0; d--) {
			int64_t k = rest % s.dims[d];
			rest /= s.dims[d];
			oa += k * s.sa[d];
			ob += k * s.sb[d];
		}
		out[i] = op == B_LOGICAL_AND ? (a[oa] && b[ob]) : (a[oa] || b[ob]);
	}
}

extern "C" cudaError_t tfc__gpu_launch_unary(cudaStream_t s, int op, int dtype, const void *in, void *out,
					     int64_t n, float alpha)
{
	if (n == 0)
		return cudaSuccess;
	if ((dtype == 2) != (op == U_LOGICAL_NOT))
		return cudaErrorInvalidValue;
	if (dtype == 2)
		logical_not_kernel<<<blocks_for(n), THREADS, 0, s>>>((const uint8_t *)in, (uint8_t *)out, n);
	else if (dtype == 0)
		unary_kernel<float><<<blocks_for(n), THREADS, 0, s>>>(op, (const float *)in, (float *)out, n, alpha);
	else
		unary_kernel<double><<<blocks_for(n), THREADS, 0, s>>>(op, (const double *)in, (double *)out, n,
								      (double)alpha);
	return cudaGetLastError();
}

extern "C" cudaError_t tfc__gpu_launch_binary(cudaStream_t s, int op, int dtype, const void *a, const void *b,
					      void *out, int rank, const int64_t *dims, const int64_t *sa,
					      const int64_t *sb, int64_t n)
{
	if (n == 0)
		return cudaSuccess;
	if (rank < 0 || rank > TFC_GPU_MAX_RANK)
		return cudaErrorInvalidValue;
	struct strides st;
	st.rank = rank;
	for (int d = 0; d < rank; d++) {
		st.dims[d] = dims[d];
		st.sa[d] = sa[d];
		st.sb[d] = sb[d];
	}
	if ((dtype == 2) != (op == B_LOGICAL_AND || op == B_LOGICAL_OR))
		return cudaErrorInvalidValue;
	if (dtype == 2)
		logical_binary_kernel<<<blocks_for(n), THREADS, 0, s>>>(op, (const uint8_t *)a, (const uint8_t *)b,
									 (uint8_t *)out, st, n);
	else if (dtype == 0)
		binary_kernel<float><<<blocks_for(n), THREADS, 0, s>>>(op, (const float *)a, (const float *)b,
								      (float *)out, st, n);
	else
		binary_kernel<double><<<blocks_for(n), THREADS, 0, s>>>(op, (const double *)a, (const double *)b,
								       (double *)out, st, n);
	return cudaGetLastError();
}

/* ---- reductions: one block per output element; its threads stride over the
 * reduced elements and combine in shared memory. */

struct rshape {
	int n_kept, n_red;
	int64_t kept_dims[TFC_GPU_MAX_RANK], kept_str[TFC_GPU_MAX_RANK];
	int64_t red_dims[TFC_GPU_MAX_RANK], red_str[TFC_GPU_MAX_RANK];
	int64_t n_reduced;
};

/* Accumulated in double for float too, as the CPU kernel and the host twin do. Max
 * and Min let NaN win whatever its position (a or b), so the tree's order cannot
 * change the result. */
__device__ double rinit(int op)
{
	switch (op) {
	case R_MAX: return -INFINITY;
	case R_MIN: return INFINITY;
	case R_PROD: return 1;
	}
	return 0;
}

__device__ double rcombine(int op, double a, double b)
{
	switch (op) {
	case R_MAX: return a > b || isnan(a) ? a : b;
	case R_MIN: return a < b || isnan(a) ? a : b;
	case R_PROD: return a * b;
	}
	return a + b;
}

template <typename T> __global__ void reduce_kernel(int op, const T *in, T *out, struct rshape r)
{
	__shared__ double part[THREADS];
	int64_t o = blockIdx.x, base = 0;
	for (int d = r.n_kept - 1; d >= 0; d--) {
		base += (o % r.kept_dims[d]) * r.kept_str[d];
		o /= r.kept_dims[d];
	}
	double acc = rinit(op);
	for (int64_t j = threadIdx.x; j < r.n_reduced; j += blockDim.x) {
		int64_t rest = j, off = base;
		for (int d = r.n_red - 1; d >= 0; d--) {
			off += (rest % r.red_dims[d]) * r.red_str[d];
			rest /= r.red_dims[d];
		}
		acc = rcombine(op, acc, (double)in[off]);
	}
	part[threadIdx.x] = acc;
	__syncthreads();
	for (int w = blockDim.x / 2; w > 0; w /= 2) {
		if (threadIdx.x < w)
			part[threadIdx.x] = rcombine(op, part[threadIdx.x], part[threadIdx.x + w]);
		__syncthreads();
	}
	if (threadIdx.x == 0)
		out[blockIdx.x] = (T)(op == R_MEAN ? part[0] / (double)r.n_reduced : part[0]);
}

extern "C" cudaError_t tfc__gpu_launch_reduce(cudaStream_t s, int op, int dtype, const void *in, void *out,
					      int rank, const int64_t *dims, const bool *reduced)
{
	if (rank < 0 || rank > TFC_GPU_MAX_RANK)
		return cudaErrorInvalidValue;
	struct rshape r = {0, 0, {0}, {0}, {0}, {0}, 1};
	int64_t stride = 1, str[TFC_GPU_MAX_RANK], n_out = 1;
	for (int d = rank - 1; d >= 0; d--) {
		str[d] = stride;
		stride *= dims[d];
	}
	for (int d = 0; d < rank; d++) {
		if (reduced[d]) {
			r.red_dims[r.n_red] = dims[d];
			r.red_str[r.n_red++] = str[d];
			r.n_reduced *= dims[d];
		} else {
			r.kept_dims[r.n_kept] = dims[d];
			r.kept_str[r.n_kept++] = str[d];
			n_out *= dims[d];
		}
	}
	if (n_out == 0)
		return cudaSuccess;
	if (n_out > 2147483647)
		return cudaErrorInvalidValue;
	if (dtype == 0)
		reduce_kernel<float><<<(unsigned)n_out, THREADS, 0, s>>>(op, (const float *)in, (float *)out, r);
	else
		reduce_kernel<double><<<(unsigned)n_out, THREADS, 0, s>>>(op, (const double *)in, (double *)out, r);
	return cudaGetLastError();
}

/* ---- softmax: one block per row */

template <typename T> __global__ void softmax_kernel(const T *in, T *out, int64_t cols, bool log_sm)
{
	__shared__ T part[THREADS];
	const T *x = in + blockIdx.x * cols;
	T *y = out + blockIdx.x * cols;
	T m = -INFINITY;
	for (int64_t j = threadIdx.x; j < cols; j += blockDim.x)
		m = x[j] > m ? x[j] : m;
	part[threadIdx.x] = m;
	__syncthreads();
	for (int w = blockDim.x / 2; w > 0; w /= 2) {
		if (threadIdx.x < w && part[threadIdx.x + w] > part[threadIdx.x])
			part[threadIdx.x] = part[threadIdx.x + w];
		__syncthreads();
	}
	m = part[0];
	__syncthreads();
	T sum = 0;
	for (int64_t j = threadIdx.x; j < cols; j += blockDim.x)
		sum += exp(x[j] - m);
	part[threadIdx.x] = sum;
	__syncthreads();
	for (int w = blockDim.x / 2; w > 0; w /= 2) {
		if (threadIdx.x < w)
			part[threadIdx.x] += part[threadIdx.x + w];
		__syncthreads();
	}
	sum = part[0];
	for (int64_t j = threadIdx.x; j < cols; j += blockDim.x)
		y[j] = log_sm ? x[j] - m - log(sum) : exp(x[j] - m) / sum;
}

extern "C" cudaError_t tfc__gpu_launch_softmax(cudaStream_t s, int dtype, const void *in, void *out,
					       int64_t rows, int64_t cols, bool log_softmax)
{
	if (rows == 0 || cols == 0)
		return cudaSuccess;
	if (rows > 2147483647)
		return cudaErrorInvalidValue;
	if (dtype == 0)
		softmax_kernel<float><<<(unsigned)rows, THREADS, 0, s>>>((const float *)in, (float *)out, cols,
									log_softmax);
	else
		softmax_kernel<double><<<(unsigned)rows, THREADS, 0, s>>>((const double *)in, (double *)out, cols,
									 log_softmax);
	return cudaGetLastError();
}

/* ---- BiasAdd */

template <typename T>
__global__ void bias_add_kernel(const T *x, const T *bias, T *out, int64_t n, int64_t channels, int64_t inner)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x)
		out[i] = x[i] + bias[(i / inner) % channels];
}

extern "C" cudaError_t tfc__gpu_launch_bias_add(cudaStream_t s, int dtype, const void *x, const void *bias,
						void *out, int64_t n, int64_t channels, int64_t inner)
{
	if (n == 0)
		return cudaSuccess;
	if (dtype == 0)
		bias_add_kernel<float><<<blocks_for(n), THREADS, 0, s>>>((const float *)x, (const float *)bias,
									(float *)out, n, channels, inner);
	else
		bias_add_kernel<double><<<blocks_for(n), THREADS, 0, s>>>((const double *)x, (const double *)bias,
									 (double *)out, n, channels, inner);
	return cudaGetLastError();
}
