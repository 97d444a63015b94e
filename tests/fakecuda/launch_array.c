/*
 * launch_array.c: host twins of the launchers of cuda/array_kernels.cu (declared in
 * cuda/array_launch.h) for the fake CUDA runtime of tests/fakecuda: the strided copy,
 * the fill, the casts, the broadcasting comparisons and select, ArgMax/ArgMin. Each
 * has the launcher's name and signature, checks its stream, turns every device range
 * it reads or writes into host memory with tfc_fake_dev (which aborts for a range
 * outside a live allocation: the whole extent a strided operand spans is checked,
 * negative strides included) and computes at once, as the device code does.
 */
#include <math.h>
#include <string.h>

#include "array_launch.h"
#include "fake.h"

static size_t elem_size(int elem, const char *what)
{
	switch (elem) {
	case TFC_GE_FLOAT: return sizeof(float);
	case TFC_GE_DOUBLE: return sizeof(double);
	case TFC_GE_INT32: return sizeof(int32_t);
	case TFC_GE_INT64: return sizeof(int64_t);
	case TFC_GE_BOOL: return 1;
	}
	tfc_fake_die("%s: unknown element type %d", what, elem);
}

static void check_esize(int esize, const char *what)
{
	if (esize != 1 && esize != 2 && esize != 4 && esize != 8)
		tfc_fake_die("%s: element size %d", what, esize);
}

/* The host address of the operand whose first element is at device address d and
 * whose elements lie at offsets sum i_k * str[k] (i_k < dims[k]) of esize bytes:
 * the whole span, lowest to highest offset, is range-checked. */
static char *strided(const void *d, size_t esize, int rank, const int64_t *dims, const int64_t *str,
		     const char *what)
{
	int64_t lo = 0, hi = 0;
	for (int k = 0; k < rank; k++) {
		int64_t reach = (dims[k] - 1) * str[k];
		if (reach < 0)
			lo += reach;
		else
			hi += reach;
	}
	const char *base = (const char *)d + lo * (int64_t)esize;
	char *h = tfc_fake_dev(base, (size_t)(hi - lo + 1) * esize, what);
	return h - lo * (int64_t)esize;
}

/* The operands' offsets of element i over rank dims. */
static void offsets(int64_t i, int rank, const int64_t *dims, const int64_t *const *str, int nops, int64_t *off)
{
	for (int k = 0; k < nops; k++)
		off[k] = 0;
	for (int d = rank - 1; d >= 0; d--) {
		int64_t c = i % dims[d];
		i /= dims[d];
		for (int k = 0; k < nops; k++)
			off[k] += c * str[k][d];
	}
}

cudaError_t tfc__gpu_launch_copy_strided(cudaStream_t s, int esize, void *dst, const void *src,
					 const struct tfc__gpu_copy_geom *g, int64_t n)
{
	tfc_fake_check_stream(s, "tfc__gpu_launch_copy_strided");
	check_esize(esize, "tfc__gpu_launch_copy_strided");
	if (g->rank < 0 || g->rank > TFC_GPU_COPY_MAX_RANK)
		tfc_fake_die("tfc__gpu_launch_copy_strided: rank %d", g->rank);
	int64_t count = 1;
	for (int k = 0; k < g->rank; k++)
		count *= g->dims[k];
	if (count != n)
		tfc_fake_die("tfc__gpu_launch_copy_strided: n %lld is not the product of the dims (%lld)",
			     (long long)n, (long long)count);
	if (n == 0)
		return cudaSuccess;
	char *o = strided(dst, (size_t)esize, g->rank, g->dims, g->dstr, "tfc__gpu_launch_copy_strided dst");
	const char *x = strided(src, (size_t)esize, g->rank, g->dims, g->sstr, "tfc__gpu_launch_copy_strided src");
	const int64_t *str[2] = {g->dstr, g->sstr};
	for (int64_t i = 0; i < n; i++) {
		int64_t off[2];
		offsets(i, g->rank, g->dims, str, 2, off);
		memcpy(o + off[0] * esize, x + off[1] * esize, (size_t)esize);
	}
	return cudaSuccess;
}

