/*
 * test_gpu_pool.c: the GPU kernels of cuda/pool_gpu.c and cuda/batchnorm_gpu.c against
 * the CPU kernels, called as kernel records on the same nodes and random inputs:
 * MaxPool, AvgPool, MaxPoolGrad (also on inputs full of ties, where the first maximum
 * must win) and AvgPoolGrad over odd sizes, strides above 1, windows as large as the
 * image, NHWC and NCHW, VALID and SAME, float and double; FusedBatchNorm, V2 and V3
 * (training, inference, an exponential_avg_factor) and their gradients, NHWC and NCHW;
 * every output compared within a tolerance (GPU outputs read back from device memory
 * with tfc__tensor_to_host); then a FusedBatchNormV3 -> FusedBatchNormGradV3 session
 * on the GPU, whose reserve spaces go from kernel to kernel in device memory.
 *
 * Run everywhere: the kernels' `supports`, and that bad arguments give the GPU
 * kernels the CPU's error texts (the shared checks fail before any CUDA call), need
 * a CUDA build but no GPU. Without a GPU every comparison is a TAP skip.
 */
#include <math.h>
#include <stdlib.h>

#include "device_iface.h"
#include "gpu.h"
#include "kernel.h"
#include "kernels.h"
#include "test_util.h"

/* The GPU device under test, or NULL when there is none. */
static struct tfc_device *gpu;

/* Uniform in [-2, 2), or in [0.1, 2) when positive, or one of {-1, 0, 1} when ties
 * (windows then hold several equal maxima). */
static tfc_tensor *random_tensor(tfc_dtype dt, int rank, const int64_t *dims, bool positive, bool ties)
{
	tfc_status *st = tfc_status_new();
	tfc_tensor *t = tfc_tensor_new(dt, dims, rank, st);
	for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++) {
		double u = (double)rand() / RAND_MAX;
		double v = ties ? (double)(rand() % 3 - 1) : positive ? 0.1 + 1.9 * u : -2 + 4 * u;
		if (dt == TFC_FLOAT)
			((float *)tfc_tensor_data(t))[i] = (float)v;
		else
			((double *)tfc_tensor_data(t))[i] = v;
	}
	tfc_status_free(st);
	return t;
}

/* A node of `type` over one Placeholder per input (of its dtype), attrs set by fn. */
static tfc_operation *node(tfc_graph *g, const char *type, tfc_tensor *const *in, int n_in,
			   void (*fn)(tfc_op_desc *d, const void *arg), const void *arg, tfc_status *st)
{
	static int serial;
	char name[32];
	snprintf(name, sizeof(name), "n%d", serial++);
	tfc_op_desc *d = tfc_op_new(g, type, name);
	for (int k = 0; k < n_in; k++) {
		snprintf(name, sizeof(name), "p%d", serial++);
		tfc_operation *p = t_placeholder(g, name, tfc_tensor_dtype(in[k]), -1, NULL, st);
		tfc_op_add_input(d, (tfc_output){p, 0});
	}
	if (fn)
		fn(d, arg);
	return tfc_op_finish(d, st);
}

/* Runs record k on op with inputs in[] (host tensors): on dev when given (the GPU
 * device), else by calling it. out[] gets host copies of the n_out outputs. False
 * with st set when the node failed. `tweak`, when given, edits the node state. */
static bool run_record(const struct tfc_kernel_def *k, struct tfc_device *dev, tfc_operation *op, tfc_tensor **in,
		       int n_in, tfc_tensor **out, int n_out, void (*tweak)(void *state), tfc_status *st)
{
	struct tfc_ref *irefs[8] = {NULL}, *orefs[8] = {NULL};
	for (int i = 0; i < n_out; i++)
		out[i] = NULL;
	struct tfc_kernel_ctx ctx = {.op = op, .n_inputs = n_in, .inputs = in, .input_refs = irefs,
				     .n_outputs = n_out, .outputs = out, .output_refs = orefs, .st = st};
	ctx.state = k->create ? k->create(op, st) : NULL;
	if (tfc_status_code(st) != TFC_OK)
		return false;
	if (tweak)
		tweak(ctx.state);
	if (dev)
		dev->ops->compute(dev, k, &ctx);
	else
		k->compute(&ctx);
	if (k->destroy)
		k->destroy(ctx.state);
	for (int i = 0; i < n_out && tfc_status_code(st) == TFC_OK; i++) {
		if (!out[i]) {
			tfc_status_set(st, TFC_INTERNAL, "output %d was not set", i);
			break;
		}
		tfc_tensor *h = tfc__tensor_to_host(out[i], st);
		tfc_tensor_free(out[i]);
		out[i] = h;
	}
	return tfc_status_code(st) == TFC_OK;
}

