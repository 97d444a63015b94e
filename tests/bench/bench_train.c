/*
 * bench_train.c: training steps of graphs built with tfc_train.h, in ms per step
 * (median of STEPS steps after 3 warm-up steps), with 1 and with 2 intra-op threads:
 *  1. a 784-512-512-10 MLP (ReLU, softmax cross entropy, GradientDescent) at batch
 *     128;
 *  2. a LeNet-size convnet at batch 64: 28x28x1 -> conv 5x5x6 SAME, ReLU, max pool
 *     2x2 -> conv 5x5x16 VALID, ReLU, max pool 2x2 -> 400-120-84-10 dense, softmax
 *     cross entropy, GradientDescent.
 * Inputs are random, fed every step as a training loop would.
 *
 * Usage: bench_train [STEPS] [DIR]   (default 20 steps; with DIR, one FULL_TRACE step
 * more of each model and thread count writes DIR/<model>-<threads>.rmd, a
 * RunMetadata file for tfc-prof)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.pb-c.h"
#include "tfc_train.h"
#include "bench_util.h"

#define NONE ((tfc_output){NULL, 0})

static tfc_output placeholder(tfc_graph *g, const char *name, int rank, const int64_t *dims,
			      tfc_status *st)
{
	tfc_op_desc *d = tfc_op_new(g, "Placeholder", name);
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_shape s = tfc_shape_make(rank, dims);
	tfc_op_set_attr_shape(d, "shape", &s);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

static tfc_output op2(tfc_graph *g, const char *type, tfc_output a, tfc_output b, tfc_status *st)
{
	if (tfc_status_code(st) != TFC_OK)
		return NONE;
	tfc_op_desc *d = tfc_op_new(g, type, NULL);
	tfc_op_add_input(d, a);
	tfc_op_add_input(d, b);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

static tfc_output op1(tfc_graph *g, const char *type, tfc_output a, tfc_status *st)
{
	if (tfc_status_code(st) != TFC_OK)
		return NONE;
	tfc_op_desc *d = tfc_op_new(g, type, NULL);
	tfc_op_add_input(d, a);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

static tfc_output ivec(tfc_graph *g, const int64_t *v, int n, tfc_status *st)
{
	if (tfc_status_code(st) != TFC_OK)
		return NONE;
	int64_t dim = n;
	tfc_tensor *t = tfc_tensor_new(TFC_INT32, &dim, 1, st);
	for (int i = 0; i < n; i++)
		((int32_t *)tfc_tensor_data(t))[i] = (int32_t)v[i];
	tfc_op_desc *d = tfc_op_new(g, "Const", NULL);
	tfc_op_set_attr_tensor(d, "value", t, st);
	tfc_op_set_attr_type(d, "dtype", TFC_INT32);
	tfc_tensor_free(t);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

static tfc_output dense(tfc_graph *g, const char *name, tfc_output x, int64_t in, int64_t out,
			int relu, tfc_status *st)
{
	tfc_graph_push_name_scope(g, name);
	tfc_shape ws = tfc_shape_make(2, (int64_t[]){in, out}), bs = tfc_shape_make(1, &out);
	tfc_initializer gl = tfc_init_glorot_uniform(1), z = tfc_init_zeros();
	tfc_operation *w = tfc_get_variable(g, "kernel", &ws, TFC_FLOAT, &gl, st);
	tfc_operation *b = tfc_get_variable(g, "bias", &bs, TFC_FLOAT, &z, st);
	tfc_output y = op2(g, "BiasAdd", op2(g, "MatMul", x, tfc_variable_read(w), st),
			   tfc_variable_read(b), st);
	if (relu)
		y = op1(g, "Relu", y, st);
	tfc_graph_pop_name_scope(g);
	return y;
}

static tfc_output conv_relu_pool(tfc_graph *g, const char *name, tfc_output x, int64_t k,
				 int64_t cin, int64_t cout, const char *pad, tfc_status *st)
{
	tfc_graph_push_name_scope(g, name);
	tfc_shape fs = tfc_shape_make(4, (int64_t[]){k, k, cin, cout}), bs = tfc_shape_make(1, &cout);
	tfc_initializer gl = tfc_init_glorot_uniform(2), z = tfc_init_zeros();
	tfc_operation *f = tfc_get_variable(g, "filter", &fs, TFC_FLOAT, &gl, st);
	tfc_operation *b = tfc_get_variable(g, "bias", &bs, TFC_FLOAT, &z, st);
	tfc_output y = NONE;
	if (tfc_status_code(st) == TFC_OK) {
		tfc_op_desc *d = tfc_op_new(g, "Conv2D", NULL);
		tfc_op_add_input(d, x);
		tfc_op_add_input(d, tfc_variable_read(f));
		tfc_op_set_attr_int_list(d, "strides", (int64_t[]){1, 1, 1, 1}, 4);
		tfc_op_set_attr_string(d, "padding", pad, strlen(pad));
		y = (tfc_output){tfc_op_finish(d, st), 0};
	}
	y = op1(g, "Relu", op2(g, "BiasAdd", y, tfc_variable_read(b), st), st);
	if (tfc_status_code(st) == TFC_OK) {
		tfc_op_desc *d = tfc_op_new(g, "MaxPool", NULL);
		tfc_op_add_input(d, y);
		tfc_op_set_attr_int_list(d, "ksize", (int64_t[]){1, 2, 2, 1}, 4);
		tfc_op_set_attr_int_list(d, "strides", (int64_t[]){1, 2, 2, 1}, 4);
		tfc_op_set_attr_string(d, "padding", "VALID", 5);
		y = (tfc_output){tfc_op_finish(d, st), 0};
	}
	tfc_graph_pop_name_scope(g);
	return y;
}

struct model {
	tfc_graph *g;
	tfc_output x, y;
	tfc_operation *train, *init;
	int64_t xdims[4], ydims[2];
	int xrank;
};

static void finish_model(struct model *m, tfc_output logits, tfc_status *st)
{
	tfc_output l = op2(m->g, "SoftmaxCrossEntropyWithLogits", logits, m->y, st);
	tfc_output loss = op2(m->g, "Mean", l, ivec(m->g, (int64_t[]){0}, 1, st), st);
	tfc_optimizer *o = tfc_optimizer_gradient_descent_new(0.01f);
	m->train = tfc_optimizer_minimize(o, m->g, loss, st);
	tfc_optimizer_free(o);
	m->init = tfc_global_variables_initializer(m->g, st);
}

static void build_mlp(struct model *m, tfc_status *st)
{
	m->g = tfc_graph_new();
	m->xrank = 2;
	m->xdims[0] = 128;
	m->xdims[1] = 784;
	m->ydims[0] = 128;
	m->ydims[1] = 10;
	m->x = placeholder(m->g, "x", 2, (int64_t[]){-1, 784}, st);
	m->y = placeholder(m->g, "y", 2, (int64_t[]){-1, 10}, st);
	tfc_output h = dense(m->g, "fc1", m->x, 784, 512, 1, st);
	h = dense(m->g, "fc2", h, 512, 512, 1, st);
	finish_model(m, dense(m->g, "logits", h, 512, 10, 0, st), st);
}

static void build_lenet(struct model *m, tfc_status *st)
{
	m->g = tfc_graph_new();
	m->xrank = 4;
	int64_t xd[4] = {64, 28, 28, 1};
	memcpy(m->xdims, xd, sizeof(xd));
	m->ydims[0] = 64;
	m->ydims[1] = 10;
	m->x = placeholder(m->g, "x", 4, (int64_t[]){-1, 28, 28, 1}, st);
	m->y = placeholder(m->g, "y", 2, (int64_t[]){-1, 10}, st);
	tfc_output h = conv_relu_pool(m->g, "conv1", m->x, 5, 1, 6, "SAME", st);
	h = conv_relu_pool(m->g, "conv2", h, 5, 6, 16, "VALID", st);
	h = op2(m->g, "Reshape", h, ivec(m->g, (int64_t[]){-1, 400}, 2, st), st);
	h = dense(m->g, "fc1", h, 400, 120, 1, st);
	h = dense(m->g, "fc2", h, 120, 84, 1, st);
	finish_model(m, dense(m->g, "logits", h, 84, 10, 0, st), st);
}

/* ms per training step, median of steps; with trace_path, one more traced step
 * writes its RunMetadata there. */
