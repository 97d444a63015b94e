/*
 * bench_cf.c: what v1 control flow costs (core/executor_cf.c).
 *  1. a while loop of N iterations (tests/cf_graphs.h: i += 1, acc += i, 7 nodes a
 *     body): microseconds per iteration and per node executed, with 1 and 2
 *     inter-op threads and parallel_iterations 1 and 10;
 *  2. the baseline, measured in the same run: a chain of scalar Adds run by the
 *     plain dataflow executor, microseconds per node; the ratio of (1) to it is what
 *     frames, iterations and deadness add per node.
 * Each figure is the median of REPEATS runs.
 *
 * Usage: bench_cf [REPEATS] [N]   (defaults 7 and 10000)
 */
#include <stdlib.h>
#include <time.h>

#include "tfc.h"
#define CF_GRAPHS_TEXT_MAX (1 << 20)
#include "../cf_graphs.h"
#include "bench_util.h"

/* Median seconds of one run fetching `fetch` from the graph in text t. */
static double time_graph(const struct gtext *t, const char *fetch, const char *threads, int reps)
{
	tfc_status *st = tfc_status_new();
	if (t->full) {
		fprintf(stderr, "bench_cf: graph text too long\n");
		exit(1);
	}
	tfc_graph *g = tfc_graph_new();
	tfc_graph_import(g, t->buf, t->n, TFC_FORMAT_TEXT, NULL, NULL, st);
	check(st, "import");
	tfc_session_options *o = tfc_session_options_new();
	tfc_session_options_set_config_value(o, "inter_op_parallelism_threads", threads, st);
	/* L0: the baseline chain is all constants, which L1 would fold into one. */
	tfc_session_options_set_config_value(o, "graph_options.optimizer_options.opt_level", "L0", st);
	tfc_session *s = tfc_session_new(g, o, st);
	tfc_session_options_free(o);
	check(st, "session");
	tfc_output f = tfc_graph_output_by_name(g, fetch);
	double *v = calloc((size_t)reps + 1, sizeof(double));
	for (int r = -1; r < reps; r++) { /* one warm-up run builds the executable */
		tfc_tensor *out = NULL;
		double t0 = now();
		tfc_session_run(s, NULL, 0, NULL, NULL, 0, &f, &out, 1, NULL, 0, NULL, st);
		check(st, "run");
		if (r >= 0)
			v[r] = now() - t0;
		tfc_tensor_free(out);
	}
	qsort(v, (size_t)reps, sizeof(double), cmp_d);
	double m = v[reps / 2];
	free(v);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
	return m;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 7, n = argc > 2 ? atoi(argv[2]) : 10000;
	if (reps < 1 || n < 1) {
		fprintf(stderr, "usage: bench_cf [REPEATS] [N]\n");
		return 2;
	}
	/* The baseline: a chain of n Adds (one node each), one thread. */
	static struct gtext chain;
	const_i32(&chain, "a0", 0, NULL);
	const_i32(&chain, "one", 1, NULL);
	int links = n < 2000 ? n : 2000; /* GraphDef text of the chain stays small */
	for (int i = 1; i <= links; i++) {
		char name[32], in[64];
		snprintf(name, sizeof(name), "a%d", i);
		snprintf(in, sizeof(in), "a%d,one", i - 1);
		node(&chain, name, "Add", in, T32);
	}
	char last[32];
	snprintf(last, sizeof(last), "a%d:0", links);
	double base = time_graph(&chain, last, "1", reps) / links;
	printf("bench_cf: %d repeats\n", reps);
	printf("  baseline: chain of %d scalar Adds, 1 thread: %.2f us/node\n", links, base * 1e6);
	for (int par = 1; par <= 10; par += 9) {
		for (int th = 1; th <= 2; th++) {
			static struct gtext t;
			memset(&t, 0, sizeof(t));
			char nbuf[16];
			snprintf(nbuf, sizeof(nbuf), "%d", n);
			const_i32(&t, "zero", 0, NULL);
			const_i32(&t, "n", n, NULL);
			counting_loop(&t, "while", "zero", "zero", "n", par);
			char threads[4];
			snprintf(threads, sizeof(threads), "%d", th);
			double sec = time_graph(&t, "while/Exit_1:0", threads, reps);
			/* Per iteration: Merge x2, Less, LoopCond, Switch x2, Identity x2, one,
			 * add, add_1, NextIteration x2 = 14 nodes. */
			double per_node = sec / n / 14;
			printf("  while loop of %d iterations, parallel_iterations %2d, %d thread%s: "
			       "%.2f us/iteration, %.2f us/node (%.1fx the chain)\n",
			       n, par, th, th > 1 ? "s" : " ", sec / n * 1e6, per_node * 1e6, per_node / base);
		}
	}
	return 0;
}
