/*
 * test_gpu_activity.c: GPU activity records (trace/gpu_activity.h), built by hand as
 * the CUPTI tracer would make them, become TensorFlow's GPU pseudo-devices in step
 * stats (correlation to ops, clock conversion, grouping by stream, concurrent
 * kernels, copy kinds and bytes, API calls), then rows of the trace database's GPU
 * tables, then tfc-prof's GPU report. Needs no GPU and no CUDA.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.pb-c.h"
#include "gpu_activity.h"
#include "prof.h"
#include "test_util.h"
#include "tfc_trace.h"

#define REAL_MINUS_MONO INT64_C(1700000000000000000)

static bool op_of(void *ctx, uint64_t ext, const char **name, const char **type)
{
	(void)ctx;
	static const char *const names[][2] = {{"dense/MatMul", "MatMul"}, {"relu", "Relu"}};
	if (ext < 1 || ext > 2)
		return false;
	*name = names[ext - 1][0];
	*type = names[ext - 1][1];
	return true;
}

static struct tfc__gpu_activity *activity(void)
{
	struct tfc__gpu_activity *a = tfc__gpu_activity_new();
	tfc__gpu_activity_calibrate(a, 1000000, INT64_C(5000000000)); /* mono = tracer + 4,999,000,000 */
	/* Added out of order on purpose: the step stats sort by start. */
	struct tfc__gpu_kernel k3 = {"unknown_kernel", 1006000, 1007000, 0, 7, 99, {1, 1, 1}, {32, 1, 1}, 8, 0, 0};
	struct tfc__gpu_kernel k1 = {"volta_sgemm", 1001000, 1005000, 0, 7, 10, {4, 2, 1}, {256, 1, 1}, 64, 1024, 512};
	struct tfc__gpu_kernel k2 = {"relu_kernel", 1003000, 1004000, 0, 8, 11, {16, 1, 1}, {256, 1, 1}, 16, 0, 0};
	tfc__gpu_activity_add_kernel(a, &k3);
	tfc__gpu_activity_add_kernel(a, &k1);
	tfc__gpu_activity_add_kernel(a, &k2);
	struct tfc__gpu_copy h2d = {TFC_GPU_COPY_HTOD, 4096, 1000000, 1000500, 0, 9, 12, true};
	struct tfc__gpu_copy d2h = {TFC_GPU_COPY_DTOH, 1024, 1005000, 1005200, 0, 10, 13, false};
	struct tfc__gpu_copy set = {TFC_GPU_COPY_MEMSET, 256, 1006500, 1006600, 0, 7, 14, true};
	tfc__gpu_activity_add_copy(a, &d2h);
	tfc__gpu_activity_add_copy(a, &h2d);
	tfc__gpu_activity_add_copy(a, &set);
	struct tfc__gpu_api launch = {"cudaLaunchKernel", 211, 999000, 999500, 4242, 10};
	struct tfc__gpu_api copy = {"cudaMemcpyAsync", 41, 999600, 999700, 4242, 12};
	tfc__gpu_activity_add_api(a, &launch);
	tfc__gpu_activity_add_api(a, &copy);
	const uint32_t corr[][2] = {{10, 1}, {11, 2}, {12, 1}, {13, 1}, {14, 2}};
	for (size_t i = 0; i < 5; i++)
		tfc__gpu_activity_add_correlation(a, corr[i][0], corr[i][1]);
	return a;
}

static const Tensorflow__DeviceStepStats *dev(const Tensorflow__StepStats *ss, const char *name)
{
	for (size_t i = 0; i < ss->n_dev_stats; i++)
		if (!strcmp(ss->dev_stats[i]->device, name))
			return ss->dev_stats[i];
	return NULL;
}

