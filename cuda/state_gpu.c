/*
 * state_gpu.c: the variable ops on the GPU, float and double: VariableV2 and
 * Variable, Assign, AssignAdd, AssignSub, IsVariableInitialized, and the resource
 * forms VarHandleOp, ReadVariableOp, AssignVariableOp, AssignAddVariableOp,
 * AssignSubVariableOp and VarIsInitializedOp. With these (and the GPU Identity taking
 * a ref, kernels/const_kernels.c) a variable's colocation group can go to the GPU,
 * its update ops with it (cuda/training_gpu.c).
 *
 * A variable on the GPU keeps its value in the GPU's memory: Assign copies its value
 * input (from the host or from this GPU) into a device tensor on the compute stream,
 * into the variable's own buffer when no one else holds it, else into a new one that
 * is swapped in. AssignAdd/Sub update that buffer in place under the same rule (a
 * reader that took the value earlier keeps it) through cuBLAS's axpy. ReadVariableOp
 * forwards the device value itself; the executor copies it to the host for whoever
 * needs it there. Resource handles stay host tensors (host_inputs). A value a CPU
 * kernel left on the host (another signature placed the variable on the CPU) moves to
 * this GPU at its first update here.
 *
 * State and checks are the CPU kernels' (kernels/state_kernels.c, through
 * kernels/kernels.h): the session frees a stateful kernel's state through the CPU
 * record's destroy, and errors read the same on both devices.
 *
 * Locking: each op holds the ref's mutex (guarding its value) while it changes or
 * reads the value, here across the work it queues on the compute stream; that cannot
 * deadlock (the stream thread takes the GPU first and a ref mutex second, and no
 * holder of a ref mutex waits for a GPU; cuda/training_gpu.c says the same).
 */
#include "device_iface.h"
#include "gpu_internal.h"

/* ---- supports(): float and double variables */

static bool float_or_double(const tfc_operation *op, const char *attr)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, attr));
	return t == TFC_FLOAT || t == TFC_DOUBLE;
}

static bool dtype_attr_ok(const tfc_operation *op) { return float_or_double(op, "dtype"); }
static bool t_attr_ok(const tfc_operation *op) { return float_or_double(op, "T"); }

/* VarIsInitializedOp has no dtype attr: it only looks at whether the slot is set. */
static bool always(const tfc_operation *op)
{
	(void)op;
	return true;
}

/* ---- device values */

static bool same_shape(const tfc_shape *a, const tfc_shape *b)
{
	return a->rank == b->rank && memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank) == 0;
}

/* Copies src (host memory, or this GPU's) into dst (this GPU's, same size) on the
 * compute stream. A host source is read before cudaMemcpyAsync returns or, pinned,
 * before the stream is synchronized at the kernel's end; either way it outlives the
 * copy (the executor holds the input until the node finishes). */
static bool copy_in(struct tfc_kernel_ctx *ctx, tfc_tensor *dst, const tfc_tensor *src)
{
	struct tfc__gpu *g = tfc__gpu_current();
	size_t n = tfc_tensor_byte_size(dst);
	const void *from = tfc_tensor_data((tfc_tensor *)src);
	void *to = tfc_tensor_data(dst);
	if (!n || from == to)
		return true;
	enum cudaMemcpyKind kind = tfc__tensor_device(src) ? cudaMemcpyDeviceToDevice : cudaMemcpyHostToDevice;
	return TFC_CUDA_CHECK(cudaMemcpyAsync(to, from, n, kind, g->compute), ctx->st);
}

/* A new tensor in this GPU's memory with src's contents; NULL with ctx->st set. A
 * tensor of another device is brought through the host. */
static tfc_tensor *device_copy(struct tfc_kernel_ctx *ctx, const tfc_tensor *src)
{
	struct tfc__gpu *g = tfc__gpu_current();
	tfc_tensor *via = NULL;
	if (tfc__tensor_device(src) && tfc__tensor_device(src) != g->dev) {
		if (!(via = tfc__tensor_to_host((tfc_tensor *)src, ctx->st)))
			return NULL;
		src = via;
	}
	tfc_tensor *t = tfc__tensor_new_on_device(g->dev, src->dtype, src->shape.dims, src->shape.rank, ctx->st);
	if (t && !copy_in(ctx, t, src)) {
		tfc_tensor_free(t);
		t = NULL;
	}
	tfc_tensor_free(via); /* pageable: cudaMemcpyAsync has read it already */
	return t;
}

/* Whether this kernel may write t in place: t lives on this GPU and no one holds it
 * or its buffer but the variable and this kernel's own inputs (readers take their
 * reference under the ref's mutex, which the caller holds). */
