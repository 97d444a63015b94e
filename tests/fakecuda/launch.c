/*
 * launch.c: host twins of the launchers of cuda/'s .cu files (declared in
 * cuda/gpu_internal.h), for the fake CUDA runtime (fake.h): element-wise unary ops,
 * broadcasting binaries and the activations' gradients, reductions, softmax and
 * log-softmax, BiasAdd, the windowed 4-D copy and the softmax cross entropy. Each
 * checks its stream and that every device range it reads or writes lies inside a
 * live block, then computes at once on the host. Written from the contracts in
 * gpu_internal.h and the formulas of the .cu files (Selu's constants, Relu6's clamp,
 * Softplus' guard, the gradient ops' input orders); element types 0 float, 1 double
 * (and 2 bool for the logical ops), computed in double and stored in the element type.
 */
#include <math.h>
#include <stdint.h>

#include "fake.h"
#include "gpu_internal.h"

#define SELU_SCALE 1.0507009873554804934193349852946
#define SELU_SCALE_ALPHA 1.7580993408473768599402175208123

static size_t esize(int dtype, const char *what)
{
	if (dtype != 0 && dtype != 1)
		tfc_fake_die("%s: element type %d is neither 0 (float) nor 1 (double)", what, dtype);
	return dtype ? sizeof(double) : sizeof(float);
}

/* Element types 0 float, 1 double, and 2 bool (the logical ops: one byte, 0 or 1). */
static double ld(const void *p, int dtype, int64_t i)
{
	if (dtype == 2)
		return ((const uint8_t *)p)[i] != 0;
	return dtype ? ((const double *)p)[i] : (double)((const float *)p)[i];
}

static void st(void *p, int dtype, int64_t i, double v)
{
	if (dtype == 2)
		((uint8_t *)p)[i] = v != 0;
	else if (dtype)
		((double *)p)[i] = v;
	else
		((float *)p)[i] = (float)v;
}

/* The host view of n elements of device memory at d (none: d unchecked, NULL). */
static void *dev(const void *d, int64_t n, int dtype, const char *what)
{
	return n > 0 ? tfc_fake_dev(d, (size_t)n * esize(dtype, what), what) : NULL;
}

/* The element-wise launchers' operand: as dev(), bool (element type 2) allowed. */
static void *dev_cwise(const void *d, int64_t n, int dtype, const char *what)
{
	if (dtype != 2)
		return dev(d, n, dtype, what);
	return n > 0 ? tfc_fake_dev(d, (size_t)n, what) : NULL;
}

static bool logical_op(bool unary_op, int op)
{
	return unary_op ? op == TFC_GU_LOGICAL_NOT : op == TFC_GB_LOGICAL_AND || op == TFC_GB_LOGICAL_OR;
}

/* TensorFlow's FloorMod of floats. */
static double floor_mod(double a, double b)
{
	double r = fmod(a, b);
	return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
}

static double unary(int op, double x, double alpha)
{
	switch (op) {
	case TFC_GU_NEG: return -x;
	case TFC_GU_ABS: return fabs(x);
	case TFC_GU_SQUARE: return x * x;
	case TFC_GU_SQRT: return sqrt(x);
	case TFC_GU_RSQRT: return 1 / sqrt(x);
	case TFC_GU_EXP: return exp(x);
	case TFC_GU_LOG: return log(x);
	case TFC_GU_TANH: return tanh(x);
	case TFC_GU_SIGMOID: return 1 / (1 + exp(-x));
	case TFC_GU_RELU: return x < 0 ? 0 : x;
	case TFC_GU_RELU6: return x < 0 ? 0 : x > 6 ? 6 : x;
	case TFC_GU_ELU: return x < 0 ? expm1(x) : x;
	case TFC_GU_SELU: return x < 0 ? SELU_SCALE_ALPHA * expm1(x) : SELU_SCALE * x;
	case TFC_GU_SOFTPLUS: return x > 20 ? x : x < -20 ? exp(x) : log1p(exp(x));
	case TFC_GU_LEAKY_RELU: return x < 0 ? alpha * x : x;
	case TFC_GU_RECIPROCAL: return 1 / x;
	case TFC_GU_LOG1P: return log1p(x);
	case TFC_GU_EXPM1: return expm1(x);
	case TFC_GU_FLOOR: return floor(x);
	case TFC_GU_CEIL: return ceil(x);
	case TFC_GU_ROUND: return nearbyint(x);
	case TFC_GU_SIGN: return x > 0 ? 1 : x < 0 ? -1 : x;
	case TFC_GU_SIN: return sin(x);
	case TFC_GU_COS: return cos(x);
	case TFC_GU_LOGICAL_NOT: return x == 0;
	}
	tfc_fake_die("tfc__gpu_launch_unary: unknown op %d", op);
}

