/*
 * tensor_array.c: CPU kernels of TensorFlow's per-step containers: TensorArrayV3 and
 * its Write, Read, Gather, Scatter, Concat, Split, Size, Close and Grad ops (what tf.while_loop and
 * dynamic_rnn read and write sequences with), and StackV2 with StackPushV2 and
 * StackPopV2 (what while-loop gradients keep forward values in).
 *
 * Both live for one step in the step's container (core/step_resources.c); their
 * handles are resource vectors of two elements, as TensorFlow's are, holding the
 * object's address. A TensorArray's flow tensor is a float scalar that only orders
 * the ops. Values are kept by reference (tensors are immutable); a gradient array
 * (TensorArrayGradV3) sums several writes to one index and gives zeros for an index
 * never written when its element shape is known, as TensorFlow's do. Messages are
 * TensorFlow's.
 */
#include "kernels.h"

#define TA_KIND 0x54417272u    /* "TArr" */
#define STACK_KIND 0x5374636bu /* "Stck" */

struct grad_link {
	char *source;
	struct tensor_array *g;
	struct grad_link *next;
};

struct tensor_array {
	struct tfc__step_obj hdr;
	pthread_mutex_t mu; /* guards every field below */
	char *name;
	tfc_dtype dtype;
	tfc_shape elem_shape; /* rank -1: unknown */
	bool dynamic, clear_after_read, aggregate, closed;
	bool identical;       /* identical_element_shapes: the first write fixes the shape */
	int64_t size;
	tfc_tensor **elems;   /* size of them; NULL: not written (or cleared) */
	bool *cleared;        /* read once with clear_after_read */
	struct grad_link *grads;
};

static void ta_destroy(struct tfc__step_obj *o)
{
	struct tensor_array *ta = (struct tensor_array *)o;
	for (int64_t i = 0; i < ta->size; i++)
		tfc_tensor_free(ta->elems[i]);
	while (ta->grads) {
		struct grad_link *l = ta->grads;
		ta->grads = l->next;
		free(l->source);
		free(l); /* the gradient array is in the container itself */
	}
	free(ta->elems);
	free(ta->cleared);
	free(ta->name);
	pthread_mutex_destroy(&ta->mu);
	free(ta);
}

static struct tensor_array *ta_new(struct tfc_kernel_ctx *ctx, const char *name, tfc_dtype dt,
				   tfc_shape elem, int64_t size, bool dynamic, bool clear, bool aggregate)
{
	struct tensor_array *ta = tfc__calloc(1, sizeof(*ta));
	ta->hdr.kind = TA_KIND;
	ta->hdr.destroy = ta_destroy;
	pthread_mutex_init(&ta->mu, NULL);
	ta->name = tfc__strdup(name);
	ta->dtype = dt;
	ta->elem_shape = elem;
	ta->dynamic = dynamic;
	ta->clear_after_read = clear;
	ta->aggregate = aggregate;
	ta->size = size;
	ta->elems = tfc__calloc((size_t)size + 1, sizeof(*ta->elems));
	ta->cleared = tfc__calloc((size_t)size + 1, sizeof(bool));
	tfc__step_res_add(ctx->step_res, &ta->hdr);
	return ta;
}

/* Output i: a two-element resource handle holding obj. */
static void handle_out(struct tfc_kernel_ctx *ctx, int i, void *obj)
{
	int64_t two = 2;
	tfc_tensor *h = tfc_kernel_alloc_output(ctx, i, TFC_RESOURCE, &two, 1);
	if (h) {
		((void **)tfc_tensor_data(h))[0] = obj;
		((void **)tfc_tensor_data(h))[1] = obj;
	}
}

static void flow_out(struct tfc_kernel_ctx *ctx, int i)
{
	tfc_tensor *f = tfc_kernel_alloc_output(ctx, i, TFC_FLOAT, NULL, 0);
	if (f)
		*(float *)tfc_tensor_data(f) = 0;
}

static bool scalar_index(struct tfc_kernel_ctx *ctx, int k, int64_t *out)
{
	const tfc_tensor *t = ctx->inputs[k];
	if (!t || t->n_elems != 1 || (t->dtype != TFC_INT32 && t->dtype != TFC_INT64)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Input %d must be an integer scalar", k);
		return false;
	}
	*out = tfc__kint(t, 0);
	return true;
}

