/*
 * math_kernels.c: CPU kernels of the broadcasting element-wise binary ops: Add, AddV2,
 * Sub, Mul, RealDiv, Div, DivNoNan, FloorDiv, FloorMod, TruncateDiv, Mod, Pow, Maximum,
 * Minimum and SquaredDifference with NumPy/TensorFlow broadcasting (Add also
 * concatenates strings), the comparisons (Less, LessEqual, Greater, GreaterEqual,
 * Equal, NotEqual: bool outputs) and LogicalAnd/LogicalOr; for float, double, int32 and
 * int64 where TensorFlow has them (Equal and NotEqual also for bool and string).
 * Integer arithmetic wraps around as TensorFlow's does (computed unsigned, so it is
 * defined behaviour in C). Each inner loop has three shapes, both operands advancing or
 * one of them fixed, which the compiler vectorizes; equal shapes are one run over the
 * whole tensor and a scalar operand is one run with that side fixed. An output takes
 * over an input's buffer when no one else holds it (tfc_kernel_can_reuse). Large
 * outputs are cut into contiguous ranges that run on the intra-op threads
 * (tfc_parallel_for over tfc__bcast_run_range).
 */
#include <math.h>

#include "broadcast.h"

/* GCC's -O2 vectorizes only loops whose trip count it knows ("very cheap" cost
 * model); ours run over tensors of any length. With the dynamic cost model a float
 * Add runs at 0.12 ns/element instead of 0.44 on 4096 elements (in L1), 0.21 instead
 * of 0.41 on 1M (gcc 12, x86-64 baseline SSE2). IVDEP tells it that an output never
 * overlaps an input except exactly (when the kernel writes into an input's buffer),
 * which no iteration depends on, so no runtime alias check is needed. Clang
 * vectorizes these loops at -O2 by itself. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#define IVDEP _Pragma("GCC ivdep")
#else
#define IVDEP
#endif

/* out = EXPR over x (from a) and y (from b), for each stride pattern. */
#define BINARY_FN(NAME, T, EXPR)                                                            \
	static void NAME(const void *pa, int64_t sa, const void *pb, int64_t sb, void *po,   \
			 int64_t n)                                                         \
	{                                                                                   \
		const T *a = pa, *b = pb;                                                   \
		T *o = po;                                                                  \
		if (sa && sb) {                                                             \
			IVDEP for (int64_t i = 0; i < n; i++) {                             \
				T x = a[i], y = b[i];                                       \
				o[i] = (EXPR);                                              \
			}                                                                   \
		} else if (sb) {                                                            \
			const T x = a[0];                                                   \
			IVDEP for (int64_t i = 0; i < n; i++) {                             \
				T y = b[i];                                                 \
				o[i] = (EXPR);                                              \
			}                                                                   \
		} else if (sa) {                                                            \
			const T y = b[0];                                                   \
			IVDEP for (int64_t i = 0; i < n; i++) {                             \
				T x = a[i];                                                 \
				o[i] = (EXPR);                                              \
			}                                                                   \
		} else {                                                                    \
			const T x = a[0], y = b[0];                                         \
			const T r = (EXPR);                                                 \
			for (int64_t i = 0; i < n; i++)                                     \
				o[i] = r;                                                   \
		}                                                                           \
	}

/* Wrapping integer arithmetic: T computed as its unsigned twin U. */
#define WRAP(T, U, x, op, y) ((T)((U)(x)op(U)(y)))
/* Truncating division; INT_MIN / -1 wraps to INT_MIN. Zero divisors are refused
 * before the loop runs. */
#define IDIV(T, U, x, y) ((y) == -1 ? (T)((U)0 - (U)(x)) : (T)((x) / (y)))
/* Eigen's maxi/mini (TensorFlow's Maximum/Minimum). */
#define MAXI(x, y) ((x) < (y) ? (y) : (x))
#define MINI(x, y) ((y) < (x) ? (y) : (x))

/* Same, with an output type O different from the operand type T (comparisons). */
#define CMP_FN(NAME, T, O, EXPR)                                                            \
	static void NAME(const void *pa, int64_t sa, const void *pb, int64_t sb, void *po,   \
			 int64_t n)                                                         \
	{                                                                                   \
		const T *a = pa, *b = pb;                                                   \
		O *o = po;                                                                  \
		IVDEP for (int64_t i = 0; i < n; i++) {                                     \
			T x = a[i * sa], y = b[i * sb];                                     \
			o[i] = (O)(EXPR);                                                   \
		}                                                                           \
	}

/* Floor division and modulo of integers (Python's); y is never 0 (refused first) and
 * y == -1 avoids INT_MIN / -1. */
