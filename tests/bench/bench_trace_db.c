/*
 * bench_trace_db.c: how fast node stats go into the trace database, and how many
 * bytes each takes there (issue 4: goal >= 1,000,000 node stats/s).
 *
 *     bench_trace_db [DIR [STEPS [NODES]]]   (default /tmp, 1000 steps of 1000 nodes)
 *
 * Each case adds STEPS steps of synthetic RunMetadata (4 devices, NODES node stats a
 * step) through tfc_trace_db_add_step and closes the database; the time runs from
 * the first add_step to the end of close (everything committed). It also times
 * decoding alone (protobuf-c unpack + free, which add_step does on the caller's
 * thread), and, as the baseline measured in the same run, SQLite alone inserting
 * rows shaped like schema 1's node_stats (21 columns, names as text, 4 indexes kept
 * up to date): what a straightforward design would reach at best. Five runs of each
 * case, median printed. Prints figures; asserts nothing.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tfc.h"
#include "tfc_trace.h"
#include "../trace_synth.h"

#define VARIANTS 8

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long long file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
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

struct bufs {
	uint8_t *data[VARIANTS];
	size_t len[VARIANTS];
};

static void make_bufs(struct bufs *b, int nodes, int n_out, int n_mem)
{
	for (int v = 0; v < VARIANTS; v++)
		b->len[v] = synth_run_metadata(4, nodes / 4, n_out, n_mem, 1000000 + v * 100000, 0,
					       &b->data[v]);
}

static void free_bufs(struct bufs *b)
{
	for (int v = 0; v < VARIANTS; v++)
		free(b->data[v]);
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

/* One case: returns node stats per second; prints the line. */
static double run_case(const char *label, const char *path, const struct bufs *b, int steps,
		       int nodes)
{
	tfc_status *st = tfc_status_new();
	remove_db(path);
	tfc_trace_db *db = tfc_trace_db_open(path, st);
	int64_t run = tfc_trace_db_begin_run(db, "bench", NULL, 0, NULL, "bench_trace_db", st);
	double t0 = now_s();
	for (int i = 0; i < steps && tfc_status_code(st) == TFC_OK; i++)
		tfc_trace_db_add_step(db, run, i, b->data[i % VARIANTS], b->len[i % VARIANTS], st);
	double t_queued = now_s();
	tfc_trace_db_close(db, st);
	double t1 = now_s();
	if (tfc_status_code(st) != TFC_OK)
		printf("  error: %s\n", tfc_status_message(st));
	double total = (double)steps * nodes;
	long long bytes = file_size(path);
	double rate = total / (t1 - t0);
	printf("  %-44s %9.0f node stats/s  (%.2f s; add_step returned after %.2f s)  %6.1f "
	       "bytes/node stat\n",
	       label, rate, t1 - t0, t_queued - t0, (double)bytes / total);
	tfc_status_free(st);
	return rate;
}

/* Decoding alone, as add_step does it. */
static double decode_rate(const struct bufs *b, int steps, int nodes)
{
	double t0 = now_s();
	for (int i = 0; i < steps; i++) {
		Tensorflow__RunMetadata *md =
			tensorflow__run_metadata__unpack(NULL, b->len[i % VARIANTS], b->data[i % VARIANTS]);
		tensorflow__run_metadata__free_unpacked(md, NULL);
	}
	return (double)steps * nodes / (now_s() - t0);
}

/* SQLite alone: schema 1's node_stats row with the same values, one prepared
 * statement, transactions of 50,000 rows, WAL, synchronous=NORMAL, no indexes unless
 * asked; with ids, device, node name and op as integers rather than text. */
