/*
 * test_gpu_kernels.c: `make check-gpu`. Every CUDA kernel against the CPU kernel on
 * random inputs (each op pinned to /device:GPU:0, without soft placement, and run
 * again in a CPU-only session), within a tolerance: the element-wise ops and the
 * activation gradients, reductions, softmaxes, BiasAdd(Grad), the cross entropies,
 * L2Loss, the MatMuls, and Conv2D, DepthwiseConv2dNative and their backprops (cuDNN) over both data formats,
 * strides, dilations and VALID / SAME (symmetric and asymmetric) / EXPLICIT padding;
 * ApplyGradientDescent through its kernel record on a GPU device (the placer keeps
 * it with its variable on the CPU); then a traced training step on the GPU whose
 * RunMetadata has GPU pseudo-devices whose kernels belong to ops of the graph, and
 * whose rows land in the trace database's gpu_kernel table. Without a GPU those
 * cases print TAP skips.
 *
 * Run everywhere, GPU or not: the GPU kernels' `supports` refuses what they cannot
 * do (called on built nodes; skipped in a build without them), and without a GPU the
 * placer puts Conv2D on the CPU.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.pb-c.h"
#include "device_iface.h"
#include "gpu.h"
#include "gpu_activity.h"
#include "kernel.h"
#include "test_util.h"
#include "tfc_train.h"
#include "tfc_trace.h"

struct kcase {
	const char *op;
	int n_in;               /* data inputs (an axes Const is added for reductions) */
	int rank[2];
	int64_t dims[2][3];
	bool positive;          /* inputs in (0.1, 2) (Log, Sqrt, ...) */
	const char *attr;       /* a bool attr set to true, or NULL */
	int64_t axes[2];        /* reductions: the axes (n_axes of them) */
	int n_axes;
	tfc_dtype dtype;
	bool nchw;              /* data_format NCHW (BiasAdd, BiasAddGrad) */
};

#define U(op, pos) {op, 1, {2, 0}, {{3, 5}}, pos, NULL, {0}, 0, TFC_FLOAT, false}
#define B(op) {op, 2, {2, 1}, {{3, 4}, {4}}, false, NULL, {0}, 0, TFC_FLOAT, false}
/* Gradients (y, dy) or (gradients, features); Relu6Grad's features are scaled to
 * (-8, 8), so both of its clamps are crossed. */
#define G(op, pos) {op, 2, {2, 2}, {{4, 5}, {4, 5}}, pos, NULL, {0}, 0, TFC_FLOAT, false}
#define R(op, keep, a0, a1, na) {op, 1, {3, 0}, {{2, 3, 4}}, false, keep, {a0, a1}, na, TFC_FLOAT, false}

static const struct kcase cases[] = {
	U("Neg", false), U("Abs", false), U("Square", false), U("Sqrt", true), U("Rsqrt", true),
	U("Exp", false), U("Log", true), U("Tanh", false), U("Sigmoid", false), U("Relu", false),
	U("Relu6", false), U("Elu", false), U("Selu", false), U("Softplus", false), U("LeakyRelu", false),
	U("Reciprocal", true), U("Inv", true),
	B("Add"), B("AddV2"), B("Sub"), B("Mul"), B("RealDiv"), B("Div"), B("Maximum"), B("Minimum"),
	B("SquaredDifference"),
	{"ReluGrad", 2, {2, 2}, {{3, 4}, {3, 4}}, false, NULL, {0}, 0, TFC_FLOAT, false},
	G("Relu6Grad", false), G("EluGrad", false), G("SeluGrad", false), G("SoftplusGrad", false),
	G("SigmoidGrad", false), G("TanhGrad", false), G("SqrtGrad", true), G("RsqrtGrad", true),
	G("ReciprocalGrad", false), G("InvGrad", false),
	{"TanhGrad", 2, {3, 3}, {{2, 3, 4}, {2, 3, 4}}, false, NULL, {0}, 0, TFC_DOUBLE, false},
	{"BiasAddGrad", 1, {2, 0}, {{6, 5}}, false, NULL, {0}, 0, TFC_FLOAT, false},
	{"BiasAddGrad", 1, {3, 0}, {{2, 3, 4}}, false, NULL, {0}, 0, TFC_DOUBLE, false},
	{"L2Loss", 1, {2, 0}, {{7, 9}}, false, NULL, {0}, 0, TFC_FLOAT, false},
	{"L2Loss", 1, {3, 0}, {{2, 3, 4}}, false, NULL, {0}, 0, TFC_DOUBLE, false},
	R("Sum", NULL, 1, 0, 1), R("Sum", "keep_dims", 0, 2, 2), R("Mean", NULL, -1, 0, 1),
	R("Max", NULL, 0, 1, 2), R("Min", "keep_dims", 1, 0, 1), R("Prod", NULL, 2, 0, 1),
	{"Softmax", 1, {2, 0}, {{5, 7}}, false, NULL, {0}, 0, TFC_FLOAT, false},
	{"LogSoftmax", 1, {2, 0}, {{5, 7}}, false, NULL, {0}, 0, TFC_FLOAT, false},
	{"Softmax", 1, {2, 0}, {{5, 7}}, false, NULL, {0}, 0, TFC_DOUBLE, false},
	{"BiasAdd", 2, {3, 1}, {{2, 3, 4}, {4}}, false, NULL, {0}, 0, TFC_FLOAT, false},
	{"BiasAdd", 2, {3, 1}, {{2, 3, 4}, {3}}, false, NULL, {0}, 0, TFC_FLOAT, true},
	{"BiasAddGrad", 1, {3, 0}, {{2, 3, 4}}, false, NULL, {0}, 0, TFC_FLOAT, true},
	{"MatMul", 2, {2, 2}, {{5, 6}, {6, 3}}, false, NULL, {0}, 0, TFC_FLOAT, false},
	{"MatMul", 2, {2, 2}, {{6, 5}, {6, 3}}, false, "transpose_a", {0}, 0, TFC_FLOAT, false},
	{"MatMul", 2, {2, 2}, {{5, 6}, {6, 3}}, false, NULL, {0}, 0, TFC_DOUBLE, false},
	{"BatchMatMulV2", 2, {3, 2}, {{2, 5, 6}, {6, 3}}, false, NULL, {0}, 0, TFC_FLOAT, false},
	{"BatchMatMul", 2, {3, 3}, {{2, 5, 6}, {2, 3, 6}}, false, "adj_y", {0}, 0, TFC_FLOAT, false},
};
#define N_CASES ((int)(sizeof(cases) / sizeof(cases[0])))

