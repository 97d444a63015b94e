/*
 * misc_kernels.c: CPU kernels of the math and array ops that TensorFlow users meet
 * around the core library: ClipByValue, Cumsum and Cumprod (exclusive, reverse),
 * ReverseV2, ReverseSequence, MirrorPad (REFLECT, SYMMETRIC), Where (coordinates of
 * true elements), TopKV2 (largest first, ties by lower index), InTopKV2, Unique (in
 * order of first appearance), DynamicPartition, CheckNumerics, EnsureShape, Assert,
 * and the no-ops ControlTrigger and DisableCopyOnRead. Numeric kernels take float,
 * double, int32 and int64 (through double or int64 element access).
 */
#include <math.h>

#include "kernels.h"

static bool is_index_type(tfc_dtype t) { return t == TFC_INT32 || t == TFC_INT64; }
static bool is_num(tfc_dtype t)
{
	return t == TFC_FLOAT || t == TFC_DOUBLE || t == TFC_INT32 || t == TFC_INT64;
}

static double ldd(const tfc_tensor *t, int64_t i)
{
	const void *p = tfc_tensor_data(t);
	switch (t->dtype) {
	case TFC_FLOAT: return ((const float *)p)[i];
	case TFC_DOUBLE: return ((const double *)p)[i];
	case TFC_INT32: return ((const int32_t *)p)[i];
	case TFC_INT64: return (double)((const int64_t *)p)[i];
	case TFC_BOOL: case TFC_UINT8: return ((const uint8_t *)p)[i];
	default: return 0;
	}
}

static int64_t ldi(const tfc_tensor *t, int64_t i)
{
	if (t->dtype == TFC_INT32 || t->dtype == TFC_INT64)
		return tfc__kint(t, i);
	return (int64_t)ldd(t, i);
}

/* Stores v (double for floats, int64 for integers). */
static void std_(tfc_tensor *t, int64_t i, double d, int64_t v)
{
	void *p = tfc_tensor_data(t);
	switch (t->dtype) {
	case TFC_FLOAT: ((float *)p)[i] = (float)d; break;
	case TFC_DOUBLE: ((double *)p)[i] = d; break;
	case TFC_INT32: ((int32_t *)p)[i] = (int32_t)(uint32_t)(uint64_t)v; break;
	default: ((int64_t *)p)[i] = v; break;
	}
}

static bool is_float(tfc_dtype t) { return t == TFC_FLOAT || t == TFC_DOUBLE; }

static void *num_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (!is_num(t))
		return tfc__kernel_unsupported(op, "T", t, st);
	return NULL;
}

static void *any_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t == TFC_VARIANT)
		return tfc__kernel_unsupported(op, "T", t, st);
	return NULL;
}

/* Copies element s of src to element d of dst (same dtype; strings deep-copied). */
static void put(tfc_tensor *dst, int64_t d, const tfc_tensor *src, int64_t s)
{
	if (dst->dtype == TFC_STRING) {
		const tfc_tstring *t = tfc_tensor_string(src, s);
		tfc_tensor_set_string(dst, d, t->ptr, t->len, NULL);
		return;
	}
	size_t esz = tfc__elem_size(dst->dtype);
	memcpy((char *)tfc_tensor_data(dst) + (size_t)d * esz,
	       (const char *)tfc_tensor_data(src) + (size_t)s * esz, esz);
}

/* ---- ClipByValue */

static void clip_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 3, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *t = ctx->inputs[0], *lo = ctx->inputs[1], *hi = ctx->inputs[2];
	char b0[128], b1[128];
	for (int k = 1; k < 3; k++) {
		const tfc_tensor *m = ctx->inputs[k];
		bool same = m->shape.rank == t->shape.rank &&
			    !memcmp(m->shape.dims, t->shape.dims, sizeof(int64_t) * (size_t)t->shape.rank);
		if (m->dtype != t->dtype || (m->n_elems != 1 && !same)) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "clip_value_%s should be a scalar or have the same shape as t: "
					 "%s vs. %s",
					 k == 1 ? "min" : "max", tfc__kshape(&m->shape, b0, sizeof(b0)),
					 tfc__kshape(&t->shape, b1, sizeof(b1)));
			return;
		}
	}
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, t->dtype, t->shape.dims, t->shape.rank);
	if (!o)
		return;
	for (int64_t i = 0; i < t->n_elems; i++) {
		int64_t li = lo->n_elems == 1 ? 0 : i, hj = hi->n_elems == 1 ? 0 : i;
		if (is_float(t->dtype)) {
			double v = ldd(t, i), a = ldd(lo, li), b = ldd(hi, hj);
			v = v < a ? a : v;
			v = v > b ? b : v;
			std_(o, i, v, 0);
		} else {
			int64_t v = ldi(t, i), a = ldi(lo, li), b = ldi(hi, hj);
			v = v < a ? a : v;
			v = v > b ? b : v;
			std_(o, i, 0, v);
		}
	}
}

