/*
 * grad_math.c: gradient functions of the math ops (TensorFlow's math_grad.py):
 * element-wise unary and binary ops with broadcasting (BroadcastGradientArgs, Sum,
 * Reshape), Cast, AddN, MatMul, reductions (Sum, Mean, Max, Min), and the ops that
 * are not differentiable. Registered as data in tfc__grad_math_defs; each function
 * builds the ops TensorFlow builds, with the same names, in the op's "_grad" scope.
 */
#include "grad_internal.h"

#define NONE ((tfc_output){NULL, 0})

static tfc_output in(const tfc_operation *op, int i) { return op->inputs[i]; }
static tfc_output out(tfc_operation *op, int i) { return (tfc_output){op, i}; }

/* ---- broadcasting helpers */

static bool same_full_shapes(tfc_output x, tfc_output y, tfc_output g)
{
	tfc_shape a = tfc__gb_static_shape(x), c = tfc__gb_static_shape(y), d = tfc__gb_static_shape(g);
	if (!tfc_shape_is_fully_defined(&a) || a.rank != c.rank || a.rank != d.rank)
		return false;
	for (int i = 0; i < a.rank; i++)
		if (a.dims[i] != c.dims[i] || a.dims[i] != d.dims[i])
			return false;
	return true;
}

struct bc {
	tfc_output sx, sy, rx, ry;
};

static struct bc bcast(struct tfc__gb *b, tfc_output x, tfc_output y)
{
	struct bc r;
	r.sx = tfc__gb_shape(b, "Shape", x);
	r.sy = tfc__gb_shape(b, "Shape", y);
	tfc_op_desc *d = tfc__gb_new(b, "BroadcastGradientArgs", "BroadcastGradientArgs");
	tfc__gb_input(b, d, r.sx);
	tfc__gb_input(b, d, r.sy);
	tfc_operation *op = tfc__gb_finish_op(b, d);
	r.rx = (tfc_output){op, 0};
	r.ry = (tfc_output){op, 1};
	return r;
}

static tfc_output sum_reshape(struct tfc__gb *b, tfc_output g, tfc_output r, tfc_output s)
{
	tfc_output t = tfc__gb_sum(b, "Sum", g, r, false);
	return tfc__gb_op2(b, "Reshape", "Reshape", t, s);
}

/* ---- binary */

static void add_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_output x = in(op, 0), y = in(op, 1), g = dy[0];
	if (same_full_shapes(x, y, g)) {
		dx[0] = dx[1] = g;
		return;
	}
	struct bc r = bcast(b, x, y);
	dx[0] = sum_reshape(b, g, r.rx, r.sx);
	dx[1] = sum_reshape(b, g, r.ry, r.sy);
}

static void sub_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_output x = in(op, 0), y = in(op, 1), g = dy[0];
	if (same_full_shapes(x, y, g)) {
		dx[0] = g;
		dx[1] = tfc__gb_op1(b, "Neg", "Neg", g);
		return;
	}
	struct bc r = bcast(b, x, y);
	dx[0] = sum_reshape(b, g, r.rx, r.sx);
	tfc_output t = tfc__gb_sum(b, "Sum", g, r.ry, false);
	t = tfc__gb_op1(b, "Neg", "Neg", t);
	dx[1] = tfc__gb_op2(b, "Reshape", "Reshape", t, r.sy);
}

static void mul_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_output x = in(op, 0), y = in(op, 1), g = dy[0];
	tfc_dtype t = tfc__gb_dtype(g);
	if (same_full_shapes(x, y, g) && (t == TFC_FLOAT || t == TFC_INT32)) {
		dx[0] = tfc__gb_op2(b, "Mul", "Mul", g, y);
		dx[1] = tfc__gb_op2(b, "Mul", "Mul", g, x);
		return;
	}
	struct bc r = bcast(b, x, y);
	dx[0] = sum_reshape(b, tfc__gb_op2(b, "Mul", "Mul", g, y), r.rx, r.sx);
	dx[1] = sum_reshape(b, tfc__gb_op2(b, "Mul", "Mul", x, g), r.ry, r.sy);
}

/* RealDiv, and Div (whose Python helper names its ops "div"). */
static void div_common(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx,
		       const char *type, const char *name)
{
	tfc_output x = in(op, 0), y = in(op, 1), g = dy[0];
	struct bc r = bcast(b, x, y);
	dx[0] = sum_reshape(b, tfc__gb_op2(b, type, name, g, y), r.rx, r.sx);
	tfc_output nx = tfc__gb_op1(b, "Neg", "Neg", x);
	tfc_output t = tfc__gb_op2(b, type, name, nx, y);
	t = tfc__gb_op2(b, type, name, t, y);
	t = tfc__gb_op2(b, "Mul", "mul", g, t);
	dx[1] = sum_reshape(b, t, r.ry, r.sy);
}