static bool same_shape(const tfc_shape *a, const tfc_shape *b)
{
	if (a->rank != b->rank)
		return false;
	for (int d = 0; d < a->rank; d++)
		if (a->dims[d] != b->dims[d])
			return false;
	return true;
}

/* The worst relative error of got against want: INFINITY on a dtype, shape or NaN
 * mismatch. */
static double worst_error(const tfc_tensor *want, const tfc_tensor *got)
{
	if (!want || !got || tfc_tensor_dtype(want) != tfc_tensor_dtype(got) ||
	    !same_shape(&want->shape, &got->shape))
		return INFINITY;
	bool dbl = tfc_tensor_dtype(want) == TFC_DOUBLE;
	double worst = 0;
	for (int64_t i = 0; i < tfc_tensor_num_elements(want); i++) {
		double a = dbl ? ((const double *)tfc_tensor_data((tfc_tensor *)want))[i]
			       : ((const float *)tfc_tensor_data((tfc_tensor *)want))[i];
		double b = dbl ? ((const double *)tfc_tensor_data((tfc_tensor *)got))[i]
			       : ((const float *)tfc_tensor_data((tfc_tensor *)got))[i];
		if (isnan(a) != isnan(b))
			return INFINITY;
		if (isinf(a) || isinf(b)) {
			if (a != b)
				return INFINITY;
			continue;
		}
		double err = fabs(a - b) / (1 + fabs(a));
		worst = err > worst ? err : worst;
	}
	return worst;
}

/* Runs op on the CPU and on the GPU; ok when both succeed and every output agrees. */
static void compare(tfc_operation *op, tfc_tensor **in, int n_in, int n_out, void (*tweak)(void *), double tol,
		    const char *what)
{
	tfc_status *st = tfc_status_new();
	tfc_tensor *want[8] = {NULL}, *got[8] = {NULL};
	const struct tfc_kernel_def *kc = op ? tfc_kernel_lookup(op->type, "CPU") : NULL;
	const struct tfc_kernel_def *kg = op ? tfc_kernel_lookup(op->type, "GPU") : NULL;
	double worst = INFINITY;
	if (kc && kg && run_record(kc, NULL, op, in, n_in, want, n_out, tweak, st) &&
	    run_record(kg, gpu, op, in, n_in, got, n_out, tweak, st)) {
		worst = 0;
		for (int k = 0; k < n_out; k++) {
			double e = worst_error(want[k], got[k]);
			worst = e > worst ? e : worst;
		}
	}
	ok(worst <= tol, "%s: GPU = CPU (worst relative error %g) %s", what, worst, tfc_status_message(st));
	for (int k = 0; k < n_out; k++) {
		tfc_tensor_free(want[k]);
		tfc_tensor_free(got[k]);
	}
	tfc_status_free(st);
}

/* ---- pooling */

struct pool_case {
	int64_t n, h, w, c, kh, kw, sh, sw;
};

static const struct pool_case pool_cases[] = {
	{2, 7, 7, 3, 3, 3, 2, 2},    /* odd image, SAME pads one row and column after */
	{1, 8, 6, 4, 2, 2, 2, 2},    /* windows tile the image */
	{2, 9, 5, 2, 3, 2, 1, 2},    /* overlapping rows, strided columns */
	{3, 10, 11, 5, 4, 3, 3, 2},  /* even window, odd strides */
	{1, 5, 4, 3, 5, 4, 1, 1},    /* the window is the image: SAME pads on both sides */
};
#define N_POOL_CASES ((int)TFC_ARRAY_LEN(pool_cases))
static const char *const pool_ops[] = {"MaxPool", "AvgPool", "MaxPoolGrad", "AvgPoolGrad"};

struct pool_attrs {
	const struct pool_case *p;
	bool nchw, same;
};