static void test_step_stats(Tensorflow__StepStats *ss)
{
	is_int(ss->n_dev_stats, 7, "7 pseudo-devices: stream:all, streams 7 to 10, memcpy, cuda_api");
	is_string(ss->dev_stats[0]->device, "/device:GPU:0/stream:all", "stream:all first");
	const Tensorflow__DeviceStepStats *all = dev(ss, "/device:GPU:0/stream:all");
	const Tensorflow__DeviceStepStats *s7 = dev(ss, "/device:GPU:0/stream:7");
	const Tensorflow__DeviceStepStats *s8 = dev(ss, "/device:GPU:0/stream:8");
	const Tensorflow__DeviceStepStats *mc = dev(ss, "/device:GPU:0/memcpy");
	const Tensorflow__DeviceStepStats *api = dev(ss, "/device:GPU:0/cuda_api");
	ok(all && s7 && s8 && mc && api && dev(ss, "/device:GPU:0/stream:9") && dev(ss, "/device:GPU:0/stream:10"),
	   "every pseudo-device is there");
	if (!all || !s7 || !s8 || !mc || !api)
		return;
	is_int(all->n_node_stats, 3, "stream:all: every kernel");
	is_int(s7->n_node_stats, 3, "stream:7: two kernels and a memset");
	is_int(s8->n_node_stats, 1, "stream:8: one kernel");
	is_int(mc->n_node_stats, 3, "memcpy: two copies and a memset");
	is_int(api->n_node_stats, 2, "cuda_api: two calls");
	const Tensorflow__NodeExecStats *k1 = all->node_stats[0], *k2 = all->node_stats[1], *k3 = all->node_stats[2];
	is_string(k1->node_name, "dense/MatMul:MatMul", "a kernel is named name:Op after its op (external correlation)");
	is_string(k1->timeline_label,
		  "volta_sgemm regs:64 shm:1024 grid:4,2,1 block:256,1,1@@dense/MatMul:MatMul#correlation_id=10,dynamic_shm=512#",
		  "its label: TensorFlow's kernel details, then the op");
	is_int(k1->all_start_nanos, INT64_C(1001000) + INT64_C(4999000000) + REAL_MINUS_MONO,
	       "start: tracer clock -> CLOCK_MONOTONIC -> epoch");
	is_int(k1->all_start_micros, (INT64_C(1001000) + INT64_C(4999000000) + REAL_MINUS_MONO) / 1000, "in micros too");
	is_int(k1->op_end_rel_nanos, 4000, "duration 4 us");
	is_int(k1->all_end_rel_nanos, 4000, "all_end = op_end");
	is_int(k1->thread_id, 4242, "thread: the one that made the launch call");
	is_string(k2->node_name, "relu:Relu", "the concurrent kernel belongs to relu");
	ok(k2->all_start_nanos < k1->all_start_nanos + k1->all_end_rel_nanos,
	   "it overlaps the first (concurrent kernels on streams 7 and 8)");
	is_string(s8->node_stats[0]->node_name, "relu:Relu", "and it is on stream 8");
	is_string(k3->node_name, "unknown_kernel", "a kernel with no op is named after itself");
	is_string(k3->timeline_label, "unknown_kernel regs:8 shm:0 grid:1,1,1 block:32,1,1@@#correlation_id=99,dynamic_shm=0#",
		  "its label has no op");
	is_string(mc->node_stats[0]->timeline_label, "MemcpyH2D bytes:4096 async@@dense/MatMul:MatMul#correlation_id=12#",
		  "a copy: kind, bytes, async, op");
	is_string(mc->node_stats[1]->timeline_label, "MemcpyD2H bytes:1024@@dense/MatMul:MatMul#correlation_id=13#",
		  "a synchronous copy back");
	is_string(mc->node_stats[2]->timeline_label, "Memset bytes:256 async@@relu:Relu#correlation_id=14#", "a memset");
	is_string(api->node_stats[0]->timeline_label, "cudaLaunchKernel@@dense/MatMul:MatMul#correlation_id=10,cbid=211#",
		  "an API call");
	is_int(api->node_stats[0]->all_end_rel_nanos, 500, "its duration");
}

static char dir[] = "/tmp/tfc-gpu-activity-XXXXXX";