static tfc_tensor *random_tensor(tfc_dtype dt, int rank, const int64_t *dims, bool positive)
{
	tfc_status *st = tfc_status_new();
	tfc_tensor *t = tfc_tensor_new(dt, dims, rank, st);
	for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++) {
		double u = (double)rand() / RAND_MAX;
		double v = positive ? 0.1 + 1.9 * u : -2 + 4 * u;
		if (dt == TFC_FLOAT)
			((float *)tfc_tensor_data(t))[i] = (float)v;
		else
			((double *)tfc_tensor_data(t))[i] = v;
	}
	tfc_status_free(st);
	return t;
}

/* Runs case c on a session (GPU: the op pinned to GPU:0), inputs fed; the output. */
static tfc_tensor *run_case(const struct kcase *c, tfc_tensor **in, bool gpu, tfc_status *st)
{
	tfc_graph *g = tfc_graph_new();
	tfc_operation *ph[2];
	tfc_output feeds[2];
	for (int i = 0; i < c->n_in; i++) {
		char name[8];
		snprintf(name, sizeof(name), "in%d", i);
		ph[i] = t_placeholder(g, name, c->dtype, -1, NULL, st);
		feeds[i] = (tfc_output){ph[i], 0};
	}
	tfc_op_desc *d = tfc_op_new(g, c->op, "op");
	for (int i = 0; i < c->n_in; i++)
		tfc_op_add_input(d, feeds[i]);
	if (c->n_axes) {
		int64_t n = c->n_axes;
		tfc_tensor *ax = tfc_tensor_new(TFC_INT32, &n, 1, st);
		for (int i = 0; i < c->n_axes; i++)
			((int32_t *)tfc_tensor_data(ax))[i] = (int32_t)c->axes[i];
		tfc_op_desc *cd = tfc_op_new(g, "Const", "axes");
		tfc_op_set_attr_tensor(cd, "value", ax, st);
		tfc_op_set_attr_type(cd, "dtype", TFC_INT32);
		tfc_tensor_free(ax);
		tfc_op_add_input(d, (tfc_output){tfc_op_finish(cd, st), 0});
	}
	if (c->attr)
		tfc_op_set_attr_bool(d, c->attr, true);
	if (c->nchw)
		tfc_op_set_attr_string(d, "data_format", "NCHW", 4);
	if (gpu)
		tfc_op_set_device(d, "/device:GPU:0");
	tfc_operation *op = tfc_op_finish(d, st);
	tfc_session_options *o = tfc_session_options_new();
	if (!gpu)
		tfc_session_options_set_config_value(o, "device_count.GPU", "0", st);
	tfc_session *s = tfc_session_new(g, o, st);
	tfc_tensor *out = NULL;
	tfc_output fetch = {op, 0};
	if (tfc_status_code(st) == TFC_OK)
		tfc_session_run(s, NULL, 0, feeds, in, c->n_in, &fetch, &out, 1, NULL, 0, NULL, st);
	tfc_session_free(s);
	tfc_session_options_free(o);
	tfc_graph_free(g);
	return out;
}

static void test_kernels(void)
{
	tfc_status *st = tfc_status_new();
	srand(12345);
	for (int k = 0; k < N_CASES; k++) {
		const struct kcase *c = &cases[k];
		tfc_tensor *in[2] = {NULL, NULL};
		for (int i = 0; i < c->n_in; i++)
			in[i] = random_tensor(c->dtype, c->rank[i], c->dims[i], c->positive);
		if (!strcmp(c->op, "Relu6Grad"))
			for (int64_t i = 0; i < tfc_tensor_num_elements(in[1]); i++)
				((float *)tfc_tensor_data(in[1]))[i] *= 4;
		tfc_tensor *want = run_case(c, in, false, st);
		tfc_tensor *got = want ? run_case(c, in, true, st) : NULL;
		double worst = 0;
		bool same_shape = want && got && tfc_tensor_num_elements(want) == tfc_tensor_num_elements(got);
		for (int64_t i = 0; same_shape && i < tfc_tensor_num_elements(want); i++) {
			double a = c->dtype == TFC_FLOAT ? ((float *)tfc_tensor_data(want))[i] : ((double *)tfc_tensor_data(want))[i];
			double b = c->dtype == TFC_FLOAT ? ((float *)tfc_tensor_data(got))[i] : ((double *)tfc_tensor_data(got))[i];
			double err = fabs(a - b) / (1 + fabs(a));
			if (err > worst || isnan(b))
				worst = isnan(b) ? INFINITY : err;
		}
		ok(same_shape && worst < (c->dtype == TFC_FLOAT ? 1e-4 : 1e-10),
		   "%s %s%s%s%s: GPU = CPU (worst relative error %g) %s", c->op, tfc_dtype_name(c->dtype),
		   c->attr ? " " : "", c->attr ? c->attr : "", c->nchw ? " NCHW" : "", worst, tfc_status_message(st));
		tfc_tensor_free(want);
		tfc_tensor_free(got);
		tfc_tensor_free(in[0]);
		tfc_tensor_free(in[1]);
	}
	tfc_status_free(st);
}

/* ---- nodes with several outputs, string and list attrs, Const inputs */

