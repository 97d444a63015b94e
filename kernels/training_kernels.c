/*
 * training_kernels.c: CPU kernels of the optimizer update ops, in their reference
 * form (Apply*: the variable and its slots arrive as ref inputs, the variable's ref is
 * forwarded as the output) and their resource form (ResourceApply*: resource handles,
 * no outputs): GradientDescent, Momentum (and Nesterov), KerasMomentum (resource
 * only, as in TensorFlow), Adagrad (update_slots), Adam (and Nesterov), RMSProp and
 * Adadelta; float and double. Each op is a record: how many slots it updates, which
 * inputs are scalars, and an update function over one element.
 *
 * Locking: the slots are locked in input order (the variable first), which every
 * update op shares, so two updates of one variable serialize and cannot deadlock (a
 * slot listed twice is locked once). use_locking=false in TensorFlow allows racy
 * updates; here updates always lock, which gives the same results without the race.
 * Values are written in place when the slot holds the only reference to its value
 * (besides this node's own input), else into a copy that is swapped in, as
 * kernels/state_kernels.c does, so a reader that took the value earlier keeps it.
 * The checks and the locking (tfc__train_begin/end) and the node's state are shared
 * with the GPU kernels (cuda/training_gpu.c), so both say the same things.
 */
#include <math.h>
#include <pthread.h>

#include "kernels.h"

#define MAX_SLOTS TFC_TRAIN_MAX_SLOTS

/* One element: v[0..n_slots) are the variable and its slots (updated in place), s[]
 * the scalar inputs in order, g the gradient, flag the nesterov/update_slots attr. */
typedef void (*update_fn)(double *v, const double *s, double g, bool flag);

static void gd(double *v, const double *s, double g, bool flag)
{
	(void)flag;
	v[0] -= s[0] * g;
}

/* ApplyMomentum: lr, momentum */
static void momentum(double *v, const double *s, double g, bool nesterov)
{
	double lr = s[0], mu = s[1];
	v[1] = v[1] * mu + g;
	v[0] -= nesterov ? g * lr + v[1] * mu * lr : v[1] * lr;
}

static void keras_momentum(double *v, const double *s, double g, bool nesterov)
{
	double lr = s[0], mu = s[1];
	v[1] = v[1] * mu - g * lr;
	v[0] += nesterov ? v[1] * mu - g * lr : v[1];
}

static void adagrad(double *v, const double *s, double g, bool update_slots)
{
	if (update_slots)
		v[1] += g * g;
	v[0] -= s[0] * g / sqrt(v[1]);
}

/* beta1_power, beta2_power, lr, beta1, beta2, epsilon */
static void adam(double *v, const double *s, double g, bool nesterov)
{
	double b1p = s[0], b2p = s[1], lr = s[2], b1 = s[3], b2 = s[4], eps = s[5];
	double alpha = lr * sqrt(1 - b2p) / (1 - b1p);
	v[1] += (g - v[1]) * (1 - b1);
	v[2] += (g * g - v[2]) * (1 - b2);
	if (nesterov)
		v[0] -= (v[1] * b1 + (1 - b1) * g) * alpha / (sqrt(v[2]) + eps);
	else
		v[0] -= v[1] * alpha / (sqrt(v[2]) + eps);
}

/* lr, rho, momentum, epsilon; slots ms, mom */
static void rmsprop(double *v, const double *s, double g, bool flag)
{
	(void)flag;
	double lr = s[0], rho = s[1], mu = s[2], eps = s[3];
	v[1] += (g * g - v[1]) * (1 - rho);
	v[2] = v[2] * mu + lr * g / sqrt(v[1] + eps);
	v[0] -= v[2];
}

/* lr, rho, epsilon; slots accum, accum_update */
static void adadelta(double *v, const double *s, double g, bool flag)
{
	(void)flag;
	double lr = s[0], rho = s[1], eps = s[2];
	v[1] = v[1] * rho + g * g * (1 - rho);
	double upd = sqrt(v[2] + eps) / sqrt(v[1] + eps) * g;
	v[2] = v[2] * rho + upd * upd * (1 - rho);
	v[0] -= upd * lr;
}

/* Float fast paths of the common updates: whole arrays, float arithmetic as
 * TensorFlow's Eigen kernels do it, no call per element (the generic path through
 * update_fn costs ~6 ns an element, these ~0.3 on a 784x512 variable). */
