/*
 * state_kernels.c: CPU kernels of the variable ops. Reference variables: VariableV2
 * and Variable (which hand out the session's slot for the variable as a ref output),
 * Assign, AssignAdd, AssignSub and IsVariableInitialized (which work on that slot).
 * Resource variables: VarHandleOp (a resource scalar pointing at the slot),
 * ReadVariableOp, AssignVariableOp, AssignAddVariableOp, AssignSubVariableOp,
 * VarIsInitializedOp and DestroyResourceOp. The slots (struct tfc_ref) belong to the
 * session's resource table; each one's mutex guards its value.
 *
 * A variable's value is an ordinary immutable tensor: assigning stores a new
 * reference to the assigned tensor, and an update computes a new tensor and swaps it
 * in under the lock, so a reader that took a reference earlier keeps the value it
 * read. Only when the variable holds the sole reference to its value (no reader can
 * see it) does an update write in place.
 *
 * The GPU kernels of these ops (cuda/state_gpu.c) share the node state (the session
 * frees it through these records' destroy), the argument lookups and the checks made
 * under the lock (kernels/kernels.h), so both say the same things. A value a GPU
 * kernel left in the GPU's memory (another signature placed the variable there) is
 * brought back to the host before a CPU update writes it.
 */
#include "kernels.h"

/* Names and shapes that the variable-making kernels fix at create() (struct
 * tfc__var_state, kernels/kernels.h: the GPU's records keep the same). */
void tfc__variable_destroy(void *state)
{
	struct tfc__var_state *s = state;
	if (!s)
		return;
	free(s->name);
	free(s);
}

static struct tfc__var_state *var_state_new(const tfc_operation *op)
{
	struct tfc__var_state *s = tfc__calloc(1, sizeof(*s));
	size_t n = 0;
	const char *shared = tfc_operation_get_attr_string(op, "shared_name", &n, NULL);
	s->name = shared && n ? tfc__strndup(shared, n) : tfc__strdup(op->name);
	s->dtype = tfc_dtype_base(tfc_kernel_attr_type(op, "dtype"));
	const Tensorflow__AttrValue *v = tfc__op_attr(op, "shape");
	s->shape = v && v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_SHAPE
			   ? tfc__shape_from_proto(v->shape)
			   : tfc_shape_unknown();
	/* The legacy Variable op wrote unknown shapes as [] (as its shape function reads). */
	if (strcmp(op->type, "Variable") == 0 && s->shape.rank <= 0)
		s->shape = tfc_shape_unknown();
	return s;
}

static bool same_shape(const tfc_shape *a, const tfc_shape *b)
{
	if (a->rank != b->rank)
		return false;
	for (int i = 0; i < a->rank; i++)
		if (a->dims[i] != b->dims[i])
			return false;
	return true;
}

/* The session's slot for the variable; NULL with ctx->st set without resources. */
struct tfc_ref *tfc__var_lookup(struct tfc_kernel_ctx *ctx, const struct tfc__var_state *s)
{
	if (!ctx->resources) {
		tfc_kernel_error(ctx, TFC_INTERNAL, "%s has no resources to keep variable %s in",
				 ctx->op->type, s->name);
		return NULL;
	}
	return tfc_resources_ref(ctx->resources, s->name, s->dtype, &s->shape);
}

/* ---- elementwise update helpers */

static bool update_dtype_ok(tfc_dtype t)
{
	return t == TFC_FLOAT || t == TFC_DOUBLE || t == TFC_INT32 || t == TFC_INT64;
}

#define UPDATE_LOOP(T, U)                                                                   \
	do {                                                                                \
		T *o_ = out;                                                                \
		const T *a_ = a, *b_ = b;                                                   \
		if (sub)                                                                    \
			for (int64_t i_ = 0; i_ < n; i_++)                                  \
				o_[i_] = (T)((U)a_[i_] - (U)b_[i_]);                        \
		else                                                                        \
			for (int64_t i_ = 0; i_ < n; i_++)                                  \
				o_[i_] = (T)((U)a_[i_] + (U)b_[i_]);                        \
	} while (0)

