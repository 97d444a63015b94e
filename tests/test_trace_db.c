/*
 * test_trace_db.c: the SQLite trace database (tfc_trace.h, contract 3 of
 * docs/DESIGN.md): schema and user_version, many steps of synthetic RunMetadata
 * (counts and ordering invariants as stored), empty RunMetadata, import of
 * TensorFlow's RunMetadata fixtures (binary and text), and the errors: a corrupt or
 * truncated RunMetadata, a corrupt database file, a newer schema, a database that is
 * not ours, a step recorded twice.
 */
#include "config.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "test_util.h"
#include "tfc.h"
#include "tfc_trace.h"
#include "trace_synth.h"

static char dir[] = "/tmp/tfc_trace_db_XXXXXX";

static const char *tmp_path(const char *name)
{
	static char buf[4][512];
	static int k;
	char *p = buf[k++ % 4];
	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

/* The first column of the first row of a query, as an integer (-1 on error). */
static long long q_int(sqlite3 *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static long long q_int(sqlite3 *db, const char *fmt, ...)
{
	char sql[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	sqlite3_stmt *s;
	long long v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		diag("%s: %s", sql, sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_type(s, 0) == SQLITE_NULL ? -2 : sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The first column of the first row, as text (static buffer; "" if none). */
static const char *q_text(sqlite3 *db, const char *sql)
{
	static char buf[1024];
	sqlite3_stmt *s;
	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return "(error)";
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(buf, sizeof(buf), "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return buf;
}

static sqlite3 *open_ro(const char *path)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		diag("open %s: %s", path, sqlite3_errmsg(db));
	return db;
}

static void test_schema(void)
{
	tfc_status *st = tfc_status_new();
	const char *path = tmp_path("schema.db");
	tfc_trace_db *db = tfc_trace_db_open(path, st);
	ok(db != NULL, "a new trace database opens: %s", tfc_status_message(st));
	tfc_trace_db_close(db, st);
	is_int(tfc_status_code(st), TFC_OK, "and closes");
	is_int(tfc_trace_db_schema_version(), 3, "the schema version is 3");

	sqlite3 *s = open_ro(path);
	is_int(q_int(s, "PRAGMA user_version"), tfc_trace_db_schema_version(),
	       "PRAGMA user_version is the schema version");
	is_string(q_text(s, "PRAGMA journal_mode"), "wal", "the database is in WAL mode");
	static const char *const tables[] = {"runs", "graphs", "steps", "devices", "strings",
					     "node_exec", "node_outputs", "node_memory",
					     "partition_graphs", "gpu_kernel_exec", "gpu_copy_exec",
					     "gpu_api_exec"};
	int found = 0;
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		found += q_int(s, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='%s'",
			       tables[i]) == 1;
	is_int(found, (int)(sizeof(tables) / sizeof(tables[0])), "every table of the schema exists");
	static const char *const views[] = {"node_stats", "outputs", "memory", "allocator_memory"};
	found = 0;
	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++)
		found += q_int(s, "SELECT count(*) FROM sqlite_master WHERE type='view' AND name='%s'",
			       views[i]) == 1;
	is_int(found, (int)(sizeof(views) / sizeof(views[0])),
	       "node_stats, outputs, memory and allocator_memory are views");
	is_int(q_int(s, "PRAGMA page_size"), 32768, "a new database has 32 KiB pages");
	static const char *const columns[] = {
		"node_stats.all_start_micros", "node_stats.op_start_rel_micros",
		"node_stats.op_end_rel_micros", "node_stats.all_end_rel_micros",
		"node_stats.scheduled_micros", "node_stats.thread_id", "node_stats.timeline_label",
		"node_stats.op", "node_stats.device", "outputs.requested_bytes",
		"outputs.allocated_bytes", "outputs.allocator_name", "memory.peak_bytes",
		"memory.live_bytes", "partition_graphs.graph_def", "graphs.graph_def",
		"runs.command_line", "runs.tfc_version", "runs.host", "steps.start_micros"};
	found = 0;
	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++) {
		char t[64];
		const char *dot = strchr(columns[i], '.');
		snprintf(t, sizeof(t), "%.*s", (int)(dot - columns[i]), columns[i]);
		long long n = q_int(s, "SELECT count(*) FROM pragma_table_info('%s') WHERE name='%s'", t,
				    dot + 1);
		if (n != 1)
			diag("missing column %s", columns[i]);
		found += n == 1;
	}
	is_int(found, (int)(sizeof(columns) / sizeof(columns[0])),
	       "columns follow TensorFlow's StepStats field names");
	is_int(q_int(s, "SELECT count(*) FROM sqlite_master WHERE type='index' AND tbl_name='node_exec'"),
	       0, "node_exec has no index to keep up to date (steps give its row ranges)");
	sqlite3_close(s);

	/* Opening again keeps the schema and the version. */
	db = tfc_trace_db_open(path, st);
	ok(db != NULL, "an existing database opens again");
	tfc_trace_db_close(db, st);
	tfc_status_free(st);
}

/* A small graph whose node names match the synthetic RunMetadata's first nodes. */
static tfc_buffer_t *small_graph(tfc_status *st)
{
	tfc_graph *g = tfc_graph_new();
	t_const_f(g, "node_0", 1.0f, st);
	t_const_f(g, "node_1", 2.0f, st);
	tfc_buffer_t *b = tfc_graph_to_graphdef(g, TFC_FORMAT_BINARY, st);
	tfc_graph_free(g);
	return b;
}

static void test_steps(void)
{
	tfc_status *st = tfc_status_new();
	const char *path = tmp_path("steps.db");
	tfc_trace_db *db = tfc_trace_db_open(path, st);
	tfc_buffer_t *gd = small_graph(st);
	int64_t run = tfc_trace_db_begin_run(db, "small.pb", gd->data, gd->length,
					     "inter_op_parallelism_threads: 2", "test_trace_db", st);
	is_int(tfc_status_code(st), TFC_OK, "begin_run: %s", tfc_status_message(st));
	is_int(run, 1, "the first run has id 1");
	int64_t run2 = tfc_trace_db_begin_run(db, NULL, NULL, 0, NULL, NULL, st);
	is_int(run2, 2, "a second run without a graph has id 2");

	const int n_steps = 300;
	long long want_nodes = 0, want_outputs = 0, want_pg = 0;
	int bad = 0;
	for (int step = 0; step < n_steps; step++) {
		int devs = 1 + step % 3, per_dev = 5 + step % 11, n_out = step % 3;
		uint8_t *buf;
		size_t len = synth_run_metadata(devs, per_dev, n_out, 1, 1000000 + 1000 * step,
						step % 50 == 0, &buf);
		tfc_trace_db_add_step(db, run, step, buf, len, st);
		bad += tfc_status_code(st) != TFC_OK;
		free(buf);
		want_nodes += devs * per_dev;
		want_outputs += devs * per_dev * n_out;
		want_pg += step % 50 == 0 ? devs : 0;
	}
	is_int(bad, 0, "%d steps added", n_steps);
	tfc_trace_db_add_step(db, run2, 0, NULL, 0, st);
	is_int(tfc_status_code(st), TFC_OK, "an empty RunMetadata (no bytes) is a step too");
	tfc_trace_db_add_step(db, run2, 1, "", 0, st);
	is_int(tfc_status_code(st), TFC_OK, "and so is a zero-length one");
	tfc_trace_db_flush(db, st);
	is_int(tfc_status_code(st), TFC_OK, "flush");

	/* Readable by another connection while the writer is open: WAL. */
	sqlite3 *s = open_ro(path);
	is_int(q_int(s, "SELECT count(*) FROM steps WHERE run_id = 1"), n_steps,
	       "after a flush another connection sees every step");
	sqlite3_close(s);
	tfc_trace_db_close(db, st);
	is_int(tfc_status_code(st), TFC_OK, "close: %s", tfc_status_message(st));
	tfc_buffer_free(gd);

	s = open_ro(path);
	is_int(q_int(s, "SELECT count(*) FROM node_stats WHERE run_id = 1"), want_nodes,
	       "node_stats has every node put in (%lld)", want_nodes);
	is_int(q_int(s, "SELECT sum(node_count) FROM steps WHERE run_id = 1"), want_nodes,
	       "steps.node_count adds up to the same");
	is_int(q_int(s, "SELECT count(*) FROM steps s WHERE node_count != (SELECT count(*) FROM "
		        "node_stats n WHERE n.run_id = s.run_id AND n.step = s.step)"), 0,
	       "every step has exactly its node count of node_stats");
	is_int(q_int(s, "SELECT count(*) FROM steps WHERE run_id = 1 AND node_count > 0 AND "
		        "node_count != last_node_row - first_node_row + 1"), 0,
	       "each step's node_exec rows are one range of ids, first_node_row .. last_node_row");
	is_int(q_int(s, "SELECT count(*) FROM node_exec n JOIN steps s ON n.id BETWEEN "
		        "s.first_node_row AND s.last_node_row WHERE n.run_id != s.run_id OR "
		        "n.step != s.step"), 0, "and every row in a step's range belongs to it");
	is_int(q_int(s, "SELECT count(*) FROM steps WHERE run_id = 1 AND device_count != "
		        "1 + step %% 3"), 0, "and its device count");
	is_int(q_int(s, "SELECT count(*) FROM devices WHERE run_id = 1"),
	       q_int(s, "SELECT sum(device_count) FROM steps WHERE run_id = 1"),
	       "devices has one row per device and step");
	is_int(q_int(s, "SELECT count(*) FROM outputs WHERE run_id = 1"), want_outputs,
	       "outputs has every NodeOutput (%lld)", want_outputs);
	is_int(q_int(s, "SELECT count(*) FROM memory WHERE run_id = 1"), want_nodes,
	       "memory has every AllocatorMemoryUsed");
	is_int(q_int(s, "SELECT count(*) FROM partition_graphs WHERE run_id = 1"), want_pg,
	       "partition_graphs has every partition graph");
	is_int(q_int(s, "SELECT count(*) FROM node_stats WHERE NOT (0 <= op_start_rel_micros AND "
		        "op_start_rel_micros <= op_end_rel_micros AND op_end_rel_micros <= "
		        "all_end_rel_micros)"), 0,
	       "stored: start <= op start <= op end <= end for every node");
	is_int(q_int(s, "SELECT count(*) FROM node_stats n JOIN steps s USING (run_id, step) WHERE "
		        "n.all_start_micros < s.start_micros OR n.all_start_micros + "
		        "n.all_end_rel_micros > s.end_micros"), 0, "every node lies inside its step");
	is_int(q_int(s, "SELECT count(*) FROM steps WHERE run_id = 1 AND start_micros != 1000000 + "
		        "1000 * step"), 0, "a step starts at its first node");
	is_int(q_int(s, "SELECT count(*) FROM node_stats WHERE all_start_nanos != all_start_micros "
		        "* 1000 + 123"), 0, "nanosecond fields are kept");
	is_string(q_text(s, "SELECT op FROM node_stats WHERE run_id = 1 AND node_name = 'node_0' "
			    "LIMIT 1"), "Const", "op comes from the run's graph");
	is_string(q_text(s, "SELECT op FROM node_stats WHERE run_id = 1 AND node_name = 'node_3' "
			    "LIMIT 1"), "Conv2D", "else from the timeline label");
	is_string(q_text(s, "SELECT shape FROM outputs LIMIT 1"), "[32,?]", "shapes as text");
	is_string(q_text(s, "SELECT allocator_name FROM outputs LIMIT 1"), "cpu", "allocator name");
	is_int(q_int(s, "SELECT count(*) FROM allocator_memory WHERE run_id = 1"), n_steps,
	       "allocator_memory: one row per step and allocator");
	is_int(q_int(s, "SELECT count(*) FROM graphs WHERE run_id = 1 AND length(graph_def) > 10"), 1,
	       "the run's graph is stored");
	is_string(q_text(s, "SELECT graph_name || '|' || config || '|' || command_line || '|' || "
			    "tfc_version || '|' || source FROM runs WHERE id = 1"),
		  "small.pb|inter_op_parallelism_threads: 2|test_trace_db|" PACKAGE_VERSION "|tfc",
		  "runs keeps the graph name, config, command line, version");
	ok(strlen(q_text(s, "SELECT started_at FROM runs WHERE id = 1")) == 27,
	   "started_at is an ISO 8601 timestamp: %s", q_text(s, "SELECT started_at FROM runs WHERE id = 1"));
	is_int(q_int(s, "SELECT count(*) FROM steps WHERE run_id = 2 AND node_count = 0 AND "
		        "start_micros IS NULL"), 2, "empty steps have no nodes and no times");
	is_string(q_text(s, "PRAGMA integrity_check"), "ok", "integrity_check passes");
	sqlite3_close(s);
	tfc_status_free(st);
}

static tfc_buffer_t *read_fixture(const char *rel, tfc_status *st)
{
	return tfc_read_file(fixture(rel), st);
}

static void test_import(void)
{
	static const char *const prof = "tensorflow/tensorflow/core/profiler/internal/testdata/";
	static const char *const tfprof =
		"tensorflow/tensorflow/contrib/tfprof/tools/tfprof/internal/testdata/";
	static const char *const text =
		"tensorflow/tensorflow/tensorboard/components/tf-backend/test/data/"
		"run_metadata_run_step99_tag_train.pbtxt";
	char rm_path[512], gd_path[512];
	tfc_status *st = tfc_status_new();
	const char *path = tmp_path("import.db");
	tfc_trace_db *db = tfc_trace_db_open(path, st);

	snprintf(rm_path, sizeof(rm_path), "%srun_meta", prof);
	snprintf(gd_path, sizeof(gd_path), "%sgraph.pbtxt", prof);
	if (!fixture_exists(rm_path)) {
		skip(16, "no fixtures at %s", tap_fixtures_dir());
		tfc_trace_db_close(db, st);
		tfc_status_free(st);
		return;
	}
	tfc_buffer_t *rm = read_fixture(rm_path, st), *gd = read_fixture(gd_path, st);
	int64_t r1 = tfc_trace_db_import(db, gd->data, gd->length, rm->data, rm->length,
					 TFC_FORMAT_AUTO, st);
	is_int(tfc_status_code(st), TFC_OK, "the profiler's run_meta (7 devices, GPU) imports: %s",
	       tfc_status_message(st));

	/* Truncated and corrupt: InvalidArgument, and no run is recorded. */
	int64_t bad = tfc_trace_db_import(db, NULL, 0, rm->data, rm->length / 2, TFC_FORMAT_BINARY, st);
	is_int(bad, -1, "a truncated RunMetadata is refused");
	is_int(tfc_status_code(st), TFC_INVALID_ARGUMENT, "with InvalidArgument");
	ok(strstr(tfc_status_message(st), "Could not parse RunMetadata") != NULL, "saying so: %s",
	   tfc_status_message(st));
	tfc_trace_db_add_step(db, r1, 1, "\x0a\xff\xff\xff\x0f garbage", 12, st);
	is_int(tfc_status_code(st), TFC_INVALID_ARGUMENT, "add_step: corrupt bytes are InvalidArgument");
	ok(strncmp(tfc_status_message(st), "step 1: Could not parse RunMetadata", 35) == 0,
	   "naming the step: %s", tfc_status_message(st));
	bad = tfc_trace_db_import(db, NULL, 0, "step_stats { dev_stats { bogus: 1 } }", 37,
				  TFC_FORMAT_AUTO, st);
	is_int(tfc_status_code(st), TFC_INVALID_ARGUMENT, "a bad text RunMetadata is InvalidArgument");
	tfc_buffer_free(rm);
	tfc_buffer_free(gd);

	snprintf(rm_path, sizeof(rm_path), "%srun_meta", tfprof);
	snprintf(gd_path, sizeof(gd_path), "%sgraph.pbtxt", tfprof);
	rm = read_fixture(rm_path, st);
	gd = read_fixture(gd_path, st);
	int64_t r2 = tfc_trace_db_import(db, gd->data, gd->length, rm->data, rm->length,
					 TFC_FORMAT_AUTO, st);
	is_int(tfc_status_code(st), TFC_OK, "the contrib tfprof run_meta (CPU) imports");
	tfc_buffer_free(rm);
	tfc_buffer_free(gd);

	rm = read_fixture(text, st);
	int64_t r3 = tfc_trace_db_import(db, NULL, 0, rm->data, rm->length, TFC_FORMAT_AUTO, st);
	is_int(tfc_status_code(st), TFC_OK, "TensorBoard's text RunMetadata imports: %s",
	       tfc_status_message(st));
	tfc_buffer_free(rm);
	tfc_trace_db_close(db, st);
	is_int(tfc_status_code(st), TFC_OK, "close");

	sqlite3 *s = open_ro(path);
	is_int(q_int(s, "SELECT count(*) FROM runs"), 3, "three runs, none for the refused imports");
	is_int(q_int(s, "SELECT device_count FROM steps WHERE run_id = %lld", (long long)r1), 7,
	       "profiler run_meta: 7 devices");
	is_int(q_int(s, "SELECT count(*) FROM node_stats WHERE run_id = %lld", (long long)r1), 54,
	       "and 54 node stats");
	is_int(q_int(s, "SELECT count(*) FROM devices WHERE run_id = %lld AND device LIKE "
		        "'/gpu:0/stream:%%'", (long long)r1), 4, "4 of them GPU streams");
	is_int(q_int(s, "SELECT count(*) FROM outputs WHERE run_id = %lld", (long long)r1), 5,
	       "5 outputs, 8 memory rows");
	ok(q_int(s, "SELECT count(*) FROM memory WHERE run_id = %lld", (long long)r1) == 8, "(memory)");
	is_int(q_int(s, "SELECT device_count FROM steps WHERE run_id = %lld", (long long)r2), 1,
	       "tfprof run_meta: 1 device");
	is_int(q_int(s, "SELECT count(*) FROM node_stats WHERE run_id = %lld", (long long)r2), 9,
	       "and 9 node stats");
	is_int(q_int(s, "SELECT count(*) FROM node_stats WHERE run_id = %lld AND op IS NULL",
		     (long long)r2), 0, "every one with its op type from the graph");
	is_int(q_int(s, "SELECT count(*) FROM graphs WHERE run_id IN (%lld, %lld)", (long long)r1,
		     (long long)r2), 2, "both graphs are stored");
	is_int(r3, 3, "the text import is run 3");
	is_string(q_text(s, "SELECT node_name || ' ' || op || ' ' || all_start_micros FROM node_stats "
			    "WHERE run_id = 3"), "_SOURCE NoOp 1459365298611334",
		  "the text one: _SOURCE, its op from the label, its start");
	sqlite3_close(s);
	tfc_status_free(st);
}

/* Times near the ends of int64 (fuzzing found them): stored saturated, no undefined
 * arithmetic (the sanitizer build stops on that), the step still recorded. */
static void test_extreme_times(void)
{
	tfc_status *st = tfc_status_new();
	Tensorflow__NodeExecStats ns;
	tensorflow__node_exec_stats__init(&ns);
	ns.node_name = "huge";
	ns.all_start_micros = INT64_MAX / 100;
	ns.all_end_rel_micros = INT64_MAX / 2;
	ns.op_end_rel_micros = INT64_MIN / 3;
	ns.scheduled_micros = INT64_MIN / 10;
	Tensorflow__NodeExecStats *nsp = &ns;
	Tensorflow__DeviceStepStats ds;
	tensorflow__device_step_stats__init(&ds);
	ds.device = "/cpu:0";
	ds.node_stats = &nsp;
	ds.n_node_stats = 1;
	Tensorflow__DeviceStepStats *dsp = &ds;
	Tensorflow__StepStats ss;
	tensorflow__step_stats__init(&ss);
	ss.dev_stats = &dsp;
	ss.n_dev_stats = 1;
	Tensorflow__RunMetadata md;
	tensorflow__run_metadata__init(&md);
	md.step_stats = &ss;
	size_t len = protobuf_c_message_get_packed_size(&md.base);
	uint8_t *buf = malloc(len);
	protobuf_c_message_pack(&md.base, buf);
	const char *path = tmp_path("extreme.db");
	tfc_trace_db *db = tfc_trace_db_open(path, st);
	int64_t run = db ? tfc_trace_db_import(db, NULL, 0, buf, len, TFC_FORMAT_BINARY, st) : -1;
	tfc_trace_db_close(db, st);
	ok(run > 0 && tfc_status_code(st) == TFC_OK, "a RunMetadata with extreme times imports: %s",
	   tfc_status_message(st));
	sqlite3 *s = open_ro(path);
	is_int(q_int(s, "SELECT all_start_nanos FROM node_exec"), INT64_MAX,
	       "a start beyond int64 nanoseconds is stored saturated");
	is_int(q_int(s, "SELECT count(*) FROM node_stats WHERE node_name = 'huge'"), 1, "the node is there");
	sqlite3_close(s);
	free(buf);
	tfc_status_free(st);
}

static void test_errors(void)
{
	tfc_status *st = tfc_status_new();

	/* A file that is not a database. */
	const char *path = tmp_path("corrupt.db");
	FILE *f = fopen(path, "wb");
	for (int i = 0; i < 8192; i++)
		fputc((i * 7919) & 0xff, f);
	fclose(f);
	tfc_trace_db *db = tfc_trace_db_open(path, st);
	ok(db == NULL, "a corrupt database file does not open");
	is_int(tfc_status_code(st), TFC_DATA_LOSS, "DataLoss");
	ok(strstr(tfc_status_message(st), path) != NULL, "naming the file: %s", tfc_status_message(st));

	/* A real database with a damaged page. */
	path = tmp_path("damaged.db");
	db = tfc_trace_db_open(path, st);
	int64_t run = tfc_trace_db_begin_run(db, "g", NULL, 0, NULL, NULL, st);
	for (int step = 0; step < 20; step++) {
		uint8_t *buf;
		size_t len = synth_run_metadata(2, 50, 1, 1, 1000, 0, &buf);
		tfc_trace_db_add_step(db, run, step, buf, len, st);
		free(buf);
	}
	tfc_trace_db_close(db, st);
	/* Pages 2 to 4 (page 1 holds the schema). */
	sqlite3 *sq = open_ro(path);
	long long page = q_int(sq, "PRAGMA page_size");
	ok(q_int(sq, "PRAGMA page_count") > 4, "the damaged database had more than 4 pages");
	sqlite3_close(sq);
	f = fopen(path, "r+b");
	fseek(f, page, SEEK_SET);
	for (long long i = 0; i < page * 3; i++)
		fputc(0xa5, f);
	fclose(f);
	db = tfc_trace_db_open(path, st);
	if (db) { /* the damage may only show when the damaged pages are read */
		run = tfc_trace_db_begin_run(db, "g", NULL, 0, NULL, NULL, st);
		for (int step = 0; step < 5 && tfc_status_code(st) == TFC_OK; step++) {
			uint8_t *buf;
			size_t len = synth_run_metadata(2, 50, 1, 1, 1000, 0, &buf);
			tfc_trace_db_add_step(db, run, step, buf, len, st);
			free(buf);
		}
		tfc_trace_db_close(db, tfc_status_code(st) == TFC_OK ? st : NULL);
	}
	is_int(tfc_status_code(st), TFC_DATA_LOSS, "a database with damaged pages: DataLoss");
	ok(strstr(tfc_status_message(st), "damaged.db") != NULL, "naming the file: %s",
	   tfc_status_message(st));

	/* A newer schema. */
	path = tmp_path("newer.db");
	sqlite3 *s;
	sqlite3_open(path, &s);
	sqlite3_exec(s, "CREATE TABLE runs (id INTEGER PRIMARY KEY); PRAGMA user_version = 99;", NULL,
		     NULL, NULL);
	sqlite3_close(s);
	db = tfc_trace_db_open(path, st);
	ok(db == NULL, "a database of a newer schema is refused");
	is_int(tfc_status_code(st), TFC_FAILED_PRECONDITION, "with FailedPrecondition");
	char want[700];
	snprintf(want, sizeof(want), "trace database %s has schema version 99; this tfc reads up to %d",
		 path, tfc_trace_db_schema_version());
	is_string(tfc_status_message(st), want, "saying which versions");
	s = open_ro(path);
	is_string(q_text(s, "PRAGMA journal_mode"), "delete", "and it is left as it was");
	sqlite3_close(s);

	/* Someone else's database. */
	path = tmp_path("other.db");
	sqlite3_open(path, &s);
	sqlite3_exec(s, "CREATE TABLE t (x)", NULL, NULL, NULL);
	sqlite3_close(s);
	db = tfc_trace_db_open(path, st);
	ok(db == NULL && tfc_status_code(st) == TFC_FAILED_PRECONDITION,
	   "an SQLite database that is not a trace database is refused: %s", tfc_status_message(st));

	/* A step recorded twice: the writer fails, and says so at the next call and close. */
	path = tmp_path("dup.db");
	db = tfc_trace_db_open(path, st);
	run = tfc_trace_db_begin_run(db, "g", NULL, 0, NULL, NULL, st);
	tfc_trace_db_add_step(db, run, 7, NULL, 0, st);
	tfc_trace_db_add_step(db, run, 7, NULL, 0, st);
	tfc_trace_db_flush(db, st);
	is_int(tfc_status_code(st), TFC_INVALID_ARGUMENT, "a step recorded twice fails the writer");
	ok(strstr(tfc_status_message(st), "UNIQUE constraint failed: steps.run_id, steps.step") != NULL,
	   "with SQLite's message: %s", tfc_status_message(st));
	tfc_trace_db_add_step(db, run, 8, NULL, 0, st);
	is_int(tfc_status_code(st), TFC_INVALID_ARGUMENT, "the next add_step reports it");
	tfc_trace_db_close(db, st);
	is_int(tfc_status_code(st), TFC_INVALID_ARGUMENT, "and so does close");

	/* A folder that does not exist. */
	db = tfc_trace_db_open("/nonexistent/dir/x.db", st);
	ok(db == NULL && tfc_status_code(st) != TFC_OK &&
	   strstr(tfc_status_message(st), "/nonexistent/dir/x.db") != NULL,
	   "an unopenable path fails naming it: %s", tfc_status_message(st));
	tfc_trace_db_close(NULL, st);
	tfc_status_free(st);
}

/* A version-1 database (tests/data/trace_schema_v1.sql, with rows put in by SQL) is
 * upgraded on open: the same facts through the same views, and new steps go in. */
static void test_upgrade(void)
{
	const char *src = getenv("top_srcdir");
	char sqlpath[1024];
	snprintf(sqlpath, sizeof(sqlpath), "%s/tests/data/trace_schema_v1.sql", src ? src : ".");
	tfc_status *st = tfc_status_new();
	tfc_buffer_t *v1 = tfc_read_file(sqlpath, st);
	if (!v1) {
		skip(1, "no %s: %s", sqlpath, tfc_status_message(st));
		tfc_status_free(st);
		return;
	}
	const char *path = tmp_path("v1.db");
	sqlite3 *s = NULL;
	sqlite3_open(path, &s);
	char *sql = calloc(1, v1->length + 1);
	memcpy(sql, v1->data, v1->length);
	int rc = sqlite3_exec(s, sql, NULL, NULL, NULL);
	rc = rc ? rc : sqlite3_exec(s,
		"INSERT INTO runs (id, started_at, started_micros, tfc_version) VALUES "
		"  (1, '2026-01-01T00:00:00.000000Z', 1767225600000000, '0.1');"
		"INSERT INTO steps VALUES (1, 0, 1000, 1100, 1, 2, 99, NULL), "
		"  (1, 1, 2000, 2050, 1, 1, 50, NULL);"
		"INSERT INTO node_stats (run_id, step, device, node_name, op, all_start_micros, "
		"  op_start_rel_micros, op_end_rel_micros, all_end_rel_micros, thread_id, "
		"  timeline_label, scheduled_micros) VALUES "
		"  (1, 0, '/cpu:0', 'a', 'Const', 1000, 1, 2, 3, 7, 'a = Const()', 990),"
		"  (1, 0, '/cpu:0', 'b', 'Neg', 1010, 4, 80, 90, 7, 'b = Neg(a)', NULL),"
		"  (1, 1, '/cpu:0', 'a', 'Const', 2000, 1, 2, 50, 8, 'a = Const()', NULL);"
		"INSERT INTO outputs VALUES (1, 0, '/cpu:0', 'b', 0, 1, '[2]', 8, 8, 'cpu', 3);"
		"INSERT INTO memory VALUES (1, 0, '/cpu:0', 'b', 'cpu', 8, 8, 8, 64);",
		NULL, NULL, NULL);
	is_int(rc, SQLITE_OK, "a version-1 database with rows: %s", sqlite3_errmsg(s));
	sqlite3_close(s);
	free(sql);
	tfc_buffer_free(v1);

	tfc_trace_db *db = tfc_trace_db_open(path, st);
	ok(db != NULL, "a version-1 database opens: %s", tfc_status_message(st));
	if (db) {
		uint8_t *buf;
		size_t len = synth_run_metadata(1, 10, 1, 1, 5000, 0, &buf);
		tfc_trace_db_add_step(db, 1, 2, buf, len, st);
		free(buf);
		tfc_trace_db_close(db, st);
		is_int(tfc_status_code(st), TFC_OK, "and takes a new step: %s", tfc_status_message(st));
	}
	s = open_ro(path);
	is_int(q_int(s, "PRAGMA user_version"), tfc_trace_db_schema_version(),
	       "it is upgraded to the current version");
	is_int(q_int(s, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'v1_%%'"), 0,
	       "nothing of the upgrade is left behind");
	is_string(q_text(s, "SELECT group_concat(node_name || ' ' || op || ' ' || all_start_micros || ' '"
			    " || op_end_rel_micros || ' ' || thread_id || ' ' || timeline_label, '; ')"
			    " FROM (SELECT * FROM node_stats WHERE run_id = 1 AND step = 0 ORDER BY id)"),
		  "a Const 1000 2 7 a = Const(); b Neg 1010 80 7 b = Neg(a)",
		  "its node stats read the same through the node_stats view");
	is_int(q_int(s, "SELECT scheduled_micros FROM node_stats WHERE node_name = 'a' AND step = 0"),
	       990, "scheduled_micros survives");
	is_int(q_int(s, "SELECT all_start_nanos FROM node_stats WHERE node_name = 'b' AND step = 0"),
	       1010000, "microseconds become nanoseconds where there were none");
	is_string(q_text(s, "SELECT node_name || ' ' || shape || ' ' || allocator_name || ' ' || "
			    "allocated_bytes FROM outputs WHERE run_id = 1 AND step = 0"),
		  "b [2] cpu 8", "outputs are tied to their node");
	is_string(q_text(s, "SELECT node_name || ' ' || allocator_name || ' ' || peak_bytes FROM memory "
			    "WHERE run_id = 1 AND step = 0"),
		  "b cpu 8", "and memory");
	is_int(q_int(s, "SELECT count(*) FROM steps WHERE run_id = 1 AND node_count > 0 AND "
		        "last_node_row - first_node_row + 1 != node_count"), 0,
	       "every step, old and new, has its node_exec row range");
	is_int(q_int(s, "SELECT count(*) FROM node_stats WHERE step = 2"), 10, "the new step's rows");
	is_int(q_int(s, "SELECT count(*) FROM allocator_memory WHERE step = 0"), 1,
	       "allocator_memory works again");
	sqlite3_close(s);
	tfc_status_free(st);
}

/* A version-2 database (tests/data/trace_schema_v2.sql, rows put in by SQL) is
 * upgraded on open: its node stats stay, version 2's placeholder GPU tables go, the
 * GPU tables of version 3 come, and a new step with GPU rows fills them. */
static void test_upgrade_v2(void)
{
	const char *src = getenv("top_srcdir");
	char sqlpath[1024];
	snprintf(sqlpath, sizeof(sqlpath), "%s/tests/data/trace_schema_v2.sql", src ? src : ".");
	tfc_status *st = tfc_status_new();
	tfc_buffer_t *v2 = tfc_read_file(sqlpath, st);
	if (!v2) {
		skip(1, "no %s: %s", sqlpath, tfc_status_message(st));
		tfc_status_free(st);
		return;
	}
	const char *path = tmp_path("v2.db");
	sqlite3 *s = NULL;
	sqlite3_open(path, &s);
	char *sql = calloc(1, v2->length + 1);
	memcpy(sql, v2->data, v2->length);
	int rc = sqlite3_exec(s, sql, NULL, NULL, NULL);
	rc = rc ? rc : sqlite3_exec(s,
		"INSERT INTO runs (id, started_at, started_micros, tfc_version) VALUES "
		"  (1, '2026-01-01T00:00:00.000000Z', 1767225600000000, '0.1');"
		"INSERT INTO strings (id, s) VALUES (1, '/cpu:0'), (2, 'a'), (3, 'Const');"
		"INSERT INTO node_exec (run_id, step, device_id, node_id, op_id, all_start_nanos,"
		"  op_start_rel_nanos, op_end_rel_nanos, all_end_rel_nanos) VALUES (1, 0, 1, 2, 3, 1000, 0, 5, 6);"
		"INSERT INTO steps VALUES (1, 0, 1, 1, 1, 1, 10, NULL, 1, 1);",
		NULL, NULL, NULL);
	is_int(rc, SQLITE_OK, "a version-2 database with rows: %s", sqlite3_errmsg(s));
	sqlite3_close(s);
	free(sql);
	tfc_buffer_free(v2);

	tfc_trace_db *db = tfc_trace_db_open(path, st);
	ok(db != NULL, "a version-2 database opens: %s", tfc_status_message(st));
	if (db) {
		/* A step with one kernel on /device:GPU:0/stream:7 (and its stream:all copy). */
		Tensorflow__NodeExecStats ns;
		tensorflow__node_exec_stats__init(&ns);
		ns.node_name = "mm:MatMul";
		ns.timeline_label = "sgemm regs:32 shm:0 grid:2,1,1 block:128,1,1@@mm:MatMul#correlation_id=4,dynamic_shm=0#";
		ns.all_start_nanos = 5000;
		ns.op_end_rel_nanos = ns.all_end_rel_nanos = 700;
		Tensorflow__NodeExecStats *one[] = {&ns};
		Tensorflow__DeviceStepStats d7, dall;
		tensorflow__device_step_stats__init(&d7);
		tensorflow__device_step_stats__init(&dall);
		d7.device = "/device:GPU:0/stream:7";
		dall.device = "/device:GPU:0/stream:all";
		d7.n_node_stats = dall.n_node_stats = 1;
		d7.node_stats = dall.node_stats = one;
		Tensorflow__DeviceStepStats *devs[] = {&dall, &d7};
		Tensorflow__StepStats ss;
		tensorflow__step_stats__init(&ss);
		ss.n_dev_stats = 2;
		ss.dev_stats = devs;
		Tensorflow__RunMetadata md;
		tensorflow__run_metadata__init(&md);
		md.step_stats = &ss;
		size_t len = tensorflow__run_metadata__get_packed_size(&md);
		uint8_t *buf = malloc(len);
		tensorflow__run_metadata__pack(&md, buf);
		tfc_trace_db_add_step(db, 1, 1, buf, len, st);
		free(buf);
		tfc_trace_db_close(db, st);
		is_int(tfc_status_code(st), TFC_OK, "and takes a step with a GPU kernel: %s", tfc_status_message(st));
	}
	s = open_ro(path);
	is_int(q_int(s, "PRAGMA user_version"), 3, "it is upgraded to version 3");
	is_int(q_int(s, "SELECT count(*) FROM sqlite_master WHERE name IN ('gpu_kernels', 'gpu_memcpy', 'gpu_api')"),
	       0, "version 2's placeholder GPU tables are gone");
	is_string(q_text(s, "SELECT node_name || ' ' || op FROM node_stats WHERE step = 0"), "a Const",
		  "its node stats stay");
	is_string(q_text(s, "SELECT node_name || ' ' || op || ' ' || kernel_name || ' ' || stream || ' ' || grid_x"
			    " || ' ' || block_x || ' ' || (end_nanos - start_nanos) || ' ' || correlation_id FROM gpu_kernel"),
		  "mm MatMul sgemm 7 2 128 700 4", "the new step's kernel is in gpu_kernel, once");
	sqlite3_close(s);
	tfc_status_free(st);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	plan_lazy();
	test_schema();
	test_steps();
	test_import();
	test_upgrade();
	test_upgrade_v2();
	test_extreme_times();
	test_errors();
	if (!getenv("TFC_KEEP_TMP")) {
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
	done_testing();
	return exit_status();
}