static bool same_shape(const tfc_shape *a, const tfc_shape *b)
{
	return a->rank == b->rank && !memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)(a->rank > 0 ? a->rank : 0));
}

/* sum = a + b, element-wise, same shapes (a gradient array's repeated writes). */
static bool add_into(tfc_tensor *sum, const tfc_tensor *a, const tfc_tensor *b, tfc_status *st)
{
	int64_t n = sum->n_elems;
	void *o = tfc_tensor_data(sum);
	const void *x = tfc_tensor_data(a), *y = tfc_tensor_data(b);
	switch (sum->dtype) {
	case TFC_FLOAT:
		for (int64_t i = 0; i < n; i++)
			((float *)o)[i] = ((const float *)x)[i] + ((const float *)y)[i];
		return true;
	case TFC_DOUBLE:
		for (int64_t i = 0; i < n; i++)
			((double *)o)[i] = ((const double *)x)[i] + ((const double *)y)[i];
		return true;
	case TFC_INT32:
		for (int64_t i = 0; i < n; i++)
			((int32_t *)o)[i] = (int32_t)((uint32_t)((const int32_t *)x)[i] + (uint32_t)((const int32_t *)y)[i]);
		return true;
	case TFC_INT64:
		for (int64_t i = 0; i < n; i++)
			((int64_t *)o)[i] = (int64_t)((uint64_t)((const int64_t *)x)[i] + (uint64_t)((const int64_t *)y)[i]);
		return true;
	default:
		tfc_status_set(st, TFC_UNIMPLEMENTED, "TensorArray gradient writes of %s cannot be added up",
			       tfc_dtype_name(sum->dtype));
		return false;
	}
}

/* ---- TensorArrayV3 */

struct ta_attrs {
	tfc_dtype dtype;
	tfc_shape elem;
	bool dynamic, clear, identical;
	char name[128];
};

static void *ta_create(const tfc_operation *op, tfc_status *st)
{
	struct ta_attrs *a = tfc__calloc(1, sizeof(*a));
	a->dtype = tfc_dtype_base(tfc_kernel_attr_type(op, "dtype"));
	if (a->dtype == TFC_DTYPE_INVALID) {
		free(a);
		return tfc__kernel_unsupported(op, "dtype", TFC_DTYPE_INVALID, st);
	}
	a->elem = tfc_shape_unknown();
	const Tensorflow__AttrValue *v = tfc__op_attr(op, "element_shape");
	if (v && v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_SHAPE)
		a->elem = tfc__shape_from_proto(v->shape);
	a->dynamic = tfc__kernel_attr_bool(op, "dynamic_size", false);
	a->clear = tfc__kernel_attr_bool(op, "clear_after_read", true);
	a->identical = tfc__kernel_attr_bool(op, "identical_element_shapes", false);
	size_t n = 0;
	tfc_status ast = {0};
	const char *nm = tfc_operation_get_attr_string(op, "tensor_array_name", &n, &ast);
	free(ast.msg);
	if (!nm || !n) {
		nm = op->name;
		n = strlen(nm);
	}
	snprintf(a->name, sizeof(a->name), "%.*s", (int)(n < 127 ? n : 127), nm);
	return a;
}

static void ta_attrs_free(void *a) { free(a); }

static void ta_v3_compute(struct tfc_kernel_ctx *ctx)
{
	const struct ta_attrs *a = ctx->state;
	int64_t size;
	if (!scalar_index(ctx, 0, &size))
		return;
	if (size < 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Size should be >= 0.");
		return;
	}
	if (!ctx->step_res) {
		tfc_kernel_error(ctx, TFC_INTERNAL, "No step container for the TensorArray");
		return;
	}
	struct tensor_array *ta = ta_new(ctx, a->name, a->dtype, a->elem, size, a->dynamic, a->clear, false);
	ta->identical = a->identical;
	handle_out(ctx, 0, ta);
	flow_out(ctx, 1);
}

