/*
 * trace_writer.c: the helper of test_trace_kill.sh.
 *   trace_writer write DB NODES   adds steps of NODES node stats (2 devices) to a new
 *                                 run in DB until killed, or for 60 s at most (an
 *                                 orphaned writer once filled a disk: 80 GB)
 *   trace_writer check DB NODES   checks what a killed writer left: prints
 *                                 "integrity=ok steps=N short=0 orphans=0 wrong=0" and
 *                                 exits 0 when the database is sound and every step in
 *                                 it is complete
 * check reads the database with SQLite directly, not through libtfc.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tfc.h"
#include "tfc_trace.h"
#include "trace_synth.h"

static long long q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long long v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int do_write(const char *path, int nodes)
{
	tfc_status *st = tfc_status_new();
	tfc_trace_db *db = tfc_trace_db_open(path, st);
	int64_t run = db ? tfc_trace_db_begin_run(db, "killed", NULL, 0, NULL, "trace_writer", st) : -1;
	time_t until = time(NULL) + 60;
	for (int64_t step = 0; tfc_status_code(st) == TFC_OK && time(NULL) < until; step++) {
		uint8_t *buf;
		size_t len = synth_run_metadata(2, nodes / 2, 1, 1, 1000000 + step * 10000, 0, &buf);
		tfc_trace_db_add_step(db, run, step, buf, len, st);
		free(buf);
	}
	fprintf(stderr, "trace_writer: %s\n", tfc_status_message(st));
	tfc_trace_db_close(db, NULL);
	tfc_status_free(st);
	return 1;
}

static int do_check(const char *path, int nodes)
{
	sqlite3 *db;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
		return 1;
	}
	char integrity[256] = "";
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			snprintf(integrity, sizeof(integrity), "%s", (const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
	}
	long long steps = q_int(db, "SELECT count(*) FROM steps");
	/* Fewer node_stats than the step's RunMetadata held (grouped, not a subquery per
	 * step: node_exec has no index by step, so that would be quadratic). */
	long long shorter = q_int(db, "SELECT count(*) FROM steps s LEFT JOIN (SELECT run_id, step, "
				      "count(*) AS c FROM node_stats GROUP BY run_id, step) n "
				      "USING (run_id, step) WHERE s.node_count != coalesce(n.c, 0)");
	/* Rows of a step that has no steps row. */
	long long orphans = q_int(db, "SELECT count(*) FROM (SELECT DISTINCT run_id, step FROM "
				      "node_stats) n LEFT JOIN steps s USING (run_id, step) "
				      "WHERE s.step IS NULL");
	/* A step's rows are not the range of ids its steps row names. */
	long long ranges = q_int(db, "SELECT count(*) FROM steps WHERE node_count > 0 AND "
				     "node_count != last_node_row - first_node_row + 1");
	orphans += ranges;
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM steps WHERE node_count != %d", nodes);
	long long wrong = q_int(db, sql);
	/* Steps are numbered from 0 without gaps: the last committed ones are all there. */
	long long gaps = q_int(db, "SELECT count(*) FROM (SELECT count(*) AS n, max(step) AS last "
				   "FROM steps GROUP BY run_id) WHERE n != last + 1");
	sqlite3_close(db);
	printf("integrity=%s steps=%lld short=%lld orphans=%lld wrong=%lld gaps=%lld\n", integrity,
	       steps, shorter, orphans, wrong, gaps);
	return strcmp(integrity, "ok") == 0 && steps > 0 && shorter == 0 && orphans == 0 &&
			       wrong == 0 && gaps == 0
		       ? 0
		       : 1;
}

int main(int argc, char **argv)
{
	if (argc != 4 || atoi(argv[3]) < 2) {
		fprintf(stderr, "usage: trace_writer write|check DB NODES\n");
		return 2;
	}
	int nodes = atoi(argv[3]) / 2 * 2;
	if (strcmp(argv[1], "write") == 0)
		return do_write(argv[2], nodes);
	if (strcmp(argv[1], "check") == 0)
		return do_check(argv[2], nodes);
	fprintf(stderr, "usage: trace_writer write|check DB NODES\n");
	return 2;
}