static bool exclusive(struct tfc_kernel_ctx *ctx, const tfc_tensor *t)
{
	if (tfc__tensor_device(t) != tfc__gpu_current()->dev)
		return false;
	int mine = 1;
	for (int k = 0; k < ctx->n_inputs; k++)
		if (ctx->inputs[k] == t)
			mine++;
	return atomic_load(&t->refs) == mine && atomic_load(&t->buf->refs) == 1;
}

tfc_tensor *tfc__gpu_ref_writable(struct tfc_kernel_ctx *ctx, struct tfc_ref *ref)
{
	tfc_tensor *old = ref->value;
	if (exclusive(ctx, old))
		return old;
	tfc_tensor *nt = device_copy(ctx, old);
	if (!nt)
		return NULL;
	ref->value = nt;
	/* A reader that took old keeps it: its buffer stays while they hold it, so the
	 * copy queued from it above reads live memory. When we held the last reference
	 * (old was on the host, or shared only its buffer) the host memory was read
	 * before cudaMemcpyAsync returned, or the buffer's other holder keeps it. */
	tfc_tensor_free(old);
	return nt;
}

/* ---- VariableV2, Variable, VarHandleOp */

static void variable_compute(struct tfc_kernel_ctx *ctx)
{
	struct tfc_ref *r = tfc__var_lookup(ctx, ctx->state);
	if (r)
		ctx->output_refs[0] = r; /* the edge carries the slot; the value is wherever it is */
}

static void var_handle_compute(struct tfc_kernel_ctx *ctx)
{
	struct tfc_ref *r = tfc__var_lookup(ctx, ctx->state);
	if (!r)
		return;
	tfc_tensor *out = tfc_kernel_alloc_output(ctx, 0, TFC_RESOURCE, NULL, 0); /* host */
	if (out)
		*(struct tfc_ref **)tfc_tensor_data(out) = r;
}

/* ---- Assign, AssignVariableOp */

/* ref->value = a device copy of v (ref->mu held): into the old value's buffer when
 * it is this GPU's, of v's dtype and shape, and no one else holds it; else a new
 * tensor, the old one returned in *old for the caller to free after unlocking. */
static bool assign_locked(struct tfc_kernel_ctx *ctx, struct tfc_ref *ref, const tfc_tensor *v, tfc_tensor **old)
{
	tfc_tensor *cur = ref->value;
	if (cur && cur->dtype == v->dtype && same_shape(&cur->shape, &v->shape) && exclusive(ctx, cur))
		return copy_in(ctx, cur, v);
	tfc_tensor *nt = device_copy(ctx, v);
	if (!nt)
		return false;
	*old = cur;
	ref->value = nt;
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
	if (tfc__assign_ok(ctx, ctx->state, ref, v) && assign_locked(ctx, ref, v, &old))
		ctx->output_refs[0] = ref;
	pthread_mutex_unlock(&ref->mu);
	tfc_tensor_free(old); /* readers that took it keep it */
}

static void assign_variable_compute(struct tfc_kernel_ctx *ctx)
{
	struct tfc_ref *ref = tfc__var_handle_ref(ctx, 0);
	const tfc_tensor *v = tfc__var_value_input(ctx, 1);
	if (!ref || !v)
		return;
	tfc_tensor *old = NULL;
	pthread_mutex_lock(&ref->mu); /* guards ref->value and ref->dtype */
	if (tfc__assign_variable_ok(ctx, ref, v) && assign_locked(ctx, ref, v, &old))
		ref->dtype = v->dtype;
	pthread_mutex_unlock(&ref->mu);
	tfc_tensor_free(old);
}

/* ---- AssignAdd, AssignSub and their resource forms */

/* ref->value +/-= v on this GPU (ref->mu held, the value checked against v). */
static bool update_locked(struct tfc_kernel_ctx *ctx, struct tfc_ref *ref, const tfc_tensor *v, bool sub)
{
	struct tfc__gpu *g = tfc__gpu_current();
	int64_t n = v->n_elems;
	if (n > INT32_MAX) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "%s on the GPU: 2^31 elements or more", ctx->op->type);
		return false;
	}
	const void *dv = tfc__gpu_upload(ctx, v);
	tfc_tensor *w = dv ? tfc__gpu_ref_writable(ctx, ref) : NULL;
	if (!w)
		return false;
	if (n == 0)
		return true;
	cublasStatus_t s;
	if (v->dtype == TFC_FLOAT) {
		float a = sub ? -1.0f : 1.0f;
		s = cublasSaxpy(g->blas, (int)n, &a, dv, 1, tfc_tensor_data(w), 1);
	} else {
		double a = sub ? -1.0 : 1.0;
		s = cublasDaxpy(g->blas, (int)n, &a, dv, 1, tfc_tensor_data(w), 1);
	}
	return TFC_CUBLAS_CHECK(s, ctx->st);
}

