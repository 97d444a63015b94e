/*
 * cwise_gpu.c: the GPU kernel records (op, "GPU") of element-wise unary ops and the
 * Relu family, broadcasting binaries, the activations' gradients (ReluGrad, Relu6Grad,
 * EluGrad, SeluGrad, SoftplusGrad, SigmoidGrad, TanhGrad, SqrtGrad, RsqrtGrad,
 * ReciprocalGrad/InvGrad), reductions, Softmax/LogSoftmax and BiasAdd, for
 * float and double; Log1p, Expm1, Floor, Ceil, Round, Sign, Sin, Cos, Pow, FloorDiv,
 * FloorMod (floats) and LogicalNot, LogicalAnd, LogicalOr (bool); the MatMuls are in cuda/matmul_gpu.c,
 * the device code in cuda/cwise_kernels.cu. Each kernel takes its inputs where they
 * are (uploading host ones, gpu_internal.h), launches on the compute stream and
 * leaves its output in the GPU's memory. Host-memory inputs (a reduction's axes) are read where they are, on the
 * host, as TensorFlow keeps them.
 */
#include "broadcast.h"
#include "gpu_internal.h"

/* 0 float, 1 double, -1 otherwise. */
/* The launchers' element type of x for op: the logical ops take bool (2) only, the
 * others float (0) and double (1); -1 otherwise. */
static bool logical(const char *op) { return !strncmp(op, "Logical", 7); }

static int cwise_dtype(const char *op, tfc_dtype x)
{
	if (logical(op))
		return x == TFC_BOOL ? 2 : -1;
	return tfc__gpu_ftype(x);
}

/* The logical ops (bool, no T attr). */
static bool supports_logical(const tfc_operation *op)
{
	(void)op;
	return true;
}

/* Nodes whose "T" is float or double. */
static bool supports_float_t(const tfc_operation *op)
{
	return tfc__gpu_ftype(tfc_kernel_attr_type(op, "T")) >= 0;
}

/* ---- unary */

static const struct {
	const char *op;
	enum tfc__gpu_unary u;
} unary_ops[] = {
	{"Neg", TFC_GU_NEG},          {"Abs", TFC_GU_ABS},         {"Square", TFC_GU_SQUARE},
	{"Sqrt", TFC_GU_SQRT},        {"Rsqrt", TFC_GU_RSQRT},     {"Exp", TFC_GU_EXP},
	{"Log", TFC_GU_LOG},          {"Tanh", TFC_GU_TANH},       {"Sigmoid", TFC_GU_SIGMOID},
	{"Relu", TFC_GU_RELU},        {"Relu6", TFC_GU_RELU6},     {"Elu", TFC_GU_ELU},
	{"Selu", TFC_GU_SELU},        {"Softplus", TFC_GU_SOFTPLUS}, {"LeakyRelu", TFC_GU_LEAKY_RELU},
	{"Reciprocal", TFC_GU_RECIPROCAL}, {"Inv", TFC_GU_RECIPROCAL},
	{"Log1p", TFC_GU_LOG1P},      {"Expm1", TFC_GU_EXPM1},     {"Floor", TFC_GU_FLOOR},
	{"Ceil", TFC_GU_CEIL},        {"Round", TFC_GU_ROUND},     {"Sign", TFC_GU_SIGN},
	{"Sin", TFC_GU_SIN},          {"Cos", TFC_GU_COS},         {"LogicalNot", TFC_GU_LOGICAL_NOT},
};

static int unary_of(const char *op)
{
	for (size_t i = 0; i < TFC_ARRAY_LEN(unary_ops); i++)
		if (!strcmp(unary_ops[i].op, op))
			return (int)unary_ops[i].u;
	return -1;
}

static void unary_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 1, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	int dt = cwise_dtype(ctx->op->type, x->dtype);
	if (dt < 0) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "No GPU kernel for %s of %s", ctx->op->type,
				 tfc_dtype_name(x->dtype));
		return;
	}
	tfc_tensor *y = tfc__gpu_alloc_output(ctx, 0, x->dtype, x->shape.dims, x->shape.rank);
	void *dx = y ? tfc__gpu_upload(ctx, x) : NULL;
	void *dy = dx ? tfc_tensor_data(y) : NULL;
	if (!dy)
		return;
	float alpha = tfc__kernel_attr_float(ctx->op, "alpha", 0.2f);
	tfc__gpu_launch_ok(ctx, tfc__gpu_launch_unary(tfc__gpu_current()->compute, unary_of(ctx->op->type), dt, dx, dy,
						 x->n_elems, alpha));
}

