/*
 * bench_partition.c: the cost of running a graph over two CPU devices joined by
 * _Send/_Recv pairs (core/partition.c, core/rendezvous.c).
 *  1. a wide graph: x fed, y = Identity(x), WIDTH branches (y * c_k, then Square,
 *     Neg, Tanh on a [ELEMS] float vector), summed by AddN. Over one device, and over
 *     two with the branches alternating (each branch on CPU:1 receives y and sends its
 *     result back): time per step with 1 and 2 inter-op threads;
 *  2. the cost of a Send/Recv pair per tensor: a chain of HOPS Identity ops that
 *     alternates devices (every edge crosses: one pair per hop) against the same
 *     chain on one device, one inter-op thread; (two-device - one-device) / HOPS.
 * Each figure is the median of REPEATS batches of STEPS steps. Nothing is asserted
 * on time.
 *
 * Usage: bench_partition [REPEATS] [WIDTH]   (defaults 7, 64)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tfc_ops.h"
#include "bench_util.h"

#define ELEMS 1024
#define STEPS 50
#define HOPS 1000

static tfc_session *session(tfc_graph *g, int inter, tfc_status *st)
{
	tfc_session_options *o = tfc_session_options_new();
	char n[16];
	snprintf(n, sizeof(n), "%d", inter);
	tfc_session_options_set_config_value(o, "device_count.CPU", "2", st);
	tfc_session_options_set_config_value(o, "inter_op_parallelism_threads", n, st);
	tfc_session_options_set_config_value(o, "intra_op_parallelism_threads", "1", st);
	tfc_session *s = tfc_session_new(g, o, st);
	tfc_session_options_free(o);
	check(st, "session");
	return s;
}

static void push_dev(tfc_graph *g, int d, tfc_status *st)
{
	tfc_graph_push_device(g, d ? "/device:CPU:1" : "/device:CPU:0", st);
}

/* The wide graph; branches alternate devices when two_devices. */
static tfc_graph *wide_graph(int width, bool two_devices, tfc_operation **x, tfc_operation **sum,
			     tfc_status *st)
{
	tfc_graph *g = tfc_graph_new();
	push_dev(g, 0, st);
	tfc_op_desc *d = tfc_op_new(g, "Placeholder", "x");
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	*x = tfc_op_finish(d, st);
	tfc_operation *y = tfc_identity(g, "y", (tfc_output){*x, 0}, st);
	tfc_graph_pop_device(g);
	tfc_output *outs = calloc((size_t)width, sizeof(*outs));
	for (int k = 0; k < width; k++) {
		push_dev(g, two_devices && k % 2, st);
		tfc_tensor *ck = tfc_tensor_new_scalar_float(1.0f + (float)k * 1e-3f);
		tfc_operation *c = tfc_const(g, "c", ck, TFC_FLOAT, st);
		tfc_tensor_free(ck);
		tfc_operation *m = tfc_mul(g, "m", (tfc_output){y, 0}, (tfc_output){c, 0}, st);
		tfc_operation *s = tfc_square(g, "s", (tfc_output){m, 0}, st);
		tfc_operation *n = tfc_neg(g, "n", (tfc_output){s, 0}, st);
		outs[k] = (tfc_output){tfc_tanh(g, "t", (tfc_output){n, 0}, st), 0};
		tfc_graph_pop_device(g);
	}
	push_dev(g, 0, st);
	*sum = tfc_add_n(g, "sum", outs, width, st);
	tfc_graph_pop_device(g);
	free(outs);
	check(st, "wide graph");
	return g;
}