static void pool_set_attrs(tfc_op_desc *d, const void *arg)
{
	const struct pool_attrs *a = arg;
	int64_t k[4] = {1, 1, 1, 1}, s[4] = {1, 1, 1, 1};
	int h = a->nchw ? 2 : 1;
	k[h] = a->p->kh;
	k[h + 1] = a->p->kw;
	s[h] = a->p->sh;
	s[h + 1] = a->p->sw;
	tfc_op_set_attr_int_list(d, "ksize", k, 4);
	tfc_op_set_attr_int_list(d, "strides", s, 4);
	tfc_op_set_attr_string(d, "padding", a->same ? "SAME" : "VALID", a->same ? 4 : 5);
	tfc_op_set_attr_string(d, "data_format", a->nchw ? "NCHW" : "NHWC", 4);
}

/* TensorFlow's output size along one dim. */
static int64_t pool_out(int64_t in, int64_t k, int64_t s, bool same)
{
	return same ? (in + s - 1) / s : (in - k + s) / s;
}

/* dims [n, h, w, c] in the data format. */
static void in_format(bool nchw, int64_t n, int64_t h, int64_t w, int64_t c, int64_t out[4])
{
	out[0] = n;
	out[1] = nchw ? c : h;
	out[2] = nchw ? h : w;
	out[3] = nchw ? w : c;
}

static void pool_case(const char *op, const struct pool_case *p, bool nchw, bool same, tfc_dtype dt, bool ties)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	int64_t xd[4], yd[4];
	in_format(nchw, p->n, p->h, p->w, p->c, xd);
	in_format(nchw, p->n, pool_out(p->h, p->kh, p->sh, same), pool_out(p->w, p->kw, p->sw, same), p->c, yd);
	tfc_tensor *in[3] = {NULL, NULL, NULL};
	int n_in = 1;
	if (!strcmp(op, "MaxPool") || !strcmp(op, "AvgPool")) {
		in[0] = random_tensor(dt, 4, xd, false, ties);
	} else if (!strcmp(op, "MaxPoolGrad")) {
		in[0] = random_tensor(dt, 4, xd, false, ties);
		in[1] = random_tensor(dt, 4, yd, false, false); /* orig_output: not read */
		in[2] = random_tensor(dt, 4, yd, false, false);
		n_in = 3;
	} else {
		int64_t four = 4;
		in[0] = tfc_tensor_new(TFC_INT32, &four, 1, st);
		for (int i = 0; i < 4; i++)
			((int32_t *)tfc_tensor_data(in[0]))[i] = (int32_t)xd[i];
		in[1] = random_tensor(dt, 4, yd, false, false);
		n_in = 2;
	}
	struct pool_attrs a = {p, nchw, same};
	tfc_operation *o = node(g, op, in, n_in, pool_set_attrs, &a, st);
	char what[160];
	snprintf(what, sizeof(what), "%s %s %s %s%s x[%lld,%lld,%lld,%lld] k%lldx%lld s%lldx%lld", op,
		 tfc_dtype_name(dt), nchw ? "NCHW" : "NHWC", same ? "SAME" : "VALID", ties ? " (ties)" : "",
		 (long long)xd[0], (long long)xd[1], (long long)xd[2], (long long)xd[3], (long long)p->kh,
		 (long long)p->kw, (long long)p->sh, (long long)p->sw);
	/* the GPU sums in the CPU's order: only the division of AvgPool may round apart */
	compare(o, in, n_in, 1, NULL, dt == TFC_DOUBLE ? 1e-12 : 1e-6, what);
	for (int i = 0; i < 3; i++)
		tfc_tensor_free(in[i]);
	tfc_graph_free(g);
	tfc_status_free(st);
}

static void test_pool(void)
{
	srand(4242);
	for (int oi = 0; oi < 4; oi++)
		for (int pi = 0; pi < N_POOL_CASES; pi++)
			for (int nchw = 0; nchw < 2; nchw++)
				for (int same = 0; same < 2; same++)
					pool_case(pool_ops[oi], &pool_cases[pi], nchw, same, TFC_FLOAT, false);
	for (int oi = 0; oi < 4; oi++)
		pool_case(pool_ops[oi], &pool_cases[0], true, true, TFC_DOUBLE, false);
	for (int nchw = 0; nchw < 2; nchw++) {
		pool_case("MaxPoolGrad", &pool_cases[2], nchw, true, TFC_FLOAT, true);
		pool_case("MaxPool", &pool_cases[3], nchw, false, TFC_FLOAT, true);
	}
}
#define N_POOL (4 * 5 * 2 * 2 + 4 + 4)

