/*
 * nn_ops.c: registry records of TensorFlow's neural-network ops: BiasAdd, 2-D
 * convolutions (plain and depthwise) and pooling with their gradients, activations
 * (Relu, Relu6, Elu, Selu, Softplus, Softsign, LeakyRelu) with their gradients,
 * Softmax and the cross-entropy losses, L2Loss, fused batch normalization (V1-V3 and
 * gradients) and top-k. Signatures follow TensorFlow's OpDefs exactly (see ops.h).
 */
#include "ops.h"
#include "shape_fns.h"

#define DATA_FORMAT "data_format: {'NHWC', 'NCHW'} = 'NHWC'"
#define CONV_ATTRS(types)                                                                   \
	"T: {" types "}; strides: list(int); use_cudnn_on_gpu: bool = true; "               \
	"padding: {'SAME', 'VALID', 'EXPLICIT'}; explicit_paddings: list(int) = []; "       \
	DATA_FORMAT "; dilations: list(int) = [1, 1, 1, 1]"
#define DEPTHWISE_ATTRS                                                                     \
	"T: {" TFC_OPS_FLOATS_H "}; strides: list(int); padding: {'SAME', 'VALID'}; "       \
	DATA_FORMAT "; dilations: list(int) = [1, 1, 1, 1]"
#define POOL_WINDOW "ksize: list(int) >= 4; strides: list(int) >= 4; padding: {'SAME', 'VALID'}"
#define MAX_POOL_TYPES                                                                      \
	"half, bfloat16, float, double, int32, int64, uint8, int16, int8, uint16, qint8"
#define BN_ATTRS "epsilon: float = 0.0001; " DATA_FORMAT "; is_training: bool = true"

/* An activation "features: T" -> "activations: T". */
#define ACTIVATION(op, types)                                                               \
	{ .name = op, .inputs = "features: T", .outputs = "activations: T",                 \
	  .attrs = "T: {" types "}", .shape_fn = tfc__shape_unchanged }
/* Its gradient "gradients: T; <second>: T" -> "backprops: T". */
#define ACTIVATION_GRAD(op, second, types)                                                  \
	{ .name = op, .inputs = "gradients: T; " second ": T", .outputs = "backprops: T",   \
	  .attrs = "T: {" types "}", .shape_fn = tfc__shape_merge_all }