static void realdiv_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	div_common(b, op, dy, dx, "RealDiv", "RealDiv");
}

static void div_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	div_common(b, op, dy, dx, "RealDiv", "div");
}

static void divnonan_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			  tfc_output *dx)
{
	div_common(b, op, dy, dx, "DivNoNan", "div_no_nan");
}

static void maxmin_common(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			  tfc_output *dx, const char *selector)
{
	tfc_output x = in(op, 0), y = in(op, 1), g = dy[0];
	tfc_output sx = tfc__gb_shape(b, "Shape", x);
	tfc_output sy = tfc__gb_shape(b, "Shape", y);
	tfc_output gs = tfc__gb_shape(b, "Shape", g);
	tfc_output zeros = tfc__gb_zeros(b, gs, tfc__gb_dtype(g));
	tfc_output mask = tfc__gb_op2(b, selector, selector, x, y);
	tfc_op_desc *d = tfc__gb_new(b, "BroadcastGradientArgs", "BroadcastGradientArgs");
	tfc__gb_input(b, d, sx);
	tfc__gb_input(b, d, sy);
	tfc_operation *ra = tfc__gb_finish_op(b, d);
	tfc_output xg = tfc__gb_op3(b, "Select", "Select", mask, g, zeros);
	tfc_output yg = tfc__gb_op3(b, "Select", "Select", mask, zeros, g);
	dx[0] = sum_reshape(b, xg, (tfc_output){ra, 0}, sx);
	dx[1] = sum_reshape(b, yg, (tfc_output){ra, 1}, sy);
}

static void maximum_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	maxmin_common(b, op, dy, dx, "GreaterEqual");
}

static void minimum_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	maxmin_common(b, op, dy, dx, "LessEqual");
}

static void sqdiff_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_output x = in(op, 0), y = in(op, 1), g = dy[0];
	struct bc r = bcast(b, x, y);
	tfc__gb_push_ctl(b, g.oper);
	tfc_output two = tfc__gb_const_scalar(b, "scalar", tfc__gb_dtype(g), 2.0);
	tfc_output t = tfc__gb_op2(b, "Mul", "Mul", two, g);
	tfc_output diff = tfc__gb_op2(b, "Sub", "sub", x, y);
	tfc_output xg = tfc__gb_op2(b, "Mul", "mul", t, diff);
	tfc__gb_pop_ctl(b);
	dx[0] = sum_reshape(b, xg, r.rx, r.sx);
	tfc_output gy = sum_reshape(b, xg, r.ry, r.sy);
	dx[1] = tfc__gb_op1(b, "Neg", "Neg", gy);
}

static void pow_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_output x = in(op, 0), y = in(op, 1), z = out(op, 0), g = dy[0];
	tfc_dtype t = tfc__gb_dtype(x);
	struct bc r = bcast(b, x, y);
	/* gx = grad * y * pow(x, y - 1) */
	tfc_output a = tfc__gb_op2(b, "Mul", "mul", g, y);
	tfc_output ym1 = tfc__gb_op2c(b, "Sub", "sub", y, "y", 1.0, t, false);
	tfc_output p = tfc__gb_op2(b, "Pow", "Pow", x, ym1);
	a = tfc__gb_op2(b, "Mul", "mul", a, p);
	dx[0] = sum_reshape(b, a, r.rx, r.sx);
	/* gy = grad * z * log(x) where x > 0, else 0 */
	tfc_output mask = tfc__gb_op2c(b, "Greater", "Greater", x, "y", 0.0, t, false);
	tfc_output ones = tfc__gb_op1(b, "OnesLike", "ones_like", x);
	tfc_output safe = tfc__gb_op3(b, "Select", "Select", mask, x, ones);
	tfc_output lg = tfc__gb_op1(b, "Log", "Log", safe);
	tfc_output zl = tfc__gb_op1(b, "ZerosLike", "zeros_like", x);
	tfc_output logx = tfc__gb_op3(b, "Select", "Select", mask, lg, zl);
	tfc_output c = tfc__gb_op2(b, "Mul", "mul", g, z);
	c = tfc__gb_op2(b, "Mul", "mul", c, logx);
	dx[1] = sum_reshape(b, c, r.ry, r.sy);
}

/* ---- unary */

static void identity_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			  tfc_output *dx)
{
	(void)b;
	(void)op;
	dx[0] = dy[0];
}