/* ---- batch normalization */

struct bn_attrs {
	bool nchw, training;
};

static void bn_set_attrs(tfc_op_desc *d, const void *arg)
{
	const struct bn_attrs *a = arg;
	tfc_op_set_attr_float(d, "epsilon", 0.001f);
	tfc_op_set_attr_bool(d, "is_training", a->training);
	tfc_op_set_attr_string(d, "data_format", a->nchw ? "NCHW" : "NHWC", 4);
}

/* exponential_avg_factor is not an attr of our op definitions; the kernels read it
 * when a node has it (TensorFlow 2's graphs), so the test sets it in the state. */
static void avg_factor_quarter(void *state) { ((struct tfc__bn_state *)state)->avg_factor = 0.25f; }

static const int64_t bn_shapes[][4] = {{2, 5, 7, 3}, {1, 3, 4, 16}, {4, 1, 1, 6}};
#define N_BN_SHAPES ((int)TFC_ARRAY_LEN(bn_shapes))
static const char *const bn_ops[] = {"FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3"};
static const char *const bn_grad_ops[] = {"FusedBatchNormGrad", "FusedBatchNormGradV2", "FusedBatchNormGradV3"};

static void bn_case(const char *op, bool grad, const int64_t *nhwc, bool nchw, bool training,
		    void (*tweak)(void *))
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	int64_t xd[4], c = nhwc[3], zero = 0;
	in_format(nchw, nhwc[0], nhwc[1], nhwc[2], nhwc[3], xd);
	bool v3 = strstr(op, "V3") != NULL;
	tfc_tensor *in[6] = {NULL};
	int n_in = 5, n_out = 5;
	if (!grad) {
		in[0] = random_tensor(TFC_FLOAT, 4, xd, false, false);
		in[1] = random_tensor(TFC_FLOAT, 1, &c, true, false);
		in[2] = random_tensor(TFC_FLOAT, 1, &c, false, false);
		/* training without a factor reads no running values: empty ones, as TensorFlow feeds */
		bool running = !training || tweak;
		in[3] = random_tensor(TFC_FLOAT, 1, running ? &c : &zero, false, false);
		in[4] = random_tensor(TFC_FLOAT, 1, running ? &c : &zero, true, false);
		n_out = v3 ? 6 : 5;
	} else {
		in[0] = random_tensor(TFC_FLOAT, 4, xd, false, false);
		in[1] = random_tensor(TFC_FLOAT, 4, xd, false, false);
		in[2] = random_tensor(TFC_FLOAT, 1, &c, true, false);
		in[3] = random_tensor(TFC_FLOAT, 1, &c, false, false);
		in[4] = random_tensor(TFC_FLOAT, 1, &c, true, false);
		if (v3) {
			in[5] = tfc_tensor_new(TFC_FLOAT, &zero, 1, st);
			n_in = 6;
		}
	}
	struct bn_attrs a = {nchw, training};
	tfc_operation *o = node(g, op, in, n_in, bn_set_attrs, &a, st);
	char what[160];
	snprintf(what, sizeof(what), "%s %s %s%s x[%lld,%lld,%lld,%lld]", op, nchw ? "NCHW" : "NHWC",
		 training ? "training" : "inference", tweak ? " exponential_avg_factor 0.25" : "", (long long)xd[0],
		 (long long)xd[1], (long long)xd[2], (long long)xd[3]);
	compare(o, in, n_in, n_out, tweak, 1e-5, what);
	for (int i = 0; i < 6; i++)
		tfc_tensor_free(in[i]);
	tfc_graph_free(g);
	tfc_status_free(st);
}

static void test_bn(void)
{
	srand(777);
	for (int grad = 0; grad < 2; grad++)
		for (int oi = 0; oi < 3; oi++)
			for (int si = 0; si < N_BN_SHAPES; si++)
				for (int nchw = 0; nchw < 2; nchw++)
					for (int tr = 0; tr < 2; tr++)
						bn_case(grad ? bn_grad_ops[oi] : bn_ops[oi], grad, bn_shapes[si], nchw,
							tr, NULL);
	for (int nchw = 0; nchw < 2; nchw++)
		bn_case("FusedBatchNormV3", false, bn_shapes[0], nchw, true, avg_factor_quarter);
}
#define N_BN (2 * 3 * 3 * 2 * 2 + 2)