/* out = a + b (or a - b) over n elements; out may be a. Ints wrap around. */
static void add_elems(tfc_dtype dt, void *out, const void *a, const void *b, int64_t n, bool sub)
{
	switch (dt) {
	case TFC_FLOAT: UPDATE_LOOP(float, float); break;
	case TFC_DOUBLE: UPDATE_LOOP(double, double); break;
	case TFC_INT32: UPDATE_LOOP(int32_t, uint32_t); break;
	case TFC_INT64: UPDATE_LOOP(int64_t, uint64_t); break;
	default: TFC_ASSERT(!"dtype checked at create()");
	}
}

/* ref->value = ref->value +/- v, with ref->mu held and ref->value set and of v's
 * shape. In place when no one but the variable (and this kernel's own input, when
 * the executor handed it the variable's value as input 0) holds the value or its
 * buffer: readers take their reference under ref->mu, which we hold, so no one can
 * start reading it now. Otherwise into a new tensor that is swapped in. False with
 * ctx->st set on failure. */
static bool update_locked(struct tfc_kernel_ctx *ctx, struct tfc_ref *ref, const tfc_tensor *v,
			  bool sub)
{
	if (!tfc__ref_value_to_host(ctx, ref))
		return false;
	tfc_tensor *old = ref->value;
	int mine = 1 + (ctx->n_inputs > 0 && ctx->inputs[0] == old);
	if (atomic_load(&old->refs) == mine && atomic_load(&old->buf->refs) == 1) {
		add_elems(old->dtype, tfc_tensor_data(old), tfc_tensor_data(old), tfc_tensor_data(v),
			  old->n_elems, sub);
		return true;
	}
	tfc_tensor *nt = tfc_tensor_new(old->dtype, old->shape.dims, old->shape.rank, ctx->st);
	if (!nt)
		return false;
	add_elems(old->dtype, tfc_tensor_data(nt), tfc_tensor_data(old), tfc_tensor_data(v),
		  old->n_elems, sub);
	ref->value = nt;
	tfc_tensor_free(old); /* readers that took a reference keep the old value */
	return true;
}

/* ---- VariableV2, Variable */

/* VariableV2, Variable and VarHandleOp: the dtype check and the ref's name. */
void *tfc__variable_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "dtype"));
	if (t == TFC_DTYPE_INVALID || t == TFC_VARIANT || t == TFC_RESOURCE)
		return tfc__kernel_unsupported(op, "dtype", t, st);
	return var_state_new(op);
}

static void variable_compute(struct tfc_kernel_ctx *ctx)
{
	struct tfc_ref *r = tfc__var_lookup(ctx, ctx->state);
	if (r)
		ctx->output_refs[0] = r; /* outputs[0] stays NULL: the edge carries the slot */
}

/* The ref behind input 0 of a ref-taking op; NULL with ctx->st set if missing. */
struct tfc_ref *tfc__var_input_ref(struct tfc_kernel_ctx *ctx)
{
	struct tfc_ref *r = ctx->input_refs && ctx->n_inputs > 0 ? ctx->input_refs[0] : NULL;
	if (!r)
		tfc_kernel_error(ctx, TFC_INTERNAL, "Input 0 of %s is not a reference",
				 ctx->op->type);
	return r;
}

/* The value input k; NULL with ctx->st set if missing. */
const tfc_tensor *tfc__var_value_input(struct tfc_kernel_ctx *ctx, int k)
{
	const tfc_tensor *v = k < ctx->n_inputs ? ctx->inputs[k] : NULL;
	if (!v)
		tfc_kernel_error(ctx, TFC_INTERNAL, "Input %d of %s is missing", k, ctx->op->type);
	return v;
}

/* ---- Assign */

void *tfc__assign_create(const tfc_operation *op, tfc_status *st)
{
	(void)st;
	struct tfc__assign_state *s = tfc__malloc(sizeof(*s));
	s->validate_shape = tfc__kernel_attr_bool(op, "validate_shape", true);
	return s;
}

void tfc__assign_destroy(void *state) { free(state); }