static void neg_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	(void)op;
	dx[0] = tfc__gb_op1(b, "Neg", "Neg", dy[0]);
}

static void square_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_output x = in(op, 0);
	tfc__gb_push_ctl(b, dy[0].oper);
	tfc_output two = tfc__gb_const_scalar(b, "Const", tfc__gb_dtype(x), 2.0);
	tfc_output t = tfc__gb_op2(b, "Mul", "Mul", x, two);
	dx[0] = tfc__gb_op2(b, "Mul", "Mul", dy[0], t);
	tfc__gb_pop_ctl(b);
}

/* y-based "XGrad(y, dy)" kernels: Sqrt, Rsqrt, Reciprocal, Tanh, Sigmoid. */
static void ygrad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx,
		  const char *type, bool ctl)
{
	if (ctl)
		tfc__gb_push_ctl(b, dy[0].oper);
	dx[0] = tfc__gb_op2(b, type, type, out(op, 0), dy[0]);
	if (ctl)
		tfc__gb_pop_ctl(b);
}

static void sqrt_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	ygrad(b, op, dy, dx, "SqrtGrad", false);
}

static void rsqrt_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	ygrad(b, op, dy, dx, "RsqrtGrad", false);
}

static void reciprocal_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			    tfc_output *dx)
{
	ygrad(b, op, dy, dx, "ReciprocalGrad", false);
}

static void inv_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	ygrad(b, op, dy, dx, "InvGrad", false);
}

static void tanh_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	ygrad(b, op, dy, dx, "TanhGrad", true);
}

static void sigmoid_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			 tfc_output *dx)
{
	ygrad(b, op, dy, dx, "SigmoidGrad", true);
}

static void exp_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc__gb_push_ctl(b, dy[0].oper);
	dx[0] = tfc__gb_op2(b, "Mul", "mul", dy[0], out(op, 0));
	tfc__gb_pop_ctl(b);
}

static void expm1_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc__gb_push_ctl(b, dy[0].oper);
	tfc_output e = tfc__gb_op1(b, "Exp", "Exp", in(op, 0));
	dx[0] = tfc__gb_op2(b, "Mul", "mul", dy[0], e);
	tfc__gb_pop_ctl(b);
}

static void log_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc__gb_push_ctl(b, dy[0].oper);
	tfc_output r = tfc__gb_op1(b, "Reciprocal", "Reciprocal", in(op, 0));
	dx[0] = tfc__gb_op2(b, "Mul", "mul", dy[0], r);
	tfc__gb_pop_ctl(b);
}

static void log1p_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_output x = in(op, 0);
	tfc__gb_push_ctl(b, dy[0].oper);
	tfc_output a = tfc__gb_op2c(b, "Add", "add", x, "x", 1.0, tfc__gb_dtype(x), true);
	tfc_output r = tfc__gb_op1(b, "Reciprocal", "Reciprocal", a);
	dx[0] = tfc__gb_op2(b, "Mul", "mul", dy[0], r);
	tfc__gb_pop_ctl(b);
}

static void abs_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_output s = tfc__gb_op1(b, "Sign", "Sign", in(op, 0));
	dx[0] = tfc__gb_op2(b, "Mul", "mul", dy[0], s);
}

static void sin_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc__gb_push_ctl(b, dy[0].oper);
	tfc_output c = tfc__gb_op1(b, "Cos", "Cos", in(op, 0));
	dx[0] = tfc__gb_op2(b, "Mul", "mul", dy[0], c);
	tfc__gb_pop_ctl(b);
}

static void cos_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc__gb_push_ctl(b, dy[0].oper);
	tfc_output ng = tfc__gb_op1(b, "Neg", "Neg", dy[0]);
	tfc_output s = tfc__gb_op1(b, "Sin", "Sin", in(op, 0));
	dx[0] = tfc__gb_op2(b, "Mul", "mul", ng, s);
	tfc__gb_pop_ctl(b);
}

static void sign_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	(void)dy;
	tfc_output x = in(op, 0);
	tfc_output s = tfc__gb_shape(b, "Shape", x);
	dx[0] = tfc__gb_zeros(b, s, tfc__gb_dtype(x));
}

static void cast_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_dtype src = tfc__gb_dtype(in(op, 0)), dst = tfc__gb_dtype(dy[0]);
	if (tfc__grad_dtype(src) && tfc__grad_dtype(dst)) {
		tfc_op_desc *d = tfc__gb_new(b, "Cast", "Cast");
		tfc__gb_input(b, d, dy[0]);
		if (d)
			tfc_op_set_attr_type(d, "DstT", src);
		dx[0] = tfc__gb_finish(b, d);
	}
}

