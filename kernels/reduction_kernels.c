/*
 * reduction_kernels.c: CPU kernels of the reductions Sum, Mean, Prod, Max, Min (float,
 * double, int32, int64), All and Any (bool) over the axes of input 1 (a scalar or a
 * vector, negative axes counting from the end, repeats allowed, keep_dims), and
 * ArgMax/ArgMin over one axis (the first extreme element wins; int32 or int64
 * output; checks shared with the GPU's, cuda/array_gpu.c). The input's dimensions are first classified kept or reduced; size-1
 * dimensions are dropped and neighbours of one class merged, so [2,3,4] over axes
 * {1,2} is [2 | 12] and the walk has long inner runs. Floating sums are accumulated
 * in double, integer sums wrap as TensorFlow's do. The two common layouts, reducing
 * the inner dimension ([K | R]) or the outer one ([R | K]), are split over the
 * intra-op threads by output element; other layouts run on one thread.
 */
#include <float.h>
#include <math.h>

#include "kernels.h"

enum red_kind { RED_SUM, RED_MEAN, RED_PROD, RED_MAX, RED_MIN, RED_ALL, RED_ANY };

struct red_state {
	enum red_kind kind;
	tfc_dtype dtype;
	bool keep_dims;
};

static enum red_kind kind_of(const char *type)
{
	static const char *const names[] = { "Sum", "Mean", "Prod", "Max", "Min", "All", "Any" };
	for (int i = 0; i < 7; i++)
		if (strcmp(type, names[i]) == 0)
			return (enum red_kind)i;
	return RED_SUM;
}

static void *red_create(const tfc_operation *op, tfc_status *st)
{
	enum red_kind k = kind_of(op->type);
	tfc_dtype t = TFC_BOOL;
	if (k != RED_ALL && k != RED_ANY) {
		t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
		if (t != TFC_FLOAT && t != TFC_DOUBLE && t != TFC_INT32 && t != TFC_INT64)
			return tfc__kernel_unsupported(op, "T", t, st);
	}
	struct red_state *s = tfc__malloc(sizeof(*s));
	s->kind = k;
	s->dtype = t;
	s->keep_dims = tfc__kernel_attr_bool(op, "keep_dims", false);
	return s;
}

static void red_destroy(void *s) { free(s); }

/* Accumulators: double for floats, int64 (wrapping through uint64) for integers and
 * bools. */
union acc {
	double d;
	int64_t i;
};

static bool is_float(tfc_dtype t) { return t == TFC_FLOAT || t == TFC_DOUBLE; }

static union acc acc_init(enum red_kind k, tfc_dtype t)
{
	union acc a;
	if (is_float(t)) {
		a.d = k == RED_PROD ? 1.0 : k == RED_MAX ? -INFINITY : k == RED_MIN ? INFINITY : 0.0;
		return a;
	}
	int64_t lo = t == TFC_INT32 ? INT32_MIN : INT64_MIN, hi = t == TFC_INT32 ? INT32_MAX : INT64_MAX;
	a.i = k == RED_PROD || k == RED_ALL ? 1 : k == RED_MAX ? lo : k == RED_MIN ? hi : 0;
	return a;
}

static inline double load_d(const void *p, tfc_dtype t, int64_t i)
{
	return t == TFC_FLOAT ? ((const float *)p)[i] : ((const double *)p)[i];
}

static inline int64_t load_i(const void *p, tfc_dtype t, int64_t i)
{
	switch (t) {
	case TFC_INT32: return ((const int32_t *)p)[i];
	case TFC_INT64: return ((const int64_t *)p)[i];
	default: return ((const uint8_t *)p)[i] != 0;
	}
}

/* acc[0..n) op= in[i * step] for a run of n elements; step 0 folds a run into acc[0]
 * when fold is set. One function for all kinds keeps the table small; the switch is
 * outside the loops. */
