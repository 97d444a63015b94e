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
#include <math.h>

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

/* type over x [rows, cols] (and a bias of cols for BiasAdd) at 1 and 2 threads. */
static void rows_threads_agree(const char *type, int64_t rows, int64_t cols)
{
	tfc_graph *g = tfc_graph_new();
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, -1, NULL, st);
	tfc_operation *b = t_placeholder(g, "b", TFC_FLOAT, -1, NULL, st);
	tfc_op_desc *d = tfc_op_new(g, type, "n");
	tfc_op_add_input(d, (tfc_output){x, 0});
	bool bias = strcmp(type, "BiasAdd") == 0;
	if (bias)
		tfc_op_add_input(d, (tfc_output){b, 0});
	tfc_operation *op = tfc_op_finish(d, st);
	int64_t xd[2] = {rows, cols};
	tfc_tensor *xv = fz(2, xd), *bv = fz(1, &cols);
	for (int64_t i = 0; i < rows * cols; i++)
		((float *)tfc_tensor_data(xv))[i] = (float)((i * 37) % 101) / 10.0f - 5.0f;
	for (int64_t i = 0; i < cols; i++)
		((float *)tfc_tensor_data(bv))[i] = (float)i;
	tfc_output feeds[2] = {{x, 0}, {b, 0}}, out = {op, 0};
	tfc_tensor *vals[2] = {xv, bv}, *r1 = NULL, *r2 = NULL;
	kr_run(g, feeds, vals, bias ? 2 : 1, &out, &r1, 1, NULL, 0, 1, st);
	kr_run(g, feeds, vals, bias ? 2 : 1, &out, &r2, 1, NULL, 0, 2, st);
	char why[256] = "";
	ok(r1 && r2 && kr_close(r2, r1, 0, 0, why, sizeof(why)),
	   "%s over [%lld,%lld]: 2 threads = 1 thread %s", type, (long long)rows, (long long)cols, why);
	tfc_tensor_free(r1);
	tfc_tensor_free(r2);
	tfc_tensor_free(xv);
	tfc_tensor_free(bv);
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

static tfc_operation *conv_node(tfc_graph *g, const char *type, tfc_output a, tfc_output b,
				tfc_output c, bool three)
{
	tfc_op_desc *d = tfc_op_new(g, type, NULL);
	tfc_op_add_input(d, a);
	tfc_op_add_input(d, b);
	if (three)
		tfc_op_add_input(d, c);
	int64_t s[4] = {1, 2, 1, 1};
	tfc_op_set_attr_int_list(d, "strides", s, 4);
	tfc_op_set_attr_string(d, "padding", "SAME", 4);
	return tfc_op_finish(d, st);
}

/* A convolution big enough to take several column blocks (kernels/conv_kernels.c
 * COL_BLOCK): forward against a naive loop, and the backprops by adjointness:
 * <conv(x, f), dy> = <x, backprop_input(f, dy)> = <f, backprop_filter(x, dy)>. */