static int64_t q_int(sqlite3 *s, const char *sql)
{
	sqlite3_stmt *q = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(s, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	else
		diag("%s: %s", sql, sqlite3_errmsg(s));
	sqlite3_finalize(q);
	return v;
}

static const char *q_text(sqlite3 *s, const char *sql)
{
	static char buf[4][1024];
	static int k;
	char *out = buf[k++ % 4];
	sqlite3_stmt *q = NULL;
	out[0] = '\0';
	if (sqlite3_prepare_v2(s, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW &&
	    sqlite3_column_text(q, 0))
		snprintf(out, 1024, "%s", (const char *)sqlite3_column_text(q, 0));
	else
		diag("%s: %s", sql, sqlite3_errmsg(s));
	sqlite3_finalize(q);
	return out;
}

static char *report(const char *db, pf_format fmt)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	tfc_status *st = tfc_status_new();
	pf_select sel = {.all_steps = true};
	pf_gpu_report(db, 1, &sel, f, fmt, st);
	ok(tfc_status_code(st) == TFC_OK, "the GPU report is made: %s", tfc_status_message(st));
	tfc_status_free(st);
	fclose(f);
	return text;
}

static void test_db(Tensorflow__StepStats *ss)
{
	Tensorflow__RunMetadata md;
	tensorflow__run_metadata__init(&md);
	md.step_stats = ss;
	size_t len = tensorflow__run_metadata__get_packed_size(&md);
	uint8_t *buf = malloc(len);
	tensorflow__run_metadata__pack(&md, buf);
	char path[256], empty[256];
	snprintf(path, sizeof(path), "%s/gpu.db", dir);
	snprintf(empty, sizeof(empty), "%s/empty.db", dir);
	tfc_status *st = tfc_status_new();
	tfc_trace_db *db = tfc_trace_db_open(path, st);
	int64_t run = tfc_trace_db_begin_run(db, "gpu", NULL, 0, NULL, NULL, st);
	tfc_trace_db_add_step(db, run, 0, buf, len, st);
	tfc_trace_db_close(db, st);
	is_int(tfc_status_code(st), TFC_OK, "a step with GPU pseudo-devices goes in: %s", tfc_status_message(st));
	free(buf);
	sqlite3 *s = NULL;
	sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY, NULL);
	is_int(q_int(s, "SELECT count(*) FROM gpu_kernel"), 3, "gpu_kernel: one row per kernel (stream:all not repeated)");
	is_string(q_text(s, "SELECT device || ' ' || stream || ' ' || node_name || ' ' || op || ' ' || kernel_name"
			    " || ' ' || grid_x || ',' || grid_y || ',' || grid_z || ' ' || block_x || ',' || block_y"
			    " || ',' || block_z || ' ' || registers_per_thread || ' ' || static_shared_memory || ' '"
			    " || dynamic_shared_memory || ' ' || (end_nanos - start_nanos)"
			    " FROM gpu_kernel WHERE correlation_id = 10"),
		  "/device:GPU:0 7 dense/MatMul MatMul volta_sgemm 4,2,1 256,1,1 64 1024 512 4000",
		  "a kernel row: device, stream, op, kernel, grid, block, registers, shared memory, time");
	is_int(q_int(s, "SELECT start_nanos FROM gpu_kernel WHERE correlation_id = 10"),
	       INT64_C(1001000) + INT64_C(4999000000) + REAL_MINUS_MONO, "its start, on the host clock");
	is_int(q_int(s, "SELECT count(*) FROM gpu_kernel WHERE node_name IS NULL"), 1, "the kernel of no op has none");
	is_int(q_int(s, "SELECT count(*) FROM gpu_kernel k JOIN node_stats n ON n.id = k.node_row"
			" WHERE n.device = '/device:GPU:0/stream:' || k.stream"), 3,
	       "each row points at its /stream:N node_exec row");
	is_string(q_text(s, "SELECT group_concat(kind || ' ' || bytes || ' ' || async || ' ' || stream || ' ' || node_name, '; ')"
			    " FROM (SELECT * FROM gpu_copy ORDER BY start_nanos)"),
		  "HtoD 4096 1 9 dense/MatMul; DtoH 1024 0 10 dense/MatMul; memset 256 1 7 relu",
		  "gpu_copy: kinds, bytes, async, streams, ops (memcpy's repeats not counted)");
	is_string(q_text(s, "SELECT group_concat(name || ' ' || cbid || ' ' || thread_id || ' ' || correlation_id"
			    " || ' ' || node_name, '; ') FROM (SELECT * FROM gpu_api_call ORDER BY start_nanos)"),
		  "cudaLaunchKernel 211 4242 10 dense/MatMul; cudaMemcpyAsync 41 4242 12 dense/MatMul",
		  "gpu_api_call: name, callback id, thread, correlation, op");
	sqlite3_close(s);

	char *text = report(path, PF_FORMAT_TABLE);
	diag("%s", text);
	ok(strstr(text, "dense/MatMul") && strstr(text, "relu"), "tfc-prof --gpu lists the ops");
	const char *line = strstr(text, "dense/MatMul");
	ok(line && strstr(line, "MatMul") && strstr(line, "4.00us") && strstr(line, "5120"),
	   "dense/MatMul: one kernel of 4 us, 5120 bytes copied");
	ok(strstr(text, "(no op)") != NULL, "the kernel of no op has a row");
	ok(strstr(text, "5.70us") && strstr(text, "8.00us") && strstr(text, "71.25%"),
	   "utilization: 5.7 us busy (overlaps once) of an 8 us step");
	free(text);
	text = report(path, PF_FORMAT_CSV);
	ok(strstr(text, "/device:GPU:0,0,5.700,8.000,0.7125") != NULL, "CSV too");
	free(text);

	db = tfc_trace_db_open(empty, st);
	run = tfc_trace_db_begin_run(db, "cpu", NULL, 0, NULL, NULL, st);
	tfc_trace_db_add_step(db, run, 0, NULL, 0, st);
	tfc_trace_db_close(db, st);
	text = report(empty, PF_FORMAT_TABLE);
	ok(strstr(text, "no GPU activity recorded") != NULL, "no GPU rows: says so: %s", text);
	free(text);
	tfc_status_free(st);
}