cudaError_t tfc__gpu_launch_unary(cudaStream_t s, int op, int dtype, const void *in, void *out, int64_t n,
				  float alpha)
{
	tfc_fake_check_stream(s, "tfc__gpu_launch_unary");
	if (op < 0 || op >= TFC_GU_COUNT)
		tfc_fake_die("tfc__gpu_launch_unary: unknown op %d", op);
	if ((dtype == 2) != logical_op(true, op))
		tfc_fake_die("tfc__gpu_launch_unary: op %d of element type %d", op, dtype);
	const void *x = dev_cwise(in, n, dtype, "tfc__gpu_launch_unary in");
	void *y = dev_cwise(out, n, dtype, "tfc__gpu_launch_unary out");
	/* the device code converts alpha to the element type */
	double a = dtype ? (double)alpha : (double)(float)alpha;
	for (int64_t i = 0; i < n; i++)
		st(y, dtype, i, unary(op, ld(x, dtype, i), a));
	return cudaSuccess;
}

/* f(a, b); a gradient op's inputs in TensorFlow's order: (gradients, features or
 * outputs) for the Relu family, (y, dy) for the others. */
static double binary(int op, double a, double b)
{
	switch (op) {
	case TFC_GB_ADD: return a + b;
	case TFC_GB_SUB: return a - b;
	case TFC_GB_MUL: return a * b;
	case TFC_GB_DIV: return a / b;
	case TFC_GB_MAX: return a > b ? a : b;
	case TFC_GB_MIN: return a < b ? a : b;
	case TFC_GB_SQUARED_DIFF: return (a - b) * (a - b);
	case TFC_GB_RELU_GRAD: return b > 0 ? a : 0;
	case TFC_GB_RELU6_GRAD: return b > 0 && b < 6 ? a : 0;
	case TFC_GB_ELU_GRAD: return b < 0 ? a * (b + 1) : a;
	case TFC_GB_SELU_GRAD: return b < 0 ? a * (b + SELU_SCALE_ALPHA) : a * SELU_SCALE;
	case TFC_GB_SOFTPLUS_GRAD: return a / (1 + exp(-b));
	case TFC_GB_SIGMOID_GRAD: return b * a * (1 - a);
	case TFC_GB_TANH_GRAD: return b * (1 - a * a);
	case TFC_GB_SQRT_GRAD: return b * 0.5 / a;
	case TFC_GB_RSQRT_GRAD: return b * -0.5 * a * a * a;
	case TFC_GB_RECIPROCAL_GRAD: return -b * a * a;
	case TFC_GB_POW: return pow(a, b);
	case TFC_GB_FLOOR_DIV: return floor(a / b);
	case TFC_GB_FLOOR_MOD: return floor_mod(a, b);
	case TFC_GB_LOGICAL_AND: return a != 0 && b != 0;
	case TFC_GB_LOGICAL_OR: return a != 0 || b != 0;
	}
	tfc_fake_die("tfc__gpu_launch_binary: unknown op %d", op);
}

/* Elements an operand read through strides str over dims spans: 1 + the largest
 * offset (strides are never negative here). */