static void assign_update(struct tfc_kernel_ctx *ctx, bool sub)
{
	struct tfc_ref *ref = tfc__var_input_ref(ctx);
	const tfc_tensor *v = tfc__var_value_input(ctx, 1);
	if (!ref || !v)
		return;
	pthread_mutex_lock(&ref->mu); /* guards ref->value */
	if (tfc__assign_update_ok(ctx, ref, v) && update_locked(ctx, ref, v, sub))
		ctx->output_refs[0] = ref;
	pthread_mutex_unlock(&ref->mu);
}

static void assign_add_compute(struct tfc_kernel_ctx *ctx) { assign_update(ctx, false); }
static void assign_sub_compute(struct tfc_kernel_ctx *ctx) { assign_update(ctx, true); }

static void assign_update_variable(struct tfc_kernel_ctx *ctx, bool sub)
{
	struct tfc_ref *ref = tfc__var_handle_ref(ctx, 0);
	const tfc_tensor *v = tfc__var_value_input(ctx, 1);
	if (!ref || !v)
		return;
	pthread_mutex_lock(&ref->mu); /* guards ref->value */
	if (tfc__assign_update_variable_ok(ctx, ref, v))
		update_locked(ctx, ref, v, sub);
	pthread_mutex_unlock(&ref->mu);
}

static void assign_add_variable_compute(struct tfc_kernel_ctx *ctx) { assign_update_variable(ctx, false); }
static void assign_sub_variable_compute(struct tfc_kernel_ctx *ctx) { assign_update_variable(ctx, true); }

/* ---- ReadVariableOp, IsVariableInitialized, VarIsInitializedOp */

/* The value itself (a reference, no copy), in this GPU's memory once a GPU kernel
 * has assigned it. */
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

/* A host bool scalar: whether ref is set. */
static void initialized_output(struct tfc_kernel_ctx *ctx, struct tfc_ref *ref)
{
	if (!ref)
		return;
	pthread_mutex_lock(&ref->mu); /* guards ref->value */
	bool init = ref->value != NULL;
	pthread_mutex_unlock(&ref->mu);
	tfc_tensor *out = tfc_kernel_alloc_output(ctx, 0, TFC_BOOL, NULL, 0);
	if (out)
		*(uint8_t *)tfc_tensor_data(out) = init ? 1 : 0;
}

static void is_initialized_compute(struct tfc_kernel_ctx *ctx)
{
	initialized_output(ctx, tfc__var_input_ref(ctx));
}

static void var_is_initialized_compute(struct tfc_kernel_ctx *ctx)
{
	initialized_output(ctx, tfc__var_handle_ref(ctx, 0));
}

/* Stateful, and they take the GPU's memory as it is; a resource handle (input 0 of
 * the resource forms) is read on the host. The create/destroy pairs are the CPU
 * records' (see above). */
#define STATE(OP, SUP, ...)                                                                                  \
	{ .op = OP, .device = "GPU", .flags = TFC_KF_STATEFUL | TFC_KF_DEVICE_MEMORY, .supports = SUP, \
	  __VA_ARGS__ }

const struct tfc_kernel_def tfc__gpu_state_kernels[] = {
	STATE("VariableV2", dtype_attr_ok, .create = tfc__variable_create, .destroy = tfc__variable_destroy,
	      .compute = variable_compute),
	STATE("Variable", dtype_attr_ok, .create = tfc__variable_create, .destroy = tfc__variable_destroy,
	      .compute = variable_compute),
	STATE("Assign", t_attr_ok, .create = tfc__assign_create, .destroy = tfc__assign_destroy,
	      .compute = assign_compute),
	STATE("AssignAdd", t_attr_ok, .create = tfc__assign_update_create, .compute = assign_add_compute),
	STATE("AssignSub", t_attr_ok, .create = tfc__assign_update_create, .compute = assign_sub_compute),
	STATE("IsVariableInitialized", dtype_attr_ok, .compute = is_initialized_compute),
	STATE("VarHandleOp", dtype_attr_ok, .create = tfc__variable_create, .destroy = tfc__variable_destroy,
	      .compute = var_handle_compute),
	STATE("ReadVariableOp", dtype_attr_ok, .create = tfc__typed_resource_create,
	      .compute = read_variable_compute, .host_inputs = 1u << 0),
	STATE("AssignVariableOp", dtype_attr_ok, .create = tfc__typed_resource_create,
	      .compute = assign_variable_compute, .host_inputs = 1u << 0),
	STATE("AssignAddVariableOp", dtype_attr_ok, .create = tfc__assign_update_variable_create,
	      .compute = assign_add_variable_compute, .host_inputs = 1u << 0),
	STATE("AssignSubVariableOp", dtype_attr_ok, .create = tfc__assign_update_variable_create,
	      .compute = assign_sub_variable_compute, .host_inputs = 1u << 0),
	STATE("VarIsInitializedOp", always, .compute = var_is_initialized_compute, .host_inputs = 1u << 0),
	{0},
};