typedef void (*update_f32)(float *const *v, const double *s, const float *g, int64_t n, bool flag);

static void gd_f32(float *const *v, const double *s, const float *g, int64_t n, bool flag)
{
	(void)flag;
	float lr = (float)s[0], *w = v[0];
	for (int64_t i = 0; i < n; i++)
		w[i] -= lr * g[i];
}

static void momentum_f32(float *const *v, const double *s, const float *g, int64_t n, bool nesterov)
{
	float lr = (float)s[0], mu = (float)s[1], *w = v[0], *a = v[1];
	for (int64_t i = 0; i < n; i++) {
		a[i] = a[i] * mu + g[i];
		w[i] -= nesterov ? g[i] * lr + a[i] * mu * lr : a[i] * lr;
	}
}

static void adam_f32(float *const *v, const double *s, const float *g, int64_t n, bool nesterov)
{
	float b1p = (float)s[0], b2p = (float)s[1], lr = (float)s[2], b1 = (float)s[3];
	float b2 = (float)s[4], eps = (float)s[5];
	float alpha = lr * sqrtf(1 - b2p) / (1 - b1p);
	float *w = v[0], *m = v[1], *u = v[2];
	for (int64_t i = 0; i < n; i++) {
		m[i] += (g[i] - m[i]) * (1 - b1);
		u[i] += (g[i] * g[i] - u[i]) * (1 - b2);
		float step = nesterov ? m[i] * b1 + (1 - b1) * g[i] : m[i];
		w[i] -= step * alpha / (sqrtf(u[i]) + eps);
	}
}

static void rmsprop_f32(float *const *v, const double *s, const float *g, int64_t n, bool flag)
{
	(void)flag;
	float lr = (float)s[0], rho = (float)s[1], mu = (float)s[2], eps = (float)s[3];
	float *w = v[0], *ms = v[1], *mom = v[2];
	for (int64_t i = 0; i < n; i++) {
		ms[i] += (g[i] * g[i] - ms[i]) * (1 - rho);
		mom[i] = mom[i] * mu + lr * g[i] / sqrtf(ms[i] + eps);
		w[i] -= mom[i];
	}
}

static update_f32 fast_f32(update_fn fn)
{
	if (fn == gd)
		return gd_f32;
	if (fn == momentum)
		return momentum_f32;
	if (fn == adam)
		return adam_f32;
	if (fn == rmsprop)
		return rmsprop_f32;
	return NULL;
}

/* An update op: n_slots ref/resource inputs first, then n_scalars scalars (the
 * gradient among them at grad_at, counted among the inputs after the slots). */
struct train_op {
	const char *name;
	int n_slots;
	int n_after;      /* inputs after the slots (scalars and the gradient) */
	int grad_at;      /* index of the gradient among those */
	update_fn fn;
	const char *flag; /* bool attr passed to fn (NULL: false) */
	bool flag_dflt;
	bool resource;
};

static const struct train_op train_ops[] = {
	{ "ApplyGradientDescent", 1, 2, 1, gd, NULL, false, false },
	{ "ResourceApplyGradientDescent", 1, 2, 1, gd, NULL, false, true },
	{ "ApplyMomentum", 2, 3, 1, momentum, "use_nesterov", false, false },
	{ "ResourceApplyMomentum", 2, 3, 1, momentum, "use_nesterov", false, true },
	{ "ResourceApplyKerasMomentum", 2, 3, 1, keras_momentum, "use_nesterov", false, true },
	{ "ApplyAdagrad", 2, 2, 1, adagrad, "update_slots", true, false },
	{ "ResourceApplyAdagrad", 2, 2, 1, adagrad, "update_slots", true, true },
	{ "ApplyAdam", 3, 7, 6, adam, "use_nesterov", false, false },
	{ "ResourceApplyAdam", 3, 7, 6, adam, "use_nesterov", false, true },
	{ "ApplyRMSProp", 3, 5, 4, rmsprop, NULL, false, false },
	{ "ResourceApplyRMSProp", 3, 5, 4, rmsprop, NULL, false, true },
	{ "ApplyAdadelta", 3, 4, 3, adadelta, NULL, false, false },
	{ "ResourceApplyAdadelta", 3, 4, 3, adadelta, NULL, false, true },
	{ NULL, 0, 0, 0, NULL, NULL, false, false },
};

