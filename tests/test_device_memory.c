/*
 * test_device_memory.c: device-resident tensors without a GPU. The memory test
 * device (core/device_cpu.c) keeps its outputs in memory of its own, stored
 * scrambled, so any value that reaches a host reader without the executor's copy
 * (core/device_memory.c) comes out wrong. Checked: tensors in device memory and
 * their copies back; which inputs a kernel gets as they are (takes_resident,
 * host_inputs, another device's); chains that stay on the device with one copy for
 * the fetch; transfers between devices; allocator names in step stats; a v1 while
 * loop; a training loop with variables equal to a plain session's; failed copies
 * as errors naming the node.
 */
#include <pthread.h>

#include "cf_graphs.h"
#include "config.pb-c.h"
#include "internal.h"
#include "session_internal.h"
#include "step_stats.pb-c.h"
#include "tfc_ops.h"
#include "tfc_train.h"
#include "test_util.h"

static const char *dev0 = "/job:localhost/replica:0/task:0/device:CPU:0";

static float fv(const tfc_tensor *t, int i) { return ((const float *)tfc_tensor_data(t))[i]; }

static int64_t copies_to_host(struct tfc_device *d)
{
	int64_t h = 0, dv = 0;
	tfc__device_cpu_memory_counts(d, &h, &dv);
	return h;
}

/* A copy into device memory, waited for (the test device finishes it in place). */
static void done_flag(void *arg) { *(bool *)arg = true; }

static tfc_tensor *on_device(struct tfc_device *d, const float *v, int64_t n)
{
	tfc_tensor *t = tfc__tensor_new_on_device(d, TFC_FLOAT, &n, 1, NULL);
	tfc_status st = {0};
	bool done = false;
	d->ops->copy_to_device(d, v, tfc_tensor_data(t), (size_t)n * sizeof(float), &st, done_flag, &done);
	if (!done || st.code != TFC_OK)
		diag("copy to the test device failed");
	return t;
}

/* ---- tensors in device memory, and the executor's rule for inputs */