static void addn_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	(void)b;
	for (int i = 0; i < op->n_inputs; i++)
		dx[i] = dy[0];
}

/* ---- MatMul */

static void matmul_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_status *tmp = tfc_status_new();
	bool ta = tfc_operation_get_attr_bool(op, "transpose_a", tmp);
	bool tb = tfc_operation_get_attr_bool(op, "transpose_b", tmp);
	tfc_status_free(tmp);
	tfc_output a = in(op, 0), x = in(op, 1), g = dy[0];
	if (!ta && !tb) {
		dx[0] = tfc__gb_matmul(b, "MatMul", g, x, false, true);
		dx[1] = tfc__gb_matmul(b, "MatMul", a, g, true, false);
	} else if (!ta && tb) {
		dx[0] = tfc__gb_matmul(b, "MatMul", g, x, false, false);
		dx[1] = tfc__gb_matmul(b, "MatMul", g, a, true, false);
	} else if (ta && !tb) {
		dx[0] = tfc__gb_matmul(b, "MatMul", x, g, false, true);
		dx[1] = tfc__gb_matmul(b, "MatMul", a, g, false, false);
	} else {
		dx[0] = tfc__gb_matmul(b, "MatMul", x, g, true, true);
		dx[1] = tfc__gb_matmul(b, "MatMul", g, a, true, true);
	}
}

/* ---- reductions */

/* math_ops.reduced_shape(input_shape, axes): input_shape with the reduced axes 1. */
static tfc_output reduced_shape(struct tfc__gb *b, tfc_output ishape, tfc_output axes)
{
	axes = tfc__gb_cast(b, "Cast", axes, TFC_INT32);
	tfc_output rank = tfc__gb_size(b, "Size", ishape);
	tfc_output a = tfc__gb_op2(b, "Add", "add", axes, rank);
	a = tfc__gb_op2(b, "FloorMod", "mod", a, rank);
	tfc_output ashape = tfc__gb_shape(b, "Shape", a);
	const char *sc = tfc__gb_push_scope(b, "range");
	if (!sc)
		return NONE;
	char *full = tfc__strdup(sc);
	tfc_output start = tfc__gb_const_scalar(b, "start", TFC_INT32, 0);
	tfc_output delta = tfc__gb_const_scalar(b, "delta", TFC_INT32, 1);
	tfc__gb_pop_scope(b);
	tfc_op_desc *d = tfc__gb_new_exact(b, "Range", full);
	free(full);
	tfc__gb_input(b, d, start);
	tfc__gb_input(b, d, rank);
	tfc__gb_input(b, d, delta);
	tfc_output range = tfc__gb_finish(b, d);
	tfc_output ones = tfc__gb_op2c(b, "Fill", "Fill", ashape, "value", 1, TFC_INT32, false);
	d = tfc__gb_new(b, "DynamicStitch", "DynamicStitch");
	tfc_output idx[2] = {range, a}, val[2] = {ishape, ones};
	if (d && range.oper && a.oper && ishape.oper && ones.oper) {
		tfc_op_add_input_list(d, idx, 2);
		tfc_op_add_input_list(d, val, 2);
	}
	return tfc__gb_finish(b, d);
}

/* _safe_shape_div(x, y) = x // maximum(y, 1) */
static tfc_output safe_shape_div(struct tfc__gb *b, tfc_output x, tfc_output y)
{
	tfc_output m = tfc__gb_op2c(b, "Maximum", "Maximum", y, "y", 1, tfc__gb_dtype(y), false);
	return tfc__gb_op2(b, "FloorDiv", "floordiv", x, m);
}

static bool axes_are_all(tfc_output axes, int rank)
{
	tfc_tensor *t = tfc__gb_const_value(axes);
	if (!t)
		return false;
	bool ok = tfc_tensor_rank(t) == 1 && tfc_tensor_num_elements(t) == rank;
	for (int i = 0; ok && i < rank; i++) {
		int64_t v = tfc_tensor_dtype(t) == TFC_INT64 ? ((int64_t *)tfc_tensor_data(t))[i]
							     : ((int32_t *)tfc_tensor_data(t))[i];
		ok = v == i;
	}
	tfc_tensor_free(t);
	return ok;
}

