/*
 * test_gpu_session.c: sessions and GPUs. Without a GPU (no driver, no device, or a
 * build without CUDA) a session lists only CPU devices, runs a small MLP, and says
 * why with log_device_placement, never failing; device_count.GPU = 0 turns GPUs off
 * anyway; a request for /device:GPU:0 is InvalidArgument without soft placement and
 * runs on the CPU with it. With a GPU the float ops go to GPU:0, int32 ones stay on
 * the CPU, and the answers are the CPU's (make check-gpu checks kernel by kernel).
 * A FULL_TRACE training step records the GPU's activity through CUPTI (on the fake
 * CUDA build, tests/fakecuda's fake CUPTI): the pseudo-devices in the step stats, the
 * kernels tied to their ops and inside the step, the trace database's GPU tables and
 * tfc-prof's GPU report; one tracer at a time.
 */
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gpu.h"
#include "gpu_activity.h"
#include "prof.h"
#include "tfc_trace.h"
#include "tfc_ops.h"
#include "tfc_train.h"
#include "test_util.h"

#define CPU0 "/job:localhost/replica:0/task:0/device:CPU:0"
#define GPU0 "/job:localhost/replica:0/task:0/device:GPU:0"

static tfc_session *session(tfc_graph *g, const char *const *kv, tfc_status *st)
{
	tfc_session_options *o = tfc_session_options_new();
	for (; kv && kv[0]; kv += 2)
		tfc_session_options_set_config_value(o, kv[0], kv[1], st);
	tfc_session *s = tfc_session_new(g, o, st);
	tfc_session_options_free(o);
	return s;
}

static tfc_operation *const_f(tfc_graph *g, const char *name, const float *v, int rank, const int64_t *dims,
			      const char *device, tfc_status *st)
{
	tfc_tensor *t = tfc_tensor_new(TFC_FLOAT, dims, rank, st);
	memcpy(tfc_tensor_data(t), v, tfc_tensor_byte_size(t));
	tfc_op_desc *d = tfc_op_new(g, "Const", name);
	tfc_op_set_attr_tensor(d, "value", t, st);
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	if (device)
		tfc_op_set_device(d, device);
	tfc_tensor_free(t);
	return tfc_op_finish(d, st);
}

/* softmax(relu(x w + b)) summed over rows: [2,3] x [3,2]. */
static tfc_operation *mlp(tfc_graph *g, const char *device, tfc_status *st)
{
	const float x[] = {1, 2, 3, -1, 0, 1}, w[] = {0.5f, -1, 1, 0.25f, -0.5f, 2}, b[] = {0.1f, -0.2f};
	tfc_operation *cx = const_f(g, "x", x, 2, (int64_t[]){2, 3}, NULL, st);
	tfc_operation *cw = const_f(g, "w", w, 2, (int64_t[]){3, 2}, NULL, st);
	tfc_operation *cb = const_f(g, "b", b, 1, (int64_t[]){2}, NULL, st);
	tfc_op_desc *d = tfc_op_new(g, "MatMul", "mm");
	tfc_op_add_input(d, (tfc_output){cx, 0});
	tfc_op_add_input(d, (tfc_output){cw, 0});
	if (device)
		tfc_op_set_device(d, device);
	tfc_operation *mm = tfc_op_finish(d, st);
	tfc_operation *ba = tfc_bias_add(g, "bias", (tfc_output){mm, 0}, (tfc_output){cb, 0}, st);
	tfc_operation *r = tfc_relu(g, "relu", (tfc_output){ba, 0}, st);
	tfc_operation *sm = tfc_softmax(g, "softmax", (tfc_output){r, 0}, st);
	tfc_operation *ax = t_const_i(g, "axis", 0, st);
	return tfc_sum(g, "sum", (tfc_output){sm, 0}, (tfc_output){ax, 0}, st);
}

static void check_mlp(tfc_session *s, tfc_operation *sum, tfc_status *st, const char *what)
{
	tfc_tensor *out = NULL;
	tfc_output f = {sum, 0};
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, &f, &out, 1, NULL, 0, NULL, st);
	is_int(tfc_status_code(st), TFC_OK, "%s: runs (%s)", what, tfc_status_message(st));
	/* rows: relu([1.1,5.3]) and relu([-0.9,2.8]): softmax, then summed per column */
	double e0 = 1 / (1 + exp(5.3 - 1.1)), e1 = 1 / (1 + exp(2.8 - 0));
	const float *v = out ? tfc_tensor_data(out) : (float[]){0, 0};
	is_double(v[0], e0 + e1, 1e-5, "%s: column 0", what);
	is_double(v[1], 2 - e0 - e1, 1e-5, "%s: column 1", what);
	tfc_tensor_free(out);
}


struct logged {
	tfc_graph *g;
	tfc_session *s;
	tfc_status *st;
};

static void new_logged(void *p)
{
	struct logged *l = p;
	l->s = session(l->g, (const char *const[]){"log_device_placement", "true", NULL}, l->st);
}

static void test_no_gpu(int n_gpus, const char *why)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *sum = mlp(g, NULL, st);
	if (n_gpus > 0) {
		skip(7, "a GPU is present (%d)", n_gpus);
	} else {
		struct logged l = {g, NULL, st};
		const char *err = t_capture_stderr(new_logged, &l);
		is_int(tfc_status_code(st), TFC_OK, "no GPU: the session is made");
		is_int(tfc_session_num_devices(l.s), 1, "no GPU: one device");
		is_string(tfc_session_device_name(l.s, 0), CPU0, "no GPU: the CPU");
		ok(strstr(err, "No GPU devices (") && strstr(err, why), "log_device_placement says why: %s", err);
		check_mlp(l.s, sum, st, "no GPU");
		tfc_session_free(l.s);
	}
	tfc_session *s = session(g, (const char *const[]){"device_count.GPU", "0", NULL}, st);
	is_int(tfc_session_num_devices(s), 1, "device_count.GPU = 0: CPU only");
	check_mlp(s, sum, st, "device_count.GPU = 0");
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

