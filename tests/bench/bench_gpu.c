/*
 * bench_gpu.c: training steps on the GPU and on the CPU, in ms per step (median of
 * STEPS steps after 3 warm-up ones), inputs fed every step:
 *  1. a 784-512-512-10 MLP (ReLU, squared error, GradientDescent; batch 128);
 *  2. the LeNet-size convnet of tests/bench/bench_train.c (batch 64: 28x28x1 -> conv
 *     5x5x6 SAME, ReLU, max pool 2x2 -> conv 5x5x16 VALID, ReLU, max pool 2x2 ->
 *     400-120-84-10 dense, softmax cross entropy, GradientDescent): Conv2D and its
 *     backprops go to cuDNN where the build has it.
 * The GPU session places every op that has a GPU kernel on GPU:0, variables and
 * their updates included, with tensors left in GPU memory between ops; the CPU one
 * has device_count.GPU = 0. Both start from the same initial values, so the loss
 * after the last step, printed for each, should agree. Without a GPU it says so and
 * exits 0.
 *
 * Usage: bench_gpu [STEPS]   (default 20)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"
#include "tfc_train.h"
#include "bench_util.h"

#define NONE ((tfc_output){NULL, 0})

static tfc_output op(tfc_graph *g, const char *type, tfc_output a, tfc_output b, tfc_status *st)
{
	tfc_op_desc *d = tfc_op_new(g, type, NULL);
	tfc_op_add_input(d, a);
	if (b.oper)
		tfc_op_add_input(d, b);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

static tfc_output dense(tfc_graph *g, const char *name, tfc_output x, int64_t in, int64_t out, bool relu,
			tfc_status *st)
{
	tfc_graph_push_name_scope(g, name);
	tfc_shape ws = tfc_shape_make(2, (int64_t[]){in, out}), bs = tfc_shape_make(1, &out);
	tfc_initializer gl = tfc_init_glorot_uniform(1), z = tfc_init_zeros();
	tfc_operation *w = tfc_get_variable(g, "kernel", &ws, TFC_FLOAT, &gl, st);
	tfc_operation *b = tfc_get_variable(g, "bias", &bs, TFC_FLOAT, &z, st);
	tfc_output y = op(g, "BiasAdd", op(g, "MatMul", x, tfc_variable_read(w), st), tfc_variable_read(b), st);
	if (relu)
		y = op(g, "Relu", y, (tfc_output){NULL, 0}, st);
	tfc_graph_pop_name_scope(g);
	return y;
}

static tfc_output placeholder(tfc_graph *g, const char *name, int rank, const int64_t *dims, tfc_status *st)
{
	tfc_op_desc *d = tfc_op_new(g, "Placeholder", name);
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_shape s = tfc_shape_make(rank, dims);
	tfc_op_set_attr_shape(d, "shape", &s);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

static tfc_output int_const(tfc_graph *g, const int64_t *v, int n, tfc_status *st)
{
	int64_t len = n;
	tfc_tensor *t = tfc_tensor_new(TFC_INT32, &len, 1, st);
	for (int i = 0; i < n; i++)
		((int32_t *)tfc_tensor_data(t))[i] = (int32_t)v[i];
	tfc_op_desc *d = tfc_op_new(g, "Const", NULL);
	tfc_op_set_attr_tensor(d, "value", t, st);
	tfc_op_set_attr_type(d, "dtype", TFC_INT32);
	tfc_tensor_free(t);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

/* conv k x k (cin -> cout, stride 1, `pad`) + bias, ReLU, 2x2 max pool. */
static tfc_output conv_block(tfc_graph *g, const char *name, tfc_output x, int64_t k, int64_t cin, int64_t cout,
			     const char *pad, tfc_status *st)
{
	if (tfc_status_code(st) != TFC_OK)
		return NONE;
	tfc_graph_push_name_scope(g, name);
	tfc_shape fs = tfc_shape_make(4, (int64_t[]){k, k, cin, cout}), bs = tfc_shape_make(1, &cout);
	tfc_initializer gl = tfc_init_glorot_uniform(2), z = tfc_init_zeros();
	tfc_operation *f = tfc_get_variable(g, "filter", &fs, TFC_FLOAT, &gl, st);
	tfc_operation *b = tfc_get_variable(g, "bias", &bs, TFC_FLOAT, &z, st);
	tfc_op_desc *d = tfc_op_new(g, "Conv2D", NULL);
	tfc_op_add_input(d, x);
	tfc_op_add_input(d, tfc_variable_read(f));
	tfc_op_set_attr_int_list(d, "strides", (int64_t[]){1, 1, 1, 1}, 4);
	tfc_op_set_attr_string(d, "padding", pad, strlen(pad));
	tfc_output y = {tfc_op_finish(d, st), 0};
	y = op(g, "Relu", op(g, "BiasAdd", y, tfc_variable_read(b), st), NONE, st);
	d = tfc_op_new(g, "MaxPool", NULL);
	tfc_op_add_input(d, y);
	tfc_op_set_attr_int_list(d, "ksize", (int64_t[]){1, 2, 2, 1}, 4);
	tfc_op_set_attr_int_list(d, "strides", (int64_t[]){1, 2, 2, 1}, 4);
	tfc_op_set_attr_string(d, "padding", "VALID", 5);
	y = (tfc_output){tfc_op_finish(d, st), 0};
	tfc_graph_pop_name_scope(g);
	return y;
}