cudaError_t tfc__gpu_launch_fill(cudaStream_t s, int esize, void *dst, int64_t n, uint64_t value)
{
	tfc_fake_check_stream(s, "tfc__gpu_launch_fill");
	check_esize(esize, "tfc__gpu_launch_fill");
	if (n == 0)
		return cudaSuccess;
	char *o = tfc_fake_dev(dst, (size_t)n * (size_t)esize, "tfc__gpu_launch_fill dst");
	for (int64_t i = 0; i < n; i++)
		memcpy(o + i * esize, &value, (size_t)esize); /* the low bytes (little-endian) */
	return cudaSuccess;
}

/* The CPU Cast's float to integer: truncation, saturation to int64, NaN as 0. */
static int64_t float_to_int(double x)
{
	if (isnan(x))
		return 0;
	if (x >= 9223372036854775807.0)
		return INT64_MAX;
	if (x <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)x;
}

static double load_f(const void *p, int t, int64_t i)
{
	switch (t) {
	case TFC_GE_FLOAT: return ((const float *)p)[i];
	case TFC_GE_DOUBLE: return ((const double *)p)[i];
	case TFC_GE_INT32: return ((const int32_t *)p)[i];
	case TFC_GE_INT64: return (double)((const int64_t *)p)[i];
	default: return ((const uint8_t *)p)[i] != 0;
	}
}

static int64_t load_i(const void *p, int t, int64_t i)
{
	switch (t) {
	case TFC_GE_INT32: return ((const int32_t *)p)[i];
	case TFC_GE_INT64: return ((const int64_t *)p)[i];
	default: return ((const uint8_t *)p)[i] != 0;
	}
}

cudaError_t tfc__gpu_launch_cast(cudaStream_t s, int src, int dst, const void *in, void *out, int64_t n)
{
	tfc_fake_check_stream(s, "tfc__gpu_launch_cast");
	size_t si = elem_size(src, "tfc__gpu_launch_cast"), so = elem_size(dst, "tfc__gpu_launch_cast");
	if (n == 0)
		return cudaSuccess;
	const void *x = tfc_fake_dev(in, (size_t)n * si, "tfc__gpu_launch_cast in");
	void *y = tfc_fake_dev(out, (size_t)n * so, "tfc__gpu_launch_cast out");
	bool fl = src == TFC_GE_FLOAT || src == TFC_GE_DOUBLE;
	for (int64_t i = 0; i < n; i++) {
		if (src == TFC_GE_DOUBLE && dst == TFC_GE_FLOAT) {
			((float *)y)[i] = (float)((const double *)x)[i];
			continue;
		}
		double f = fl ? load_f(x, src, i) : 0;
		int64_t v = fl ? float_to_int(f) : load_i(x, src, i);
		switch (dst) {
		case TFC_GE_FLOAT: ((float *)y)[i] = fl ? (float)f : (float)v; break;
		case TFC_GE_DOUBLE: ((double *)y)[i] = fl ? f : (double)v; break;
		case TFC_GE_BOOL: ((uint8_t *)y)[i] = fl ? f != 0 : v != 0; break;
		case TFC_GE_INT32: ((int32_t *)y)[i] = (int32_t)(uint32_t)(uint64_t)v; break;
		default: ((int64_t *)y)[i] = v; break;
		}
	}
	return cudaSuccess;
}

static bool compare(int op, double x, double y)
{
	switch (op) {
	case TFC_GC_EQUAL: return x == y;
	case TFC_GC_NOT_EQUAL: return x != y;
	case TFC_GC_LESS: return x < y;
	case TFC_GC_LESS_EQUAL: return x <= y;
	case TFC_GC_GREATER: return x > y;
	case TFC_GC_GREATER_EQUAL: return x >= y;
	}
	tfc_fake_die("tfc__gpu_launch_compare: unknown op %d", op);
}

static bool compare_i(int op, int64_t x, int64_t y)
{
	switch (op) {
	case TFC_GC_EQUAL: return x == y;
	case TFC_GC_NOT_EQUAL: return x != y;
	case TFC_GC_LESS: return x < y;
	case TFC_GC_LESS_EQUAL: return x <= y;
	case TFC_GC_GREATER: return x > y;
	default: return x >= y;
	}
}

