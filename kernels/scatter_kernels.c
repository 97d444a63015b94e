/*
 * scatter_kernels.c: CPU kernels of the variable ops that read or update rows by
 * index: ScatterAdd, ScatterSub, ScatterUpdate (reference variables; the ref is
 * forwarded), ResourceScatterAdd, ResourceScatterUpdate and ResourceGather (resource
 * variables), VariableShape, and CountUpTo. Rows are the variable's first dimension;
 * updates are shaped indices.shape + var.shape[1:] (or a scalar, used for every
 * element). Every index is checked before anything is written. Updates follow
 * kernels/state_kernels.c: under the variable's lock, in place when no reader holds
 * the value, else on a copy that is swapped in.
 */
#include <pthread.h>

#include "device_iface.h"
#include "kernels.h"

static bool is_index_type(tfc_dtype t) { return t == TFC_INT32 || t == TFC_INT64; }

/* The variable's value, writable (ref->mu held), in host memory (a value a GPU left
 * in its memory is brought back first); NULL with ctx->st set. */
static tfc_tensor *writable(struct tfc_kernel_ctx *ctx, struct tfc_ref *r)
{
	if (!tfc__ref_value_to_host(ctx, r))
		return NULL;
	tfc_tensor *old = r->value;
	int mine = 1;
	for (int k = 0; k < ctx->n_inputs; k++)
		if (ctx->inputs[k] == old)
			mine++;
	if (atomic_load(&old->refs) == mine && atomic_load(&old->buf->refs) == 1)
		return old;
	tfc_tensor *nt = tfc_tensor_new(old->dtype, old->shape.dims, old->shape.rank, ctx->st);
	if (!nt)
		return NULL;
	if (old->dtype == TFC_STRING) {
		for (int64_t i = 0; i < old->n_elems; i++) {
			const tfc_tstring *s = tfc_tensor_string(old, i);
			tfc_tensor_set_string(nt, i, s->ptr, s->len, NULL);
		}
	} else {
		memcpy(tfc_tensor_data(nt), tfc_tensor_data(old), tfc_tensor_byte_size(old));
	}
	r->value = nt;
	tfc_tensor_free(old);
	return nt;
}

/* The ref behind input 0: a ref input or a resource handle. */
static struct tfc_ref *var_ref(struct tfc_kernel_ctx *ctx, bool resource)
{
	struct tfc_ref *r = NULL;
	if (!resource) {
		r = ctx->input_refs && ctx->n_inputs > 0 ? ctx->input_refs[0] : NULL;
	} else {
		const tfc_tensor *h = ctx->n_inputs > 0 ? ctx->inputs[0] : NULL;
		if (h && h->dtype == TFC_RESOURCE && h->n_elems == 1)
			r = *(struct tfc_ref *const *)tfc_tensor_data(h);
	}
	if (!r)
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Input 0 of %s is not a %s", ctx->op->type,
				 resource ? "resource handle" : "reference");
	return r;
}

static bool uninitialized(struct tfc_kernel_ctx *ctx, struct tfc_ref *r, bool resource)
{
	if (r->value)
		return false;
	if (resource)
		tfc_kernel_error(ctx, TFC_FAILED_PRECONDITION,
				 "Could not find variable %s. This could mean that the variable has "
				 "been deleted. In TF1, it can also mean the variable is uninitialized.",
				 r->name);
	else
		tfc_kernel_error(ctx, TFC_FAILED_PRECONDITION,
				 "Attempting to use uninitialized value %s", r->name);
	return true;
}

enum scatter_kind { SC_ADD, SC_SUB, SC_UPDATE };

/* v[d..d+n) op= u[s..s+n) (u[s] for all when scalar). */
static void apply(tfc_tensor *v, int64_t d, const tfc_tensor *u, int64_t s, int64_t n,
		  bool scalar, enum scatter_kind k)
{
	if (k == SC_UPDATE && v->dtype == TFC_STRING) {
		for (int64_t i = 0; i < n; i++) {
			const tfc_tstring *t = tfc_tensor_string(u, scalar ? s : s + i);
			tfc_tensor_set_string(v, d + i, t->ptr, t->len, NULL);
		}
		return;
	}
	if (k == SC_UPDATE) {
		size_t esz = tfc__elem_size(v->dtype);
		for (int64_t i = 0; i < n; i++)
			memcpy((char *)tfc_tensor_data(v) + (size_t)(d + i) * esz,
			       (const char *)tfc_tensor_data(u) + (size_t)(scalar ? s : s + i) * esz, esz);
		return;
	}
#define LOOP(T, U)                                                                          \
	do {                                                                                \
		T *vp = (T *)tfc_tensor_data(v) + d;                                        \
		const T *up = (const T *)tfc_tensor_data(u) + s;                            \
		for (int64_t i = 0; i < n; i++) {                                           \
			T x = up[scalar ? 0 : i];                                           \
			vp[i] = k == SC_ADD ? (T)((U)vp[i] + (U)x) : (T)((U)vp[i] - (U)x);  \
		}                                                                           \
	} while (0)
	switch (v->dtype) {
	case TFC_FLOAT: LOOP(float, float); break;
	case TFC_DOUBLE: LOOP(double, double); break;
	case TFC_INT32: LOOP(int32_t, uint32_t); break;
	default: LOOP(int64_t, uint64_t); break;
	}
#undef LOOP
}