const struct tfc_op_record tfc__nn_ops[] = {
	{ .name = "BiasAdd",
	  .inputs = "value: T; bias: T",
	  .outputs = "output: T",
	  .attrs = "T: {" TFC_OPS_NUMBER "}; " DATA_FORMAT,
	  .shape_fn = tfc__shape_bias_add },
	{ .name = "BiasAddV1",
	  .inputs = "value: T; bias: T",
	  .outputs = "output: T",
	  .attrs = "T: {" TFC_OPS_NUMBER "}",
	  .shape_fn = tfc__shape_bias_add },
	{ .name = "BiasAddGrad",
	  .inputs = "out_backprop: T",
	  .outputs = "output: T",
	  .attrs = "T: {" TFC_OPS_NUMBER "}; " DATA_FORMAT,
	  .shape_fn = tfc__shape_bias_add_grad },

	/* convolutions */
	{ .name = "Conv2D",
	  .inputs = "input: T; filter: T",
	  .outputs = "output: T",
	  .attrs = CONV_ATTRS("half, bfloat16, float, double, int32"),
	  .shape_fn = tfc__shape_conv2d },
	{ .name = "Conv2DBackpropInput",
	  .inputs = "input_sizes: int32; filter: T; out_backprop: T",
	  .outputs = "output: T",
	  .attrs = CONV_ATTRS("half, bfloat16, float, double, int32"),
	  .shape_fn = tfc__shape_conv2d_backprop_input },
	{ .name = "Conv2DBackpropFilter",
	  .inputs = "input: T; filter_sizes: int32; out_backprop: T",
	  .outputs = "output: T",
	  .attrs = CONV_ATTRS(TFC_OPS_FLOATS_H),
	  .shape_fn = tfc__shape_conv2d_backprop_filter },
	{ .name = "DepthwiseConv2dNative",
	  .inputs = "input: T; filter: T",
	  .outputs = "output: T",
	  .attrs = DEPTHWISE_ATTRS,
	  .shape_fn = tfc__shape_depthwise_conv2d },
	{ .name = "DepthwiseConv2dNativeBackpropInput",
	  .inputs = "input_sizes: int32; filter: T; out_backprop: T",
	  .outputs = "output: T",
	  .attrs = DEPTHWISE_ATTRS,
	  .shape_fn = tfc__shape_conv2d_backprop_input },
	{ .name = "DepthwiseConv2dNativeBackpropFilter",
	  .inputs = "input: T; filter_sizes: int32; out_backprop: T",
	  .outputs = "output: T",
	  .attrs = DEPTHWISE_ATTRS,
	  .shape_fn = tfc__shape_conv2d_backprop_filter },

	/* pooling */
	{ .name = "MaxPool",
	  .inputs = "input: T",
	  .outputs = "output: T",
	  .attrs = "T: {" MAX_POOL_TYPES "} = float; " POOL_WINDOW "; "
		   "data_format: {'NHWC', 'NCHW', 'NCHW_VECT_C'} = 'NHWC'",
	  .shape_fn = tfc__shape_pool },
	{ .name = "MaxPoolV2",
	  .inputs = "input: T; ksize: int32; strides: int32",
	  .outputs = "output: T",
	  .attrs = "T: {" MAX_POOL_TYPES "} = float; padding: {'SAME', 'VALID'}; "
		   "data_format: {'NHWC', 'NCHW', 'NCHW_VECT_C'} = 'NHWC'",
	  .shape_fn = tfc__shape_pool_v2 },
	{ .name = "MaxPoolGrad",
	  .inputs = "orig_input: T; orig_output: T; grad: T",
	  .outputs = "output: T",
	  .attrs = POOL_WINDOW "; " DATA_FORMAT "; T: {" TFC_OPS_REAL "} = float",
	  .shape_fn = tfc__shape_unchanged },
	{ .name = "MaxPoolGradV2",
	  .inputs = "orig_input: T; orig_output: T; grad: T; ksize: int32; strides: int32",
	  .outputs = "output: T",
	  .attrs = "padding: {'SAME', 'VALID'}; " DATA_FORMAT "; T: {" TFC_OPS_REAL "} = float",
	  .shape_fn = tfc__shape_unchanged },
	{ .name = "AvgPool",
	  .inputs = "value: T",
	  .outputs = "output: T",
	  .attrs = POOL_WINDOW "; " DATA_FORMAT "; T: {" TFC_OPS_FLOATS_H "}",
	  .shape_fn = tfc__shape_pool },
	{ .name = "AvgPoolGrad",
	  .inputs = "orig_input_shape: int32; grad: T",
	  .outputs = "output: T",
	  .attrs = POOL_WINDOW "; " DATA_FORMAT "; T: {" TFC_OPS_FLOATS_H "}",
	  .shape_fn = tfc__shape_avg_pool_grad },

	/* activations */
	ACTIVATION("Relu", TFC_OPS_REAL ", qint8"),
	ACTIVATION_GRAD("ReluGrad", "features", TFC_OPS_REAL),
	ACTIVATION("Relu6", TFC_OPS_REAL),
	ACTIVATION_GRAD("Relu6Grad", "features", TFC_OPS_REAL),
	ACTIVATION("Elu", TFC_OPS_FLOATS_H),
	ACTIVATION_GRAD("EluGrad", "outputs", TFC_OPS_FLOATS_H),
	ACTIVATION("Selu", TFC_OPS_FLOATS_H),
	ACTIVATION_GRAD("SeluGrad", "outputs", TFC_OPS_FLOATS_H),
	ACTIVATION("Softplus", TFC_OPS_FLOATS_H),
	ACTIVATION_GRAD("SoftplusGrad", "features", TFC_OPS_FLOATS_H),
	ACTIVATION("Softsign", TFC_OPS_FLOATS_H),
	ACTIVATION_GRAD("SoftsignGrad", "features", TFC_OPS_FLOATS_H),
	{ .name = "LeakyRelu",
	  .inputs = "features: T",
	  .outputs = "activations: T",
	  .attrs = "alpha: float = 0.2; T: {" TFC_OPS_FLOATS_H "} = float",
	  .shape_fn = tfc__shape_unchanged },
	{ .name = "LeakyReluGrad",
	  .inputs = "gradients: T; features: T",
	  .outputs = "backprops: T",
	  .attrs = "alpha: float = 0.2; T: {" TFC_OPS_FLOATS_H "} = float",
	  .shape_fn = tfc__shape_merge_all },

	/* softmax and losses */
	{ .name = "Softmax", .inputs = "logits: T", .outputs = "softmax: T",
	  .attrs = "T: {" TFC_OPS_FLOATS_H "}", .shape_fn = tfc__shape_softmax },
	{ .name = "LogSoftmax", .inputs = "logits: T", .outputs = "logsoftmax: T",
	  .attrs = "T: {" TFC_OPS_FLOATS_H "}", .shape_fn = tfc__shape_softmax },
	{ .name = "SoftmaxCrossEntropyWithLogits",
	  .inputs = "features: T; labels: T",
	  .outputs = "loss: T; backprop: T",
	  .attrs = "T: {" TFC_OPS_FLOATS_H "}",
	  .shape_fn = tfc__shape_softmax_xent },
	{ .name = "SparseSoftmaxCrossEntropyWithLogits",
	  .inputs = "features: T; labels: Tlabels",
	  .outputs = "loss: T; backprop: T",
	  .attrs = "T: {" TFC_OPS_FLOATS_H "}; Tlabels: {int32, int64} = int64",
	  .shape_fn = tfc__shape_sparse_softmax_xent },
	{ .name = "L2Loss", .inputs = "t: T", .outputs = "output: T",
	  .attrs = "T: {" TFC_OPS_FLOATS_H "}", .shape_fn = tfc__shape_scalar },

	/* batch normalization */
	{ .name = "FusedBatchNorm",
	  .inputs = "x: T; scale: T; offset: T; mean: T; variance: T",
	  .outputs = "y: T; batch_mean: T; batch_variance: T; reserve_space_1: T; "
		     "reserve_space_2: T",
	  .attrs = "T: {float}; " BN_ATTRS,
	  .shape_fn = tfc__shape_fused_batch_norm },
	{ .name = "FusedBatchNormV2",
	  .inputs = "x: T; scale: U; offset: U; mean: U; variance: U",
	  .outputs = "y: T; batch_mean: U; batch_variance: U; reserve_space_1: U; "
		     "reserve_space_2: U",
	  .attrs = "T: {half, bfloat16, float}; U: {float}; " BN_ATTRS,
	  .shape_fn = tfc__shape_fused_batch_norm },
	{ .name = "FusedBatchNormV3",
	  .inputs = "x: T; scale: U; offset: U; mean: U; variance: U",
	  .outputs = "y: T; batch_mean: U; batch_variance: U; reserve_space_1: U; "
		     "reserve_space_2: U; reserve_space_3: U",
	  .attrs = "T: {half, bfloat16, float}; U: {float}; " BN_ATTRS,
	  .shape_fn = tfc__shape_fused_batch_norm },
	{ .name = "FusedBatchNormGrad",
	  .inputs = "y_backprop: T; x: T; scale: T; reserve_space_1: T; reserve_space_2: T",
	  .outputs = "x_backprop: T; scale_backprop: T; offset_backprop: T; "
		     "reserve_space_3: T; reserve_space_4: T",
	  .attrs = "T: {float}; " BN_ATTRS,
	  .shape_fn = tfc__shape_fused_batch_norm_grad },
	{ .name = "FusedBatchNormGradV2",
	  .inputs = "y_backprop: T; x: T; scale: float; reserve_space_1: U; reserve_space_2: U",
	  .outputs = "x_backprop: T; scale_backprop: U; offset_backprop: U; "
		     "reserve_space_3: U; reserve_space_4: U",
	  .attrs = "T: {half, bfloat16, float}; U: {float}; " BN_ATTRS,
	  .shape_fn = tfc__shape_fused_batch_norm_grad },
	{ .name = "FusedBatchNormGradV3",
	  .inputs = "y_backprop: T; x: T; scale: float; reserve_space_1: U; reserve_space_2: U; "
		    "reserve_space_3: U",
	  .outputs = "x_backprop: T; scale_backprop: U; offset_backprop: U; "
		     "reserve_space_4: U; reserve_space_5: U",
	  .attrs = "T: {half, bfloat16, float}; U: {float}; " BN_ATTRS,
	  .shape_fn = tfc__shape_fused_batch_norm_grad },

	/* local response normalization */
	{ .name = "LRN",
	  .inputs = "input: T",
	  .outputs = "output: T",
	  .attrs = "depth_radius: int = 5; bias: float = 1; alpha: float = 1; beta: float = 0.5; "
		   "T: {half, bfloat16, float} = float",
	  .shape_fn = tfc__shape_unchanged },
	{ .name = "LRNGrad",
	  .inputs = "input_grads: T; input_image: T; output_image: T",
	  .outputs = "output: T",
	  .attrs = "depth_radius: int = 5; bias: float = 1; alpha: float = 1; beta: float = 0.5; "
		   "T: {half, bfloat16, float} = float",
	  .shape_fn = tfc__shape_merge_all },

	/* top-k */
	{ .name = "TopKV2",
	  .inputs = "input: T; k: int32",
	  .outputs = "values: T; indices: int32",
	  .attrs = "sorted: bool = true; T: {" TFC_OPS_REAL "}",
	  .shape_fn = tfc__shape_top_k },
	{ .name = "InTopKV2",
	  .inputs = "predictions: float; targets: T; k: T",
	  .outputs = "precision: bool",
	  .attrs = "T: {int32, int64} = int32",
	  .shape_fn = tfc__shape_in_top_k },
	{ 0 },
};