struct train_state {
	const struct train_op *op;
	tfc_dtype dtype;
	bool flag;
};

void *tfc__train_create(const tfc_operation *op, tfc_status *st)
{
	const struct train_op *t = train_ops;
	while (t->name && strcmp(t->name, op->type) != 0)
		t++;
	TFC_ASSERT(t->name);
	tfc_dtype dt = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (dt != TFC_FLOAT && dt != TFC_DOUBLE)
		return tfc__kernel_unsupported(op, "T", dt, st);
	struct train_state *s = tfc__malloc(sizeof(*s));
	s->op = t;
	s->dtype = dt;
	s->flag = t->flag ? tfc__kernel_attr_bool(op, t->flag, t->flag_dflt) : false;
	return s;
}

void tfc__train_destroy(void *s) { free(s); }

static double ld(const void *p, tfc_dtype t, int64_t i)
{
	return t == TFC_FLOAT ? ((const float *)p)[i] : ((const double *)p)[i];
}

static void stv(void *p, tfc_dtype t, int64_t i, double v)
{
	if (t == TFC_FLOAT)
		((float *)p)[i] = (float)v;
	else
		((double *)p)[i] = v;
}

/* The ref of slot input k (a ref input, or a resource handle). */
static struct tfc_ref *slot_ref(struct tfc_kernel_ctx *ctx, const struct train_op *t, int k)
{
	if (!t->resource)
		return ctx->input_refs ? ctx->input_refs[k] : NULL;
	const tfc_tensor *h = ctx->inputs[k];
	if (h && h->dtype == TFC_RESOURCE && h->n_elems == 1)
		return *(struct tfc_ref *const *)tfc_tensor_data(h);
	return NULL;
}

/* A value of ref r that this kernel may write (ref->mu held), in host memory: the
 * value itself when nobody else holds it, else a copy that replaces it (a value a GPU
 * left in its memory is first brought to the host). NULL with ctx->st set. */
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
	memcpy(tfc_tensor_data(nt), tfc_tensor_data(old), tfc_tensor_byte_size(old));
	r->value = nt;
	tfc_tensor_free(old);
	return nt;
}

static bool same_shape(const tfc_shape *a, const tfc_shape *b)
{
	return a->rank == b->rank &&
	       memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank) == 0;
}

void tfc__train_end(struct tfc_kernel_ctx *ctx, struct tfc__train_args *a, bool ok)
{
	if (ok && !a->resource && ctx->n_outputs > 0)
		ctx->output_refs[0] = a->refs[0];
	for (int k = a->n_slots - 1; k >= 0; k--)
		if (a->locked[k]) {
			pthread_mutex_unlock(&a->refs[k]->mu);
			a->locked[k] = false;
		}
}