/* _SumGrad; *fast tells whether the reduce-all fast path was taken. */
static tfc_output sum_grad_value(struct tfc__gb *b, tfc_operation *op, tfc_output g)
{
	tfc_output x = in(op, 0);
	tfc_shape xs = tfc__gb_static_shape(x);
	if (xs.rank >= 0 && axes_are_all(in(op, 1), xs.rank)) {
		int64_t ones[TFC_MAX_RANK];
		for (int i = 0; i < xs.rank; i++)
			ones[i] = 1;
		tfc_output r = tfc__gb_reshape_c(b, "Reshape", g, ones, xs.rank);
		tfc_output ishape = tfc_shape_is_fully_defined(&xs)
			? tfc__gb_const_ivec(b, "Const", TFC_INT32, xs.dims, xs.rank)
			: tfc__gb_op1(b, "Shape", "Shape", x);
		return tfc__gb_op2(b, "Tile", "Tile", r, ishape);
	}
	tfc_output ishape = tfc__gb_shape(b, "Shape", x);
	tfc_output kept = reduced_shape(b, ishape, in(op, 1));
	tfc_output scale = safe_shape_div(b, ishape, kept);
	tfc_output r = tfc__gb_op2(b, "Reshape", "Reshape", g, kept);
	return tfc__gb_op2(b, "Tile", "Tile", r, scale);
}

static void sum_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	dx[0] = sum_grad_value(b, op, dy[0]);
}

static void mean_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_output sg = sum_grad_value(b, op, dy[0]);
	tfc_dtype t = tfc__gb_dtype(dy[0]);
	tfc_shape is = tfc__gb_static_shape(in(op, 0)), os = tfc__gb_static_shape(out(op, 0));
	tfc_output factor;
	if (tfc_shape_is_fully_defined(&is) && tfc_shape_is_fully_defined(&os)) {
		int64_t isz = tfc_shape_num_elements(&is), osz = tfc_shape_num_elements(&os);
		factor = tfc__gb_const_scalar(b, "Const", t, (double)(isz / (osz > 1 ? osz : 1)));
	} else {
		tfc_output ishape = tfc__gb_shape(b, "Shape", in(op, 0));
		tfc_output oshape = tfc__gb_shape(b, "Shape", out(op, 0));
		int64_t zero = 0;
		tfc_output ax = tfc__gb_const_ivec(b, "Const", TFC_INT32, &zero, 1);
		tfc_op_desc *d = tfc__gb_new(b, "Prod", "Prod");
		tfc__gb_input(b, d, ishape);
		tfc__gb_input(b, d, ax);
		tfc_output pi = tfc__gb_finish(b, d);
		ax = tfc__gb_const_ivec(b, "Const", TFC_INT32, &zero, 1);
		d = tfc__gb_new(b, "Prod", "Prod");
		tfc__gb_input(b, d, oshape);
		tfc__gb_input(b, d, ax);
		tfc_output po = tfc__gb_finish(b, d);
		factor = safe_shape_div(b, pi, po);
		factor = tfc__gb_cast(b, "Cast", factor, t);
	}
	dx[0] = tfc__gb_op2(b, "RealDiv", "truediv", sg, factor);
}

static void minmax_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_output x = in(op, 0), axes = in(op, 1);
	tfc_output ishape = tfc__gb_shape(b, "Shape", x);
	tfc_output kept = reduced_shape(b, ishape, axes);
	tfc_output y = tfc__gb_op2(b, "Reshape", "Reshape", out(op, 0), kept);
	tfc_output g = tfc__gb_op2(b, "Reshape", "Reshape", dy[0], kept);
	tfc_output eq = tfc__gb_op2(b, "Equal", "Equal", y, x);
	tfc_output ind = tfc__gb_cast(b, "Cast", eq, tfc__gb_dtype(dy[0]));
	tfc_output ns = tfc__gb_sum(b, "Sum", ind, axes, false);
	ns = tfc__gb_op2(b, "Reshape", "Reshape", ns, kept);
	tfc_output q = tfc__gb_op2(b, "RealDiv", "truediv", ind, ns);
	dx[0] = tfc__gb_op2(b, "Mul", "mul", q, g);
}

static void tan_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc__gb_push_ctl(b, dy[0].oper);
	tfc_output c = tfc__gb_op1(b, "Cos", "Cos", in(op, 0));
	tfc_output sec = tfc__gb_op1(b, "Reciprocal", "Reciprocal", c);
	tfc_output sec2 = tfc__gb_op1(b, "Square", "Square", sec);
	dx[0] = tfc__gb_op2(b, "Mul", "mul", dy[0], sec2);
	tfc__gb_pop_ctl(b);
}

static void floormod_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			  tfc_output *dx)
{
	tfc_output x = in(op, 0), y = in(op, 1), g = dy[0];
	struct bc r = bcast(b, x, y);
	dx[0] = sum_reshape(b, g, r.rx, r.sx);
	tfc_output q = tfc__gb_op2(b, "FloorDiv", "floordiv", x, y);
	q = tfc__gb_op1(b, "Neg", "Neg", q);
	dx[1] = sum_reshape(b, tfc__gb_op2(b, "Mul", "mul", g, q), r.ry, r.sy);
}

