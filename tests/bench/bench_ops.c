/*
 * bench_ops.c: the op library's benchmarks (issue 7), figures printed, nothing
 * asserted:
 *  1. MatMul through a session (a fed placeholder times a Const, the product
 *     fetched) against raw cblas_sgemm on the same shapes, GFLOP/s; the gap is the
 *     executor's cost (feed, output allocation, fetch);
 *  2. Conv2D: a LeNet-size layer (64x28x28x1 * 5x5x1x32, SAME) and a ResNet-size one
 *     (1x56x56x64 * 3x3x64x64, SAME), ms and GFLOP/s;
 *  3. a large element-wise op (Tanh over 4M floats) and a reduction (Sum over the
 *     rows of 4096x1024), ms;
 * each at 1 and 2 intra-op threads. Figures are medians of REPEATS runs.
 *
 * Usage: bench_ops [REPEATS]   (default 9)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "tfc_ops.h"
#include "bench_util.h"

static int repeats = 9;

static tfc_tensor *filled(int rank, const int64_t *dims)
{
	tfc_tensor *t = tfc_tensor_new(TFC_FLOAT, dims, rank, NULL);
	float *p = tfc_tensor_data(t);
	for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++)
		p[i] = (float)((i * 7919) % 2001) / 1000.0f - 1.0f;
	return t;
}

static tfc_session *session(tfc_graph *g, int intra, tfc_status *st)
{
	char b[8];
	snprintf(b, sizeof(b), "%d", intra);
	tfc_session_options *o = tfc_session_options_new();
	tfc_session_options_set_config_value(o, "intra_op_parallelism_threads", b, st);
	tfc_session_options_set_config_value(o, "inter_op_parallelism_threads", "1", st);
	tfc_session *s = tfc_session_new(g, o, st);
	tfc_session_options_free(o);
	check(st, "session");
	return s;
}

/* Median seconds of one run of fetch with feed. */
static double time_run(tfc_session *s, tfc_output feed, tfc_tensor *fv, tfc_output fetch,
		       tfc_status *st)
{
	double t[64];
	for (int r = -1; r < repeats; r++) { /* one warm-up run */
		tfc_tensor *out = NULL;
		double t0 = now();
		tfc_session_run(s, NULL, 0, feed.oper ? &feed : NULL, feed.oper ? &fv : NULL,
				feed.oper ? 1 : 0, &fetch, &out, 1, NULL, 0, NULL, st);
		double t1 = now();
		check(st, "run");
		tfc_tensor_free(out);
		if (r >= 0)
			t[r] = t1 - t0;
	}
	return median(t, repeats);
}

static void bench_matmul(tfc_status *st)
{
	printf("MatMul (float), session vs cblas_sgemm, GFLOP/s (median of %d)\n", repeats);
	printf("  %-16s %8s %10s %10s %8s\n", "m x k x n", "threads", "session", "sgemm", "ratio");
	const int sizes[][3] = { {64, 64, 64}, {128, 784, 512}, {256, 256, 256}, {512, 512, 512},
				 {1024, 1024, 1024} };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int m = sizes[i][0], k = sizes[i][1], n = sizes[i][2];
		int64_t ad[2] = {m, k}, bd[2] = {k, n};
		for (int th = 1; th <= 2; th++) {
			tfc_graph *g = tfc_graph_new();
			tfc_operation *a = tfc_placeholder(g, "a", TFC_FLOAT, st);
			tfc_tensor *bv = filled(2, bd), *av = filled(2, ad);
			tfc_operation *b = tfc_const(g, "b", bv, TFC_FLOAT, st);
			tfc_operation *mm = tfc_mat_mul(g, "mm", (tfc_output){a, 0}, (tfc_output){b, 0}, st);
			check(st, "graph");
			tfc_session *s = session(g, th, st);
			double ts = time_run(s, (tfc_output){a, 0}, av, (tfc_output){mm, 0}, st);
			/* raw sgemm, same threads */
			openblas_set_num_threads(th);
			float *c = malloc(sizeof(float) * (size_t)m * (size_t)n);
			double t[64];
			for (int r = -1; r < repeats; r++) {
				double t0 = now();
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f,
					    tfc_tensor_data(av), k, tfc_tensor_data(bv), n, 0.0f, c, n);
				if (r >= 0)
					t[r] = now() - t0;
			}
			double tb = median(t, repeats), fl = 2.0 * m * n * k;
			char shape[32];
			snprintf(shape, sizeof(shape), "%dx%dx%d", m, k, n);
			printf("  %-16s %8d %10.2f %10.2f %7.0f%%\n", shape, th, fl / ts * 1e-9,
			       fl / tb * 1e-9, 100.0 * tb / ts);
			free(c);
			tfc_session_close(s, st);
			tfc_session_free(s);
			tfc_tensor_free(av);
			tfc_tensor_free(bv);
			tfc_graph_free(g);
		}
	}
}