#define IFLOORDIV(T, U, x, y)                                                               \
	((y) == -1 ? (T)((U)0 - (U)(x))                                                     \
		   : (T)((x) / (y) - (((x) % (y) != 0) && (((x) < 0) != ((y) < 0)))))
#define IFLOORMOD(x, y)                                                                     \
	((y) == -1 ? 0 : ((x) % (y) != 0 && (((x) % (y) < 0) != ((y) < 0))) ? (x) % (y) + (y) \
									   : (x) % (y))
#define ITRUNCMOD(x, y) ((y) == -1 ? 0 : (x) % (y))
static inline float fmodfloor_f32(float x, float y)
{
	float r = fmodf(x, y);
	return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
}
static inline double fmodfloor_f64(double x, double y)
{
	double r = fmod(x, y);
	return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
}
/* Integer power by squaring, wrapping; negative exponents are refused first. */
#define IPOW_FN(NAME, T, U)                                                                 \
	static inline T NAME(T x, T y)                                                      \
	{                                                                                   \
		U r = 1, b = (U)x;                                                          \
		for (uint64_t e = (uint64_t)y; e; e >>= 1) {                                \
			if (e & 1)                                                          \
				r *= b;                                                     \
			b *= b;                                                             \
		}                                                                           \
		return (T)r;                                                                \
	}
IPOW_FN(ipow_i32, int32_t, uint32_t)
IPOW_FN(ipow_i64, int64_t, uint64_t)