/* x[..., :-2] of a shape vector: Slice(s, [0], [rank - 2]). */
static tfc_output batch_dims(struct tfc__gb *b, tfc_output s, int rank)
{
	int64_t zero = 0, len = rank - 2;
	tfc_output begin = tfc__gb_const_ivec(b, "begin", TFC_INT32, &zero, 1);
	tfc_output size = tfc__gb_const_ivec(b, "size", TFC_INT32, &len, 1);
	return tfc__gb_op3(b, "Slice", "Slice", s, begin, size);
}

static tfc_output bmm(struct tfc__gb *b, const char *type, tfc_output x, tfc_output y, bool ax,
		      bool ay)
{
	tfc_op_desc *d = tfc__gb_new(b, type, "MatMul");
	tfc__gb_input(b, d, x);
	tfc__gb_input(b, d, y);
	if (d) {
		tfc_op_set_attr_bool(d, "adj_x", ax);
		tfc_op_set_attr_bool(d, "adj_y", ay);
	}
	return tfc__gb_finish(b, d);
}

/* BatchMatMul and BatchMatMulV2 (real types: adjoint = transpose). V2 broadcasts
 * the batch dimensions: each gradient is summed over the ones its input lacks. */
static void batch_matmul_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			      tfc_output *dx)
{
	tfc_status *tmp = tfc_status_new();
	bool ax = tfc_operation_get_attr_bool(op, "adj_x", tmp);
	bool ay = tfc_operation_get_attr_bool(op, "adj_y", tmp);
	tfc_status_free(tmp);
	const char *type = op->type;
	tfc_output x = in(op, 0), y = in(op, 1), g = dy[0], gx, gy;
	if (!ax && !ay) {
		gx = bmm(b, type, g, y, false, true);
		gy = bmm(b, type, x, g, true, false);
	} else if (!ax && ay) {
		gx = bmm(b, type, g, y, false, false);
		gy = bmm(b, type, g, x, true, false);
	} else if (ax && !ay) {
		gx = bmm(b, type, y, g, false, true);
		gy = bmm(b, type, x, g, false, false);
	} else {
		gx = bmm(b, type, y, g, true, true);
		gy = bmm(b, type, g, x, true, true);
	}
	tfc_shape xs = tfc__gb_static_shape(x), ys = tfc__gb_static_shape(y);
	bool same = strcmp(type, "BatchMatMul") == 0;
	if (!same && tfc_shape_is_fully_defined(&xs) && tfc_shape_is_fully_defined(&ys) &&
	    xs.rank == ys.rank) {
		same = true;
		for (int i = 0; i < xs.rank - 2; i++)
			same = same && xs.dims[i] == ys.dims[i];
	}
	if (same) {
		dx[0] = gx;
		dx[1] = gy;
		return;
	}
	if (xs.rank < 2 || ys.rank < 2) {
		tfc_status_set(b->st, TFC_UNIMPLEMENTED,
			       "gradient of '%s': BatchMatMulV2 inputs of unknown rank", op->name);
		return;
	}
	tfc_output sx = tfc__gb_shape(b, "Shape", x), sy = tfc__gb_shape(b, "Shape", y);
	tfc_output bx = batch_dims(b, sx, xs.rank), by = batch_dims(b, sy, ys.rank);
	tfc_op_desc *d = tfc__gb_new(b, "BroadcastGradientArgs", "BroadcastGradientArgs");
	tfc__gb_input(b, d, bx);
	tfc__gb_input(b, d, by);
	tfc_operation *ra = tfc__gb_finish_op(b, d);
	dx[0] = sum_reshape(b, gx, (tfc_output){ra, 0}, sx);
	dx[1] = sum_reshape(b, gy, (tfc_output){ra, 1}, sy);
}

static void cumsum_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_status *tmp = tfc_status_new();
	bool excl = tfc_operation_get_attr_bool(op, "exclusive", tmp);
	bool rev = tfc_operation_get_attr_bool(op, "reverse", tmp);
	tfc_status_free(tmp);
	tfc_op_desc *d = tfc__gb_new(b, "Cumsum", "Cumsum");
	tfc__gb_input(b, d, dy[0]);
	tfc__gb_input(b, d, in(op, 1));
	if (d) {
		tfc_op_set_attr_bool(d, "exclusive", excl);
		tfc_op_set_attr_bool(d, "reverse", !rev);
	}
	dx[0] = tfc__gb_finish(b, d);
}