static void accumulate(enum red_kind k, tfc_dtype t, union acc *acc, bool fold, const void *in,
		       int64_t off, int64_t n)
{
	if (is_float(t)) {
#define FLOOP(EXPR)                                                                         \
	do {                                                                                \
		if (fold) {                                                                 \
			double a = acc[0].d;                                                \
			for (int64_t i = 0; i < n; i++) {                                   \
				double x = load_d(in, t, off + i);                          \
				a = (EXPR);                                                 \
			}                                                                   \
			acc[0].d = a;                                                       \
		} else {                                                                    \
			for (int64_t i = 0; i < n; i++) {                                   \
				double a = acc[i].d, x = load_d(in, t, off + i);            \
				acc[i].d = (EXPR);                                          \
			}                                                                   \
		}                                                                           \
	} while (0)
		switch (k) {
		case RED_SUM: case RED_MEAN: FLOOP(a + x); break;
		case RED_PROD: FLOOP(a * x); break;
		/* NaN propagates, as in TensorFlow's Max/Min, wherever it stands: once the
		 * running value is NaN it stays. */
		case RED_MAX: FLOOP(isnan(a) ? a : x > a || isnan(x) ? x : a); break;
		case RED_MIN: FLOOP(isnan(a) ? a : x < a || isnan(x) ? x : a); break;
		default: break;
		}
#undef FLOOP
		return;
	}
#define ILOOP(EXPR)                                                                         \
	do {                                                                                \
		if (fold) {                                                                 \
			int64_t a = acc[0].i;                                               \
			for (int64_t i = 0; i < n; i++) {                                   \
				int64_t x = load_i(in, t, off + i);                         \
				a = (EXPR);                                                 \
			}                                                                   \
			acc[0].i = a;                                                       \
		} else {                                                                    \
			for (int64_t i = 0; i < n; i++) {                                   \
				int64_t a = acc[i].i, x = load_i(in, t, off + i);           \
				acc[i].i = (EXPR);                                          \
			}                                                                   \
		}                                                                           \
	} while (0)
	switch (k) {
	case RED_SUM: case RED_MEAN: ILOOP((int64_t)((uint64_t)a + (uint64_t)x)); break;
	case RED_PROD: ILOOP((int64_t)((uint64_t)a * (uint64_t)x)); break;
	case RED_MAX: ILOOP(x > a ? x : a); break;
	case RED_MIN: ILOOP(x < a ? x : a); break;
	case RED_ALL: ILOOP(a && x); break;
	case RED_ANY: ILOOP(a || x); break;
	}
#undef ILOOP
}

/* Writes acc[i] (with Mean's division by count) to out element i. */
static void store(enum red_kind k, tfc_dtype t, void *out, int64_t i, union acc a, int64_t count)
{
	switch (t) {
	case TFC_FLOAT:
		((float *)out)[i] = (float)(k == RED_MEAN ? a.d / (double)count : a.d);
		break;
	case TFC_DOUBLE: ((double *)out)[i] = k == RED_MEAN ? a.d / (double)count : a.d; break;
	case TFC_INT32:
		if (k == RED_MEAN)
			a.i = count ? (int64_t)(int32_t)(uint32_t)a.i / count : 0;
		((int32_t *)out)[i] = (int32_t)(uint32_t)(uint64_t)a.i;
		break;
	case TFC_INT64:
		if (k == RED_MEAN)
			a.i = count ? a.i / count : 0;
		((int64_t *)out)[i] = a.i;
		break;
	default: ((uint8_t *)out)[i] = a.i != 0; break;
	}
}

/* The merged layout: groups outermost first, each kept or reduced. */
struct layout {
	int n;
	int64_t size[TFC_MAX_RANK];
	bool red[TFC_MAX_RANK];
	int64_t out_n, count; /* output elements, elements reduced into each */
};

struct red_job {
	const struct red_state *s;
	const struct layout *L;
	const void *in;
	void *out;
};

/* [K | R]: output rows [b, e). */
static void rows_range(void *arg, int64_t b, int64_t e)
{
	const struct red_job *j = arg;
	int64_t R = j->L->size[1];
	for (int64_t r = b; r < e; r++) {
		union acc a = acc_init(j->s->kind, j->s->dtype);
		accumulate(j->s->kind, j->s->dtype, &a, true, j->in, r * R, R);
		store(j->s->kind, j->s->dtype, j->out, r, a, j->L->count);
	}
}

/* [R | K]: output columns [b, e). */
static void cols_range(void *arg, int64_t b, int64_t e)
{
	const struct red_job *j = arg;
	int64_t R = j->L->size[0], K = j->L->size[1], n = e - b;
	union acc *acc = tfc__malloc(sizeof(*acc) * (size_t)n);
	for (int64_t i = 0; i < n; i++)
		acc[i] = acc_init(j->s->kind, j->s->dtype);
	for (int64_t r = 0; r < R; r++)
		accumulate(j->s->kind, j->s->dtype, acc, false, j->in, r * K + b, n);
	for (int64_t i = 0; i < n; i++)
		store(j->s->kind, j->s->dtype, j->out, b + i, acc[i], j->L->count);
	free(acc);
}

/* Any layout, one thread: an odometer over the outer groups, the innermost group a
 * run (folded into one accumulator when reduced, added elementwise when kept). */
