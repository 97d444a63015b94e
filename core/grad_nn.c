/*
 * grad_nn.c: gradient functions of the neural-network ops (TensorFlow's nn_grad.py):
 * BiasAdd, the activations (Relu, Relu6, Elu, Selu, Softplus, Softsign, LeakyRelu),
 * Softmax, LogSoftmax, the two softmax cross entropies, L2Loss, Conv2D,
 * DepthwiseConv2dNative, MaxPool and AvgPool. Registered as data in
 * tfc__grad_nn_defs, with TensorFlow's op names.
 */
#include "grad_internal.h"

static tfc_output in(const tfc_operation *op, int i) { return op->inputs[i]; }
static tfc_output out(tfc_operation *op, int i) { return (tfc_output){op, i}; }

/* Copies attr `name` of op onto d when op has it. */
static void copy_attr(struct tfc__gb *b, tfc_op_desc *d, const tfc_operation *op, const char *name)
{
	if (!d || !tfc_operation_has_attr(op, name))
		return;
	tfc_buffer_t *v = tfc_operation_get_attr_value_proto(op, name, b->st);
	if (v)
		tfc_op_set_attr_value_proto(d, name, v->data, v->length, b->st);
	tfc_buffer_free(v);
}

static void copy_attrs(struct tfc__gb *b, tfc_op_desc *d, const tfc_operation *op,
		       const char *const *names)
{
	for (int i = 0; names[i]; i++)
		copy_attr(b, d, op, names[i]);
}

static void bias_add_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			  tfc_output *dx)
{
	dx[0] = dy[0];
	tfc_op_desc *d = tfc__gb_new(b, "BiasAddGrad", "BiasAddGrad");
	tfc__gb_input(b, d, dy[0]);
	copy_attr(b, d, op, "data_format");
	dx[1] = tfc__gb_finish(b, d);
}

/* "XGrad(gradients, features-or-outputs)" activations. */
static void act(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx,
		const char *type, bool use_output)
{
	tfc_op_desc *d = tfc__gb_new(b, type, type);
	tfc__gb_input(b, d, dy[0]);
	tfc__gb_input(b, d, use_output ? out(op, 0) : in(op, 0));
	copy_attr(b, d, op, "alpha");
	dx[0] = tfc__gb_finish(b, d);
}

static void relu_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	act(b, op, dy, dx, "ReluGrad", true);
}

static void relu6_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	act(b, op, dy, dx, "Relu6Grad", true);
}

static void elu_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	act(b, op, dy, dx, "EluGrad", true);
}

static void selu_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	act(b, op, dy, dx, "SeluGrad", true);
}

static void softplus_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			  tfc_output *dx)
{
	act(b, op, dy, dx, "SoftplusGrad", false);
}

static void softsign_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			  tfc_output *dx)
{
	act(b, op, dy, dx, "SoftsignGrad", false);
}

static void leaky_relu_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			    tfc_output *dx)
{
	act(b, op, dy, dx, "LeakyReluGrad", false);
}

static void softmax_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_output sm = out(op, 0);
	int64_t last = -1;
	tfc_output t = tfc__gb_op2(b, "Mul", "mul", dy[0], sm);
	tfc_output s = tfc__gb_sum_axes(b, "Sum", t, &last, 1, true);
	tfc_output d = tfc__gb_op2(b, "Sub", "sub", dy[0], s);
	dx[0] = tfc__gb_op2(b, "Mul", "mul", d, sm);
}

static void log_softmax_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			     tfc_output *dx)
{
	int64_t last = -1;
	tfc_output sm = tfc__gb_op1(b, "Exp", "Exp", out(op, 0));
	tfc_output s = tfc__gb_sum_axes(b, "Sum", dy[0], &last, 1, true);
	tfc_output m = tfc__gb_op2(b, "Mul", "mul", s, sm);
	dx[0] = tfc__gb_op2(b, "Sub", "sub", dy[0], m);
}

/* _BroadcastMul(vec, mat): expand_dims(vec, -1) * mat */
static tfc_output bmul(struct tfc__gb *b, tfc_output vec, tfc_output mat)
{
	tfc_output e = tfc__gb_expand_dims(b, "ExpandDims", vec, -1);
	return tfc__gb_op2(b, "Mul", "mul", e, mat);
}

static bool is_zero(tfc_output g)
{
	if (!g.oper)
		return true;
	const char *t = tfc_operation_type(g.oper);
	if (strcmp(t, "ZerosLike") == 0)
		return true;
	tfc_tensor *v = tfc__gb_const_value(g);
	if (!v)
		return false;
	bool zero = true;
	const unsigned char *p = tfc_tensor_data(v);
	for (size_t i = 0; i < tfc_tensor_byte_size(v) && zero; i++)
		zero = p[i] == 0;
	tfc_tensor_free(v);
	return zero;
}