static void bench_conv(tfc_status *st)
{
	printf("Conv2D (float, NHWC, SAME), ms and GFLOP/s (median of %d)\n", repeats);
	printf("  %-28s %8s %10s %10s\n", "input * filter", "threads", "ms", "GFLOP/s");
	const int64_t shapes[][8] = { {64, 28, 28, 1, 5, 5, 1, 32}, {64, 14, 14, 32, 5, 5, 32, 64},
				      {1, 56, 56, 64, 3, 3, 64, 64}, {8, 56, 56, 64, 3, 3, 64, 64} };
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const int64_t *sh = shapes[i];
		for (int th = 1; th <= 2; th++) {
			tfc_graph *g = tfc_graph_new();
			tfc_operation *x = tfc_placeholder(g, "x", TFC_FLOAT, st);
			tfc_tensor *xv = filled(4, sh), *fv = filled(4, sh + 4);
			tfc_operation *f = tfc_const(g, "f", fv, TFC_FLOAT, st);
			tfc_op_desc *d = tfc_op_new(g, "Conv2D", "conv");
			tfc_op_add_input(d, (tfc_output){x, 0});
			tfc_op_add_input(d, (tfc_output){f, 0});
			int64_t strides[4] = {1, 1, 1, 1};
			tfc_op_set_attr_int_list(d, "strides", strides, 4);
			tfc_op_set_attr_string(d, "padding", "SAME", 4);
			tfc_operation *conv = tfc_op_finish(d, st);
			check(st, "graph");
			tfc_session *s = session(g, th, st);
			double t = time_run(s, (tfc_output){x, 0}, xv, (tfc_output){conv, 0}, st);
			double fl = 2.0 * sh[0] * sh[1] * sh[2] * sh[4] * sh[5] * sh[6] * sh[7];
			char shape[64];
			snprintf(shape, sizeof(shape), "%lldx%lldx%lldx%lld*%lldx%lldx%lldx%lld",
				 (long long)sh[0], (long long)sh[1], (long long)sh[2], (long long)sh[3],
				 (long long)sh[4], (long long)sh[5], (long long)sh[6], (long long)sh[7]);
			printf("  %-28s %8d %10.2f %10.2f\n", shape, th, t * 1e3, fl / t * 1e-9);
			tfc_session_close(s, st);
			tfc_session_free(s);
			tfc_tensor_free(xv);
			tfc_tensor_free(fv);
			tfc_graph_free(g);
		}
	}
}

/* op over a fed x (and a Const second input when axis >= 0: the reduction axis). */
static void bench_one(const char *type, int rank, const int64_t *dims, int axis, tfc_status *st)
{
	double t1 = 0;
	for (int th = 1; th <= 2; th++) {
		tfc_graph *g = tfc_graph_new();
		tfc_operation *x = tfc_placeholder(g, "x", TFC_FLOAT, st);
		tfc_op_desc *d = tfc_op_new(g, type, "op");
		tfc_op_add_input(d, (tfc_output){x, 0});
		if (axis >= 0) {
			tfc_tensor *a = tfc_tensor_new_scalar_int32(axis);
			tfc_operation *ax = tfc_const(g, "axis", a, TFC_INT32, st);
			tfc_tensor_free(a);
			tfc_op_add_input(d, (tfc_output){ax, 0});
		}
		tfc_operation *op = tfc_op_finish(d, st);
		check(st, "graph");
		tfc_tensor *xv = filled(rank, dims);
		tfc_session *s = session(g, th, st);
		double t = time_run(s, (tfc_output){x, 0}, xv, (tfc_output){op, 0}, st);
		char shape[64];
		tfc_shape sh = tfc_tensor_shape(xv);
		tfc_shape_format(&sh, shape, sizeof(shape));
		if (th == 1)
			t1 = t;
		printf("  %-10s %-14s %8d %10.3f %9.2fx\n", type, shape, th, t * 1e3, t1 / t);
		tfc_session_close(s, st);
		tfc_session_free(s);
		tfc_tensor_free(xv);
		tfc_graph_free(g);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		repeats = atoi(argv[1]);
	if (repeats < 1 || repeats > 64)
		repeats = 9;
	tfc_status *st = tfc_status_new();
	bench_matmul(st);
	bench_conv(st);
	printf("Element-wise and reduction, ms (median of %d; speed-up over 1 thread)\n", repeats);
	printf("  %-10s %-14s %8s %10s %10s\n", "op", "input", "threads", "ms", "speed-up");
	bench_one("Tanh", 1, (const int64_t[]){4 << 20}, -1, st);
	bench_one("Square", 1, (const int64_t[]){4 << 20}, -1, st);
	bench_one("Sum", 2, (const int64_t[]){4096, 1024}, 1, st);
	bench_one("Sum", 2, (const int64_t[]){4096, 1024}, 0, st);
	bench_one("Max", 2, (const int64_t[]){4096, 1024}, 1, st);
	tfc_status_free(st);
	return 0;
}
