/*
 * nn_kernels.c: CPU kernels of the neural-network ops that work row by row or per
 * channel: Softmax and LogSoftmax over the last axis, SoftmaxCrossEntropyWithLogits and
 * SparseSoftmaxCrossEntropyWithLogits (loss and backprop), L2Loss, BiasAdd (NHWC and
 * NCHW), BiasAddV1 and BiasAddGrad; for float and double. Softmaxes and BiasAdd split
 * their rows over the intra-op threads. The softmaxes are computed stably (the row's
 * maximum is subtracted before exp, so large logits do not overflow); sums are taken in
 * double.
 */
#include <math.h>

#include "kernels.h"

/* Rows [b, e) of a row-wise kernel, for tfc_parallel_for. */
struct rows_job {
	void (*fn)(const void *x, void *out, int64_t rows, int64_t cols);
	const char *x;
	char *out;
	int64_t cols;
	size_t esz;
};

static void rows_range(void *arg, int64_t b, int64_t e)
{
	const struct rows_job *j = arg;
	j->fn(j->x + (size_t)(b * j->cols) * j->esz, j->out + (size_t)(b * j->cols) * j->esz, e - b,
	      j->cols);
}

/* Runs fn over rows x cols on the intra-op threads (chunks of at least 16384
 * elements). */
static void run_rows(struct tfc_kernel_ctx *ctx, void (*fn)(const void *, void *, int64_t, int64_t),
		     const void *x, void *out, int64_t rows, int64_t cols, size_t esz)
{
	struct rows_job j = { fn, x, out, cols, esz };
	tfc_parallel_for(ctx->intra_op_threads, rows, 16384 / cols + 1, rows_range, &j);
}

static void *softmax_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t != TFC_FLOAT && t != TFC_DOUBLE)
		return tfc__kernel_unsupported(op, "T", t, st);
	return NULL;
}

/* rows x cols, row-major; out may be x itself. Sums are taken in double. */
#define SOFTMAX_FN(NAME, T, EXP)                                                            \
	static void NAME(const void *px, void *pout, int64_t rows, int64_t cols)            \
	{                                                                                   \
		const T *x = px;                                                            \
		T *out = pout;                                                              \
		for (int64_t r = 0; r < rows; r++) {                                        \
			const T *xr = x + r * cols;                                         \
			T *o = out + r * cols;                                              \
			T mx = xr[0];                                                       \
			for (int64_t j = 1; j < cols; j++)                                  \
				if (xr[j] > mx)                                             \
					mx = xr[j];                                         \
			double sum = 0;                                                     \
			for (int64_t j = 0; j < cols; j++) {                                \
				T e = EXP(xr[j] - mx);                                      \
				o[j] = e;                                                   \
				sum += e;                                                   \
			}                                                                   \
			T inv = (T)(1.0 / sum);                                             \
			for (int64_t j = 0; j < cols; j++)                                  \
				o[j] *= inv;                                                \
		}                                                                           \
	}
SOFTMAX_FN(softmax_f32, float, expf)
SOFTMAX_FN(softmax_f64, double, exp)

static void softmax_compute(struct tfc_kernel_ctx *ctx)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(ctx->op, "T"));
	const tfc_tensor *x = ctx->inputs[0];
	if (!x || x->dtype != t) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Softmax expects a %s input",
				 tfc_dtype_name(t));
		return;
	}
	if (x->shape.rank < 1) {
		char buf[64];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "logits must have >= 1 dimension, got %s",
				 tfc__kshape(&x->shape, buf, sizeof(buf)));
		return;
	}
	tfc_tensor *out;
	if (tfc_kernel_can_reuse(ctx, 0)) {
		tfc_kernel_forward_input(ctx, 0, 0);
		out = ctx->outputs[0];
	} else {
		out = tfc_kernel_alloc_output(ctx, 0, t, x->shape.dims, x->shape.rank);
		if (!out)
			return;
	}
	int64_t cols = x->shape.dims[x->shape.rank - 1];
	if (x->n_elems == 0 || cols == 0)
		return;
	int64_t rows = x->n_elems / cols;
	if (t == TFC_FLOAT)
		run_rows(ctx, softmax_f32, tfc_tensor_data(x), tfc_tensor_data(out), rows, cols, 4);
	else
		run_rows(ctx, softmax_f64, tfc_tensor_data(x), tfc_tensor_data(out), rows, cols, 8);
}

/* ---- LogSoftmax */