static void general(const struct red_job *j)
{
	const struct layout *L = j->L;
	union acc *acc = tfc__malloc(sizeof(*acc) * (size_t)(L->out_n ? L->out_n : 1));
	for (int64_t i = 0; i < L->out_n; i++)
		acc[i] = acc_init(j->s->kind, j->s->dtype);
	int last = L->n - 1;
	int64_t ostr[TFC_MAX_RANK], s = 1;
	for (int d = last; d >= 0; d--) {
		ostr[d] = L->red[d] ? 0 : s;
		if (!L->red[d])
			s *= L->size[d];
	}
	int64_t idx[TFC_MAX_RANK] = {0}, in_off = 0, out_off = 0, inner = L->size[last];
	int64_t total = 1;
	for (int d = 0; d < L->n; d++)
		total *= L->size[d];
	while (in_off < total) {
		accumulate(j->s->kind, j->s->dtype, acc + out_off, L->red[last], j->in, in_off, inner);
		in_off += inner;
		for (int d = last - 1; d >= 0; d--) {
			out_off += ostr[d];
			if (++idx[d] < L->size[d])
				break;
			out_off -= ostr[d] * L->size[d];
			idx[d] = 0;
		}
	}
	for (int64_t i = 0; i < L->out_n; i++)
		store(j->s->kind, j->s->dtype, j->out, i, acc[i], L->count);
	free(acc);
}

static void red_compute(struct tfc_kernel_ctx *ctx)
{
	const struct red_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0], *ax = ctx->inputs[1];
	if (x->dtype != s->dtype || (ax->dtype != TFC_INT32 && ax->dtype != TFC_INT64) ||
	    ax->shape.rank > 1) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "%s expects a %s input and int32/int64 axes of rank <= 1",
				 ctx->op->type, tfc_dtype_name(s->dtype));
		return;
	}
	int rank = x->shape.rank;
	bool red[TFC_MAX_RANK] = {false};
	for (int64_t i = 0; i < ax->n_elems; i++) {
		int64_t a = tfc__kint(ax, i);
		if (a < -rank || a >= rank) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Invalid reduction dimension (%lld for input with %d "
					 "dimension(s)",
					 (long long)a, rank);
			return;
		}
		red[a < 0 ? a + rank : a] = true;
	}
	int64_t odims[TFC_MAX_RANK];
	int orank = 0;
	struct layout L = { .n = 0, .out_n = 1, .count = 1 };
	for (int d = 0; d < rank; d++) {
		int64_t n = x->shape.dims[d];
		if (red[d]) {
			L.count *= n;
			if (s->keep_dims)
				odims[orank++] = 1;
		} else {
			L.out_n *= n;
			odims[orank++] = n;
		}
		if (n == 1)
			continue;
		if (L.n > 0 && L.red[L.n - 1] == red[d]) {
			L.size[L.n - 1] *= n;
		} else {
			L.size[L.n] = n;
			L.red[L.n++] = red[d];
		}
	}
	if (L.n == 0) {
		L.size[0] = 1;
		L.red[0] = false;
		L.n = 1;
	}
	tfc_tensor *out = tfc_kernel_alloc_output(ctx, 0, s->dtype, odims, orank);
	if (!out)
		return;
	struct red_job j = { s, &L, tfc_tensor_data(x), tfc_tensor_data(out) };
	if (x->n_elems == 0 || L.count == 0) {
		union acc a = acc_init(s->kind, s->dtype);
		for (int64_t i = 0; i < out->n_elems; i++)
			store(s->kind, s->dtype, j.out, i, a, L.count);
		return;
	}
	if (L.n == 1 && L.red[0]) { /* everything into one element */
		struct layout L2 = L;
		L2.n = 2;
		L2.size[1] = L.size[0];
		L2.size[0] = 1;
		j.L = &L2;
		rows_range(&j, 0, 1);
	} else if (L.n == 1) {
		struct layout L2 = L;
		L2.n = 2;
		L2.size[1] = L.size[0];
		L2.size[0] = 1;
		j.L = &L2;
		cols_range(&j, 0, L.size[0]);
	} else if (L.n == 2 && L.red[1]) {
		tfc_parallel_for(ctx->intra_op_threads, L.size[0],
				 L.size[1] >= 32768 ? 1 : 32768 / L.size[1] + 1, rows_range, &j);
	} else if (L.n == 2) {
		tfc_parallel_for(ctx->intra_op_threads, L.size[1],
				 L.size[0] >= 32768 ? 64 : 32768 / L.size[0] + 64, cols_range, &j);
	} else {
		general(&j);
	}
}