/* ---- binary, broadcasting */

static const struct {
	const char *op;
	enum tfc__gpu_binary b;
} binary_ops[] = {
	{"Add", TFC_GB_ADD},     {"AddV2", TFC_GB_ADD},   {"Sub", TFC_GB_SUB},
	{"Mul", TFC_GB_MUL},     {"RealDiv", TFC_GB_DIV}, {"Div", TFC_GB_DIV},
	{"Maximum", TFC_GB_MAX}, {"Minimum", TFC_GB_MIN}, {"SquaredDifference", TFC_GB_SQUARED_DIFF},
	{"ReluGrad", TFC_GB_RELU_GRAD},
	{"Relu6Grad", TFC_GB_RELU6_GRAD}, {"EluGrad", TFC_GB_ELU_GRAD}, {"SeluGrad", TFC_GB_SELU_GRAD},
	{"SoftplusGrad", TFC_GB_SOFTPLUS_GRAD}, {"SigmoidGrad", TFC_GB_SIGMOID_GRAD},
	{"TanhGrad", TFC_GB_TANH_GRAD}, {"SqrtGrad", TFC_GB_SQRT_GRAD}, {"RsqrtGrad", TFC_GB_RSQRT_GRAD},
	{"ReciprocalGrad", TFC_GB_RECIPROCAL_GRAD}, {"InvGrad", TFC_GB_RECIPROCAL_GRAD},
	{"Pow", TFC_GB_POW}, {"FloorDiv", TFC_GB_FLOOR_DIV}, {"FloorMod", TFC_GB_FLOOR_MOD},
	{"LogicalAnd", TFC_GB_LOGICAL_AND}, {"LogicalOr", TFC_GB_LOGICAL_OR},
};

static int binary_of(const char *op)
{
	for (size_t i = 0; i < TFC_ARRAY_LEN(binary_ops); i++)
		if (!strcmp(binary_ops[i].op, op))
			return (int)binary_ops[i].b;
	return -1;
}

static void binary_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *a = ctx->inputs[0], *b = ctx->inputs[1];
	int dt = cwise_dtype(ctx->op->type, a->dtype);
	if (dt < 0 || a->dtype != b->dtype) {
		tfc_kernel_error(ctx, dt < 0 ? TFC_UNIMPLEMENTED : TFC_INVALID_ARGUMENT,
				 "No GPU kernel for %s of %s and %s", ctx->op->type, tfc_dtype_name(a->dtype),
				 tfc_dtype_name(b->dtype));
		return;
	}
	struct tfc__bcast bc;
	const char *type = ctx->op->type;
	if (strlen(type) > 4 && !strcmp(type + strlen(type) - 4, "Grad") &&
	    (a->shape.rank != b->shape.rank ||
	     memcmp(a->shape.dims, b->shape.dims, sizeof(int64_t) * (size_t)a->shape.rank))) {
		/* the gradient ops take same-shaped inputs (the CPU kernels' message) */
		char b0[256], b1[256];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%s: inputs must be of the same shape: %s vs. %s",
				 type, tfc__kshape(&a->shape, b0, sizeof(b0)), tfc__kshape(&b->shape, b1, sizeof(b1)));
		return;
	}
	if (!tfc__bcast_init(&bc, &a->shape, &b->shape, ctx->st))
		return;
	if (bc.rank > TFC_GPU_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "GPU %s: broadcasting over %d dimensions", ctx->op->type,
				 bc.rank);
		return;
	}
	tfc_tensor *y = tfc__gpu_alloc_output(ctx, 0, a->dtype, bc.out.dims, bc.out.rank);
	void *da = y ? tfc__gpu_upload(ctx, a) : NULL;
	void *db = da ? tfc__gpu_upload(ctx, b) : NULL;
	void *dy = db ? tfc_tensor_data(y) : NULL;
	if (!dy)
		return;
	tfc__gpu_launch_ok(ctx, tfc__gpu_launch_binary(tfc__gpu_current()->compute, binary_of(ctx->op->type), dt, da, db,
						  dy, bc.rank, bc.dims, bc.sa, bc.sb, bc.n));
}