#define FLOAT_FNS(SUF, T, FLOOR, FMOD, POW)                                                  \
	BINARY_FN(add_##SUF, T, x + y)                                                      \
	BINARY_FN(sub_##SUF, T, x - y)                                                      \
	BINARY_FN(mul_##SUF, T, x *y)                                                       \
	BINARY_FN(div_##SUF, T, x / y)                                                      \
	BINARY_FN(max_##SUF, T, MAXI(x, y))                                                 \
	BINARY_FN(min_##SUF, T, MINI(x, y))                                                 \
	BINARY_FN(sqdiff_##SUF, T, (x - y) * (x - y))                                       \
	BINARY_FN(divnonan_##SUF, T, y == 0 ? (T)0 : x / y)                                 \
	BINARY_FN(floordiv_##SUF, T, FLOOR(x / y))                                          \
	BINARY_FN(floormod_##SUF, T, fmodfloor_##SUF(x, y))                                  \
	BINARY_FN(mod_##SUF, T, FMOD(x, y))                                                 \
	BINARY_FN(pow_##SUF, T, POW(x, y))
#define INT_FNS(SUF, T, U)                                                                  \
	BINARY_FN(add_##SUF, T, WRAP(T, U, x, +, y))                                        \
	BINARY_FN(sub_##SUF, T, WRAP(T, U, x, -, y))                                        \
	BINARY_FN(mul_##SUF, T, WRAP(T, U, x, *, y))                                        \
	BINARY_FN(div_##SUF, T, IDIV(T, U, x, y))                                           \
	BINARY_FN(max_##SUF, T, MAXI(x, y))                                                 \
	BINARY_FN(min_##SUF, T, MINI(x, y))                                                 \
	BINARY_FN(sqdiff_##SUF, T, WRAP(T, U, WRAP(T, U, x, -, y), *, WRAP(T, U, x, -, y)))  \
	BINARY_FN(floordiv_##SUF, T, IFLOORDIV(T, U, x, y))                                 \
	BINARY_FN(floormod_##SUF, T, IFLOORMOD(x, y))                                       \
	BINARY_FN(mod_##SUF, T, ITRUNCMOD(x, y))                                            \
	BINARY_FN(pow_##SUF, T, ipow_##SUF(x, y))
#define CMP_FNS(SUF, T)                                                                     \
	CMP_FN(less_##SUF, T, uint8_t, x < y)                                               \
	CMP_FN(lesseq_##SUF, T, uint8_t, x <= y)                                            \
	CMP_FN(greater_##SUF, T, uint8_t, x > y)                                            \
	CMP_FN(greatereq_##SUF, T, uint8_t, x >= y)                                         \
	CMP_FN(equal_##SUF, T, uint8_t, x == y)                                             \
	CMP_FN(notequal_##SUF, T, uint8_t, x != y)

FLOAT_FNS(f32, float, floorf, fmodf, powf)
FLOAT_FNS(f64, double, floor, fmod, pow)
INT_FNS(i32, int32_t, uint32_t)
INT_FNS(i64, int64_t, uint64_t)
CMP_FNS(f32, float)
CMP_FNS(f64, double)
CMP_FNS(i32, int32_t)
CMP_FNS(i64, int64_t)
CMP_FN(equal_b, uint8_t, uint8_t, (x != 0) == (y != 0))
CMP_FN(notequal_b, uint8_t, uint8_t, (x != 0) != (y != 0))
CMP_FN(land_b, uint8_t, uint8_t, x && y)
CMP_FN(lor_b, uint8_t, uint8_t, x || y)

/* String Add: concatenation (out starts zeroed and owns what is written into it). */
static void add_str(const void *pa, int64_t sa, const void *pb, int64_t sb, void *po, int64_t n)
{
	const tfc_tstring *a = pa, *b = pb;
	tfc_tstring *o = po;
	for (int64_t i = 0; i < n; i++) {
		const tfc_tstring *x = &a[i * sa], *y = &b[i * sb];
		char *p = tfc__malloc(x->len + y->len + 1);
		if (x->len)
			memcpy(p, x->ptr, x->len);
		if (y->len)
			memcpy(p + x->len, y->ptr, y->len);
		p[x->len + y->len] = '\0';
		free(o[i].ptr);
		o[i].ptr = p;
		o[i].len = x->len + y->len;
	}
}

/* String (in)equality. */
static void equal_str(const void *pa, int64_t sa, const void *pb, int64_t sb, void *po, int64_t n)
{
	const tfc_tstring *a = pa, *b = pb;
	uint8_t *o = po;
	for (int64_t i = 0; i < n; i++) {
		const tfc_tstring *x = &a[i * sa], *y = &b[i * sb];
		o[i] = x->len == y->len && (x->len == 0 || memcmp(x->ptr, y->ptr, x->len) == 0);
	}
}

static void notequal_str(const void *pa, int64_t sa, const void *pb, int64_t sb, void *po,
			 int64_t n)
{
	equal_str(pa, sa, pb, sb, po, n);
	uint8_t *o = po;
	for (int64_t i = 0; i < n; i++)
		o[i] = !o[i];
}

/* Checks on the divisor or exponent (input 1) made before the loop runs. */
enum precheck { PRE_NONE, PRE_INT_DIV, PRE_INT_POW };

/* One (op, dtype) implementation; create() returns a pointer to it as the state. */
struct binary_impl {
	tfc_dtype dtype;     /* T of the inputs */
	tfc__bcast_fn fn;    /* the inner loop */
	enum precheck pre;   /* refuse zero divisors / negative integer exponents first */
	tfc_dtype out;       /* the output's dtype; TFC_DTYPE_INVALID: T */
};

#define END_IMPL { TFC_DTYPE_INVALID, NULL, PRE_NONE, TFC_DTYPE_INVALID }
#define NUM_IMPLS(OP)                                                                       \
	{ TFC_FLOAT, OP##_f32, PRE_NONE, 0 }, { TFC_DOUBLE, OP##_f64, PRE_NONE, 0 },        \
		{ TFC_INT32, OP##_i32, PRE_NONE, 0 }, { TFC_INT64, OP##_i64, PRE_NONE, 0 }
#define FLT_IMPLS(OP) { TFC_FLOAT, OP##_f32, PRE_NONE, 0 }, { TFC_DOUBLE, OP##_f64, PRE_NONE, 0 }
#define IDIV_IMPLS(OP)                                                                      \
	{ TFC_INT32, OP##_i32, PRE_INT_DIV, 0 }, { TFC_INT64, OP##_i64, PRE_INT_DIV, 0 }
#define CMP_IMPLS(OP)                                                                       \
	{ TFC_FLOAT, OP##_f32, PRE_NONE, TFC_BOOL }, { TFC_DOUBLE, OP##_f64, PRE_NONE, TFC_BOOL }, \
		{ TFC_INT32, OP##_i32, PRE_NONE, TFC_BOOL },                                 \
		{ TFC_INT64, OP##_i64, PRE_NONE, TFC_BOOL }

static const struct binary_impl add_impls[] = { NUM_IMPLS(add), { TFC_STRING, add_str, PRE_NONE, 0 },
						END_IMPL };
static const struct binary_impl addv2_impls[] = { NUM_IMPLS(add), END_IMPL };
static const struct binary_impl sub_impls[] = { NUM_IMPLS(sub), END_IMPL };
static const struct binary_impl mul_impls[] = { NUM_IMPLS(mul), END_IMPL };
static const struct binary_impl max_impls[] = { NUM_IMPLS(max), END_IMPL };
static const struct binary_impl min_impls[] = { NUM_IMPLS(min), END_IMPL };
static const struct binary_impl sqdiff_impls[] = { NUM_IMPLS(sqdiff), END_IMPL };
static const struct binary_impl realdiv_impls[] = { FLT_IMPLS(div), END_IMPL };
static const struct binary_impl divnonan_impls[] = { FLT_IMPLS(divnonan), END_IMPL };
static const struct binary_impl div_impls[] = { FLT_IMPLS(div), IDIV_IMPLS(div), END_IMPL };
static const struct binary_impl truncdiv_impls[] = { IDIV_IMPLS(div), END_IMPL };
static const struct binary_impl floordiv_impls[] = { FLT_IMPLS(floordiv), IDIV_IMPLS(floordiv),
						     END_IMPL };
static const struct binary_impl floormod_impls[] = { FLT_IMPLS(floormod), IDIV_IMPLS(floormod),
						     END_IMPL };
static const struct binary_impl mod_impls[] = { FLT_IMPLS(mod), IDIV_IMPLS(mod), END_IMPL };
static const struct binary_impl pow_impls[] = { FLT_IMPLS(pow),
						{ TFC_INT32, pow_i32, PRE_INT_POW, 0 },
						{ TFC_INT64, pow_i64, PRE_INT_POW, 0 }, END_IMPL };
static const struct binary_impl less_impls[] = { CMP_IMPLS(less), END_IMPL };
static const struct binary_impl lesseq_impls[] = { CMP_IMPLS(lesseq), END_IMPL };
static const struct binary_impl greater_impls[] = { CMP_IMPLS(greater), END_IMPL };
static const struct binary_impl greatereq_impls[] = { CMP_IMPLS(greatereq), END_IMPL };
static const struct binary_impl equal_impls[] = { CMP_IMPLS(equal),
						  { TFC_BOOL, equal_b, PRE_NONE, TFC_BOOL },
						  { TFC_STRING, equal_str, PRE_NONE, TFC_BOOL }, END_IMPL };
static const struct binary_impl notequal_impls[] = {
	CMP_IMPLS(notequal), { TFC_BOOL, notequal_b, PRE_NONE, TFC_BOOL },
	{ TFC_STRING, notequal_str, PRE_NONE, TFC_BOOL }, END_IMPL };
static const struct binary_impl land_impls[] = { { TFC_BOOL, land_b, PRE_NONE, TFC_BOOL }, END_IMPL };
static const struct binary_impl lor_impls[] = { { TFC_BOOL, lor_b, PRE_NONE, TFC_BOOL }, END_IMPL };

static void *impl_for(const struct binary_impl *impls, const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = impls[0].dtype == TFC_BOOL && impls[1].fn == NULL
			      ? TFC_BOOL /* LogicalAnd, LogicalOr have no T */
			      : tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	for (const struct binary_impl *e = impls; e->fn; e++)
		if (e->dtype == t)
			return (void *)e;
	return tfc__kernel_unsupported(op, "T", t, st);
}

#define CREATE(NAME)                                                                 \
	static void *NAME##_create(const tfc_operation *op, tfc_status *st)                 \
	{                                                                                   \
		return impl_for(NAME##_impls, op, st);                                      \
	}
CREATE(add)
CREATE(addv2)
CREATE(sub)
CREATE(mul)
CREATE(realdiv)
CREATE(div)
CREATE(max)
CREATE(min)
CREATE(sqdiff)
CREATE(divnonan)
CREATE(truncdiv)
CREATE(floordiv)
CREATE(floormod)
CREATE(mod)
CREATE(pow)
CREATE(less)
CREATE(lesseq)
CREATE(greater)
CREATE(greatereq)
CREATE(equal)
CREATE(notequal)
CREATE(land)
CREATE(lor)

static bool same_shape(const tfc_shape *a, const tfc_shape *b)
{
	if (a->rank != b->rank)
		return false;
	for (int i = 0; i < a->rank; i++)
		if (a->dims[i] != b->dims[i])
			return false;
	return true;
}

/* Checks that the inputs are there and of the kernel's dtype. */
static bool inputs_ok(struct tfc_kernel_ctx *ctx, int n, tfc_dtype dt)
{
	for (int k = 0; k < n; k++) {
		const tfc_tensor *t = k < ctx->n_inputs ? ctx->inputs[k] : NULL;
		if (!t) {
			tfc_kernel_error(ctx, TFC_INTERNAL, "Input %d of %s is missing", k,
					 ctx->op->type);
			return false;
		}
		if (t->dtype != dt) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Input %d of %s has dtype %s, expected %s", k, ctx->op->type,
					 tfc_dtype_name(t->dtype), tfc_dtype_name(dt));
			return false;
		}
	}
	return true;
}

/* True when some element of the int32/int64 tensor t is 0 (zero) or negative. */
static bool int_any(const tfc_tensor *t, bool negative)
{
	int64_t n = t->n_elems;
	for (int64_t i = 0; i < n; i++) {
		int64_t v = t->dtype == TFC_INT32 ? ((const int32_t *)tfc_tensor_data(t))[i]
						  : ((const int64_t *)tfc_tensor_data(t))[i];
		if (negative ? v < 0 : v == 0)
			return true;
	}
	return false;
}

/* A broadcast walk cut into ranges for tfc_parallel_for. */
struct binary_job {
	const struct tfc__bcast *bc;
	tfc__bcast_fn fn;
	const void *a, *b;
	void *out;
	size_t esz, out_esz;
};

static void binary_range(void *arg, int64_t begin, int64_t end)
{
	const struct binary_job *j = arg;
	tfc__bcast_run_range(j->bc, j->fn, j->a, j->b, j->out, j->esz, j->out_esz, begin, end);
}

/* Elements per chunk below which a binary op is not worth splitting. */
#define BINARY_MIN_CHUNK 32768

static void binary_compute(struct tfc_kernel_ctx *ctx)
{
	const struct binary_impl *e = ctx->state;
	if (!inputs_ok(ctx, 2, e->dtype))
		return;
	tfc_tensor *a = ctx->inputs[0], *b = ctx->inputs[1];
	struct tfc__bcast bc;
	if (!tfc__bcast_init(&bc, &a->shape, &b->shape, ctx->st))
		return;
	if (e->pre == PRE_INT_DIV && int_any(b, false)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Integer division by zero");
		return;
	}
	if (e->pre == PRE_INT_POW && int_any(b, true)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Integers to negative integer powers are not allowed");
		return;
	}
	tfc_dtype odt = e->out ? e->out : e->dtype;
	tfc_tensor *out;
	if (odt == e->dtype && same_shape(&a->shape, &bc.out) && tfc_kernel_can_reuse(ctx, 0)) {
		tfc_kernel_forward_input(ctx, 0, 0);
		out = ctx->outputs[0];
	} else if (odt == e->dtype && same_shape(&b->shape, &bc.out) &&
		   tfc_kernel_can_reuse(ctx, 1)) {
		tfc_kernel_forward_input(ctx, 1, 0);
		out = ctx->outputs[0];
	} else {
		out = tfc_kernel_alloc_output(ctx, 0, odt, bc.out.dims, bc.out.rank);
		if (!out)
			return;
	}
	size_t esz = e->dtype == TFC_STRING ? sizeof(tfc_tstring) : tfc_dtype_size(e->dtype);
	size_t oesz = odt == TFC_STRING ? sizeof(tfc_tstring) : tfc_dtype_size(odt);
	struct binary_job j = { &bc, e->fn, tfc_tensor_data(a), tfc_tensor_data(b),
				tfc_tensor_data(out), esz, oesz };
	int threads = e->dtype == TFC_STRING ? 1 : ctx->intra_op_threads;
	tfc_parallel_for(threads, bc.n, BINARY_MIN_CHUNK, binary_range, &j);
}

#define BINARY_KERNEL(OP, NAME)                                                             \
	{ .op = OP, .device = "CPU", .create = NAME##_create, .compute = binary_compute }

const struct tfc_kernel_def tfc__math_kernels[] = {
	BINARY_KERNEL("Add", add),
	BINARY_KERNEL("AddV2", addv2),
	BINARY_KERNEL("Sub", sub),
	BINARY_KERNEL("Mul", mul),
	BINARY_KERNEL("RealDiv", realdiv),
	BINARY_KERNEL("Div", div),
	BINARY_KERNEL("DivNoNan", divnonan),
	BINARY_KERNEL("TruncateDiv", truncdiv),
	BINARY_KERNEL("FloorDiv", floordiv),
	BINARY_KERNEL("FloorMod", floormod),
	BINARY_KERNEL("Mod", mod),
	BINARY_KERNEL("Pow", pow),
	BINARY_KERNEL("Maximum", max),
	BINARY_KERNEL("Minimum", min),
	BINARY_KERNEL("SquaredDifference", sqdiff),
	BINARY_KERNEL("Less", less),
	BINARY_KERNEL("LessEqual", lesseq),
	BINARY_KERNEL("Greater", greater),
	BINARY_KERNEL("GreaterEqual", greatereq),
	BINARY_KERNEL("Equal", equal),
	BINARY_KERNEL("NotEqual", notequal),
	BINARY_KERNEL("LogicalAnd", land),
	BINARY_KERNEL("LogicalOr", lor),
	{ .op = NULL },
};
