/*
 * cwise_misc.c: CPU kernels of the element-wise ops that are neither one unary
 * function nor one broadcasting binary one: AddN (the sum of N same-shaped tensors),
 * Cast (between float, double, half-free integer types and bool: floats to integers
 * truncate toward zero and saturate, NaN gives 0; integers to narrower integers wrap;
 * anything to bool is "!= 0"), Select (condition of the inputs' shape, a scalar, or a
 * vector over their first dimension) and SelectV2 (condition, t and e broadcast
 * together). Their argument checks (tfc__addn_args_ok, tfc__cast_create,
 * tfc__select_inputs_ok, tfc__select_inner; kernels.h) are shared with the GPU's
 * kernels (cuda/array_gpu.c).
 */
#include <math.h>

#include "broadcast.h"

/* ---- AddN */

static void *addn_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t != TFC_FLOAT && t != TFC_DOUBLE && t != TFC_INT32 && t != TFC_INT64)
		return tfc__kernel_unsupported(op, "T", t, st);
	return NULL;
}

struct addn_job {
	struct tfc_kernel_ctx *ctx;
	void *out;
	tfc_dtype dt;
};

#define ADDN_LOOP(T, U)                                                                     \
	do {                                                                                \
		T *o = j->out;                                                              \
		for (int k = 0; k < n; k++) {                                               \
			const T *x = tfc_tensor_data(j->ctx->inputs[k]);                    \
			if (k == 0 && (const void *)x != (const void *)o)                   \
				for (int64_t i = b; i < e; i++)                             \
					o[i] = x[i];                                        \
			else if (k > 0)                                                     \
				for (int64_t i = b; i < e; i++)                             \
					o[i] = (T)((U)o[i] + (U)x[i]);                      \
		}                                                                           \
	} while (0)

static void addn_range(void *arg, int64_t b, int64_t e)
{
	const struct addn_job *j = arg;
	int n = j->ctx->n_inputs;
	switch (j->dt) {
	case TFC_FLOAT: ADDN_LOOP(float, float); break;
	case TFC_DOUBLE: ADDN_LOOP(double, double); break;
	case TFC_INT32: ADDN_LOOP(int32_t, uint32_t); break;
	default: ADDN_LOOP(int64_t, uint64_t); break;
	}
}

bool tfc__addn_args_ok(struct tfc_kernel_ctx *ctx)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(ctx->op, "T"));
	if (ctx->n_inputs < 1 || !tfc__kernel_inputs_ok(ctx, ctx->n_inputs, t))
		return false;
	const tfc_tensor *x0 = ctx->inputs[0];
	for (int k = 1; k < ctx->n_inputs; k++) {
		const tfc_tensor *x = ctx->inputs[k];
		if (x->shape.rank != x0->shape.rank ||
		    memcmp(x->shape.dims, x0->shape.dims, sizeof(int64_t) * (size_t)x0->shape.rank)) {
			char b0[256], b1[256];
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Inputs to operation AddN must have the same size and shape.  "
					 "Input 0: %s != input %d: %s",
					 tfc__kshape(&x0->shape, b0, sizeof(b0)), k,
					 tfc__kshape(&x->shape, b1, sizeof(b1)));
			return false;
		}
	}
	return true;
}

static void addn_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__addn_args_ok(ctx))
		return;
	tfc_dtype t = ctx->inputs[0]->dtype;
	const tfc_tensor *x0 = ctx->inputs[0];
	tfc_tensor *out = tfc__kernel_output_like(ctx, 0, 0, t, x0->shape.dims, x0->shape.rank);
	if (!out)
		return;
	struct addn_job j = { ctx, tfc_tensor_data(out), t };
	tfc_parallel_for(ctx->intra_op_threads, x0->n_elems, 32768, addn_range, &j);
}

/* ---- Cast */

static bool cast_type_ok(tfc_dtype t)
{
	switch (t) {
	case TFC_FLOAT: case TFC_DOUBLE: case TFC_INT32: case TFC_INT64: case TFC_BOOL:
	case TFC_UINT8: case TFC_INT8: case TFC_INT16: case TFC_UINT16: case TFC_UINT32:
	case TFC_UINT64:
		return true;
	default:
		return false;
	}
}