static int64_t strided_span(int rank, const int64_t *dims, const int64_t *str, const char *what)
{
	int64_t last = 0;
	for (int d = 0; d < rank; d++) {
		if (str[d] < 0)
			tfc_fake_die("%s: negative stride %lld in dim %d", what, (long long)str[d], d);
		if (dims[d] == 0)
			return 0;
		last += (dims[d] - 1) * str[d];
	}
	return last + 1;
}

cudaError_t tfc__gpu_launch_binary(cudaStream_t s, int op, int dtype, const void *a, const void *b, void *out,
				   int rank, const int64_t *dims, const int64_t *sa, const int64_t *sb, int64_t n)
{
	tfc_fake_check_stream(s, "tfc__gpu_launch_binary");
	if (op < 0 || op >= TFC_GB_COUNT)
		tfc_fake_die("tfc__gpu_launch_binary: unknown op %d", op);
	if ((dtype == 2) != logical_op(false, op))
		tfc_fake_die("tfc__gpu_launch_binary: op %d of element type %d", op, dtype);
	if (n == 0)
		return cudaSuccess;
	if (rank < 0 || rank > TFC_GPU_MAX_RANK)
		tfc_fake_die("tfc__gpu_launch_binary: rank %d", rank);
	int64_t total = 1;
	for (int d = 0; d < rank; d++)
		total *= dims[d];
	if (total != n)
		tfc_fake_die("tfc__gpu_launch_binary: n %lld is not the product of dims (%lld)", (long long)n,
			     (long long)total);
	const void *ha = dev_cwise(a, strided_span(rank, dims, sa, "binary a"), dtype, "tfc__gpu_launch_binary a");
	const void *hb = dev_cwise(b, strided_span(rank, dims, sb, "binary b"), dtype, "tfc__gpu_launch_binary b");
	void *hy = dev_cwise(out, n, dtype, "tfc__gpu_launch_binary out");
	for (int64_t i = 0; i < n; i++) {
		int64_t rest = i, oa = 0, ob = 0;
		for (int d = rank - 1; d >= 0; d--) {
			int64_t k = rest % dims[d];
			rest /= dims[d];
			oa += k * sa[d];
			ob += k * sb[d];
		}
		double x = ld(ha, dtype, oa), y = ld(hb, dtype, ob);
		/* FloorDiv of floats divides in float before the floor, as the device and the
		 * CPU do (a quotient rounded up to an integer floors to it) */
		if (op == TFC_GB_FLOOR_DIV && dtype == 0)
			st(hy, dtype, i, floorf((float)x / (float)y));
		else
			st(hy, dtype, i, binary(op, x, y));
	}
	return cudaSuccess;
}

cudaError_t tfc__gpu_launch_reduce(cudaStream_t s, int op, int dtype, const void *in, void *out, int rank,
				   const int64_t *dims, const bool *reduced)
{
	tfc_fake_check_stream(s, "tfc__gpu_launch_reduce");
	if (op < 0 || op >= TFC_GR_COUNT)
		tfc_fake_die("tfc__gpu_launch_reduce: unknown op %d", op);
	if (rank < 1 || rank > TFC_GPU_MAX_RANK)
		tfc_fake_die("tfc__gpu_launch_reduce: rank %d", rank);
	int64_t str[TFC_GPU_MAX_RANK], n_in = 1, n_out = 1, n_red = 1;
	for (int d = rank - 1; d >= 0; d--) {
		str[d] = n_in;
		n_in *= dims[d];
		if (reduced[d])
			n_red *= dims[d];
		else
			n_out *= dims[d];
	}
	if (n_out == 0)
		return cudaSuccess;
	const void *x = dev(in, n_in, dtype, "tfc__gpu_launch_reduce in");
	void *y = dev(out, n_out, dtype, "tfc__gpu_launch_reduce out");
	for (int64_t o = 0; o < n_out; o++) {
		/* the kept dims' index of output o, then every reduced combination */
		int64_t base = 0, rest = o;
		for (int d = rank - 1; d >= 0; d--) {
			if (reduced[d])
				continue;
			base += (rest % dims[d]) * str[d];
			rest /= dims[d];
		}
		double acc = op == TFC_GR_MAX ? -INFINITY : op == TFC_GR_MIN ? INFINITY : op == TFC_GR_PROD ? 1 : 0;
		for (int64_t j = 0; j < n_red; j++) {
			int64_t off = base, r = j;
			for (int d = rank - 1; d >= 0; d--) {
				if (!reduced[d])
					continue;
				off += (r % dims[d]) * str[d];
				r /= dims[d];
			}
			double v = ld(x, dtype, off);
			switch (op) {
			/* NaN wins, wherever it lies (the device's tree combines in any order) */
			case TFC_GR_MAX: acc = acc > v || isnan(acc) ? acc : v; break;
			case TFC_GR_MIN: acc = acc < v || isnan(acc) ? acc : v; break;
			case TFC_GR_PROD: acc *= v; break;
			default: acc += v; break;
			}
		}
		st(y, dtype, o, op == TFC_GR_MEAN ? acc / (double)n_red : acc);
	}
	return cudaSuccess;
}