static void test_tensors(void)
{
	struct tfc_device *d = tfc__device_cpu_memory_new(dev0, 0);
	struct tfc_device *d2 = tfc__device_cpu_memory_new("/job:localhost/replica:0/task:0/device:CPU:1", 1);
	struct tfc_device *cpu = tfc__device_cpu_new(dev0, 0);
	tfc_status *st = tfc_status_new();
	const float v[3] = {1.5f, -2, 1e6f};
	tfc_tensor *t = on_device(d, v, 3);
	ok(tfc__tensor_device(t) == d && tfc_tensor_num_elements(t) == 3 && tfc_tensor_byte_size(t) == 12,
	   "a float[3] tensor in the test device's memory");
	ok(memcmp(tfc_tensor_data(t), v, sizeof(v)) != 0, "its bytes are not the host's (scrambled)");
	tfc_tensor *h = tfc__tensor_to_host(t, st);
	ok(h && !tfc__tensor_device(h) && fv(h, 0) == 1.5f && fv(h, 1) == -2 && fv(h, 2) == 1e6f,
	   "tfc__tensor_to_host: a host tensor with the values");
	is_int((int)copies_to_host(d), 1, "made by one copy through the device");
	tfc_tensor *same = tfc__tensor_to_host(h, st);
	ok(same == h && copies_to_host(d) == 1, "a host tensor is its own host copy (a reference, no copy)");
	tfc_tensor_free(same);

	int64_t two = 2;
	tfc_tensor *bad = tfc__tensor_new_on_device(d, TFC_STRING, &two, 1, st);
	ok(!bad && tfc_status_code(st) == TFC_INVALID_ARGUMENT &&
		   strstr(tfc_status_message(st), "cannot live in"),
	   "strings never live in device memory: %s", tfc_status_message(st));
	int64_t zero = 0;
	tfc_tensor *empty = tfc__tensor_new_on_device(d, TFC_DOUBLE, &zero, 1, st);
	tfc_tensor *eh = empty ? tfc__tensor_to_host(empty, st) : NULL;
	ok(eh && tfc_tensor_num_elements(eh) == 0 && tfc_tensor_dtype(eh) == TFC_DOUBLE,
	   "an empty device tensor has an empty host copy");
	tfc_tensor_free(eh);
	tfc_tensor_free(empty);

	/* input 0 and 1 in d's memory, input 2 on the host, 3 absent, 4 in d2's */
	const struct tfc_kernel_def k = {.op = "Probe", .device = "CPU", .host_inputs = 1u << 1};
	tfc_tensor *in[5] = {tfc_tensor_ref(t), on_device(d, v, 3), tfc_tensor_ref(h), NULL, on_device(d2, v, 3)};
	tfc_tensor *orig[5];
	memcpy(orig, in, sizeof(in));
	int64_t before = copies_to_host(d);
	ok(tfc__device_prepare_inputs(d, &k, in, 5, st), "prepare the inputs of a kernel on the device");
	ok(in[0] == orig[0], "a tensor in the kernel's device's memory passes as it is");
	ok(in[1] != orig[1] && !tfc__tensor_device(in[1]) && fv(in[1], 2) == 1e6f,
	   "an input the kernel reads on the host (host_inputs) becomes a host copy");
	ok(in[2] == orig[2] && in[3] == NULL, "host tensors and absent inputs are left alone");
	ok(in[4] != orig[4] && !tfc__tensor_device(in[4]) && fv(in[4], 1) == -2,
	   "another device's tensor becomes a host copy");
	is_int((int)(copies_to_host(d) - before), 1, "one copy from this device (the host_inputs one)");
	for (int i = 0; i < 5; i++)
		tfc_tensor_free(in[i]);

	tfc_tensor *cin[1] = {tfc_tensor_ref(t)};
	ok(tfc__device_prepare_inputs(cpu, &k, cin, 1, st) && !tfc__tensor_device(cin[0]) && fv(cin[0], 0) == 1.5f,
	   "a device without takes_resident (the CPU) gets host copies of everything");
	tfc_tensor_free(cin[0]);

	tfc__device_cpu_memory_fail_copies(d, true);
	tfc_tensor *fin[2] = {NULL, tfc_tensor_ref(t)};
	ok(!tfc__device_prepare_inputs(cpu, &k, fin, 2, st) && tfc_status_code(st) == TFC_INTERNAL &&
		   strstr(tfc_status_message(st), "input 1") && strstr(tfc_status_message(st), "injected"),
	   "a failed copy is an error naming the input: %s", tfc_status_message(st));
	ok(fin[1] == t, "and leaves the input as it was (freed by its owner)");
	tfc_tensor_free(fin[1]);
	tfc__device_cpu_memory_fail_copies(d, false);

	tfc_tensor_free(h);
	tfc_tensor_free(t);
	tfc_status_free(st);
	tfc__device_free(cpu);
	tfc__device_free(d2);
	tfc__device_free(d);
}

/* ---- sessions with the memory test device as CPU:0 */

static tfc_session *mem_session(tfc_graph *g, int n_cpu, int threads, tfc_status *st)
{
	tfc_session_options *o = tfc_session_options_new();
	char v[16];
	snprintf(v, sizeof(v), "%d", n_cpu);
	tfc_session_options_set_config_value(o, "device_count.CPU", v, st);
	snprintf(v, sizeof(v), "%d", threads);
	tfc_session_options_set_config_value(o, "inter_op_parallelism_threads", v, st);
	tfc_session_options_set_config_value(o, "graph_options.optimizer_options.opt_level", "L0", st);
	tfc_session *s = tfc_session_new(g, o, st);
	tfc_session_options_free(o);
	if (s)
		tfc__session_use_async_test_device(s, true);
	return s;
}

static struct tfc_device *mem_dev(tfc_session *s) { return s->device_impls[0]; }

static tfc_operation *on(tfc_graph *g, const char *type, const char *name, const char *device, tfc_output a,
			 const tfc_output *b, tfc_status *st)
{
	tfc_op_desc *d = tfc_op_new(g, type, name);
	tfc_op_add_input(d, a);
	if (b)
		tfc_op_add_input(d, *b);
	if (device)
		tfc_op_set_device(d, device);
	return tfc_op_finish(d, st);
}

static tfc_tensor *vec(int n, float base)
{
	int64_t d = n;
	tfc_tensor *t = tfc_tensor_new(TFC_FLOAT, &d, 1, NULL);
	for (int i = 0; i < n; i++)
		((float *)tfc_tensor_data(t))[i] = base + (float)i;
	return t;
}