/* The node under test: n_in inputs, each a Placeholder fed in[k] (of its dtype), or
 * when in[k] is NULL an int32 Const `sizes` (Conv2DBackprop*); attrs(d, arg) sets
 * the rest; n_out outputs are fetched. */
struct node_spec {
	const char *op;
	int n_in;
	tfc_tensor *in[3];
	int64_t sizes[4];
	int n_out;
	void (*attrs)(tfc_op_desc *d, const void *arg);
	const void *arg;
};

static void run_node(const struct node_spec *n, bool gpu, tfc_tensor **out, tfc_status *st)
{
	tfc_graph *g = tfc_graph_new();
	tfc_output feeds[3], fetch[2];
	tfc_tensor *vals[3];
	int nf = 0;
	tfc_op_desc *d = NULL;
	for (int k = 0; k < n->n_in; k++) {
		char name[8];
		snprintf(name, sizeof(name), "in%d", k);
		tfc_operation *src;
		if (n->in[k]) {
			src = t_placeholder(g, name, tfc_tensor_dtype(n->in[k]), -1, NULL, st);
			feeds[nf] = (tfc_output){src, 0};
			vals[nf++] = n->in[k];
		} else {
			int64_t four = 4;
			tfc_tensor *t = tfc_tensor_new(TFC_INT32, &four, 1, st);
			for (int i = 0; i < 4; i++)
				((int32_t *)tfc_tensor_data(t))[i] = (int32_t)n->sizes[i];
			tfc_op_desc *cd = tfc_op_new(g, "Const", name);
			tfc_op_set_attr_tensor(cd, "value", t, st);
			tfc_op_set_attr_type(cd, "dtype", TFC_INT32);
			tfc_tensor_free(t);
			src = tfc_op_finish(cd, st);
		}
		if (!d)
			d = tfc_op_new(g, n->op, "op");
		tfc_op_add_input(d, (tfc_output){src, 0});
	}
	if (n->attrs)
		n->attrs(d, n->arg);
	if (gpu)
		tfc_op_set_device(d, "/device:GPU:0");
	tfc_operation *op = tfc_op_finish(d, st);
	for (int k = 0; k < n->n_out; k++)
		fetch[k] = (tfc_output){op, k};
	tfc_session_options *o = tfc_session_options_new();
	if (!gpu)
		tfc_session_options_set_config_value(o, "device_count.GPU", "0", st);
	tfc_session *s = tfc_status_code(st) == TFC_OK ? tfc_session_new(g, o, st) : NULL;
	if (s)
		tfc_session_run(s, NULL, 0, feeds, vals, nf, fetch, out, n->n_out, NULL, 0, NULL, st);
	tfc_session_free(s);
	tfc_session_options_free(o);
	tfc_graph_free(g);
}

/* The worst relative error of got against want (INFINITY on a shape mismatch or NaN). */
static double worst_error(const tfc_tensor *want, const tfc_tensor *got)
{
	if (!want || !got || tfc_tensor_num_elements(want) != tfc_tensor_num_elements(got) ||
	    tfc_tensor_dtype(want) != tfc_tensor_dtype(got))
		return INFINITY;
	bool dbl = tfc_tensor_dtype(want) == TFC_DOUBLE;
	double worst = 0;
	for (int64_t i = 0; i < tfc_tensor_num_elements(want); i++) {
		double a = dbl ? ((double *)tfc_tensor_data((tfc_tensor *)want))[i]
			       : ((float *)tfc_tensor_data((tfc_tensor *)want))[i];
		double b = dbl ? ((double *)tfc_tensor_data((tfc_tensor *)got))[i]
			       : ((float *)tfc_tensor_data((tfc_tensor *)got))[i];
		double err = fabs(a - b) / (1 + fabs(a));
		if (isnan(b) || isnan(err))
			return INFINITY;
		worst = err > worst ? err : worst;
	}
	return worst;
}

/* Runs n on the CPU and on the GPU; ok when every output agrees within tol. */
static void compare_node(const struct node_spec *n, double tol, const char *what)
{
	tfc_status *st = tfc_status_new();
	tfc_tensor *want[2] = {NULL, NULL}, *got[2] = {NULL, NULL};
	run_node(n, false, want, st);
	if (tfc_status_code(st) == TFC_OK)
		run_node(n, true, got, st);
	double worst = 0;
	for (int k = 0; k < n->n_out; k++) {
		double e = worst_error(want[k], got[k]);
		worst = e > worst ? e : worst;
	}
	ok(tfc_status_code(st) == TFC_OK && worst < tol, "%s: GPU = CPU (worst relative error %g) %s", what, worst,
	   tfc_status_message(st));
	for (int k = 0; k < 2; k++) {
		tfc_tensor_free(want[k]);
		tfc_tensor_free(got[k]);
	}
	tfc_status_free(st);
}

/* ---- the cross entropies */