static struct tensor_array *ta_of(struct tfc_kernel_ctx *ctx, int k)
{
	return (struct tensor_array *)tfc__step_res_find(ctx, k, TA_KIND, "TensorArray");
}

static bool ta_open(struct tfc_kernel_ctx *ctx, struct tensor_array *ta)
{
	if (ta->closed) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "TensorArray %s has already been closed.",
				 ta->name);
		return false;
	}
	return true;
}

/* Writes v at index i (ta->mu held). */
static bool ta_write_locked(struct tfc_kernel_ctx *ctx, struct tensor_array *ta, int64_t i, tfc_tensor *v)
{
	char b0[128], b1[128];
	if (v->dtype != ta->dtype) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "TensorArray dtype is %s but Op is trying to write dtype %s.",
				 tfc_dtype_name(ta->dtype), tfc_dtype_name(v->dtype));
		return false;
	}
	if (i < 0 || (i >= ta->size && !ta->dynamic)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Tried to write to index %lld but array is not resizeable and size is: %lld",
				 (long long)i, (long long)ta->size);
		return false;
	}
	if (i >= ta->size) {
		int64_t n = i + 1;
		ta->elems = tfc__realloc(ta->elems, (size_t)n * sizeof(*ta->elems));
		ta->cleared = tfc__realloc(ta->cleared, (size_t)n * sizeof(bool));
		for (int64_t k = ta->size; k < n; k++) {
			ta->elems[k] = NULL;
			ta->cleared[k] = false;
		}
		ta->size = n;
	}
	if (!tfc__shape_compatible(&ta->elem_shape, &v->shape)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Could not write to TensorArray index %lld because the value shape is %s "
				 "which is incompatible with the TensorArray's inferred element shape: %s",
				 (long long)i, tfc__kshape(&v->shape, b0, sizeof(b0)),
				 tfc__kshape(&ta->elem_shape, b1, sizeof(b1)));
		return false;
	}
	tfc_tensor *old = ta->elems[i];
	if (old || ta->cleared[i]) {
		if (!ta->aggregate) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Could not write to TensorArray index %lld because it has already "
					 "been written to.",
					 (long long)i);
			return false;
		}
		if (old) {
			if (!same_shape(&old->shape, &v->shape)) {
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "Could not aggregate to TensorArray index %lld because the "
						 "existing shape is %s but the new input shape is %s",
						 (long long)i, tfc__kshape(&old->shape, b0, sizeof(b0)),
						 tfc__kshape(&v->shape, b1, sizeof(b1)));
				return false;
			}
			tfc_tensor *sum = tfc_tensor_new(v->dtype, v->shape.dims, v->shape.rank, ctx->st);
			if (!sum)
				return false;
			if (!add_into(sum, old, v, ctx->st)) {
				tfc_tensor_free(sum);
				return false;
			}
			tfc_tensor_free(old);
			ta->elems[i] = sum;
			return true;
		}
	}
	/* With identical_element_shapes, the first value's shape is every element's. */
	if (ta->identical && !tfc_shape_is_fully_defined(&ta->elem_shape))
		ta->elem_shape = v->shape;
	ta->elems[i] = tfc_tensor_ref(v);
	ta->cleared[i] = false;
	return true;
}

/* TensorArrayWriteV3(handle, index, value, flow_in) -> flow_out */
static void ta_write_compute(struct tfc_kernel_ctx *ctx)
{
	struct tensor_array *ta = ta_of(ctx, 0);
	int64_t i;
	if (!ta || !scalar_index(ctx, 1, &i))
		return;
	pthread_mutex_lock(&ta->mu);
	bool ok = ta_open(ctx, ta) && ta_write_locked(ctx, ta, i, ctx->inputs[2]);
	pthread_mutex_unlock(&ta->mu);
	if (ok)
		flow_out(ctx, 0);
}

/* The element at i for a read (ta->mu held): a new reference, zeros for a never
 * written index of a gradient array, or NULL with the error set. */