static double time_steps(struct model *m, int threads, int steps, const char *trace_path,
			 tfc_status *st)
{
	tfc_session_options *o = tfc_session_options_new();
	char b[8];
	snprintf(b, sizeof(b), "%d", threads);
	tfc_session_options_set_config_value(o, "intra_op_parallelism_threads", b, st);
	tfc_session_options_set_config_value(o, "inter_op_parallelism_threads", "1", st);
	tfc_session *s = tfc_session_new(m->g, o, st);
	tfc_session_options_free(o);
	double med = -1;
	if (!s)
		return med;
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &m->init, 1, NULL, st);
	tfc_tensor *xv = tfc_tensor_new(TFC_FLOAT, m->xdims, m->xrank, st);
	tfc_tensor *yv = tfc_tensor_new(TFC_FLOAT, m->ydims, 2, st);
	if (xv && yv) {
		float *xp = tfc_tensor_data(xv), *yp = tfc_tensor_data(yv);
		for (int64_t i = 0; i < tfc_tensor_num_elements(xv); i++)
			xp[i] = (float)rand() / (float)RAND_MAX;
		for (int64_t i = 0; i < m->ydims[0]; i++)
			yp[i * 10 + i % 10] = 1.0f;
	}
	tfc_output feeds[2] = {m->x, m->y};
	tfc_tensor *vals[2] = {xv, yv};
	double *t = calloc((size_t)steps, sizeof(double));
	for (int i = -3; i < steps && tfc_status_code(st) == TFC_OK; i++) {
		double t0 = now();
		tfc_session_run(s, NULL, 0, feeds, vals, 2, NULL, NULL, 0, &m->train, 1, NULL, st);
		if (i >= 0)
			t[i] = (now() - t0) * 1e3;
	}
	if (tfc_status_code(st) == TFC_OK) {
		qsort(t, (size_t)steps, sizeof(double), cmp_d);
		med = t[steps / 2];
	}
	if (trace_path && tfc_status_code(st) == TFC_OK) {
		Tensorflow__RunOptions ro;
		tensorflow__run_options__init(&ro);
		ro.trace_level = TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__FULL_TRACE;
		uint8_t rob[64];
		size_t rol = tensorflow__run_options__pack(&ro, rob);
		tfc_buffer_t *md = NULL;
		tfc_session_run(s, rob, rol, feeds, vals, 2, NULL, NULL, 0, &m->train, 1, &md, st);
		if (md)
			tfc_write_file(trace_path, md->data, md->length, st);
		tfc_buffer_free(md);
	}
	free(t);
	tfc_tensor_free(xv);
	tfc_tensor_free(yv);
	tfc_session_free(s);
	return med;
}

