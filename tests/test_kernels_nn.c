/*
 * test_kernels_nn.c: the neural-network kernels (MatMul, BatchMatMul(V2), BiasAdd(Grad),
 * Softmax, LogSoftmax, the cross entropies, L2Loss in kernels/nn_kernels.c and
 * kernels/matmul_kernels.c; convolutions in kernels/conv_kernels.c; pooling in
 * kernels/pooling.c; batch normalization in kernels/batchnorm.c, LRN in kernels/lrn.c)
 * against the values TensorFlow gives (tests/data/kernels/nn.txt,
 * and norms.txt, made by tests/tf/gen_kernel_refs.py; NCHW and dilated cases are computed there
 * through NHWC or undilated TensorFlow ops), run through a session; then bad input,
 * each an InvalidArgument naming the node; and a convolution on two intra-op threads
 * against one.
 */
#include "kernel_ref.h"

static tfc_status *st;

static tfc_tensor *ivec(int n, const int64_t *v)
{
	int64_t d = n;
	tfc_tensor *t = tfc_tensor_new(TFC_INT32, &d, 1, NULL);
	for (int i = 0; i < n; i++)
		((int32_t *)tfc_tensor_data(t))[i] = (int32_t)v[i];
	return t;
}

static tfc_tensor *fz(int rank, const int64_t *dims)
{
	return tfc_tensor_new(TFC_FLOAT, dims, rank, NULL);
}

static void conv_attrs(tfc_op_desc *d)
{
	int64_t s[4] = {1, 1, 1, 1};
	tfc_op_set_attr_int_list(d, "strides", s, 4);
	tfc_op_set_attr_string(d, "padding", "VALID", 5);
}

static void pool_attrs(tfc_op_desc *d)
{
	int64_t s[4] = {1, 2, 2, 1};
	tfc_op_set_attr_int_list(d, "strides", s, 4);
	tfc_op_set_attr_int_list(d, "ksize", s, 4);
	tfc_op_set_attr_string(d, "padding", "VALID", 5);
}

static void bad(const char *type, int n, tfc_tensor **vals, void (*attrs)(tfc_op_desc *),
		const char *frag)
{
	tfc_graph *g = tfc_graph_new();
	tfc_output feeds[8];
	tfc_op_desc *d = tfc_op_new(g, type, "bad_node");
	for (int i = 0; i < n; i++) {
		char nm[16];
		snprintf(nm, sizeof(nm), "p%d", i);
		feeds[i] = (tfc_output){t_placeholder(g, nm, tfc_tensor_dtype(vals[i]), -1, NULL, st), 0};
		tfc_op_add_input(d, feeds[i]);
	}
	if (attrs)
		attrs(d);
	tfc_operation *op = tfc_op_finish(d, st);
	char what[160];
	snprintf(what, sizeof(what), "%s: %s", type, frag);
	kr_expect_error(g, op, feeds, vals, n, TFC_INVALID_ARGUMENT, frag, what);
	tfc_graph_free(g);
}

static void conv_threads_agree(void)
{
	tfc_graph *g = tfc_graph_new();
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, -1, NULL, st);
	tfc_operation *f = t_placeholder(g, "f", TFC_FLOAT, -1, NULL, st);
	tfc_op_desc *d = tfc_op_new(g, "Conv2D", "conv");
	tfc_op_add_input(d, (tfc_output){x, 0});
	tfc_op_add_input(d, (tfc_output){f, 0});
	int64_t s[4] = {1, 1, 1, 1};
	tfc_op_set_attr_int_list(d, "strides", s, 4);
	tfc_op_set_attr_string(d, "padding", "SAME", 4);
	tfc_operation *op = tfc_op_finish(d, st);
	int64_t xd[4] = {4, 20, 20, 8}, fd[4] = {3, 3, 8, 16};
	tfc_tensor *xv = fz(4, xd), *fv = fz(4, fd);
	for (int64_t i = 0; i < tfc_tensor_num_elements(xv); i++)
		((float *)tfc_tensor_data(xv))[i] = (float)((i * 37) % 101) / 50.0f - 1.0f;
	for (int64_t i = 0; i < tfc_tensor_num_elements(fv); i++)
		((float *)tfc_tensor_data(fv))[i] = (float)((i * 53) % 97) / 48.0f - 1.0f;
	tfc_output feeds[2] = {{x, 0}, {f, 0}}, out = {op, 0};
	tfc_tensor *vals[2] = {xv, fv}, *r1 = NULL, *r2 = NULL;
	kr_run(g, feeds, vals, 2, &out, &r1, 1, NULL, 0, 1, st);
	kr_run(g, feeds, vals, 2, &out, &r2, 1, NULL, 0, 2, st);
	char why[256] = "";
	ok(r1 && r2 && kr_close(r2, r1, 1e-5, 1e-5, why, sizeof(why)),
	   "Conv2D 4x20x20x8 * 3x3x8x16: 2 threads = 1 thread %s", why);
	tfc_tensor_free(r1);
	tfc_tensor_free(r2);
	tfc_tensor_free(xv);
	tfc_tensor_free(fv);
	tfc_graph_free(g);
}