static tfc_tensor *ta_read_locked(struct tfc_kernel_ctx *ctx, struct tensor_array *ta, int64_t i)
{
	if (i < 0 || i >= ta->size) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Tried to read from index %lld but array size is: %lld",
				 (long long)i, (long long)ta->size);
		return NULL;
	}
	if (ta->cleared[i]) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Could not read index %lld twice because it was cleared after a previous "
				 "read (perhaps try setting clear_after_read = false?)",
				 (long long)i);
		return NULL;
	}
	tfc_tensor *v = ta->elems[i];
	if (!v) {
		if (!ta->aggregate || !tfc_shape_is_fully_defined(&ta->elem_shape)) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Could not read from TensorArray index %lld because it has not yet "
					 "been written to.",
					 (long long)i);
			return NULL;
		}
		return tfc_tensor_new(ta->dtype, ta->elem_shape.dims, ta->elem_shape.rank, ctx->st);
	}
	v = tfc_tensor_ref(v);
	if (ta->clear_after_read) {
		tfc_tensor_free(ta->elems[i]);
		ta->elems[i] = NULL;
		ta->cleared[i] = true;
	}
	return v;
}

static bool want_dtype(struct tfc_kernel_ctx *ctx, const struct tensor_array *ta)
{
	tfc_dtype want = tfc_dtype_base(tfc_kernel_attr_type(ctx->op, "dtype"));
	if (want != TFC_DTYPE_INVALID && want != ta->dtype) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "TensorArray dtype is %s but Op requested dtype %s.",
				 tfc_dtype_name(ta->dtype), tfc_dtype_name(want));
		return false;
	}
	return true;
}

/* TensorArrayReadV3(handle, index, flow_in) -> value */
static void ta_read_compute(struct tfc_kernel_ctx *ctx)
{
	struct tensor_array *ta = ta_of(ctx, 0);
	int64_t i;
	if (!ta || !scalar_index(ctx, 1, &i) || !want_dtype(ctx, ta))
		return;
	pthread_mutex_lock(&ta->mu);
	tfc_tensor *v = ta_open(ctx, ta) ? ta_read_locked(ctx, ta, i) : NULL;
	pthread_mutex_unlock(&ta->mu);
	if (v) {
		tfc_tensor_free(ctx->outputs[0]);
		ctx->outputs[0] = v;
	}
}

/* TensorArrayGatherV3(handle, indices, flow_in) -> value [n, element...] */
static void ta_gather_compute(struct tfc_kernel_ctx *ctx)
{
	struct tensor_array *ta = ta_of(ctx, 0);
	const tfc_tensor *idx = ctx->inputs[1];
	if (!ta || !want_dtype(ctx, ta))
		return;
	if (idx->shape.rank != 1 || (idx->dtype != TFC_INT32 && idx->dtype != TFC_INT64)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Expected indices to be a vector");
		return;
	}
	int64_t n = idx->n_elems;
	tfc_tensor **parts = tfc__calloc((size_t)n + 1, sizeof(*parts));
	tfc_shape elem = tfc_shape_unknown();
	bool ok = true;
	pthread_mutex_lock(&ta->mu);
	ok = ta_open(ctx, ta);
	for (int64_t k = 0; ok && k < n; k++) {
		parts[k] = ta_read_locked(ctx, ta, tfc__kint(idx, k));
		ok = parts[k] != NULL;
		if (ok && k == 0)
			elem = parts[0]->shape;
		if (ok && !same_shape(&elem, &parts[k]->shape)) {
			char b0[128], b1[128];
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "TensorArray has inconsistent shapes.  Index 0 has shape: %s but index "
					 "%lld has shape: %s",
					 tfc__kshape(&elem, b0, sizeof(b0)), (long long)tfc__kint(idx, k),
					 tfc__kshape(&parts[k]->shape, b1, sizeof(b1)));
			ok = false;
		}
	}
	if (ok && n == 0) {
		const Tensorflow__AttrValue *v = tfc__op_attr(ctx->op, "element_shape");
		elem = ta->elem_shape;
		if (v && v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_SHAPE && v->shape &&
		    !v->shape->unknown_rank)
			elem = tfc__shape_from_proto(v->shape);
		if (!tfc_shape_is_fully_defined(&elem)) {
			char b[128];
			tfc_kernel_error(ctx, TFC_UNIMPLEMENTED,
					 "TensorArray has size zero, but element shape %s is not fully defined. "
					 "Currently only static shapes are supported when packing zero-size "
					 "TensorArrays.",
					 tfc__kshape(&elem, b, sizeof(b)));
			ok = false;
		}
	}
	pthread_mutex_unlock(&ta->mu);
	if (ok) {
		int64_t dims[TFC_MAX_RANK];
		dims[0] = n;
		for (int d = 0; d < elem.rank; d++)
			dims[d + 1] = elem.dims[d];
		tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, ta->dtype, dims, elem.rank + 1);
		if (o) {
			size_t each = n ? tfc_tensor_byte_size(parts[0]) : 0;
			for (int64_t k = 0; k < n; k++)
				memcpy((char *)tfc_tensor_data(o) + (size_t)k * each, tfc_tensor_data(parts[k]), each);
		}
	}
	for (int64_t k = 0; k < n; k++)
		tfc_tensor_free(parts[k]);
	free(parts);
}