/* An API call's row goes to the GPU of what it started: a copy on GPU 1 (only
 * kernels were looked at, so its cudaMemcpyAsync went to GPU 0), and its thread
 * goes with the copy. */
static void test_api_device(void)
{
	struct tfc__gpu_activity *a = tfc__gpu_activity_new();
	struct tfc__gpu_copy up = {TFC_GPU_COPY_HTOD, 64, 100, 200, 1, 3, 21, true};
	struct tfc__gpu_api call = {"cudaMemcpyAsync", 41, 90, 95, 777, 21};
	struct tfc__gpu_kernel k = {"k", 300, 400, 0, 7, 22, {1, 1, 1}, {1, 1, 1}, 8, 0, 0};
	struct tfc__gpu_api launch = {"cudaLaunchKernel", 211, 280, 290, 778, 22};
	tfc__gpu_activity_add_copy(a, &up);
	tfc__gpu_activity_add_api(a, &call);
	tfc__gpu_activity_add_kernel(a, &k);
	tfc__gpu_activity_add_api(a, &launch);
	struct tfc__arena ar = {0};
	Tensorflow__StepStats ss;
	tensorflow__step_stats__init(&ss);
	tfc__gpu_activity_step_stats(a, &ar, op_of, NULL, 0, &ss);
	const Tensorflow__DeviceStepStats *api1 = dev(&ss, "/device:GPU:1/cuda_api");
	const Tensorflow__DeviceStepStats *api0 = dev(&ss, "/device:GPU:0/cuda_api");
	const Tensorflow__DeviceStepStats *mc = dev(&ss, "/device:GPU:1/memcpy");
	const Tensorflow__DeviceStepStats *s7 = dev(&ss, "/device:GPU:0/stream:7");
	ok(api1 && api1->n_node_stats == 1 && !strcmp(api1->node_stats[0]->node_name, "cudaMemcpyAsync"),
	   "the copy's API call is on GPU:1's cuda_api");
	ok(api0 && api0->n_node_stats == 1 && !strcmp(api0->node_stats[0]->node_name, "cudaLaunchKernel"),
	   "the kernel's on GPU:0's");
	ok(mc && mc->node_stats[0]->thread_id == 777 && s7 && s7->node_stats[0]->thread_id == 778,
	   "the copy and the kernel carry their API calls' threads");
	tfc__arena_free(&ar);
	tfc__gpu_activity_free(a);
}

int main(void)
{
	plan_lazy();
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	struct tfc__gpu_activity *a = activity();
	is_int(tfc__gpu_activity_external(a, 12), 1, "correlation 12 -> external 1");
	is_int(tfc__gpu_activity_external(a, 98), 0, "an unknown correlation -> 0");
	is_int(tfc__gpu_activity_to_mono(a, 1000000), INT64_C(5000000000), "the calibration pair maps onto itself");
	struct tfc__arena ar = {0};
	Tensorflow__StepStats ss;
	tensorflow__step_stats__init(&ss);
	tfc__gpu_activity_step_stats(a, &ar, op_of, NULL, REAL_MINUS_MONO, &ss);
	test_step_stats(&ss);
	test_db(&ss);
	test_api_device();
	tfc__arena_free(&ar);
	tfc__gpu_activity_free(a);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (!getenv("TFC_KEEP_TMP") && system(cmd) != 0)
		diag("could not remove %s", dir);
	done_testing();
	return exit_status();
}