#define LOGSOFTMAX_FN(NAME, T, EXP, LOG)                                                    \
	static void NAME(const void *px, void *pout, int64_t rows, int64_t cols)            \
	{                                                                                   \
		const T *x = px;                                                            \
		T *out = pout;                                                              \
		for (int64_t r = 0; r < rows; r++) {                                        \
			const T *xr = x + r * cols;                                         \
			T *o = out + r * cols;                                              \
			T mx = xr[0];                                                       \
			for (int64_t j = 1; j < cols; j++)                                  \
				if (xr[j] > mx)                                             \
					mx = xr[j];                                         \
			double sum = 0;                                                     \
			for (int64_t j = 0; j < cols; j++)                                  \
				sum += EXP(xr[j] - mx);                                     \
			T ls = (T)log(sum);                                                 \
			for (int64_t j = 0; j < cols; j++)                                  \
				o[j] = xr[j] - mx - ls;                                     \
		}                                                                           \
	}
LOGSOFTMAX_FN(logsoftmax_f32, float, expf, logf)
LOGSOFTMAX_FN(logsoftmax_f64, double, exp, log)

static void logsoftmax_compute(struct tfc_kernel_ctx *ctx)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(ctx->op, "T"));
	if (!tfc__kernel_inputs_ok(ctx, 1, t))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	if (x->shape.rank < 1) {
		char buf[64];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "logits must have >= 1 dimension, got %s",
				 tfc__kshape(&x->shape, buf, sizeof(buf)));
		return;
	}
	tfc_tensor *out = tfc__kernel_output_like(ctx, 0, 0, t, x->shape.dims, x->shape.rank);
	if (!out)
		return;
	int64_t cols = x->shape.dims[x->shape.rank - 1];
	if (x->n_elems == 0 || cols == 0)
		return;
	int64_t rows = x->n_elems / cols;
	if (t == TFC_FLOAT)
		run_rows(ctx, logsoftmax_f32, tfc_tensor_data(x), tfc_tensor_data(out), rows, cols, 4);
	else
		run_rows(ctx, logsoftmax_f64, tfc_tensor_data(x), tfc_tensor_data(out), rows, cols, 8);
}

/* ---- SoftmaxCrossEntropyWithLogits, SparseSoftmaxCrossEntropyWithLogits */

static double ld(const void *p, tfc_dtype t, int64_t i)
{
	return t == TFC_FLOAT ? ((const float *)p)[i] : ((const double *)p)[i];
}

static void st_(void *p, tfc_dtype t, int64_t i, double v)
{
	if (t == TFC_FLOAT)
		((float *)p)[i] = (float)v;
	else
		((double *)p)[i] = v;
}

/* Row r of features: loss and backprop given the label distribution (dense) or a
 * label index (sparse: label >= 0). */
static void xent_row(const void *f, tfc_dtype t, int64_t r, int64_t cols, const void *lab,
		     int64_t label, void *loss, void *back)
{
	int64_t base = r * cols;
	double mx = ld(f, t, base);
	for (int64_t j = 1; j < cols; j++)
		if (ld(f, t, base + j) > mx)
			mx = ld(f, t, base + j);
	double sum = 0;
	for (int64_t j = 0; j < cols; j++)
		sum += exp(ld(f, t, base + j) - mx);
	double lse = log(sum), l = 0;
	for (int64_t j = 0; j < cols; j++) {
		double z = ld(f, t, base + j) - mx;
		double y = lab ? ld(lab, t, base + j) : (j == label ? 1.0 : 0.0);
		if (y != 0)
			l += y * (lse - z);
		st_(back, t, base + j, exp(z) / sum - y);
	}
	st_(loss, t, r, l);
}

bool tfc__xent_args_ok(struct tfc_kernel_ctx *ctx)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(ctx->op, "T"));
	if (!tfc__kernel_inputs_ok(ctx, 2, t))
		return false;
	const tfc_tensor *f = ctx->inputs[0], *l = ctx->inputs[1];
	char b0[128], b1[128];
	if (f->shape.rank != 2 || l->shape.rank != 2) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "logits and labels must be either 2-dimensional, or broadcasted to be "
				 "2-dimensional");
		return false;
	}
	if (f->shape.dims[0] != l->shape.dims[0] || f->shape.dims[1] != l->shape.dims[1]) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "logits and labels must be broadcastable: logits_size=%s "
				 "labels_size=%s",
				 tfc__kshape(&f->shape, b0, sizeof(b0)),
				 tfc__kshape(&l->shape, b1, sizeof(b1)));
		return false;
	}
	return true;
}

static void xent_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__xent_args_ok(ctx))
		return;
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(ctx->op, "T"));
	const tfc_tensor *f = ctx->inputs[0], *l = ctx->inputs[1];
	int64_t rows = f->shape.dims[0], cols = f->shape.dims[1];
	tfc_tensor *loss = tfc_kernel_alloc_output(ctx, 0, t, &rows, 1);
	tfc_tensor *back = loss ? tfc_kernel_alloc_output(ctx, 1, t, f->shape.dims, 2) : NULL;
	if (!back || cols == 0)
		return;
	for (int64_t r = 0; r < rows; r++)
		xent_row(tfc_tensor_data(f), t, r, cols, tfc_tensor_data(l), -1,
			 tfc_tensor_data(loss), tfc_tensor_data(back));
}