/* TensorArrayScatterV3(handle, indices, value, flow_in) -> flow_out */
static void ta_scatter_compute(struct tfc_kernel_ctx *ctx)
{
	struct tensor_array *ta = ta_of(ctx, 0);
	const tfc_tensor *idx = ctx->inputs[1], *val = ctx->inputs[2];
	if (!ta)
		return;
	if (idx->shape.rank != 1 || (idx->dtype != TFC_INT32 && idx->dtype != TFC_INT64)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Expected indices to be a vector");
		return;
	}
	int64_t n = idx->n_elems;
	if (val->shape.rank < 1 || val->shape.dims[0] != n) {
		char b[128];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Expected len(indices) == values.shape[0], but saw: %lld vs. %s", (long long)n,
				 tfc__kshape(&val->shape, b, sizeof(b)));
		return;
	}
	size_t each = n ? tfc_tensor_byte_size(val) / (size_t)n : 0;
	bool ok = true;
	pthread_mutex_lock(&ta->mu);
	ok = ta_open(ctx, ta);
	for (int64_t k = 0; ok && k < n; k++) {
		tfc_tensor *part = tfc_tensor_new(val->dtype, val->shape.dims + 1, val->shape.rank - 1, ctx->st);
		ok = part != NULL;
		if (ok) {
			memcpy(tfc_tensor_data(part), (const char *)tfc_tensor_data(val) + (size_t)k * each, each);
			ok = ta_write_locked(ctx, ta, tfc__kint(idx, k), part);
			tfc_tensor_free(part);
		}
	}
	pthread_mutex_unlock(&ta->mu);
	if (ok)
		flow_out(ctx, 0);
}

/* TensorArrayConcatV3(handle, flow_in) -> value (the elements joined along their
 * first dimension), lengths (int64: each element's first dimension) */
