/*
 * kernel_util.c: the helpers that core/kernel.h promises kernels (allocating outputs,
 * forwarding inputs, formatted errors, reading type attrs) and the ones kernels/
 * shares internally (kernels/kernels.h): buffer reuse, buffer sharing, attr defaults,
 * the Unimplemented error of an unsupported dtype, and bringing a variable's value
 * back from a GPU's memory for the CPU kernels that read or write it in place.
 */
#include <stdarg.h>

#include "device_iface.h"
#include "kernels.h"

tfc_tensor *tfc_kernel_alloc_output(struct tfc_kernel_ctx *ctx, int i, tfc_dtype dtype,
				    const int64_t *dims, int rank)
{
	TFC_ASSERT(i >= 0 && i < ctx->n_outputs);
	tfc_tensor *t = tfc_tensor_new(dtype, dims, rank, ctx->st);
	if (!t)
		return NULL;
	tfc_tensor_free(ctx->outputs[i]);
	ctx->outputs[i] = t;
	return t;
}

void tfc_kernel_forward_input(struct tfc_kernel_ctx *ctx, int k, int i)
{
	TFC_ASSERT(k >= 0 && k < ctx->n_inputs && i >= 0 && i < ctx->n_outputs);
	tfc_tensor *in = ctx->inputs[k];
	if (!in) {
		/* Only a ref input of an uninitialized variable is NULL; the executor
		 * normally refuses to run the node before we get here. */
		const struct tfc_ref *r = ctx->input_refs ? ctx->input_refs[k] : NULL;
		tfc_kernel_error(ctx, TFC_FAILED_PRECONDITION,
				 "Attempting to use uninitialized value %s",
				 r && r->name ? r->name : "(unknown)");
		return;
	}
	tfc_tensor_free(ctx->outputs[i]);
	ctx->outputs[i] = tfc_tensor_ref(in);
}

void tfc_kernel_error(struct tfc_kernel_ctx *ctx, tfc_code code, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		tfc_status_set(ctx->st, code, "%s", fmt);
		return;
	}
	if ((size_t)n < sizeof(small)) {
		tfc_status_set(ctx->st, code, "%s", small);
		return;
	}
	char *big = tfc__malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	tfc_status_set(ctx->st, code, "%s", big);
	free(big);
}

tfc_dtype tfc_kernel_attr_type(const tfc_operation *op, const char *name)
{
	const Tensorflow__AttrValue *v = tfc__op_attr(op, name);
	if (!v || v->value_case != TENSORFLOW__ATTR_VALUE__VALUE_TYPE)
		return TFC_DTYPE_INVALID;
	return (tfc_dtype)v->type;
}

bool tfc__kernel_attr_bool(const tfc_operation *op, const char *name, bool dflt)
{
	const Tensorflow__AttrValue *v = tfc__op_attr(op, name);
	if (!v || v->value_case != TENSORFLOW__ATTR_VALUE__VALUE_B)
		return dflt;
	return v->b;
}

int64_t tfc__kernel_attr_int(const tfc_operation *op, const char *name, int64_t dflt)
{
	const Tensorflow__AttrValue *v = tfc__op_attr(op, name);
	if (!v || v->value_case != TENSORFLOW__ATTR_VALUE__VALUE_I)
		return dflt;
	return v->i;
}

void *tfc__kernel_unsupported(const tfc_operation *op, const char *attr, tfc_dtype dt,
			      tfc_status *st)
{
	tfc_status_set(st, TFC_UNIMPLEMENTED, "No CPU kernel for op %s with %s=%s (node '%s')",
		       op->type, attr, tfc_dtype_name(dt), op->name);
	return NULL;
}

/*
 * Writing into an input's buffer is safe when nobody else can observe the write.
 * Tensors are immutable once produced, and every holder of a tensor owns a reference
 * to it: the executor owns one per consumer that has yet to run, a fetch owns one, a
 * Const kernel's state owns one, a variable owns one to its value, a caller's feed
 * owns one. So when the reference count of input k is 1, the only holder is the
 * executor's slot for this very input of this very node, and no one will read the
 * tensor after us. The buffer is checked as well, because a Reshape output (or any
 * other view) is a second tensor sharing the same buffer. A ref input (a variable's
 * current value) is never reused: the variable may be read again later.
 * This relies on the executor giving each consumer its own reference (not one
 * reference borrowed by several consumers at once).
 */