/* ---- reductions: input 1 (the axes) stays on the host */

static void reduce_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0], *axes = ctx->inputs[1];
	int dt = tfc__gpu_ftype(x->dtype);
	if (dt < 0) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "No GPU kernel for %s of %s", ctx->op->type,
				 tfc_dtype_name(x->dtype));
		return;
	}
	int rank = x->shape.rank;
	bool red[TFC_MAX_RANK] = {false};
	for (int64_t i = 0; i < axes->n_elems; i++) {
		int ax;
		if (!tfc__kernel_axis(ctx, tfc__kint(axes, i), rank > 0 ? rank : 1, &ax))
			return;
		red[ax] = true;
	}
	/* Merge neighbouring dims of one kind, so up to 8 alternations fit. */
	int64_t dims[TFC_MAX_RANK];
	bool mred[TFC_MAX_RANK];
	int m = 0;
	for (int d = 0; d < rank; d++) {
		if (m > 0 && mred[m - 1] == red[d]) {
			dims[m - 1] *= x->shape.dims[d];
			continue;
		}
		dims[m] = x->shape.dims[d];
		mred[m++] = red[d];
	}
	if (m == 0) {
		dims[0] = 1;
		mred[m++] = false;
	}
	if (m > TFC_GPU_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "GPU %s over %d alternating dimension groups", ctx->op->type, m);
		return;
	}
	bool keep = tfc__kernel_attr_bool(ctx->op, "keep_dims", false);
	int64_t odims[TFC_MAX_RANK];
	int orank = 0;
	for (int d = 0; d < rank; d++)
		if (!red[d] || keep)
			odims[orank++] = red[d] ? 1 : x->shape.dims[d];
	tfc_tensor *y = tfc__gpu_alloc_output(ctx, 0, x->dtype, odims, orank);
	if (!y)
		return;
	/* An empty input reaches the launcher too: each output is then the reduction's
	 * identity (0, 1, -inf, +inf; NaN for Mean), as on the CPU. */
	static const struct {
		const char *op;
		enum tfc__gpu_reduce r;
	} ops[] = {{"Sum", TFC_GR_SUM}, {"Mean", TFC_GR_MEAN}, {"Max", TFC_GR_MAX}, {"Min", TFC_GR_MIN},
		   {"Prod", TFC_GR_PROD}};
	int op = 0;
	for (size_t i = 0; i < TFC_ARRAY_LEN(ops); i++)
		if (!strcmp(ops[i].op, ctx->op->type))
			op = (int)ops[i].r;
	void *dx = tfc__gpu_upload(ctx, x);
	void *dy = dx ? tfc_tensor_data(y) : NULL;
	if (dy)
		tfc__gpu_launch_ok(ctx, tfc__gpu_launch_reduce(tfc__gpu_current()->compute, op, dt, dx, dy, m, dims, mred));
}

static bool supports_reduce(const tfc_operation *op)
{
	return supports_float_t(op);
}

/* ---- Softmax, LogSoftmax */

static void softmax_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 1, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	int dt = tfc__gpu_ftype(x->dtype);
	if (dt < 0 || x->shape.rank < 1) {
		tfc_kernel_error(ctx, dt < 0 ? TFC_UNIMPLEMENTED : TFC_INVALID_ARGUMENT,
				 "%s on the GPU needs a float or double tensor of rank >= 1", ctx->op->type);
		return;
	}
	int64_t cols = x->shape.dims[x->shape.rank - 1];
	int64_t rows = cols ? x->n_elems / cols : 0;
	tfc_tensor *y = tfc__gpu_alloc_output(ctx, 0, x->dtype, x->shape.dims, x->shape.rank);
	void *dx = y ? tfc__gpu_upload(ctx, x) : NULL;
	void *dy = dx ? tfc_tensor_data(y) : NULL;
	if (dy)
		tfc__gpu_launch_ok(ctx, tfc__gpu_launch_softmax(tfc__gpu_current()->compute, dt, dx, dy, rows, cols,
								 !strcmp(ctx->op->type, "LogSoftmax")));
}

/* ---- BiasAdd (NHWC and NCHW) */