/* ---- Cumsum, Cumprod */

static void cumulative(struct tfc_kernel_ctx *ctx, bool prod)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0], *ax = ctx->inputs[1];
	if (!is_index_type(ax->dtype) || ax->n_elems != 1) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "axis must be a scalar");
		return;
	}
	int r = x->shape.rank, axis;
	if (!tfc__kernel_axis(ctx, tfc__kint(ax, 0), r, &axis))
		return;
	bool excl = tfc__kernel_attr_bool(ctx->op, "exclusive", false);
	bool rev = tfc__kernel_attr_bool(ctx->op, "reverse", false);
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, x->dtype, x->shape.dims, r);
	if (!o)
		return;
	int64_t n = x->shape.dims[axis], outer = 1, inner = 1;
	for (int d = 0; d < r; d++) {
		if (d < axis)
			outer *= x->shape.dims[d];
		else if (d > axis)
			inner *= x->shape.dims[d];
	}
	for (int64_t p = 0; p < outer; p++)
		for (int64_t q = 0; q < inner; q++) {
			double ad = prod ? 1 : 0;
			int64_t ai = prod ? 1 : 0;
			for (int64_t k0 = 0; k0 < n; k0++) {
				int64_t k = rev ? n - 1 - k0 : k0;
				int64_t i = (p * n + k) * inner + q;
				double vd = ldd(x, i);
				int64_t vi = ldi(x, i);
				if (!excl) {
					ad = prod ? ad * vd : ad + vd;
					ai = (int64_t)(prod ? (uint64_t)ai * (uint64_t)vi : (uint64_t)ai + (uint64_t)vi);
				}
				std_(o, i, ad, ai);
				if (excl) {
					ad = prod ? ad * vd : ad + vd;
					ai = (int64_t)(prod ? (uint64_t)ai * (uint64_t)vi : (uint64_t)ai + (uint64_t)vi);
				}
			}
		}
}

static void cumsum_compute(struct tfc_kernel_ctx *ctx) { cumulative(ctx, false); }
static void cumprod_compute(struct tfc_kernel_ctx *ctx) { cumulative(ctx, true); }

/* ---- ReverseV2, ReverseSequence */

static void reverse_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0], *ax = ctx->inputs[1];
	int r = x->shape.rank;
	if (!is_index_type(ax->dtype) || ax->shape.rank != 1) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "'axis' must be 1-D");
		return;
	}
	bool rev[TFC_MAX_RANK] = {false};
	for (int64_t i = 0; i < ax->n_elems; i++) {
		int a;
		if (!tfc__kernel_axis(ctx, tfc__kint(ax, i), r, &a))
			return;
		if (rev[a]) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "axis %d specified more than once.", a);
			return;
		}
		rev[a] = true;
	}
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, x->dtype, x->shape.dims, r);
	if (!o)
		return;
	int64_t str[TFC_MAX_RANK], sstr[TFC_MAX_RANK], off = 0;
	tfc__strides(&x->shape, str);
	for (int d = 0; d < r; d++) {
		sstr[d] = rev[d] ? -str[d] : str[d];
		if (rev[d] && x->shape.dims[d] > 0)
			off += (x->shape.dims[d] - 1) * str[d];
	}
	tfc__copy_strided(o, 0, x, off, r, x->shape.dims, str, sstr);
}

