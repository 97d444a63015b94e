/*
 * bench_viz.c: tfc-viz's render time and peak memory (getrusage maxrss) on the
 * fixture InceptionV3 graph (11,040 nodes) collapsed (goal < 1 s) and fully expanded
 * (goal < 10 s), and on the 2,359-node ResNet-50 graph: median of several runs, each
 * case in a child process of its own so that its peak RSS is its own. Prints the
 * figures, asserts nothing. Built and run by `make bench-viz`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "viz.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct result {
	double median_s, min_s;
	long maxrss_kb;
	int n_drawn;
	double w, h;
	int ok;
};

/* Runs one case `runs` times in a child; its figures come back through a pipe. */
static void bench(const char *label, const char *graph, const char *out, bool expand_all,
		  int runs)
{
	int fd[2];
	struct result r;
	memset(&r, 0, sizeof(r));
	if (pipe(fd) != 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		double t[16];
		tfc_status *st = tfc_status_new();
		vz_options o;
		vz_report rep;
		vz_options_default(&o);
		o.graph_path = graph;
		o.out_path = out;
		o.expand_all = expand_all;
		r.ok = 1;
		for (int i = 0; i < runs && i < 16; i++) {
			double t0 = now();
			vz_run(&o, &rep, st);
			t[i] = now() - t0;
			if (tfc_status_code(st) != TFC_OK) {
				fprintf(stderr, "%s: %s\n", label, tfc_status_message(st));
				r.ok = 0;
				break;
			}
		}
		if (r.ok) {
			qsort(t, (size_t)runs, sizeof(double), cmp_double);
			r.median_s = t[runs / 2];
			r.min_s = t[0];
			r.n_drawn = rep.n_drawn;
			r.w = rep.width;
			r.h = rep.height;
		}
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		r.maxrss_kb = ru.ru_maxrss;
		if (write(fd[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(1);
		tfc_status_free(st);
		_exit(0);
	}
	close(fd[1]);
	ssize_t got = read(fd[0], &r, sizeof(r));
	close(fd[0]);
	waitpid(pid, NULL, 0);
	if (got != (ssize_t)sizeof(r) || !r.ok) {
		printf("%-34s failed\n", label);
		return;
	}
	printf("%-34s median %7.3f s  (min %7.3f s, %d runs)  peak RSS %7.1f MiB  %6d items  %.0fx%.0f px\n",
	       label, r.median_s, r.min_s, runs, r.maxrss_kb / 1024.0, r.n_drawn, r.w, r.h);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	char inc[4096], res[4096], dir[] = "/tmp/bench_viz.XXXXXX", out[4200];
	if (runs < 1 || runs > 16)
		runs = 5;
	snprintf(inc, sizeof(inc), "%s/TensorFlow.NET/graph/InceptionV3.meta", tap_fixtures_dir());
	snprintf(res, sizeof(res), "%s/tensorflow/tensorflow/compiler/jit/tests/"
		 "keras_imagenet_main_graph_mode.pbtxt", tap_fixtures_dir());
	if (access(inc, R_OK) != 0 || access(res, R_OK) != 0) {
		printf("bench_viz: fixtures not found under %s (set TFC_FIXTURES)\n", tap_fixtures_dir());
		return 0;
	}
	if (!mkdtemp(dir))
		return 1;
	printf("tfc-viz render benchmark: median of %d runs (load, group, lay out, draw, write)\n",
	       runs);
	snprintf(out, sizeof(out), "%s/out.svg", dir);
	bench("InceptionV3 collapsed  SVG", inc, out, false, runs);
	snprintf(out, sizeof(out), "%s/out.png", dir);
	bench("InceptionV3 collapsed  PNG", inc, out, false, runs);
	snprintf(out, sizeof(out), "%s/out.svg", dir);
	bench("InceptionV3 expanded   SVG", inc, out, true, runs);
	bench("ResNet-50 collapsed    SVG", res, out, false, runs);
	bench("ResNet-50 expanded     SVG", res, out, true, runs);
	snprintf(out, sizeof(out), "%s/out.png", dir);
	bench("ResNet-50 expanded     PNG", res, out, true, runs < 3 ? runs : 3);
	snprintf(out, sizeof(out), "%s/out.svg", dir);
	unlink(out);
	snprintf(out, sizeof(out), "%s/out.png", dir);
	unlink(out);
	rmdir(dir);
	return 0;
}