static bool is_float(tfc_dtype t) { return t == TFC_FLOAT || t == TFC_DOUBLE; }

void *tfc__cast_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype s = tfc_dtype_base(tfc_kernel_attr_type(op, "SrcT"));
	tfc_dtype d = tfc_dtype_base(tfc_kernel_attr_type(op, "DstT"));
	if (!cast_type_ok(s))
		return tfc__kernel_unsupported(op, "SrcT", s, st);
	if (!cast_type_ok(d))
		return tfc__kernel_unsupported(op, "DstT", d, st);
	struct tfc__cast_state *cs = tfc__malloc(sizeof(*cs));
	cs->src = s;
	cs->dst = d;
	return cs;
}

void tfc__cast_destroy(void *s) { free(s); }

static int64_t load_int(const void *p, tfc_dtype t, int64_t i)
{
	switch (t) {
	case TFC_INT32: return ((const int32_t *)p)[i];
	case TFC_INT64: return ((const int64_t *)p)[i];
	case TFC_BOOL: return ((const uint8_t *)p)[i] != 0;
	case TFC_UINT8: return ((const uint8_t *)p)[i];
	case TFC_INT8: return ((const int8_t *)p)[i];
	case TFC_INT16: return ((const int16_t *)p)[i];
	case TFC_UINT16: return ((const uint16_t *)p)[i];
	case TFC_UINT32: return ((const uint32_t *)p)[i];
	default: return (int64_t)((const uint64_t *)p)[i];
	}
}

/* Stores an integer, wrapping to the destination's width. */
static void store_int(void *p, tfc_dtype t, int64_t i, int64_t v)
{
	uint64_t u = (uint64_t)v;
	switch (t) {
	case TFC_FLOAT: ((float *)p)[i] = (float)v; break;
	case TFC_DOUBLE: ((double *)p)[i] = (double)v; break;
	case TFC_INT32: ((int32_t *)p)[i] = (int32_t)(uint32_t)u; break;
	case TFC_INT64: ((int64_t *)p)[i] = v; break;
	case TFC_BOOL: ((uint8_t *)p)[i] = v != 0; break;
	case TFC_UINT8: ((uint8_t *)p)[i] = (uint8_t)u; break;
	case TFC_INT8: ((int8_t *)p)[i] = (int8_t)(uint8_t)u; break;
	case TFC_INT16: ((int16_t *)p)[i] = (int16_t)(uint16_t)u; break;
	case TFC_UINT16: ((uint16_t *)p)[i] = (uint16_t)u; break;
	case TFC_UINT32: ((uint32_t *)p)[i] = (uint32_t)u; break;
	default: ((uint64_t *)p)[i] = u; break;
	}
}

/* A float to an integer: truncated toward zero, saturated to int64's range (C leaves
 * out-of-range conversions undefined), NaN as 0; then wrapped like any integer. */
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

struct cast_job {
	const struct tfc__cast_state *s;
	const void *in;
	void *out;
};

static void cast_range(void *arg, int64_t b, int64_t e)
{
	const struct cast_job *j = arg;
	tfc_dtype s = j->s->src, d = j->s->dst;
	if (s == TFC_FLOAT && d == TFC_DOUBLE) {
		for (int64_t i = b; i < e; i++)
			((double *)j->out)[i] = ((const float *)j->in)[i];
	} else if (s == TFC_DOUBLE && d == TFC_FLOAT) {
		for (int64_t i = b; i < e; i++)
			((float *)j->out)[i] = (float)((const double *)j->in)[i];
	} else if (is_float(s)) {
		for (int64_t i = b; i < e; i++) {
			double x = s == TFC_FLOAT ? ((const float *)j->in)[i] : ((const double *)j->in)[i];
			if (d == TFC_FLOAT)
				((float *)j->out)[i] = (float)x;
			else if (d == TFC_DOUBLE)
				((double *)j->out)[i] = x;
			else if (d == TFC_BOOL)
				((uint8_t *)j->out)[i] = x != 0;
			else if (d == TFC_UINT64 && x >= 9223372036854775808.0)
				((uint64_t *)j->out)[i] =
					x >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)x;
			else
				store_int(j->out, d, i, float_to_int(x));
		}
	} else {
		for (int64_t i = b; i < e; i++) {
			int64_t v = load_int(j->in, s, i);
			if (s == TFC_UINT64 && is_float(d) && v < 0) {
				double x = (double)(uint64_t)v;
				if (d == TFC_FLOAT)
					((float *)j->out)[i] = (float)x;
				else
					((double *)j->out)[i] = x;
			} else {
				store_int(j->out, d, i, v);
			}
		}
	}
}

