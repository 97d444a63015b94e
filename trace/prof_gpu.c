/*
 * prof_gpu.c: tfc-prof's GPU report (--gpu): from the trace database's GPU tables
 * (gpu_kernel_exec, gpu_copy_exec; share/sql/trace_schema.sql), kernel and copy time
 * per op, and per GPU and step the busy time (the union of its kernels' and copies'
 * intervals, so concurrent kernels count once) over the step's wall time.
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "prof.h"

static bool sq(sqlite3 *db, int rc, tfc_status *st)
{
	if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE)
		return true;
	tfc_status_set(st, TFC_INTERNAL, "reading the GPU tables: %s", sqlite3_errmsg(db));
	return false;
}

struct span {
	int64_t a, b;
};

static int by_a(const void *x, const void *y)
{
	const struct span *p = x, *q = y;
	return p->a < q->a ? -1 : p->a > q->a;
}

/* Total length of the union of n spans (sorted here). */
static int64_t union_ns(struct span *v, size_t n)
{
	qsort(v, n, sizeof(*v), by_a);
	int64_t total = 0, lo = 0, hi = INT64_MIN;
	for (size_t i = 0; i < n; i++) {
		if (v[i].a > hi) {
			if (hi > lo)
				total += hi - lo;
			lo = v[i].a;
			hi = v[i].b;
		} else if (v[i].b > hi) {
			hi = v[i].b;
		}
	}
	if (hi > lo)
		total += hi - lo;
	return total;
}

/* The steps clause: " AND step BETWEEN lo AND hi", or "" for all. */
static void step_clause(const pf_select *sel, char *buf, size_t n)
{
	if (sel->all_steps)
		buf[0] = '\0';
	else
		snprintf(buf, n, " AND step BETWEEN %" PRId64 " AND %" PRId64, sel->step_lo, sel->step_hi);
}

static void by_op(sqlite3 *db, int64_t run, const char *steps, FILE *f, pf_format fmt, tfc_status *st)
{
	char sql[2048];
	snprintf(sql, sizeof(sql),
		 "WITH k AS (SELECT coalesce(node_name, '(no op)') AS node, coalesce(op, '') AS op,"
		 "  count(*) AS n, sum(end_nanos - start_nanos) AS ns, 0 AS copies, 0 AS bytes, 0 AS cns"
		 "  FROM gpu_kernel WHERE run_id = %" PRId64 "%s GROUP BY 1, 2"
		 " UNION ALL SELECT coalesce(node_name, '(no op)'), coalesce(op, ''), 0, 0, count(*),"
		 "  sum(bytes), sum(end_nanos - start_nanos) FROM gpu_copy WHERE run_id = %" PRId64 "%s"
		 "  GROUP BY 1, 2)"
		 " SELECT node, op, sum(n), sum(ns), sum(copies), sum(bytes), sum(cns) FROM k"
		 " GROUP BY 1, 2 ORDER BY sum(ns) + sum(cns) DESC, node",
		 run, steps, run, steps);
	sqlite3_stmt *q = NULL;
	if (!sq(db, sqlite3_prepare_v2(db, sql, -1, &q, NULL), st))
		return;
	if (fmt == PF_FORMAT_CSV)
		fprintf(f, "node,op,kernels,kernel_us,copies,copy_bytes,copy_us\n");
	else
		fprintf(f, "%-40s %-16s %8s %12s %7s %12s %12s\n", "node", "op", "kernels", "kernel time",
			"copies", "copy bytes", "copy time");
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *node = (const char *)sqlite3_column_text(q, 0), *op = (const char *)sqlite3_column_text(q, 1);
		int64_t n = sqlite3_column_int64(q, 2), ns = sqlite3_column_int64(q, 3);
		int64_t nc = sqlite3_column_int64(q, 4), bytes = sqlite3_column_int64(q, 5), cns = sqlite3_column_int64(q, 6);
		if (fmt == PF_FORMAT_CSV) {
			fprintf(f, "%s,%s,%" PRId64 ",%.3f,%" PRId64 ",%" PRId64 ",%.3f\n", node, op, n, ns / 1e3, nc,
				bytes, cns / 1e3);
			continue;
		}
		char kt[32], ct[32];
		pf_fmt_us(ns / 1e3, kt, sizeof(kt));
		pf_fmt_us(cns / 1e3, ct, sizeof(ct));
		fprintf(f, "%-40s %-16s %8" PRId64 " %12s %7" PRId64 " %12" PRId64 " %12s\n", node, op, n, kt, nc,
			bytes, ct);
	}
	sq(db, rc, st);
	sqlite3_finalize(q);
}

