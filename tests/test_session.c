/*
 * test_session.c: sessions through the C API: the seeds' session examples (variable
 * foo: init, assign 13, read 13; a new session reads first and fails; a new session
 * inits and reads 42; w1 * w2 = [2, 4] in two independent sessions; feeding a
 * placeholder), pruning, feeding any tensor, fetching twice, fetching ops, exact
 * errors for missing and mismatched feeds, a failing op's error naming it, timeouts,
 * ops added after the session, closing, resource variables, config by path, and
 * 8 threads x 1000 runs on one session.
 */
#include <pthread.h>

#include "session_internal.h"
#include "tfc_ops.h"
#include "test_util.h"

static tfc_tensor *vec_f(int n, const float *v)
{
	int64_t d[] = {n};
	tfc_tensor *t = tfc_tensor_new(TFC_FLOAT, d, 1, NULL);
	memcpy(tfc_tensor_data(t), v, (size_t)n * sizeof(float));
	return t;
}

static float f0(const tfc_tensor *t, int i) { return ((const float *)tfc_tensor_data(t))[i]; }

/* Runs fetching one tensor (NULL on failure, st set). */
static tfc_tensor *run1(tfc_session *s, tfc_output fetch, const tfc_output *feeds,
			tfc_tensor *const *vals, int nf, tfc_status *st)
{
	tfc_tensor *out = NULL;
	tfc_session_run(s, NULL, 0, feeds, vals, nf, &fetch, &out, 1, NULL, 0, NULL, st);
	return out;
}

static void run_target(tfc_session *s, tfc_operation *op, tfc_status *st)
{
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &op, 1, NULL, st);
}