struct model {
	const char *label;
	tfc_graph *g;
	tfc_output x, y;
	tfc_output loss;
	tfc_operation *train, *init;
	int64_t xdims[4], ydims[2];
	int xrank;
};

static void finish(struct model *m, tfc_output loss, tfc_status *st)
{
	tfc_optimizer *opt = tfc_optimizer_gradient_descent_new(0.01f);
	m->loss = loss;
	m->train = tfc_optimizer_minimize(opt, m->g, loss, st);
	m->init = tfc_global_variables_initializer(m->g, st);
	tfc_optimizer_free(opt);
}

static void build_mlp(struct model *m, tfc_status *st)
{
	*m = (struct model){.label = "MLP 784-512-512-10 training step, batch 128", .g = tfc_graph_new(),
			    .xdims = {128, 784}, .ydims = {128, 10}, .xrank = 2};
	m->x = placeholder(m->g, "x", 2, m->xdims, st);
	m->y = placeholder(m->g, "y", 2, m->ydims, st);
	tfc_output h = dense(m->g, "fc1", m->x, 784, 512, true, st);
	h = dense(m->g, "fc2", h, 512, 512, true, st);
	h = dense(m->g, "logits", h, 512, 10, false, st);
	tfc_output diff = op(m->g, "Square", op(m->g, "Sub", h, m->y, st), NONE, st);
	finish(m, op(m->g, "Mean", diff, int_const(m->g, (int64_t[]){0, 1}, 2, st), st), st);
}

static void build_lenet(struct model *m, tfc_status *st)
{
	*m = (struct model){.label = "LeNet-size convnet training step, batch 64", .g = tfc_graph_new(),
			    .xdims = {64, 28, 28, 1}, .ydims = {64, 10}, .xrank = 4};
	m->x = placeholder(m->g, "x", 4, m->xdims, st);
	m->y = placeholder(m->g, "y", 2, m->ydims, st);
	tfc_output h = conv_block(m->g, "conv1", m->x, 5, 1, 6, "SAME", st);
	h = conv_block(m->g, "conv2", h, 5, 6, 16, "VALID", st);
	h = op(m->g, "Reshape", h, int_const(m->g, (int64_t[]){-1, 400}, 2, st), st);
	h = dense(m->g, "fc1", h, 400, 120, true, st);
	h = dense(m->g, "fc2", h, 120, 84, true, st);
	h = dense(m->g, "logits", h, 84, 10, false, st);
	tfc_op_desc *d = tfc_op_new(m->g, "SoftmaxCrossEntropyWithLogits", NULL);
	tfc_op_add_input(d, h);
	tfc_op_add_input(d, m->y);
	tfc_output xent = {tfc_op_finish(d, st), 0};
	finish(m, op(m->g, "Mean", xent, int_const(m->g, (int64_t[]){0}, 1, st), st), st);
}