cudaError_t tfc__gpu_launch_softmax(cudaStream_t s, int dtype, const void *in, void *out, int64_t rows,
				    int64_t cols, bool log_softmax)
{
	tfc_fake_check_stream(s, "tfc__gpu_launch_softmax");
	if (rows == 0 || cols == 0)
		return cudaSuccess;
	const void *x = dev(in, rows * cols, dtype, "tfc__gpu_launch_softmax in");
	void *y = dev(out, rows * cols, dtype, "tfc__gpu_launch_softmax out");
	for (int64_t r = 0; r < rows; r++) {
		int64_t o = r * cols;
		double m = -INFINITY, sum = 0;
		for (int64_t j = 0; j < cols; j++)
			m = fmax(m, ld(x, dtype, o + j));
		for (int64_t j = 0; j < cols; j++)
			sum += exp(ld(x, dtype, o + j) - m);
		for (int64_t j = 0; j < cols; j++) {
			double z = ld(x, dtype, o + j) - m;
			st(y, dtype, o + j, log_softmax ? z - log(sum) : exp(z) / sum);
		}
	}
	return cudaSuccess;
}

cudaError_t tfc__gpu_launch_bias_add(cudaStream_t s, int dtype, const void *x, const void *bias, void *out,
				     int64_t n, int64_t channels, int64_t inner)
{
	tfc_fake_check_stream(s, "tfc__gpu_launch_bias_add");
	if (n == 0)
		return cudaSuccess;
	if (channels <= 0 || inner <= 0)
		tfc_fake_die("tfc__gpu_launch_bias_add: channels %lld, inner %lld", (long long)channels,
			     (long long)inner);
	const void *hx = dev(x, n, dtype, "tfc__gpu_launch_bias_add x");
	const void *hb = dev(bias, channels, dtype, "tfc__gpu_launch_bias_add bias");
	void *hy = dev(out, n, dtype, "tfc__gpu_launch_bias_add out");
	for (int64_t i = 0; i < n; i++)
		st(hy, dtype, i, ld(hx, dtype, i) + ld(hb, dtype, (i / inner) % channels));
	return cudaSuccess;
}

