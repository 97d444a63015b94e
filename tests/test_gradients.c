/*
 * test_gradients.c: tfc_gradients (core/gradients.c, core/grad_*.c). A finite-
 * difference check of every registered gradient function (in double where the
 * kernels have it): the symbolic gradient of sum(dy * y(x)) against central
 * differences; the names TensorFlow gives gradient ops (grad_ys, "_grad" scopes,
 * AddN, zeros_like, gating tuples); unconnected inputs (none); and errors: no
 * gradient (NotFound), control flow (Unimplemented), PreventGradient, bad arguments
 * (InvalidArgument naming the tensor). A check whose ops lack a CPU kernel is a TAP
 * skip naming the kernel.
 */
#include <math.h>
#include <stdlib.h>

#include "kernel.h"
#include "test_util.h"
#include "tfc_train.h"

#define NONE ((tfc_output){NULL, 0})

static tfc_dtype cur_dt = TFC_DOUBLE;

/* ---- small builders (status chained: each does nothing after an error) */

static tfc_output opn(tfc_graph *g, const char *type, const tfc_output *in, int n, tfc_status *st)
{
	if (tfc_status_code(st) != TFC_OK)
		return NONE;
	tfc_op_desc *d = tfc_op_new(g, type, NULL);
	for (int i = 0; i < n; i++)
		tfc_op_add_input(d, in[i]);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

static tfc_output op1(tfc_graph *g, const char *type, tfc_output a, tfc_status *st)
{
	return opn(g, type, &a, 1, st);
}

static tfc_output op2(tfc_graph *g, const char *type, tfc_output a, tfc_output b, tfc_status *st)
{
	tfc_output in[2] = {a, b};
	return opn(g, type, in, 2, st);
}

static tfc_output cvec(tfc_graph *g, tfc_dtype dt, const double *v, int n, int rank,
		       tfc_status *st)
{
	if (tfc_status_code(st) != TFC_OK)
		return NONE;
	int64_t dim = n;
	tfc_tensor *t = tfc_tensor_new(dt, &dim, rank, st);
	for (int i = 0; i < n; i++) {
		void *p = tfc_tensor_data(t);
		if (dt == TFC_INT32)
			((int32_t *)p)[i] = (int32_t)v[i];
		else if (dt == TFC_FLOAT)
			((float *)p)[i] = (float)v[i];
		else if (dt == TFC_DOUBLE)
			((double *)p)[i] = v[i];
		else if (dt == TFC_BOOL)
			((bool *)p)[i] = v[i] != 0;
	}
	tfc_op_desc *d = tfc_op_new(g, "Const", NULL);
	tfc_op_set_attr_tensor(d, "value", t, st);
	tfc_op_set_attr_type(d, "dtype", dt);
	tfc_tensor_free(t);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

#define IV(g, st, ...) cvec(g, TFC_INT32, (double[]){__VA_ARGS__}, \
	(int)(sizeof((double[]){__VA_ARGS__}) / sizeof(double)), 1, st)
#define IS(g, st, v) cvec(g, TFC_INT32, (double[]){v}, 1, 0, st)

static tfc_output with_attrs(tfc_graph *g, const char *type, const tfc_output *in, int n,
			     void (*set)(tfc_op_desc *), tfc_status *st)
{
	if (tfc_status_code(st) != TFC_OK)
		return NONE;
	tfc_op_desc *d = tfc_op_new(g, type, NULL);
	for (int i = 0; i < n; i++)
		tfc_op_add_input(d, in[i]);
	set(d);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

/* ---- the finite-difference harness */

typedef tfc_output (*build_fn)(tfc_graph *g, const tfc_output *x, tfc_status *st);

struct fd_case {
	const char *label;
	const char *covers; /* op types whose gradient function this checks, ", "-separated */
	int nx;
	int rank[3];
	int64_t dims[3][4];
	double lo, hi;
	int avoid;          /* keep inputs at least 0.1 away from 0 */
	build_fn build;
	int float_only;     /* the kernels have no double version */
	int unknown_batch;  /* placeholders with dimension 0 unknown */
	double h, tol;      /* step and tolerance when not the dtype's defaults */
};

static uint64_t rng = 88172645463325252ull;
static double urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static double get(const tfc_tensor *t, int64_t i)
{
	return tfc_tensor_dtype(t) == TFC_FLOAT ? ((float *)tfc_tensor_data(t))[i]
						: ((double *)tfc_tensor_data(t))[i];
}

static void set(tfc_tensor *t, int64_t i, double v)
{
	if (tfc_tensor_dtype(t) == TFC_FLOAT)
		((float *)tfc_tensor_data(t))[i] = (float)v;
	else
		((double *)tfc_tensor_data(t))[i] = v;
}

static const char *missing_kernel(tfc_graph *g)
{
	size_t p = 0;
	tfc_operation *op;
	while ((op = tfc_graph_next_operation(g, &p)))
		if (!tfc_kernel_lookup(tfc_operation_type(op), "CPU"))
			return tfc_operation_type(op);
	return NULL;
}

/* f(x) = sum(dy * y(x)) */
static double objective(tfc_session *s, tfc_output *feeds, tfc_tensor **vals, int nf, tfc_output y,
			const tfc_tensor *dy, tfc_status *st)
{
	tfc_tensor *out = NULL;
	tfc_session_run(s, NULL, 0, feeds, vals, nf, &y, &out, 1, NULL, 0, NULL, st);
	if (!out)
		return NAN;
	double f = 0;
	for (int64_t i = 0; i < tfc_tensor_num_elements(out); i++)
		f += get(out, i) * get(dy, i);
	tfc_tensor_free(out);
	return f;
}

static void fd_check(const struct fd_case *c)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_session *s = NULL;
	tfc_tensor *vals[4] = {NULL}, *y0 = NULL, *grads[3] = {NULL};
	tfc_output feeds[4], x[3], dxs[3];
	cur_dt = c->float_only ? TFC_FLOAT : TFC_DOUBLE;
	double h = c->h ? c->h : cur_dt == TFC_FLOAT ? 1e-3 : 1e-6;
	double tol = c->tol ? c->tol : cur_dt == TFC_FLOAT ? 2e-2 : 1e-5;
	for (int i = 0; i < c->nx; i++) {
		int64_t pd[4];
		memcpy(pd, c->dims[i], sizeof(pd));
		if (c->unknown_batch && c->rank[i] > 0)
			pd[0] = -1;
		char name[16];
		snprintf(name, sizeof(name), "x%d", i);
		x[i] = (tfc_output){t_placeholder(g, name, cur_dt, c->rank[i], pd, st), 0};
	}
	tfc_output y = c->build(g, x, st);
	tfc_output dyp = {t_placeholder(g, "dy", tfc_status_code(st) == TFC_OK && y.oper
			? tfc_operation_output_type(y.oper, y.index) : cur_dt, -1, NULL, st), 0};
	/* grad_ys through an Identity: gradient functions put control dependencies on
	 * their incoming gradient, and a control edge out of a fed placeholder still
	 * runs the placeholder in tfc's executor (TensorFlow rewires it) */
	tfc_output dyi = op1(g, "Identity", dyp, st);
	int nc = tfc_gradients(g, &y, 1, x, c->nx, &dyi, dxs, st);
	if (!ok(tfc_status_code(st) == TFC_OK && nc == c->nx, "%s: gradients built (%s)", c->label,
		tfc_status_message(st)))
		goto done;
	const char *mk = missing_kernel(g);
	if (mk) {
		skip(1, "%s: no CPU kernel for %s", c->label, mk);
		goto done;
	}
	s = tfc_session_new(g, NULL, st);
	for (int i = 0; i < c->nx; i++) {
		vals[i] = tfc_tensor_new(cur_dt, c->dims[i], c->rank[i], st);
		for (int64_t k = 0; vals[i] && k < tfc_tensor_num_elements(vals[i]); k++) {
			double v = c->lo + (c->hi - c->lo) * urand();
			if (c->avoid && fabs(v) < 0.1)
				v = v < 0 ? v - 0.2 : v + 0.2;
			set(vals[i], k, v);
		}
		feeds[i] = x[i];
	}
	tfc_session_run(s, NULL, 0, feeds, vals, c->nx, &y, &y0, 1, NULL, 0, NULL, st);
	if (!ok(y0 != NULL, "%s: forward runs (%s)", c->label, tfc_status_message(st)))
		goto done;
	tfc_shape ys = tfc_tensor_shape(y0);
	vals[c->nx] = tfc_tensor_new(tfc_tensor_dtype(y0), ys.dims, ys.rank, st);
	for (int64_t k = 0; k < tfc_tensor_num_elements(y0); k++)
		set(vals[c->nx], k, urand() * 2 - 1);
	feeds[c->nx] = dyp;
	tfc_session_run(s, NULL, 0, feeds, vals, c->nx + 1, dxs, grads, c->nx, NULL, 0, NULL, st);
	if (!ok(grads[0] != NULL, "%s: gradients run (%s)", c->label, tfc_status_message(st)))
		goto done;
	double worst = 0;
	int wi = 0;
	int64_t wk = 0;
	double wa = 0, wn = 0;
	for (int i = 0; i < c->nx; i++) {
		for (int64_t k = 0; k < tfc_tensor_num_elements(vals[i]); k++) {
			double v = get(vals[i], k);
			set(vals[i], k, v + h);
			double fp = objective(s, feeds, vals, c->nx, y, vals[c->nx], st);
			set(vals[i], k, v - h);
			double fm = objective(s, feeds, vals, c->nx, y, vals[c->nx], st);
			set(vals[i], k, v);
			double num = (fp - fm) / (2 * h), ana = get(grads[i], k);
			double err = fabs(num - ana) / (1 + fabs(num));
			if (!(err <= worst)) {
				worst = err;
				wi = i;
				wk = k;
				wa = ana;
				wn = num;
			}
		}
	}
	ok(worst <= tol && tfc_status_code(st) == TFC_OK,
	   "%s: finite differences agree (worst %.2g at x%d[%lld]: %.8g vs %.8g)", c->label, worst,
	   wi, (long long)wk, wa, wn);
done:
	for (int i = 0; i < 4; i++)
		tfc_tensor_free(vals[i]);
	for (int i = 0; i < 3; i++)
		tfc_tensor_free(grads[i]);
	tfc_tensor_free(y0);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* ---- the cases: one builder per op (family) */

#define B(name) static tfc_output name(tfc_graph *g, const tfc_output *x, tfc_status *st)

B(b_add) { return op2(g, "Add", x[0], x[1], st); }
B(b_addv2) { return op2(g, "AddV2", x[0], x[1], st); }
B(b_sub) { return op2(g, "Sub", x[0], x[1], st); }
B(b_mul) { return op2(g, "Mul", x[0], x[1], st); }
B(b_realdiv) { return op2(g, "RealDiv", x[0], x[1], st); }
B(b_div) { return op2(g, "Div", x[0], x[1], st); }
B(b_divnonan) { return op2(g, "DivNoNan", x[0], x[1], st); }
B(b_maximum) { return op2(g, "Maximum", x[0], x[1], st); }
B(b_minimum) { return op2(g, "Minimum", x[0], x[1], st); }
B(b_sqdiff) { return op2(g, "SquaredDifference", x[0], x[1], st); }
B(b_pow) { return op2(g, "Pow", x[0], x[1], st); }
B(b_identity) { return op1(g, "Identity", x[0], st); }
B(b_snapshot) { return op1(g, "Snapshot", x[0], st); }
static void pwd_attrs(tfc_op_desc *d)
{
	tfc_shape s = tfc_shape_make(2, (int64_t[]){2, 3});
	tfc_op_set_attr_shape(d, "shape", &s);
}
B(b_pwd) { return with_attrs(g, "PlaceholderWithDefault", x, 1, pwd_attrs, st); }
B(b_neg) { return op1(g, "Neg", x[0], st); }
B(b_square) { return op1(g, "Square", x[0], st); }
B(b_sqrt) { return op1(g, "Sqrt", x[0], st); }
B(b_rsqrt) { return op1(g, "Rsqrt", x[0], st); }
B(b_reciprocal) { return op1(g, "Reciprocal", x[0], st); }
B(b_inv) { return op1(g, "Inv", x[0], st); }
B(b_tanh) { return op1(g, "Tanh", x[0], st); }
B(b_sigmoid) { return op1(g, "Sigmoid", x[0], st); }
B(b_exp) { return op1(g, "Exp", x[0], st); }
B(b_expm1) { return op1(g, "Expm1", x[0], st); }
B(b_log) { return op1(g, "Log", x[0], st); }
B(b_log1p) { return op1(g, "Log1p", x[0], st); }
B(b_abs) { return op1(g, "Abs", x[0], st); }
B(b_sin) { return op1(g, "Sin", x[0], st); }
B(b_cos) { return op1(g, "Cos", x[0], st); }
/* Sign's gradient is zero: y = x * 2 + sign(x) checks it adds nothing */
B(b_sign)
{
	tfc_output two = cvec(g, cur_dt, (double[]){2}, 1, 0, st);
	return op2(g, "Add", op2(g, "Mul", x[0], two, st), op1(g, "Sign", x[0], st), st);
}
static void cast_f(tfc_op_desc *d) { tfc_op_set_attr_type(d, "DstT", TFC_FLOAT); }
static void cast_d(tfc_op_desc *d) { tfc_op_set_attr_type(d, "DstT", TFC_DOUBLE); }
B(b_cast)
{
	tfc_output f = with_attrs(g, "Cast", x, 1, cast_f, st);
	tfc_output sq = op1(g, "Square", f, st);
	return with_attrs(g, "Cast", &sq, 1, cast_d, st);
}
B(b_addn)
{
	tfc_output in[3] = {x[0], x[1], x[0]};
	if (tfc_status_code(st) != TFC_OK)
		return NONE;
	tfc_op_desc *d = tfc_op_new(g, "AddN", NULL);
	tfc_op_add_input_list(d, in, 3);
	return (tfc_output){tfc_op_finish(d, st), 0};
}
static bool ta_, tb_;
static void mm_attrs(tfc_op_desc *d)
{
	tfc_op_set_attr_bool(d, "transpose_a", ta_);
	tfc_op_set_attr_bool(d, "transpose_b", tb_);
}
B(b_matmul) { ta_ = tb_ = false; return with_attrs(g, "MatMul", x, 2, mm_attrs, st); }
B(b_matmul_tb) { ta_ = false; tb_ = true; return with_attrs(g, "MatMul", x, 2, mm_attrs, st); }
B(b_matmul_ta) { ta_ = true; tb_ = false; return with_attrs(g, "MatMul", x, 2, mm_attrs, st); }
B(b_matmul_tt) { ta_ = tb_ = true; return with_attrs(g, "MatMul", x, 2, mm_attrs, st); }
static void keep(tfc_op_desc *d) { tfc_op_set_attr_bool(d, "keep_dims", true); }
B(b_sum1) { return op2(g, "Sum", x[0], IV(g, st, 1), st); }
B(b_sum_all) { return op2(g, "Sum", x[0], IV(g, st, 0, 1, 2), st); }
B(b_sum_keep)
{
	tfc_output in[2] = {x[0], IV(g, st, -1, 0)};
	return with_attrs(g, "Sum", in, 2, keep, st);
}
B(b_mean_all) { return op2(g, "Mean", x[0], IV(g, st, 0, 1), st); }
B(b_mean1) { return op2(g, "Mean", x[0], IS(g, st, 1), st); }
B(b_max) { return op2(g, "Max", x[0], IV(g, st, 1), st); }
B(b_min) { return op2(g, "Min", x[0], IS(g, st, 0), st); }

B(b_bias_add) { return op2(g, "BiasAdd", x[0], x[1], st); }
B(b_bias_add_v1) { return op2(g, "BiasAddV1", x[0], x[1], st); }
B(b_relu) { return op1(g, "Relu", x[0], st); }
B(b_relu6) { return op1(g, "Relu6", x[0], st); }
B(b_elu) { return op1(g, "Elu", x[0], st); }
B(b_selu) { return op1(g, "Selu", x[0], st); }
B(b_softplus) { return op1(g, "Softplus", x[0], st); }
B(b_softsign) { return op1(g, "Softsign", x[0], st); }
static void alpha(tfc_op_desc *d) { tfc_op_set_attr_float(d, "alpha", 0.3f); }
B(b_leaky) { return with_attrs(g, "LeakyRelu", x, 1, alpha, st); }
B(b_softmax) { return op1(g, "Softmax", x[0], st); }
B(b_log_softmax) { return op1(g, "LogSoftmax", x[0], st); }
/* both outputs used: the loss and the backprop (second derivative path) */
B(b_sce)
{
	tfc_output sm = op1(g, "Softmax", x[1], st);
	tfc_output l = op2(g, "SoftmaxCrossEntropyWithLogits", x[0], sm, st);
	return l;
}
/* labels constant: TensorFlow's gradient for labels ignores the backprop output */
B(b_sce2)
{
	tfc_output sm = cvec(g, cur_dt, (double[]){0.2, 0.3, 0.5, 0, 1, 0, 0.1, 0.1, 0.8}, 9, 1, st);
	sm = op2(g, "Reshape", sm, IV(g, st, 3, 3), st);
	tfc_output l = op2(g, "SoftmaxCrossEntropyWithLogits", x[0], sm, st);
	if (!l.oper)
		return NONE;
	tfc_output bp = {l.oper, 1};
	tfc_output s = op2(g, "Sum", op1(g, "Square", bp, st), IV(g, st, 1), st);
	return op2(g, "Add", l, s, st);
}
B(b_sparse_sce)
{
	tfc_output labels = IV(g, st, 2, 0, 1);
	return op2(g, "SparseSoftmaxCrossEntropyWithLogits", x[0], labels, st);
}
B(b_l2loss) { return op1(g, "L2Loss", x[0], st); }
static const char *pad_ = "SAME";
static int64_t stride_ = 1;
static void conv_attrs(tfc_op_desc *d)
{
	tfc_op_set_attr_int_list(d, "strides", (int64_t[]){1, stride_, stride_, 1}, 4);
	tfc_op_set_attr_string(d, "padding", pad_, strlen(pad_));
}
B(b_conv_same) { pad_ = "SAME"; stride_ = 1; return with_attrs(g, "Conv2D", x, 2, conv_attrs, st); }
B(b_conv_valid2) { pad_ = "VALID"; stride_ = 2; return with_attrs(g, "Conv2D", x, 2, conv_attrs, st); }
B(b_depthwise)
{
	pad_ = "SAME";
	stride_ = 1;
	return with_attrs(g, "DepthwiseConv2dNative", x, 2, conv_attrs, st);
}
static void pool_attrs(tfc_op_desc *d)
{
	tfc_op_set_attr_int_list(d, "ksize", (int64_t[]){1, 2, 2, 1}, 4);
	tfc_op_set_attr_int_list(d, "strides", (int64_t[]){1, 2, 2, 1}, 4);
	tfc_op_set_attr_string(d, "padding", "VALID", 5);
}
B(b_maxpool) { return with_attrs(g, "MaxPool", x, 1, pool_attrs, st); }
B(b_avgpool) { return with_attrs(g, "AvgPool", x, 1, pool_attrs, st); }

B(b_reshape) { return op2(g, "Reshape", x[0], IV(g, st, 3, 2), st); }
B(b_expand) { return op2(g, "ExpandDims", x[0], IS(g, st, 1), st); }
B(b_squeeze) { return op1(g, "Squeeze", x[0], st); }
B(b_transpose) { return op2(g, "Transpose", x[0], IV(g, st, 2, 0, 1), st); }
B(b_concat)
{
	if (tfc_status_code(st) != TFC_OK)
		return NONE;
	tfc_output axis = IS(g, st, 1);
	tfc_op_desc *d = tfc_op_new(g, "ConcatV2", NULL);
	tfc_op_add_input_list(d, x, 2);
	tfc_op_add_input(d, axis);
	return (tfc_output){tfc_op_finish(d, st), 0};
}
static void axis1(tfc_op_desc *d) { tfc_op_set_attr_int(d, "axis", 1); }
B(b_pack)
{
	if (tfc_status_code(st) != TFC_OK)
		return NONE;
	tfc_op_desc *d = tfc_op_new(g, "Pack", NULL);
	tfc_op_add_input_list(d, x, 2);
	axis1(d);
	return (tfc_output){tfc_op_finish(d, st), 0};
}
static void num3(tfc_op_desc *d) { tfc_op_set_attr_int(d, "num", 3); }
/* only output 1 is used: output 0 and 2 get zeros_like */
B(b_unpack)
{
	tfc_output u = with_attrs(g, "Unpack", x, 1, num3, st);
	return u.oper ? (tfc_output){u.oper, 1} : NONE;
}
static void split2(tfc_op_desc *d) { tfc_op_set_attr_int(d, "num_split", 2); }
B(b_split)
{
	tfc_output in[2] = {IS(g, st, 1), x[0]};
	tfc_output s = with_attrs(g, "Split", in, 2, split2, st);
	return s.oper ? op2(g, "Mul", (tfc_output){s.oper, 0}, (tfc_output){s.oper, 1}, st) : NONE;
}
B(b_splitv)
{
	tfc_output in[3] = {x[0], IV(g, st, 1, 3), IS(g, st, 1)};
	tfc_output s = with_attrs(g, "SplitV", in, 3, split2, st);
	return s.oper ? (tfc_output){s.oper, 1} : NONE;
}
B(b_slice) { return opn(g, "Slice", (tfc_output[]){x[0], IV(g, st, 1, 0), IV(g, st, 2, 2)}, 3, st); }
B(b_strided)
{
	return opn(g, "StridedSlice",
		   (tfc_output[]){x[0], IV(g, st, 0, 1), IV(g, st, 3, 3), IV(g, st, 2, 1)}, 4, st);
}
B(b_tile) { return op2(g, "Tile", x[0], IV(g, st, 2, 3), st); }
B(b_fill) { return op2(g, "Fill", IV(g, st, 2, 3), x[0], st); }
B(b_pad2)
{
	tfc_output p = cvec(g, TFC_INT32, (double[]){1, 0, 2, 1}, 4, 1, st);
	tfc_output r = op2(g, "Reshape", p, IV(g, st, 2, 2), st);
	return op2(g, "Pad", x[0], r, st);
}
B(b_select)
{
	tfc_output c = cvec(g, TFC_BOOL, (double[]){1, 0, 1, 1, 0, 0}, 6, 1, st);
	c = op2(g, "Reshape", c, IV(g, st, 2, 3), st);
	return opn(g, "Select", (tfc_output[]){c, x[0], x[1]}, 3, st);
}
B(b_broadcast_to) { return op2(g, "BroadcastTo", x[0], IV(g, st, 2, 3), st); }

B(b_tan) { return op1(g, "Tan", x[0], st); }
B(b_floormod) { return op2(g, "FloorMod", x[0], x[1], st); }
static bool adjx_, adjy_;
static void adj_attrs(tfc_op_desc *d)
{
	tfc_op_set_attr_bool(d, "adj_x", adjx_);
	tfc_op_set_attr_bool(d, "adj_y", adjy_);
}
B(b_bmm) { adjx_ = false; adjy_ = true; return with_attrs(g, "BatchMatMul", x, 2, adj_attrs, st); }
B(b_bmm_ax) { adjx_ = true; adjy_ = false; return with_attrs(g, "BatchMatMul", x, 2, adj_attrs, st); }
B(b_bmm2) { adjx_ = adjy_ = false; return with_attrs(g, "BatchMatMulV2", x, 2, adj_attrs, st); }
B(b_select_v2)
{
	tfc_output c = cvec(g, TFC_BOOL, (double[]){1, 0, 1, 1, 0, 0}, 6, 1, st);
	c = op2(g, "Reshape", c, IV(g, st, 2, 3), st);
	return opn(g, "SelectV2", (tfc_output[]){c, x[0], x[1]}, 3, st);
}
B(b_gather) { return op2(g, "Gather", x[0], IV(g, st, 2, 0, 2), st); }
B(b_gather_v2) { return opn(g, "GatherV2", (tfc_output[]){x[0], IV(g, st, 3, 1, 1, 0), IS(g, st, 0)}, 3, st); }
static const char *bn_type_ = "FusedBatchNorm";
static bool bn_training_ = true;
static void bn_attrs(tfc_op_desc *d)
{
	tfc_op_set_attr_float(d, "epsilon", 0.001f);
	tfc_op_set_attr_bool(d, "is_training", bn_training_);
}
static tfc_output bn(tfc_graph *g, const tfc_output *x, tfc_status *st)
{
	tfc_output mean, var;
	if (bn_training_) {
		mean = cvec(g, TFC_FLOAT, NULL, 0, 1, st);
		var = cvec(g, TFC_FLOAT, NULL, 0, 1, st);
	} else {
		mean = cvec(g, TFC_FLOAT, (double[]){0.1, -0.2, 0.3}, 3, 1, st);
		var = cvec(g, TFC_FLOAT, (double[]){0.5, 1.5, 2.0}, 3, 1, st);
	}
	return with_attrs(g, bn_type_, (tfc_output[]){x[0], x[1], x[2], mean, var}, 5, bn_attrs, st);
}
B(b_bn) { bn_type_ = "FusedBatchNorm"; bn_training_ = true; return bn(g, x, st); }
B(b_bn2) { bn_type_ = "FusedBatchNormV2"; bn_training_ = true; return bn(g, x, st); }
B(b_bn3) { bn_type_ = "FusedBatchNormV3"; bn_training_ = true; return bn(g, x, st); }
B(b_bn3_inf) { bn_type_ = "FusedBatchNormV3"; bn_training_ = false; return bn(g, x, st); }

B(b_prod1) { return op2(g, "Prod", x[0], IV(g, st, 1), st); }
B(b_prod_all) { return op2(g, "Prod", x[0], IV(g, st, 0, -1), st); }
static bool cs_excl_, cs_rev_;
static void cs_attrs(tfc_op_desc *d)
{
	tfc_op_set_attr_bool(d, "exclusive", cs_excl_);
	tfc_op_set_attr_bool(d, "reverse", cs_rev_);
}
B(b_cumsum)
{
	cs_excl_ = false;
	cs_rev_ = false;
	return with_attrs(g, "Cumsum", (tfc_output[]){x[0], IS(g, st, 1)}, 2, cs_attrs, st);
}
B(b_cumsum_er)
{
	cs_excl_ = true;
	cs_rev_ = true;
	return with_attrs(g, "Cumsum", (tfc_output[]){x[0], IS(g, st, 0)}, 2, cs_attrs, st);
}
B(b_clip)
{
	tfc_output two = cvec(g, cur_dt, (double[]){2}, 1, 0, st);
	tfc_output lo = op2(g, "Sub", x[1], two, st), hi = op2(g, "Add", x[2], two, st);
	return opn(g, "ClipByValue", (tfc_output[]){x[0], lo, hi}, 3, st);
}
B(b_reverse) { return op2(g, "ReverseV2", x[0], IV(g, st, 1), st); }
static void cn_attrs(tfc_op_desc *d) { tfc_op_set_attr_string(d, "message", "m", 1); }
B(b_check_numerics) { return with_attrs(g, "CheckNumerics", x, 1, cn_attrs, st); }
static void es_attrs(tfc_op_desc *d)
{
	tfc_shape s = tfc_shape_make(2, (int64_t[]){-1, 3});
	tfc_op_set_attr_shape(d, "shape", &s);
}
B(b_ensure_shape) { return with_attrs(g, "EnsureShape", x, 1, es_attrs, st); }
static void pv2_attrs(tfc_op_desc *d) { tfc_op_set_attr_string(d, "padding", "VALID", 5); }
B(b_maxpool_v2)
{
	return with_attrs(g, "MaxPoolV2",
			  (tfc_output[]){x[0], IV(g, st, 1, 2, 2, 1), IV(g, st, 1, 2, 2, 1)}, 3,
			  pv2_attrs, st);
}
static void lrn_attrs(tfc_op_desc *d) { tfc_op_set_attr_int(d, "depth_radius", 2); }
B(b_lrn) { return with_attrs(g, "LRN", x, 1, lrn_attrs, st); }

#define R2(a, b) {a, b}
static const struct fd_case cases[] = {
	{"Add (broadcast)", "Add", 2, {2, 1}, {R2(2, 3), {3}}, -2, 2, 0, b_add, 0, 0, 0, 0},
	{"AddV2 (same shapes)", "AddV2", 2, {2, 2}, {R2(2, 3), R2(2, 3)}, -2, 2, 0, b_addv2, 0, 0, 0, 0},
	{"Sub (broadcast)", "Sub", 2, {2, 2}, {R2(2, 3), R2(2, 1)}, -2, 2, 0, b_sub, 0, 0, 0, 0},
	{"Sub (same shapes)", "Sub", 2, {1, 1}, {{4}, {4}}, -2, 2, 0, b_sub, 0, 0, 0, 0},
	{"Mul (broadcast)", "Mul", 2, {2, 1}, {R2(2, 3), {3}}, -2, 2, 0, b_mul, 0, 0, 0, 0},
	{"Mul (same shapes, float)", "Mul", 2, {1, 1}, {{4}, {4}}, -2, 2, 0, b_mul, 1, 0, 0, 0},
	{"RealDiv", "RealDiv", 2, {2, 1}, {R2(2, 3), {3}}, 0.5, 2, 0, b_realdiv, 0, 0, 0, 0},
	{"Div", "Div", 2, {2, 1}, {R2(2, 3), {3}}, 0.5, 2, 0, b_div, 0, 0, 0, 0},
	{"DivNoNan", "DivNoNan", 2, {2, 1}, {R2(2, 3), {3}}, 0.5, 2, 0, b_divnonan, 0, 0, 0, 0},
	{"Maximum", "Maximum", 2, {2, 1}, {R2(2, 3), {3}}, -2, 2, 0, b_maximum, 0, 0, 0, 0},
	{"Minimum", "Minimum", 2, {2, 2}, {R2(2, 3), R2(2, 3)}, -2, 2, 0, b_minimum, 0, 0, 0, 0},
	{"SquaredDifference", "SquaredDifference", 2, {2, 1}, {R2(2, 3), {3}}, -2, 2, 0, b_sqdiff, 0, 0, 0, 0},
	{"Pow", "Pow", 2, {2, 1}, {R2(2, 3), {3}}, 0.5, 2, 0, b_pow, 0, 0, 0, 0},
	{"Identity", "Identity", 1, {2}, {R2(2, 3)}, -2, 2, 0, b_identity, 0, 0, 0, 0},
	{"Snapshot", "Snapshot", 1, {2}, {R2(2, 3)}, -2, 2, 0, b_snapshot, 0, 0, 0, 0},
	{"PlaceholderWithDefault", "PlaceholderWithDefault", 1, {2}, {R2(2, 3)}, -2, 2, 0, b_pwd, 0, 0, 0, 0},
	{"Neg", "Neg", 1, {2}, {R2(2, 3)}, -2, 2, 0, b_neg, 0, 0, 0, 0},
	{"Square", "Square", 1, {2}, {R2(2, 3)}, -2, 2, 0, b_square, 0, 0, 0, 0},
	{"Sqrt", "Sqrt", 1, {2}, {R2(2, 3)}, 0.5, 2, 0, b_sqrt, 0, 0, 0, 0},
	{"Rsqrt", "Rsqrt", 1, {2}, {R2(2, 3)}, 0.5, 2, 0, b_rsqrt, 0, 0, 0, 0},
	{"Reciprocal", "Reciprocal", 1, {2}, {R2(2, 3)}, 0.5, 2, 0, b_reciprocal, 0, 0, 0, 0},
	{"Inv", "Inv", 1, {2}, {R2(2, 3)}, 0.5, 2, 0, b_inv, 0, 0, 0, 0},
	{"Tanh", "Tanh", 1, {2}, {R2(2, 3)}, -2, 2, 0, b_tanh, 0, 0, 0, 0},
	{"Sigmoid", "Sigmoid", 1, {2}, {R2(2, 3)}, -3, 3, 0, b_sigmoid, 0, 0, 0, 0},
	{"Exp", "Exp", 1, {2}, {R2(2, 3)}, -2, 2, 0, b_exp, 0, 0, 0, 0},
	{"Expm1", "Expm1", 1, {2}, {R2(2, 3)}, -2, 2, 0, b_expm1, 0, 0, 0, 0},
	{"Log", "Log", 1, {2}, {R2(2, 3)}, 0.5, 3, 0, b_log, 0, 0, 0, 0},
	{"Log1p", "Log1p", 1, {2}, {R2(2, 3)}, -0.5, 2, 0, b_log1p, 0, 0, 0, 0},
	{"Abs", "Abs", 1, {2}, {R2(2, 3)}, -2, 2, 1, b_abs, 0, 0, 0, 0},
	{"Sin", "Sin", 1, {2}, {R2(2, 3)}, -3, 3, 0, b_sin, 0, 0, 0, 0},
	{"Cos", "Cos", 1, {2}, {R2(2, 3)}, -3, 3, 0, b_cos, 0, 0, 0, 0},
	{"Sign", "Sign", 1, {2}, {R2(2, 3)}, -2, 2, 1, b_sign, 0, 0, 0, 0},
	{"Cast (float <-> double)", "Cast", 1, {2}, {R2(2, 3)}, -2, 2, 0, b_cast, 0, 0, 1e-2, 1e-4},
	{"AddN (x0 twice)", "AddN", 2, {2, 2}, {R2(2, 3), R2(2, 3)}, -2, 2, 0, b_addn, 0, 0, 0, 0},
	{"MatMul", "MatMul", 2, {2, 2}, {R2(2, 3), R2(3, 4)}, -2, 2, 0, b_matmul, 0, 0, 0, 0},
	{"MatMul transpose_b", "MatMul", 2, {2, 2}, {R2(2, 3), R2(4, 3)}, -2, 2, 0, b_matmul_tb, 0, 0, 0, 0},
	{"MatMul transpose_a", "MatMul", 2, {2, 2}, {R2(3, 2), R2(3, 4)}, -2, 2, 0, b_matmul_ta, 0, 0, 0, 0},
	{"MatMul transpose_a,b", "MatMul", 2, {2, 2}, {R2(3, 2), R2(4, 3)}, -2, 2, 0, b_matmul_tt, 0, 0, 0, 0},
	{"Sum axis 1", "Sum", 1, {3}, {{2, 3, 2}}, -2, 2, 0, b_sum1, 0, 0, 0, 0},
	{"Sum all axes (fast path)", "Sum", 1, {3}, {{2, 3, 2}}, -2, 2, 0, b_sum_all, 0, 0, 0, 0},
	{"Sum keep_dims, negative axis", "Sum", 1, {3}, {{2, 3, 2}}, -2, 2, 0, b_sum_keep, 0, 0, 0, 0},
	{"Sum, unknown batch", "Sum", 1, {3}, {{2, 3, 2}}, -2, 2, 0, b_sum1, 0, 1, 0, 0},
	{"Mean all (known shape)", "Mean", 1, {2}, {R2(3, 4)}, -2, 2, 0, b_mean_all, 0, 0, 0, 0},
	{"Mean axis 1, unknown batch", "Mean", 1, {2}, {R2(3, 4)}, -2, 2, 0, b_mean1, 0, 1, 0, 0},
	{"Max", "Max", 1, {2}, {R2(3, 4)}, -2, 2, 0, b_max, 0, 0, 0, 0},
	{"Min", "Min", 1, {2}, {R2(3, 4)}, -2, 2, 0, b_min, 0, 0, 0, 0},
	{"BiasAdd", "BiasAdd", 2, {2, 1}, {R2(2, 3), {3}}, -2, 2, 0, b_bias_add, 0, 0, 0, 0},
	{"BiasAddV1", "BiasAddV1", 2, {2, 1}, {R2(2, 3), {3}}, -2, 2, 0, b_bias_add_v1, 0, 0, 0, 0},
	{"Relu", "Relu", 1, {2}, {R2(3, 4)}, -2, 2, 1, b_relu, 0, 0, 0, 0},
	{"Relu6", "Relu6", 1, {2}, {R2(3, 4)}, -2, 5, 1, b_relu6, 0, 0, 0, 0},
	{"Elu", "Elu", 1, {2}, {R2(3, 4)}, -2, 2, 1, b_elu, 0, 0, 0, 0},
	{"Selu", "Selu", 1, {2}, {R2(3, 4)}, -2, 2, 1, b_selu, 0, 0, 0, 0},
	{"Softplus", "Softplus", 1, {2}, {R2(3, 4)}, -2, 2, 0, b_softplus, 0, 0, 0, 0},
	{"Softsign", "Softsign", 1, {2}, {R2(3, 4)}, -2, 2, 0, b_softsign, 0, 0, 0, 0},
	{"LeakyRelu", "LeakyRelu", 1, {2}, {R2(3, 4)}, -2, 2, 1, b_leaky, 0, 0, 0, 0},
	{"Softmax", "Softmax", 1, {2}, {R2(3, 4)}, -2, 2, 0, b_softmax, 0, 0, 0, 0},
	{"LogSoftmax", "LogSoftmax", 1, {2}, {R2(3, 4)}, -2, 2, 0, b_log_softmax, 0, 0, 0, 0},
	{"SoftmaxCrossEntropyWithLogits", "SoftmaxCrossEntropyWithLogits, Softmax", 2, {2, 2},
	 {R2(3, 4), R2(3, 4)}, -2, 2, 0, b_sce, 0, 0, 0, 0},
	{"SoftmaxCrossEntropyWithLogits, backprop output used", "SoftmaxCrossEntropyWithLogits", 1,
	 {2}, {R2(3, 3)}, -2, 2, 0, b_sce2, 0, 0, 0, 0},
	{"SparseSoftmaxCrossEntropyWithLogits", "SparseSoftmaxCrossEntropyWithLogits", 1, {2},
	 {R2(3, 4)}, -2, 2, 0, b_sparse_sce, 0, 0, 0, 0},
	{"L2Loss", "L2Loss", 1, {2}, {R2(3, 4)}, -2, 2, 0, b_l2loss, 0, 0, 0, 0},
	{"Conv2D SAME", "Conv2D", 2, {4, 4}, {{1, 4, 4, 2}, {2, 2, 2, 3}}, -1, 1, 0, b_conv_same, 1, 0, 0, 0},
	{"Conv2D VALID stride 2", "Conv2D", 2, {4, 4}, {{2, 5, 5, 2}, {3, 3, 2, 2}}, -1, 1, 0,
	 b_conv_valid2, 1, 0, 0, 0},
	{"DepthwiseConv2dNative", "DepthwiseConv2dNative", 2, {4, 4}, {{1, 4, 4, 2}, {2, 2, 2, 2}},
	 -1, 1, 0, b_depthwise, 1, 0, 0, 0},
	{"MaxPool", "MaxPool", 1, {4}, {{1, 4, 4, 2}}, -2, 2, 0, b_maxpool, 1, 0, 0, 0},
	{"AvgPool", "AvgPool", 1, {4}, {{1, 4, 4, 2}}, -2, 2, 0, b_avgpool, 1, 0, 0, 0},
	{"Reshape", "Reshape", 1, {2}, {R2(2, 3)}, -2, 2, 0, b_reshape, 0, 0, 0, 0},
	{"ExpandDims", "ExpandDims", 1, {2}, {R2(2, 3)}, -2, 2, 0, b_expand, 0, 0, 0, 0},
	{"Squeeze", "Squeeze", 1, {3}, {{2, 1, 3}}, -2, 2, 0, b_squeeze, 0, 0, 0, 0},
	{"Transpose", "Transpose", 1, {3}, {{2, 3, 2}}, -2, 2, 0, b_transpose, 0, 0, 0, 0},
	{"ConcatV2", "ConcatV2", 2, {2, 2}, {R2(2, 3), R2(2, 2)}, -2, 2, 0, b_concat, 0, 0, 0, 0},
	{"ConcatV2, unknown batch", "ConcatV2", 2, {2, 2}, {R2(2, 3), R2(2, 2)}, -2, 2, 0, b_concat, 0, 1, 0, 0},
	{"Pack", "Pack", 2, {2, 2}, {R2(2, 3), R2(2, 3)}, -2, 2, 0, b_pack, 0, 0, 0, 0},
	{"Unpack (one output used)", "Unpack", 1, {2}, {R2(3, 4)}, -2, 2, 0, b_unpack, 0, 0, 0, 0},
	{"Split", "Split", 1, {2}, {R2(2, 4)}, -2, 2, 0, b_split, 0, 0, 0, 0},
	{"SplitV", "SplitV", 1, {2}, {R2(2, 4)}, -2, 2, 0, b_splitv, 0, 0, 0, 0},
	{"Slice", "Slice", 1, {2}, {R2(3, 4)}, -2, 2, 0, b_slice, 0, 0, 0, 0},
	{"StridedSlice", "StridedSlice", 1, {2}, {R2(4, 4)}, -2, 2, 0, b_strided, 0, 0, 0, 0},
	{"Tile", "Tile", 1, {2}, {R2(2, 3)}, -2, 2, 0, b_tile, 0, 0, 0, 0},
	{"Fill (value)", "Fill", 1, {0}, {{0}}, -2, 2, 0, b_fill, 0, 0, 0, 0},
	{"Pad", "Pad", 1, {2}, {R2(2, 3)}, -2, 2, 0, b_pad2, 0, 0, 0, 0},
	{"Select", "Select", 2, {2, 2}, {R2(2, 3), R2(2, 3)}, -2, 2, 0, b_select, 0, 0, 0, 0},
	{"BroadcastTo", "BroadcastTo", 1, {1}, {{3}}, -2, 2, 0, b_broadcast_to, 0, 0, 0, 0},
	{"Prod axis 1", "Prod", 1, {2}, {R2(3, 4)}, 0.5, 1.5, 0, b_prod1, 0, 0, 0, 0},
	{"Prod all axes, one negative", "Prod", 1, {2}, {R2(2, 3)}, -1.5, 1.5, 1, b_prod_all, 0, 0, 0, 0},
	{"Cumsum", "Cumsum", 1, {2}, {R2(3, 4)}, -2, 2, 0, b_cumsum, 0, 0, 0, 0},
	{"Cumsum exclusive reverse", "Cumsum", 1, {2}, {R2(3, 4)}, -2, 2, 0, b_cumsum_er, 0, 0, 0, 0},
	{"ClipByValue", "ClipByValue", 3, {2, 0, 0}, {R2(3, 4), {0}, {0}}, -2, 2, 0, b_clip, 0, 0, 0, 0},
	{"ReverseV2", "ReverseV2", 1, {2}, {R2(3, 4)}, -2, 2, 0, b_reverse, 0, 0, 0, 0},
	{"CheckNumerics", "CheckNumerics", 1, {2}, {R2(3, 4)}, -2, 2, 0, b_check_numerics, 0, 0, 0, 0},
	{"EnsureShape", "EnsureShape", 1, {2}, {R2(2, 3)}, -2, 2, 0, b_ensure_shape, 0, 0, 0, 0},
	{"MaxPoolV2", "MaxPoolV2", 1, {4}, {{1, 4, 4, 2}}, -2, 2, 0, b_maxpool_v2, 1, 0, 0, 0},
	{"LRN", "LRN", 1, {4}, {{1, 2, 2, 5}}, -1, 1, 0, b_lrn, 1, 0, 0, 0},
	{"Tan", "Tan", 1, {2}, {R2(2, 3)}, -1, 1, 0, b_tan, 0, 0, 0, 0},
	{"FloorMod (away from jumps)", "FloorMod", 2, {2, 1}, {R2(2, 3), {3}}, 2.2, 2.8, 0, b_floormod, 0, 0, 0, 0},
	{"BatchMatMul adj_y", "BatchMatMul", 2, {3, 3}, {{2, 2, 3}, {2, 4, 3}}, -2, 2, 0, b_bmm, 0, 0, 0, 0},
	{"BatchMatMul adj_x", "BatchMatMul", 2, {3, 3}, {{2, 3, 2}, {2, 3, 4}}, -2, 2, 0, b_bmm_ax, 0, 0, 0, 0},
	{"BatchMatMulV2, broadcast batch", "BatchMatMulV2", 2, {3, 2}, {{2, 2, 3}, R2(3, 4)}, -2, 2, 0,
	 b_bmm2, 0, 0, 0, 0},
	{"SelectV2, broadcast branches", "SelectV2", 2, {1, 2}, {{3}, R2(2, 1)}, -2, 2, 0, b_select_v2, 0, 0, 0, 0},
	{"Gather, repeated index", "Gather", 1, {2}, {R2(4, 3)}, -2, 2, 0, b_gather, 0, 0, 0, 0},
	{"GatherV2 axis 0", "GatherV2", 1, {2}, {R2(4, 3)}, -2, 2, 0, b_gather_v2, 0, 0, 0, 0},
	{"FusedBatchNorm, training", "FusedBatchNorm", 3, {4, 1, 1}, {{2, 2, 2, 3}, {3}, {3}}, -2, 2, 0,
	 b_bn, 1, 0, 0, 0},
	{"FusedBatchNormV2, training", "FusedBatchNormV2", 3, {4, 1, 1}, {{2, 2, 2, 3}, {3}, {3}}, -2, 2,
	 0, b_bn2, 1, 0, 0, 0},
	{"FusedBatchNormV3, training", "FusedBatchNormV3", 3, {4, 1, 1}, {{2, 2, 2, 3}, {3}, {3}}, -2, 2,
	 0, b_bn3, 1, 0, 0, 0},
	{"FusedBatchNormV3, inference", "FusedBatchNormV3", 3, {4, 1, 1}, {{2, 2, 2, 3}, {3}, {3}}, -2,
	 2, 0, b_bn3_inf, 1, 0, 0, 0},
};
#define N_CASES ((int)(sizeof(cases) / sizeof(cases[0])))

/* Registered as not differentiable (no function to check). */
static const char *const not_differentiable[] = {
	"Floor", "Ceil", "Round", "Rint", "FloorDiv", "TruncateDiv", "Equal", "NotEqual", "Less",
	"LessEqual", "Greater", "GreaterEqual", "LogicalAnd", "LogicalOr", "LogicalNot", "IsFinite",
	"IsNan", "IsInf", "ArgMax", "ArgMin", "Range", "RandomUniform", "RandomUniformInt",
	"RandomStandardNormal", "TruncatedNormal", "Assign", "AssignAdd", "AssignSub", "Shape",
	"ShapeN", "Rank", "Size", "ZerosLike", "OnesLike", "StopGradient", "BroadcastGradientArgs",
	"Const", "ConcatOffset", "InvertPermutation", "OneHot", "PreventGradient",
	"VarIsInitializedOp", "VariableShape",
	/* checked elsewhere: a resource variable trained in tests/test_train.c */
	"ReadVariableOp", NULL};

static bool covered(const char *op)
{
	for (int i = 0; not_differentiable[i]; i++)
		if (strcmp(op, not_differentiable[i]) == 0)
			return true;
	size_t n = strlen(op);
	for (int i = 0; i < N_CASES; i++) {
		const char *p = cases[i].covers;
		while ((p = strstr(p, op))) {
			if ((p == cases[i].covers || p[-1] == ' ') && (p[n] == 0 || p[n] == ','))
				return true;
			p += n;
		}
	}
	return false;
}

static void test_registry_coverage(void)
{
	int n = tfc_gradient_registry_count(), missing = 0;
	for (int i = 0; i < n; i++) {
		const char *op = tfc_gradient_registry_name(i);
		if (!covered(op)) {
			diag("no finite-difference case for the gradient of %s", op);
			missing++;
		}
	}
	ok(n > 90 && missing == 0, "all %d registered gradients have a check (%d missing)", n, missing);
	ok(tfc_gradient_is_registered("MatMul") && tfc_gradient_is_registered("Shape") &&
	   !tfc_gradient_is_registered("Cumprod"), "tfc_gradient_is_registered");
}

/* ---- names, structure, errors */

static tfc_operation *find(tfc_graph *g, const char *name)
{
	return tfc_graph_operation_by_name(g, name);
}

static void test_names(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_output x = {t_placeholder(g, "x", TFC_FLOAT, 2, (int64_t[]){-1, 3}, st), 0};
	tfc_output w = {t_placeholder(g, "w", TFC_FLOAT, 2, (int64_t[]){3, 2}, st), 0};
	tfc_output u = {t_placeholder(g, "unused", TFC_FLOAT, 0, NULL, st), 0};
	tfc_output mm = {t_binary(g, "MatMul", "MatMul", x.oper, w.oper, st), 0};
	tfc_op_desc *d = tfc_op_new(g, "Tanh", "h");
	tfc_op_add_input(d, mm);
	tfc_output h = {tfc_op_finish(d, st), 0};
	/* y = sum(h * h): two paths into h -> AddN */
	tfc_output sq = {t_binary(g, "Mul", "sq", h.oper, h.oper, st), 0};
	d = tfc_op_new(g, "Sum", "loss");
	tfc_op_add_input(d, sq);
	tfc_op_add_input(d, IV(g, st, 0, 1));
	tfc_output loss = {tfc_op_finish(d, st), 0};
	tfc_output xs[3] = {w, x, u}, dxs[3];
	int n = tfc_gradients(g, &loss, 1, xs, 3, NULL, dxs, st);
	is_int(n, 2, "two of three xs connected (%s)", tfc_status_message(st));
	ok(dxs[2].oper == NULL, "the unconnected x gets none");
	ok(find(g, "gradients/Shape") && find(g, "gradients/grad_ys_0") && find(g, "gradients/Fill"),
	   "grad_ys: gradients/Shape, gradients/grad_ys_0, gradients/Fill");
	ok(find(g, "gradients/loss_grad/Reshape/shape") && find(g, "gradients/loss_grad/Tile"),
	   "Sum's gradient in gradients/loss_grad/");
	ok(find(g, "gradients/sq_grad/Mul") && find(g, "gradients/sq_grad/Mul_1"),
	   "Mul's gradient: gradients/sq_grad/Mul, Mul_1");
	tfc_operation *addn = find(g, "gradients/AddN");
	ok(addn && strcmp(tfc_operation_type(addn), "AddN") == 0 &&
	   tfc_operation_num_inputs(addn) == 2, "two paths into h summed by gradients/AddN");
	ok(find(g, "gradients/h_grad/TanhGrad"), "gradients/h_grad/TanhGrad");
	tfc_operation *m0 = find(g, "gradients/MatMul_grad/MatMul");
	ok(m0 && dxs[1].oper == m0 && dxs[0].oper == find(g, "gradients/MatMul_grad/MatMul_1"),
	   "MatMul's gradients: MatMul (dx), MatMul_1 (dw)");
	ok(!find(g, "gradients/MatMul_grad/tuple/group_deps"), "no gating by default");
	/* a second call: gradients_1, with gating */
	tfc_output dw;
	n = tfc_gradients_ex(g, &loss, 1, &w, 1, NULL, NULL, true, &dw, st);
	tfc_operation *cd = find(g, "gradients_1/MatMul_grad/tuple/control_dependency_1");
	ok(n == 1 && cd && dw.oper == cd && find(g, "gradients_1/MatMul_grad/tuple/group_deps") &&
	   tfc_operation_num_control_inputs(cd) == 1,
	   "gated: gradients_1/MatMul_grad/tuple/{group_deps,control_dependency_1}");
	/* ys that do not depend on xs */
	tfc_output dz;
	n = tfc_gradients(g, &w, 1, &x, 1, NULL, &dz, st);
	ok(n == 0 && dz.oper == NULL && tfc_status_code(st) == TFC_OK, "y independent of x: none");
	tfc_graph_free(g);
	tfc_status_free(st);
}

static void test_stop_and_errors(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_output x = {t_placeholder(g, "x", TFC_FLOAT, 1, (int64_t[]){3}, st), 0};
	tfc_output sg = op1(g, "StopGradient", x, st);
	tfc_output y = op2(g, "Add", op1(g, "Square", x, st), op1(g, "Exp", sg, st), st);
	tfc_output dx;
	int n = tfc_gradients(g, &y, 1, &x, 1, NULL, &dx, st);
	ok(n == 1 && dx.oper && strcmp(tfc_operation_type(dx.oper), "Mul") == 0,
	   "StopGradient cuts its path (only Square's gradient reaches x)");

	/* an op on the path without a gradient function */
	tfc_op_desc *d = tfc_op_new(g, "Cumprod", "cs");
	tfc_op_add_input(d, x);
	tfc_op_add_input(d, IS(g, st, 0));
	tfc_output cs = {tfc_op_finish(d, st), 0};
	n = tfc_gradients(g, &cs, 1, &x, 1, NULL, &dx, st);
	ok(n == -1 && tfc_status_code(st) == TFC_NOT_FOUND &&
	   strstr(tfc_status_message(st), "'cs'") && strstr(tfc_status_message(st), "Cumprod"),
	   "no gradient: NotFound naming the node (%s)", tfc_status_message(st));
	tfc_status_set(st, TFC_OK, "%s", "");

	d = tfc_op_new(g, "PreventGradient", "pg");
	tfc_op_add_input(d, x);
	tfc_op_set_attr_string(d, "message", "no way", 6);
	tfc_output pg = {tfc_op_finish(d, st), 0};
	n = tfc_gradients(g, &pg, 1, &x, 1, NULL, &dx, st);
	ok(n == -1 && tfc_status_code(st) == TFC_INVALID_ARGUMENT &&
	   strstr(tfc_status_message(st), "'pg'") && strstr(tfc_status_message(st), "no way"),
	   "PreventGradient: InvalidArgument with its message (%s)", tfc_status_message(st));
	tfc_status_set(st, TFC_OK, "%s", "");

	tfc_output pred = {t_placeholder(g, "p", TFC_BOOL, 0, NULL, st), 0};
	d = tfc_op_new(g, "Switch", "sw");
	tfc_op_add_input(d, x);
	tfc_op_add_input(d, pred);
	tfc_operation *sw = tfc_op_finish(d, st);
	tfc_output s1 = op1(g, "Square", (tfc_output){sw, 1}, st);
	n = tfc_gradients(g, &s1, 1, &x, 1, NULL, &dx, st);
	ok(n == -1 && tfc_status_code(st) == TFC_UNIMPLEMENTED && strstr(tfc_status_message(st), "'sw'"),
	   "control flow: Unimplemented naming the node (%s)", tfc_status_message(st));
	tfc_status_set(st, TFC_OK, "%s", "");

	tfc_output xi = {t_placeholder(g, "xi", TFC_INT32, 0, NULL, st), 0};
	n = tfc_gradients(g, &xi, 1, &x, 1, NULL, &dx, st);
	ok(n == -1 && tfc_status_code(st) == TFC_INVALID_ARGUMENT && strstr(tfc_status_message(st), "xi"),
	   "int32 y: InvalidArgument naming it (%s)", tfc_status_message(st));
	tfc_status_set(st, TFC_OK, "%s", "");

	tfc_output gy = {t_placeholder(g, "gy", TFC_DOUBLE, 0, NULL, st), 0};
	n = tfc_gradients(g, &y, 1, &x, 1, &gy, &dx, st);
	ok(n == -1 && tfc_status_code(st) == TFC_INVALID_ARGUMENT && strstr(tfc_status_message(st), "gy"),
	   "grad_ys of the wrong dtype: InvalidArgument (%s)", tfc_status_message(st));
	tfc_status_set(st, TFC_OK, "%s", "");
	tfc_output gy2 = {t_placeholder(g, "gy2", TFC_FLOAT, 1, (int64_t[]){2}, st), 0};
	n = tfc_gradients(g, &y, 1, &x, 1, &gy2, &dx, st);
	ok(n == -1 && tfc_status_code(st) == TFC_INVALID_ARGUMENT && strstr(tfc_status_message(st), "gy2") &&
	   strstr(tfc_status_message(st), "[3]"),
	   "grad_ys of shape [2] for a [3] y: InvalidArgument (%s)", tfc_status_message(st));
	tfc_status_set(st, TFC_OK, "%s", "");

	tfc_graph *g2 = tfc_graph_new();
	tfc_output other = {t_placeholder(g2, "other", TFC_FLOAT, 0, NULL, st), 0};
	n = tfc_gradients(g, &y, 1, &other, 1, NULL, &dx, st);
	ok(n == -1 && tfc_status_code(st) == TFC_INVALID_ARGUMENT &&
	   strstr(tfc_status_message(st), "other"), "x of another graph: InvalidArgument (%s)",
	   tfc_status_message(st));
	tfc_status_set(st, TFC_OK, "%s", "");
	tfc_output bad = {x.oper, 5};
	n = tfc_gradients(g, &y, 1, &bad, 1, NULL, &dx, st);
	ok(n == -1 && tfc_status_code(st) == TFC_INVALID_ARGUMENT, "x output out of range: %s",
	   tfc_status_message(st));
	tfc_status_set(st, TFC_INTERNAL, "earlier");
	n = tfc_gradients(g, &y, 1, &x, 1, NULL, &dx, st);
	ok(n == -1 && strcmp(tfc_status_message(st), "earlier") == 0,
	   "a status holding an error: nothing done");
	tfc_graph_free(g2);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* Several ys are summed; y == x gives grad_y; a missing floating output grad is
 * zeros named gradients/zeros_like. */
static void test_multiple_ys(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_output x = {t_placeholder(g, "x", TFC_DOUBLE, 1, (int64_t[]){3}, st), 0};
	tfc_output y1 = op1(g, "Square", x, st), y2 = op1(g, "Sin", x, st);
	tfc_output ys[3] = {y1, y2, x}, dx;
	int n = tfc_gradients(g, ys, 3, &x, 1, NULL, &dx, st);
	tfc_session *s = tfc_session_new(g, NULL, st);
	tfc_tensor *xv = tfc_tensor_new(TFC_DOUBLE, (int64_t[]){3}, 1, st), *out = NULL;
	double *xp = xv ? tfc_tensor_data(xv) : NULL;
	for (int i = 0; xp && i < 3; i++)
		xp[i] = 0.5 * i - 0.3;
	if (n == 1)
		tfc_session_run(s, NULL, 0, &x, &xv, 1, &dx, &out, 1, NULL, 0, NULL, st);
	double worst = 1;
	if (out) {
		worst = 0;
		for (int i = 0; i < 3; i++)
			worst = fmax(worst, fabs(((double *)tfc_tensor_data(out))[i] -
						 (2 * xp[i] + cos(xp[i]) + 1)));
	}
	ok(n == 1 && worst < 1e-12 && tfc_graph_operation_by_name(g, "gradients/grad_ys_2") &&
	   tfc_graph_operation_by_name(g, "gradients/AddN"),
	   "ys {x^2, sin x, x}: d/dx = 2x + cos x + 1 (err %.2g; grad_ys_0..2, AddN) %s", worst,
	   tfc_status_message(st));
	tfc_tensor_free(out);
	tfc_tensor_free(xv);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

int main(void)
{
	plan_lazy();
	for (int i = 0; i < N_CASES; i++)
		fd_check(&cases[i]);
	test_registry_coverage();
	test_names();
	test_stop_and_errors();
	test_multiple_ys();
	done_testing();
	return exit_status();
}