/* Median seconds per step of fetching `fetch` feeding x = v. */
static double time_steps(tfc_session *s, tfc_operation *x, tfc_tensor *v, tfc_operation *fetch,
			 int repeats, tfc_status *st)
{
	tfc_output fx = {x, 0}, ff = {fetch, 0};
	double *t = calloc((size_t)repeats, sizeof(double));
	for (int r = -1; r < repeats; r++) { /* r = -1: warm-up (builds the executable) */
		double t0 = now();
		for (int i = 0; i < STEPS; i++) {
			tfc_tensor *out = NULL;
			tfc_session_run(s, NULL, 0, &fx, &v, 1, &ff, &out, 1, NULL, 0, NULL, st);
			check(st, "run");
			tfc_tensor_free(out);
		}
		if (r >= 0)
			t[r] = (now() - t0) / STEPS;
	}
	double m = median(t, repeats);
	free(t);
	return m;
}

static tfc_graph *chain_graph(bool two_devices, tfc_operation **x, tfc_operation **last, tfc_status *st)
{
	tfc_graph *g = tfc_graph_new();
	push_dev(g, 0, st);
	tfc_op_desc *d = tfc_op_new(g, "Placeholder", "x");
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	*x = tfc_op_finish(d, st);
	tfc_graph_pop_device(g);
	tfc_operation *prev = *x;
	for (int i = 0; i < HOPS; i++) {
		push_dev(g, two_devices && i % 2 == 0, st);
		prev = tfc_identity(g, "hop", (tfc_output){prev, 0}, st);
		tfc_graph_pop_device(g);
	}
	*last = prev;
	check(st, "chain graph");
	return g;
}

int main(int argc, char **argv)
{
	int repeats = argc > 1 ? atoi(argv[1]) : 7;
	int width = argc > 2 ? atoi(argv[2]) : 64;
	if (repeats < 1)
		repeats = 1;
	if (width < 2)
		width = 2;
	tfc_status *st = tfc_status_new();
	int64_t dims[] = {ELEMS};
	tfc_tensor *v = tfc_tensor_new(TFC_FLOAT, dims, 1, st);
	for (int i = 0; i < ELEMS; i++)
		((float *)tfc_tensor_data(v))[i] = (float)(i % 13) * 0.01f;

	printf("bench_partition: median of %d batches of %d steps\n", repeats, STEPS);
	printf("1. wide graph: %d branches of 4 ops on float[%d], summed\n", width, ELEMS);
	double wide[2][2];
	for (int dev = 0; dev < 2; dev++) {
		tfc_operation *x, *sum;
		tfc_graph *g = wide_graph(width, dev == 1, &x, &sum, st);
		for (int th = 0; th < 2; th++) {
			tfc_session *s = session(g, th + 1, st);
			wide[dev][th] = time_steps(s, x, v, sum, repeats, st);
			tfc_session_free(s);
		}
		tfc_graph_free(g);
	}
	for (int th = 0; th < 2; th++)
		printf("   %d inter-op thread%s: 1 device %8.1f us/step, 2 devices %8.1f us/step (%+.1f %%; %d Send/Recv pairs a step)\n",
		       th + 1, th ? "s" : " ", wide[0][th] * 1e6, wide[1][th] * 1e6,
		       (wide[1][th] / wide[0][th] - 1) * 100, 1 + width / 2);

	printf("2. a chain of %d Identity ops, every edge crossing devices vs none (1 inter-op thread)\n", HOPS);
	double chain[2];
	for (int dev = 0; dev < 2; dev++) {
		tfc_operation *x, *last;
		tfc_graph *g = chain_graph(dev == 1, &x, &last, st);
		tfc_session *s = session(g, 1, st);
		chain[dev] = time_steps(s, x, v, last, repeats, st);
		tfc_session_free(s);
		tfc_graph_free(g);
	}
	printf("   1 device %8.1f us/step (%.3f us/op), 2 devices %8.1f us/step\n", chain[0] * 1e6,
	       chain[0] * 1e6 / HOPS, chain[1] * 1e6);
	printf("   cost of one Send/Recv pair per tensor: %.3f us\n", (chain[1] - chain[0]) * 1e6 / (HOPS - 1));
	tfc_tensor_free(v);
	tfc_status_free(st);
	return 0;
}
