/*
 * cwise_unary.c: CPU kernels of the element-wise unary ops and of the gradients that
 * are element-wise in two same-shaped tensors: Abs, Neg, Sign, Reciprocal (Inv),
 * Square, Sqrt, Rsqrt, Exp, Expm1, Log, Log1p, Sin, Cos, Tan, Tanh, Sigmoid, Floor,
 * Ceil, Round (half to even, as TensorFlow's), Rint, IsFinite, IsNan, IsInf,
 * LogicalNot; the activations Relu, Relu6, Elu, Selu, Softplus, Softsign, LeakyRelu;
 * the gradients SqrtGrad, RsqrtGrad, TanhGrad, SigmoidGrad, ReciprocalGrad (InvGrad),
 * ReluGrad, Relu6Grad, EluGrad, SeluGrad, SoftplusGrad, SoftsignGrad, LeakyReluGrad.
 * float and double throughout; int32 and int64 where TensorFlow has them (Abs, Neg,
 * Sign, Square, Relu, Relu6, ReluGrad, Relu6Grad). Each (op, dtype) is a record of
 * its loop; the output takes over input 0's buffer when no one else holds it; large
 * tensors are cut into contiguous ranges for the intra-op threads.
 */
#include <math.h>

#include "kernels.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#define IVDEP _Pragma("GCC ivdep")
#else
#define IVDEP
#endif

/* out[i] = f(x[i]) (unary) or f(x[i], y[i]) (grads: x is input 0, y input 1); alpha
 * is the LeakyRelu attr. */
typedef void (*cwise_fn)(const void *x, const void *y, void *out, int64_t n, double alpha);

#define UN(NAME, T, O, EXPR)                                                                \
	static void NAME(const void *px, const void *py, void *po, int64_t n, double alpha)  \
	{                                                                                   \
		(void)py;                                                                   \
		(void)alpha;                                                                \
		const T *a = px;                                                            \
		O *o = po;                                                                  \
		IVDEP for (int64_t i = 0; i < n; i++) {                                     \
			T x = a[i];                                                         \
			o[i] = (O)(EXPR);                                                   \
		}                                                                           \
	}
#define BI(NAME, T, EXPR)                                                                   \
	static void NAME(const void *px, const void *py, void *po, int64_t n, double alpha)  \
	{                                                                                   \
		(void)alpha;                                                                \
		const T *a = px, *b = py;                                                   \
		T *o = po;                                                                  \
		IVDEP for (int64_t i = 0; i < n; i++) {                                     \
			T x = a[i], y = b[i];                                               \
			o[i] = (EXPR);                                                      \
		}                                                                           \
	}

#define SELU_SCALE 1.0507009873554804934193349852946
#define SELU_ALPHA 1.6732632423543772848170429916717

#define WRAPNEG(U, x) (0 - (U)(x))
static inline float splus_f(float x)
{
	return x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x));
}
static inline double splus_d(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }

/* The float (F) and double (D) versions of every floating op. */
#define FLOAT_OPS(S, T, F)                                                                  \
	UN(abs_##S, T, T, F(fabs)(x))                                                       \
	UN(neg_##S, T, T, -x)                                                               \
	UN(sign_##S, T, T, x > 0 ? (T)1 : x < 0 ? (T)-1 : x)                                \
	UN(recip_##S, T, T, (T)1 / x)                                                       \
	UN(square_##S, T, T, x *x)                                                          \
	UN(sqrt_##S, T, T, F(sqrt)(x))                                                      \
	UN(rsqrt_##S, T, T, (T)1 / F(sqrt)(x))                                              \
	UN(exp_##S, T, T, F(exp)(x))                                                        \
	UN(expm1_##S, T, T, F(expm1)(x))                                                    \
	UN(log_##S, T, T, F(log)(x))                                                        \
	UN(log1p_##S, T, T, F(log1p)(x))                                                    \
	UN(sin_##S, T, T, F(sin)(x))                                                        \
	UN(cos_##S, T, T, F(cos)(x))                                                        \
	UN(tan_##S, T, T, F(tan)(x))                                                        \
	UN(tanh_##S, T, T, F(tanh)(x))                                                      \
	UN(sigmoid_##S, T, T, (T)1 / ((T)1 + F(exp)(-x)))                                   \
	UN(floor_##S, T, T, F(floor)(x))                                                    \
	UN(ceil_##S, T, T, F(ceil)(x))                                                      \
	UN(rint_##S, T, T, F(nearbyint)(x))                                                 \
	UN(isfinite_##S, T, uint8_t, isfinite(x) ? 1 : 0)                                           \
	UN(isnan_##S, T, uint8_t, isnan(x) ? 1 : 0)                                                 \
	UN(isinf_##S, T, uint8_t, isinf(x) ? 1 : 0)                                                 \
	UN(relu_##S, T, T, x < 0 ? (T)0 : x) /* NaN stays NaN, as in TensorFlow */           \
	UN(relu6_##S, T, T, x < 0 ? (T)0 : (x > 6 ? (T)6 : x))                              \
	UN(elu_##S, T, T, x < 0 ? F(expm1)(x) : x)                                          \
	UN(selu_##S, T, T, x < 0 ? (T)(SELU_SCALE * SELU_ALPHA) * F(expm1)(x)               \
				  : (T)SELU_SCALE * x)                                      \
	UN(softplus_##S, T, T, splus_##S(x))                                             \
	UN(softsign_##S, T, T, x / ((T)1 + F(fabs)(x)))                                    \
	UN(leaky_##S, T, T, x > 0 ? x : (T)alpha * x)                                       \
	BI(sqrtgrad_##S, T, y * (T)0.5 / x)                                                 \
	BI(rsqrtgrad_##S, T, y * (T)-0.5 * x * x * x)                                       \
	BI(tanhgrad_##S, T, y * ((T)1 - x * x))                                             \
	BI(sigmoidgrad_##S, T, y * x * ((T)1 - x))                                          \
	BI(recipgrad_##S, T, -y * x * x)                                                    \
	BI(relugrad_##S, T, y > 0 ? x : (T)0)                                               \
	BI(relu6grad_##S, T, (y > 0 && y < 6) ? x : (T)0)                                  \
	BI(elugrad_##S, T, y < 0 ? x * (y + (T)1) : x)                                      \
	BI(selugrad_##S, T, y < 0 ? x * (y + (T)(SELU_SCALE * SELU_ALPHA))                  \
				  : x * (T)SELU_SCALE)                                      \
	BI(softplusgrad_##S, T, x / ((T)1 + F(exp)(-y)))                                    \
	BI(softsigngrad_##S, T, x / (((T)1 + F(fabs)(y)) * ((T)1 + F(fabs)(y))))            \
	BI(leakygrad_##S, T, y > 0 ? x : (T)alpha * x)

#define FN_F(fn) fn##f
#define FN_D(fn) fn
FLOAT_OPS(f, float, FN_F)
FLOAT_OPS(d, double, FN_D)

/* Round half to even: nearbyint under the default rounding mode. */
#define round_f rint_f
#define round_d rint_d

#define INT_OPS(S, T, U)                                                                    \
	UN(abs_##S, T, T, x < 0 ? (T)WRAPNEG(U, x) : x)                                     \
	UN(neg_##S, T, T, (T)WRAPNEG(U, x))                                                 \
	UN(sign_##S, T, T, x > 0 ? 1 : x < 0 ? -1 : 0)                                      \
	UN(square_##S, T, T, (T)((U)x * (U)x))                                              \
	UN(relu_##S, T, T, x > 0 ? x : 0)                                                   \
	UN(relu6_##S, T, T, x > 0 ? (x < 6 ? x : 6) : 0)                                    \
	BI(relugrad_##S, T, y > 0 ? x : 0)                                                  \
	BI(relu6grad_##S, T, (y > 0 && y < 6) ? x : 0)
INT_OPS(i32, int32_t, uint32_t)
INT_OPS(i64, int64_t, uint64_t)
UN(lnot_b, uint8_t, uint8_t, !x)

/* One (op, dtype) implementation. */
struct cwise_impl {
	tfc_dtype dtype; /* T of the input(s) */
	cwise_fn fn;
	bool to_bool;    /* the output is bool (IsFinite, IsNan, IsInf) */
};

/* One op: its type, arity (1 or 2 same-shaped inputs) and implementations. */
struct cwise_op {
	const char *name;
	int arity;
	bool has_t;      /* false: LogicalNot (bool, no T attr) */
	struct cwise_impl impls[5]; /* ends with fn NULL */
};

#define IF(OP) { TFC_FLOAT, OP##_f, false }, { TFC_DOUBLE, OP##_d, false }
#define II(OP) { TFC_INT32, OP##_i32, false }, { TFC_INT64, OP##_i64, false }
#define IB(OP) { TFC_FLOAT, OP##_f, true }, { TFC_DOUBLE, OP##_d, true }
#define FOP(NAME, OP) { NAME, 1, true, { IF(OP) } }
#define NOP(NAME, OP) { NAME, 1, true, { IF(OP), II(OP) } }
#define FGRAD(NAME, OP) { NAME, 2, true, { IF(OP) } }
#define NGRAD(NAME, OP) { NAME, 2, true, { IF(OP), II(OP) } }

static const struct cwise_op cwise_ops[] = {
	NOP("Abs", abs), NOP("Neg", neg), NOP("Sign", sign), FOP("Reciprocal", recip),
	FOP("Inv", recip), NOP("Square", square), FOP("Sqrt", sqrt), FOP("Rsqrt", rsqrt),
	FOP("Exp", exp), FOP("Expm1", expm1), FOP("Log", log), FOP("Log1p", log1p),
	FOP("Sin", sin), FOP("Cos", cos), FOP("Tan", tan), FOP("Tanh", tanh),
	FOP("Sigmoid", sigmoid), FOP("Floor", floor), FOP("Ceil", ceil), FOP("Round", round),
	FOP("Rint", rint), { "IsFinite", 1, true, { IB(isfinite) } },
	{ "IsNan", 1, true, { IB(isnan) } }, { "IsInf", 1, true, { IB(isinf) } },
	{ "LogicalNot", 1, false, { { TFC_BOOL, lnot_b, true } } },
	NOP("Relu", relu), NOP("Relu6", relu6), FOP("Elu", elu), FOP("Selu", selu),
	FOP("Softplus", softplus), FOP("Softsign", softsign), FOP("LeakyRelu", leaky),
	FGRAD("SqrtGrad", sqrtgrad), FGRAD("RsqrtGrad", rsqrtgrad), FGRAD("TanhGrad", tanhgrad),
	FGRAD("SigmoidGrad", sigmoidgrad), FGRAD("ReciprocalGrad", recipgrad),
	FGRAD("InvGrad", recipgrad), NGRAD("ReluGrad", relugrad), NGRAD("Relu6Grad", relu6grad),
	FGRAD("EluGrad", elugrad), FGRAD("SeluGrad", selugrad),
	FGRAD("SoftplusGrad", softplusgrad), FGRAD("SoftsignGrad", softsigngrad),
	FGRAD("LeakyReluGrad", leakygrad),
	{ NULL, 0, false, { { 0, NULL, false } } },
};

/* Per-node state: the implementation chosen for T and the node's alpha. */
struct cwise_state {
	const struct cwise_op *op;
	const struct cwise_impl *impl;
	double alpha; /* LeakyRelu(Grad) */
};

static void *cwise_create(const tfc_operation *op, tfc_status *st)
{
	const struct cwise_op *c = cwise_ops;
	while (c->name && strcmp(c->name, op->type) != 0)
		c++;
	TFC_ASSERT(c->name);
	tfc_dtype t = c->has_t ? tfc_dtype_base(tfc_kernel_attr_type(op, "T")) : TFC_BOOL;
	for (const struct cwise_impl *e = c->impls; e->fn; e++) {
		if (e->dtype != t)
			continue;
		struct cwise_state *s = tfc__malloc(sizeof(*s));
		s->op = c;
		s->impl = e;
		s->alpha = tfc__kernel_attr_float(op, "alpha", 0.2f);
		return s;
	}
	return tfc__kernel_unsupported(op, "T", t, st);
}

static void cwise_destroy(void *state) { free(state); }

struct cwise_job {
	const struct cwise_state *s;
	const char *x, *y;
	char *out;
	size_t esz, out_esz;
};

static void cwise_range(void *arg, int64_t b, int64_t e)
{
	const struct cwise_job *j = arg;
	j->s->impl->fn(j->x + (size_t)b * j->esz, j->y ? j->y + (size_t)b * j->esz : NULL,
		       j->out + (size_t)b * j->out_esz, e - b, j->s->alpha);
}

/* Elements per chunk below which splitting does not pay (transcendental ops cost
 * more per element than additions; one threshold keeps it simple). */
#define CWISE_MIN_CHUNK 16384

static void cwise_compute(struct tfc_kernel_ctx *ctx)
{
	const struct cwise_state *s = ctx->state;
	int arity = s->op->arity;
	tfc_dtype t = s->impl->dtype;
	if (!tfc__kernel_inputs_ok(ctx, arity, t))
		return;
	const tfc_tensor *x = ctx->inputs[0], *y = arity == 2 ? ctx->inputs[1] : NULL;
	if (y && (x->shape.rank != y->shape.rank ||
		  memcmp(x->shape.dims, y->shape.dims, sizeof(int64_t) * (size_t)x->shape.rank))) {
		char b0[256], b1[256];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "%s: inputs must be of the same shape: %s vs. %s", ctx->op->type,
				 tfc__kshape(&x->shape, b0, sizeof(b0)),
				 tfc__kshape(&y->shape, b1, sizeof(b1)));
		return;
	}
	tfc_dtype odt = s->impl->to_bool ? TFC_BOOL : t;
	tfc_tensor *out = tfc__kernel_output_like(ctx, 0, 0, odt, x->shape.dims, x->shape.rank);
	if (!out)
		return;
	struct cwise_job j = { s, tfc_tensor_data(x), y ? tfc_tensor_data(y) : NULL,
			       tfc_tensor_data(out), tfc_dtype_size(t), tfc_dtype_size(odt) };
	tfc_parallel_for(ctx->intra_op_threads, x->n_elems, CWISE_MIN_CHUNK, cwise_range, &j);
}

#define K(NAME) { .op = NAME, .device = "CPU", .create = cwise_create, .destroy = cwise_destroy, \
		  .compute = cwise_compute }
const struct tfc_kernel_def tfc__cwise_unary_kernels[] = {
	K("Abs"), K("Neg"), K("Sign"), K("Reciprocal"), K("Inv"), K("Square"), K("Sqrt"),
	K("Rsqrt"), K("Exp"), K("Expm1"), K("Log"), K("Log1p"), K("Sin"), K("Cos"), K("Tan"),
	K("Tanh"), K("Sigmoid"), K("Floor"), K("Ceil"), K("Round"), K("Rint"), K("IsFinite"),
	K("IsNan"), K("IsInf"), K("LogicalNot"), K("Relu"), K("Relu6"), K("Elu"), K("Selu"),
	K("Softplus"), K("Softsign"), K("LeakyRelu"), K("SqrtGrad"), K("RsqrtGrad"),
	K("TanhGrad"), K("SigmoidGrad"), K("ReciprocalGrad"), K("InvGrad"), K("ReluGrad"),
	K("Relu6Grad"), K("EluGrad"), K("SeluGrad"), K("SoftplusGrad"), K("SoftsignGrad"),
	K("LeakyReluGrad"),
	{ .op = NULL },
};