/* y = -((x + x) * x) on the device, fetched: one copy back per run. */
static void test_chain(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, 1, (int64_t[]){4}, st);
	tfc_output xo = {x, 0};
	tfc_operation *a = on(g, "Add", "a", NULL, xo, &xo, st);
	tfc_operation *m = on(g, "Mul", "m", NULL, (tfc_output){a, 0}, &xo, st);
	tfc_operation *y = on(g, "Neg", "y", NULL, (tfc_output){m, 0}, NULL, st);
	for (int threads = 1; threads <= 2; threads++) {
		tfc_session *s = mem_session(g, 1, threads, st);
		tfc_tensor *in = vec(4, 1);
		tfc_output fy = {y, 0};
		int bad = 0, runs = 50;
		int64_t before = copies_to_host(mem_dev(s));
		for (int r = 0; r < runs; r++) {
			tfc_tensor *out = NULL;
			tfc_session_run(s, NULL, 0, &xo, &in, 1, &fy, &out, 1, NULL, 0, NULL, st);
			for (int i = 0; i < 4; i++)
				bad += !out || fv(out, i) != -2.0f * (float)(1 + i) * (float)(1 + i);
			bad += out && tfc__tensor_device(out) != NULL;
			tfc_tensor_free(out);
		}
		is_int(bad, 0, "%d inter-op thread(s): 50 runs of a 3-op chain on the device, every value right",
		       threads);
		is_int((int)(copies_to_host(mem_dev(s)) - before), runs,
		       "one copy to the host per run: the fetch (the chain stays in device memory)");
		tfc_tensor_free(in);
		tfc_session_free(s);
	}
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* FULL_TRACE run: the RunMetadata (NULL on failure). */
static Tensorflow__RunMetadata *traced(tfc_session *s, tfc_output *feed, tfc_tensor **val, int nf,
				       tfc_output fetch, tfc_tensor **out, tfc_status *st)
{
	Tensorflow__RunOptions ro;
	tensorflow__run_options__init(&ro);
	ro.trace_level = TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__FULL_TRACE;
	uint8_t buf[64];
	size_t n = protobuf_c_message_pack(&ro.base, buf);
	tfc_buffer_t *md = NULL;
	tfc_session_run(s, buf, n, feed, val, nf, &fetch, out, 1, NULL, 0, &md, st);
	Tensorflow__RunMetadata *m = md ? tensorflow__run_metadata__unpack(NULL, md->length, md->data) : NULL;
	tfc_buffer_free(md);
	return m;
}

static const char *alloc_of(const Tensorflow__RunMetadata *m, const char *node)
{
	for (size_t d = 0; m && m->step_stats && d < m->step_stats->n_dev_stats; d++) {
		const Tensorflow__DeviceStepStats *ds = m->step_stats->dev_stats[d];
		for (size_t i = 0; i < ds->n_node_stats; i++) {
			const Tensorflow__NodeExecStats *n = ds->node_stats[i];
			if (!strcmp(n->node_name, node) && n->n_output > 0 && n->output[0]->tensor_description &&
			    n->output[0]->tensor_description->allocation_description)
				return n->output[0]->tensor_description->allocation_description->allocator_name;
		}
	}
	return "(none)";
}