static void test_xent(void)
{
	static const int64_t shapes[][2] = {{5, 7}, {64, 10}, {3, 300}};
	for (int si = 0; si < 3; si++) {
		for (int dbl = 0; dbl < 2; dbl++) {
			tfc_dtype dt = dbl ? TFC_DOUBLE : TFC_FLOAT;
			double tol = dbl ? 1e-10 : 1e-4;
			tfc_tensor *logits = random_tensor(dt, 2, shapes[si], false);
			tfc_tensor *labels = random_tensor(dt, 2, shapes[si], true);
			char what[96];
			struct node_spec n = {"SoftmaxCrossEntropyWithLogits", 2, {logits, labels}, {0}, 2, NULL, NULL};
			snprintf(what, sizeof(what), "SoftmaxCrossEntropyWithLogits %s [%lld,%lld]", tfc_dtype_name(dt),
				 (long long)shapes[si][0], (long long)shapes[si][1]);
			compare_node(&n, tol, what);
			for (int l64 = 0; l64 < 2; l64++) {
				tfc_status *st = tfc_status_new();
				tfc_tensor *idx = tfc_tensor_new(l64 ? TFC_INT64 : TFC_INT32, shapes[si], 1, st);
				for (int64_t r = 0; r < shapes[si][0]; r++) {
					int64_t c = rand() % shapes[si][1];
					if (l64)
						((int64_t *)tfc_tensor_data(idx))[r] = c;
					else
						((int32_t *)tfc_tensor_data(idx))[r] = (int32_t)c;
				}
				struct node_spec sn = {"SparseSoftmaxCrossEntropyWithLogits", 2, {logits, idx}, {0}, 2,
						       NULL, NULL};
				snprintf(what, sizeof(what), "SparseSoftmaxCrossEntropyWithLogits %s, %s labels [%lld,%lld]",
					 tfc_dtype_name(dt), l64 ? "int64" : "int32", (long long)shapes[si][0],
					 (long long)shapes[si][1]);
				compare_node(&sn, tol, what);
				tfc_tensor_free(idx);
				tfc_status_free(st);
			}
			tfc_tensor_free(logits);
			tfc_tensor_free(labels);
		}
	}
}
#define N_XENT (3 * 2 * 3)

/* ---- the convolutions */

struct conv_geom_case {
	int64_t n, h, w, c, kh, kw, oc;
	int64_t sh, sw, dh, dw;
	const char *padding;
	int64_t pads[4]; /* EXPLICIT: top, bottom, left, right */
};

static const struct conv_geom_case conv_geoms[] = {
	{2, 7, 7, 3, 3, 3, 4, 1, 1, 1, 1, "SAME", {0}},          /* symmetric SAME */
	{2, 8, 8, 3, 3, 3, 4, 2, 2, 1, 1, "SAME", {0}},          /* asymmetric SAME: 0 before, 1 after */
	{1, 6, 9, 2, 2, 2, 3, 1, 1, 1, 1, "SAME", {0}},          /* even filter: asymmetric */
	{2, 9, 9, 3, 3, 3, 5, 2, 2, 1, 1, "VALID", {0}},
	{1, 9, 9, 2, 3, 3, 2, 1, 1, 2, 2, "SAME", {0}},          /* dilation */
	{1, 11, 10, 2, 3, 3, 3, 2, 1, 2, 1, "VALID", {0}},      /* stride and dilation */
	{1, 6, 6, 2, 3, 3, 2, 1, 1, 1, 1, "EXPLICIT", {1, 2, 0, 3}},
	{3, 10, 10, 4, 5, 5, 8, 1, 1, 1, 1, "SAME", {0}},        /* LeNet-like */
	{2, 5, 5, 3, 1, 1, 4, 1, 1, 1, 1, "VALID", {0}},         /* 1x1 */
};
#define N_CONV_GEOMS ((int)(sizeof(conv_geoms) / sizeof(conv_geoms[0])))
static const char *const conv_ops[] = {"Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"};
#define N_CONV (N_CONV_GEOMS * 3 * 2 + 3)

struct conv_attrs {
	const struct conv_geom_case *g;
	bool nchw;
};

static void conv_set_attrs(tfc_op_desc *d, const void *arg)
{
	const struct conv_attrs *a = arg;
	const struct conv_geom_case *g = a->g;
	int64_t s[4] = {1, 1, 1, 1}, dl[4] = {1, 1, 1, 1}, p[8] = {0};
	int h = a->nchw ? 2 : 1, w = h + 1;
	s[h] = g->sh;
	s[w] = g->sw;
	dl[h] = g->dh;
	dl[w] = g->dw;
	p[2 * h] = g->pads[0];
	p[2 * h + 1] = g->pads[1];
	p[2 * w] = g->pads[2];
	p[2 * w + 1] = g->pads[3];
	tfc_op_set_attr_int_list(d, "strides", s, 4);
	tfc_op_set_attr_int_list(d, "dilations", dl, 4);
	tfc_op_set_attr_string(d, "padding", g->padding, strlen(g->padding));
	if (!strcmp(g->padding, "EXPLICIT"))
		tfc_op_set_attr_int_list(d, "explicit_paddings", p, 8);
	tfc_op_set_attr_string(d, "data_format", a->nchw ? "NCHW" : "NHWC", 4);
}

/* TensorFlow's output size of one spatial dim. */
static int64_t conv_out(int64_t in, int64_t k, int64_t s, int64_t d, const char *padding, int64_t pb, int64_t pa)
{
	int64_t eff = (k - 1) * d + 1;
	if (!strcmp(padding, "SAME"))
		return (in + s - 1) / s;
	if (!strcmp(padding, "VALID"))
		return (in - eff + s) / s;
	return (in + pb + pa - eff) / s + 1;
}

/* dims [n, a, b, c] (NHWC meaning) in the data format. */
static void in_format(bool nchw, int64_t n, int64_t h, int64_t w, int64_t c, int64_t out[4])
{
	out[0] = n;
	out[1] = nchw ? c : h;
	out[2] = nchw ? h : w;
	out[3] = nchw ? w : c;
}