static void ta_concat_compute(struct tfc_kernel_ctx *ctx)
{
	struct tensor_array *ta = ta_of(ctx, 0);
	if (!ta || !want_dtype(ctx, ta))
		return;
	pthread_mutex_lock(&ta->mu);
	int64_t n = ta->size;
	tfc_tensor **parts = tfc__calloc((size_t)n + 1, sizeof(*parts));
	bool ok = ta_open(ctx, ta);
	int64_t rows = 0;
	for (int64_t k = 0; ok && k < n; k++) {
		parts[k] = ta_read_locked(ctx, ta, k);
		ok = parts[k] != NULL;
		if (ok && parts[k]->shape.rank < 1) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Concat saw a scalar shape at index %lld but requires at least "
					 "vectors.",
					 (long long)k);
			ok = false;
		}
		if (ok && k > 0) {
			const tfc_shape *a = &parts[0]->shape, *b = &parts[k]->shape;
			bool same = a->rank == b->rank;
			for (int d = 1; same && d < a->rank; d++)
				same = a->dims[d] == b->dims[d];
			if (!same) {
				char b0[128], b1[128];
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "TensorArray has inconsistent shapes.  Index 0 has (excepting "
						 "dimension 0) shape: %s but index %lld has (excepting dimension "
						 "0) shape: %s",
						 tfc__kshape(a, b0, sizeof(b0)), (long long)k,
						 tfc__kshape(b, b1, sizeof(b1)));
				ok = false;
			}
		}
		if (ok)
			rows += parts[k]->shape.dims[0];
	}
	pthread_mutex_unlock(&ta->mu);
	tfc_shape rest = tfc_shape_unknown();
	if (ok && n > 0) {
		rest = parts[0]->shape;
	} else if (ok) {
		const Tensorflow__AttrValue *v = tfc__op_attr(ctx->op, "element_shape_except0");
		if (v && v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_SHAPE && v->shape && !v->shape->unknown_rank) {
			tfc_shape e = tfc__shape_from_proto(v->shape);
			rest.rank = e.rank + 1;
			for (int d = 0; d < e.rank; d++)
				rest.dims[d + 1] = e.dims[d];
		}
		bool known = rest.rank >= 1;
		for (int d = 1; known && d < rest.rank; d++)
			known = rest.dims[d] >= 0;
		if (!known) {
			tfc_kernel_error(ctx, TFC_UNIMPLEMENTED,
					 "TensorArray has size zero, but element_shape_except0 is not fully "
					 "defined. Currently only static shapes are supported when "
					 "concatenating zero-size TensorArrays.");
			ok = false;
		}
	}
	if (ok) {
		int64_t dims[TFC_MAX_RANK];
		dims[0] = rows;
		for (int d = 1; d < rest.rank; d++)
			dims[d] = rest.dims[d];
		tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, ta->dtype, dims, rest.rank);
		tfc_tensor *lens = tfc_kernel_alloc_output(ctx, 1, TFC_INT64, &n, 1);
		if (o && lens) {
			size_t at = 0;
			for (int64_t k = 0; k < n; k++) {
				size_t b = tfc_tensor_byte_size(parts[k]);
				memcpy((char *)tfc_tensor_data(o) + at, tfc_tensor_data(parts[k]), b);
				at += b;
				((int64_t *)tfc_tensor_data(lens))[k] = parts[k]->shape.dims[0];
			}
		}
	}
	for (int64_t k = 0; k < n; k++)
		tfc_tensor_free(parts[k]);
	free(parts);
}

/* TensorArraySplitV3(handle, value, lengths, flow_in) -> flow_out: value cut along its
 * first dimension into pieces of the given lengths, written at 0, 1, ... */
static void ta_split_compute(struct tfc_kernel_ctx *ctx)
{
	struct tensor_array *ta = ta_of(ctx, 0);
	const tfc_tensor *val = ctx->inputs[1], *lens = ctx->inputs[2];
	char b[128];
	if (!ta)
		return;
	if (lens->shape.rank != 1 || lens->dtype != TFC_INT64) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Expected lengths to be a vector, received shape: %s",
				 tfc__kshape(&lens->shape, b, sizeof(b)));
		return;
	}
	if (val->shape.rank < 1) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Expected value to be at least a vector, but received shape: %s",
				 tfc__kshape(&val->shape, b, sizeof(b)));
		return;
	}
	int64_t n = lens->n_elems, total = 0;
	const int64_t *lp = tfc_tensor_data(lens);
	for (int64_t k = 0; k < n; k++) {
		if (lp[k] < 0) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Expected lengths to be non-negative");
			return;
		}
		total += lp[k];
	}
	if (total != val->shape.dims[0]) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Expected sum of lengths to be equal to values.shape[0], but sum of lengths "
				 "is %lld and value's shape is: %s",
				 (long long)total, tfc__kshape(&val->shape, b, sizeof(b)));
		return;
	}
	size_t row = val->shape.dims[0] ? tfc_tensor_byte_size(val) / (size_t)val->shape.dims[0] : 0;
	bool ok = true;
	size_t at = 0;
	pthread_mutex_lock(&ta->mu);
	ok = ta_open(ctx, ta);
	for (int64_t k = 0; ok && k < n; k++) {
		int64_t dims[TFC_MAX_RANK];
		memcpy(dims, val->shape.dims, sizeof(int64_t) * (size_t)val->shape.rank);
		dims[0] = lp[k];
		tfc_tensor *part = tfc_tensor_new(val->dtype, dims, val->shape.rank, ctx->st);
		ok = part != NULL;
		if (ok) {
			memcpy(tfc_tensor_data(part), (const char *)tfc_tensor_data(val) + at, row * (size_t)lp[k]);
			at += row * (size_t)lp[k];
			ok = ta_write_locked(ctx, ta, k, part);
			tfc_tensor_free(part);
		}
	}
	pthread_mutex_unlock(&ta->mu);
	if (ok)
		flow_out(ctx, 0);
}

