/*
 * test_device_setter.c: tfc_replica_device_setter (core/replica_device_setter.c),
 * TensorFlow's tf.train.replica_device_setter: the seeds' example (w_0, b_0, w_1,
 * b_1 round-robin over three ps tasks, the rest on /job:worker), merging with the
 * device an op already has, merge_devices off, other ps ops, ps_tasks 0 and bad
 * specs.
 */
#include "tfc_ops.h"
#include "test_util.h"

static tfc_operation *var(tfc_graph *g, const char *name, tfc_status *st)
{
	tfc_shape s = tfc_shape_make(2, (int64_t[]){2, 2});
	return tfc_variable_v2(g, name, &s, TFC_FLOAT, st);
}

static tfc_operation *pinned_var(tfc_graph *g, const char *name, const char *device, tfc_status *st)
{
	tfc_op_desc *d = tfc_op_new(g, "VariableV2", name);
	tfc_shape s = tfc_shape_scalar();
	tfc_op_set_attr_shape(d, "shape", &s);
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_op_set_device(d, device);
	return tfc_op_finish(d, st);
}

static void test_seed_example(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_replica_device_setter *r = tfc_replica_device_setter_new(3, NULL, NULL, true, st);
	is_int(tfc_status_code(st), TFC_OK, "replica_device_setter(ps_tasks=3)");
	tfc_graph_push_replica_device_setter(g, r);
	tfc_operation *w0 = var(g, "w_0", st), *b0 = var(g, "b_0", st);
	tfc_operation *w1 = var(g, "w_1", st), *b1 = var(g, "b_1", st);
	int64_t dims[] = {-1, 2};
	tfc_operation *in = t_placeholder(g, "input_data", TFC_FLOAT, 2, dims, st);
	tfc_operation *mm0 = tfc_mat_mul(g, "MatMul", (tfc_output){in, 0}, (tfc_output){w0, 0}, st);
	tfc_operation *l0 = tfc_add(g, "layer_0", (tfc_output){mm0, 0}, (tfc_output){b0, 0}, st);
	tfc_operation *mm1 = tfc_mat_mul(g, "MatMul_1", (tfc_output){l0, 0}, (tfc_output){w1, 0}, st);
	tfc_operation *l1 = tfc_add(g, "layer_1", (tfc_output){mm1, 0}, (tfc_output){b1, 0}, st);
	tfc_graph_pop_device(g);
	is_int(tfc_status_code(st), TFC_OK, "the seed's graph builds: %s", tfc_status_message(st));
	is_string(tfc_operation_device(w0), "/job:ps/task:0", "w_0 placed on /job:ps/task:0");
	is_string(tfc_operation_device(b0), "/job:ps/task:1", "b_0 placed on /job:ps/task:1");
	is_string(tfc_operation_device(w1), "/job:ps/task:2", "w_1 placed on /job:ps/task:2");
	is_string(tfc_operation_device(b1), "/job:ps/task:0", "b_1 placed on /job:ps/task:0");
	is_string(tfc_operation_device(in), "/job:worker", "input_data placed on /job:worker");
	is_string(tfc_operation_device(mm0), "/job:worker", "layer_0's MatMul on /job:worker");
	is_string(tfc_operation_device(l0), "/job:worker", "layer_0 on /job:worker");
	is_string(tfc_operation_device(l1), "/job:worker", "layer_1 on /job:worker");
	/* Outside the scope nothing is chosen. */
	tfc_operation *after = var(g, "after", st);
	is_string(tfc_operation_device(after), "", "popped: no device");
	tfc_replica_device_setter_free(r);
	tfc_graph_free(g);
	tfc_status_free(st);
}