static void utilization(sqlite3 *db, int64_t run, const char *steps, FILE *f, pf_format fmt, tfc_status *st)
{
	char sql[2048];
	snprintf(sql, sizeof(sql),
		 "SELECT a.device, a.step, a.start_nanos, a.end_nanos, s.start_micros, s.end_micros FROM"
		 " (SELECT device, step, start_nanos, end_nanos FROM gpu_kernel WHERE run_id = %" PRId64 "%s"
		 "  UNION ALL SELECT device, step, start_nanos, end_nanos FROM gpu_copy WHERE run_id = %" PRId64 "%s) a"
		 " JOIN steps s ON s.run_id = %" PRId64 " AND s.step = a.step ORDER BY 1, 2",
		 run, steps, run, steps, run);
	sqlite3_stmt *q = NULL;
	if (!sq(db, sqlite3_prepare_v2(db, sql, -1, &q, NULL), st))
		return;
	if (fmt == PF_FORMAT_CSV)
		fprintf(f, "device,step,busy_us,wall_us,utilization\n");
	else
		fprintf(f, "\nGPU utilization (busy: kernels and copies, overlaps counted once)\n%-24s %6s %12s %12s %8s\n",
			"device", "step", "busy", "step wall", "busy %");
	size_t n = 0, cap = 256;
	struct span *v = tfc__malloc(cap * sizeof(*v));
	char dev[256] = "";
	int64_t step = -1, wall = 0;
	int rc;
	for (;;) {
		rc = sqlite3_step(q);
		const char *d = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) : NULL;
		int64_t s = rc == SQLITE_ROW ? sqlite3_column_int64(q, 1) : -1;
		if (n && (rc != SQLITE_ROW || strcmp(d, dev) != 0 || s != step)) {
			int64_t busy = union_ns(v, n);
			if (fmt == PF_FORMAT_CSV) {
				fprintf(f, "%s,%" PRId64 ",%.3f,%.3f,%.4f\n", dev, step, busy / 1e3, wall / 1e3,
					wall > 0 ? (double)busy / (double)wall : 0.0);
			} else {
				char b[32], w[32];
				pf_fmt_us(busy / 1e3, b, sizeof(b));
				pf_fmt_us(wall / 1e3, w, sizeof(w));
				fprintf(f, "%-24s %6" PRId64 " %12s %12s %7.2f%%\n", dev, step, b, w,
					wall > 0 ? 100.0 * (double)busy / (double)wall : 0.0);
			}
			n = 0;
		}
		if (rc != SQLITE_ROW)
			break;
		snprintf(dev, sizeof(dev), "%s", d);
		step = s;
		wall = (sqlite3_column_int64(q, 5) - sqlite3_column_int64(q, 4)) * 1000;
		if (n == cap)
			v = tfc__realloc(v, (cap *= 2) * sizeof(*v));
		v[n++] = (struct span){sqlite3_column_int64(q, 2), sqlite3_column_int64(q, 3)};
	}
	sq(db, rc, st);
	free(v);
	sqlite3_finalize(q);
}

void pf_gpu_report(const char *path, int64_t run_id, const pf_select *sel, FILE *f, pf_format fmt, tfc_status *st)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	tfc_status_set(st, TFC_OK, NULL);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		tfc_status_set(st, TFC_NOT_FOUND, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
		goto out;
	}
	char steps[128], sql[512];
	step_clause(sel, steps, sizeof(steps));
	snprintf(sql, sizeof(sql),
		 "SELECT (SELECT count(*) FROM gpu_kernel_exec WHERE run_id = %" PRId64 "%s) +"
		 " (SELECT count(*) FROM gpu_copy_exec WHERE run_id = %" PRId64 "%s)",
		 run_id, steps, run_id, steps);
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		/* A database older than version 3 has no GPU tables: nothing recorded. */
		fprintf(f, "run %" PRId64 ": no GPU activity recorded\n", run_id);
		goto out;
	}
	int64_t rows = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	if (rows == 0) {
		fprintf(f, "run %" PRId64 ": no GPU activity recorded (trace a run that uses a GPU with --trace full "
			   "or hardware)\n", run_id);
		goto out;
	}
	if (fmt == PF_FORMAT_TABLE)
		fprintf(f, "run %" PRId64 ": GPU time by op (kernels and copies the op launched)\n", run_id);
	by_op(db, run_id, steps, f, fmt, st);
	if (tfc_status_code(st) == TFC_OK)
		utilization(db, run_id, steps, f, fmt, st);
out:
	sqlite3_finalize(q);
	sqlite3_close(db);
}