static void conv_case(const char *op, const struct conv_geom_case *g, bool nchw, tfc_dtype dt)
{
	int64_t xd[4], fd[4] = {g->kh, g->kw, g->c, g->oc}, yd[4];
	int64_t oh = conv_out(g->h, g->kh, g->sh, g->dh, g->padding, g->pads[0], g->pads[1]);
	int64_t ow = conv_out(g->w, g->kw, g->sw, g->dw, g->padding, g->pads[2], g->pads[3]);
	in_format(nchw, g->n, g->h, g->w, g->c, xd);
	in_format(nchw, g->n, oh, ow, g->oc, yd);
	tfc_tensor *x = random_tensor(dt, 4, xd, false), *f = random_tensor(dt, 4, fd, false);
	tfc_tensor *dy = random_tensor(dt, 4, yd, false);
	struct conv_attrs a = {g, nchw};
	struct node_spec n = {op, 2, {x, f}, {0}, 1, conv_set_attrs, &a};
	if (!strcmp(op, "Conv2DBackpropInput"))
		n = (struct node_spec){op, 3, {NULL, f, dy}, {xd[0], xd[1], xd[2], xd[3]}, 1, conv_set_attrs, &a};
	else if (!strcmp(op, "Conv2DBackpropFilter"))
		n = (struct node_spec){op, 3, {x, NULL, dy}, {fd[0], fd[1], fd[2], fd[3]}, 1, conv_set_attrs, &a};
	char what[160];
	snprintf(what, sizeof(what), "%s %s %s x[%lld,%lld,%lld,%lld] f[%lldx%lld->%lld] s%lldx%lld d%lldx%lld %s", op,
		 tfc_dtype_name(dt), nchw ? "NCHW" : "NHWC", (long long)xd[0], (long long)xd[1], (long long)xd[2],
		 (long long)xd[3], (long long)g->kh, (long long)g->kw, (long long)g->oc, (long long)g->sh,
		 (long long)g->sw, (long long)g->dh, (long long)g->dw, g->padding);
	compare_node(&n, dt == TFC_DOUBLE ? 1e-10 : 1e-4, what);
	tfc_tensor_free(x);
	tfc_tensor_free(f);
	tfc_tensor_free(dy);
}

/* DepthwiseConv2dNative and its backprops: the geometry's oc, capped at 2, is the
 * channel multiplier M (filter [kh, kw, c, M], c * M output channels). The op takes
 * SAME and VALID only, so the EXPLICIT geometry is left out. */
static const char *const dw_ops[] = {"DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
				     "DepthwiseConv2dNativeBackpropFilter"};
#define N_DW ((N_CONV_GEOMS - 1) * 3 * 2 + 3)

static void depthwise_case(const char *op, const struct conv_geom_case *g, bool nchw, tfc_dtype dt)
{
	int64_t m = g->oc > 2 ? 2 : g->oc, xd[4], fd[4] = {g->kh, g->kw, g->c, m}, yd[4];
	int64_t oh = conv_out(g->h, g->kh, g->sh, g->dh, g->padding, g->pads[0], g->pads[1]);
	int64_t ow = conv_out(g->w, g->kw, g->sw, g->dw, g->padding, g->pads[2], g->pads[3]);
	in_format(nchw, g->n, g->h, g->w, g->c, xd);
	in_format(nchw, g->n, oh, ow, g->c * m, yd);
	tfc_tensor *x = random_tensor(dt, 4, xd, false), *f = random_tensor(dt, 4, fd, false);
	tfc_tensor *dy = random_tensor(dt, 4, yd, false);
	struct conv_attrs a = {g, nchw};
	struct node_spec n = {op, 2, {x, f}, {0}, 1, conv_set_attrs, &a};
	if (strstr(op, "BackpropInput"))
		n = (struct node_spec){op, 3, {NULL, f, dy}, {xd[0], xd[1], xd[2], xd[3]}, 1, conv_set_attrs, &a};
	else if (strstr(op, "BackpropFilter"))
		n = (struct node_spec){op, 3, {x, NULL, dy}, {fd[0], fd[1], fd[2], fd[3]}, 1, conv_set_attrs, &a};
	char what[160];
	snprintf(what, sizeof(what), "%s %s %s x[%lld,%lld,%lld,%lld] f[%lldx%lld x%lld] s%lldx%lld d%lldx%lld %s", op,
		 tfc_dtype_name(dt), nchw ? "NCHW" : "NHWC", (long long)xd[0], (long long)xd[1], (long long)xd[2],
		 (long long)xd[3], (long long)g->kh, (long long)g->kw, (long long)m, (long long)g->sh,
		 (long long)g->sw, (long long)g->dh, (long long)g->dw, g->padding);
	compare_node(&n, dt == TFC_DOUBLE ? 1e-10 : 1e-4, what);
	tfc_tensor_free(x);
	tfc_tensor_free(f);
	tfc_tensor_free(dy);
}

static void test_depthwise(void)
{
	if (!tfc_kernel_lookup("DepthwiseConv2dNative", "GPU")) {
		skip(N_DW, "this tfc was built without cuDNN: depthwise convolutions stay on the CPU");
		return;
	}
	for (int gi = 0; gi < N_CONV_GEOMS; gi++)
		for (int oi = 0; oi < 3 && strcmp(conv_geoms[gi].padding, "EXPLICIT"); oi++)
			for (int nchw = 0; nchw < 2; nchw++)
				depthwise_case(dw_ops[oi], &conv_geoms[gi], nchw, TFC_FLOAT);
	for (int oi = 0; oi < 3; oi++)
		depthwise_case(dw_ops[oi], &conv_geoms[1], false, TFC_DOUBLE);
}

static void test_conv(void)
{
	if (!tfc_kernel_lookup("Conv2D", "GPU")) {
		skip(N_CONV, "this tfc was built without cuDNN: convolutions stay on the CPU");
		return;
	}
	for (int gi = 0; gi < N_CONV_GEOMS; gi++)
		for (int oi = 0; oi < 3; oi++)
			for (int nchw = 0; nchw < 2; nchw++)
				conv_case(conv_ops[oi], &conv_geoms[gi], nchw, TFC_FLOAT);
	for (int oi = 0; oi < 3; oi++)
		conv_case(conv_ops[oi], &conv_geoms[1], false, TFC_DOUBLE);
}

/* ---- ApplyGradientDescent: its kernel record on a GPU device and on the CPU */

