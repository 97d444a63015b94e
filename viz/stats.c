/*
 * stats.c: reading per-op time, memory and placement from a trace database
 * (stats.h) with sqlite3, read-only.
 */
#include "stats.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

static int64_t one_int(sqlite3 *db, const char *sql, int64_t arg, bool *found)
{
	sqlite3_stmt *q = NULL;
	int64_t v = 0;
	*found = false;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(q, 1, arg);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL) {
		v = sqlite3_column_int64(q, 0);
		*found = true;
	}
	sqlite3_finalize(q);
	return v;
}

int vz_stats_load(vz_graph *g, const char *db_path, int64_t run_id, int64_t step,
		  int64_t *run_out, int64_t *step_out, tfc_status *st)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int matched = -1;
	bool found;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		tfc_status_set(st, TFC_NOT_FOUND, "%s: cannot open the trace database: %s", db_path,
			       db ? sqlite3_errmsg(db) : "out of memory");
		goto cleanup;
	}
	if (sqlite3_prepare_v2(db, "SELECT MAX(id) FROM runs", -1, &q, NULL) != SQLITE_OK) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s: not a tfc trace database: %s",
			       db_path, sqlite3_errmsg(db));
		goto cleanup;
	}
	sqlite3_finalize(q);
	q = NULL;
	if (run_id < 0) {
		run_id = one_int(db, "SELECT MAX(id) FROM runs WHERE ?1 = ?1", 0, &found);
		if (!found) {
			tfc_status_set(st, TFC_NOT_FOUND, "%s: the trace database holds no runs",
				       db_path);
			goto cleanup;
		}
	} else {
		one_int(db, "SELECT id FROM runs WHERE id = ?1", run_id, &found);
		if (!found) {
			tfc_status_set(st, TFC_NOT_FOUND, "%s: no run %lld in the trace database",
				       db_path, (long long)run_id);
			goto cleanup;
		}
	}
	if (step < 0) {
		/* The run's fullest step: the most ops traced, the last of equals (the
		 * first steps of a run often hold initializers only). */
		step = one_int(db, "SELECT step FROM node_stats WHERE run_id = ?1 GROUP BY step"
				   " ORDER BY COUNT(*) DESC, step DESC LIMIT 1", run_id, &found);
		if (!found) {
			tfc_status_set(st, TFC_NOT_FOUND, "%s: run %lld has no traced steps", db_path,
				       (long long)run_id);
			goto cleanup;
		}
	}
	if (run_out)
		*run_out = run_id;
	if (step_out)
		*step_out = step;
	for (int i = 0; i < g->n_ops; i++) {
		g->ops[i].has_stats = false;
		g->ops[i].time_us = 0;
		g->ops[i].bytes = 0;
	}
	const char *sql =
		"SELECT node_name, MIN(device), SUM(all_end_rel_micros), MIN(all_start_micros),"
		" MAX(all_start_micros + all_end_rel_micros) FROM node_stats"
		" WHERE run_id = ?1 AND step = ?2 GROUP BY node_name";
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_int64(q, 1, run_id);
	sqlite3_bind_int64(q, 2, step);
	matched = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 0);
		int i = name ? vz_graph_find(g, name) : -1;
		if (i < 0)
			continue;
		vz_op *op = &g->ops[i];
		const char *dev = (const char *)sqlite3_column_text(q, 1);
		free(op->placed);
		op->placed = vz_strdup(dev ? dev : "");
		op->time_us = sqlite3_column_double(q, 2);
		op->start_us = sqlite3_column_int64(q, 3);
		op->end_us = sqlite3_column_int64(q, 4);
		op->has_stats = true;
		matched++;
	}
	sqlite3_finalize(q);
	q = NULL;
	if (rc != SQLITE_DONE)
		goto sql_error;
	sql = "SELECT node_name, SUM(total_bytes) FROM memory"
	      " WHERE run_id = ?1 AND step = ?2 AND total_bytes > 0 GROUP BY node_name";
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_int64(q, 1, run_id);
	sqlite3_bind_int64(q, 2, step);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 0);
		int i = name ? vz_graph_find(g, name) : -1;
		if (i >= 0)
			g->ops[i].bytes = sqlite3_column_int64(q, 1);
	}
	if (rc != SQLITE_DONE)
		goto sql_error;
	tfc_status_set(st, TFC_OK, " ");
	goto cleanup;
sql_error:
	tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s: reading the trace database: %s", db_path,
		       sqlite3_errmsg(db));
	matched = -1;
cleanup:
	sqlite3_finalize(q);
	sqlite3_close(db);
	return matched;
}