static void bias_add_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0], *b = ctx->inputs[1];
	int dt = tfc__gpu_ftype(x->dtype);
	bool nchw = tfc__kernel_attr_str_is(ctx->op, "data_format", "NCHW", false);
	int rank = x->shape.rank;
	int cdim = nchw && rank >= 3 ? 1 : rank - 1;
	if (dt < 0 || b->dtype != x->dtype || rank < 2 || b->shape.rank != 1 ||
	    b->shape.dims[0] != x->shape.dims[cdim]) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Must provide as many biases as the channel dimension of the input tensor");
		return;
	}
	int64_t inner = 1;
	for (int d = cdim + 1; d < rank; d++)
		inner *= x->shape.dims[d];
	tfc_tensor *y = tfc__gpu_alloc_output(ctx, 0, x->dtype, x->shape.dims, rank);
	void *dx = y ? tfc__gpu_upload(ctx, x) : NULL;
	void *db = dx ? tfc__gpu_upload(ctx, b) : NULL;
	void *dy = db ? tfc_tensor_data(y) : NULL;
	if (dy)
		tfc__gpu_launch_ok(ctx, tfc__gpu_launch_bias_add(tfc__gpu_current()->compute, dt, dx, db, dy, x->n_elems,
								  x->shape.dims[cdim], inner));
}

#define UNARY(name) {.op = name, .device = "GPU", .compute = unary_compute, .supports = supports_float_t, \
		      .flags = TFC_KF_DEVICE_MEMORY}
#define BINARY(name) {.op = name, .device = "GPU", .compute = binary_compute, .supports = supports_float_t, \
		       .flags = TFC_KF_DEVICE_MEMORY}
#define REDUCE(name) {.op = name, .device = "GPU", .compute = reduce_compute, .supports = supports_reduce, \
		       .flags = TFC_KF_DEVICE_MEMORY, .host_inputs = 1u << 1 /* the axes */}

const struct tfc_kernel_def tfc__gpu_cwise_kernels[] = {
	UNARY("Neg"), UNARY("Abs"), UNARY("Square"), UNARY("Sqrt"), UNARY("Rsqrt"), UNARY("Exp"),
	UNARY("Log"), UNARY("Tanh"), UNARY("Sigmoid"), UNARY("Relu"), UNARY("Relu6"), UNARY("Elu"),
	UNARY("Selu"), UNARY("Softplus"), UNARY("LeakyRelu"), UNARY("Reciprocal"), UNARY("Inv"),
	BINARY("Add"), BINARY("AddV2"), BINARY("Sub"), BINARY("Mul"), BINARY("RealDiv"), BINARY("Div"),
	BINARY("Maximum"), BINARY("Minimum"), BINARY("SquaredDifference"), BINARY("ReluGrad"),
	BINARY("Relu6Grad"), BINARY("EluGrad"), BINARY("SeluGrad"), BINARY("SoftplusGrad"),
	BINARY("SigmoidGrad"), BINARY("TanhGrad"), BINARY("SqrtGrad"), BINARY("RsqrtGrad"),
	BINARY("ReciprocalGrad"), BINARY("InvGrad"),
	UNARY("Log1p"), UNARY("Expm1"), UNARY("Floor"), UNARY("Ceil"), UNARY("Round"), UNARY("Sign"),
	UNARY("Sin"), UNARY("Cos"), BINARY("Pow"), BINARY("FloorDiv"), BINARY("FloorMod"),
	{.op = "LogicalNot", .device = "GPU", .compute = unary_compute, .supports = supports_logical,
	 .flags = TFC_KF_DEVICE_MEMORY},
	{.op = "LogicalAnd", .device = "GPU", .compute = binary_compute, .supports = supports_logical,
	 .flags = TFC_KF_DEVICE_MEMORY},
	{.op = "LogicalOr", .device = "GPU", .compute = binary_compute, .supports = supports_logical,
	 .flags = TFC_KF_DEVICE_MEMORY},
	REDUCE("Sum"), REDUCE("Mean"), REDUCE("Max"), REDUCE("Min"), REDUCE("Prod"),
	{.op = "Softmax", .device = "GPU", .compute = softmax_compute, .supports = supports_float_t,
	 .flags = TFC_KF_DEVICE_MEMORY},
	{.op = "LogSoftmax", .device = "GPU", .compute = softmax_compute, .supports = supports_float_t,
	 .flags = TFC_KF_DEVICE_MEMORY},
	{.op = "BiasAdd", .device = "GPU", .compute = bias_add_compute, .supports = supports_float_t,
	 .flags = TFC_KF_DEVICE_MEMORY},
	{0},
};