/* a, b on the memory device (CPU:0); c on CPU:1 reads b; d back on CPU:0 reads c. */
static void test_two_devices(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	const char *cpu1 = "/job:localhost/replica:0/task:0/device:CPU:1";
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, 1, (int64_t[]){3}, st);
	tfc_output xo = {x, 0};
	tfc_operation *a = on(g, "Square", "a", dev0, xo, NULL, st);
	tfc_operation *b = on(g, "Add", "b", dev0, (tfc_output){a, 0}, &xo, st);
	tfc_operation *c = on(g, "Neg", "c", cpu1, (tfc_output){b, 0}, NULL, st);
	tfc_output co = {c, 0};
	tfc_operation *d = on(g, "Mul", "d", dev0, (tfc_output){b, 0}, &co, st);
	tfc_session *s = mem_session(g, 2, 2, st);
	tfc_tensor *in = vec(3, 1), *out = NULL;
	int64_t before = copies_to_host(mem_dev(s));
	Tensorflow__RunMetadata *md = traced(s, &xo, &in, 1, (tfc_output){d, 0}, &out, st);
	bool right = out != NULL;
	for (int i = 0; right && i < 3; i++) {
		float xi = (float)(1 + i), bi = xi * xi + xi;
		right = fv(out, i) == -bi * bi;
	}
	ok(tfc_status_code(st) == TFC_OK && right, "a graph over the memory device and CPU:1 gives d = b * -b: %s",
	   tfc_status_message(st));
	is_int((int)(copies_to_host(mem_dev(s)) - before), 2,
	       "two copies to the host: b for the _Send to CPU:1, d for the fetch");
	is_string(alloc_of(md, "b"), "test_device_0_mem", "step stats: b's output is in the device's allocator");
	is_string(alloc_of(md, "c"), "cpu", "c's (on CPU:1) in the host's");
	if (md)
		protobuf_c_message_free_unpacked(&md->base, NULL);

	tfc__device_cpu_memory_fail_copies(mem_dev(s), true);
	tfc_tensor_free(out);
	out = NULL;
	tfc_session_run(s, NULL, 0, &xo, &in, 1, &(tfc_output){d, 0}, &out, 1, NULL, 0, NULL, st);
	ok(!out && tfc_status_code(st) == TFC_INTERNAL && strstr(tfc_status_message(st), "injected") &&
		   strstr(tfc_status_message(st), "{{node "),
	   "a copy that fails is the step's error, naming the node: %s", tfc_status_message(st));
	tfc_tensor_free(out);
	out = NULL;
	/* only the fetch needs a copy: a chain on the device alone */
	tfc_session_run(s, NULL, 0, &xo, &in, 1, &(tfc_output){a, 0}, &out, 1, NULL, 0, NULL, st);
	ok(!out && tfc_status_code(st) == TFC_INTERNAL && strstr(tfc_status_message(st), "fetching a:0"),
	   "a fetch whose copy fails names the tensor: %s", tfc_status_message(st));
	tfc__device_cpu_memory_fail_copies(mem_dev(s), false);
	tfc_session_run(s, NULL, 0, &xo, &in, 1, &(tfc_output){a, 0}, &out, 1, NULL, 0, NULL, st);
	ok(out && fv(out, 2) == 9, "and the session runs on once copies work again");
	tfc_tensor_free(out);
	tfc_tensor_free(in);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* A v1 while loop (frames, Merge/Switch, dead tensors) with every node on the
 * memory device: i counts to n, acc sums i. */
static void test_while_loop(void)
{
	static struct gtext t;
	memset(&t, 0, sizeof(t));
	const_i32(&t, "zero", 0, NULL);
	const_i32(&t, "n", 10, NULL);
	counting_loop(&t, "while", "zero", "zero", "n", 10);
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_graph_import(g, t.buf, t.n, TFC_FORMAT_TEXT, NULL, NULL, st);
	for (int threads = 1; threads <= 2; threads++) {
		tfc_session *s = mem_session(g, 1, threads, st);
		tfc_output f[2] = {{tfc_graph_operation_by_name(g, "while/Exit"), 0},
				   {tfc_graph_operation_by_name(g, "while/Exit_1"), 0}};
		tfc_tensor *out[2] = {NULL, NULL};
		if (f[0].oper && f[1].oper)
			tfc_session_run(s, NULL, 0, NULL, NULL, 0, f, out, 2, NULL, 0, NULL, st);
		ok(tfc_status_code(st) == TFC_OK && out[0] && out[1] && *(int32_t *)tfc_tensor_data(out[0]) == 10 &&
			   *(int32_t *)tfc_tensor_data(out[1]) == 45,
		   "%d thread(s): a while loop on the memory device: Exit = 10, Exit_1 = 45 %s", threads,
		   tfc_status_message(st));
		tfc_tensor_free(out[0]);
		tfc_tensor_free(out[1]);
		tfc_session_free(s);
	}
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* loss = mean((x @ w + b - y)^2), Momentum, 8 steps: the losses on the memory device
 * equal a plain session's exactly (same kernels, same order of arithmetic). */
static void losses(tfc_graph *g, tfc_operation *x, tfc_operation *yl, tfc_operation *loss, tfc_operation *train,
		   tfc_operation *init, bool mem, float *out, tfc_status *st)
{
	tfc_session *s = mem ? mem_session(g, 1, 2, st) : tfc_session_new(g, NULL, st);
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &init, 1, NULL, st);
	int64_t xd[2] = {8, 3}, yd[2] = {8, 2};
	tfc_tensor *xv = tfc_tensor_new(TFC_FLOAT, xd, 2, st), *yv = tfc_tensor_new(TFC_FLOAT, yd, 2, st);
	for (int i = 0; i < 24; i++)
		((float *)tfc_tensor_data(xv))[i] = (float)((i * 7) % 11) / 5.0f - 1;
	for (int i = 0; i < 16; i++)
		((float *)tfc_tensor_data(yv))[i] = (float)((i * 5) % 7) / 3.0f;
	tfc_output feeds[2] = {{x, 0}, {yl, 0}};
	tfc_tensor *vals[2] = {xv, yv};
	for (int step = 0; step < 8; step++) {
		tfc_tensor *l = NULL;
		tfc_session_run(s, NULL, 0, feeds, vals, 2, &(tfc_output){loss, 0}, &l, 1, &train, 1, NULL, st);
		out[step] = l ? fv(l, 0) : -1;
		tfc_tensor_free(l);
	}
	tfc_tensor_free(xv);
	tfc_tensor_free(yv);
	tfc_session_free(s);
}