bool tfc_kernel_can_reuse(struct tfc_kernel_ctx *ctx, int k)
{
	if (k < 0 || k >= ctx->n_inputs)
		return false;
	const tfc_tensor *t = ctx->inputs[k];
	if (!t || (ctx->input_refs && ctx->input_refs[k]))
		return false;
	if (t->dtype == TFC_STRING || t->dtype == TFC_RESOURCE)
		return false;
	return atomic_load(&((tfc_tensor *)t)->refs) == 1 && atomic_load(&t->buf->refs) == 1;
}

tfc_tensor *tfc__kernel_share_input(struct tfc_kernel_ctx *ctx, int k, int i,
				    const int64_t *dims, int rank)
{
	TFC_ASSERT(k >= 0 && k < ctx->n_inputs && i >= 0 && i < ctx->n_outputs);
	tfc_tensor *in = ctx->inputs[k];
	TFC_ASSERT(in && rank >= 0 && rank <= TFC_MAX_RANK);
	tfc_shape s = tfc_shape_make(rank, dims);
	TFC_ASSERT(tfc_shape_num_elements(&s) == in->n_elems);
	tfc_tensor *t = tfc__malloc(sizeof(*t));
	atomic_init(&t->refs, 1);
	t->dtype = in->dtype;
	t->shape = s;
	t->n_elems = in->n_elems;
	t->buf = in->buf;
	atomic_fetch_add(&t->buf->refs, 1);
	tfc_tensor_free(ctx->outputs[i]);
	ctx->outputs[i] = t;
	return t;
}

float tfc__kernel_attr_float(const tfc_operation *op, const char *name, float dflt)
{
	const Tensorflow__AttrValue *v = tfc__op_attr(op, name);
	if (!v || v->value_case != TENSORFLOW__ATTR_VALUE__VALUE_F)
		return dflt;
	return v->f;
}

bool tfc__kernel_attr_str_is(const tfc_operation *op, const char *name, const char *want,
			     bool dflt)
{
	const Tensorflow__AttrValue *v = tfc__op_attr(op, name);
	if (!v || v->value_case != TENSORFLOW__ATTR_VALUE__VALUE_S)
		return dflt;
	size_t n = strlen(want);
	return v->s.len == n && memcmp(v->s.data, want, n) == 0;
}

int tfc__kernel_attr_ints(const tfc_operation *op, const char *name, int64_t *out, int max)
{
	const Tensorflow__AttrValue *v = tfc__op_attr(op, name);
	if (!v || v->value_case != TENSORFLOW__ATTR_VALUE__VALUE_LIST || !v->list)
		return -1;
	int n = (int)v->list->n_i;
	for (int i = 0; i < n && i < max; i++)
		out[i] = v->list->i[i];
	return n;
}

bool tfc__kernel_inputs_ok(struct tfc_kernel_ctx *ctx, int n, tfc_dtype dt)
{
	for (int k = 0; k < n; k++) {
		const tfc_tensor *t = k < ctx->n_inputs ? ctx->inputs[k] : NULL;
		if (!t) {
			tfc_kernel_error(ctx, TFC_INTERNAL, "Input %d of %s is missing", k,
					 ctx->op->type);
			return false;
		}
		if (dt != TFC_DTYPE_INVALID && t->dtype != dt) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Input %d of %s has dtype %s, expected %s", k, ctx->op->type,
					 tfc_dtype_name(t->dtype), tfc_dtype_name(dt));
			return false;
		}
	}
	return true;
}

