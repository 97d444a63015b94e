/*
 * test_gpu_session.c: sessions and GPUs. Without a GPU (no driver, no device, or a
 * build without CUDA) a session lists only CPU devices, runs a small MLP, and says
 * why with log_device_placement, never failing; device_count.GPU = 0 turns GPUs off
 * anyway; a request for /device:GPU:0 is InvalidArgument without soft placement and
 * runs on the CPU with it. With a GPU the float ops go to GPU:0, int32 ones stay on
 * the CPU, and the answers are the CPU's (make check-gpu checks kernel by kernel).
 */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "gpu.h"
#include "tfc_ops.h"
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

/* Runs fn with stderr going to a file; returns what it wrote (static buffer). */
static const char *capture_stderr(void (*fn)(void *), void *arg)
{
	static char buf[4096];
	char path[] = "/tmp/tfc-gpu-stderr-XXXXXX";
	int fd = mkstemp(path);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return buf;
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
		const char *err = capture_stderr(new_logged, &l);
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

int main(void)
{
	plan_lazy();
	char why[256];
	int n = tfc__gpu_count(why, sizeof(why));
	diag("GPUs: %d%s%s", n, n ? "" : ": ", n ? "" : why);
	test_no_gpu(n, why);
	test_requests(n);
	test_placement_on_gpu(n);
	done_testing();
	return exit_status();
}
