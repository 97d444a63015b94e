/*
 * test_placement.c: the placer (core/placer.c) in a session with two CPU devices:
 * explicit requests, partial and wildcard specs, a variable's Assign following it
 * through the reference edge, `_class` colocation, conflicting colocation, requests
 * nothing can meet (InvalidArgument naming the node, the request and the devices;
 * with allow_soft_placement the graph runs anyway), and log_device_placement's
 * lines. Where a node ran is read from the cost graph of a traced run.
 */
#include <unistd.h>

#include "config.pb-c.h"
#include "tfc_ops.h"
#include "test_util.h"

#define CPU0 "/job:localhost/replica:0/task:0/device:CPU:0"
#define CPU1 "/job:localhost/replica:0/task:0/device:CPU:1"

static tfc_session *session2(tfc_graph *g, bool soft, bool log, tfc_status *st)
{
	tfc_session_options *o = tfc_session_options_new();
	tfc_session_options_set_config_value(o, "device_count.CPU", "2", st);
	/* The graphs here are constants, which the default optimizations (L1) fold
	 * away: where each node as built runs is seen at L0. */
	tfc_session_options_set_config_value(o, "graph_options.optimizer_options.opt_level", "L0", st);
	if (soft)
		tfc_session_options_set_config_value(o, "allow_soft_placement", "true", st);
	if (log)
		tfc_session_options_set_config_value(o, "log_device_placement", "true", st);
	tfc_session *s = tfc_session_new(g, o, st);
	tfc_session_options_free(o);
	return s;
}

/* Runs targets (and fetch, if fetch.oper) traced; returns the RunMetadata (caller
 * frees) or NULL with st set. *value gets the fetched float. */
static Tensorflow__RunMetadata *run(tfc_session *s, tfc_output fetch, tfc_operation *target,
				    float *value, tfc_status *st)
{
	Tensorflow__RunOptions ro;
	tensorflow__run_options__init(&ro);
	ro.trace_level = TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__FULL_TRACE;
	uint8_t rb[32];
	size_t rl = protobuf_c_message_get_packed_size(&ro.base);
	protobuf_c_message_pack(&ro.base, rb);
	tfc_tensor *out = NULL;
	tfc_buffer_t *md = NULL;
	tfc_session_run(s, rb, rl, NULL, NULL, 0, fetch.oper ? &fetch : NULL, fetch.oper ? &out : NULL,
			fetch.oper ? 1 : 0, target ? &target : NULL, target ? 1 : 0, &md, st);
	if (out && value)
		*value = *(float *)tfc_tensor_data(out);
	tfc_tensor_free(out);
	Tensorflow__RunMetadata *rm = md ? tensorflow__run_metadata__unpack(NULL, md->length, md->data) : NULL;
	tfc_buffer_free(md);
	return rm;
}

/* The device node `name` ran on ("" if it did not). */
static const char *device_of(const Tensorflow__RunMetadata *rm, const char *name)
{
	for (size_t i = 0; rm && rm->cost_graph && i < rm->cost_graph->n_node; i++)
		if (!strcmp(rm->cost_graph->node[i]->name, name))
			return rm->cost_graph->node[i]->device;
	return "";
}

static tfc_operation *pinned_const(tfc_graph *g, const char *name, float v, const char *device,
				   tfc_status *st)
{
	tfc_tensor *t = tfc_tensor_new_scalar_float(v);
	tfc_op_desc *d = tfc_op_new(g, "Const", name);
	tfc_op_set_attr_tensor(d, "value", t, st);
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	if (device)
		tfc_op_set_device(d, device);
	tfc_tensor_free(t);
	return tfc_op_finish(d, st);
}