static void cast_compute(struct tfc_kernel_ctx *ctx)
{
	const struct tfc__cast_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 1, s->src))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	if (s->src == s->dst) {
		tfc_kernel_forward_input(ctx, 0, 0);
		return;
	}
	tfc_tensor *out = tfc_dtype_size(s->src) == tfc_dtype_size(s->dst)
				  ? tfc__kernel_output_like(ctx, 0, 0, s->dst, x->shape.dims,
							    x->shape.rank)
				  : tfc_kernel_alloc_output(ctx, 0, s->dst, x->shape.dims,
							    x->shape.rank);
	if (!out)
		return;
	struct cast_job j = { s, tfc_tensor_data(x), tfc_tensor_data(out) };
	tfc_parallel_for(ctx->intra_op_threads, x->n_elems, 32768, cast_range, &j);
}

/* ---- Select, SelectV2 */

static size_t elem_size(tfc_dtype dt)
{
	if (dt == TFC_STRING)
		return sizeof(tfc_tstring);
	if (dt == TFC_RESOURCE)
		return sizeof(void *);
	return tfc_dtype_size(dt);
}

static void *select_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t == TFC_DTYPE_INVALID || t == TFC_VARIANT || t == TFC_RESOURCE)
		return tfc__kernel_unsupported(op, "T", t, st);
	return NULL;
}

/* Copies element si of src to element di of dst (strings deep-copied). */
static void put(tfc_tensor *dst, int64_t di, const tfc_tensor *src, int64_t si, size_t esz)
{
	if (dst->dtype == TFC_STRING) {
		const tfc_tstring *s = tfc_tensor_string(src, si);
		tfc_tensor_set_string(dst, di, s->ptr, s->len, NULL);
		return;
	}
	memcpy((char *)tfc_tensor_data(dst) + (size_t)di * esz,
	       (const char *)tfc_tensor_data(src) + (size_t)si * esz, esz);
}

static bool same_dims(const tfc_shape *a, const tfc_shape *b)
{
	return a->rank == b->rank &&
	       memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank) == 0;
}

bool tfc__select_inputs_ok(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 3, TFC_DTYPE_INVALID))
		return false;
	if (ctx->inputs[0]->dtype != TFC_BOOL || ctx->inputs[1]->dtype != ctx->inputs[2]->dtype) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "%s expects a bool condition and t, e of one dtype: got %s, %s, %s",
				 ctx->op->type, tfc_dtype_name(ctx->inputs[0]->dtype),
				 tfc_dtype_name(ctx->inputs[1]->dtype),
				 tfc_dtype_name(ctx->inputs[2]->dtype));
		return false;
	}
	return true;
}