static void test_apply_gd(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	int64_t dims[2] = {33, 17};
	tfc_op_desc *vd = tfc_op_new(g, "VariableV2", "v");
	tfc_shape vs = tfc_shape_make(2, dims);
	tfc_op_set_attr_type(vd, "dtype", TFC_FLOAT);
	tfc_op_set_attr_shape(vd, "shape", &vs);
	tfc_operation *v = tfc_op_finish(vd, st);
	tfc_operation *lr = t_placeholder(g, "lr", TFC_FLOAT, 0, NULL, st);
	tfc_operation *gr = t_placeholder(g, "grad", TFC_FLOAT, 2, dims, st);
	tfc_op_desc *ad = tfc_op_new(g, "ApplyGradientDescent", "apply");
	tfc_op_add_input(ad, (tfc_output){v, 0});
	tfc_op_add_input(ad, (tfc_output){lr, 0});
	tfc_op_add_input(ad, (tfc_output){gr, 0});
	tfc_operation *op = tfc_op_finish(ad, st);
	const struct tfc_kernel_def *kg = tfc_kernel_lookup("ApplyGradientDescent", "GPU");
	const struct tfc_kernel_def *kc = tfc_kernel_lookup("ApplyGradientDescent", "CPU");
	struct tfc_device *dev = tfc__gpu_device_new("/job:localhost/replica:0/task:0/device:GPU:0", 0, NULL, st);
	tfc_tensor *var = random_tensor(TFC_FLOAT, 2, dims, false), *grad = random_tensor(TFC_FLOAT, 2, dims, false);
	tfc_tensor *alpha = tfc_tensor_new_scalar_float(0.25f);
	tfc_tensor *result[2] = {NULL, NULL};
	for (int on_gpu = 0; on_gpu < 2 && op && kg && kc && dev; on_gpu++) {
		struct tfc_ref ref = {.mu = PTHREAD_MUTEX_INITIALIZER, .name = "v", .dtype = TFC_FLOAT};
		ref.value = tfc_tensor_new(TFC_FLOAT, dims, 2, st);
		memcpy(tfc_tensor_data(ref.value), tfc_tensor_data(var), tfc_tensor_byte_size(var));
		tfc_tensor *ins[3] = {ref.value, alpha, grad}, *outs[1] = {NULL};
		struct tfc_ref *irefs[3] = {&ref, NULL, NULL}, *orefs[1] = {NULL};
		const struct tfc_kernel_def *k = on_gpu ? kg : kc;
		struct tfc_kernel_ctx ctx = {.op = op, .n_inputs = 3, .inputs = ins, .input_refs = irefs,
					     .n_outputs = 1, .outputs = outs, .output_refs = orefs, .st = st};
		ctx.state = k->create ? k->create(op, st) : NULL;
		if (on_gpu)
			dev->ops->compute(dev, k, &ctx);
		else
			k->compute(&ctx);
		if (k->destroy)
			k->destroy(ctx.state);
		ok(orefs[0] == &ref, "ApplyGradientDescent on the %s forwards the variable's ref",
		   on_gpu ? "GPU" : "CPU");
		/* the new value may live in the GPU's memory: read it through a host copy */
		result[on_gpu] = tfc__tensor_to_host(ref.value, st);
		tfc_tensor_free(ref.value);
		pthread_mutex_destroy(&ref.mu);
	}
	if (!(op && kg && kc && dev))
		skip(2, "ApplyGradientDescent's GPU test could not start: %s", tfc_status_message(st));
	double worst = worst_error(result[0], result[1]);
	ok(worst < 1e-6, "ApplyGradientDescent: GPU = CPU (worst relative error %g) %s", worst,
	   tfc_status_message(st));
	tfc_tensor_free(result[0]);
	tfc_tensor_free(result[1]);
	tfc_tensor_free(var);
	tfc_tensor_free(grad);
	tfc_tensor_free(alpha);
	tfc__device_free(dev);
	tfc_graph_free(g);
	tfc_status_free(st);
}
#define N_APPLY_GD 3

/* ---- run everywhere: `supports`, and Conv2D's placement without a GPU */

/* A node of `type` over placeholders of dtype dt (n_in of rank 4), attrs by fn. */
static tfc_operation *built(tfc_graph *g, const char *type, tfc_dtype dt, int n_in,
			    void (*fn)(tfc_op_desc *d, const void *arg), const void *arg, tfc_status *st)
{
	static int serial;
	char name[32];
	tfc_op_desc *d = NULL;
	for (int k = 0; k < n_in; k++) {
		snprintf(name, sizeof(name), "p%d", serial++);
		tfc_operation *p = t_placeholder(g, name, dt, -1, NULL, st);
		if (!d) {
			snprintf(name, sizeof(name), "n%d", serial++);
			d = tfc_op_new(g, type, name);
		}
		tfc_op_add_input(d, (tfc_output){p, 0});
	}
	if (fn)
		fn(d, arg);
	return tfc_op_finish(d, st);
}

static bool gpu_supports(const tfc_operation *op)
{
	const struct tfc_kernel_def *k = op ? tfc_kernel_lookup(op->type, "GPU") : NULL;
	return k && (!k->supports || k->supports(op));
}

static void set_nchw(tfc_op_desc *d, const void *arg)
{
	(void)arg;
	tfc_op_set_attr_string(d, "data_format", "NCHW", 4);
}

/* Strides on the batch dim, which TensorFlow's kernels reject. */
static void batch_stride(tfc_op_desc *d, const void *arg)
{
	(void)arg;
	tfc_op_set_attr_int_list(d, "strides", (int64_t[]){2, 1, 1, 1}, 4);
	tfc_op_set_attr_string(d, "padding", "VALID", 5);
}