int main(void)
{
	plan_lazy();
	st = tfc_status_new();
	int n = kr_run_file("nn.txt", NULL);
	ok(n > 120, "%d nn reference cases", n);
	n = kr_run_file("norms.txt", NULL);
	ok(n > 20, "%d batch norm and LRN reference cases", n);

	const int64_t d23[] = {2, 3}, d34[] = {3, 4}, d3[] = {3}, d4[] = {4};
	bad("MatMul", 2, (tfc_tensor *[]){fz(2, d23), fz(2, d23)}, NULL,
	    "Matrix size-incompatible: In[0]: [2,3], In[1]: [2,3]");
	bad("MatMul", 2, (tfc_tensor *[]){fz(1, d3), fz(2, d34)}, NULL,
	    "In[0] is not a matrix. Instead it has shape [3]");
	bad("BatchMatMulV2", 2, (tfc_tensor *[]){fz(3, (const int64_t[]){2, 2, 3}), fz(3, (const int64_t[]){3, 3, 2})},
	    NULL, "must have compatible batch dimensions");
	bad("BiasAdd", 2, (tfc_tensor *[]){fz(2, d23), fz(1, d4)}, NULL,
	    "Must provide as many biases as the last dimension of the input tensor: [4] vs. [2,3]");
	bad("BiasAdd", 2, (tfc_tensor *[]){fz(1, d3), fz(1, d3)}, NULL,
	    "Input tensor must be at least 2D: [3]");
	bad("SoftmaxCrossEntropyWithLogits", 2, (tfc_tensor *[]){fz(2, d23), fz(2, d34)}, NULL,
	    "logits and labels must be broadcastable: logits_size=[2,3] labels_size=[3,4]");
	bad("SparseSoftmaxCrossEntropyWithLogits", 2, (tfc_tensor *[]){fz(2, d23), ivec(2, (const int64_t[]){0, 3})},
	    NULL, "Received a label value of 3 which is outside the valid range of [0, 3).");
	bad("SparseSoftmaxCrossEntropyWithLogits", 2, (tfc_tensor *[]){fz(2, d23), ivec(2, (const int64_t[]){-1, 0})},
	    NULL, "Received a label value of -1");
	bad("Conv2D", 2, (tfc_tensor *[]){fz(4, (const int64_t[]){1, 4, 4, 3}), fz(4, (const int64_t[]){2, 2, 2, 1})},
	    conv_attrs, "input depth must be evenly divisible by filter depth: 3 vs 2");
	bad("Conv2D", 2, (tfc_tensor *[]){fz(4, (const int64_t[]){1, 2, 2, 1}), fz(4, (const int64_t[]){3, 3, 1, 1})},
	    conv_attrs, "Computed output size would be negative");
	bad("Conv2D", 2, (tfc_tensor *[]){fz(3, (const int64_t[]){2, 2, 1}), fz(4, (const int64_t[]){1, 1, 1, 1})},
	    conv_attrs, "input must be 4-dimensional");
	bad("Conv2DBackpropInput", 3, (tfc_tensor *[]){ivec(4, (const int64_t[]){1, 4, 4, 1}),
						      fz(4, (const int64_t[]){2, 2, 1, 1}),
						      fz(4, (const int64_t[]){1, 2, 2, 1})},
	    conv_attrs, "out_backprop has shape [1,2,2,1], expected [1,3,3,1]");
	bad("MaxPool", 1, (tfc_tensor *[]){fz(2, d23)}, pool_attrs, "input must be 4-dimensional");
	bad("MaxPoolGrad", 3, (tfc_tensor *[]){fz(4, (const int64_t[]){1, 4, 4, 1}), fz(4, (const int64_t[]){1, 2, 2, 1}),
					      fz(4, (const int64_t[]){1, 3, 2, 1})},
	    pool_attrs, "Expected grad shape to be [1,2,2,1]");

	conv_threads_agree();

	tfc_status_free(st);
	done_testing();
	return exit_status();
}