static void scatter(struct tfc_kernel_ctx *ctx, enum scatter_kind kind, bool resource)
{
	struct tfc_ref *r = var_ref(ctx, resource);
	if (!r)
		return;
	const tfc_tensor *idx = ctx->inputs[1], *upd = ctx->inputs[2];
	if (!idx || !upd) {
		tfc_kernel_error(ctx, TFC_INTERNAL, "An input of %s is missing", ctx->op->type);
		return;
	}
	char b0[128], b1[128], b2[128];
	if (!is_index_type(idx->dtype)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "indices must be int32 or int64");
		return;
	}
	pthread_mutex_lock(&r->mu); /* guards r->value */
	if (uninitialized(ctx, r, resource))
		goto unlock;
	tfc_tensor *v = r->value;
	if (v->dtype != upd->dtype) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%s of a %s variable with %s updates",
				 ctx->op->type, tfc_dtype_name(v->dtype), tfc_dtype_name(upd->dtype));
		goto unlock;
	}
	if (kind != SC_UPDATE && v->dtype != TFC_FLOAT && v->dtype != TFC_DOUBLE &&
	    v->dtype != TFC_INT32 && v->dtype != TFC_INT64) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "%s of %s", ctx->op->type,
				 tfc_dtype_name(v->dtype));
		goto unlock;
	}
	if (v->shape.rank < 1) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "params must be at least 1-D, got %s",
				 tfc__kshape(&v->shape, b0, sizeof(b0)));
		goto unlock;
	}
	bool scalar = upd->shape.rank == 0;
	bool shaped = upd->shape.rank == idx->shape.rank + v->shape.rank - 1;
	for (int d = 0; shaped && d < idx->shape.rank; d++)
		shaped = upd->shape.dims[d] == idx->shape.dims[d];
	for (int d = 1; shaped && d < v->shape.rank; d++)
		shaped = upd->shape.dims[idx->shape.rank + d - 1] == v->shape.dims[d];
	if (!scalar && !shaped) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Must have updates.shape = indices.shape + params.shape[1:] or "
				 "updates.shape = [], got updates.shape %s, indices.shape %s, "
				 "params.shape %s",
				 tfc__kshape(&upd->shape, b0, sizeof(b0)),
				 tfc__kshape(&idx->shape, b1, sizeof(b1)),
				 tfc__kshape(&v->shape, b2, sizeof(b2)));
		goto unlock;
	}
	int64_t rows = v->shape.dims[0], inner = rows ? v->n_elems / rows : 0;
	for (int64_t i = 0; i < idx->n_elems; i++) {
		int64_t k = tfc__kint(idx, i);
		if (k < 0 || k >= rows) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "indices[%lld] = %lld is not in [0, %lld)",
					 (long long)i, (long long)k, (long long)rows);
			goto unlock;
		}
	}
	if (!(v = writable(ctx, r)))
		goto unlock;
	for (int64_t i = 0; i < idx->n_elems; i++)
		apply(v, tfc__kint(idx, i) * inner, upd, scalar ? 0 : i * inner, inner, scalar, kind);
	if (!resource && ctx->n_outputs > 0)
		ctx->output_refs[0] = r;
unlock:
	pthread_mutex_unlock(&r->mu);
}

static void scatter_add_compute(struct tfc_kernel_ctx *ctx) { scatter(ctx, SC_ADD, false); }
static void scatter_sub_compute(struct tfc_kernel_ctx *ctx) { scatter(ctx, SC_SUB, false); }
static void scatter_update_compute(struct tfc_kernel_ctx *ctx) { scatter(ctx, SC_UPDATE, false); }
static void resource_scatter_add_compute(struct tfc_kernel_ctx *ctx) { scatter(ctx, SC_ADD, true); }
static void resource_scatter_update_compute(struct tfc_kernel_ctx *ctx)
{
	scatter(ctx, SC_UPDATE, true);
}

/* ---- ResourceGather, VariableShape */