static void conv_blocks(void)
{
	const int64_t xd[4] = {3, 31, 30, 64}, fd[4] = {3, 3, 64, 8};
	const int64_t oh = 16, ow = 30, pt = 1, pl = 1; /* SAME, strides 2 x 1 */
	const int64_t yd[4] = {3, oh, ow, 8};
	tfc_graph *g = tfc_graph_new();
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, -1, NULL, st);
	tfc_operation *f = t_placeholder(g, "f", TFC_FLOAT, -1, NULL, st);
	tfc_operation *dy = t_placeholder(g, "dy", TFC_FLOAT, -1, NULL, st);
	tfc_operation *xs = t_placeholder(g, "xs", TFC_INT32, -1, NULL, st);
	tfc_operation *fs = t_placeholder(g, "fs", TFC_INT32, -1, NULL, st);
	tfc_operation *y = conv_node(g, "Conv2D", (tfc_output){x, 0}, (tfc_output){f, 0},
				     (tfc_output){NULL, 0}, false);
	tfc_operation *dx = conv_node(g, "Conv2DBackpropInput", (tfc_output){xs, 0},
				      (tfc_output){f, 0}, (tfc_output){dy, 0}, true);
	tfc_operation *df = conv_node(g, "Conv2DBackpropFilter", (tfc_output){x, 0},
				      (tfc_output){fs, 0}, (tfc_output){dy, 0}, true);
	tfc_tensor *vx = fz(4, xd), *vf = fz(4, fd), *vdy = fz(4, yd), *vxs = ivec(4, xd),
		   *vfs = ivec(4, fd);
	float *px = tfc_tensor_data(vx), *pf = tfc_tensor_data(vf), *pdy = tfc_tensor_data(vdy);
	for (int64_t i = 0; i < tfc_tensor_num_elements(vx); i++)
		px[i] = (float)((i * 37) % 101) / 50.0f - 1.0f;
	for (int64_t i = 0; i < tfc_tensor_num_elements(vf); i++)
		pf[i] = (float)((i * 53) % 97) / 48.0f - 1.0f;
	for (int64_t i = 0; i < tfc_tensor_num_elements(vdy); i++)
		pdy[i] = (float)((i * 29) % 89) / 44.0f - 1.0f;
	tfc_output feeds[5] = {{x, 0}, {f, 0}, {dy, 0}, {xs, 0}, {fs, 0}};
	tfc_tensor *fv[5] = {vx, vf, vdy, vxs, vfs};
	tfc_output outs[3] = {{y, 0}, {dx, 0}, {df, 0}};
	tfc_tensor *got[3] = {NULL, NULL, NULL};
	kr_run(g, feeds, fv, 5, outs, got, 3, NULL, 0, 2, st);
	ok(got[0] && got[1] && got[2], "Conv2D and backprops over several column blocks run: %s",
	   tfc_status_message(st));
	if (got[0] && got[1] && got[2]) {
		double maxerr = 0, a = 0, b = 0, c = 0;
		const float *py = tfc_tensor_data(got[0]), *pdx = tfc_tensor_data(got[1]),
			    *pdf = tfc_tensor_data(got[2]);
		for (int64_t n = 0; n < 3; n++)
			for (int64_t i = 0; i < oh; i++)
				for (int64_t j = 0; j < ow; j++)
					for (int64_t o = 0; o < 8; o++) {
						double acc = 0;
						for (int64_t u = 0; u < 3; u++)
							for (int64_t v = 0; v < 3; v++) {
								int64_t h = i * 2 + u - pt, w = j + v - pl;
								if (h < 0 || h >= 31 || w < 0 || w >= 30)
									continue;
								for (int64_t k = 0; k < 64; k++)
									acc += (double)px[((n * 31 + h) * 30 + w) * 64 + k] *
									       pf[((u * 3 + v) * 64 + k) * 8 + o];
							}
						int64_t yi = ((n * oh + i) * ow + j) * 8 + o;
						double e = fabs(acc - py[yi]);
						maxerr = e > maxerr ? e : maxerr;
						a += acc * pdy[yi];
					}
		for (int64_t i = 0; i < tfc_tensor_num_elements(vx); i++)
			b += (double)px[i] * pdx[i];
		for (int64_t i = 0; i < tfc_tensor_num_elements(vf); i++)
			c += (double)pf[i] * pdf[i];
		ok(maxerr < 1e-3, "Conv2D over several column blocks = naive loop (max error %.2g)", maxerr);
		ok(fabs(a - b) < 1e-4 * fabs(a) && fabs(a - c) < 1e-4 * fabs(a),
		   "<conv(x,f),dy> = <x,dx> = <f,df>: %.6g %.6g %.6g", a, b, c);
	}
	for (int i = 0; i < 3; i++)
		tfc_tensor_free(got[i]);
	for (int i = 0; i < 5; i++)
		tfc_tensor_free(fv[i]);
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
	conv_blocks();
	rows_threads_agree("Softmax", 1000, 70);
	rows_threads_agree("LogSoftmax", 999, 71);
	rows_threads_agree("BiasAdd", 1001, 65);

	tfc_status_free(st);
	done_testing();
	return exit_status();
}