/* TensorArraySizeV3(handle, flow_in) -> size (int32) */
static void ta_size_compute(struct tfc_kernel_ctx *ctx)
{
	struct tensor_array *ta = ta_of(ctx, 0);
	if (!ta)
		return;
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, TFC_INT32, NULL, 0);
	if (!o)
		return;
	pthread_mutex_lock(&ta->mu);
	*(int32_t *)tfc_tensor_data(o) = (int32_t)ta->size;
	pthread_mutex_unlock(&ta->mu);
}

/* TensorArrayCloseV3(handle): the values go now; the array stays until the step ends. */
static void ta_close_compute(struct tfc_kernel_ctx *ctx)
{
	struct tensor_array *ta = ta_of(ctx, 0);
	if (!ta)
		return;
	pthread_mutex_lock(&ta->mu);
	for (int64_t i = 0; i < ta->size; i++) {
		tfc_tensor_free(ta->elems[i]);
		ta->elems[i] = NULL;
	}
	ta->closed = true;
	pthread_mutex_unlock(&ta->mu);
}

/* TensorArrayGradV3(handle, flow_in) -> grad_handle, flow_out: the gradient array of
 * `source` (made once per source): same size, dtype and element shape; several
 * writes to an index add up. */
static void ta_grad_compute(struct tfc_kernel_ctx *ctx)
{
	struct tensor_array *ta = ta_of(ctx, 0);
	if (!ta)
		return;
	size_t n = 0;
	tfc_status ast = {0};
	const char *src = tfc_operation_get_attr_string(ctx->op, "source", &n, &ast);
	free(ast.msg);
	char *source = tfc__strndup(src ? src : "", src ? n : 0);
	pthread_mutex_lock(&ta->mu);
	struct tensor_array *g = NULL;
	bool ok = ta_open(ctx, ta);
	for (struct grad_link *l = ta->grads; ok && l && !g; l = l->next)
		if (!strcmp(l->source, source))
			g = l->g;
	if (ok && !g) {
		char *gname = tfc__asprintf("%s@%s", ta->name, source);
		g = ta_new(ctx, gname, ta->dtype, ta->elem_shape, ta->size, false, true, true);
		g->identical = ta->identical;
		free(gname);
		struct grad_link *l = tfc__malloc(sizeof(*l));
		l->source = source;
		l->g = g;
		l->next = ta->grads;
		ta->grads = l;
		source = NULL;
	}
	pthread_mutex_unlock(&ta->mu);
	free(source);
	if (ok) {
		handle_out(ctx, 0, g);
		flow_out(ctx, 1);
	}
}

/* ---- stacks */

struct stack {
	struct tfc__step_obj hdr;
	pthread_mutex_t mu; /* guards n, cap, v */
	char *name;
	tfc_dtype dtype;
	int64_t max_size;   /* < 0: unbounded */
	int64_t n, cap;
	tfc_tensor **v;
};