/* FusedBatchNormV3 then FusedBatchNormGradV3 in a session, both pinned to the GPU,
 * against the same graph on the CPU: y, and the gradients of x, scale and offset. */
static void bn_session(bool gpu_run, const int64_t *xd, tfc_tensor **vals, tfc_tensor **out, tfc_status *st)
{
	tfc_graph *g = tfc_graph_new();
	int64_t c = xd[3];
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, 4, xd, st);
	tfc_operation *sc = t_placeholder(g, "scale", TFC_FLOAT, 1, &c, st);
	tfc_operation *of = t_placeholder(g, "offset", TFC_FLOAT, 1, &c, st);
	tfc_operation *dy = t_placeholder(g, "dy", TFC_FLOAT, 4, xd, st);
	tfc_operation *empty = t_placeholder(g, "empty", TFC_FLOAT, 1, (int64_t[]){0}, st);
	struct bn_attrs a = {false, true};
	tfc_op_desc *d = tfc_op_new(g, "FusedBatchNormV3", "bn");
	tfc_output ins[5] = {{x, 0}, {sc, 0}, {of, 0}, {empty, 0}, {empty, 0}};
	for (int i = 0; i < 5; i++)
		tfc_op_add_input(d, ins[i]);
	bn_set_attrs(d, &a);
	if (gpu_run)
		tfc_op_set_device(d, "/device:GPU:0");
	tfc_operation *bn = tfc_op_finish(d, st);
	d = tfc_op_new(g, "FusedBatchNormGradV3", "bn_grad");
	tfc_output gins[6] = {{dy, 0}, {x, 0}, {sc, 0}, {bn, 3}, {bn, 4}, {bn, 5}};
	for (int i = 0; i < 6; i++)
		tfc_op_add_input(d, gins[i]);
	bn_set_attrs(d, &a);
	if (gpu_run)
		tfc_op_set_device(d, "/device:GPU:0");
	tfc_operation *bg = tfc_op_finish(d, st);
	tfc_session_options *o = tfc_session_options_new();
	if (!gpu_run)
		tfc_session_options_set_config_value(o, "device_count.GPU", "0", st);
	tfc_session *s = tfc_status_code(st) == TFC_OK ? tfc_session_new(g, o, st) : NULL;
	tfc_output feeds[5] = {{x, 0}, {sc, 0}, {of, 0}, {dy, 0}, {empty, 0}};
	tfc_output fetch[4] = {{bn, 0}, {bg, 0}, {bg, 1}, {bg, 2}};
	if (s)
		tfc_session_run(s, NULL, 0, feeds, vals, 5, fetch, out, 4, NULL, 0, NULL, st);
	tfc_session_free(s);
	tfc_session_options_free(o);
	tfc_graph_free(g);
}

static void test_bn_session(void)
{
	tfc_status *st = tfc_status_new();
	int64_t xd[4] = {3, 6, 5, 4}, c = 4, zero = 0;
	tfc_tensor *vals[5] = {random_tensor(TFC_FLOAT, 4, xd, false, false),
			       random_tensor(TFC_FLOAT, 1, &c, true, false),
			       random_tensor(TFC_FLOAT, 1, &c, false, false),
			       random_tensor(TFC_FLOAT, 4, xd, false, false), tfc_tensor_new(TFC_FLOAT, &zero, 1, st)};
	tfc_tensor *want[4] = {NULL}, *got[4] = {NULL};
	bn_session(false, xd, vals, want, st);
	if (tfc_status_code(st) == TFC_OK)
		bn_session(true, xd, vals, got, st);
	double worst = tfc_status_code(st) == TFC_OK ? 0 : INFINITY;
	for (int k = 0; k < 4; k++) {
		double e = worst_error(want[k], got[k]);
		worst = e > worst ? e : worst;
		tfc_tensor_free(want[k]);
		tfc_tensor_free(got[k]);
	}
	ok(worst <= 1e-5, "FusedBatchNormV3 -> FusedBatchNormGradV3 on the GPU in a session = on the CPU (worst %g) %s",
	   worst, tfc_status_message(st));
	for (int i = 0; i < 5; i++)
		tfc_tensor_free(vals[i]);
	tfc_status_free(st);
}
#define N_BN_SESSION 1

/* ---- run everywhere (in a CUDA build): supports, and the CPU's error texts */