/* variable = tf.Variable(42, name='foo'); initialize; assign = variable.assign(13) */
static void test_seed_variable(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_shape scalar = tfc_shape_scalar();
	tfc_operation *foo = tfc_variable_v2(g, "foo", &scalar, TFC_INT32, st);
	tfc_operation *c42 = t_const_i(g, "foo/initial_value", 42, st);
	tfc_operation *init_assign = tfc_assign(g, "foo/Assign", (tfc_output){foo, 0}, (tfc_output){c42, 0}, st);
	tfc_op_desc *d = tfc_op_new(g, "NoOp", "init");
	tfc_op_add_control_input(d, init_assign);
	tfc_operation *init = tfc_op_finish(d, st);
	tfc_operation *c13 = t_const_i(g, "Assign/value", 13, st);
	tfc_operation *assign = tfc_assign(g, "Assign", (tfc_output){foo, 0}, (tfc_output){c13, 0}, st);
	if (!is_int(tfc_status_code(st), TFC_OK, "the seed's variable graph builds"))
		diag("%s", tfc_status_message(st));

	tfc_session *s1 = tfc_session_new(g, NULL, st);
	run_target(s1, init, st);
	run_target(s1, assign, st);
	tfc_tensor *v = run1(s1, (tfc_output){foo, 0}, NULL, NULL, 0, st);
	ok(v && *(int32_t *)tfc_tensor_data(v) == 13, "init, assign 13, read: 13");
	tfc_tensor_free(v);

	tfc_session *s2 = tfc_session_new(g, NULL, st);
	v = run1(s2, (tfc_output){foo, 0}, NULL, NULL, 0, st);
	ok(v == NULL && tfc_status_code(st) == TFC_FAILED_PRECONDITION,
	   "a new session reading foo first fails with FailedPrecondition");
	is_string(tfc_status_message(st), "Attempting to use uninitialized value foo",
		  "message: Attempting to use uninitialized value foo");

	tfc_session *s3 = tfc_session_new(g, NULL, st);
	run_target(s3, init, st);
	v = run1(s3, (tfc_output){foo, 0}, NULL, NULL, 0, st);
	ok(v && *(int32_t *)tfc_tensor_data(v) == 42, "a new session that inits reads 42");
	tfc_tensor_free(v);
	v = run1(s1, (tfc_output){foo, 0}, NULL, NULL, 0, st);
	ok(v && *(int32_t *)tfc_tensor_data(v) == 13, "and the first session still holds 13");
	tfc_tensor_free(v);
	tfc_session_free(s1);
	tfc_session_free(s2);
	tfc_session_free(s3);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* w1 = Variable([1, 2]); w2 = Variable([2, 2]); w = w1 * w2 -> [2, 4], twice. */
static void test_seed_multiply(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	int64_t two[] = {2};
	tfc_shape s2 = tfc_shape_make(1, two);
	float a[] = {1, 2}, b[] = {2, 2};
	tfc_tensor *ta = vec_f(2, a), *tb = vec_f(2, b);
	tfc_operation *w1 = tfc_variable_v2(g, "w1", &s2, TFC_FLOAT, st);
	tfc_operation *w2 = tfc_variable_v2(g, "w2", &s2, TFC_FLOAT, st);
	tfc_operation *i1 = tfc_assign(g, NULL, (tfc_output){w1, 0},
				       (tfc_output){tfc_const(g, NULL, ta, TFC_FLOAT, st), 0}, st);
	tfc_operation *i2 = tfc_assign(g, NULL, (tfc_output){w2, 0},
				       (tfc_output){tfc_const(g, NULL, tb, TFC_FLOAT, st), 0}, st);
	tfc_operation *w = tfc_mul(g, "w", (tfc_output){w1, 0}, (tfc_output){w2, 0}, st);
	tfc_op_desc *d = tfc_op_new(g, "NoOp", "init");
	tfc_op_add_control_input(d, i1);
	tfc_op_add_control_input(d, i2);
	tfc_operation *init = tfc_op_finish(d, st);
	is_int(tfc_status_code(st), TFC_OK, "w1 * w2 builds");
	for (int k = 0; k < 2; k++) {
		tfc_session *s = tfc_session_new(g, NULL, st);
		run_target(s, init, st);
		tfc_tensor *v = run1(s, (tfc_output){w, 0}, NULL, NULL, 0, st);
		ok(v && f0(v, 0) == 2 && f0(v, 1) == 4, "session %d: w1 * w2 = [2, 4]", k + 1);
		tfc_tensor_free(v);
		tfc_session_free(s);
	}
	tfc_tensor_free(ta);
	tfc_tensor_free(tb);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* x = tf.placeholder(tf.float32, shape=[3]); y = tf.square(x) */
static void test_seed_feeds(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	int64_t three[] = {3};
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, 1, three, st);
	tfc_operation *y = tfc_square(g, "y", (tfc_output){x, 0}, st);
	tfc_session *s = tfc_session_new(g, NULL, st);
	float v1[] = {1, 2, 3}, v2[] = {0, 0, 5};
	tfc_tensor *f1 = vec_f(3, v1), *f2 = vec_f(3, v2);
	tfc_output fx = {x, 0};
	tfc_tensor *r = run1(s, (tfc_output){y, 0}, &fx, &f1, 1, st);
	ok(r && f0(r, 0) == 1 && f0(r, 1) == 4 && f0(r, 2) == 9, "feeding [1, 2, 3] gives [1, 4, 9]");
	tfc_tensor_free(r);
	r = run1(s, (tfc_output){y, 0}, &fx, &f2, 1, st);
	ok(r && f0(r, 0) == 0 && f0(r, 2) == 25, "feeding [0, 0, 5] gives [0, 0, 25]");
	tfc_tensor_free(r);
	r = run1(s, (tfc_output){y, 0}, NULL, NULL, 0, st);
	ok(r == NULL && tfc_status_code(st) == TFC_INVALID_ARGUMENT, "no feed: InvalidArgument");
	ok(strncmp(tfc_status_message(st),
		   "You must feed a value for placeholder tensor 'x' with dtype float and shape [3]", 79) == 0,
	   "message: You must feed a value for placeholder tensor 'x' with dtype float and shape [3]");
	tfc_tensor *scalar = tfc_tensor_new_scalar_float(37);
	r = run1(s, (tfc_output){y, 0}, &fx, &scalar, 1, st);
	ok(r == NULL && tfc_status_code(st) == TFC_INVALID_ARGUMENT, "feeding 37.0 (wrong shape) fails");
	is_string(tfc_status_message(st), "Cannot feed value of shape [] for Tensor 'x:0', which has shape [3]",
		  "the message gives both shapes");
	tfc_tensor *ints = tfc_tensor_new(TFC_INT32, three, 1, st);
	r = run1(s, (tfc_output){y, 0}, &fx, &ints, 1, st);
	ok(r == NULL && tfc_status_code(st) == TFC_INVALID_ARGUMENT, "feeding int32 into a float placeholder fails");
	is_string(tfc_status_message(st),
		  "Cannot feed a value of dtype int32 and shape [3] for Tensor 'x:0', which has dtype float",
		  "the message gives both dtypes");
	/* Fetch the fed tensor itself. */
	r = run1(s, fx, &fx, &f1, 1, st);
	ok(r == f1, "fetching a fed tensor returns the fed value");
	tfc_tensor_free(r);
	/* A control edge from a fed placeholder: the feed answers for it (the placeholder
	 * itself never runs), as TensorFlow rewires it. */
	tfc_op_desc *cd = tfc_op_new(g, "Identity", "after_x");
	tfc_op_add_input(cd, (tfc_output){y, 0});
	tfc_op_add_control_input(cd, x);
	tfc_operation *after = tfc_op_finish(cd, st);
	tfc_session_free(s);
	s = tfc_session_new(g, NULL, st);
	r = run1(s, (tfc_output){after, 0}, &fx, &f1, 1, st);
	ok(r && f0(r, 2) == 9, "a control input that is a fed placeholder does not make it run: %s",
	   tfc_status_message(st));
	tfc_tensor_free(r);
	r = run1(s, (tfc_output){after, 0}, NULL, NULL, 0, st);
	ok(r == NULL && tfc_status_code(st) == TFC_INVALID_ARGUMENT, "unfed, it still must be fed");
	tfc_tensor_free(ints);
	tfc_tensor_free(scalar);
	tfc_tensor_free(f1);
	tfc_tensor_free(f2);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

static void test_pruning_and_fetches(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *a = t_const_f(g, "a", 3, st);
	tfc_operation *b = t_const_f(g, "b", 4, st);
	tfc_operation *sum = tfc_add(g, "sum", (tfc_output){a, 0}, (tfc_output){b, 0}, st);
	tfc_operation *prod = tfc_mul(g, "prod", (tfc_output){sum, 0}, (tfc_output){sum, 0}, st);
	/* An unrelated branch that would fail: an unfed placeholder. */
	tfc_operation *p = t_placeholder(g, "unfed", TFC_FLOAT, -1, NULL, st);
	tfc_operation *bad = tfc_neg(g, "bad", (tfc_output){p, 0}, st);
	(void)bad;
	tfc_session *s = tfc_session_new(g, NULL, st);
	tfc_tensor *r = run1(s, (tfc_output){prod, 0}, NULL, NULL, 0, st);
	ok(r && f0(r, 0) == 49, "only what prod needs runs (the unfed branch does not): 49");
	tfc_tensor_free(r);
	/* Feed an intermediate tensor: its producers do not run. */
	tfc_tensor *ten = tfc_tensor_new_scalar_float(10);
	tfc_output fs = {sum, 0};
	r = run1(s, (tfc_output){prod, 0}, &fs, &ten, 1, st);
	ok(r && f0(r, 0) == 100, "feeding sum (not a placeholder) replaces it: 100");
	tfc_tensor_free(r);
	/* A tensor fetched twice is the same tensor (computed once). */
	tfc_output two[] = {{sum, 0}, {sum, 0}};
	tfc_tensor *outs[2];
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, two, outs, 2, NULL, 0, NULL, st);
	ok(tfc_status_code(st) == TFC_OK && outs[0] == outs[1], "a tensor fetched twice is computed once");
	tfc_tensor_free(outs[0]);
	tfc_tensor_free(outs[1]);
	/* Targets run and return nothing; no fetch and no target is an error. */
	run_target(s, prod, st);
	is_int(tfc_status_code(st), TFC_OK, "running an op as a target");
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, NULL, 0, NULL, st);
	is_int(tfc_status_code(st), TFC_INVALID_ARGUMENT, "a run with nothing to do is InvalidArgument");
	/* An op added after the session was created is visible. (The op helpers do
	 * nothing while the status holds an error, so clear it first.) */
	tfc_status_set(st, TFC_OK, NULL);
	tfc_operation *late = tfc_add(g, "late", (tfc_output){prod, 0}, (tfc_output){a, 0}, st);
	r = run1(s, (tfc_output){late, 0}, NULL, NULL, 0, st);
	if (!ok(r && f0(r, 0) == 52, "an op added after the session was made runs: 52"))
		diag("%s %g", tfc_status_message(st), r ? f0(r, 0) : -1.0);
	tfc_tensor_free(r);
	/* A failing op: its error names it, and nothing is returned. */
	int64_t three[] = {3};
	tfc_status_set(st, TFC_OK, NULL);
	tfc_tensor *t3 = tfc_tensor_new(TFC_FLOAT, three, 1, st);
	tfc_operation *c3 = tfc_const(g, "c3", t3, TFC_FLOAT, st);
	tfc_operation *shp = t_placeholder(g, "shape_in", TFC_INT32, 1, (int64_t[]){1}, st);
	tfc_operation *rs = tfc_reshape(g, "bad_reshape", (tfc_output){c3, 0}, (tfc_output){shp, 0}, st);
	tfc_tensor *four = tfc_tensor_new(TFC_INT32, (int64_t[]){1}, 1, st);
	((int32_t *)tfc_tensor_data(four))[0] = 4;
	tfc_output fshp = {shp, 0};
	r = run1(s, (tfc_output){rs, 0}, &fshp, &four, 1, st);
	ok(r == NULL && tfc_status_code(st) == TFC_INVALID_ARGUMENT, "a failing Reshape fails the run");
	ok(strstr(tfc_status_message(st), "{{node bad_reshape}}") != NULL, "and the error names the node: %s",
	   tfc_status_message(st));
	tfc_tensor_free(four);
	tfc_tensor_free(t3);
	tfc_tensor_free(ten);
	/* Close: later runs are Cancelled. */
	tfc_session_close(s, st);
	r = run1(s, (tfc_output){prod, 0}, NULL, NULL, 0, st);
	ok(r == NULL && tfc_status_code(st) == TFC_CANCELLED, "a closed session refuses to run");
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

static void test_timeout_and_config(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	int64_t dims[] = {400, 400};
	tfc_tensor *m = tfc_tensor_new(TFC_FLOAT, dims, 2, st);
	for (int i = 0; i < 400 * 400; i++)
		((float *)tfc_tensor_data(m))[i] = 0.001f;
	tfc_operation *c = tfc_const(g, "m", m, TFC_FLOAT, st);
	tfc_output cur = {c, 0};
	for (int i = 0; i < 60; i++)
		cur = (tfc_output){tfc_mat_mul(g, NULL, cur, (tfc_output){c, 0}, st), 0};
	tfc_session_options *o = tfc_session_options_new();
	tfc_session_options_set_config_value(o, "inter_op_parallelism_threads", "2", st);
	tfc_session_options_set_config_value(o, "intra_op_parallelism_threads", "1", st);
	tfc_session_options_set_config_value(o, "device_count.CPU", "2", st);
	is_int(tfc_status_code(st), TFC_OK, "config values set by TensorFlow path");
	tfc_session_options_set_config_value(o, "no_such_field", "1", st);
	is_int(tfc_status_code(st), TFC_INVALID_ARGUMENT, "an unknown config path is InvalidArgument");
	tfc_session *s = tfc_session_new(g, o, st);
	is_int(tfc_session_num_devices(s), 2, "device_count.CPU=2 gives two CPU devices");
	is_string(tfc_session_device_name(s, 1), "/job:localhost/replica:0/task:0/device:CPU:1", "named as TensorFlow names them");
	/* RunOptions { timeout_in_ms: 1 } in wire form: field 2, varint 1. */
	const unsigned char ro[] = {0x10, 0x01};
	tfc_tensor *out = NULL;
	tfc_session_run(s, ro, sizeof(ro), NULL, NULL, 0, &cur, &out, 1, NULL, 0, NULL, st);
	ok(out == NULL && tfc_status_code(st) == TFC_DEADLINE_EXCEEDED, "a run past timeout_in_ms is DeadlineExceeded (%s)",
	   tfc_status_message(st));
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, &cur, &out, 1, NULL, 0, NULL, st);
	ok(out != NULL && tfc_status_code(st) == TFC_OK, "without a timeout the same run completes");
	tfc_tensor_free(out);
	tfc_session_free(s);
	tfc_session_options_free(o);
	tfc_tensor_free(m);
	tfc_graph_free(g);
	tfc_status_free(st);
}