static void sce_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_output logits = in(op, 0);
	tfc_output grad = bmul(b, dy[0], out(op, 1));
	if (!is_zero(dy[1])) {
		tfc_output sm = tfc__gb_op1(b, "Softmax", "Softmax", logits);
		tfc_output e1 = tfc__gb_expand_dims(b, "ExpandDims", dy[1], 1);
		tfc_output e2 = tfc__gb_expand_dims(b, "ExpandDims", sm, 2);
		tfc_output mm = tfc__gb_op2(b, "BatchMatMulV2", "MatMul", e1, e2);
		tfc_op_desc *d = tfc__gb_new(b, "Squeeze", "Squeeze");
		tfc__gb_input(b, d, mm);
		if (d)
			tfc_op_set_attr_int_list(d, "squeeze_dims", (int64_t[]){1}, 1);
		tfc_output sq = tfc__gb_finish(b, d);
		tfc_output t = tfc__gb_op2(b, "Sub", "sub", dy[1], sq);
		t = tfc__gb_op2(b, "Mul", "mul", t, sm);
		grad = tfc__gb_op2(b, "Add", "add", grad, t);
	}
	dx[0] = grad;
	tfc_output ls = tfc__gb_op1(b, "LogSoftmax", "LogSoftmax", logits);
	tfc_output nl = tfc__gb_op1(b, "Neg", "Neg", ls);
	dx[1] = bmul(b, dy[0], nl);
}

static void sparse_sce_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			    tfc_output *dx)
{
	static const char msg[] =
		"Currently there is no way to take the second derivative of "
		"sparse_softmax_cross_entropy_with_logits due to the fused implementation's "
		"interaction with tf.gradients()";
	tfc_op_desc *d = tfc__gb_new(b, "PreventGradient", "PreventGradient");
	tfc__gb_input(b, d, out(op, 1));
	if (d)
		tfc_op_set_attr_string(d, "message", msg, sizeof(msg) - 1);
	tfc_output pg = tfc__gb_finish(b, d);
	dx[0] = bmul(b, dy[0], pg);
}

static void l2loss_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	dx[0] = tfc__gb_op2(b, "Mul", "mul", in(op, 0), dy[0]);
}

static const char *const conv_attrs[] = {"strides", "padding", "explicit_paddings", "dilations",
					 "data_format", "use_cudnn_on_gpu", NULL};

static void conv2d_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	tfc_op_desc *d = tfc__gb_new(b, "ShapeN", "ShapeN");
	tfc_output xs[2] = {in(op, 0), in(op, 1)};
	if (d)
		tfc_op_add_input_list(d, xs, 2);
	tfc_operation *sn = tfc__gb_finish_op(b, d);
	d = tfc__gb_new(b, "Conv2DBackpropInput", "Conv2DBackpropInput");
	tfc__gb_input(b, d, (tfc_output){sn, 0});
	tfc__gb_input(b, d, in(op, 1));
	tfc__gb_input(b, d, dy[0]);
	copy_attrs(b, d, op, conv_attrs);
	dx[0] = tfc__gb_finish(b, d);
	d = tfc__gb_new(b, "Conv2DBackpropFilter", "Conv2DBackpropFilter");
	tfc__gb_input(b, d, in(op, 0));
	tfc__gb_input(b, d, (tfc_output){sn, 1});
	tfc__gb_input(b, d, dy[0]);
	copy_attrs(b, d, op, conv_attrs);
	dx[1] = tfc__gb_finish(b, d);
}

static void depthwise_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			   tfc_output *dx)
{
	static const char *const attrs[] = {"strides", "padding", "explicit_paddings", "dilations",
					    "data_format", NULL};
	tfc_output s0 = tfc__gb_shape(b, "Shape", in(op, 0));
	tfc_op_desc *d = tfc__gb_new(b, "DepthwiseConv2dNativeBackpropInput",
				     "DepthwiseConv2dNativeBackpropInput");
	tfc__gb_input(b, d, s0);
	tfc__gb_input(b, d, in(op, 1));
	tfc__gb_input(b, d, dy[0]);
	copy_attrs(b, d, op, attrs);
	dx[0] = tfc__gb_finish(b, d);
	tfc_output s1 = tfc__gb_shape(b, "Shape", in(op, 1));
	d = tfc__gb_new(b, "DepthwiseConv2dNativeBackpropFilter",
			"DepthwiseConv2dNativeBackpropFilter");
	tfc__gb_input(b, d, in(op, 0));
	tfc__gb_input(b, d, s1);
	tfc__gb_input(b, d, dy[0]);
	copy_attrs(b, d, op, attrs);
	dx[1] = tfc__gb_finish(b, d);
}

static const char *const pool_attrs[] = {"ksize", "strides", "padding", "data_format", NULL};

static void max_pool_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			  tfc_output *dx)
{
	tfc_op_desc *d = tfc__gb_new(b, "MaxPoolGrad", "MaxPoolGrad");
	tfc__gb_input(b, d, in(op, 0));
	tfc__gb_input(b, d, out(op, 0));
	tfc__gb_input(b, d, dy[0]);
	copy_attrs(b, d, op, pool_attrs);
	dx[0] = tfc__gb_finish(b, d);
}