bool tfc__assign_ok(struct tfc_kernel_ctx *ctx, const struct tfc__assign_state *s, const struct tfc_ref *ref,
		    const tfc_tensor *v)
{
	if (s->validate_shape) {
		/* TensorFlow compares with the variable's tensor: shaped as declared when
		 * the declaration is complete, else as its current value (if any). */
		const tfc_shape *lhs = tfc_shape_is_fully_defined(&ref->shape) ? &ref->shape
				       : ref->value				 ? &ref->value->shape
										 : NULL;
		if (lhs && !same_shape(lhs, &v->shape)) {
			char b0[512], b1[512];
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Assign requires shapes of both tensors to match. lhs shape= %s "
					 "rhs shape= %s",
					 tfc__kshape(lhs, b0, sizeof(b0)),
					 tfc__kshape(&v->shape, b1, sizeof(b1)));
			return false;
		}
	}
	return true;
}

static void assign_compute(struct tfc_kernel_ctx *ctx)
{
	struct tfc_ref *ref = tfc__var_input_ref(ctx);
	const tfc_tensor *v = tfc__var_value_input(ctx, 1);
	if (!ref || !v)
		return;
	tfc_tensor *old = NULL;
	pthread_mutex_lock(&ref->mu); /* guards ref->value */
	if (!tfc__assign_ok(ctx, ctx->state, ref, v))
		goto unlock;
	/* Tensors are immutable once produced (kernels only write into a buffer that no
	 * one else holds), so the variable may keep a reference to the assigned tensor
	 * instead of a copy. */
	old = ref->value;
	ref->value = tfc_tensor_ref((tfc_tensor *)v);
	ctx->output_refs[0] = ref;
unlock:
	pthread_mutex_unlock(&ref->mu);
	tfc_tensor_free(old);
}

/* ---- AssignAdd, AssignSub */

void *tfc__assign_update_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (!update_dtype_ok(t))
		return tfc__kernel_unsupported(op, "T", t, st);
	return NULL;
}

bool tfc__assign_update_ok(struct tfc_kernel_ctx *ctx, const struct tfc_ref *ref, const tfc_tensor *v)
{
	if (!ref->value) {
		tfc_kernel_error(ctx, TFC_FAILED_PRECONDITION,
				 "Attempting to use uninitialized value %s", ref->name);
		return false;
	}
	if (ref->value->dtype != v->dtype) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%s of a %s variable with a %s value",
				 ctx->op->type, tfc_dtype_name(ref->value->dtype),
				 tfc_dtype_name(v->dtype));
		return false;
	}
	if (!same_shape(&ref->value->shape, &v->shape)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Parameters and update must be the same size");
		return false;
	}
	return true;
}

static void assign_update(struct tfc_kernel_ctx *ctx, bool sub)
{
	struct tfc_ref *ref = tfc__var_input_ref(ctx);
	const tfc_tensor *v = tfc__var_value_input(ctx, 1);
	if (!ref || !v)
		return;
	pthread_mutex_lock(&ref->mu); /* guards ref->value */
	if (!tfc__assign_update_ok(ctx, ref, v))
		goto unlock;
	if (update_locked(ctx, ref, v, sub))
		ctx->output_refs[0] = ref;
unlock:
	pthread_mutex_unlock(&ref->mu);
}

static void assign_add_compute(struct tfc_kernel_ctx *ctx) { assign_update(ctx, false); }
static void assign_sub_compute(struct tfc_kernel_ctx *ctx) { assign_update(ctx, true); }

/* ---- IsVariableInitialized */

static void bool_output(struct tfc_kernel_ctx *ctx, bool v)
{
	tfc_tensor *out = tfc_kernel_alloc_output(ctx, 0, TFC_BOOL, NULL, 0);
	if (out)
		*(uint8_t *)tfc_tensor_data(out) = v ? 1 : 0;
}

static void is_initialized_compute(struct tfc_kernel_ctx *ctx)
{
	struct tfc_ref *ref = tfc__var_input_ref(ctx);
	if (!ref)
		return;
	pthread_mutex_lock(&ref->mu); /* guards ref->value */
	bool init = ref->value != NULL;
	pthread_mutex_unlock(&ref->mu);
	bool_output(ctx, init);
}

/* ---- resource variables */

/* TensorFlow's spelling of a variable resource in its "does not exist" messages. */
#define TF_VAR_TYPE "N10tensorflow3VarE"

/* The slot a resource handle input k points at; NULL with ctx->st set. */
struct tfc_ref *tfc__var_handle_ref(struct tfc_kernel_ctx *ctx, int k)
{
	const tfc_tensor *h = k < ctx->n_inputs ? ctx->inputs[k] : NULL;
	struct tfc_ref *r = NULL;
	if (h && h->dtype == TFC_RESOURCE && h->n_elems == 1)
		r = *(struct tfc_ref *const *)tfc_tensor_data(h);
	if (!r)
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Input %d of %s is not a resource handle", k, ctx->op->type);
	return r;
}