static void reverse_sequence_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0], *len = ctx->inputs[1];
	int r = x->shape.rank;
	int64_t sd = tfc__kernel_attr_int(ctx->op, "seq_dim", 0);
	int64_t bd = tfc__kernel_attr_int(ctx->op, "batch_dim", 0);
	if (sd < 0 || sd >= r || bd < 0 || bd >= r || sd == bd) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Invalid seq_dim %lld or batch_dim %lld for input of rank %d",
				 (long long)sd, (long long)bd, r);
		return;
	}
	if (!is_index_type(len->dtype) || len->shape.rank != 1 || len->n_elems != x->shape.dims[bd]) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Length of seq_lengths != input.dims(%lld), (%lld vs. %lld)",
				 (long long)bd, (long long)len->n_elems, (long long)x->shape.dims[bd]);
		return;
	}
	for (int64_t b = 0; b < len->n_elems; b++) {
		int64_t l = tfc__kint(len, b);
		if (l < 0 || l > x->shape.dims[sd]) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "seq_lens(%lld) > input.dims(%lld)", (long long)b, (long long)sd);
			return;
		}
	}
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, x->dtype, x->shape.dims, r);
	if (!o)
		return;
	int64_t str[TFC_MAX_RANK], idx[TFC_MAX_RANK] = {0};
	tfc__strides(&x->shape, str);
	for (int64_t i = 0; i < x->n_elems; i++) {
		int64_t rem = i;
		for (int d = r - 1; d >= 0; d--) {
			idx[d] = rem % x->shape.dims[d];
			rem /= x->shape.dims[d];
		}
		int64_t l = tfc__kint(len, idx[bd]), src = i;
		if (idx[sd] < l)
			src = i + (l - 1 - 2 * idx[sd]) * str[sd];
		put(o, i, x, src);
	}
}

/* ---- MirrorPad */

static void mirror_pad_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0], *p = ctx->inputs[1];
	int r = x->shape.rank;
	bool sym = tfc__kernel_attr_str_is(ctx->op, "mode", "SYMMETRIC", false);
	if (!is_index_type(p->dtype) || p->shape.rank != 2 || p->shape.dims[0] != r ||
	    p->shape.dims[1] != 2) {
		char b[128];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "paddings must be a matrix with 2 columns: %s",
				 tfc__kshape(&p->shape, b, sizeof(b)));
		return;
	}
	int64_t dims[TFC_MAX_RANK], before[TFC_MAX_RANK];
	for (int d = 0; d < r; d++) {
		int64_t lo = tfc__kint(p, 2 * d), hi = tfc__kint(p, 2 * d + 1), n = x->shape.dims[d];
		int64_t lim = sym ? n : n - 1;
		if (lo < 0 || hi < 0 || lo > lim || hi > lim) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "paddings must be no greater than the dimension size: %lld, %lld "
					 "greater than %lld",
					 (long long)lo, (long long)hi, (long long)lim);
			return;
		}
		before[d] = lo;
		dims[d] = n + lo + hi;
	}
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, x->dtype, dims, r);
	if (!o)
		return;
	int64_t str[TFC_MAX_RANK], idx[TFC_MAX_RANK];
	tfc__strides(&x->shape, str);
	for (int64_t i = 0; i < o->n_elems; i++) {
		int64_t rem = i, src = 0;
		for (int d = r - 1; d >= 0; d--) {
			idx[d] = rem % dims[d];
			rem /= dims[d];
		}
		for (int d = 0; d < r; d++) {
			int64_t n = x->shape.dims[d], j = idx[d] - before[d];
			if (j < 0)
				j = sym ? -j - 1 : -j;
			else if (j >= n)
				j = sym ? 2 * n - 1 - j : 2 * n - 2 - j;
			src += j * str[d];
		}
		put(o, i, x, src);
	}
}

/* ---- Where */

static void where_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 1, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	int r = x->shape.rank;
	int64_t n = 0;
	for (int64_t i = 0; i < x->n_elems; i++)
		n += ldd(x, i) != 0;
	int64_t dims[2] = {n, r};
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, TFC_INT64, dims, 2);
	if (!o)
		return;
	int64_t *op = tfc_tensor_data(o), k = 0;
	for (int64_t i = 0; i < x->n_elems; i++) {
		if (ldd(x, i) == 0)
			continue;
		int64_t rem = i;
		for (int d = r - 1; d >= 0; d--) {
			op[k * r + d] = rem % x->shape.dims[d];
			rem /= x->shape.dims[d];
		}
		k++;
	}
}