bool tfc__sparse_xent_args_ok(struct tfc_kernel_ctx *ctx)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(ctx->op, "T"));
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return false;
	const tfc_tensor *f = ctx->inputs[0], *l = ctx->inputs[1];
	char b0[128], b1[128];
	if (f->dtype != t || (l->dtype != TFC_INT32 && l->dtype != TFC_INT64)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%s expects %s logits and int labels",
				 ctx->op->type, tfc_dtype_name(t));
		return false;
	}
	if (f->shape.rank != 2) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "logits must be 2-D, but got shape %s",
				 tfc__kshape(&f->shape, b0, sizeof(b0)));
		return false;
	}
	if (l->shape.rank != 1) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "labels must be 1-D, but got shape %s",
				 tfc__kshape(&l->shape, b0, sizeof(b0)));
		return false;
	}
	if (l->shape.dims[0] != f->shape.dims[0]) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "logits and labels must have the same first dimension, got logits "
				 "shape %s and labels shape %s",
				 tfc__kshape(&f->shape, b0, sizeof(b0)),
				 tfc__kshape(&l->shape, b1, sizeof(b1)));
		return false;
	}
	int64_t rows = f->shape.dims[0], cols = f->shape.dims[1];
	if (cols == 0 && rows > 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Must have at least one class, but got logits shape %s",
				 tfc__kshape(&f->shape, b0, sizeof(b0)));
		return false;
	}
	for (int64_t r = 0; r < rows; r++) {
		int64_t v = tfc__kint(l, r);
		if (v < 0 || v >= cols) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Received a label value of %lld which is outside the valid "
					 "range of [0, %lld).",
					 (long long)v, (long long)cols);
			return false;
		}
	}
	return true;
}

static void sparse_xent_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__sparse_xent_args_ok(ctx))
		return;
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(ctx->op, "T"));
	const tfc_tensor *f = ctx->inputs[0], *l = ctx->inputs[1];
	int64_t rows = f->shape.dims[0], cols = f->shape.dims[1];
	tfc_tensor *loss = tfc_kernel_alloc_output(ctx, 0, t, &rows, 1);
	tfc_tensor *back = loss ? tfc_kernel_alloc_output(ctx, 1, t, f->shape.dims, 2) : NULL;
	if (!back)
		return;
	for (int64_t r = 0; r < rows; r++)
		xent_row(tfc_tensor_data(f), t, r, cols, NULL, tfc__kint(l, r),
			 tfc_tensor_data(loss), tfc_tensor_data(back));
}

/* ---- L2Loss */

static void l2loss_compute(struct tfc_kernel_ctx *ctx)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(ctx->op, "T"));
	if (!tfc__kernel_inputs_ok(ctx, 1, t))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	double sum = 0;
	for (int64_t i = 0; i < x->n_elems; i++) {
		double v = ld(tfc_tensor_data(x), t, i);
		sum += v * v;
	}
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, t, NULL, 0);
	if (o)
		st_(tfc_tensor_data(o), t, 0, sum / 2);
}

/* ---- BiasAdd, BiasAddV1, BiasAddGrad */

static void *float_t_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t != TFC_FLOAT && t != TFC_DOUBLE)
		return tfc__kernel_unsupported(op, "T", t, st);
	if (!tfc__kernel_attr_str_is(op, "data_format", "NHWC", true) &&
	    !tfc__kernel_attr_str_is(op, "data_format", "NCHW", false)) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "Invalid data format (node '%s')", op->name);
		return NULL;
	}
	return NULL;
}

/* The value as [outer, channels, inner]: NHWC has inner 1, NCHW (rank >= 3) has the
 * channels at dimension 1. */
static void channel_layout(const tfc_tensor *x, bool nchw, int64_t *outer, int64_t *c,
			   int64_t *inner)
{
	int r = x->shape.rank;
	int cd = nchw && r >= 3 ? 1 : r - 1;
	*outer = *inner = 1;
	*c = x->shape.dims[cd];
	for (int d = 0; d < r; d++) {
		if (d < cd)
			*outer *= x->shape.dims[d];
		else if (d > cd)
			*inner *= x->shape.dims[d];
	}
}

/* BiasAdd over outer blocks [p0, p1) of [outer, c, inner]. */
struct bias_job {
	tfc_dtype t;
	const void *x, *b;
	void *o;
	int64_t c, inner;
};