static void var_handle_compute(struct tfc_kernel_ctx *ctx)
{
	struct tfc_ref *r = tfc__var_lookup(ctx, ctx->state);
	if (!r)
		return;
	tfc_tensor *out = tfc_kernel_alloc_output(ctx, 0, TFC_RESOURCE, NULL, 0);
	if (out)
		*(struct tfc_ref **)tfc_tensor_data(out) = r;
}

void *tfc__typed_resource_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "dtype"));
	if (t == TFC_DTYPE_INVALID || t == TFC_VARIANT || t == TFC_RESOURCE)
		return tfc__kernel_unsupported(op, "dtype", t, st);
	return NULL;
}

bool tfc__read_variable_ok(struct tfc_kernel_ctx *ctx, const struct tfc_ref *ref)
{
	tfc_dtype want = tfc_dtype_base(tfc_kernel_attr_type(ctx->op, "dtype"));
	if (!ref->value) {
		tfc_kernel_error(ctx, TFC_FAILED_PRECONDITION,
				 "Error while reading resource variable %s from Container: "
				 "localhost. This could mean that the variable was uninitialized. "
				 "Not found: Resource localhost/%s/" TF_VAR_TYPE " does not exist.",
				 ref->name, ref->name);
		return false;
	}
	if (ref->value->dtype != want) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Trying to read variable with wrong dtype. Expected %s got %s",
				 tfc_dtype_name(want), tfc_dtype_name(ref->value->dtype));
		return false;
	}
	return true;
}

/* The value as it is, where it is (a GPU's memory included: the executor copies it to
 * the host for the kernels that need it there). */
static void read_variable_compute(struct tfc_kernel_ctx *ctx)
{
	struct tfc_ref *ref = tfc__var_handle_ref(ctx, 0);
	if (!ref)
		return;
	pthread_mutex_lock(&ref->mu); /* guards ref->value */
	if (tfc__read_variable_ok(ctx, ref)) {
		tfc_tensor_free(ctx->outputs[0]);
		ctx->outputs[0] = tfc_tensor_ref(ref->value);
	}
	pthread_mutex_unlock(&ref->mu);
}

bool tfc__assign_variable_ok(struct tfc_kernel_ctx *ctx, const struct tfc_ref *ref, const tfc_tensor *v)
{
	tfc_dtype have = ref->value ? ref->value->dtype : tfc_dtype_base(ref->dtype);
	if (have != TFC_DTYPE_INVALID && have != v->dtype) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Trying to assign variable with wrong dtype. Expected %s got %s",
				 tfc_dtype_name(have), tfc_dtype_name(v->dtype));
		return false;
	}
	return true;
}

static void assign_variable_compute(struct tfc_kernel_ctx *ctx)
{
	struct tfc_ref *ref = tfc__var_handle_ref(ctx, 0);
	const tfc_tensor *v = tfc__var_value_input(ctx, 1);
	if (!ref || !v)
		return;
	tfc_tensor *old = NULL;
	pthread_mutex_lock(&ref->mu); /* guards ref->value and ref->dtype */
	if (!tfc__assign_variable_ok(ctx, ref, v))
		goto unlock;
	ref->dtype = v->dtype;
	/* As in Assign: the tensor is immutable, a reference is as good as a copy. */
	old = ref->value;
	ref->value = tfc_tensor_ref((tfc_tensor *)v);
unlock:
	pthread_mutex_unlock(&ref->mu);
	tfc_tensor_free(old);
}

void *tfc__assign_update_variable_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "dtype"));
	if (!update_dtype_ok(t))
		return tfc__kernel_unsupported(op, "dtype", t, st);
	return NULL;
}