static void clip_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_output x = in(op, 0), y = in(op, 1), z = in(op, 2), g = dy[0];
	tfc_output sx = tfc__gb_shape(b, "Shape", x), sy = tfc__gb_shape(b, "Shape", y);
	tfc_output sz = tfc__gb_shape(b, "Shape", z), gs = tfc__gb_shape(b, "Shape", g);
	tfc_output zeros = tfc__gb_zeros(b, gs, tfc__gb_dtype(g));
	tfc_output xy = tfc__gb_op2(b, "Less", "Less", x, y);
	tfc_output xz = tfc__gb_op2(b, "Greater", "Greater", x, z);
	tfc_op_desc *d = tfc__gb_new(b, "BroadcastGradientArgs", "BroadcastGradientArgs");
	tfc__gb_input(b, d, sx);
	tfc__gb_input(b, d, sy);
	tfc_operation *r1 = tfc__gb_finish_op(b, d);
	d = tfc__gb_new(b, "BroadcastGradientArgs", "BroadcastGradientArgs");
	tfc__gb_input(b, d, sx);
	tfc__gb_input(b, d, sz);
	tfc_operation *r2 = tfc__gb_finish_op(b, d);
	tfc_output either = tfc__gb_op2(b, "LogicalOr", "LogicalOr", xy, xz);
	tfc_output xg = tfc__gb_op3(b, "Select", "Select", either, zeros, g);
	tfc_output yg = tfc__gb_op3(b, "Select", "Select", xy, g, zeros);
	tfc_output zg = tfc__gb_op3(b, "Select", "Select", xz, g, zeros);
	dx[0] = sum_reshape(b, xg, (tfc_output){r1, 0}, sx);
	dx[1] = sum_reshape(b, yg, (tfc_output){r1, 1}, sy);
	dx[2] = sum_reshape(b, zg, (tfc_output){r2, 1}, sz);
}

/* _ProdGrad for constant axes and a known rank: the permutation that brings the
 * reduced axes first is computed here, then the product of all other entries is
 * the exclusive cumulative product from the left times the one from the right. */
static void prod_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_output x = in(op, 0);
	tfc_shape xs = tfc__gb_static_shape(x);
	tfc_tensor *ax = tfc__gb_const_value(in(op, 1));
	if (!ax || xs.rank < 0) {
		tfc_tensor_free(ax);
		tfc_status_set(b->st, TFC_UNIMPLEMENTED,
			       "gradient of '%s': Prod needs constant axes and a known rank", op->name);
		return;
	}
	bool red[TFC_MAX_RANK] = {false};
	for (int64_t i = 0; i < tfc_tensor_num_elements(ax); i++) {
		int64_t a = tfc_tensor_dtype(ax) == TFC_INT64 ? ((int64_t *)tfc_tensor_data(ax))[i]
							      : ((int32_t *)tfc_tensor_data(ax))[i];
		if (a < 0)
			a += xs.rank;
		if (a >= 0 && a < xs.rank)
			red[a] = true;
	}
	tfc_tensor_free(ax);
	int64_t perm[TFC_MAX_RANK], inv[TFC_MAX_RANK], rlist[TFC_MAX_RANK], olist[TFC_MAX_RANK];
	int np = 0, nr = 0, no = 0;
	for (int i = 0; i < xs.rank; i++)
		if (red[i])
			perm[np++] = rlist[nr++] = i;
	for (int i = 0; i < xs.rank; i++)
		if (!red[i])
			perm[np++] = olist[no++] = i;
	for (int i = 0; i < np; i++)
		inv[perm[i]] = i;
	tfc_output g = sum_grad_value(b, op, dy[0]); /* grad tiled to the input's shape */
	tfc_output ishape = tfc__gb_shape(b, "Shape", x);
	tfc_output pc = tfc__gb_const_ivec(b, "perm", TFC_INT32, perm, np);
	tfc_output permuted = tfc__gb_op2(b, "Transpose", "transpose", x, pc);
	tfc_output pshape = tfc__gb_shape(b, "Shape", permuted);
	/* (reduced_num, other_num) = prod of the gathered dims */
	int64_t zero = 0;
	tfc_output ri = tfc__gb_const_ivec(b, "reduced", TFC_INT32, rlist, nr);
	tfc_output oi = tfc__gb_const_ivec(b, "other", TFC_INT32, olist, no);
	tfc_output ax0 = tfc__gb_const_ivec(b, "Const", TFC_INT32, &zero, 1);
	tfc_output rn = tfc__gb_op2(b, "Prod", "Prod", tfc__gb_op2(b, "Gather", "Gather", ishape, ri), ax0);
	tfc_output on = tfc__gb_op2(b, "Prod", "Prod", tfc__gb_op2(b, "Gather", "Gather", ishape, oi), ax0);
	tfc_op_desc *d = tfc__gb_new(b, "Pack", "Reshape/shape");
	tfc_output nums[2] = {rn, on};
	if (d && rn.oper && on.oper)
		tfc_op_add_input_list(d, nums, 2);
	tfc_output rs = tfc__gb_finish(b, d);
	tfc_output reshaped = tfc__gb_op2(b, "Reshape", "Reshape", permuted, rs);
	tfc_output cp[2];
	for (int k = 0; k < 2; k++) {
		d = tfc__gb_new(b, "Cumprod", "Cumprod");
		tfc__gb_input(b, d, reshaped);
		tfc__gb_input(b, d, tfc__gb_const_scalar(b, "Cumprod/axis", TFC_INT32, 0));
		if (d) {
			tfc_op_set_attr_bool(d, "exclusive", true);
			tfc_op_set_attr_bool(d, "reverse", k == 1);
		}
		cp[k] = tfc__gb_finish(b, d);
	}
	tfc_output yv = tfc__gb_op2(b, "Reshape", "Reshape", tfc__gb_op2(b, "Mul", "mul", cp[0], cp[1]),
				    pshape);
	tfc_output ic = tfc__gb_const_ivec(b, "inverse_perm", TFC_INT32, inv, np);
	tfc_output back = tfc__gb_op2(b, "Transpose", "transpose", yv, ic);
	tfc_output prod = tfc__gb_op2(b, "Mul", "mul", g, back);
	dx[0] = tfc__gb_op2(b, "Reshape", "Reshape", prod, ishape);
}