int main(int argc, char **argv)
{
	int steps = argc > 1 ? atoi(argv[1]) : 20;
	const char *dir = argc > 2 ? argv[2] : NULL;
	const char *tag[2] = {"mlp", "lenet"};
	if (steps < 1)
		steps = 1;
	tfc_status *st = tfc_status_new();
	struct model m[2];
	const char *label[2] = {"MLP 784-512-512-10, batch 128", "LeNet-size convnet, batch 64"};
	build_mlp(&m[0], st);
	build_lenet(&m[1], st);
	if (tfc_status_code(st) != TFC_OK) {
		fprintf(stderr, "bench_train: %s\n", tfc_status_message(st));
		return 1;
	}
	printf("training step (GradientDescent), ms, median of %d steps\n", steps);
	printf("%-34s %10s %10s %8s\n", "model", "1 thread", "2 threads", "speed-up");
	for (int i = 0; i < 2; i++) {
		char p1[4096], p2[4096];
		snprintf(p1, sizeof(p1), "%s/%s-1.rmd", dir ? dir : ".", tag[i]);
		snprintf(p2, sizeof(p2), "%s/%s-2.rmd", dir ? dir : ".", tag[i]);
		double t1 = time_steps(&m[i], 1, steps, dir ? p1 : NULL, st);
		double t2 = time_steps(&m[i], 2, steps, dir ? p2 : NULL, st);
		if (tfc_status_code(st) != TFC_OK) {
			fprintf(stderr, "bench_train: %s\n", tfc_status_message(st));
			return 1;
		}
		printf("%-34s %10.2f %10.2f %7.2fx\n", label[i], t1, t2, t1 / t2);
		tfc_graph_free(m[i].g);
	}
	tfc_status_free(st);
	return 0;
}