/* ---- TopKV2, InTopKV2 */

struct kv {
	double v;
	int64_t i;
};

static int kv_cmp(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;
	if (x->v != y->v)
		return x->v > y->v ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static void top_k_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0], *kt = ctx->inputs[1];
	if (kt->n_elems != 1 || kt->shape.rank != 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "k must be 0-D");
		return;
	}
	int64_t k = tfc__kint(kt, 0);
	int r = x->shape.rank;
	if (k < 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Need k >= 0, got %lld", (long long)k);
		return;
	}
	if (r < 1 || x->shape.dims[r - 1] < k) {
		char b[128];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "input must have at least k columns. Had %lld, needed %lld",
				 (long long)(r ? x->shape.dims[r - 1] : 0), (long long)k);
		(void)b;
		return;
	}
	int64_t cols = x->shape.dims[r - 1], rows = cols ? x->n_elems / cols : 0, dims[TFC_MAX_RANK];
	memcpy(dims, x->shape.dims, sizeof(int64_t) * (size_t)r);
	dims[r - 1] = k;
	tfc_tensor *v = tfc_kernel_alloc_output(ctx, 0, x->dtype, dims, r);
	tfc_tensor *ix = v ? tfc_kernel_alloc_output(ctx, 1, TFC_INT32, dims, r) : NULL;
	if (!ix || k == 0)
		return;
	struct kv *buf = tfc__malloc(sizeof(*buf) * (size_t)cols);
	for (int64_t row = 0; row < rows; row++) {
		for (int64_t j = 0; j < cols; j++) {
			buf[j].v = ldd(x, row * cols + j);
			buf[j].i = j;
		}
		qsort(buf, (size_t)cols, sizeof(*buf), kv_cmp);
		for (int64_t j = 0; j < k; j++) {
			put(v, row * k + j, x, row * cols + buf[j].i);
			((int32_t *)tfc_tensor_data(ix))[row * k + j] = (int32_t)buf[j].i;
		}
	}
	free(buf);
}

static void in_top_k_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 3, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *p = ctx->inputs[0], *t = ctx->inputs[1], *kt = ctx->inputs[2];
	if (p->shape.rank != 2 || p->dtype != TFC_FLOAT) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "predictions must be 2-dimensional");
		return;
	}
	int64_t rows = p->shape.dims[0], cols = p->shape.dims[1], k = tfc__kint(kt, 0);
	if (t->shape.rank != 1 || t->n_elems != rows) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "First dimension of predictions %lld must match length of targets %lld",
				 (long long)rows, (long long)t->n_elems);
		return;
	}
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, TFC_BOOL, &rows, 1);
	if (!o)
		return;
	const float *pp = tfc_tensor_data(p);
	for (int64_t r = 0; r < rows; r++) {
		int64_t c = tfc__kint(t, r);
		bool in = false;
		if (c >= 0 && c < cols && isfinite(pp[r * cols + c])) {
			int64_t more = 0;
			for (int64_t j = 0; j < cols; j++) {
				if (!isfinite(pp[r * cols + j])) {
					more = k; /* a non-finite row: TensorFlow answers false */
					break;
				}
				more += pp[r * cols + j] > pp[r * cols + c];
			}
			in = more < k;
		}
		((uint8_t *)tfc_tensor_data(o))[r] = in;
	}
}

/* ---- Unique */