static void test_resource_variables(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_shape scalar = tfc_shape_scalar();
	tfc_operation *h = tfc_var_handle_op(g, "v", TFC_FLOAT, &scalar, st);
	tfc_operation *c = t_const_f(g, "c", 5, st);
	tfc_operation *as = tfc_assign_variable_op(g, "assign", (tfc_output){h, 0}, (tfc_output){c, 0}, st);
	tfc_operation *add = tfc_assign_add_variable_op(g, "add", (tfc_output){h, 0}, (tfc_output){c, 0}, st);
	tfc_operation *rd = tfc_read_variable_op(g, "read", (tfc_output){h, 0}, TFC_FLOAT, st);
	tfc_operation *isinit = tfc_var_is_initialized_op(g, "isinit", (tfc_output){h, 0}, st);
	is_int(tfc_status_code(st), TFC_OK, "a resource variable graph builds");
	tfc_session *s = tfc_session_new(g, NULL, st);
	tfc_tensor *r = run1(s, (tfc_output){isinit, 0}, NULL, NULL, 0, st);
	ok(r && *(uint8_t *)tfc_tensor_data(r) == 0, "VarIsInitializedOp: false before assignment");
	tfc_tensor_free(r);
	r = run1(s, (tfc_output){rd, 0}, NULL, NULL, 0, st);
	ok(r == NULL && tfc_status_code(st) == TFC_FAILED_PRECONDITION, "reading it first is FailedPrecondition");
	run_target(s, as, st);
	run_target(s, add, st);
	r = run1(s, (tfc_output){rd, 0}, NULL, NULL, 0, st);
	ok(r && f0(r, 0) == 10, "assign 5, add 5, read: 10");
	tfc_tensor_free(r);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* A seeded RandomUniform repeats across sessions, and its stream continues across
 * signatures within one session (the kernel's state is the session's). */
static void test_random_state(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	int32_t four = 4;
	tfc_tensor *shape = tfc_tensor_new(TFC_INT32, (int64_t[]){1}, 1, st);
	memcpy(tfc_tensor_data(shape), &four, sizeof(four));
	tfc_operation *sc = tfc_const(g, "shape", shape, TFC_INT32, st);
	tfc_op_desc *d = tfc_op_new(g, "RandomUniform", "r");
	tfc_op_add_input(d, (tfc_output){sc, 0});
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_op_set_attr_int(d, "seed", 7);
	tfc_op_set_attr_int(d, "seed2", 3);
	tfc_operation *r = tfc_op_finish(d, st);
	tfc_operation *c = t_const_f(g, "c", 1, st);
	tfc_session *s1 = tfc_session_new(g, NULL, st), *s2 = tfc_session_new(g, NULL, st);
	tfc_tensor *a1 = run1(s1, (tfc_output){r, 0}, NULL, NULL, 0, st);
	tfc_tensor *b1 = run1(s2, (tfc_output){r, 0}, NULL, NULL, 0, st);
	ok(a1 && b1 && tfc_tensor_equal(a1, b1), "the same seeds give the same numbers in two sessions");
	tfc_output both[] = {{r, 0}, {c, 0}};
	tfc_tensor *outs[2] = {NULL, NULL};
	tfc_session_run(s1, NULL, 0, NULL, NULL, 0, both, outs, 2, NULL, 0, NULL, st);
	tfc_tensor *b2 = run1(s2, (tfc_output){r, 0}, NULL, NULL, 0, st);
	ok(outs[0] && b2 && tfc_tensor_equal(outs[0], b2),
	   "a second signature continues the node's stream (same as a second run of the first)");
	ok(outs[0] && !tfc_tensor_equal(outs[0], a1), "and does not start it over");
	bool in_range = a1 != NULL;
	for (int i = 0; a1 && i < 4; i++)
		in_range = in_range && f0(a1, i) >= 0 && f0(a1, i) < 1;
	ok(in_range, "values lie in [0, 1)");
	tfc_tensor_free(a1);
	tfc_tensor_free(b1);
	tfc_tensor_free(b2);
	tfc_tensor_free(outs[0]);
	tfc_tensor_free(outs[1]);
	tfc_tensor_free(shape);
	tfc_session_free(s1);
	tfc_session_free(s2);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* The executor's asynchronous path (a GPU stream's shape): every kernel runs on the
 * device's own thread and finishes through a callback. Same answers, same errors. */
static void test_async_device(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, 0, NULL, st);
	tfc_output cur = {x, 0};
	for (int i = 0; i < 50; i++)
		cur = (tfc_output){tfc_add(g, NULL, cur, (tfc_output){x, 0}, st), 0};
	tfc_operation *a = tfc_mul(g, "a", cur, (tfc_output){x, 0}, st);
	tfc_operation *b = tfc_neg(g, "b", cur, st);
	tfc_shape scalar = tfc_shape_scalar();
	tfc_operation *v = tfc_variable_v2(g, "v", &scalar, TFC_FLOAT, st);
	tfc_operation *rd = tfc_identity(g, "read_v", (tfc_output){v, 0}, st);
	tfc_session *s = tfc_session_new(g, NULL, st);
	tfc__session_use_async_test_device(s, false);
	tfc_tensor *in = tfc_tensor_new_scalar_float(2);
	tfc_output fx = {x, 0};
	tfc_output fetch[] = {{a, 0}, {b, 0}};
	tfc_tensor *outs[2] = {NULL, NULL};
	int bad = 0;
	for (int r = 0; r < 200; r++) {
		tfc_session_run(s, NULL, 0, &fx, &in, 1, fetch, outs, 2, NULL, 0, NULL, st);
		if (!outs[0] || !outs[1] || f0(outs[0], 0) != 204 || f0(outs[1], 0) != -102)
			bad++;
		tfc_tensor_free(outs[0]);
		tfc_tensor_free(outs[1]);
	}
	is_int(bad, 0, "an asynchronous device: 200 runs of a 52-node graph, every answer right");
	tfc_tensor *r = run1(s, (tfc_output){rd, 0}, NULL, NULL, 0, st);
	ok(r == NULL && tfc_status_code(st) == TFC_FAILED_PRECONDITION,
	   "and errors come back the same way (uninitialized v)");
	tfc_tensor_free(in);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* 8 threads x 1000 runs of y = x * x + x on one session, each with its own feed. */
struct stress {
	tfc_session *s;
	tfc_operation *x, *y;
	int id;
	int bad;
};

static void *stress_thread(void *p)
{
	struct stress *a = p;
	tfc_status *st = tfc_status_new();
	for (int i = 0; i < 1000; i++) {
		float v = (float)(a->id * 1000 + i);
		tfc_tensor *in = tfc_tensor_new_scalar_float(v);
		tfc_output fx = {a->x, 0};
		tfc_tensor *r = run1(a->s, (tfc_output){a->y, 0}, &fx, &in, 1, st);
		if (!r || f0(r, 0) != v * v + v)
			a->bad++;
		tfc_tensor_free(r);
		tfc_tensor_free(in);
	}
	tfc_status_free(st);
	return NULL;
}

static void test_stress(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, 0, NULL, st);
	tfc_operation *sq = tfc_mul(g, "sq", (tfc_output){x, 0}, (tfc_output){x, 0}, st);
	tfc_operation *y = tfc_add(g, "y", (tfc_output){sq, 0}, (tfc_output){x, 0}, st);
	tfc_session_options *o = tfc_session_options_new();
	tfc_session_options_set_config_value(o, "inter_op_parallelism_threads", "2", st);
	tfc_session *s = tfc_session_new(g, o, st);
	pthread_t th[8];
	struct stress args[8];
	for (int i = 0; i < 8; i++) {
		args[i] = (struct stress){s, x, y, i, 0};
		pthread_create(&th[i], NULL, stress_thread, &args[i]);
	}
	int bad = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		bad += args[i].bad;
	}
	is_int(bad, 0, "8 threads x 1000 runs on one session: every result right");
	tfc_session_free(s);
	tfc_session_options_free(o);
	tfc_graph_free(g);
	tfc_status_free(st);
}

int main(void)
{
	plan_lazy();
	test_seed_variable();
	test_seed_multiply();
	test_seed_feeds();
	test_pruning_and_fetches();
	test_timeout_and_config();
	test_resource_variables();
	test_random_state();
	test_async_device();
	test_stress();
	done_testing();
	return exit_status();
}