/* ---- ArgMax, ArgMin */

void *tfc__arg_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t != TFC_FLOAT && t != TFC_DOUBLE && t != TFC_INT32 && t != TFC_INT64)
		return tfc__kernel_unsupported(op, "T", t, st);
	tfc_dtype o = tfc_kernel_attr_type(op, "output_type");
	if (o == TFC_DTYPE_INVALID)
		o = TFC_INT64;
	if (o != TFC_INT32 && o != TFC_INT64)
		return tfc__kernel_unsupported(op, "output_type", o, st);
	struct tfc__arg_state *s = tfc__malloc(sizeof(*s));
	s->max = strcmp(op->type, "ArgMax") == 0;
	s->dtype = t;
	s->out = o;
	return s;
}

void tfc__arg_destroy(void *state) { free(state); }

bool tfc__arg_args_ok(struct tfc_kernel_ctx *ctx, const struct tfc__arg_state *s, int64_t *outer_out,
		      int64_t *n_out, int64_t *inner_out, int64_t *odims, int *orank_out)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return false;
	const tfc_tensor *x = ctx->inputs[0], *dim = ctx->inputs[1];
	char b[256];
	if (x->dtype != s->dtype || (dim->dtype != TFC_INT32 && dim->dtype != TFC_INT64)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%s expects %s input", ctx->op->type,
				 tfc_dtype_name(s->dtype));
		return false;
	}
	if (dim->n_elems != 1) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "dim must be a scalar, but received tensor of shape: %s",
				 tfc__kshape(&dim->shape, b, sizeof(b)));
		return false;
	}
	int rank = x->shape.rank, axis;
	if (!tfc__kernel_axis(ctx, tfc__kint(dim, 0), rank, &axis))
		return false;
	int64_t n = x->shape.dims[axis];
	if (n == 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Reduction axis %d is empty in shape %s",
				 axis, tfc__kshape(&x->shape, b, sizeof(b)));
		return false;
	}
	int64_t outer = 1, inner = 1;
	int orank = 0;
	for (int d = 0; d < rank; d++) {
		if (d == axis)
			continue;
		odims[orank++] = x->shape.dims[d];
		if (d < axis)
			outer *= x->shape.dims[d];
		else
			inner *= x->shape.dims[d];
	}
	*outer_out = outer;
	*n_out = n;
	*inner_out = inner;
	*orank_out = orank;
	return true;
}

static void arg_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__arg_state *s = ctx->state;
	int64_t odims[TFC_MAX_RANK], outer, n, inner;
	int orank;
	if (!tfc__arg_args_ok(ctx, s, &outer, &n, &inner, odims, &orank))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	tfc_tensor *out = tfc_kernel_alloc_output(ctx, 0, s->out, odims, orank);
	if (!out)
		return;
	const void *p = tfc_tensor_data(x);
	for (int64_t o = 0; o < outer; o++) {
		for (int64_t i = 0; i < inner; i++) {
			int64_t best = 0, base = o * n * inner + i;
			for (int64_t k = 1; k < n; k++) {
				int64_t a = base + k * inner, c = base + best * inner;
				bool better;
				if (is_float(s->dtype)) {
					double va = load_d(p, s->dtype, a), vc = load_d(p, s->dtype, c);
					better = s->max ? va > vc : va < vc;
				} else {
					int64_t va = load_i(p, s->dtype, a), vc = load_i(p, s->dtype, c);
					better = s->max ? va > vc : va < vc;
				}
				if (better)
					best = k;
			}
			if (s->out == TFC_INT32)
				((int32_t *)tfc_tensor_data(out))[o * inner + i] = (int32_t)best;
			else
				((int64_t *)tfc_tensor_data(out))[o * inner + i] = best;
		}
	}
}

#define RED(NAME) { .op = NAME, .device = "CPU", .create = red_create, .destroy = red_destroy, \
		    .compute = red_compute }
const struct tfc_kernel_def tfc__reduction_kernels[] = {
	RED("Sum"), RED("Mean"), RED("Prod"), RED("Max"), RED("Min"), RED("All"), RED("Any"),
	{ .op = "ArgMax", .device = "CPU", .create = tfc__arg_create, .destroy = tfc__arg_destroy,
	  .compute = arg_compute },
	{ .op = "ArgMin", .device = "CPU", .create = tfc__arg_create, .destroy = tfc__arg_destroy,
	  .compute = arg_compute },
	{ .op = NULL },
};