static void test_merging(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_replica_device_setter *r = tfc_replica_device_setter_new(2, "/job:ps/device:CPU:0",
								     "/job:worker/task:1", true, st);
	tfc_graph_push_replica_device_setter(g, r);
	tfc_operation *a = pinned_var(g, "a", "/device:GPU:0", st);
	tfc_operation *b = pinned_var(g, "b", "/job:ps/task:5", st);
	tfc_operation *c = pinned_var(g, "c", "/job:other", st);
	tfc_operation *d = pinned_var(g, "d", "", st);
	tfc_op_desc *desc = tfc_op_new(g, "NoOp", "n");
	tfc_op_set_device(desc, "/replica:2/device:CPU:3");
	tfc_operation *n = tfc_op_finish(desc, st);
	tfc_graph_pop_device(g);
	is_string(tfc_operation_device(a), "/job:ps/task:0/device:GPU:0",
		  "the op's own fields win: the device type of /device:GPU:0 stays");
	is_string(tfc_operation_device(b), "/job:ps/task:5/device:CPU:0", "an explicit ps task stays");
	is_string(tfc_operation_device(c), "/job:other/device:CPU:0",
		  "another job: no ps task chosen, the job kept");
	is_string(tfc_operation_device(d), "/job:ps/task:0/device:CPU:0",
		  "the round robin counted a and b (b's job is the ps job; its own task won), not c");
	is_string(tfc_operation_device(n), "/job:worker/replica:2/task:1/device:CPU:3",
		  "worker ops merge with their device too");
	tfc_replica_device_setter_free(r);

	/* merge_devices = false: an op with a device keeps it. */
	r = tfc_replica_device_setter_new(2, NULL, NULL, false, st);
	tfc_graph_push_replica_device_setter(g, r);
	tfc_operation *e = pinned_var(g, "e", "/device:GPU:1", st);
	tfc_operation *f = pinned_var(g, "f", "", st);
	tfc_graph_pop_device(g);
	is_string(tfc_operation_device(e), "/device:GPU:1", "merge_devices=False keeps a device as it is");
	is_string(tfc_operation_device(f), "/job:ps/task:0", "and places ops without one");
	tfc_replica_device_setter_free(r);

	/* Other ps ops; ps_tasks 0 sets nothing. */
	r = tfc_replica_device_setter_new(2, NULL, NULL, true, st);
	const char *ops[] = {"NoOp"};
	tfc_replica_device_setter_set_ps_ops(r, ops, 1);
	tfc_graph_push_replica_device_setter(g, r);
	tfc_operation *v = var(g, "v", st);
	tfc_operation *nn = tfc_op_finish(tfc_op_new(g, "NoOp", "nn"), st);
	tfc_graph_pop_device(g);
	is_string(tfc_operation_device(v), "/job:worker", "with ps_ops = [NoOp] a variable goes to the worker");
	is_string(tfc_operation_device(nn), "/job:ps/task:0", "and a NoOp to the ps");
	tfc_replica_device_setter_free(r);
	r = tfc_replica_device_setter_new(0, NULL, NULL, true, st);
	tfc_graph_push_replica_device_setter(g, r);
	tfc_operation *z = var(g, "z", st);
	tfc_graph_pop_device(g);
	is_string(tfc_operation_device(z), "", "ps_tasks=0: no device function");
	tfc_replica_device_setter_free(r);

	ok(tfc_replica_device_setter_new(1, "/job:ps/task:x", NULL, true, st) == NULL &&
		   tfc_status_code(st) == TFC_INVALID_ARGUMENT &&
		   strstr(tfc_status_message(st), "/job:ps/task:x"),
	   "a malformed ps_device is InvalidArgument naming it: %s", tfc_status_message(st));
	ok(tfc_replica_device_setter_new(-1, NULL, NULL, true, st) == NULL &&
		   tfc_status_code(st) == TFC_INVALID_ARGUMENT,
	   "negative ps_tasks is InvalidArgument");
	tfc_replica_device_setter_free(NULL);
	tfc_graph_free(g);
	tfc_status_free(st);
}

int main(void)
{
	plan_lazy();
	test_seed_example();
	test_merging();
	done_testing();
	return exit_status();
}