cudaError_t tfc__gpu_launch_compare(cudaStream_t s, int op, int elem, const void *a, const void *b, uint8_t *out,
				    int rank, const int64_t *dims, const int64_t *sa, const int64_t *sb, int64_t n)
{
	tfc_fake_check_stream(s, "tfc__gpu_launch_compare");
	size_t esz = elem_size(elem, "tfc__gpu_launch_compare");
	if (rank < 0 || rank > 8)
		tfc_fake_die("tfc__gpu_launch_compare: rank %d", rank);
	if (n == 0)
		return cudaSuccess;
	const char *x = strided(a, esz, rank, dims, sa, "tfc__gpu_launch_compare a");
	const char *y = strided(b, esz, rank, dims, sb, "tfc__gpu_launch_compare b");
	uint8_t *o = tfc_fake_dev(out, (size_t)n, "tfc__gpu_launch_compare out");
	const int64_t *str[2] = {sa, sb};
	bool fl = elem == TFC_GE_FLOAT || elem == TFC_GE_DOUBLE;
	for (int64_t i = 0; i < n; i++) {
		int64_t off[2];
		offsets(i, rank, dims, str, 2, off);
		o[i] = fl ? compare(op, load_f(x, elem, off[0]), load_f(y, elem, off[1]))
			  : compare_i(op, load_i(x, elem, off[0]), load_i(y, elem, off[1]));
	}
	return cudaSuccess;
}

cudaError_t tfc__gpu_launch_select(cudaStream_t s, int esize, const uint8_t *cond, const void *t, const void *e,
				   void *out, int rank, const int64_t *dims, const int64_t *sc, const int64_t *st,
				   const int64_t *se, int64_t n)
{
	tfc_fake_check_stream(s, "tfc__gpu_launch_select");
	check_esize(esize, "tfc__gpu_launch_select");
	if (rank < 0 || rank > 8)
		tfc_fake_die("tfc__gpu_launch_select: rank %d", rank);
	if (n == 0)
		return cudaSuccess;
	const char *c = strided(cond, 1, rank, dims, sc, "tfc__gpu_launch_select cond");
	const char *x = strided(t, (size_t)esize, rank, dims, st, "tfc__gpu_launch_select t");
	const char *y = strided(e, (size_t)esize, rank, dims, se, "tfc__gpu_launch_select e");
	char *o = tfc_fake_dev(out, (size_t)n * (size_t)esize, "tfc__gpu_launch_select out");
	const int64_t *str[3] = {sc, st, se};
	for (int64_t i = 0; i < n; i++) {
		int64_t off[3];
		offsets(i, rank, dims, str, 3, off);
		memcpy(o + i * esize, c[off[0]] ? x + off[1] * esize : y + off[2] * esize, (size_t)esize);
	}
	return cudaSuccess;
}

cudaError_t tfc__gpu_launch_argminmax(cudaStream_t s, int max, int elem, int out64, const void *in, void *out,
				      int64_t outer, int64_t n, int64_t inner)
{
	tfc_fake_check_stream(s, "tfc__gpu_launch_argminmax");
	size_t esz = elem_size(elem, "tfc__gpu_launch_argminmax");
	if (elem == TFC_GE_BOOL || n < 1)
		tfc_fake_die("tfc__gpu_launch_argminmax: element type %d, n %lld", elem, (long long)n);
	if (outer * inner == 0)
		return cudaSuccess;
	const char *x = tfc_fake_dev(in, (size_t)(outer * n * inner) * esz, "tfc__gpu_launch_argminmax in");
	void *y = tfc_fake_dev(out, (size_t)(outer * inner) * (out64 ? 8 : 4), "tfc__gpu_launch_argminmax out");
	bool fl = elem == TFC_GE_FLOAT || elem == TFC_GE_DOUBLE;
	for (int64_t j = 0; j < outer * inner; j++) {
		int64_t base = j / inner * n * inner + j % inner, best = 0;
		for (int64_t k = 1; k < n; k++) {
			int64_t a = base + k * inner, b = base + best * inner;
			bool better = fl ? (max ? load_f(x, elem, a) > load_f(x, elem, b)
						: load_f(x, elem, a) < load_f(x, elem, b))
					 : (max ? load_i(x, elem, a) > load_i(x, elem, b)
						: load_i(x, elem, a) < load_i(x, elem, b));
			if (better)
				best = k;
		}
		if (out64)
			((int64_t *)y)[j] = best;
		else
			((int32_t *)y)[j] = (int32_t)best;
	}
	return cudaSuccess;
}