static void test_requests(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *a = pinned_const(g, "a", 2, "/device:CPU:1", st);
	tfc_operation *b = pinned_const(g, "b", 3, NULL, st);
	tfc_operation *c = pinned_const(g, "c", 4, "/cpu:*", st);
	tfc_operation *d = pinned_const(g, "d", 5, "/job:localhost/task:0/device:CPU:1", st);
	tfc_graph_push_device(g, "/device:CPU:1", st);
	tfc_operation *ab = tfc_add(g, "ab", (tfc_output){a, 0}, (tfc_output){b, 0}, st);
	tfc_operation *cd = tfc_add(g, "cd", (tfc_output){c, 0}, (tfc_output){d, 0}, st);
	tfc_operation *sum = tfc_add(g, "sum", (tfc_output){ab, 0}, (tfc_output){cd, 0}, st);
	tfc_graph_pop_device(g);
	tfc_session *s = session2(g, false, false, st);
	float v = 0;
	Tensorflow__RunMetadata *rm = run(s, (tfc_output){sum, 0}, NULL, &v, st);
	is_int(tfc_status_code(st), TFC_OK, "a graph over two CPU devices runs: %s", tfc_status_message(st));
	ok(v == 14, "and computes 2 + 3 + 4 + 5 = %g", v);
	is_string(device_of(rm, "a"), CPU1, "/device:CPU:1 is CPU:1");
	is_string(device_of(rm, "b"), CPU0, "an unpinned node goes to CPU:0");
	is_string(device_of(rm, "c"), CPU0, "/cpu:* takes the first CPU");
	is_string(device_of(rm, "d"), CPU1, "a full spec with job and task");
	is_string(device_of(rm, "sum"), CPU1, "a device scope");
	ok(rm && rm->step_stats && rm->step_stats->n_dev_stats == 2, "step stats for both devices");
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

static void test_colocation(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_shape scalar = tfc_shape_make(0, NULL);
	tfc_graph_push_device(g, "/device:CPU:1", st);
	tfc_operation *var = tfc_variable_v2(g, "var", &scalar, TFC_FLOAT, st);
	tfc_graph_pop_device(g);
	tfc_operation *val = pinned_const(g, "val", 7, NULL, st);
	tfc_operation *assign = tfc_assign(g, "assign", (tfc_output){var, 0}, (tfc_output){val, 0}, st);
	tfc_operation *pin = pinned_const(g, "pin", 1, "/device:CPU:1", st);
	tfc_tensor *one = tfc_tensor_new_scalar_float(1);
	tfc_op_desc *dd = tfc_op_new(g, "Const", "follower");
	tfc_op_set_attr_tensor(dd, "value", one, st);
	tfc_op_set_attr_type(dd, "dtype", TFC_FLOAT);
	tfc_op_colocate_with(dd, pin);
	tfc_operation *follower = tfc_op_finish(dd, st);
	tfc_tensor_free(one);
	tfc_operation *sum = tfc_add(g, "sum", (tfc_output){assign, 0}, (tfc_output){follower, 0}, st);
	tfc_session *s = session2(g, false, false, st);
	float v = 0;
	Tensorflow__RunMetadata *rm = run(s, (tfc_output){sum, 0}, NULL, &v, st);
	is_int(tfc_status_code(st), TFC_OK, "colocated graph runs: %s", tfc_status_message(st));
	ok(v == 8, "7 assigned + 1 = %g", v);
	is_string(device_of(rm, "assign"), CPU1, "Assign goes where its variable is (reference edge)");
	is_string(device_of(rm, "follower"), CPU1, "_class loc:@pin follows pin, which is not run");
	is_string(device_of(rm, "val"), CPU0, "the value it assigns stays on CPU:0");
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
	tfc_session_free(s);

	/* Colocated nodes pinned apart. */
	tfc_operation *x0 = pinned_const(g, "x0", 1, "/device:CPU:0", st);
	tfc_tensor *two = tfc_tensor_new_scalar_float(2);
	dd = tfc_op_new(g, "Const", "x1");
	tfc_op_set_attr_tensor(dd, "value", two, st);
	tfc_op_set_attr_type(dd, "dtype", TFC_FLOAT);
	tfc_op_set_device(dd, "/device:CPU:1");
	tfc_op_colocate_with(dd, x0);
	tfc_operation *x1 = tfc_op_finish(dd, st);
	tfc_tensor_free(two);
	tfc_operation *xs = tfc_add(g, "xs", (tfc_output){x0, 0}, (tfc_output){x1, 0}, st);
	s = session2(g, false, false, st);
	rm = run(s, (tfc_output){xs, 0}, NULL, NULL, st);
	is_int(tfc_status_code(st), TFC_INVALID_ARGUMENT, "colocated nodes pinned to different devices");
	ok(strstr(tfc_status_message(st), "Cannot colocate nodes") && strstr(tfc_status_message(st), "x1"),
	   "say so, naming the node: %s", tfc_status_message(st));
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
	tfc_session_free(s);
	s = session2(g, true, false, st);
	float xv = 0;
	rm = run(s, (tfc_output){xs, 0}, NULL, &xv, st);
	ok(tfc_status_code(st) == TFC_OK && xv == 3, "with soft placement they run together: %g", xv);
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

static void test_unsatisfiable(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *gpu = pinned_const(g, "on_gpu", 5, "/device:GPU:0", st);
	tfc_operation *ps = pinned_const(g, "on_ps", 6, "/job:ps/task:1", st);
	tfc_operation *sum = tfc_add(g, "sum", (tfc_output){gpu, 0}, (tfc_output){ps, 0}, st);
	tfc_session *s = session2(g, false, false, st);
	Tensorflow__RunMetadata *rm = run(s, (tfc_output){gpu, 0}, NULL, NULL, st);
	is_int(tfc_status_code(st), TFC_INVALID_ARGUMENT, "/device:GPU:0 without a GPU: InvalidArgument");
	const char *m = tfc_status_message(st);
	ok(strstr(m, "on_gpu") && strstr(m, "/device:GPU:0") && strstr(m, CPU0) && strstr(m, CPU1),
	   "naming the node, the request and the devices: %s", m);
	rm = run(s, (tfc_output){ps, 0}, NULL, NULL, st);
	ok(tfc_status_code(st) == TFC_INVALID_ARGUMENT && strstr(tfc_status_message(st), "/job:ps/task:1"),
	   "/job:ps/task:1 in a local session: %s", tfc_status_message(st));
	tfc_session_free(s);

	/* Soft placement, and log_device_placement's lines on stderr. */
	char logpath[] = "/tmp/tfc_placement_XXXXXX";
	int fd = mkstemp(logpath);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	s = session2(g, true, true, st);
	float v = 0;
	rm = run(s, (tfc_output){sum, 0}, NULL, &v, st);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	ok(tfc_status_code(st) == TFC_OK && v == 11, "with allow_soft_placement they run: %g (%s)", v,
	   tfc_status_message(st));
	is_string(device_of(rm, "on_gpu"), CPU0, "on CPU:0");
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
	tfc_buffer_t *log = tfc_read_file(logpath, st);
	char *text = log ? calloc(1, log->length + 1) : NULL;
	if (text)
		memcpy(text, log->data, log->length);
	ok(text && strstr(text, "on_gpu: (Const): " CPU0 "\n") && strstr(text, "sum: (Add): " CPU0 "\n"),
	   "log_device_placement prints name: (Op): device per node");
	free(text);
	tfc_buffer_free(log);
	unlink(logpath);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

int main(void)
{
	plan_lazy();
	test_requests();
	test_colocation();
	test_unsatisfiable();
	done_testing();
	return exit_status();
}