tfc_tensor *tfc__resource_gather_args(struct tfc_kernel_ctx *ctx, bool check_indices, int64_t *odims,
				      int *orank_out, int64_t *inner_out)
{
	struct tfc_ref *r = var_ref(ctx, true);
	const tfc_tensor *idx = ctx->n_inputs > 1 ? ctx->inputs[1] : NULL;
	if (!r || !idx)
		return NULL;
	if (!is_index_type(idx->dtype)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "indices must be int32 or int64");
		return NULL;
	}
	if (tfc__kernel_attr_int(ctx->op, "batch_dims", 0) != 0) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "ResourceGather with batch_dims != 0");
		return NULL;
	}
	pthread_mutex_lock(&r->mu); /* guards r->value */
	tfc_tensor *v = uninitialized(ctx, r, true) ? NULL : tfc_tensor_ref(r->value);
	pthread_mutex_unlock(&r->mu);
	if (!v)
		return NULL;
	int64_t rows = v->shape.rank ? v->shape.dims[0] : 0, inner = rows ? v->n_elems / rows : 0;
	int orank = idx->shape.rank + v->shape.rank - 1;
	if (v->shape.rank < 1 || orank > TFC_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "params must be at least 1-D");
		goto fail;
	}
	for (int d = 0; d < idx->shape.rank; d++)
		odims[d] = idx->shape.dims[d];
	for (int d = 1; d < v->shape.rank; d++)
		odims[idx->shape.rank + d - 1] = v->shape.dims[d];
	for (int64_t i = 0; check_indices && i < idx->n_elems; i++) {
		int64_t k = tfc__kint(idx, i);
		if (k < 0 || k >= rows) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "indices[%lld] = %lld is not in [0, %lld)",
					 (long long)i, (long long)k, (long long)rows);
			goto fail;
		}
	}
	*orank_out = orank;
	*inner_out = inner;
	return v;
fail:
	tfc_tensor_free(v);
	return NULL;
}

static void resource_gather_compute(struct tfc_kernel_ctx *ctx)
{
	int64_t odims[TFC_MAX_RANK], inner;
	int orank;
	tfc_tensor *v = tfc__resource_gather_args(ctx, true, odims, &orank, &inner);
	if (v && tfc__tensor_device(v)) { /* a GPU left the value in its memory */
		tfc_tensor *h = tfc__tensor_to_host(v, ctx->st);
		tfc_tensor_free(v);
		v = h;
	}
	if (!v)
		return;
	const tfc_tensor *idx = ctx->inputs[1];
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, v->dtype, odims, orank);
	for (int64_t i = 0; o && i < idx->n_elems; i++)
		apply(o, i * inner, v, tfc__kint(idx, i) * inner, inner, false, SC_UPDATE);
	tfc_tensor_free(v);
}

static void variable_shape_compute(struct tfc_kernel_ctx *ctx)
{
	struct tfc_ref *r = var_ref(ctx, true);
	if (!r)
		return;
	tfc_dtype t = tfc_kernel_attr_type(ctx->op, "out_type");
	if (t == TFC_DTYPE_INVALID)
		t = TFC_INT32;
	pthread_mutex_lock(&r->mu); /* guards r->value */
	if (!uninitialized(ctx, r, true)) {
		int64_t n = r->value->shape.rank;
		tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, t, &n, 1);
		for (int64_t d = 0; o && d < n; d++) {
			if (t == TFC_INT32)
				((int32_t *)tfc_tensor_data(o))[d] = (int32_t)r->value->shape.dims[d];
			else
				((int64_t *)tfc_tensor_data(o))[d] = r->value->shape.dims[d];
		}
	}
	pthread_mutex_unlock(&r->mu);
}

/* ---- CountUpTo */

static void count_up_to_compute(struct tfc_kernel_ctx *ctx)
{
	struct tfc_ref *r = var_ref(ctx, false);
	if (!r)
		return;
	int64_t limit = tfc__kernel_attr_int(ctx->op, "limit", 0);
	pthread_mutex_lock(&r->mu); /* guards r->value */
	if (uninitialized(ctx, r, false))
		goto unlock;
	tfc_tensor *v = r->value;
	if ((v->dtype != TFC_INT32 && v->dtype != TFC_INT64) || v->n_elems != 1 || v->shape.rank) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "input is not a scalar integer");
		goto unlock;
	}
	int64_t before = tfc__kint(v, 0);
	if (before >= limit) {
		tfc_kernel_error(ctx, TFC_OUT_OF_RANGE, "Reached limit of %lld", (long long)limit);
		goto unlock;
	}
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, v->dtype, NULL, 0);
	if (!o || !(v = writable(ctx, r)))
		goto unlock;
	if (v->dtype == TFC_INT32) {
		((int32_t *)tfc_tensor_data(o))[0] = (int32_t)before;
		((int32_t *)tfc_tensor_data(v))[0] = (int32_t)(before + 1);
	} else {
		((int64_t *)tfc_tensor_data(o))[0] = before;
		((int64_t *)tfc_tensor_data(v))[0] = before + 1;
	}
unlock:
	pthread_mutex_unlock(&r->mu);
}

#define K(NAME, FN) { .op = NAME, .device = "CPU", .compute = FN, .flags = TFC_KF_STATEFUL }
const struct tfc_kernel_def tfc__scatter_kernels[] = {
	K("ScatterAdd", scatter_add_compute),
	K("ScatterSub", scatter_sub_compute),
	K("ScatterUpdate", scatter_update_compute),
	K("ResourceScatterAdd", resource_scatter_add_compute),
	K("ResourceScatterUpdate", resource_scatter_update_compute),
	K("ResourceGather", resource_gather_compute),
	K("VariableShape", variable_shape_compute),
	K("CountUpTo", count_up_to_compute),
	{ .op = NULL },
};