static void test_requests(int n_gpus)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *sum = mlp(g, "/device:GPU:0", st);
	tfc_session *s = session(g, NULL, st);
	tfc_tensor *out = NULL;
	tfc_output f = {sum, 0};
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, &f, &out, 1, NULL, 0, NULL, st);
	if (n_gpus > 0) {
		is_int(tfc_status_code(st), TFC_OK, "GPU:0 requested and present: runs");
	} else {
		is_int(tfc_status_code(st), TFC_INVALID_ARGUMENT, "GPU:0 requested, none: InvalidArgument");
		ok(strstr(tfc_status_message(st), "Could not satisfy explicit device specification '/device:GPU:0'") != NULL,
		   "the message names the request: %s", tfc_status_message(st));
	}
	tfc_tensor_free(out);
	tfc_session_free(s);
	s = session(g, (const char *const[]){"allow_soft_placement", "true", NULL}, st);
	check_mlp(s, sum, st, "GPU:0 requested, soft placement");
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* With a GPU: where the float ops and an int32 Add ran (from the cost graph). */
static void test_placement_on_gpu(int n_gpus)
{
	if (n_gpus == 0) {
		skip(6, "no GPU");
		return;
	}
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *sum = mlp(g, NULL, st);
	tfc_operation *i1 = t_const_i(g, "i1", 3, st), *i2 = t_const_i(g, "i2", 4, st);
	tfc_operation *iadd = t_binary(g, "AddV2", "iadd", i1, i2, st);
	tfc_session *s = session(g, NULL, st);
	is_int(tfc_session_num_devices(s), 1 + n_gpus, "CPU and GPUs listed");
	is_string(tfc_session_device_name(s, 1), GPU0, "GPU:0 after the CPU");
	check_mlp(s, sum, st, "on the GPU");
	tfc_tensor *out = NULL;
	tfc_output f = {iadd, 0};
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, &f, &out, 1, NULL, 0, NULL, st);
	is_int(out ? *(int32_t *)tfc_tensor_data(out) : 0, 7, "an int32 Add (no GPU kernel for int32) runs on the CPU");
	tfc_tensor_free(out);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* ---- with a GPU: whole graphs, against a CPU-only session */

/* The copies host <-> device the fake CUDA runtime has made (tests/fakecuda; absent
 * in a real CUDA build, where those checks are skipped). */
void tfc_fake_copy_counts(int64_t *to_device, int64_t *to_host) __attribute__((weak));

static tfc_operation *placeholder_f(tfc_graph *g, const char *name, int rank, const int64_t *dims,
				    tfc_status *st)
{
	return t_placeholder(g, name, TFC_FLOAT, rank, dims, st);
}

static tfc_tensor *tensor_f(const float *v, int rank, const int64_t *dims)
{
	tfc_status *st = tfc_status_new();
	tfc_tensor *t = tfc_tensor_new(TFC_FLOAT, dims, rank, st);
	memcpy(tfc_tensor_data(t), v, tfc_tensor_byte_size(t));
	tfc_status_free(st);
	return t;
}

/* Runs the fetches with FULL_TRACE; their values in out[] (host tensors) and the
 * step's RunMetadata (NULL when the run failed; free_unpacked by the caller). */
static Tensorflow__RunMetadata *run_traced(tfc_session *s, const tfc_output *feeds, tfc_tensor **vals, int nf,
					   const tfc_output *f, tfc_tensor **out, int n, tfc_status *st)
{
	Tensorflow__RunOptions ro;
	tensorflow__run_options__init(&ro);
	ro.trace_level = TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__FULL_TRACE;
	uint8_t rb[32];
	size_t rl = tensorflow__run_options__pack(&ro, rb);
	tfc_buffer_t *meta = NULL;
	tfc_session_run(s, rb, rl, feeds, vals, nf, f, out, n, NULL, 0, &meta, st);
	Tensorflow__RunMetadata *rm = meta ? tensorflow__run_metadata__unpack(NULL, meta->length, meta->data) : NULL;
	tfc_buffer_free(meta);
	return rm;
}

/* The stats of node `name` in rm, and (in *device) the device that ran it. */
static const Tensorflow__NodeExecStats *node_stat(const Tensorflow__RunMetadata *rm, const char *name,
						  const char **device)
{
	*device = "(not run)";
	for (size_t i = 0; rm && rm->step_stats && i < rm->step_stats->n_dev_stats; i++) {
		const Tensorflow__DeviceStepStats *ds = rm->step_stats->dev_stats[i];
		for (size_t k = 0; k < ds->n_node_stats; k++) {
			if (strcmp(ds->node_stats[k]->node_name, name))
				continue;
			*device = ds->device;
			return ds->node_stats[k];
		}
	}
	return NULL;
}

/* The allocator that holds output `slot` of node `name`, or "(none)". */
static const char *out_allocator(const Tensorflow__RunMetadata *rm, const char *name, size_t slot)
{
	const char *dev;
	const Tensorflow__NodeExecStats *n = node_stat(rm, name, &dev);
	if (!n || slot >= n->n_output || !n->output[slot]->tensor_description ||
	    !n->output[slot]->tensor_description->allocation_description)
		return "(none)";
	return n->output[slot]->tensor_description->allocation_description->allocator_name;
}

/* How many nodes device `device` ran whose timeline label has `what` in it. */
static int nodes_like(const Tensorflow__RunMetadata *rm, const char *device, const char *what)
{
	int n = 0;
	for (size_t i = 0; rm && rm->step_stats && i < rm->step_stats->n_dev_stats; i++) {
		const Tensorflow__DeviceStepStats *ds = rm->step_stats->dev_stats[i];
		if (strcmp(ds->device, device))
			continue;
		for (size_t k = 0; k < ds->n_node_stats; k++)
			n += ds->node_stats[k]->timeline_label && strstr(ds->node_stats[k]->timeline_label, what) != NULL;
	}
	return n;
}

/* The worst relative difference of two float tensors (INFINITY: shapes or NaN). */
static double worst_diff(const tfc_tensor *a, const tfc_tensor *b)
{
	if (!a || !b || tfc_tensor_num_elements(a) != tfc_tensor_num_elements(b))
		return INFINITY;
	const float *x = tfc_tensor_data(a), *y = tfc_tensor_data(b);
	double worst = 0;
	for (int64_t i = 0; i < tfc_tensor_num_elements(a); i++) {
		double d = fabs((double)x[i] - y[i]) / (1 + fabs(x[i]));
		if (isnan(d))
			return INFINITY;
		worst = d > worst ? d : worst;
	}
	return worst;
}

/* A two-layer MLP with a softmax cross entropy, forward and backward: the loss and
 * the gradients of both layers' weights and biases, on GPU:0 (the float ops go there
 * by default) and on a CPU-only session. */