static void set_t(tfc_op_desc *d, const void *arg)
{
	(void)arg;
	tfc_op_set_attr_int_list(d, "ksize", (int64_t[]){1, 2, 2, 1}, 4);
	tfc_op_set_attr_int_list(d, "strides", (int64_t[]){1, 2, 2, 1}, 4);
	tfc_op_set_attr_string(d, "padding", "VALID", 5);
}

static void batch_window(tfc_op_desc *d, const void *arg)
{
	(void)arg;
	tfc_op_set_attr_int_list(d, "ksize", (int64_t[]){2, 2, 2, 1}, 4);
	tfc_op_set_attr_int_list(d, "strides", (int64_t[]){1, 1, 1, 1}, 4);
	tfc_op_set_attr_string(d, "padding", "VALID", 5);
}

static bool gpu_supports(const tfc_operation *op)
{
	const struct tfc_kernel_def *k = op ? tfc_kernel_lookup(op->type, "GPU") : NULL;
	return k && (!k->supports || k->supports(op));
}

static void test_supports(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	int64_t d4[4] = {1, 4, 4, 2}, d1 = 2;
	tfc_tensor *f = tfc_tensor_new(TFC_FLOAT, d4, 4, st), *dbl = tfc_tensor_new(TFC_DOUBLE, d4, 4, st);
	tfc_tensor *i32 = tfc_tensor_new(TFC_INT32, d4, 4, st), *h = tfc_tensor_new(TFC_HALF, d4, 4, st);
	tfc_tensor *fv = tfc_tensor_new(TFC_FLOAT, &d1, 1, st);
	tfc_tensor *bn_f[5] = {f, fv, fv, fv, fv}, *bn_h[5] = {h, fv, fv, fv, fv};
	struct pool_attrs pa = {&pool_cases[0], true, true};
	struct bn_attrs ba = {true, false};
	if (!tfc_kernel_lookup("MaxPool", "GPU")) {
		skip(9, "this tfc was built without CUDA: no GPU kernels");
		goto out;
	}
	ok(gpu_supports(node(g, "MaxPool", &f, 1, set_t, NULL, st)), "the GPU MaxPool takes float %s",
	   tfc_status_message(st));
	ok(gpu_supports(node(g, "AvgPool", &dbl, 1, pool_set_attrs, &pa, st)), "the GPU AvgPool takes double NCHW SAME");
	tfc_operation *op = node(g, "MaxPool", &i32, 1, set_t, NULL, st);
	ok(op && !gpu_supports(op), "the GPU MaxPool refuses int32 (the CPU reports it)");
	op = node(g, "MaxPool", &f, 1, batch_window, NULL, st);
	ok(op && !gpu_supports(op), "the GPU MaxPool refuses a window over the batch (the CPU reports it) %s",
	   tfc_status_message(st));
	ok(gpu_supports(node(g, "FusedBatchNorm", bn_f, 5, bn_set_attrs, &ba, st)), "the GPU FusedBatchNorm takes float");
	ok(gpu_supports(node(g, "FusedBatchNormV3", bn_f, 5, bn_set_attrs, &ba, st)),
	   "the GPU FusedBatchNormV3 takes float NCHW");
	op = node(g, "FusedBatchNormV3", bn_h, 5, bn_set_attrs, &ba, st);
	ok(op && !gpu_supports(op), "the GPU FusedBatchNormV3 refuses half");
	ok(tfc_kernel_lookup("FusedBatchNormGradV2", "GPU") != NULL, "FusedBatchNormGradV2 has a GPU kernel");
	ok(tfc_kernel_lookup("MaxPoolGradV2", "GPU") == NULL, "MaxPoolGradV2 stays on the CPU");
out:
	tfc_tensor_free(f);
	tfc_tensor_free(dbl);
	tfc_tensor_free(i32);
	tfc_tensor_free(h);
	tfc_tensor_free(fv);
	tfc_graph_free(g);
	tfc_status_free(st);
}
#define N_SUPPORTS 9

/* The CPU kernel fails on op with InvalidArgument and `want` in its message; then the
 * GPU record, called directly (its shared check fails before any CUDA call), must
 * give the same status. */