#define BIAS_LOOP(T)                                                                        \
	do {                                                                                \
		const T *xp = j->x, *bp = j->b;                                             \
		T *op = j->o;                                                               \
		for (int64_t p = p0; p < p1; p++)                                           \
			for (int64_t k = 0; k < j->c; k++) {                                \
				int64_t base = (p * j->c + k) * j->inner;                   \
				for (int64_t i = 0; i < j->inner; i++)                      \
					op[base + i] = xp[base + i] + bp[k];                \
			}                                                                   \
	} while (0)

static void bias_range(void *arg, int64_t p0, int64_t p1)
{
	const struct bias_job *j = arg;
	if (j->t == TFC_FLOAT)
		BIAS_LOOP(float);
	else
		BIAS_LOOP(double);
}

static void bias_add_compute(struct tfc_kernel_ctx *ctx)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(ctx->op, "T"));
	if (!tfc__kernel_inputs_ok(ctx, 2, t))
		return;
	const tfc_tensor *x = ctx->inputs[0], *b = ctx->inputs[1];
	bool nchw = tfc__kernel_attr_str_is(ctx->op, "data_format", "NCHW", false);
	char b0[128], b1[128];
	if (x->shape.rank < 2) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Input tensor must be at least 2D: %s",
				 tfc__kshape(&x->shape, b0, sizeof(b0)));
		return;
	}
	if (b->shape.rank != 1) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Biases must be 1D: %s",
				 tfc__kshape(&b->shape, b0, sizeof(b0)));
		return;
	}
	int64_t outer, c, inner;
	channel_layout(x, nchw, &outer, &c, &inner);
	if (b->shape.dims[0] != c) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Must provide as many biases as the %s dimension of the input tensor: "
				 "%s vs. %s",
				 nchw ? "channel" : "last", tfc__kshape(&b->shape, b0, sizeof(b0)),
				 tfc__kshape(&x->shape, b1, sizeof(b1)));
		return;
	}
	tfc_tensor *o = tfc__kernel_output_like(ctx, 0, 0, t, x->shape.dims, x->shape.rank);
	if (!o)
		return;
	struct bias_job j = { t, tfc_tensor_data(x), tfc_tensor_data(b), tfc_tensor_data(o), c,
			      inner };
	tfc_parallel_for(ctx->intra_op_threads, outer, 32768 / (c * inner + 1) + 1, bias_range, &j);
}

static void bias_add_grad_compute(struct tfc_kernel_ctx *ctx)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(ctx->op, "T"));
	if (!tfc__kernel_inputs_ok(ctx, 1, t))
		return;
	const tfc_tensor *g = ctx->inputs[0];
	bool nchw = tfc__kernel_attr_str_is(ctx->op, "data_format", "NCHW", false);
	char b0[128];
	if (g->shape.rank < 2) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Input tensor must be at least 2D: %s",
				 tfc__kshape(&g->shape, b0, sizeof(b0)));
		return;
	}
	int64_t outer, c, inner;
	channel_layout(g, nchw, &outer, &c, &inner);
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, t, &c, 1);
	if (!o)
		return;
	double *acc = tfc__calloc((size_t)(c ? c : 1), sizeof(double));
	const void *gp = tfc_tensor_data(g);
	for (int64_t p = 0; p < outer; p++)
		for (int64_t k = 0; k < c; k++) {
			int64_t base = (p * c + k) * inner;
			double s = 0;
			for (int64_t i = 0; i < inner; i++)
				s += ld(gp, t, base + i);
			acc[k] += s;
		}
	for (int64_t k = 0; k < c; k++)
		st_(tfc_tensor_data(o), t, k, acc[k]);
	free(acc);
}

const struct tfc_kernel_def tfc__nn_kernels[] = {
	{ .op = "Softmax", .device = "CPU", .create = softmax_create, .compute = softmax_compute },
	{ .op = "LogSoftmax", .device = "CPU", .create = softmax_create,
	  .compute = logsoftmax_compute },
	{ .op = "SoftmaxCrossEntropyWithLogits", .device = "CPU", .create = softmax_create,
	  .compute = xent_compute },
	{ .op = "SparseSoftmaxCrossEntropyWithLogits", .device = "CPU", .create = softmax_create,
	  .compute = sparse_xent_compute },
	{ .op = "L2Loss", .device = "CPU", .create = softmax_create, .compute = l2loss_compute },
	{ .op = "BiasAdd", .device = "CPU", .create = float_t_create, .compute = bias_add_compute },
	{ .op = "BiasAddV1", .device = "CPU", .create = float_t_create, .compute = bias_add_compute },
	{ .op = "BiasAddGrad", .device = "CPU", .create = float_t_create,
	  .compute = bias_add_grad_compute },
	{ .op = NULL },
};
