/*
 * bench_session.c: the session issue's benchmarks.
 *  1. run overhead: one Const fetched, microseconds per tfc_session_run (median of
 *     repeated batches);
 *  2. executor overhead: a chain of 10,000 cheap scalar Add ops, microseconds per op;
 *  3. a wide graph of independent ops (64 MatMuls of 128x128, all fetched):
 *     time with 1 and with 2 inter-op threads, and the speed-up;
 *  4. tracing overhead: the same steps with FULL_TRACE (RunMetadata requested) against
 *     NO_TRACE, on the chain and on the wide graph.
 * Each figure is the median of REPEATS batches; the baseline for (2) and (3) is
 * measured in the same run (one thread; one op).
 *
 * Usage: bench_session [REPEATS]   (default 7)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.pb-c.h"
#include "tfc_ops.h"
#include "bench_util.h"

static tfc_session *session(tfc_graph *g, const char *inter, tfc_status *st)
{
	tfc_session_options *o = tfc_session_options_new();
	tfc_session_options_set_config_value(o, "inter_op_parallelism_threads", inter, st);
	tfc_session_options_set_config_value(o, "intra_op_parallelism_threads", "1", st);
	/* L0: these graphs are all constants, which L1 would fold away; the point is
	 * the executor's cost per node. */
	tfc_session_options_set_config_value(o, "graph_options.optimizer_options.opt_level", "L0", st);
	tfc_session *s = tfc_session_new(g, o, st);
	tfc_session_options_free(o);
	check(st, "session");
	return s;
}

/* Seconds per run fetching `fetch` (nf tensors), median over `reps` batches of `n`. */
static double time_runs_n(tfc_session *s, const tfc_output *fetch, int nf, int n, int reps,
			  tfc_status *st)
{
	double *t = calloc((size_t)reps, sizeof(double));
	tfc_tensor **out = calloc((size_t)nf, sizeof(*out));
	for (int r = 0; r < reps; r++) {
		double t0 = now();
		for (int i = 0; i < n; i++) {
			tfc_session_run(s, NULL, 0, NULL, NULL, 0, fetch, out, nf, NULL, 0, NULL, st);
			for (int k = 0; k < nf; k++)
				tfc_tensor_free(out[k]);
		}
		t[r] = (now() - t0) / n;
	}
	free(out);
	check(st, "run");
	double m = median(t, reps);
	free(t);
	return m;
}

/* Seconds per traced run (FULL_TRACE, RunMetadata built and freed). */
static double time_traced(tfc_session *s, const tfc_output *fetch, int nf, int n, int reps,
			  tfc_status *st)
{
	Tensorflow__RunOptions ro;
	tensorflow__run_options__init(&ro);
	ro.trace_level = TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__FULL_TRACE;
	uint8_t buf[32];
	size_t len = protobuf_c_message_get_packed_size(&ro.base);
	protobuf_c_message_pack(&ro.base, buf);
	double *t = calloc((size_t)reps, sizeof(double));
	tfc_tensor **out = calloc((size_t)nf, sizeof(*out));
	for (int r = 0; r < reps; r++) {
		double t0 = now();
		for (int i = 0; i < n; i++) {
			tfc_buffer_t *md = NULL;
			tfc_session_run(s, buf, len, NULL, NULL, 0, fetch, out, nf, NULL, 0, &md, st);
			tfc_buffer_free(md);
			for (int k = 0; k < nf; k++)
				tfc_tensor_free(out[k]);
		}
		t[r] = (now() - t0) / n;
	}
	free(out);
	check(st, "traced run");
	double m = median(t, reps);
	free(t);
	return m;
}

static double time_runs(tfc_session *s, tfc_output fetch, int n, int reps, tfc_status *st)
{
	return time_runs_n(s, &fetch, 1, n, reps, st);
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 7;
	tfc_status *st = tfc_status_new();
	printf("tfc session benchmarks, median of %d batches\n", reps);

	/* 1. run overhead */
	tfc_graph *g = tfc_graph_new();
	tfc_tensor *one = tfc_tensor_new_scalar_float(1);
	tfc_operation *c = tfc_const(g, "c", one, TFC_FLOAT, st);
	tfc_session *s = session(g, "1", st);
	time_runs(s, (tfc_output){c, 0}, 1000, 1, st); /* warm the signature cache */
	double run_us = time_runs(s, (tfc_output){c, 0}, 20000, reps, st) * 1e6;
	printf("run overhead (one Const fetched):        %8.2f us per run\n", run_us);
	tfc_session_free(s);

	/* 2. executor overhead: a chain of scalar Adds */
	enum { CHAIN = 10000 };
	tfc_output cur = {c, 0};
	for (int i = 0; i < CHAIN; i++)
		cur = (tfc_output){tfc_add(g, NULL, cur, (tfc_output){c, 0}, st), 0};
	check(st, "chain");
	s = session(g, "1", st);
	time_runs(s, cur, 1, 1, st);
	double chain = time_runs(s, cur, 5, reps, st);
	printf("executor overhead (chain of %d Adds): %8.3f us per op (%.2f ms per run)\n", CHAIN,
	       chain * 1e6 / CHAIN, chain * 1e3);
	double chain_tr = time_traced(s, &cur, 1, 5, reps, st);
	printf("  FULL_TRACE on the chain: %.2f ms per run, overhead %.0f%% (%.3f us per node stat)\n",
	       chain_tr * 1e3, (chain_tr / chain - 1) * 100, (chain_tr - chain) * 1e6 / CHAIN);
	tfc_session_free(s);
	tfc_graph_free(g);

	/* 3. a wide graph: 64 independent MatMuls, all fetched */
	g = tfc_graph_new();
	int64_t dims[] = {128, 128};
	tfc_tensor *m = tfc_tensor_new(TFC_FLOAT, dims, 2, st);
	for (int i = 0; i < 128 * 128; i++)
		((float *)tfc_tensor_data(m))[i] = (float)(i % 7) * 0.01f;
	tfc_operation *mc = tfc_const(g, "m", m, TFC_FLOAT, st);
	tfc_output parts[64];
	for (int i = 0; i < 64; i++)
		parts[i] = (tfc_output){tfc_mat_mul(g, NULL, (tfc_output){mc, 0}, (tfc_output){mc, 0}, st), 0};
	check(st, "wide graph");
	tfc_session *s1 = session(g, "1", st), *s2 = session(g, "2", st);
	time_runs_n(s1, parts, 64, 2, 1, st);
	time_runs_n(s2, parts, 64, 2, 1, st);
	double t1 = time_runs_n(s1, parts, 64, 20, reps, st);
	double t2 = time_runs_n(s2, parts, 64, 20, reps, st);
	printf("wide graph (64 MatMul 128x128, all fetched): %.3f ms with 1 inter-op thread, "
	       "%.3f ms with 2: speed-up %.2fx\n",
	       t1 * 1e3, t2 * 1e3, t1 / t2);
	double t1_tr = time_traced(s1, parts, 64, 20, reps, st);
	printf("  FULL_TRACE on the wide graph (1 thread): %.3f ms, overhead %.1f%%\n", t1_tr * 1e3,
	       (t1_tr / t1 - 1) * 100);
	tfc_session_free(s1);
	tfc_session_free(s2);
	tfc_tensor_free(m);
	tfc_tensor_free(one);
	tfc_graph_free(g);
	tfc_status_free(st);
	return 0;
}