bool tfc__select_inner(struct tfc_kernel_ctx *ctx, int64_t *inner_out)
{
	const tfc_tensor *c = ctx->inputs[0], *t = ctx->inputs[1], *e = ctx->inputs[2];
	char b0[256], b1[256];
	if (!same_dims(&t->shape, &e->shape)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "'then' and 'else' must have the same size.  but received: %s vs. %s",
				 tfc__kshape(&t->shape, b0, sizeof(b0)),
				 tfc__kshape(&e->shape, b1, sizeof(b1)));
		return false;
	}
	int64_t inner;
	if (same_dims(&c->shape, &t->shape)) {
		inner = 1;
	} else if (c->shape.rank == 0) {
		inner = t->n_elems;
	} else if (c->shape.rank == 1 && t->shape.rank >= 1 && c->shape.dims[0] == t->shape.dims[0]) {
		inner = t->shape.dims[0] ? t->n_elems / t->shape.dims[0] : 0;
	} else {
		if (c->shape.rank == 1 && t->shape.rank >= 1)
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Number of batches of 'then' must match size of 'cond', "
					 "but saw: %lld vs. %lld",
					 (long long)t->shape.dims[0], (long long)c->shape.dims[0]);
		else
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "'then' and 'cond' must have the same size.  but received: "
					 "%s vs. %s",
					 tfc__kshape(&t->shape, b0, sizeof(b0)),
					 tfc__kshape(&c->shape, b1, sizeof(b1)));
		return false;
	}
	*inner_out = inner;
	return true;
}

static void select_compute(struct tfc_kernel_ctx *ctx)
{
	int64_t inner;
	if (!tfc__select_inputs_ok(ctx) || !tfc__select_inner(ctx, &inner))
		return;
	const tfc_tensor *c = ctx->inputs[0], *t = ctx->inputs[1], *e = ctx->inputs[2];
	tfc_tensor *out = tfc_kernel_alloc_output(ctx, 0, t->dtype, t->shape.dims, t->shape.rank);
	if (!out)
		return;
	const uint8_t *cp = tfc_tensor_data(c);
	size_t esz = elem_size(t->dtype);
	for (int64_t i = 0; i < t->n_elems; i++)
		put(out, i, cp[inner ? i / inner : 0] ? t : e, i, esz);
}

static void select_v2_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__select_inputs_ok(ctx))
		return;
	const tfc_tensor *in[3] = { ctx->inputs[0], ctx->inputs[1], ctx->inputs[2] };
	struct tfc__bcast b1, b2;
	if (!tfc__bcast_init(&b1, &in[1]->shape, &in[2]->shape, ctx->st) ||
	    !tfc__bcast_init(&b2, &in[0]->shape, &b1.out, ctx->st))
		return;
	tfc_shape os = b2.out;
	tfc_tensor *out = tfc_kernel_alloc_output(ctx, 0, in[1]->dtype, os.dims, os.rank);
	if (!out || out->n_elems == 0)
		return;
	/* Element strides of each input over the output's dimensions (0: broadcast). */
	int r = os.rank;
	int64_t str[3][TFC_MAX_RANK];
	for (int k = 0; k < 3; k++) {
		int64_t s = 1;
		for (int d = r - 1; d >= 0; d--) {
			int kd = d - (r - in[k]->shape.rank);
			int64_t dim = kd >= 0 ? in[k]->shape.dims[kd] : 1;
			str[k][d] = dim == 1 ? 0 : s;
			s *= dim;
		}
	}
	int64_t idx[TFC_MAX_RANK] = {0}, off[3] = {0, 0, 0};
	const uint8_t *cp = tfc_tensor_data(in[0]);
	size_t esz = elem_size(in[1]->dtype);
	for (int64_t i = 0; i < out->n_elems; i++) {
		if (cp[off[0]])
			put(out, i, in[1], off[1], esz);
		else
			put(out, i, in[2], off[2], esz);
		for (int d = r - 1; d >= 0; d--) {
			for (int k = 0; k < 3; k++)
				off[k] += str[k][d];
			if (++idx[d] < os.dims[d])
				break;
			for (int k = 0; k < 3; k++)
				off[k] -= str[k][d] * os.dims[d];
			idx[d] = 0;
		}
	}
}

const struct tfc_kernel_def tfc__cwise_misc_kernels[] = {
	{ .op = "AddN", .device = "CPU", .create = addn_create, .compute = addn_compute },
	{ .op = "Cast", .device = "CPU", .create = tfc__cast_create, .destroy = tfc__cast_destroy,
	  .compute = cast_compute },
	{ .op = "Select", .device = "CPU", .create = select_create, .compute = select_compute },
	{ .op = "SelectV2", .device = "CPU", .create = select_create,
	  .compute = select_v2_compute },
	{ .op = NULL },
};