#define N_MLP_TRAIN 12
static void test_mlp_train(int n_gpus)
{
	if (n_gpus == 0) {
		skip(N_MLP_TRAIN, "no GPU");
		return;
	}
	static const float xv[] = {1, -2, 0.5f, 0.3f, 0.8f, -1, -0.7f, 0.1f, 2, 1.5f, -0.4f, -0.2f};
	static const float lv[] = {1, 0, 0, 1, 0.25f, 0.75f, 1, 0};
	static const float w1[] = {0.2f, -0.5f, 0.1f, 0.7f, -0.3f, 0.4f, 0.6f, -0.2f, 0.3f, -0.1f,
				   -0.6f, 0.25f, 0.5f, -0.4f, 0.9f};
	static const float b1[] = {0.05f, -0.1f, 0.2f, 0, 0.1f};
	static const float w2[] = {0.3f, -0.7f, 0.5f, 0.2f, -0.4f, 0.6f, 0.8f, -0.1f, -0.2f, 0.45f};
	static const float b2[] = {0.1f, -0.05f};
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *x = placeholder_f(g, "x", 2, (int64_t[]){4, 3}, st);
	tfc_operation *labels = placeholder_f(g, "labels", 2, (int64_t[]){4, 2}, st);
	tfc_operation *cw1 = const_f(g, "w1", w1, 2, (int64_t[]){3, 5}, NULL, st);
	tfc_operation *cb1 = const_f(g, "b1", b1, 1, (int64_t[]){5}, NULL, st);
	tfc_operation *cw2 = const_f(g, "w2", w2, 2, (int64_t[]){5, 2}, NULL, st);
	tfc_operation *cb2 = const_f(g, "b2", b2, 1, (int64_t[]){2}, NULL, st);
	tfc_operation *mm1 = tfc_mat_mul(g, "l1/MatMul", (tfc_output){x, 0}, (tfc_output){cw1, 0}, st);
	tfc_operation *ba1 = tfc_bias_add(g, "l1/BiasAdd", (tfc_output){mm1, 0}, (tfc_output){cb1, 0}, st);
	tfc_operation *h = tfc_relu(g, "l1/Relu", (tfc_output){ba1, 0}, st);
	tfc_operation *mm2 = tfc_mat_mul(g, "l2/MatMul", (tfc_output){h, 0}, (tfc_output){cw2, 0}, st);
	tfc_operation *logits = tfc_bias_add(g, "l2/BiasAdd", (tfc_output){mm2, 0}, (tfc_output){cb2, 0}, st);
	tfc_operation *xent = tfc_softmax_cross_entropy_with_logits(g, "xent", (tfc_output){logits, 0},
								     (tfc_output){labels, 0}, st);
	tfc_operation *ax = t_const_i(g, "axis", 0, st);
	tfc_operation *loss = tfc_mean(g, "loss", (tfc_output){xent, 0}, (tfc_output){ax, 0}, st);
	tfc_output xs[4] = {{cw1, 0}, {cb1, 0}, {cw2, 0}, {cb2, 0}}, fetch[5] = {{loss, 0}};
	int connected = tfc_gradients(g, &fetch[0], 1, xs, 4, NULL, &fetch[1], st);
	is_int(connected, 4, "the MLP's gradients are built (%s)", tfc_status_message(st));
	tfc_output feeds[2] = {{x, 0}, {labels, 0}};
	tfc_tensor *vals[2] = {tensor_f(xv, 2, (int64_t[]){4, 3}), tensor_f(lv, 2, (int64_t[]){4, 2})};
	tfc_tensor *want[5] = {NULL}, *got[5] = {NULL};
	tfc_session *cpu = session(g, (const char *const[]){"device_count.GPU", "0", NULL}, st);
	if (cpu)
		tfc_session_run(cpu, NULL, 0, feeds, vals, 2, fetch, want, 5, NULL, 0, NULL, st);
	is_int(tfc_status_code(st), TFC_OK, "MLP training step on the CPU runs (%s)", tfc_status_message(st));
	tfc_session *gpu = session(g, NULL, st);
	Tensorflow__RunMetadata *rm = gpu ? run_traced(gpu, feeds, vals, 2, fetch, got, 5, st) : NULL;
	is_int(tfc_status_code(st), TFC_OK, "MLP training step with a GPU runs (%s)", tfc_status_message(st));
	static const char *const what[5] = {"loss", "d w1", "d b1", "d w2", "d b2"};
	bool nonzero = want[0] && *(float *)tfc_tensor_data(want[0]) > 0.1f;
	for (int i = 0; i < 5; i++) {
		double d = worst_diff(want[i], got[i]);
		ok(d < 1e-5, "MLP %s: GPU = CPU (worst relative difference %g)", what[i], d);
		bool any = false;
		for (int64_t k = 0; want[i] && k < tfc_tensor_num_elements(want[i]); k++)
			any |= fabsf(((float *)tfc_tensor_data(want[i]))[k]) > 1e-4f;
		nonzero &= any;
	}
	ok(nonzero, "the loss and every gradient are far from zero (a real check)");
	/* where the float ops ran: forward, and the backward MatMuls (of the weights'
	 * gradients, with transpose_a; of the hidden layer's, with transpose_b) */
	static const char *const on_gpu[] = {"l1/MatMul", "l1/Relu", "l2/BiasAdd", "xent", "loss",
					     "gradients/l1/MatMul_grad/MatMul_1", "gradients/l2/MatMul_grad/MatMul",
					     "gradients/l2/MatMul_grad/MatMul_1", "gradients/l1/Relu_grad/ReluGrad",
					     "gradients/l2/BiasAdd_grad/BiasAddGrad"};
	int ran = 0;
	for (size_t i = 0; i < TFC_ARRAY_LEN(on_gpu); i++) {
		const char *dev;
		node_stat(rm, on_gpu[i], &dev);
		if (!strcmp(dev, GPU0))
			ran++;
		else
			diag("%s ran on %s", on_gpu[i], dev);
	}
	is_int(ran, (int)TFC_ARRAY_LEN(on_gpu), "the forward and backward passes ran on GPU:0");
	is_int(nodes_like(rm, GPU0, " = MatMul("), 5, "all five MatMuls ran on GPU:0");
	for (int i = 0; i < 5; i++) {
		tfc_tensor_free(want[i]);
		tfc_tensor_free(got[i]);
	}
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
	tfc_tensor_free(vals[0]);
	tfc_tensor_free(vals[1]);
	tfc_session_free(cpu);
	tfc_session_free(gpu);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* A chain of GPU ops keeps its tensors in the GPU's memory: every output is the
 * GPU allocator's, and (on the fake runtime) one upload and one download in all. */
#define N_CHAIN 4
static void test_resident_chain(int n_gpus)
{
	if (n_gpus == 0) {
		skip(N_CHAIN, "no GPU");
		return;
	}
	static const float xv[] = {0.5f, -1, 2, 0, -0.25f, 1.5f};
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *x = placeholder_f(g, "x", 2, (int64_t[]){2, 3}, st);
	tfc_operation *neg = tfc_neg(g, "neg", (tfc_output){x, 0}, st);
	tfc_operation *ex = tfc_exp(g, "exp", (tfc_output){neg, 0}, st);
	tfc_operation *sq = tfc_square(g, "square", (tfc_output){ex, 0}, st);
	tfc_operation *rt = tfc_sqrt(g, "sqrt", (tfc_output){sq, 0}, st);
	tfc_session *s = session(g, NULL, st);
	tfc_output feed = {x, 0}, fetch = {rt, 0};
	tfc_tensor *xt = tensor_f(xv, 2, (int64_t[]){2, 3}), *out = NULL;
	int64_t h2d0 = 0, d2h0 = 0, h2d1 = 0, d2h1 = 0;
	if (tfc_fake_copy_counts)
		tfc_fake_copy_counts(&h2d0, &d2h0);
	Tensorflow__RunMetadata *rm = run_traced(s, &feed, &xt, 1, &fetch, &out, 1, st);
	if (tfc_fake_copy_counts)
		tfc_fake_copy_counts(&h2d1, &d2h1);
	is_int(tfc_status_code(st), TFC_OK, "Neg -> Exp -> Square -> Sqrt on the GPU runs (%s)", tfc_status_message(st));
	double worst = out ? 0 : INFINITY;
	for (int i = 0; out && i < 6; i++) {
		double e = fabs(((float *)tfc_tensor_data(out))[i] - exp(-xv[i])) / exp(-xv[i]);
		worst = e > worst || isnan(e) ? e : worst;
	}
	ok(worst < 1e-6, "the fetched GPU output has the right host values (worst relative error %g)", worst);
	static const char *const chain[] = {"neg", "exp", "square", "sqrt"};
	int resident = 0;
	for (int i = 0; i < 4; i++) {
		const char *a = out_allocator(rm, chain[i], 0);
		if (!strcmp(a, "GPU_0_bfc"))
			resident++;
		else
			diag("output of %s: allocator %s", chain[i], a);
	}
	is_int(resident, 4, "each op's output is in GPU_0_bfc");
	if (!tfc_fake_copy_counts)
		skip(1, "copies are counted by the fake CUDA runtime only");
	else
		ok(h2d1 - h2d0 == 1 && d2h1 - d2h0 == 1,
		   "one upload (x) and one download (the fetch) in all: %lld and %lld", (long long)(h2d1 - h2d0),
		   (long long)(d2h1 - d2h0));
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
	tfc_tensor_free(out);
	tfc_tensor_free(xt);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

static tfc_operation *const_s(tfc_graph *g, const char *name, const char *v, tfc_status *st)
{
	tfc_tensor *t = tfc_tensor_new_scalar_string(v, strlen(v));
	tfc_op_desc *d = tfc_op_new(g, "Const", name);
	tfc_op_set_attr_tensor(d, "value", t, st);
	tfc_op_set_attr_type(d, "dtype", TFC_STRING);
	tfc_tensor_free(t);
	return tfc_op_finish(d, st);
}

/* GPU ops next to CPU-only ones (int32 and string ops), with data and control edges
 * both ways: the partitioner's _Send/_Recv pairs and the control edges' dummy Consts
 * run on the GPU too. */
#define N_MIXED 8
static void test_mixed(int n_gpus)
{
	if (n_gpus == 0) {
		skip(N_MIXED, "no GPU");
		return;
	}
	static const float av[] = {0.5f, -1, 2, 0};
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *a = placeholder_f(g, "a", 2, (int64_t[]){2, 2}, st);
	tfc_operation *i1 = t_const_i(g, "i1", 3, st), *i2 = t_const_i(g, "i2", 4, st);
	tfc_operation *iadd = t_binary(g, "AddV2", "iadd", i1, i2, st);
	tfc_op_desc *d = tfc_op_new(g, "Neg", "neg"); /* after iadd: a control edge CPU -> GPU */
	tfc_op_add_input(d, (tfc_output){a, 0});
	tfc_op_add_control_input(d, iadd);
	tfc_operation *neg = tfc_op_finish(d, st);
	tfc_operation *ex = tfc_exp(g, "exp", (tfc_output){neg, 0}, st);
	/* a GPU tensor into CPU-only int32 ops */
	tfc_operation *cast = tfc_cast(g, "cast", (tfc_output){ex, 0}, TFC_INT32, st);
	tfc_operation *axes = t_const_i(g, "axes", 0, st);
	tfc_operation *isum = tfc_sum(g, "isum", (tfc_output){cast, 0}, (tfc_output){axes, 0}, st);
	tfc_operation *total = t_binary(g, "AddV2", "total", isum, iadd, st);
	/* a string op after exp: a control edge GPU -> CPU */
	tfc_operation *s1 = const_s(g, "s1", "gpu", st), *s2 = const_s(g, "s2", "+cpu", st);
	d = tfc_op_new(g, "StringJoin", "join");
	tfc_output parts[2] = {{s1, 0}, {s2, 0}};
	tfc_op_add_input_list(d, parts, 2);
	tfc_op_add_control_input(d, ex);
	tfc_operation *join = tfc_op_finish(d, st);
	is_int(tfc_status_code(st), TFC_OK, "the mixed graph is built (%s)", tfc_status_message(st));
	tfc_session *s = session(g, NULL, st);
	tfc_output feed = {a, 0}, fetch[3] = {{ex, 0}, {total, 0}, {join, 0}};
	tfc_tensor *at = tensor_f(av, 2, (int64_t[]){2, 2}), *out[3] = {NULL, NULL, NULL};
	Tensorflow__RunMetadata *rm = run_traced(s, &feed, &at, 1, fetch, out, 3, st);
	is_int(tfc_status_code(st), TFC_OK, "it runs (%s)", tfc_status_message(st));
	double worst = out[0] ? 0 : INFINITY;
	for (int i = 0; out[0] && i < 4; i++) {
		double e = fabs(((float *)tfc_tensor_data(out[0]))[i] - exp(-av[i])) / exp(-av[i]);
		worst = e > worst || isnan(e) ? e : worst;
	}
	ok(worst < 1e-6, "exp(-a), fetched from the GPU (worst relative error %g)", worst);
	/* exp(-a) = 0.61, 2.72, 0.14, 1 -> int32 0, 2, 0, 1, summed over axis 0: 0, 3;
	 * plus iadd (7) */
	const int32_t *tv = out[1] ? tfc_tensor_data(out[1]) : (int32_t[]){0, 0};
	ok(out[1] && tfc_tensor_num_elements(out[1]) == 2 && tv[0] == 7 && tv[1] == 10,
	   "Cast and Sum of a GPU tensor on the CPU, plus 7: [%d, %d]", tv[0], tv[1]);
	const tfc_tstring *js = out[2] ? tfc_tensor_string(out[2], 0) : NULL;
	ok(js && js->len == 7 && !memcmp(js->ptr, "gpu+cpu", 7), "StringJoin on the CPU: %.*s", js ? (int)js->len : 0,
	   js ? js->ptr : "");
	const char *dn, *de, *di, *dj;
	node_stat(rm, "neg", &dn);
	node_stat(rm, "exp", &de);
	node_stat(rm, "iadd", &di);
	node_stat(rm, "join", &dj);
	ok(!strcmp(dn, GPU0) && !strcmp(de, GPU0) && !strcmp(di, CPU0) && !strcmp(dj, CPU0),
	   "Neg and Exp on the GPU, AddV2 (int32) and StringJoin on the CPU: %s, %s, %s, %s", dn, de, di, dj);
	/* the fed `a` goes to Neg as it is; iadd comes as a control signal */
	int sends = nodes_like(rm, GPU0, " = _Send("), recvs = nodes_like(rm, GPU0, " = _Recv(");
	ok(sends == 2 && recvs == 2, "the GPU ran 2 _Send (exp's value and control signal): %d, and 2 _Recv "
	   "(the fed a, which goes up once, and iadd's control signal): %d", sends, recvs);
	is_int(nodes_like(rm, GPU0, " = Const()"), 1, "the GPU ran the dummy Const of exp's control edge");
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
	for (int i = 0; i < 3; i++)
		tfc_tensor_free(out[i]);
	tfc_tensor_free(at);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* Runs sqrt(square(exp(-x))) on s; true when the answer is exp(-x). */
static bool chain_right(tfc_graph *g, tfc_session *s, tfc_status *st)
{
	static const float xv[] = {0.5f, -1, 2, 0, -0.25f, 1.5f};
	tfc_operation *x = tfc_graph_operation_by_name(g, "x"), *rt = tfc_graph_operation_by_name(g, "sqrt");
	tfc_output feed = {x, 0}, fetch = {rt, 0};
	tfc_tensor *xt = tensor_f(xv, 2, (int64_t[]){2, 3}), *out = NULL;
	tfc_session_run(s, NULL, 0, &feed, &xt, 1, &fetch, &out, 1, NULL, 0, NULL, st);
	bool right = out != NULL;
	for (int i = 0; right && i < 6; i++)
		right = fabs(((float *)tfc_tensor_data(out))[i] - exp(-xv[i])) <= 1e-6 * exp(-xv[i]);
	tfc_tensor_free(out);
	tfc_tensor_free(xt);
	return right;
}

static bool has_gpu(const tfc_session *s)
{
	for (int i = 0; i < tfc_session_num_devices(s); i++)
		if (!strcmp(tfc_session_device_name(s, i), GPU0))
			return true;
	return false;
}

/* Two sessions that each ask for 60% of the GPU's memory: as in TensorFlow the GPU
 * (its allocator) belongs to the process, so the second shares the first's instead
 * of failing to get its own; it outlives the first session, and a third after both
 * sets it up again. */
#define N_SHARED 6
static void test_shared(int n_gpus)
{
	if (n_gpus == 0) {
		skip(N_SHARED, "no GPU");
		return;
	}
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *x = placeholder_f(g, "x", 2, (int64_t[]){2, 3}, st);
	tfc_operation *neg = tfc_neg(g, "neg", (tfc_output){x, 0}, st);
	tfc_operation *ex = tfc_exp(g, "exp", (tfc_output){neg, 0}, st);
	tfc_operation *sq = tfc_square(g, "square", (tfc_output){ex, 0}, st);
	tfc_sqrt(g, "sqrt", (tfc_output){sq, 0}, st);
	static const char *const frac[] = {"gpu_options.per_process_gpu_memory_fraction", "0.6", NULL};
	tfc_session *a = session(g, frac, st);
	tfc_session *b = session(g, frac, st);
	ok(a && b && has_gpu(a) && has_gpu(b), "two sessions asking for 60%% of the GPU each both have GPU:0");
	ok(a && chain_right(g, a, st), "the first runs on it");
	ok(b && chain_right(g, b, st), "the second too, sharing the first's memory %s", tfc_status_message(st));
	tfc_session_free(a);
	ok(b && chain_right(g, b, st), "the second runs on after the first is freed");
	tfc_session_free(b);
	tfc_session *c = session(g, frac, st);
	ok(c && has_gpu(c), "a session after both sets the GPU up again");
	ok(c && chain_right(g, c, st), "and runs on it");
	tfc_session_free(c);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* ---- tracing the GPU */

/* The op correlation ids of the GPU device (cuda/gpu_internal.h; absent without
 * CUDA) and the fake CUPTI's count of this thread's pushed ids (tests/fakecuda). */
void tfc__cupti_push_op(uint64_t id) __attribute__((weak));
void tfc__cupti_pop_op(void) __attribute__((weak));
size_t tfc_fake_cupti_external_depth(void) __attribute__((weak));

static const Tensorflow__DeviceStepStats *dev_stats(const Tensorflow__RunMetadata *rm, const char *device)
{
	for (size_t i = 0; rm && rm->step_stats && i < rm->step_stats->n_dev_stats; i++)
		if (!strcmp(rm->step_stats->dev_stats[i]->device, device))
			return rm->step_stats->dev_stats[i];
	return NULL;
}

static int64_t end_nanos(const Tensorflow__NodeExecStats *n) { return n->all_start_nanos + n->all_end_rel_nanos; }

/* A training step of an MLP, 784-like but small: x[8,6] -> 6x5 -> relu -> 5x3 ->
 * softmax cross entropy -> mean, plain SGD on variables. *train is the update. */
static tfc_graph *train_graph(tfc_operation **x, tfc_operation **labels, tfc_operation **train,
			      tfc_operation **init, tfc_status *st)
{
	tfc_graph *g = tfc_graph_new();
	*x = placeholder_f(g, "x", 2, (int64_t[]){8, 6}, st);
	*labels = placeholder_f(g, "labels", 2, (int64_t[]){8, 3}, st);
	tfc_shape s1 = tfc_shape_make(2, (int64_t[]){6, 5}), s2 = tfc_shape_make(2, (int64_t[]){5, 3});
	tfc_shape sb1 = tfc_shape_make(1, (int64_t[]){5}), sb2 = tfc_shape_make(1, (int64_t[]){3});
	tfc_initializer gu1 = tfc_init_glorot_uniform(1), gu2 = tfc_init_glorot_uniform(2),
			zero = tfc_init_constant(0.1);
	tfc_operation *w1 = tfc_get_variable(g, "l1/w", &s1, TFC_FLOAT, &gu1, st);
	tfc_operation *b1 = tfc_get_variable(g, "l1/b", &sb1, TFC_FLOAT, &zero, st);
	tfc_operation *w2 = tfc_get_variable(g, "l2/w", &s2, TFC_FLOAT, &gu2, st);
	tfc_operation *b2 = tfc_get_variable(g, "l2/b", &sb2, TFC_FLOAT, &zero, st);
	tfc_operation *mm1 = tfc_mat_mul(g, "l1/MatMul", (tfc_output){*x, 0}, tfc_variable_read(w1), st);
	tfc_operation *ba1 = tfc_bias_add(g, "l1/BiasAdd", (tfc_output){mm1, 0}, tfc_variable_read(b1), st);
	tfc_operation *h = tfc_relu(g, "l1/Relu", (tfc_output){ba1, 0}, st);
	tfc_operation *mm2 = tfc_mat_mul(g, "l2/MatMul", (tfc_output){h, 0}, tfc_variable_read(w2), st);
	tfc_operation *logits = tfc_bias_add(g, "l2/BiasAdd", (tfc_output){mm2, 0}, tfc_variable_read(b2), st);
	tfc_operation *xent = tfc_softmax_cross_entropy_with_logits(g, "xent", (tfc_output){logits, 0},
								     (tfc_output){*labels, 0}, st);
	tfc_operation *ax = t_const_i(g, "axis", 0, st);
	tfc_operation *loss = tfc_mean(g, "loss", (tfc_output){xent, 0}, (tfc_output){ax, 0}, st);
	tfc_optimizer *opt = tfc_optimizer_gradient_descent_new(0.1f);
	*train = tfc_optimizer_minimize(opt, g, (tfc_output){loss, 0}, st);
	tfc_optimizer_free(opt);
	*init = tfc_global_variables_initializer(g, st);
	return g;
}

static tfc_tensor *train_feed(int which)
{
	float v[8 * 6];
	for (int i = 0; i < 8 * 6; i++)
		v[i] = which ? (float)(i % 3 == 0) : (float)((i * 7) % 11) / 5.0f - 1.0f;
	return tensor_f(v, 2, which ? (int64_t[]){8, 3} : (int64_t[]){8, 6});
}

/* Runs the training step (targets only) with FULL_TRACE; its RunMetadata buffer. */
static tfc_buffer_t *train_step(tfc_session *s, tfc_operation *x, tfc_operation *labels, tfc_operation *train,
				tfc_status *st)
{
	Tensorflow__RunOptions ro;
	tensorflow__run_options__init(&ro);
	ro.trace_level = TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__FULL_TRACE;
	uint8_t rb[32];
	size_t rl = tensorflow__run_options__pack(&ro, rb);
	tfc_output feeds[2] = {{x, 0}, {labels, 0}};
	tfc_tensor *vals[2] = {train_feed(0), train_feed(1)};
	tfc_buffer_t *meta = NULL;
	tfc_session_run(s, rb, rl, feeds, vals, 2, NULL, NULL, 0, &train, 1, &meta, st);
	tfc_tensor_free(vals[0]);
	tfc_tensor_free(vals[1]);
	return meta;
}

/* One integer from the database at path (-1 when the query fails). */
static int64_t db_int(const char *path, const char *sql)
{
	sqlite3 *q = NULL;
	sqlite3_stmt *stmt = NULL;
	int64_t v = -1;
	if (sqlite3_open_v2(path, &q, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(q, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	else
		diag("%s: %s", sql, sqlite3_errmsg(q));
	sqlite3_finalize(stmt);
	sqlite3_close(q);
	return v;
}

/* The kernels of a traced step's /stream:all, checked against the rest of the step:
 * each one's "name:Op" is an op that ran on GPU:0 in the step, its label names it,
 * and it lies inside the step (the CUPTI clock was mapped onto the step's) and inside
 * its op's own execution. */
static void check_kernels(const Tensorflow__RunMetadata *rm, tfc_graph *g)
{
	const Tensorflow__DeviceStepStats *all = dev_stats(rm, "/device:GPU:0/stream:all");
	const Tensorflow__DeviceStepStats *mc = dev_stats(rm, "/device:GPU:0/memcpy");
	const Tensorflow__DeviceStepStats *gpu = dev_stats(rm, GPU0), *cpu = dev_stats(rm, CPU0);
	ok(all && all->n_node_stats >= 6, "/device:GPU:0/stream:all holds the step's kernels (%zu)",
	   all ? all->n_node_stats : 0);
	ok(mc && mc->n_node_stats >= 2, "/device:GPU:0/memcpy holds its copies (%zu)", mc ? mc->n_node_stats : 0);
	if (!all || !mc || !gpu || !cpu) {
		skip(6, "no GPU rows");
		return;
	}
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (int d = 0; d < 2; d++) {
		const Tensorflow__DeviceStepStats *ds = d ? cpu : gpu;
		for (size_t k = 0; k < ds->n_node_stats; k++) {
			lo = ds->node_stats[k]->all_start_nanos < lo ? ds->node_stats[k]->all_start_nanos : lo;
			hi = end_nanos(ds->node_stats[k]) > hi ? end_nanos(ds->node_stats[k]) : hi;
		}
	}
	size_t named = 0, labelled = 0, on_gpu = 0, in_step = 0, in_op = 0, matmul = 0;
	for (size_t k = 0; k < all->n_node_stats; k++) {
		const Tensorflow__NodeExecStats *n = all->node_stats[k];
		char name[256];
		snprintf(name, sizeof(name), "%s", n->node_name);
		char *colon = strrchr(name, ':');
		if (!colon) {
			diag("kernel %s names no op", n->node_name);
			continue;
		}
		*colon = '\0';
		tfc_operation *op = tfc_graph_operation_by_name(g, name);
		if (op && !strcmp(tfc_operation_type(op), colon + 1))
			named++;
		char want[300];
		snprintf(want, sizeof(want), "@@%s:%s#correlation_id=", name, colon + 1);
		if (n->timeline_label && strstr(n->timeline_label, want))
			labelled++;
		else
			diag("kernel label %s", n->timeline_label ? n->timeline_label : "(none)");
		const char *dev;
		const Tensorflow__NodeExecStats *opst = node_stat(rm, name, &dev);
		on_gpu += !strcmp(dev, GPU0);
		matmul += !strcmp(colon + 1, "MatMul");
		if (n->all_start_nanos >= lo && end_nanos(n) <= hi && n->all_end_rel_nanos > 0)
			in_step++;
		else
			diag("kernel of %s at [%lld, %lld], step [%lld, %lld]", name, (long long)n->all_start_nanos,
			     (long long)end_nanos(n), (long long)lo, (long long)hi);
		if (opst && n->all_start_nanos >= opst->all_start_nanos && end_nanos(n) <= end_nanos(opst))
			in_op++;
		else if (opst)
			diag("kernel of %s at [%lld, %lld], its op [%lld, %lld]", name, (long long)n->all_start_nanos,
			     (long long)end_nanos(n), (long long)opst->all_start_nanos, (long long)end_nanos(opst));
	}
	is_int(named, all->n_node_stats, "every kernel's node name is \"name:Op\" of an op of the graph");
	is_int(labelled, all->n_node_stats, "every kernel's timeline label names its op after \"@@\"");
	is_int(on_gpu, all->n_node_stats, "and that op ran on GPU:0 in the step");
	is_int(in_step, all->n_node_stats, "every kernel lies inside the step's wall time (CUPTI's clock mapped)");
	is_int(in_op, all->n_node_stats, "and inside its own op's execution");
	/* two forward, four backward: the optimizer gates each op's gradients together
	 * (GATE_OP), so x's gradient in l1 runs too */
	is_int(matmul, 6, "six kernels of MatMuls (two forward, four backward), one each");
}

/* The step into a trace database, its GPU tables, and tfc-prof --gpu's report. */
static void check_trace_db(const tfc_buffer_t *meta, const Tensorflow__RunMetadata *rm)
{
	tfc_status *st = tfc_status_new();
	char path[] = "/tmp/tfc-gpu-trace-XXXXXX.db";
	int fd = mkstemps(path, 3);
	close(fd);
	unlink(path);
	tfc_trace_db *db = tfc_trace_db_open(path, st);
	int64_t run = db ? tfc_trace_db_begin_run(db, "mlp", NULL, 0, NULL, NULL, st) : -1;
	if (db)
		tfc_trace_db_add_step(db, run, 0, meta->data, meta->length, st);
	tfc_trace_db_close(db, st);
	is_int(tfc_status_code(st), TFC_OK, "the traced step goes into a trace database (%s)", tfc_status_message(st));
	const Tensorflow__DeviceStepStats *all = dev_stats(rm, "/device:GPU:0/stream:all");
	const Tensorflow__DeviceStepStats *mc = dev_stats(rm, "/device:GPU:0/memcpy");
	int64_t kernels = db_int(path, "SELECT count(*) FROM gpu_kernel");
	is_int(kernels, all ? (int64_t)all->n_node_stats : -2, "a gpu_kernel row for each kernel");
	is_int(db_int(path, "SELECT count(*) FROM gpu_kernel WHERE op IS NOT NULL AND node_name IS NOT NULL"), kernels,
	       "each with its op and node");
	is_int(db_int(path, "SELECT count(*) FROM gpu_kernel WHERE op = 'MatMul' AND kernel_name LIKE '%gemm%'"), 6,
	       "the MatMuls' kernels are cuBLAS's GEMMs");
	is_int(db_int(path, "SELECT count(*) FROM gpu_copy"), mc ? (int64_t)mc->n_node_stats : -2,
	       "a gpu_copy row for each copy");
	ok(db_int(path, "SELECT count(*) FROM gpu_copy WHERE bytes > 0 AND bytes % 4 = 0") > 0 &&
		   db_int(path, "SELECT count(*) FROM gpu_copy WHERE bytes <= 0") == 0,
	   "copies have their bytes (floats)");
	/* x [8,6], fed, comes to the GPU through one _Recv, which uploads it once for the
	 * two MatMuls that read it */
	is_int(db_int(path, "SELECT count(*) FROM gpu_copy WHERE kind = 'HtoD' AND bytes = 192"), 1,
	       "x goes up once: one HtoD copy of 192 bytes");
	is_int(db_int(path, "SELECT count(*) FROM gpu_copy WHERE kind = 'HtoD' AND bytes = 192 AND op = '_Recv'"), 1,
	       "made by its _Recv");
	FILE *f = tmpfile();
	pf_select sel = {.run_id = run, .all_steps = true};
	pf_gpu_report(path, run, &sel, f, PF_FORMAT_CSV, st);
	is_int(tfc_status_code(st), TFC_OK, "tfc-prof --gpu's report (%s)", tfc_status_message(st));
	rewind(f);
	char line[512];
	int matmuls = 0, timed = 0;
	bool header = false;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "node,op,kernels,kernel_us", 25))
			header = true;
		char node[256], op[64];
		long long n = 0;
		double us = 0;
		if (sscanf(line, "%255[^,],%63[^,],%lld,%lf", node, op, &n, &us) == 4 && !strcmp(op, "MatMul")) {
			matmuls++;
			timed += n == 1 && us > 0;
		}
	}
	fclose(f);
	ok(header, "the report has its CSV header");
	is_int(matmuls, 6, "it lists the six MatMuls");
	is_int(timed, 6, "each with one kernel and kernel time > 0");
	unlink(path);
	tfc_status_free(st);
}

#define N_TRACED 21
static void test_traced_step(int n_gpus)
{
	if (n_gpus == 0) {
		skip(N_TRACED, "no GPU");
		return;
	}
	tfc_status *st = tfc_status_new();
	tfc_operation *x, *labels, *train, *init;
	tfc_graph *g = train_graph(&x, &labels, &train, &init, st);
	tfc_session *s = session(g, NULL, st);
	if (s)
		tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &init, 1, NULL, st);
	tfc_buffer_t *meta = s ? train_step(s, x, labels, train, st) : NULL;
	is_int(tfc_status_code(st), TFC_OK, "a FULL_TRACE training step of an MLP runs (%s)", tfc_status_message(st));
	Tensorflow__RunMetadata *rm = meta ? tensorflow__run_metadata__unpack(NULL, meta->length, meta->data) : NULL;
	check_kernels(rm, g);
	if (rm)
		check_trace_db(meta, rm);
	else
		skip(12, "no RunMetadata");
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
	tfc_buffer_free(meta);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* One CUPTI subscriber per process: a second tracer is Unavailable while the first
 * runs, and a step traced meanwhile runs without GPU rows; after the first stops,
 * tracing works again. */
#define N_ONE_TRACER 9
static void test_one_tracer(int n_gpus)
{
	if (n_gpus == 0) {
		skip(N_ONE_TRACER, "no GPU");
		return;
	}
	tfc_status *st = tfc_status_new();
	tfc_operation *x, *labels, *train, *init;
	tfc_graph *g = train_graph(&x, &labels, &train, &init, st);
	tfc_session *s = session(g, NULL, st);
	if (s)
		tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &init, 1, NULL, st);
	struct tfc__gpu_activity *a1 = tfc__gpu_activity_new(), *a2 = tfc__gpu_activity_new();
	tfc_status *t1st = tfc_status_new(), *t2st = tfc_status_new();
	struct tfc__gpu_tracer *t1 = tfc__gpu_tracer_start(a1, t1st);
	ok(t1 != NULL, "a tracer starts (%s)", tfc_status_message(t1st));
	struct tfc__gpu_tracer *t2 = tfc__gpu_tracer_start(a2, t2st);
	ok(t2 == NULL && tfc_status_code(t2st) == TFC_UNAVAILABLE, "a second one meanwhile is Unavailable: %s",
	   tfc_status_message(t2st));
	tfc__gpu_tracer_stop(t2);
	tfc_buffer_t *meta = s ? train_step(s, x, labels, train, st) : NULL;
	Tensorflow__RunMetadata *rm = meta ? tensorflow__run_metadata__unpack(NULL, meta->length, meta->data) : NULL;
	ok(rm && !dev_stats(rm, "/device:GPU:0/stream:all") && dev_stats(rm, GPU0),
	   "a step traced meanwhile runs on GPU:0 without GPU rows (%s)", tfc_status_message(st));
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
	tfc_buffer_free(meta);
	tfc__gpu_tracer_stop(t1);
	/* the step ran while t1 traced: its activity is t1's, tied to the ops by id */
	size_t k1 = a1->n_kernels;
	ok(k1 >= 6 && a1->n_corr >= k1, "the first tracer recorded that step (%zu kernels, %zu correlations)", k1,
	   a1->n_corr);
	tfc_status_set(t2st, TFC_OK, NULL);
	t2 = tfc__gpu_tracer_start(a2, t2st);
	ok(t2 != NULL, "after it stops, a tracer starts again (%s)", tfc_status_message(t2st));
	tfc__gpu_tracer_stop(t2);
	is_int(a1->n_kernels, k1, "nothing more reaches the first one's records");
	meta = s ? train_step(s, x, labels, train, st) : NULL;
	rm = meta ? tensorflow__run_metadata__unpack(NULL, meta->length, meta->data) : NULL;
	const Tensorflow__DeviceStepStats *all = dev_stats(rm, "/device:GPU:0/stream:all");
	is_int(all ? (int64_t)all->n_node_stats : -1, (int64_t)k1, "and a traced step has its GPU rows again, as many");
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
	tfc_buffer_free(meta);
	/* An op whose push came before a tracer started, or whose pop comes after it
	 * stopped, leaves CUPTI's stack of external ids as it found it. */
	if (!tfc__cupti_push_op || !tfc_fake_cupti_external_depth) {
		skip(2, "the fake CUPTI counts pushed ids");
	} else {
		tfc__cupti_push_op(1);
		t1 = tfc__gpu_tracer_start(a1, t1st);
		tfc__cupti_pop_op();
		is_int(tfc_fake_cupti_external_depth(), 0, "a push before the tracer started pops nothing");
		tfc__cupti_push_op(1);
		tfc__gpu_tracer_stop(t1);
		tfc__cupti_pop_op();
		is_int(tfc_fake_cupti_external_depth(), 0, "a push while it traced is popped after it stopped");
	}
	tfc__gpu_activity_free(a1);
	tfc__gpu_activity_free(a2);
	tfc_status_free(t1st);
	tfc_status_free(t2st);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* Kernels of a traced step's /stream:all that are tied to an op (node name "name:Op"). */
static int attributed_kernels(const Tensorflow__RunMetadata *rm, int *other)
{
	const Tensorflow__DeviceStepStats *all = dev_stats(rm, "/device:GPU:0/stream:all");
	int n = 0;
	*other = 0;
	for (size_t k = 0; all && k < all->n_node_stats; k++) {
		if (strchr(all->node_stats[k]->node_name, ':'))
			n++;
		else
			(*other)++;
	}
	return all ? n : -1;
}

struct busy_session {
	tfc_session *s;
	tfc_operation *x, *labels, *train;
	atomic_bool stop;
	atomic_int steps;
};

static void *busy_loop(void *arg)
{
	struct busy_session *b = arg;
	tfc_status *st = tfc_status_new();
	tfc_output feeds[2] = {{b->x, 0}, {b->labels, 0}};
	tfc_tensor *vals[2] = {train_feed(0), train_feed(1)};
	while (!atomic_load(&b->stop) && tfc_status_code(st) == TFC_OK) {
		tfc_session_run(b->s, NULL, 0, feeds, vals, 2, NULL, NULL, 0, &b->train, 1, NULL, st);
		atomic_fetch_add(&b->steps, 1);
	}
	tfc_tensor_free(vals[0]);
	tfc_tensor_free(vals[1]);
	tfc_status_free(st);
	return NULL;
}

/* Two sessions of the same graph (so the same op ids) share the GPU; one traces
 * steps while the other trains untraced. The GPU device tags each op's work with its
 * graph's serial number too, so the traced step ties to its ops exactly the kernels
 * it ties to when alone; the other session's kernels, recorded meanwhile (the trace
 * covers the whole GPU), are tied to no op of it. */
#define N_TWO_TRACED 3
static void test_two_sessions_traced(int n_gpus)
{
	if (n_gpus == 0) {
		skip(N_TWO_TRACED, "no GPU");
		return;
	}
	tfc_status *st = tfc_status_new();
	tfc_operation *x, *labels, *train, *init, *bx, *blabels, *btrain, *binit;
	tfc_graph *g = train_graph(&x, &labels, &train, &init, st);
	tfc_graph *bg = train_graph(&bx, &blabels, &btrain, &binit, st);
	tfc_session *s = session(g, NULL, st), *bs = session(bg, NULL, st);
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &init, 1, NULL, st);
	tfc_session_run(bs, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &binit, 1, NULL, st);
	int other = 0;
	tfc_buffer_t *meta = train_step(s, x, labels, train, st);
	Tensorflow__RunMetadata *rm = meta ? tensorflow__run_metadata__unpack(NULL, meta->length, meta->data) : NULL;
	int alone = attributed_kernels(rm, &other);
	ok(alone >= 6, "a traced step alone ties %d kernels to its ops (%s)", alone, tfc_status_message(st));
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
	tfc_buffer_free(meta);

	struct busy_session b = {.s = bs, .x = bx, .labels = blabels, .train = btrain};
	atomic_init(&b.stop, false);
	atomic_init(&b.steps, 0);
	pthread_t th;
	pthread_create(&th, NULL, busy_loop, &b);
	while (atomic_load(&b.steps) < 1)
		usleep(100);
	int bad = 0, others = 0;
	for (int i = 0; i < 3; i++) {
		meta = train_step(s, x, labels, train, st);
		rm = meta ? tensorflow__run_metadata__unpack(NULL, meta->length, meta->data) : NULL;
		int n = attributed_kernels(rm, &other);
		bad += n != alone;
		others += other;
		if (rm)
			tensorflow__run_metadata__free_unpacked(rm, NULL);
		tfc_buffer_free(meta);
	}
	atomic_store(&b.stop, true);
	pthread_join(th, NULL);
	is_int(bad, 0, "with another session training on the GPU meanwhile, 3 traced steps each tie exactly as many");
	diag("kernels of the other session in those traces, tied to no op: %d (%d steps of it ran)", others,
	     atomic_load(&b.steps));
	is_int(tfc_status_code(st), TFC_OK, "both sessions ran (%s)", tfc_status_message(st));
	tfc_session_free(bs);
	tfc_session_free(s);
	tfc_graph_free(bg);
	tfc_graph_free(g);
	tfc_status_free(st);
}

int main(void)
{
	plan_lazy();
	char why[256];
	int n = tfc__gpu_count(why, sizeof(why));
	diag("GPUs: %d%s%s", n, n ? "" : ": ", n ? "" : why);
	test_no_gpu(n, why);
	test_requests(n);
	test_placement_on_gpu(n);
	test_mlp_train(n);
	test_resident_chain(n);
	test_mixed(n);
	test_shared(n);
	test_traced_step(n);
	test_one_tracer(n);
	test_two_sessions_traced(n);
	done_testing();
	return exit_status();
}