static void unique_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 1, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	if (x->shape.rank != 1 || x->dtype == TFC_STRING) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "unique expects a 1D numeric vector.");
		return;
	}
	tfc_dtype it = tfc_kernel_attr_type(ctx->op, "out_idx");
	if (it == TFC_DTYPE_INVALID)
		it = TFC_INT32;
	int64_t n = x->n_elems;
	size_t esz = tfc__elem_size(x->dtype);
	const char *p = tfc_tensor_data(x);
	int64_t *first = tfc__malloc(sizeof(int64_t) * (size_t)(n ? n : 1)); /* unique -> x index */
	int64_t *map = tfc__malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
	int64_t nu = 0;
	/* a hash table of unique values by their bytes, open addressing */
	int64_t cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	int64_t *tab = tfc__malloc(sizeof(int64_t) * (size_t)cap);
	for (int64_t i = 0; i < cap; i++)
		tab[i] = -1;
	for (int64_t i = 0; i < n; i++) {
		uint64_t h = 1469598103934665603ull;
		for (size_t b = 0; b < esz; b++)
			h = (h ^ (uint8_t)p[(size_t)i * esz + b]) * 1099511628211ull;
		int64_t s = (int64_t)(h & (uint64_t)(cap - 1));
		while (tab[s] >= 0 && memcmp(p + (size_t)first[tab[s]] * esz, p + (size_t)i * esz, esz))
			s = (s + 1) & (cap - 1);
		if (tab[s] < 0) {
			tab[s] = nu;
			first[nu++] = i;
		}
		map[i] = tab[s];
	}
	tfc_tensor *y = tfc_kernel_alloc_output(ctx, 0, x->dtype, &nu, 1);
	tfc_tensor *ix = y ? tfc_kernel_alloc_output(ctx, 1, it, &n, 1) : NULL;
	if (ix) {
		for (int64_t u = 0; u < nu; u++)
			put(y, u, x, first[u]);
		for (int64_t i = 0; i < n; i++) {
			if (it == TFC_INT32)
				((int32_t *)tfc_tensor_data(ix))[i] = (int32_t)map[i];
			else
				((int64_t *)tfc_tensor_data(ix))[i] = map[i];
		}
	}
	free(tab);
	free(first);
	free(map);
}

/* ---- DynamicPartition */

static void dynamic_partition_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *d = ctx->inputs[0], *pt = ctx->inputs[1];
	int np = ctx->n_outputs;
	char b0[128], b1[128];
	bool prefix = pt->dtype == TFC_INT32 && pt->shape.rank <= d->shape.rank;
	for (int k = 0; prefix && k < pt->shape.rank; k++)
		prefix = pt->shape.dims[k] == d->shape.dims[k];
	if (!prefix) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "data.shape must start with partitions.shape, got data.shape = %s, "
				 "partitions.shape = %s",
				 tfc__kshape(&d->shape, b0, sizeof(b0)),
				 tfc__kshape(&pt->shape, b1, sizeof(b1)));
		return;
	}
	int64_t *count = tfc__calloc((size_t)np + 1, sizeof(int64_t));
	int64_t inner = 1;
	for (int k = pt->shape.rank; k < d->shape.rank; k++)
		inner *= d->shape.dims[k];
	for (int64_t i = 0; i < pt->n_elems; i++) {
		int64_t v = tfc__kint(pt, i);
		if (v < 0 || v >= np) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "partitions[%lld] = %lld is not in [0, %d)", (long long)i,
					 (long long)v, np);
			free(count);
			return;
		}
		count[v]++;
	}
	int orank = 1 + d->shape.rank - pt->shape.rank;
	for (int k = 0; k < np; k++) {
		int64_t dims[TFC_MAX_RANK];
		dims[0] = count[k];
		for (int j = 1; j < orank; j++)
			dims[j] = d->shape.dims[pt->shape.rank + j - 1];
		if (!tfc_kernel_alloc_output(ctx, k, d->dtype, dims, orank)) {
			free(count);
			return;
		}
		count[k] = 0;
	}
	for (int64_t i = 0; i < pt->n_elems; i++) {
		int64_t v = tfc__kint(pt, i);
		for (int64_t j = 0; j < inner; j++)
			put(ctx->outputs[v], count[v] * inner + j, d, i * inner + j);
		count[v]++;
	}
	free(count);
}

/* ---- CheckNumerics, EnsureShape, Assert, no-ops */

static void check_numerics_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 1, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	bool nan = false, inf = false;
	for (int64_t i = 0; i < x->n_elems; i++) {
		double v = ldd(x, i);
		nan |= isnan(v);
		inf |= isinf(v);
	}
	if (nan || inf) {
		size_t n = 0;
		const char *m = tfc_operation_get_attr_string(ctx->op, "message", &n, NULL);
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%.*s : Tensor had %s values", (int)n,
				 m ? m : "", nan && inf ? "Inf and NaN" : nan ? "NaN" : "Inf");
		return;
	}
	tfc_kernel_forward_input(ctx, 0, 0);
}