static double sqlite_rate(const char *path, int rows, bool indexes, bool ids)
{
	remove_db(path);
	sqlite3 *s;
	sqlite3_open(path, &s);
	sqlite3_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-262144; CREATE TABLE n (run_id, "
			"step, device, node_name, op, a, b, c, d, e, f, g, h, i, j, k, label, l, m, o, p)",
		     NULL, NULL, NULL);
	if (indexes)
		sqlite3_exec(s, "CREATE INDEX n1 ON n (run_id, step); CREATE INDEX n2 ON n (op); "
				"CREATE INDEX n3 ON n (node_name); CREATE INDEX n4 ON n (device)",
			     NULL, NULL, NULL);
	sqlite3_stmt *ins;
	sqlite3_prepare_v2(s, "INSERT INTO n VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1,
			   &ins, NULL);
	char name[32], label[64];
	double t0 = now_s();
	sqlite3_exec(s, "BEGIN", NULL, NULL, NULL);
	for (int r = 0; r < rows; r++) {
		int i = r % 250;
		snprintf(name, sizeof(name), "node_%d", i);
		snprintf(label, sizeof(label), "node_%d = %s(node_%d)", i, synth_op(i), i ? i - 1 : 0);
		sqlite3_bind_int64(ins, 1, 1);
		sqlite3_bind_int64(ins, 2, r / 1000);
		if (ids) {
			sqlite3_bind_int(ins, 3, r % 4);
			sqlite3_bind_int(ins, 4, i);
			sqlite3_bind_int(ins, 5, i % 5);
		} else {
			sqlite3_bind_text(ins, 3, "/job:localhost/replica:0/task:0/device:CPU:0", -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(ins, 4, name, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 5, synth_op(i), -1, SQLITE_STATIC);
		}
		for (int c = 6; c <= 16; c++)
			sqlite3_bind_int64(ins, c, 1000000 + r + c);
		sqlite3_bind_text(ins, 17, label, -1, SQLITE_STATIC);
		for (int c = 18; c <= 21; c++)
			sqlite3_bind_null(ins, c);
		sqlite3_step(ins);
		sqlite3_reset(ins);
		if (r % 50000 == 49999) {
			sqlite3_exec(s, "COMMIT", NULL, NULL, NULL);
			sqlite3_exec(s, "BEGIN", NULL, NULL, NULL);
		}
	}
	sqlite3_exec(s, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(ins);
	sqlite3_close(s);
	return rows / (now_s() - t0);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	int steps = argc > 2 ? atoi(argv[2]) : 1000;
	int nodes = argc > 3 ? atoi(argv[3]) / 4 * 4 : 1000;
	if (steps < 1 || nodes < 4) {
		fprintf(stderr, "usage: bench_trace_db [DIR [STEPS [NODES]]]\n");
		return 2;
	}
	char path[1024];
	snprintf(path, sizeof(path), "%s/bench_trace_%d.db", dir, (int)getpid());
	printf("bench_trace_db: %d steps x %d node stats (4 devices) into %s, SQLite %s, %ld CPUs\n",
	       steps, nodes, path, sqlite3_libversion(), sysconf(_SC_NPROCESSORS_ONLN));

	struct bufs plain, full;
	make_bufs(&plain, nodes, 0, 0);
	make_bufs(&full, nodes, 1, 1);
	printf("  RunMetadata: %zu bytes a step without outputs/memory, %zu with (%.0f / %.0f per node)\n",
	       plain.len[0], full.len[0], (double)plain.len[0] / nodes, (double)full.len[0] / nodes);

	double rates[5], full_rates[5];
	for (int r = 0; r < 5; r++) {
		rates[r] = run_case("node stats only", path, &plain, steps, nodes);
		full_rates[r] = run_case("+1 output +1 memory row per node", path, &full, steps, nodes);
	}
	remove_db(path);
	double base = sqlite_rate(path, steps * nodes / 2, true, false);
	printf("  decode alone (protobuf-c unpack+free):     %9.0f node stats/s\n",
	       decode_rate(&plain, steps, nodes));
	printf("  baseline, schema 1's row (21 columns, names as text, 4 indexes), SQLite alone: "
	       "%.0f rows/s\n", base);
	printf("  SQLite alone, the same row without indexes:            %9.0f rows/s\n",
	       sqlite_rate(path, steps * nodes / 2, false, false));
	printf("  median of 5, node stats only:          %9.0f node stats/s (%.2fx the baseline)\n",
	       median(rates, 5), median(rates, 5) / base);
	printf("  median of 5, +1 output +1 memory row:  %9.0f node stats/s (%.2fx the baseline)\n",
	       median(full_rates, 5), median(full_rates, 5) / base);
	remove_db(path);
	free_bufs(&plain);
	free_bufs(&full);
	return 0;
}
