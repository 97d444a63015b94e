/*
 * bench_gpu.c: one training step of a 784-512-512-10 MLP (ReLU, squared error,
 * GradientDescent; batch 128, inputs fed every step) on the GPU and on the CPU, in
 * ms per step (median of STEPS steps after 3 warm-up ones). The GPU session places
 * every op that has a GPU kernel on GPU:0 (tensors stay host-resident: each GPU op
 * copies its inputs in and its outputs out); the CPU one has device_count.GPU = 0.
 * Without a GPU it says so and exits 0.
 *
 * Usage: bench_gpu [STEPS]   (default 20)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gpu.h"
#include "tfc_train.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

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

static tfc_output placeholder(tfc_graph *g, const char *name, int64_t cols, tfc_status *st)
{
	tfc_op_desc *d = tfc_op_new(g, "Placeholder", name);
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_shape s = tfc_shape_make(2, (int64_t[]){128, cols});
	tfc_op_set_attr_shape(d, "shape", &s);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

static double time_steps(tfc_graph *g, bool gpu, tfc_output x, tfc_output y, tfc_operation *init,
			 tfc_operation *train, int steps, tfc_status *st)
{
	tfc_session_options *o = tfc_session_options_new();
	if (!gpu)
		tfc_session_options_set_config_value(o, "device_count.GPU", "0", st);
	tfc_session *s = tfc_session_new(g, o, st);
	tfc_session_options_free(o);
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &init, 1, NULL, st);
	tfc_tensor *xv = tfc_tensor_new(TFC_FLOAT, (int64_t[]){128, 784}, 2, st);
	tfc_tensor *yv = tfc_tensor_new(TFC_FLOAT, (int64_t[]){128, 10}, 2, st);
	for (int64_t i = 0; i < 128 * 784; i++)
		((float *)tfc_tensor_data(xv))[i] = (float)rand() / (float)RAND_MAX;
	for (int64_t i = 0; i < 128; i++)
		((float *)tfc_tensor_data(yv))[i * 10 + i % 10] = 1;
	tfc_output feeds[2] = {x, y};
	tfc_tensor *vals[2] = {xv, yv};
	double *t = calloc((size_t)steps, sizeof(double)), med = -1;
	for (int i = -3; i < steps && tfc_status_code(st) == TFC_OK; i++) {
		double t0 = now();
		tfc_session_run(s, NULL, 0, feeds, vals, 2, NULL, NULL, 0, &train, 1, NULL, st);
		if (i >= 0)
			t[i] = (now() - t0) * 1e3;
	}
	if (tfc_status_code(st) == TFC_OK) {
		qsort(t, (size_t)steps, sizeof(double), cmp_d);
		med = t[steps / 2];
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
	char why[256];
	if (tfc__gpu_count(why, sizeof(why)) == 0) {
		printf("bench_gpu: no GPU (%s); nothing to measure\n", why);
		return 0;
	}
	if (steps < 1)
		steps = 1;
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_output x = placeholder(g, "x", 784, st), y = placeholder(g, "y", 10, st);
	tfc_output h = dense(g, "fc1", x, 784, 512, true, st);
	h = dense(g, "fc2", h, 512, 512, true, st);
	h = dense(g, "logits", h, 512, 10, false, st);
	tfc_output diff = op(g, "Square", op(g, "Sub", h, y, st), (tfc_output){NULL, 0}, st);
	int64_t two = 2;
	tfc_tensor *axes = tfc_tensor_new(TFC_INT32, &two, 1, st);
	((int32_t *)tfc_tensor_data(axes))[0] = 0;
	((int32_t *)tfc_tensor_data(axes))[1] = 1;
	tfc_op_desc *cd = tfc_op_new(g, "Const", "axes");
	tfc_op_set_attr_tensor(cd, "value", axes, st);
	tfc_op_set_attr_type(cd, "dtype", TFC_INT32);
	tfc_tensor_free(axes);
	tfc_output loss = op(g, "Mean", diff, (tfc_output){tfc_op_finish(cd, st), 0}, st);
	tfc_optimizer *opt = tfc_optimizer_gradient_descent_new(0.01f);
	tfc_operation *train = tfc_optimizer_minimize(opt, g, loss, st);
	tfc_operation *init = tfc_global_variables_initializer(g, st);
	tfc_optimizer_free(opt);
	if (tfc_status_code(st) != TFC_OK) {
		fprintf(stderr, "bench_gpu: %s\n", tfc_status_message(st));
		return 1;
	}
	double gpu = time_steps(g, true, x, y, init, train, steps, st);
	double cpu = time_steps(g, false, x, y, init, train, steps, st);
	if (tfc_status_code(st) != TFC_OK) {
		fprintf(stderr, "bench_gpu: %s\n", tfc_status_message(st));
		return 1;
	}
	printf("MLP 784-512-512-10 training step, batch 128, median of %d steps\n", steps);
	printf("  GPU (host-resident tensors): %8.2f ms\n  CPU:                         %8.2f ms\n  CPU / GPU: %.2fx\n",
	       gpu, cpu, cpu / gpu);
	tfc_graph_free(g);
	tfc_status_free(st);
	return 0;
}