static void ensure_shape_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 1, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	tfc_shape want = tfc_operation_get_attr_shape(ctx->op, "shape", NULL);
	bool okay = want.rank < 0 || want.rank == x->shape.rank;
	for (int d = 0; okay && want.rank > 0 && d < want.rank; d++)
		okay = want.dims[d] < 0 || want.dims[d] == x->shape.dims[d];
	if (!okay) {
		char b0[128], b1[128];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Shape of tensor %s %s is not compatible with expected shape %s.",
				 ctx->op->name, tfc__kshape(&x->shape, b0, sizeof(b0)),
				 tfc__kshape(&want, b1, sizeof(b1)));
		return;
	}
	tfc_kernel_forward_input(ctx, 0, 0);
}

static void assert_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, ctx->n_inputs, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *c = ctx->inputs[0];
	if (c->dtype != TFC_BOOL || c->n_elems != 1) {
		char b[128];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "In[0] should be a scalar: %s", tfc__kshape(&c->shape, b, sizeof(b)));
		return;
	}
	if (*(const uint8_t *)tfc_tensor_data(c))
		return;
	/* "assertion failed: [data 0] [data 1] ..." with up to summarize values each */
	int64_t summarize = tfc__kernel_attr_int(ctx->op, "summarize", 3);
	char msg[1024];
	size_t k = (size_t)snprintf(msg, sizeof(msg), "assertion failed: ");
	for (int i = 1; i < ctx->n_inputs && k < sizeof(msg) - 64; i++) {
		const tfc_tensor *t = ctx->inputs[i];
		k += (size_t)snprintf(msg + k, sizeof(msg) - k, "%s[", i > 1 ? " " : "");
		for (int64_t j = 0; j < t->n_elems && j < summarize && k < sizeof(msg) - 64; j++) {
			if (t->dtype == TFC_STRING) {
				const tfc_tstring *s = tfc_tensor_string(t, j);
				k += (size_t)snprintf(msg + k, sizeof(msg) - k, "%s%.*s", j ? " " : "",
						      (int)(s->len < 200 ? s->len : 200), s->ptr ? s->ptr : "");
			} else {
				k += (size_t)snprintf(msg + k, sizeof(msg) - k, "%s%g", j ? " " : "",
						      ldd(t, j));
			}
		}
		if (t->n_elems > summarize && k < sizeof(msg) - 8)
			k += (size_t)snprintf(msg + k, sizeof(msg) - k, "...");
		if (k < sizeof(msg) - 2)
			k += (size_t)snprintf(msg + k, sizeof(msg) - k, "]");
	}
	tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%s", msg);
}

static void nothing_compute(struct tfc_kernel_ctx *ctx) { (void)ctx; }

#define K(NAME, CREATE, FN) { .op = NAME, .device = "CPU", .create = CREATE, .compute = FN }
const struct tfc_kernel_def tfc__misc_kernels[] = {
	K("ClipByValue", num_create, clip_compute),
	K("Cumsum", num_create, cumsum_compute),
	K("Cumprod", num_create, cumprod_compute),
	K("ReverseV2", any_create, reverse_compute),
	K("ReverseSequence", any_create, reverse_sequence_compute),
	K("MirrorPad", any_create, mirror_pad_compute),
	K("Where", NULL, where_compute),
	K("TopKV2", num_create, top_k_compute),
	K("InTopKV2", NULL, in_top_k_compute),
	K("Unique", any_create, unique_compute),
	K("DynamicPartition", any_create, dynamic_partition_compute),
	K("CheckNumerics", NULL, check_numerics_compute),
	K("EnsureShape", NULL, ensure_shape_compute),
	{ .op = "Assert", .device = "CPU", .compute = assert_compute, .flags = TFC_KF_STATEFUL },
	K("ControlTrigger", NULL, nothing_compute),
	{ .op = "DisableCopyOnRead", .device = "CPU", .compute = nothing_compute,
	  .flags = TFC_KF_STATEFUL },
	{ .op = NULL },
};