cudaError_t tfc__gpu_launch_copy4(cudaStream_t s, int dtype, const void *in, void *out, const int64_t dims[4],
				  const int64_t in_str[4], const int64_t out_str[4], int64_t in_h, int64_t in_w,
				  int64_t off2, int64_t off3)
{
	tfc_fake_check_stream(s, "tfc__gpu_launch_copy4");
	int64_t n = dims[0] * dims[1] * dims[2] * dims[3];
	if (n == 0)
		return cudaSuccess;
	/* what is read: dims 0 and 1 whole, dims 2 and 3 only where the window meets
	 * [0, in_h) x [0, in_w) */
	int64_t h0 = off2 > 0 ? off2 : 0, h1 = dims[2] + off2 < in_h ? dims[2] + off2 : in_h;
	int64_t w0 = off3 > 0 ? off3 : 0, w1 = dims[3] + off3 < in_w ? dims[3] + off3 : in_w;
	const char *hin = NULL;
	size_t es = esize(dtype, "tfc__gpu_launch_copy4");
	if (h1 > h0 && w1 > w0) {
		int64_t rd4[4] = {dims[0], dims[1], h1 - h0, w1 - w0};
		int64_t first = h0 * in_str[2] + w0 * in_str[3];
		int64_t extent = first + strided_span(4, rd4, in_str, "copy4 in");
		hin = (const char *)tfc_fake_dev(in, (size_t)extent * es, "tfc__gpu_launch_copy4 in");
	}
	void *hout = dev(out, strided_span(4, dims, out_str, "copy4 out"), dtype, "tfc__gpu_launch_copy4 out");
	for (int64_t i0 = 0; i0 < dims[0]; i0++)
		for (int64_t i1 = 0; i1 < dims[1]; i1++)
			for (int64_t i2 = 0; i2 < dims[2]; i2++)
				for (int64_t i3 = 0; i3 < dims[3]; i3++) {
					int64_t h = i2 + off2, w = i3 + off3;
					double v = 0;
					if (hin && h >= 0 && h < in_h && w >= 0 && w < in_w)
						v = ld(hin, dtype,
						       i0 * in_str[0] + i1 * in_str[1] + h * in_str[2] + w * in_str[3]);
					st(hout, dtype,
					   i0 * out_str[0] + i1 * out_str[1] + i2 * out_str[2] + i3 * out_str[3], v);
				}
	return cudaSuccess;
}

cudaError_t tfc__gpu_launch_xent(cudaStream_t s, int dtype, const void *logits, const void *labels,
				 int label_bytes, void *loss, void *backprop, int64_t rows, int64_t cols)
{
	tfc_fake_check_stream(s, "tfc__gpu_launch_xent");
	if (rows == 0 || cols == 0)
		return cudaSuccess;
	if (label_bytes != 0 && label_bytes != 4 && label_bytes != 8)
		tfc_fake_die("tfc__gpu_launch_xent: label_bytes %d", label_bytes);
	const void *x = dev(logits, rows * cols, dtype, "tfc__gpu_launch_xent logits");
	const void *lab = label_bytes ? tfc_fake_dev(labels, (size_t)rows * (size_t)label_bytes,
						     "tfc__gpu_launch_xent labels")
				      : dev(labels, rows * cols, dtype, "tfc__gpu_launch_xent labels");
	void *hl = dev(loss, rows, dtype, "tfc__gpu_launch_xent loss");
	void *hb = dev(backprop, rows * cols, dtype, "tfc__gpu_launch_xent backprop");
	for (int64_t r = 0; r < rows; r++) {
		int64_t o = r * cols, cls = -1;
		if (label_bytes == 4)
			cls = ((const int32_t *)lab)[r];
		else if (label_bytes == 8)
			cls = ((const int64_t *)lab)[r];
		double m = -INFINITY, sum = 0, l = 0;
		for (int64_t j = 0; j < cols; j++)
			m = fmax(m, ld(x, dtype, o + j));
		for (int64_t j = 0; j < cols; j++)
			sum += exp(ld(x, dtype, o + j) - m);
		double lse = log(sum);
		for (int64_t j = 0; j < cols; j++) {
			double z = ld(x, dtype, o + j) - m;
			double y = label_bytes ? (cls == j ? 1.0 : 0.0) : ld(lab, dtype, o + j);
			if (y != 0)
				l += y * (lse - z);
			st(hb, dtype, o + j, exp(z) / sum - y);
		}
		st(hl, dtype, r, l);
	}
	return cudaSuccess;
}