/* ---- the table */

const struct tfc__grad_def tfc__grad_math_defs[] = {
	{"Add", add_grad},
	{"AddV2", add_grad},
	{"Sub", sub_grad},
	{"Mul", mul_grad},
	{"RealDiv", realdiv_grad},
	{"Div", div_grad},
	{"DivNoNan", divnonan_grad},
	{"Maximum", maximum_grad},
	{"Minimum", minimum_grad},
	{"SquaredDifference", sqdiff_grad},
	{"Pow", pow_grad},
	{"Identity", identity_grad},
	{"Snapshot", identity_grad},
	{"PlaceholderWithDefault", identity_grad},
	{"Neg", neg_grad},
	{"Square", square_grad},
	{"Sqrt", sqrt_grad},
	{"Rsqrt", rsqrt_grad},
	{"Reciprocal", reciprocal_grad},
	{"Inv", inv_grad},
	{"Tanh", tanh_grad},
	{"Sigmoid", sigmoid_grad},
	{"Exp", exp_grad},
	{"Expm1", expm1_grad},
	{"Log", log_grad},
	{"Log1p", log1p_grad},
	{"Abs", abs_grad},
	{"Sin", sin_grad},
	{"Cos", cos_grad},
	{"Sign", sign_grad},
	{"Cast", cast_grad},
	{"AddN", addn_grad},
	{"MatMul", matmul_grad},
	{"BatchMatMul", batch_matmul_grad},
	{"BatchMatMulV2", batch_matmul_grad},
	{"Tan", tan_grad},
	{"FloorMod", floormod_grad},
	{"Sum", sum_grad},
	{"Mean", mean_grad},
	{"Max", minmax_grad},
	{"Prod", prod_grad},
	{"Cumsum", cumsum_grad},
	{"ClipByValue", clip_grad},
	{"Min", minmax_grad},
	/* not differentiable (ops.NotDifferentiable) */
	{"Floor", NULL},
	{"Ceil", NULL},
	{"Round", NULL},
	{"Rint", NULL},
	{"FloorDiv", NULL},
	{"TruncateDiv", NULL},
	{"Equal", NULL},
	{"NotEqual", NULL},
	{"Less", NULL},
	{"LessEqual", NULL},
	{"Greater", NULL},
	{"GreaterEqual", NULL},
	{"LogicalAnd", NULL},
	{"LogicalOr", NULL},
	{"LogicalNot", NULL},
	{"IsFinite", NULL},
	{"IsNan", NULL},
	{"IsInf", NULL},
	{"ArgMax", NULL},
	{"ArgMin", NULL},
	{"Range", NULL},
	{"RandomUniform", NULL},
	{"RandomUniformInt", NULL},
	{"RandomStandardNormal", NULL},
	{"TruncatedNormal", NULL},
	{"Assign", NULL},
	{"AssignAdd", NULL},
	{"AssignSub", NULL},
	{NULL, NULL},
};