static void same_error(tfc_operation *op, tfc_tensor **in, int n_in, int n_out, const char *want, const char *what)
{
	tfc_status *cs = tfc_status_new(), *gs = tfc_status_new();
	tfc_tensor *out[8];
	const struct tfc_kernel_def *kc = op ? tfc_kernel_lookup(op->type, "CPU") : NULL;
	const struct tfc_kernel_def *kg = op ? tfc_kernel_lookup(op->type, "GPU") : NULL;
	bool cpu_failed = kc && !run_record(kc, NULL, op, in, n_in, out, n_out, NULL, cs) &&
			  tfc_status_code(cs) == TFC_INVALID_ARGUMENT && strstr(tfc_status_message(cs), want);
	for (int i = 0; i < n_out; i++)
		tfc_tensor_free(out[i]);
	ok(cpu_failed, "%s: the CPU kernel says \"%s\" (%s)", what, want, tfc_status_message(cs));
	if (cpu_failed && kg) {
		run_record(kg, NULL, op, in, n_in, out, n_out, NULL, gs);
		for (int i = 0; i < n_out; i++)
			tfc_tensor_free(out[i]);
	}
	ok(cpu_failed && tfc_status_code(gs) == TFC_INVALID_ARGUMENT &&
		   !strcmp(tfc_status_message(gs), tfc_status_message(cs)),
	   "%s: the GPU kernel says the same (%s)", what, tfc_status_message(gs));
	tfc_status_free(cs);
	tfc_status_free(gs);
}

static void test_errors(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	if (!tfc_kernel_lookup("MaxPool", "GPU")) {
		skip(8, "this tfc was built without CUDA: no GPU kernels");
		goto out;
	}
	int64_t xd[4] = {1, 4, 4, 2}, bad[4] = {1, 3, 2, 2}, c = 2, c3 = 3, three = 3;
	tfc_tensor *x = random_tensor(TFC_FLOAT, 4, xd, false, false), *dy = random_tensor(TFC_FLOAT, 4, bad, false, false);
	tfc_tensor *v = random_tensor(TFC_FLOAT, 1, &c, true, false), *v3 = random_tensor(TFC_FLOAT, 1, &c3, true, false);
	tfc_tensor *shp = tfc_tensor_new(TFC_INT32, &three, 1, st);
	tfc_tensor *mpg[3] = {x, x, dy}, *apg[2] = {shp, dy}, *bn[5] = {x, v3, v, v, v}, *bng[5] = {dy, x, v, v, v};
	same_error(node(g, "MaxPoolGrad", mpg, 3, set_t, NULL, st), mpg, 3, 1, "Expected grad shape to be [1,2,2,2]",
		   "MaxPoolGrad with a wrong grad shape");
	same_error(node(g, "AvgPoolGrad", apg, 2, set_t, NULL, st), apg, 2, 1,
		   "orig_input_shape must be 1-dimensional and 4 elements", "AvgPoolGrad with a 3-element shape");
	struct bn_attrs ba = {false, true};
	same_error(node(g, "FusedBatchNormV3", bn, 5, bn_set_attrs, &ba, st), bn, 5, 6,
		   "scale must be 1-dimensional with 2 elements", "FusedBatchNormV3 with a wrong scale");
	same_error(node(g, "FusedBatchNormGrad", bng, 5, bn_set_attrs, &ba, st), bng, 5, 5,
		   "x and y_backprop must have same shape", "FusedBatchNormGrad with x and dy apart");
	tfc_tensor_free(x);
	tfc_tensor_free(dy);
	tfc_tensor_free(v);
	tfc_tensor_free(v3);
	tfc_tensor_free(shp);
out:
	tfc_graph_free(g);
	tfc_status_free(st);
}
#define N_ERRORS 8

int main(void)
{
	plan_lazy();
	char why[256];
	test_supports();
	test_errors();
	tfc_status *st = tfc_status_new();
	if (tfc__gpu_count(why, sizeof(why)) > 0) {
		gpu = tfc__gpu_device_new("/job:localhost/replica:0/task:0/device:GPU:0", 0, NULL, st);
		if (!gpu)
			snprintf(why, sizeof(why), "%s", tfc_status_message(st));
	}
	if (!gpu) {
		skip(N_POOL + N_BN + N_BN_SESSION, "no GPU (%s)", why);
	} else {
		test_pool();
		test_bn();
		test_bn_session();
		tfc__device_free(gpu);
	}
	tfc_status_free(st);
	done_testing();
	return exit_status();
}