static void avg_pool_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			  tfc_output *dx)
{
	tfc_output s = tfc__gb_shape(b, "Shape", in(op, 0));
	tfc_op_desc *d = tfc__gb_new(b, "AvgPoolGrad", "AvgPoolGrad");
	tfc__gb_input(b, d, s);
	tfc__gb_input(b, d, dy[0]);
	copy_attrs(b, d, op, pool_attrs);
	dx[0] = tfc__gb_finish(b, d);
}

/* FusedBatchNorm, V2, V3: FusedBatchNormGrad[V2|V3](dy, x, scale, reserve spaces);
 * in inference mode the population mean and variance stand for the reserve spaces
 * (NHWC only, as TensorFlow transposes NCHW first). */
static void fused_bn_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			  tfc_output *dx)
{
	static const char *const attrs[] = {"epsilon", "data_format", "is_training", NULL};
	const char *type = op->type;
	const char *gtype = strcmp(type, "FusedBatchNormV3") == 0 ? "FusedBatchNormGradV3"
			    : strcmp(type, "FusedBatchNormV2") == 0 ? "FusedBatchNormGradV2"
								     : "FusedBatchNormGrad";
	tfc_status *tmp = tfc_status_new();
	bool training = tfc_operation_get_attr_bool(op, "is_training", tmp);
	if (tfc_status_code(tmp) != TFC_OK)
		training = true;
	size_t n = 0;
	const char *df = tfc_operation_get_attr_string(op, "data_format", &n, tmp);
	bool nchw = df && n == 4 && memcmp(df, "NCHW", 4) == 0;
	tfc_status_free(tmp);
	if (!training && nchw) {
		tfc_status_set(b->st, TFC_UNIMPLEMENTED,
			       "gradient of '%s': FusedBatchNorm in inference mode with NCHW",
			       op->name);
		return;
	}
	tfc_op_desc *d = tfc__gb_new(b, gtype, gtype);
	tfc__gb_input(b, d, dy[0]);
	tfc__gb_input(b, d, in(op, 0));
	tfc__gb_input(b, d, in(op, 1));
	tfc__gb_input(b, d, training ? out(op, 3) : in(op, 3));
	tfc__gb_input(b, d, training ? out(op, 4) : in(op, 4));
	if (strcmp(gtype, "FusedBatchNormGradV3") == 0)
		tfc__gb_input(b, d, out(op, 5));
	copy_attrs(b, d, op, attrs);
	tfc_operation *g = tfc__gb_finish_op(b, d);
	if (!g)
		return;
	dx[0] = (tfc_output){g, 0};
	dx[1] = (tfc_output){g, 1};
	dx[2] = (tfc_output){g, 2};
}

static void max_pool_v2_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			     tfc_output *dx)
{
	static const char *const attrs[] = {"padding", "data_format", NULL};
	tfc_op_desc *d = tfc__gb_new(b, "MaxPoolGradV2", "MaxPoolGradV2");
	tfc__gb_input(b, d, in(op, 0));
	tfc__gb_input(b, d, out(op, 0));
	tfc__gb_input(b, d, dy[0]);
	tfc__gb_input(b, d, in(op, 1));
	tfc__gb_input(b, d, in(op, 2));
	copy_attrs(b, d, op, attrs);
	dx[0] = tfc__gb_finish(b, d);
}

static void lrn_grad(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy, tfc_output *dx)
{
	static const char *const attrs[] = {"depth_radius", "bias", "alpha", "beta", NULL};
	tfc_op_desc *d = tfc__gb_new(b, "LRNGrad", "LRNGrad");
	tfc__gb_input(b, d, dy[0]);
	tfc__gb_input(b, d, in(op, 0));
	tfc__gb_input(b, d, out(op, 0));
	copy_attrs(b, d, op, attrs);
	dx[0] = tfc__gb_finish(b, d);
}

const struct tfc__grad_def tfc__grad_nn_defs[] = {
	{"MaxPoolV2", max_pool_v2_grad},
	{"LRN", lrn_grad},
	{"FusedBatchNorm", fused_bn_grad},
	{"FusedBatchNormV2", fused_bn_grad},
	{"FusedBatchNormV3", fused_bn_grad},
	{"BiasAdd", bias_add_grad},
	{"BiasAddV1", bias_add_grad},
	{"Relu", relu_grad},
	{"Relu6", relu6_grad},
	{"Elu", elu_grad},
	{"Selu", selu_grad},
	{"Softplus", softplus_grad},
	{"Softsign", softsign_grad},
	{"LeakyRelu", leaky_relu_grad},
	{"Softmax", softmax_grad},
	{"LogSoftmax", log_softmax_grad},
	{"SoftmaxCrossEntropyWithLogits", sce_grad},
	{"SparseSoftmaxCrossEntropyWithLogits", sparse_sce_grad},
	{"L2Loss", l2loss_grad},
	{"Conv2D", conv2d_grad},
	{"DepthwiseConv2dNative", depthwise_grad},
	{"MaxPool", max_pool_grad},
	{"AvgPool", avg_pool_grad},
	{NULL, NULL},
};