static void stack_destroy(struct tfc__step_obj *o)
{
	struct stack *s = (struct stack *)o;
	for (int64_t i = 0; i < s->n; i++)
		tfc_tensor_free(s->v[i]);
	free(s->v);
	free(s->name);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static void stack_v2_compute(struct tfc_kernel_ctx *ctx)
{
	int64_t max;
	if (!scalar_index(ctx, 0, &max))
		return;
	if (!ctx->step_res) {
		tfc_kernel_error(ctx, TFC_INTERNAL, "No step container for the stack");
		return;
	}
	struct stack *s = tfc__calloc(1, sizeof(*s));
	s->hdr.kind = STACK_KIND;
	s->hdr.destroy = stack_destroy;
	pthread_mutex_init(&s->mu, NULL);
	size_t n = 0;
	tfc_status ast = {0};
	const char *nm = tfc_operation_get_attr_string(ctx->op, "stack_name", &n, &ast);
	free(ast.msg);
	s->name = nm && n ? tfc__strndup(nm, n) : tfc__strdup(ctx->op->name);
	s->dtype = tfc_dtype_base(tfc_kernel_attr_type(ctx->op, "elem_type"));
	s->max_size = max;
	tfc__step_res_add(ctx->step_res, &s->hdr);
	handle_out(ctx, 0, s);
}

/* StackPushV2(handle, elem) -> elem */
static void stack_push_compute(struct tfc_kernel_ctx *ctx)
{
	struct stack *s = (struct stack *)tfc__step_res_find(ctx, 0, STACK_KIND, "stack");
	tfc_tensor *v = ctx->inputs[1];
	if (!s)
		return;
	if (s->dtype != TFC_DTYPE_INVALID && v->dtype != s->dtype) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Stack[%s] expects %s but got %s", s->name,
				 tfc_dtype_name(s->dtype), tfc_dtype_name(v->dtype));
		return;
	}
	pthread_mutex_lock(&s->mu);
	bool over = s->max_size >= 0 && s->n >= s->max_size;
	if (!over) {
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 16;
			s->v = tfc__realloc(s->v, (size_t)s->cap * sizeof(*s->v));
		}
		s->v[s->n++] = tfc_tensor_ref(v);
	}
	pthread_mutex_unlock(&s->mu);
	if (over) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Stack[%s] overflowed its max_size (%lld)", s->name,
				 (long long)s->max_size);
		return;
	}
	tfc_kernel_forward_input(ctx, 1, 0);
}

/* StackPopV2(handle) -> elem */
static void stack_pop_compute(struct tfc_kernel_ctx *ctx)
{
	struct stack *s = (struct stack *)tfc__step_res_find(ctx, 0, STACK_KIND, "stack");
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	tfc_tensor *v = s->n ? s->v[--s->n] : NULL;
	pthread_mutex_unlock(&s->mu);
	if (!v) {
		tfc_kernel_error(ctx, TFC_OUT_OF_RANGE, "Stack[%s] is empty.", s->name);
		return;
	}
	tfc_tensor_free(ctx->outputs[0]);
	ctx->outputs[0] = v;
}

/* StackCloseV2(handle): the values go now. */
static void stack_close_compute(struct tfc_kernel_ctx *ctx)
{
	struct stack *s = (struct stack *)tfc__step_res_find(ctx, 0, STACK_KIND, "stack");
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	for (int64_t i = 0; i < s->n; i++)
		tfc_tensor_free(s->v[i]);
	s->n = 0;
	pthread_mutex_unlock(&s->mu);
}

#define TA(NAME, ...) { .op = NAME, .device = "CPU", .flags = TFC_KF_STATEFUL, __VA_ARGS__ }
const struct tfc_kernel_def tfc__tensor_array_kernels[] = {
	TA("TensorArrayV3", .create = ta_create, .destroy = ta_attrs_free, .compute = ta_v3_compute),
	TA("TensorArrayWriteV3", .compute = ta_write_compute),
	TA("TensorArrayReadV3", .compute = ta_read_compute),
	TA("TensorArrayGatherV3", .compute = ta_gather_compute),
	TA("TensorArrayScatterV3", .compute = ta_scatter_compute),
	TA("TensorArrayConcatV3", .compute = ta_concat_compute),
	TA("TensorArraySplitV3", .compute = ta_split_compute),
	TA("TensorArraySizeV3", .compute = ta_size_compute),
	TA("TensorArrayCloseV3", .compute = ta_close_compute),
	TA("TensorArrayGradV3", .compute = ta_grad_compute),
	TA("StackV2", .compute = stack_v2_compute),
	TA("StackPushV2", .compute = stack_push_compute),
	TA("StackPopV2", .compute = stack_pop_compute),
	TA("StackCloseV2", .compute = stack_close_compute),
	{ .op = NULL },
};