static void test_training(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, 2, (int64_t[]){8, 3}, st);
	tfc_operation *yl = t_placeholder(g, "y", TFC_FLOAT, 2, (int64_t[]){8, 2}, st);
	tfc_shape ws = tfc_shape_make(2, (int64_t[]){3, 2}), bs = tfc_shape_make(1, (int64_t[]){2});
	tfc_initializer wi = tfc_init_random_normal(0, 0.5, 3), bi = tfc_init_constant(0.1);
	tfc_operation *w = tfc_get_variable(g, "w", &ws, TFC_FLOAT, &wi, st);
	tfc_operation *b = tfc_get_variable(g, "b", &bs, TFC_FLOAT, &bi, st);
	tfc_operation *mm = tfc_mat_mul(g, "mm", (tfc_output){x, 0}, tfc_variable_read(w), st);
	tfc_operation *lg = tfc_add(g, "logits", (tfc_output){mm, 0}, tfc_variable_read(b), st);
	tfc_operation *df = tfc_sub(g, "diff", (tfc_output){lg, 0}, (tfc_output){yl, 0}, st);
	tfc_operation *sq = tfc_square(g, "sq", (tfc_output){df, 0}, st);
	int32_t ax[2] = {0, 1};
	tfc_tensor *axt = tfc_tensor_new(TFC_INT32, (int64_t[]){2}, 1, st);
	memcpy(tfc_tensor_data(axt), ax, sizeof(ax));
	tfc_operation *axes = tfc_const(g, "axes", axt, TFC_INT32, st);
	tfc_tensor_free(axt);
	tfc_operation *loss = tfc_mean(g, "loss", (tfc_output){sq, 0}, (tfc_output){axes, 0}, st);
	tfc_optimizer *opt = tfc_optimizer_momentum_new(0.05f, 0.9f, false);
	tfc_operation *train = tfc_optimizer_minimize(opt, g, (tfc_output){loss, 0}, st);
	tfc_operation *init = tfc_global_variables_initializer(g, st);
	tfc_optimizer_free(opt);
	if (!is_int(tfc_status_code(st), TFC_OK, "a Momentum training graph builds"))
		diag("%s", tfc_status_message(st));
	float plain[8], mem[8];
	losses(g, x, yl, loss, train, init, false, plain, st);
	losses(g, x, yl, loss, train, init, true, mem, st);
	ok(tfc_status_code(st) == TFC_OK, "8 training steps on the memory device run: %s", tfc_status_message(st));
	ok(plain[7] < plain[0], "the loss falls (%g -> %g)", plain[0], plain[7]);
	ok(!memcmp(plain, mem, sizeof(plain)), "every loss equals the plain session's (%g, %g, ... %g)", mem[0], mem[1],
	   mem[7]);
	tfc_graph_free(g);
	tfc_status_free(st);
}

int main(void)
{
	plan_lazy();
	test_tensors();
	test_chain();
	test_two_devices();
	test_while_loop();
	test_training();
	done_testing();
	return exit_status();
}