bool tfc__assign_update_variable_ok(struct tfc_kernel_ctx *ctx, const struct tfc_ref *ref, const tfc_tensor *v)
{
	char b0[512], b1[512];
	if (!ref->value) {
		tfc_kernel_error(ctx, TFC_NOT_FOUND,
				 "Resource localhost/%s/" TF_VAR_TYPE " does not exist.", ref->name);
		return false;
	}
	if (ref->value->dtype != v->dtype) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Trying to assign variable with wrong dtype. Expected %s got %s",
				 tfc_dtype_name(ref->value->dtype), tfc_dtype_name(v->dtype));
		return false;
	}
	if (!same_shape(&ref->value->shape, &v->shape)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Cannot update variable with shape %s using a Tensor with shape %s, "
				 "shapes must be equal.",
				 tfc__kshape(&ref->value->shape, b0, sizeof(b0)),
				 tfc__kshape(&v->shape, b1, sizeof(b1)));
		return false;
	}
	return true;
}

static void assign_update_variable(struct tfc_kernel_ctx *ctx, bool sub)
{
	struct tfc_ref *ref = tfc__var_handle_ref(ctx, 0);
	const tfc_tensor *v = tfc__var_value_input(ctx, 1);
	if (!ref || !v)
		return;
	pthread_mutex_lock(&ref->mu); /* guards ref->value */
	if (!tfc__assign_update_variable_ok(ctx, ref, v))
		goto unlock;
	update_locked(ctx, ref, v, sub);
unlock:
	pthread_mutex_unlock(&ref->mu);
}

static void assign_add_variable_compute(struct tfc_kernel_ctx *ctx)
{
	assign_update_variable(ctx, false);
}

static void assign_sub_variable_compute(struct tfc_kernel_ctx *ctx)
{
	assign_update_variable(ctx, true);
}

static void var_is_initialized_compute(struct tfc_kernel_ctx *ctx)
{
	struct tfc_ref *ref = tfc__var_handle_ref(ctx, 0);
	if (!ref)
		return;
	pthread_mutex_lock(&ref->mu); /* guards ref->value */
	bool init = ref->value != NULL;
	pthread_mutex_unlock(&ref->mu);
	bool_output(ctx, init);
}

/* The slot itself stays in the session's table (kernels cannot remove it); dropping
 * its value makes the variable read as nonexistent again, as after TensorFlow's
 * DestroyResourceOp. */
static void destroy_resource_compute(struct tfc_kernel_ctx *ctx)
{
	struct tfc_ref *ref = tfc__var_handle_ref(ctx, 0);
	if (!ref)
		return;
	pthread_mutex_lock(&ref->mu); /* guards ref->value */
	tfc_tensor *old = ref->value;
	ref->value = NULL;
	pthread_mutex_unlock(&ref->mu);
	tfc_tensor_free(old);
}

#define STATEFUL(OP, ...) { .op = OP, .device = "CPU", .flags = TFC_KF_STATEFUL, __VA_ARGS__ }

const struct tfc_kernel_def tfc__state_kernels[] = {
	STATEFUL("VariableV2", .create = tfc__variable_create, .destroy = tfc__variable_destroy,
		 .compute = variable_compute),
	STATEFUL("Variable", .create = tfc__variable_create, .destroy = tfc__variable_destroy,
		 .compute = variable_compute),
	STATEFUL("Assign", .create = tfc__assign_create, .destroy = tfc__assign_destroy,
		 .compute = assign_compute),
	STATEFUL("AssignAdd", .create = tfc__assign_update_create, .compute = assign_add_compute),
	STATEFUL("AssignSub", .create = tfc__assign_update_create, .compute = assign_sub_compute),
	STATEFUL("IsVariableInitialized", .compute = is_initialized_compute),
	STATEFUL("VarHandleOp", .create = tfc__variable_create, .destroy = tfc__variable_destroy,
		 .compute = var_handle_compute),
	STATEFUL("ReadVariableOp", .create = tfc__typed_resource_create,
		 .compute = read_variable_compute),
	STATEFUL("AssignVariableOp", .create = tfc__typed_resource_create,
		 .compute = assign_variable_compute),
	STATEFUL("AssignAddVariableOp", .create = tfc__assign_update_variable_create,
		 .compute = assign_add_variable_compute),
	STATEFUL("AssignSubVariableOp", .create = tfc__assign_update_variable_create,
		 .compute = assign_sub_variable_compute),
	STATEFUL("VarIsInitializedOp", .compute = var_is_initialized_compute),
	STATEFUL("DestroyResourceOp", .compute = destroy_resource_compute),
	{ .op = NULL },
};