static void test_supports(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	struct conv_attrs same = {&conv_geoms[1], false}, nchw = {&conv_geoms[6], true};
	static const struct {
		const char *op;
		int n_in;
		tfc_dtype dt;
		bool want;
	} simple[] = {
		{"BiasAddGrad", 1, TFC_FLOAT, true},   {"BiasAddGrad", 1, TFC_INT32, false},
		{"L2Loss", 1, TFC_DOUBLE, true},       {"L2Loss", 1, TFC_HALF, false},
		{"Relu6Grad", 2, TFC_FLOAT, true},     {"Relu6Grad", 2, TFC_INT32, false},
		{"EluGrad", 2, TFC_FLOAT, true},       {"SigmoidGrad", 2, TFC_HALF, false},
		{"TanhGrad", 2, TFC_DOUBLE, true},     {"SoftmaxCrossEntropyWithLogits", 2, TFC_FLOAT, true},
		{"SoftmaxCrossEntropyWithLogits", 2, TFC_HALF, false},
	};
	if (!tfc_kernel_lookup("BiasAddGrad", "GPU")) {
		skip(TFC_ARRAY_LEN(simple) + 6, "this tfc was built without CUDA: no GPU kernels");
		goto out;
	}
	for (size_t i = 0; i < TFC_ARRAY_LEN(simple); i++) {
		tfc_operation *op = built(g, simple[i].op, simple[i].dt, simple[i].n_in, NULL, NULL, st);
		is_int(gpu_supports(op), simple[i].want, "the GPU %s %s %s (%s)", simple[i].op,
		       simple[i].want ? "takes" : "refuses", tfc_dtype_name(simple[i].dt), tfc_status_message(st));
	}
	tfc_operation *bg = built(g, "BiasAddGrad", TFC_FLOAT, 1, set_nchw, NULL, st);
	ok(gpu_supports(bg), "the GPU BiasAddGrad takes NCHW");
	/* Conv2D and friends: only when cuDNN was found */
	if (!tfc_kernel_lookup("Conv2D", "GPU")) {
		skip(5, "this tfc was built without cuDNN: no GPU convolutions");
		goto out;
	}
	tfc_operation *c = built(g, "Conv2D", TFC_FLOAT, 2, conv_set_attrs, &same, st);
	ok(gpu_supports(c), "the GPU Conv2D takes float NHWC with asymmetric SAME padding %s", tfc_status_message(st));
	c = built(g, "Conv2D", TFC_DOUBLE, 2, conv_set_attrs, &nchw, st);
	ok(gpu_supports(c), "the GPU Conv2D takes double NCHW with EXPLICIT padding");
	c = built(g, "Conv2D", TFC_HALF, 2, conv_set_attrs, &same, st);
	ok(c && !gpu_supports(c), "the GPU Conv2D refuses half (the CPU has no kernel either)");
	c = built(g, "Conv2D", TFC_INT32, 2, conv_set_attrs, &same, st);
	ok(c && !gpu_supports(c), "the GPU Conv2D refuses int32");
	c = built(g, "Conv2D", TFC_FLOAT, 2, batch_stride, NULL, st);
	ok(c && !gpu_supports(c), "the GPU Conv2D refuses a stride on the batch dim (the CPU kernel reports it) %s",
	   tfc_status_message(st));
out:
	tfc_graph_free(g);
	tfc_status_free(st);
}
#define N_SUPPORTS (11 + 6)

/* Without a GPU (none here, or device_count.GPU = 0) Conv2D runs on the CPU. */
static void test_conv_placement(int n_gpus)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	struct conv_attrs a = {&conv_geoms[1], false};
	const struct conv_geom_case *cg = a.g;
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, 4, (int64_t[]){cg->n, cg->h, cg->w, cg->c}, st);
	tfc_operation *f = t_placeholder(g, "f", TFC_FLOAT, 4, (int64_t[]){cg->kh, cg->kw, cg->c, cg->oc}, st);
	tfc_op_desc *d = tfc_op_new(g, "Conv2D", "conv");
	tfc_op_add_input(d, (tfc_output){x, 0});
	tfc_op_add_input(d, (tfc_output){f, 0});
	conv_set_attrs(d, &a);
	tfc_operation *conv = tfc_op_finish(d, st);
	tfc_session_options *o = tfc_session_options_new();
	if (n_gpus > 0)
		tfc_session_options_set_config_value(o, "device_count.GPU", "0", st);
	tfc_session *s = tfc_session_new(g, o, st);
	Tensorflow__RunOptions ro;
	tensorflow__run_options__init(&ro);
	ro.trace_level = TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__FULL_TRACE;
	uint8_t rb[32];
	size_t rl = tensorflow__run_options__pack(&ro, rb);
	tfc_tensor *xv = random_tensor(TFC_FLOAT, 4, (int64_t[]){cg->n, cg->h, cg->w, cg->c}, false);
	tfc_tensor *fv = random_tensor(TFC_FLOAT, 4, (int64_t[]){cg->kh, cg->kw, cg->c, cg->oc}, false);
	tfc_output feeds[2] = {{x, 0}, {f, 0}}, fetch = {conv, 0};
	tfc_tensor *vals[2] = {xv, fv}, *out = NULL;
	tfc_buffer_t *meta = NULL;
	tfc_session_run(s, rb, rl, feeds, vals, 2, &fetch, &out, 1, NULL, 0, &meta, st);
	is_int(tfc_status_code(st), TFC_OK, "Conv2D runs in a session without a GPU: %s", tfc_status_message(st));
	Tensorflow__RunMetadata *rm = meta ? tensorflow__run_metadata__unpack(NULL, meta->length, meta->data) : NULL;
	const char *where = "(not found)";
	for (size_t i = 0; rm && rm->step_stats && i < rm->step_stats->n_dev_stats; i++)
		for (size_t k = 0; k < rm->step_stats->dev_stats[i]->n_node_stats; k++)
			if (!strcmp(rm->step_stats->dev_stats[i]->node_stats[k]->node_name, "conv"))
				where = rm->step_stats->dev_stats[i]->device;
	ok(strstr(where, "device:CPU:0") != NULL, "the placer put Conv2D on %s", where);
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
	tfc_buffer_free(meta);
	tfc_tensor_free(out);
	tfc_tensor_free(xv);
	tfc_tensor_free(fv);
	tfc_session_free(s);
	tfc_session_options_free(o);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* A traced training step of an MLP on the GPU: kernels recorded and tied to ops. */