static double time_steps(const struct model *m, bool gpu, int steps, float *loss, tfc_status *st)
{
	tfc_session_options *o = tfc_session_options_new();
	if (!gpu)
		tfc_session_options_set_config_value(o, "device_count.GPU", "0", st);
	tfc_session *s = tfc_session_new(m->g, o, st);
	tfc_session_options_free(o);
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, (tfc_operation *const *)&m->init, 1, NULL, st);
	srand(1); /* both sessions get the same inputs */
	tfc_tensor *xv = tfc_tensor_new(TFC_FLOAT, m->xdims, m->xrank, st);
	tfc_tensor *yv = tfc_tensor_new(TFC_FLOAT, m->ydims, 2, st);
	for (int64_t i = 0; xv && i < tfc_tensor_num_elements(xv); i++)
		((float *)tfc_tensor_data(xv))[i] = (float)rand() / (float)RAND_MAX;
	for (int64_t i = 0; yv && i < m->ydims[0]; i++)
		((float *)tfc_tensor_data(yv))[i * 10 + i % 10] = 1;
	tfc_output feeds[2] = {m->x, m->y};
	tfc_tensor *vals[2] = {xv, yv};
	double *t = calloc((size_t)steps, sizeof(double)), med = -1;
	for (int i = -3; i < steps && tfc_status_code(st) == TFC_OK; i++) {
		double t0 = now();
		tfc_session_run(s, NULL, 0, feeds, vals, 2, NULL, NULL, 0, (tfc_operation *const *)&m->train, 1, NULL,
				st);
		if (i >= 0)
			t[i] = (now() - t0) * 1e3;
	}
	tfc_tensor *l = NULL;
	*loss = -1;
	if (tfc_status_code(st) == TFC_OK)
		tfc_session_run(s, NULL, 0, feeds, vals, 2, &m->loss, &l, 1, NULL, 0, NULL, st);
	if (l)
		*loss = *(float *)tfc_tensor_data(l);
	tfc_tensor_free(l);
	if (tfc_status_code(st) == TFC_OK)
		med = median(t, steps);
	free(t);
	tfc_tensor_free(xv);
	tfc_tensor_free(yv);
	tfc_session_free(s);
	return med;
}

int main(int argc, char **argv)
{
	int steps = argc > 1 ? atoi(argv[1]) : 20;
	char why[256];
	if (tfc__gpu_count(why, sizeof(why)) == 0) {
		printf("bench_gpu: no GPU (%s); nothing to measure\n", why);
		return 0;
	}
	if (steps < 1)
		steps = 1;
	tfc_status *st = tfc_status_new();
	struct model m[2];
	build_mlp(&m[0], st);
	build_lenet(&m[1], st);
	check(st, "bench_gpu: building the models");
	for (int i = 0; i < 2; i++) {
		float gl, cl;
		double gpu = time_steps(&m[i], true, steps, &gl, st);
		check(st, "bench_gpu: GPU session");
		double cpu = time_steps(&m[i], false, steps, &cl, st);
		check(st, "bench_gpu: CPU session");
		printf("%s, median of %d steps\n", m[i].label, steps);
		printf("  GPU: %8.2f ms\n  CPU: %8.2f ms\n  CPU / GPU: %.2fx\n", gpu, cpu, cpu / gpu);
		printf("  loss after %d steps: GPU %.6g, CPU %.6g\n", steps + 3, gl, cl);
		tfc_graph_free(m[i].g);
	}
	tfc_status_free(st);
	return 0;
}
