/*
 * bench_prof.c: how long tfc-prof's reports take on a big trace database (issue 6:
 * goals < 1 s for --by type and < 2 s for --by scope over 1,000,000 node stats), and
 * how long the Chrome trace export of one step of 100,000 nodes takes.
 *
 *     bench_prof [DIR [STEPS [NODES]]]   (default /tmp, 1000 steps of 1000 nodes)
 *
 * The database is made with tfc_trace_db_add_step from synthetic RunMetadata
 * (tests/trace_synth.h: 4 devices, one output and one allocator entry per node), then
 * the node names are put under name scopes three levels deep ("layer3/block1/node_17")
 * so that --by scope has a tree to build. A second run holds one step of 100,000
 * nodes for the timeline. Each figure is the whole report as tfc-prof makes it
 * (open the database, read the rows, aggregate, format into a memory stream), median
 * of five runs. Prints figures; asserts nothing.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "prof.h"
#include "tfc.h"
#include "tfc_trace.h"
#include "../trace_synth.h"

#define RUNS 5

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void remove_db(const char *path)
{
	char p[1100];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One report: load run, build the view, print it into memory. Seconds, or -1. */
static double report(const char *path, int64_t run, pf_by by, int64_t *rows_out, int *n_rows_out)
{
	tfc_status *st = tfc_status_new();
	pf_select sel = {.run_id = run, .all_steps = true};
	pf_view v = {.by = by, .order_by = -1};
	char *out = NULL;
	size_t out_len = 0;
	double t0 = now_s(), t = -1;
	pf_data *d = pf_data_load(path, &sel, st);
	pf_table *tb = d ? pf_table_build(d, &v, st) : NULL;
	if (tb) {
		FILE *f = open_memstream(&out, &out_len);
		pf_table_print(tb, f, PF_FORMAT_TABLE, 120, st);
		fclose(f);
		t = now_s() - t0;
		*rows_out = d->n_rows;
		*n_rows_out = tb->n_rows;
	}
	if (tfc_status_code(st) != TFC_OK)
		printf("  error: %s\n", tfc_status_message(st));
	free(out);
	pf_table_free(tb);
	pf_data_free(d);
	tfc_status_free(st);
	return t;
}

static double timeline(const char *path, int64_t run, const char *out, size_t *bytes)
{
	tfc_status *st = tfc_status_new();
	pf_select sel = {.run_id = run, .all_steps = true};
	double t0 = now_s(), t = -1;
	pf_data *d = pf_data_load(path, &sel, st);
	if (d) {
		char *json = pf_chrome_trace(d, bytes, st);
		if (json) {
			pf_write_file(out, json, *bytes, st);
			free(json);
			t = now_s() - t0;
		}
	}
	if (tfc_status_code(st) != TFC_OK)
		printf("  error: %s\n", tfc_status_message(st));
	pf_data_free(d);
	tfc_status_free(st);
	return t;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	int steps = argc > 2 ? atoi(argv[2]) : 1000;
	int nodes = argc > 3 ? atoi(argv[3]) : 1000;
	char path[1024], tl[1024];
	snprintf(path, sizeof(path), "%s/bench_prof_%d.db", dir, (int)getpid());
	snprintf(tl, sizeof(tl), "%s/bench_prof_%d.json", dir, (int)getpid());
	remove_db(path);
	printf("bench_prof: %d steps x %d nodes = %lld node stats, then one step of 100,000\n",
	       steps, nodes, (long long)steps * nodes);

	/* the database */
	tfc_status *st = tfc_status_new();
	uint8_t *md[4];
	size_t md_len[4];
	for (int v = 0; v < 4; v++)
		md_len[v] = synth_run_metadata(4, nodes / 4, 1, 1, 1000000 + v * 100000, 0, &md[v]);
	uint8_t *big;
	size_t big_len = synth_run_metadata(4, 25000, 1, 1, 5000000, 0, &big);
	double t0 = now_s();
	tfc_trace_db *db = tfc_trace_db_open(path, st);
	int64_t run1 = tfc_trace_db_begin_run(db, "bench", NULL, 0, NULL, "bench_prof", st);
	for (int i = 0; i < steps && tfc_status_code(st) == TFC_OK; i++)
		tfc_trace_db_add_step(db, run1, i, md[i % 4], md_len[i % 4], st);
	int64_t run2 = tfc_trace_db_begin_run(db, "bench-timeline", NULL, 0, NULL, "bench_prof", st);
	tfc_trace_db_add_step(db, run2, 0, big, big_len, st);
	tfc_trace_db_close(db, st);
	for (int v = 0; v < 4; v++)
		free(md[v]);
	free(big);
	if (tfc_status_code(st) != TFC_OK) {
		printf("  error making the database: %s\n", tfc_status_message(st));
		tfc_status_free(st);
		remove_db(path);
		return 1;
	}
	tfc_status_free(st);
	/* name scopes: node_<i> -> layer<i % 8>/block<i % 3>/node_<i> */
	sqlite3 *s;
	sqlite3_open(path, &s);
	sqlite3_exec(s,
		     "UPDATE strings SET s = 'layer' || (CAST(substr(s, 6) AS INTEGER) % 8) || '/block' || "
		     "(CAST(substr(s, 6) AS INTEGER) % 3) || '/' || s WHERE s GLOB 'node_[0-9]*'",
		     NULL, NULL, NULL);
	sqlite3_close(s);
	printf("  database made in %.2f s\n", now_s() - t0);

	static const struct {
		const char *label;
		pf_by by;
		double goal;
	} cases[] = {{"--by type", PF_BY_TYPE, 1.0}, {"--by scope", PF_BY_SCOPE, 2.0},
		     {"--by node", PF_BY_NODE, 0}, {"--by device", PF_BY_DEVICE, 0},
		     {"--by step", PF_BY_STEP, 0}};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		double t[RUNS];
		int64_t rows = 0;
		int n_rows = 0;
		for (int r = 0; r < RUNS; r++)
			t[r] = report(path, run1, cases[c].by, &rows, &n_rows);
		double m = median(t, RUNS);
		printf("  %-12s %8.3f s  (%lld node stats, %d rows)", cases[c].label, m, (long long)rows,
		       n_rows);
		if (cases[c].goal > 0)
			printf("  goal < %.0f s", cases[c].goal);
		printf("\n");
	}
	double t[RUNS];
	size_t bytes = 0;
	for (int r = 0; r < RUNS; r++)
		t[r] = timeline(path, run2, tl, &bytes);
	printf("  %-12s %8.3f s  (one step of 100,000 nodes, %.1f MB of JSON)\n", "--timeline",
	       median(t, RUNS), (double)bytes / 1e6);
	remove_db(path);
	unlink(tl);
	return 0;
}