static void test_traced_step(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, 2, (int64_t[]){64, 32}, st);
	tfc_shape ws = tfc_shape_make(2, (int64_t[]){32, 16});
	tfc_initializer gu = tfc_init_glorot_uniform(1);
	tfc_operation *w = tfc_get_variable(g, "w", &ws, TFC_FLOAT, &gu, st);
	tfc_op_desc *d = tfc_op_new(g, "MatMul", "dense/MatMul");
	tfc_op_add_input(d, (tfc_output){x, 0});
	tfc_op_add_input(d, tfc_variable_read(w));
	tfc_operation *h = tfc_op_finish(d, st);
	tfc_op_desc *rd = tfc_op_new(g, "Relu", "dense/Relu");
	tfc_op_add_input(rd, (tfc_output){h, 0});
	tfc_operation *r = tfc_op_finish(rd, st);
	tfc_op_desc *sd = tfc_op_new(g, "Square", "sq");
	tfc_op_add_input(sd, (tfc_output){r, 0});
	tfc_operation *sq = tfc_op_finish(sd, st);
	tfc_operation *ax = t_const_i(g, "axes", 0, st);
	tfc_op_desc *md = tfc_op_new(g, "Mean", "loss");
	tfc_op_add_input(md, (tfc_output){sq, 0});
	tfc_op_add_input(md, (tfc_output){ax, 0});
	tfc_operation *loss = tfc_op_finish(md, st);
	tfc_optimizer *opt = tfc_optimizer_gradient_descent_new(0.1f);
	tfc_operation *train = tfc_optimizer_minimize(opt, g, (tfc_output){loss, 0}, st);
	tfc_operation *init = tfc_global_variables_initializer(g, st);
	tfc_optimizer_free(opt);
	tfc_session *s = tfc_session_new(g, NULL, st);
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &init, 1, NULL, st);
	Tensorflow__RunOptions ro;
	tensorflow__run_options__init(&ro);
	ro.trace_level = TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__FULL_TRACE;
	uint8_t rb[32];
	size_t rl = tensorflow__run_options__pack(&ro, rb);
	int64_t dims[2] = {64, 32};
	tfc_tensor *xv = random_tensor(TFC_FLOAT, 2, dims, false);
	tfc_output feed = {x, 0};
	tfc_buffer_t *meta = NULL;
	tfc_session_run(s, rb, rl, &feed, &xv, 1, NULL, NULL, 0, &train, 1, &meta, st);
	is_int(tfc_status_code(st), TFC_OK, "a traced training step runs on the GPU: %s", tfc_status_message(st));
	/* Without CUPTI (the fake CUDA build of tests/fakecuda has none) a traced step
	 * has no GPU rows to check. */
	tfc_status *tst = tfc_status_new();
	struct tfc__gpu_activity *probe = tfc__gpu_activity_new();
	struct tfc__gpu_tracer *tracer = tfc__gpu_tracer_start(probe, tst);
	tfc__gpu_tracer_stop(tracer);
	tfc__gpu_activity_free(probe);
	if (!tracer) {
		skip(3, "no GPU tracer: %s", tfc_status_message(tst));
		tfc_status_free(tst);
		goto out;
	}
	tfc_status_free(tst);
	Tensorflow__RunMetadata *rm = meta ? tensorflow__run_metadata__unpack(NULL, meta->length, meta->data) : NULL;
	int kernels = 0, of_ops = 0;
	for (size_t i = 0; rm && rm->step_stats && i < rm->step_stats->n_dev_stats; i++) {
		const Tensorflow__DeviceStepStats *ds = rm->step_stats->dev_stats[i];
		if (!strstr(ds->device, "/stream:all"))
			continue;
		for (size_t k = 0; k < ds->n_node_stats; k++) {
			kernels++;
			char name[256];
			snprintf(name, sizeof(name), "%s", ds->node_stats[k]->node_name);
			char *colon = strrchr(name, ':');
			if (colon)
				*colon = '\0';
			of_ops += colon && tfc_graph_operation_by_name(g, name) != NULL;
		}
	}
	ok(kernels > 0, "the step's kernels are recorded (%d)", kernels);
	is_int(of_ops, kernels, "every kernel belongs to an op of the graph");
	char path[] = "/tmp/tfc-gpu-step-XXXXXX.db";
	int fd = mkstemps(path, 3);
	close(fd);
	unlink(path);
	tfc_trace_db *db = tfc_trace_db_open(path, st);
	int64_t run = tfc_trace_db_begin_run(db, "mlp", NULL, 0, NULL, NULL, st);
	if (meta)
		tfc_trace_db_add_step(db, run, 0, meta->data, meta->length, st);
	tfc_trace_db_close(db, st);
	sqlite3 *q = NULL;
	sqlite3_stmt *stmt = NULL;
	int64_t rows = -1;
	sqlite3_open(path, &q);
	if (sqlite3_prepare_v2(q, "SELECT count(*) FROM gpu_kernel WHERE node_name IS NOT NULL", -1, &stmt, NULL) ==
		    SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
		rows = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(q);
	unlink(path);
	is_int(rows, kernels, "the kernel rows in the trace database name their ops");
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
out:
	tfc_buffer_free(meta);
	tfc_tensor_free(xv);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

int main(void)
{
	plan_lazy();
	char why[256];
	int n_gpus = tfc__gpu_count(why, sizeof(why));
	test_supports();
	test_conv_placement(n_gpus);
	if (n_gpus == 0) {
		skip(N_CASES + N_XENT + N_CONV + N_DW + N_APPLY_GD + 4, "no GPU (%s)", why);
		done_testing();
		return exit_status();
	}
	test_kernels();
	test_xent();
	test_conv();
	test_depthwise();
	test_apply_gd();
	test_traced_step();
	done_testing();
	return exit_status();
}