tfc_tensor *tfc__kernel_output_like(struct tfc_kernel_ctx *ctx, int k, int i, tfc_dtype dtype,
				    const int64_t *dims, int rank)
{
	const tfc_tensor *in = k >= 0 && k < ctx->n_inputs ? ctx->inputs[k] : NULL;
	if (in && in->dtype == dtype && tfc_kernel_can_reuse(ctx, k)) {
		tfc_shape s = tfc_shape_make(rank, dims);
		if (tfc_shape_num_elements(&s) == in->n_elems) {
			if (s.rank == in->shape.rank &&
			    memcmp(s.dims, in->shape.dims, sizeof(int64_t) * (size_t)rank) == 0) {
				tfc_kernel_forward_input(ctx, k, i);
				return ctx->outputs[i];
			}
			return tfc__kernel_share_input(ctx, k, i, dims, rank);
		}
	}
	return tfc_kernel_alloc_output(ctx, i, dtype, dims, rank);
}

bool tfc__kernel_axis(struct tfc_kernel_ctx *ctx, int64_t axis, int rank, int *out)
{
	if (axis < -rank || axis >= rank) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Expected dimension in the range [%d, %d), but got %lld", -rank,
				 rank, (long long)axis);
		return false;
	}
	*out = (int)(axis < 0 ? axis + rank : axis);
	return true;
}

void tfc__strides(const tfc_shape *s, int64_t *str)
{
	int64_t k = 1;
	for (int d = s->rank - 1; d >= 0; d--) {
		str[d] = k;
		k *= s->dims[d];
	}
}

/* Copies n elements with element strides ds and ss. */
static void copy_run(tfc_tensor *dst, int64_t d, const tfc_tensor *src, int64_t s, int64_t n,
		     int64_t ds, int64_t ss, size_t esz)
{
	if (dst->dtype == TFC_STRING) {
		for (int64_t i = 0; i < n; i++) {
			const tfc_tstring *t = tfc_tensor_string(src, s + i * ss);
			tfc_tensor_set_string(dst, d + i * ds, t->ptr, t->len, NULL);
		}
		return;
	}
	char *dp = (char *)tfc_tensor_data(dst) + (size_t)d * esz;
	const char *sp = (const char *)tfc_tensor_data(src) + (size_t)s * esz;
	if (ds == 1 && ss == 1) {
		memcpy(dp, sp, (size_t)n * esz);
		return;
	}
	switch (esz) {
	case 4:
		for (int64_t i = 0; i < n; i++)
			memcpy(dp + i * ds * 4, sp + i * ss * 4, 4);
		break;
	case 8:
		for (int64_t i = 0; i < n; i++)
			memcpy(dp + i * ds * 8, sp + i * ss * 8, 8);
		break;
	default:
		for (int64_t i = 0; i < n; i++)
			memcpy(dp + i * ds * (int64_t)esz, sp + i * ss * (int64_t)esz, esz);
	}
}

void tfc__copy_strided(tfc_tensor *dst, int64_t dst_off, const tfc_tensor *src, int64_t src_off,
		       int rank, const int64_t *dims, const int64_t *dstr, const int64_t *sstr)
{
	size_t esz = tfc__elem_size(dst->dtype);
	for (int d = 0; d < rank; d++)
		if (dims[d] == 0)
			return;
	if (rank == 0) {
		copy_run(dst, dst_off, src, src_off, 1, 1, 1, esz);
		return;
	}
	int last = rank - 1;
	int64_t idx[TFC_MAX_RANK] = {0};
	int64_t doff = dst_off, soff = src_off;
	for (;;) {
		copy_run(dst, doff, src, soff, dims[last], dstr[last], sstr[last], esz);
		int d = last - 1;
		for (; d >= 0; d--) {
			doff += dstr[d];
			soff += sstr[d];
			if (++idx[d] < dims[d])
				break;
			doff -= dstr[d] * dims[d];
			soff -= sstr[d] * dims[d];
			idx[d] = 0;
		}
		if (d < 0)
			return;
	}
}

bool tfc__ref_value_to_host(struct tfc_kernel_ctx *ctx, struct tfc_ref *r)
{
	tfc_tensor *old = r->value;
	if (!old || !tfc__tensor_device(old))
		return true;
	tfc_tensor *h = tfc__tensor_to_host(old, ctx->st);
	if (!h)
		return false;
	r->value = h;
	tfc_tensor_free(old); /* readers that took the device value keep it */
	return true;
}