bool tfc__train_begin(struct tfc_kernel_ctx *ctx, struct tfc__train_args *a)
{
	const struct train_state *s = ctx->state;
	const struct train_op *t = s->op;
	int ns = t->n_slots;
	char b0[128], b1[128];
	memset(a, 0, sizeof(*a));
	a->n_slots = ns;
	a->dtype = s->dtype;
	a->flag = s->flag;
	a->resource = t->resource;
	a->op = t->name;
	for (int k = 0; k < ns; k++) {
		a->refs[k] = k < ctx->n_inputs ? slot_ref(ctx, t, k) : NULL;
		if (!a->refs[k]) {
			tfc_kernel_error(ctx, t->resource ? TFC_INVALID_ARGUMENT : TFC_INTERNAL,
					 "Input %d of %s is not a %s", k, t->name,
					 t->resource ? "resource handle" : "reference");
			return false;
		}
	}
	for (int k = ns; k < ns + t->n_after; k++) {
		const tfc_tensor *x = k < ctx->n_inputs ? ctx->inputs[k] : NULL;
		if (!x || x->dtype != s->dtype) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Input %d of %s must be %s", k,
					 t->name, tfc_dtype_name(s->dtype));
			return false;
		}
	}
	a->grad = ctx->inputs[ns + t->grad_at];
	static const char *const scalar_names[] = { "alpha", "lr", "beta1_power", "rho" };
	for (int k = 0; k < t->n_after; k++) {
		if (k == t->grad_at)
			continue;
		const tfc_tensor *x = ctx->inputs[ns + k];
		if (x->shape.rank != 0) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%s is not a scalar: %s",
					 k == 0 ? scalar_names[t->fn == gd ? 0 : 1] : "hyperparameter",
					 tfc__kshape(&x->shape, b0, sizeof(b0)));
			return false;
		}
		a->scalars[a->n_scalars++] = ld(tfc_tensor_data(x), s->dtype, 0);
	}
	/* lock in input order; a slot repeated is locked once */
	for (int k = 0; k < ns; k++) {
		if (tfc__train_same_as(a, k) < 0) {
			pthread_mutex_lock(&a->refs[k]->mu); /* guards the slot's value */
			a->locked[k] = true;
		}
	}
	for (int k = 0; k < ns; k++) {
		const struct tfc_ref *r = a->refs[k];
		if (!r->value) {
			if (t->resource)
				tfc_kernel_error(ctx, TFC_FAILED_PRECONDITION,
						 "Could not find variable %s. This could mean that the "
						 "variable has been deleted. In TF1, it can also mean the "
						 "variable is uninitialized.",
						 r->name);
			else
				tfc_kernel_error(ctx, TFC_FAILED_PRECONDITION,
						 "Attempting to use uninitialized value %s", r->name);
			goto fail;
		}
		if (r->value->dtype != s->dtype) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%s of a %s variable %s with T=%s",
					 t->name, tfc_dtype_name(r->value->dtype), r->name,
					 tfc_dtype_name(s->dtype));
			goto fail;
		}
		if (!same_shape(&r->value->shape, &a->grad->shape)) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "%s and grad do not have the same shape%s %s",
					 k == 0 ? "var" : "accum",
					 tfc__kshape(&r->value->shape, b0, sizeof(b0)),
					 tfc__kshape(&a->grad->shape, b1, sizeof(b1)));
			goto fail;
		}
	}
	return true;
fail:
	tfc__train_end(ctx, a, false);
	return false;
}

static void train_compute(struct tfc_kernel_ctx *ctx)
{
	const struct train_state *s = ctx->state;
	const struct train_op *t = s->op;
	struct tfc__train_args a;
	if (!tfc__train_begin(ctx, &a))
		return;
	int ns = a.n_slots;
	bool ok = false;
	tfc_tensor *vals[MAX_SLOTS];
	for (int k = 0; k < ns; k++) {
		int j = tfc__train_same_as(&a, k);
		if (j >= 0)
			vals[k] = vals[j];
		else if (!(vals[k] = writable(ctx, a.refs[k])))
			goto unlock;
	}
	int64_t n = a.grad->n_elems;
	const void *gp = tfc_tensor_data(a.grad);
	void *vp[MAX_SLOTS];
	for (int k = 0; k < ns; k++)
		vp[k] = tfc_tensor_data(vals[k]);
	update_f32 fast = s->dtype == TFC_FLOAT ? fast_f32(t->fn) : NULL;
	for (int k = 1; k < ns && fast; k++)
		for (int j = 0; j < k; j++)
			if (vp[j] == vp[k])
				fast = NULL; /* a slot given twice: the element-wise path's order */
	if (fast) {
		fast((float *const *)vp, a.scalars, gp, n, s->flag);
	} else {
		for (int64_t i = 0; i < n; i++) {
			double v[MAX_SLOTS];
			for (int k = 0; k < ns; k++)
				v[k] = ld(vp[k], s->dtype, i);
			t->fn(v, a.scalars, ld(gp, s->dtype, i), s->flag);
			for (int k = 0; k < ns; k++)
				stv(vp[k], s->dtype, i, v[k]);
		}
	}
	ok = true;
unlock:
	tfc__train_end(ctx, &a, ok);
}

#define K(NAME) { .op = NAME, .device = "CPU", .create = tfc__train_create, .destroy = tfc__train_destroy, \
		  .compute = train_compute, .flags = TFC_KF_STATEFUL }
const struct tfc_kernel_def tfc__training_kernels[] = {
	K("ApplyGradientDescent"), K("ResourceApplyGradientDescent"), K("ApplyMomentum"),
	K("ResourceApplyMomentum"), K("ResourceApplyKerasMomentum"), K("ApplyAdagrad"),
	K("ResourceApplyAdagrad"), K("ApplyAdam"), K("ResourceApplyAdam"), K("ApplyRMSProp"),
	K("ResourceApplyRMSProp"), K("ApplyAdadelta"), K("ResourceApplyAdadelta"),
	{ .op = NULL },
};
