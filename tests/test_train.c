/*
 * test_train.c: building and running training graphs from C (core/tfc_train.h):
 * initializers and variables (values, names, collections, seeds), every optimizer's
 * ops named as TensorFlow names them, one exact step of GradientDescent and Adam,
 * convergence on a quadratic, training to a stated result on synthetic data fixed by
 * a seed (logistic regression, a two-layer MLP, a small convnet), the train ops of
 * the fixtures (rust regression: w -> 0.1, b -> 0.3 after 201 steps; the XOR and
 * MNIST demo training graphs), and bad input. Fixture checks skip without
 * $TFC_FIXTURES.
 */
#include <math.h>
#include <stdlib.h>

#include "kernel.h"
#include "test_util.h"
#include "tfc_train.h"

#define NONE ((tfc_output){NULL, 0})
#define CLEAR(st) tfc_status_set((st), TFC_OK, "%s", "")

/* ---- helpers */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static void rng_seed(uint64_t s) { rng_state = s * 0x9E3779B97F4A7C15ull + 1; }
static double urand(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}
static double nrand(void)
{
	double u = urand(), v = urand();
	if (u < 1e-12)
		u = 1e-12;
	return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static tfc_output op1(tfc_graph *g, const char *type, const char *name, tfc_output a,
		      tfc_status *st)
{
	if (tfc_status_code(st) != TFC_OK)
		return NONE;
	tfc_op_desc *d = tfc_op_new(g, type, name);
	tfc_op_add_input(d, a);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

static tfc_output op2(tfc_graph *g, const char *type, const char *name, tfc_output a,
		      tfc_output b, tfc_status *st)
{
	if (tfc_status_code(st) != TFC_OK)
		return NONE;
	tfc_op_desc *d = tfc_op_new(g, type, name);
	tfc_op_add_input(d, a);
	tfc_op_add_input(d, b);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

static tfc_output ivec(tfc_graph *g, const int64_t *v, int n, tfc_status *st)
{
	if (tfc_status_code(st) != TFC_OK)
		return NONE;
	int64_t dim = n;
	tfc_tensor *t = tfc_tensor_new(TFC_INT32, &dim, 1, st);
	for (int i = 0; i < n; i++)
		((int32_t *)tfc_tensor_data(t))[i] = (int32_t)v[i];
	tfc_op_desc *d = tfc_op_new(g, "Const", NULL);
	tfc_op_set_attr_tensor(d, "value", t, st);
	tfc_op_set_attr_type(d, "dtype", TFC_INT32);
	tfc_tensor_free(t);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

static tfc_output fconst(tfc_graph *g, const float *v, int rank, const int64_t *dims,
			 tfc_status *st)
{
	if (tfc_status_code(st) != TFC_OK)
		return NONE;
	tfc_tensor *t = tfc_tensor_new(TFC_FLOAT, dims, rank, st);
	memcpy(tfc_tensor_data(t), v, tfc_tensor_byte_size(t));
	tfc_op_desc *d = tfc_op_new(g, "Const", NULL);
	tfc_op_set_attr_tensor(d, "value", t, st);
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_tensor_free(t);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

static tfc_output mean_all(tfc_graph *g, const char *name, tfc_output x, int rank, tfc_status *st)
{
	int64_t ax[4] = {0, 1, 2, 3};
	return op2(g, "Mean", name, x, ivec(g, ax, rank, st), st);
}

static tfc_output matmul(tfc_graph *g, tfc_output a, tfc_output b, tfc_status *st)
{
	return op2(g, "MatMul", NULL, a, b, st);
}

static tfc_operation *op_named(tfc_graph *g, const char *name)
{
	return tfc_graph_operation_by_name(g, name);
}

static tfc_tensor *fetch(tfc_session *s, tfc_output *feeds, tfc_tensor **vals, int nf,
			 tfc_output out, tfc_status *st)
{
	tfc_tensor *t = NULL;
	if (tfc_status_code(st) == TFC_OK)
		tfc_session_run(s, NULL, 0, feeds, vals, nf, &out, &t, 1, NULL, 0, NULL, st);
	return t;
}

static void target(tfc_session *s, tfc_output *feeds, tfc_tensor **vals, int nf,
		   tfc_operation *op, tfc_status *st)
{
	if (tfc_status_code(st) == TFC_OK)
		tfc_session_run(s, NULL, 0, feeds, vals, nf, NULL, NULL, 0, &op, 1, NULL, st);
}

static float fget(tfc_session *s, tfc_output out, int64_t i, tfc_status *st)
{
	tfc_tensor *t = fetch(s, NULL, NULL, 0, out, st);
	float v = t ? ((float *)tfc_tensor_data(t))[i] : NAN;
	tfc_tensor_free(t);
	return v;
}

static tfc_tensor *ftensor(int rank, const int64_t *dims)
{
	tfc_status *st = tfc_status_new();
	tfc_tensor *t = tfc_tensor_new(TFC_FLOAT, dims, rank, st);
	tfc_status_free(st);
	return t;
}

/* A fixture's path (a buffer large enough for any fixtures folder). */
static const char *fixture_path(const char *rel)
{
	static char buf[8192];
	snprintf(buf, sizeof(buf), "%s/%s", tap_fixtures_dir(), rel);
	return buf;
}

static bool fixture_present(const char *rel)
{
	FILE *f = fopen(fixture_path(rel), "rb");
	if (f)
		fclose(f);
	return f != NULL;
}

static bool has_collection(tfc_graph *g, const char *key, const char *name)
{
	tfc_operation *ops[64];
	int n = tfc_graph_get_collection(g, key, ops, 64);
	for (int i = 0; i < n && i < 64; i++)
		if (ops[i] && strcmp(tfc_operation_name(ops[i]), name) == 0)
			return true;
	return false;
}

static bool has_class(tfc_operation *op, const char *loc)
{
	tfc_buffer_t *b = tfc_operation_to_nodedef(op, NULL);
	bool found = false;
	if (b) {
		size_t n = strlen(loc);
		for (size_t i = 0; i + n <= b->length && !found; i++)
			found = memcmp((char *)b->data + i, loc, n) == 0;
	}
	tfc_buffer_free(b);
	return found;
}

/* ---- a small linear model: pred = x @ w + b, loss = mean((pred - y)^2) */

struct lin {
	tfc_graph *g;
	tfc_output x, y, loss;
	tfc_operation *w, *b;
};

static void lin_build(struct lin *m, tfc_status *st)
{
	m->g = tfc_graph_new();
	m->x = (tfc_output){t_placeholder(m->g, "x", TFC_FLOAT, 2, (int64_t[]){-1, 2}, st), 0};
	m->y = (tfc_output){t_placeholder(m->g, "y", TFC_FLOAT, 2, (int64_t[]){-1, 1}, st), 0};
	tfc_shape ws = tfc_shape_make(2, (int64_t[]){2, 1}), bs = tfc_shape_make(1, (int64_t[]){1});
	tfc_initializer z = tfc_init_zeros();
	m->w = tfc_get_variable(m->g, "w", &ws, TFC_FLOAT, &z, st);
	m->b = tfc_get_variable(m->g, "b", &bs, TFC_FLOAT, &z, st);
	tfc_output p = op2(m->g, "Add", "pred", matmul(m->g, m->x, tfc_variable_read(m->w), st),
			   tfc_variable_read(m->b), st);
	tfc_output d = op2(m->g, "Sub", NULL, p, m->y, st);
	m->loss = mean_all(m->g, "loss", op1(m->g, "Square", NULL, d, st), 2, st);
}

static void test_variables_and_initializers(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_shape s23 = tfc_shape_make(2, (int64_t[]){40, 30});
	tfc_initializer in[7] = {tfc_init_zeros(), tfc_init_ones(), tfc_init_constant(2.5),
				 tfc_init_random_uniform(-1, 3, 7), tfc_init_random_normal(1, 2, 7),
				 tfc_init_truncated_normal(0, 1, 7), tfc_init_glorot_uniform(7)};
	const char *names[7] = {"zeros", "ones", "const", "uniform", "normal", "truncated", "glorot"};
	const char *first[7] = {"zeros/Initializer/zeros", "ones/Initializer/ones",
				"const/Initializer/Const", "uniform/Initializer/random_uniform/RandomUniform",
				"normal/Initializer/random_normal/RandomStandardNormal",
				"truncated/Initializer/truncated_normal/TruncatedNormal",
				"glorot/Initializer/random_uniform/RandomUniform"};
	tfc_operation *v[7];
	tfc_graph_push_name_scope(g, "layer");
	for (int i = 0; i < 7; i++)
		v[i] = tfc_get_variable(g, names[i], &s23, TFC_FLOAT, &in[i], st);
	tfc_graph_pop_name_scope(g);
	ok(tfc_status_code(st) == TFC_OK, "seven variables, one per initializer (%s)",
	   tfc_status_message(st));
	int named = 0;
	for (int i = 0; i < 7; i++) {
		char buf[128];
		snprintf(buf, sizeof(buf), "layer/%s", first[i]);
		named += op_named(g, buf) != NULL;
	}
	is_int(named, 7, "initializer ops under layer/<var>/Initializer/ as TensorFlow names them");
	tfc_operation *zs = op_named(g, "layer/zeros/Initializer/zeros");
	ok(zs && strcmp(tfc_operation_type(zs), "Fill") == 0 &&
	   op_named(g, "layer/zeros/Initializer/zeros/shape_as_tensor") &&
	   has_class(zs, "loc:@layer/zeros"),
	   "1200 zeros: Fill with shape_as_tensor, colocated with the variable");
	ok(v[0] && strcmp(tfc_operation_name(v[0]), "layer/zeros") == 0 &&
	   op_named(g, "layer/zeros/Assign") && op_named(g, "layer/zeros/read") &&
	   tfc_variable_read(v[0]).oper == op_named(g, "layer/zeros/read") &&
	   tfc_variable_initializer(v[0]) == op_named(g, "layer/zeros/Assign"),
	   "VariableV2 layer/zeros with layer/zeros/Assign and layer/zeros/read");
	ok(has_collection(g, "variables", "layer/glorot") &&
	   has_collection(g, "trainable_variables", "layer/glorot"), "collections");
	tfc_shape s2 = tfc_shape_make(1, (int64_t[]){2});
	tfc_operation *small = tfc_get_variable_ex(g, "small", &s2, TFC_FLOAT, NULL, false, st);
	ok(small && has_collection(g, "variables", "small") &&
	   !has_collection(g, "trainable_variables", "small") &&
	   op_named(g, "small/Initializer/random_uniform"),
	   "not trainable; default initializer glorot_uniform");
	tfc_operation *again = tfc_get_variable(g, "small", &s2, TFC_FLOAT, NULL, st);
	ok(!again && tfc_status_code(st) == TFC_ALREADY_EXISTS && strstr(tfc_status_message(st), "small"),
	   "the same variable twice: AlreadyExists (%s)", tfc_status_message(st));
	CLEAR(st);
	tfc_shape unk = tfc_shape_make(1, (int64_t[]){-1});
	ok(!tfc_get_variable(g, "u", &unk, TFC_FLOAT, NULL, st) &&
	   tfc_status_code(st) == TFC_INVALID_ARGUMENT, "unknown shape: InvalidArgument (%s)",
	   tfc_status_message(st));
	CLEAR(st);
	tfc_output c = {t_const_f(g, "c", 4.0f, st), 0};
	tfc_operation *fv = tfc_variable_from_value(g, "fv", c, true, st);
	tfc_operation *fv2 = tfc_variable_from_value(g, "fv", c, true, st);
	ok(fv && fv2 && strcmp(tfc_operation_name(fv2), "fv_1") == 0 && op_named(g, "fv_1/Assign"),
	   "tf.Variable(value): fv, then fv_1");
	tfc_operation *init = tfc_global_variables_initializer(g, st);
	ok(init && strcmp(tfc_operation_name(init), "init") == 0 &&
	   tfc_operation_num_control_inputs(init) == 10, "init groups the 10 initializers (%d)",
	   init ? tfc_operation_num_control_inputs(init) : -1);

	tfc_session *s = tfc_session_new(g, NULL, st);
	target(s, NULL, NULL, 0, init, st);
	tfc_tensor *t[7];
	for (int i = 0; i < 7; i++)
		t[i] = fetch(s, NULL, NULL, 0, tfc_variable_read(v[i]), st);
	ok(tfc_status_code(st) == TFC_OK, "initialized and read (%s)", tfc_status_message(st));
	if (tfc_status_code(st) == TFC_OK) {
		double lo[7], hi[7], mean[7], var[7];
		for (int i = 0; i < 7; i++) {
			const float *p = tfc_tensor_data(t[i]);
			lo[i] = hi[i] = p[0];
			double sum = 0, sq = 0;
			for (int k = 0; k < 1200; k++) {
				lo[i] = fmin(lo[i], p[k]);
				hi[i] = fmax(hi[i], p[k]);
				sum += p[k];
				sq += p[k] * p[k];
			}
			mean[i] = sum / 1200;
			var[i] = sq / 1200 - mean[i] * mean[i];
		}
		ok(lo[0] == 0 && hi[0] == 0 && lo[1] == 1 && hi[1] == 1 && lo[2] == 2.5f && hi[2] == 2.5f,
		   "zeros, ones, constant 2.5");
		ok(lo[3] >= -1 && hi[3] < 3 && fabs(mean[3] - 1) < 0.15,
		   "random_uniform(-1, 3): in range, mean %.3f", mean[3]);
		ok(fabs(mean[4] - 1) < 0.25 && fabs(sqrt(var[4]) - 2) < 0.2,
		   "random_normal(1, 2): mean %.3f, stddev %.3f", mean[4], sqrt(var[4]));
		ok(lo[5] >= -2 && hi[5] <= 2 && fabs(mean[5]) < 0.1,
		   "truncated_normal(0, 1): within 2 stddev, mean %.3f", mean[5]);
		double lim = sqrt(6.0 / 70);
		ok(lo[6] >= -lim && hi[6] <= lim && hi[6] > 0.8 * lim,
		   "glorot_uniform: within +-%.4f (%.4f, %.4f)", lim, lo[6], hi[6]);
	}
	/* seeded initializers repeat in a new session */
	tfc_session *s2x = tfc_session_new(g, NULL, st);
	target(s2x, NULL, NULL, 0, init, st);
	tfc_tensor *again3 = fetch(s2x, NULL, NULL, 0, tfc_variable_read(v[3]), st);
	ok(again3 && t[3] && tfc_tensor_equal(again3, t[3]), "a seeded initializer repeats exactly");
	tfc_tensor_free(again3);
	for (int i = 0; i < 7; i++)
		tfc_tensor_free(t[i]);
	tfc_session_free(s2x);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* ---- optimizers: names */

struct expect {
	const char *opt;
	const char *names[16];
};

static tfc_optimizer *make_opt(int k)
{
	switch (k) {
	case 0: return tfc_optimizer_gradient_descent_new(0.1f);
	case 1: return tfc_optimizer_momentum_new(0.05f, 0.9f, false);
	case 2: return tfc_optimizer_adagrad_new(0.5f, 0.1f);
	case 3: return tfc_optimizer_adam_new(0.1f, 0.9f, 0.999f, 1e-8f);
	default: return tfc_optimizer_rmsprop_new(0.05f, 0.9f, 0.0f, 1e-10f);
	}
}

static const struct expect expects[5] = {
	{"GradientDescent", {"GradientDescent/learning_rate", "GradientDescent/update_w/ApplyGradientDescent",
			     "GradientDescent/update_b/ApplyGradientDescent", "GradientDescent/update",
			     "GradientDescent/value", "GradientDescent", NULL}},
	{"Momentum", {"w/Momentum", "w/Momentum/Initializer/zeros", "w/Momentum/Assign", "w/Momentum/read",
		      "b/Momentum", "Momentum/learning_rate", "Momentum/momentum",
		      "Momentum/update_w/ApplyMomentum", "Momentum/update", "Momentum", NULL}},
	{"Adagrad", {"w/Adagrad", "w/Adagrad/Initializer/Const", "Adagrad/learning_rate",
		     "Adagrad/update_w/ApplyAdagrad", "Adagrad/update_b/ApplyAdagrad", "Adagrad", NULL}},
	{"Adam", {"beta1_power", "beta1_power/initial_value", "beta2_power", "w/Adam", "w/Adam_1",
		  "b/Adam", "b/Adam_1", "Adam/learning_rate", "Adam/beta1", "Adam/beta2", "Adam/epsilon",
		  "Adam/update_w/ApplyAdam", "Adam/mul", "Adam/Assign", "Adam/Assign_1", "Adam/update"}},
	{"RMSProp", {"w/RMSProp", "w/RMSProp/Initializer/ones", "w/RMSProp_1", "RMSProp/learning_rate",
		     "RMSProp/decay", "RMSProp/momentum", "RMSProp/epsilon",
		     "RMSProp/update_w/ApplyRMSProp", "RMSProp", NULL}},
};

static void test_optimizer_names(void)
{
	for (int k = 0; k < 5; k++) {
		tfc_status *st = tfc_status_new();
		struct lin m;
		lin_build(&m, st);
		tfc_optimizer *o = make_opt(k);
		tfc_operation *train = tfc_optimizer_minimize(o, m.g, m.loss, st);
		const struct expect *e = &expects[k];
		if (!ok(train != NULL, "%s: minimize (%s)", e->opt, tfc_status_message(st))) {
			tfc_optimizer_free(o);
			tfc_graph_free(m.g);
			tfc_status_free(st);
			continue;
		}
		int missing = 0;
		for (int i = 0; i < 16 && e->names[i]; i++)
			if (!op_named(m.g, e->names[i])) {
				diag("%s: missing %s", e->opt, e->names[i]);
				missing++;
			}
		is_int(missing, 0, "%s: ops named as TensorFlow names them", e->opt);
		ok(strcmp(tfc_operation_name(train), e->opt) == 0 &&
		   strcmp(tfc_operation_type(train), "AssignAdd") == 0 &&
		   has_collection(m.g, "train_op", e->opt) && has_class(train, "loc:@global_step"),
		   "%s: the train op is the global step's AssignAdd '%s', in train_op", e->opt, e->opt);
		ok(op_named(m.g, "global_step") && op_named(m.g, "global_step/Initializer/zeros") &&
		   has_collection(m.g, "global_step", "global_step") &&
		   tfc_operation_output_type(op_named(m.g, "global_step"), 0) ==
		   tfc_dtype_make_ref(TFC_INT64), "%s: int64 global_step", e->opt);
		ok(op_named(m.g, "gradients/MatMul_grad/tuple/control_dependency_1") &&
		   op_named(m.g, "gradients/pred_grad/tuple/group_deps"),
		   "%s: gradients gated as GATE_OP", e->opt);
		char upd[64];
		snprintf(upd, sizeof(upd), "%s/update_w/", e->opt);
		tfc_operation *apply = NULL;
		size_t p = 0;
		tfc_operation *op;
		while ((op = tfc_graph_next_operation(m.g, &p)))
			if (strncmp(tfc_operation_name(op), upd, strlen(upd)) == 0 &&
			    strncmp(tfc_operation_type(op), "Apply", 5) == 0)
				apply = op;
		ok(apply && has_class(apply, "loc:@w"), "%s: the update of w is colocated with w",
		   e->opt);
		if (k == 3) {
			tfc_operation *sm = tfc_optimizer_get_slot(o, m.w, "m");
			tfc_operation *sv = tfc_optimizer_get_slot(o, m.w, "v");
			ok(sm && sv && strcmp(tfc_operation_name(sm), "w/Adam") == 0 &&
			   strcmp(tfc_operation_name(sv), "w/Adam_1") == 0 && has_class(sm, "loc:@w") &&
			   has_collection(m.g, "variables", "w/Adam_1") &&
			   !has_collection(m.g, "trainable_variables", "w/Adam_1") &&
			   has_class(op_named(m.g, "beta1_power"), "loc:@b"),
			   "Adam: slots m = w/Adam, v = w/Adam_1; beta powers with the first variable (b)");
		}
		if (k == 3) {
			/* minimize inside a scope: slots and beta powers in it too, as in
			 * lstm_crf_ner.meta's "train_step/beta1_power", "train_step/<var>/Adam" */
			tfc_optimizer *o2 = make_opt(k);
			tfc_graph_push_name_scope(m.g, "train_step");
			tfc_operation *t2 = tfc_optimizer_minimize(o2, m.g, m.loss, st);
			tfc_graph_pop_name_scope(m.g);
			ok(t2 && op_named(m.g, "train_step/beta1_power") &&
			   op_named(m.g, "train_step/w/Adam_1") &&
			   op_named(m.g, "train_step/Adam/update_w/ApplyAdam") &&
			   op_named(m.g, "train_step/gradients/MatMul_grad/MatMul_1"),
			   "Adam minimized inside train_step: train_step/beta1_power, "
			   "train_step/w/Adam_1, train_step/Adam/update_w/ApplyAdam (%s)",
			   tfc_status_message(st));
			tfc_optimizer_free(o2);
		}
		/* a second minimize with the same optimizer: a new scope */
		tfc_operation *train2 = tfc_optimizer_minimize(o, m.g, m.loss, st);
		char n2[64];
		snprintf(n2, sizeof(n2), "%s_1", e->opt);
		ok(train2 && strcmp(tfc_operation_name(train2), n2) == 0 &&
		   op_named(m.g, "gradients_1/Fill"), "%s: a second minimize: %s, gradients_1", e->opt,
		   n2);
		/* the same optimizer on a new graph makes its slots there */
		tfc_graph_free(m.g);
		lin_build(&m, st);
		tfc_operation *t3 = tfc_optimizer_minimize(o, m.g, m.loss, st);
		tfc_operation *init = tfc_global_variables_initializer(m.g, st);
		tfc_session *s = tfc_session_new(m.g, NULL, st);
		target(s, NULL, NULL, 0, init, st);
		tfc_tensor *xt = ftensor(2, (int64_t[]){1, 2}), *yt = ftensor(2, (int64_t[]){1, 1});
		tfc_output feeds[2] = {m.x, m.y};
		tfc_tensor *vals[2] = {xt, yt};
		target(s, feeds, vals, 2, t3, st);
		ok(t3 && tfc_status_code(st) == TFC_OK &&
		   (k == 0 || tfc_optimizer_get_slot(o, m.w, k == 2 ? "accumulator" : k == 3 ? "m"
						     : k == 4 ? "rms" : "momentum")),
		   "%s: the optimizer reused on a new graph (%s)", e->opt, tfc_status_message(st));
		tfc_tensor_free(xt);
		tfc_tensor_free(yt);
		tfc_session_free(s);
		tfc_optimizer_free(o);
		tfc_graph_free(m.g);
		tfc_status_free(st);
	}
}

/* ---- one exact step, and convergence on a quadratic */

static void test_steps(void)
{
	static const float target_v[3] = {1.5f, -2.0f, 0.25f};
	const char *label[5] = {"GradientDescent", "Momentum", "Adagrad", "Adam", "RMSProp"};
	const int steps[5] = {100, 300, 300, 300, 300};
	for (int k = 0; k < 5; k++) {
		tfc_status *st = tfc_status_new();
		tfc_graph *g = tfc_graph_new();
		tfc_shape s3 = tfc_shape_make(1, (int64_t[]){3});
		tfc_initializer z = tfc_init_zeros();
		tfc_operation *w = tfc_get_variable(g, "w", &s3, TFC_FLOAT, &z, st);
		tfc_output t = fconst(g, target_v, 1, (int64_t[]){3}, st);
		tfc_output d = op2(g, "Sub", NULL, tfc_variable_read(w), t, st);
		tfc_output loss = op2(g, "Sum", "loss", op1(g, "Square", NULL, d, st),
				      ivec(g, (int64_t[]){0}, 1, st), st);
		tfc_optimizer *o = make_opt(k);
		tfc_operation *train = tfc_optimizer_minimize(o, g, loss, st);
		tfc_operation *init = tfc_global_variables_initializer(g, st);
		tfc_session *s = tfc_session_new(g, NULL, st);
		target(s, NULL, NULL, 0, init, st);
		target(s, NULL, NULL, 0, train, st);
		float w0 = fget(s, tfc_variable_read(w), 0, st);
		if (k == 0)
			is_double(w0, 0.2f * 1.5f, 1e-6, "GradientDescent: one step w = 2 lr t exactly");
		if (k == 3)
			is_double(w0, 0.1, 1e-5, "Adam: the first step moves lr * sign(g)");
		for (int i = 1; i < steps[k]; i++)
			target(s, NULL, NULL, 0, train, st);
		double err = 0;
		for (int i = 0; i < 3; i++)
			err = fmax(err, fabs(fget(s, tfc_variable_read(w), i, st) - target_v[i]));
		tfc_tensor *gs = fetch(s, NULL, NULL, 0, (tfc_output){op_named(g, "global_step/read"), 0}, st);
		ok(tfc_status_code(st) == TFC_OK && err < 2e-2 && gs &&
		   *(int64_t *)tfc_tensor_data(gs) == steps[k],
		   "%s: w reaches the minimum of sum((w - t)^2) (err %.2g) in %d steps, global_step %lld (%s)",
		   label[k], err, steps[k], gs ? (long long)*(int64_t *)tfc_tensor_data(gs) : -1LL,
		   tfc_status_message(st));
		tfc_tensor_free(gs);
		tfc_session_free(s);
		tfc_optimizer_free(o);
		tfc_graph_free(g);
		tfc_status_free(st);
	}
}

/* A double variable: the float hyperparameters are cast in the update's scope. */
static void test_double_variable(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_shape s2 = tfc_shape_make(1, (int64_t[]){2});
	tfc_initializer c = tfc_init_constant(3.0);
	tfc_operation *w = tfc_get_variable(g, "w", &s2, TFC_DOUBLE, &c, st);
	tfc_output loss = op2(g, "Sum", "loss", op1(g, "Square", NULL, tfc_variable_read(w), st),
			      ivec(g, (int64_t[]){0}, 1, st), st);
	tfc_optimizer *o = tfc_optimizer_momentum_new(0.1f, 0.5f, true);
	tfc_operation *train = tfc_optimizer_minimize(o, g, loss, st);
	tfc_operation *init = tfc_global_variables_initializer(g, st);
	tfc_session *s = tfc_session_new(g, NULL, st);
	target(s, NULL, NULL, 0, init, st);
	for (int i = 0; i < 60; i++)
		target(s, NULL, NULL, 0, train, st);
	tfc_tensor *v = fetch(s, NULL, NULL, 0, tfc_variable_read(w), st);
	double w0 = v ? ((double *)tfc_tensor_data(v))[0] : NAN;
	ok(tfc_status_code(st) == TFC_OK && op_named(g, "Momentum/update_w/Cast") &&
	   op_named(g, "Momentum/update_w/Cast_1") && fabs(w0) < 1e-6,
	   "double variable, Nesterov Momentum: casts in Momentum/update_w/, w -> 0 (%.3g) %s", w0,
	   tfc_status_message(st));
	tfc_tensor_free(v);
	tfc_session_free(s);
	tfc_optimizer_free(o);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* A resource variable (VarHandleOp, ReadVariableOp): the gradient reaches the
 * handle through ReadVariableOp and feeds ResourceApplyGradientDescent. */
static void test_resource_variable(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_op_desc *d = tfc_op_new(g, "VarHandleOp", "w");
	tfc_shape s2 = tfc_shape_make(1, (int64_t[]){2});
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_op_set_attr_shape(d, "shape", &s2);
	tfc_op_set_attr_string(d, "shared_name", "w", 1);
	tfc_output h = {tfc_op_finish(d, st), 0};
	tfc_output init_v = fconst(g, (const float[]){3.0f, -1.0f}, 1, (int64_t[]){2}, st);
	tfc_output init = op2(g, "AssignVariableOp", "w/Assign", h, init_v, st);
	tfc_output r = NONE;
	if (tfc_status_code(st) == TFC_OK) {
		d = tfc_op_new(g, "ReadVariableOp", "w/Read/ReadVariableOp");
		tfc_op_add_input(d, h);
		tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
		r = (tfc_output){tfc_op_finish(d, st), 0};
	}
	tfc_output loss = op2(g, "Sum", "loss", op1(g, "Square", NULL, r, st),
			      ivec(g, (int64_t[]){0}, 1, st), st);
	tfc_output dh;
	int n = tfc_gradients(g, &loss, 1, &h, 1, NULL, &dh, st);
	tfc_output lr = {t_const_f(g, "lr", 0.25f, st), 0};
	tfc_operation *apply = NULL;
	if (tfc_status_code(st) == TFC_OK) {
		d = tfc_op_new(g, "ResourceApplyGradientDescent", "apply");
		tfc_op_add_input(d, h);
		tfc_op_add_input(d, lr);
		tfc_op_add_input(d, dh);
		apply = tfc_op_finish(d, st);
	}
	tfc_session *s = tfc_session_new(g, NULL, st);
	target(s, NULL, NULL, 0, init.oper, st);
	tfc_tensor *gv = fetch(s, NULL, NULL, 0, dh, st);
	target(s, NULL, NULL, 0, apply, st);
	tfc_tensor *wv = fetch(s, NULL, NULL, 0, r, st);
	ok(n == 1 && gv && wv && ((float *)tfc_tensor_data(gv))[0] == 6.0f &&
	   ((float *)tfc_tensor_data(gv))[1] == -2.0f && ((float *)tfc_tensor_data(wv))[0] == 1.5f &&
	   ((float *)tfc_tensor_data(wv))[1] == -0.5f,
	   "resource variable: d/dw sum(w^2) through ReadVariableOp = 2w, one ResourceApply step %s",
	   tfc_status_message(st));
	tfc_tensor_free(gv);
	tfc_tensor_free(wv);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* Resource variables through every optimizer: ResourceApply* updates, resource
 * slots named as TensorFlow names them, and the quadratic minimized. */
static void test_resource_optimizers(void)
{
	static const float target_v[3] = {1.5f, -2.0f, 0.25f};
	static const char *const names[5][6] = {
		{"GradientDescent/update_w/ResourceApplyGradientDescent", NULL},
		{"w/Momentum", "w/Momentum/Read/ReadVariableOp", "Momentum/update_w/ResourceApplyMomentum",
		 NULL},
		{"w/Adagrad", "w/Adagrad/Initializer/Const", "Adagrad/update_w/ResourceApplyAdagrad", NULL},
		{"beta1_power/Initializer/initial_value", "w/Adam_1", "Adam/update_w/ResourceApplyAdam",
		 "Adam/update_w/ResourceApplyAdam/ReadVariableOp_1", "Adam/AssignVariableOp_1", NULL},
		{"w/RMSProp/Initializer/ones", "w/RMSProp_1", "RMSProp/update_w/ResourceApplyRMSProp", NULL},
	};
	const int steps[5] = {100, 300, 300, 300, 300};
	for (int k = 0; k < 5; k++) {
		tfc_status *st = tfc_status_new();
		tfc_graph *g = tfc_graph_new();
		tfc_shape s3 = tfc_shape_make(1, (int64_t[]){3});
		tfc_initializer z = tfc_init_zeros();
		tfc_operation *w = tfc_get_resource_variable(g, "w", &s3, TFC_FLOAT, &z, true, st);
		tfc_output t = fconst(g, target_v, 1, (int64_t[]){3}, st);
		tfc_output d = op2(g, "Sub", NULL, tfc_variable_read(w), t, st);
		tfc_output loss = op2(g, "Sum", "loss", op1(g, "Square", NULL, d, st),
				      ivec(g, (int64_t[]){0}, 1, st), st);
		tfc_optimizer *o = make_opt(k);
		tfc_operation *train = tfc_optimizer_minimize(o, g, loss, st);
		int missing = 0;
		for (int i = 0; names[k][i]; i++)
			if (!op_named(g, names[k][i])) {
				diag("missing %s", names[k][i]);
				missing++;
			}
		tfc_operation *wop = op_named(g, "w");
		ok(train && missing == 0 && wop && strcmp(tfc_operation_type(wop), "VarHandleOp") == 0 &&
		   op_named(g, "w/IsInitialized/VarIsInitializedOp") &&
		   strcmp(tfc_operation_type(op_named(g, "w/Assign")), "AssignVariableOp") == 0,
		   "resource variable, %s: ResourceApply update and slots named as TensorFlow does %s",
		   expects[k].opt, tfc_status_message(st));
		tfc_operation *init = tfc_global_variables_initializer(g, st);
		tfc_session *s = tfc_session_new(g, NULL, st);
		target(s, NULL, NULL, 0, init, st);
		for (int i = 0; i < steps[k]; i++)
			target(s, NULL, NULL, 0, train, st);
		double err = 0;
		for (int i = 0; i < 3; i++)
			err = fmax(err, fabs(fget(s, tfc_variable_read(w), i, st) - target_v[i]));
		ok(tfc_status_code(st) == TFC_OK && err < 2e-2,
		   "resource variable, %s: the minimum reached (err %.2g) %s", expects[k].opt, err,
		   tfc_status_message(st));
		tfc_session_free(s);
		tfc_optimizer_free(o);
		tfc_graph_free(g);
		tfc_status_free(st);
	}
}

/* ---- training to a stated result */

/* Logistic regression on 200 points, labels from a true plane (seed 1). */
static void test_logistic_regression(void)
{
	tfc_status *st = tfc_status_new();
	enum { N = 200 };
	rng_seed(1);
	tfc_tensor *xt = ftensor(2, (int64_t[]){N, 2}), *yt = ftensor(2, (int64_t[]){N, 1});
	float *xp = tfc_tensor_data(xt), *yp = tfc_tensor_data(yt);
	for (int i = 0; i < N; i++) {
		xp[2 * i] = (float)nrand();
		xp[2 * i + 1] = (float)nrand();
		yp[i] = 2 * xp[2 * i] - 3 * xp[2 * i + 1] + 0.5 > 0 ? 1.0f : 0.0f;
	}
	tfc_graph *g = tfc_graph_new();
	tfc_output x = {t_placeholder(g, "x", TFC_FLOAT, 2, (int64_t[]){-1, 2}, st), 0};
	tfc_output y = {t_placeholder(g, "y", TFC_FLOAT, 2, (int64_t[]){-1, 1}, st), 0};
	tfc_shape ws = tfc_shape_make(2, (int64_t[]){2, 1}), bs = tfc_shape_make(1, (int64_t[]){1});
	tfc_initializer z = tfc_init_zeros();
	tfc_operation *w = tfc_get_variable(g, "w", &ws, TFC_FLOAT, &z, st);
	tfc_operation *b = tfc_get_variable(g, "b", &bs, TFC_FLOAT, &z, st);
	tfc_output logits = op2(g, "BiasAdd", "logits", matmul(g, x, tfc_variable_read(w), st),
				tfc_variable_read(b), st);
	/* sigmoid cross entropy: softplus(z) - y z */
	tfc_output l = op2(g, "Sub", NULL, op1(g, "Softplus", NULL, logits, st),
			   op2(g, "Mul", NULL, y, logits, st), st);
	tfc_output loss = mean_all(g, "loss", l, 2, st);
	tfc_optimizer *o = tfc_optimizer_gradient_descent_new(1.0f);
	tfc_operation *train = tfc_optimizer_minimize(o, g, loss, st);
	tfc_operation *init = tfc_global_variables_initializer(g, st);
	tfc_session *s = tfc_session_new(g, NULL, st);
	target(s, NULL, NULL, 0, init, st);
	tfc_output feeds[2] = {x, y};
	tfc_tensor *vals[2] = {xt, yt};
	for (int i = 0; i < 300; i++)
		target(s, feeds, vals, 2, train, st);
	tfc_tensor *lv = fetch(s, feeds, vals, 2, loss, st);
	tfc_tensor *zv = fetch(s, feeds, vals, 2, logits, st);
	int correct = 0;
	for (int i = 0; zv && i < N; i++)
		correct += (((float *)tfc_tensor_data(zv))[i] > 0) == (yp[i] > 0.5f);
	float lossv = lv ? *(float *)tfc_tensor_data(lv) : NAN;
	ok(tfc_status_code(st) == TFC_OK && correct >= 196 && lossv < 0.1f,
	   "logistic regression, 300 GradientDescent steps: %d/200 right, loss %.4f (stated: >= 196, < 0.1) %s",
	   correct, lossv, tfc_status_message(st));
	tfc_tensor_free(lv);
	tfc_tensor_free(zv);
	tfc_tensor_free(xt);
	tfc_tensor_free(yt);
	tfc_session_free(s);
	tfc_optimizer_free(o);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* A dense layer: act(x @ w + b) with glorot weights (seeded), zero biases. */
static tfc_output dense(tfc_graph *g, const char *name, tfc_output x, int64_t in, int64_t out,
			bool relu, int64_t seed, tfc_status *st)
{
	tfc_graph_push_name_scope(g, name);
	tfc_shape ws = tfc_shape_make(2, (int64_t[]){in, out}), bs = tfc_shape_make(1, &out);
	tfc_initializer gl = tfc_init_glorot_uniform(seed), z = tfc_init_zeros();
	tfc_operation *w = tfc_get_variable(g, "kernel", &ws, TFC_FLOAT, &gl, st);
	tfc_operation *b = tfc_get_variable(g, "bias", &bs, TFC_FLOAT, &z, st);
	tfc_output y = op2(g, "BiasAdd", NULL, matmul(g, x, tfc_variable_read(w), st),
			   tfc_variable_read(b), st);
	if (relu)
		y = op1(g, "Relu", NULL, y, st);
	tfc_graph_pop_name_scope(g);
	return y;
}

static tfc_output sce_loss(tfc_graph *g, tfc_output logits, tfc_output labels, tfc_status *st)
{
	tfc_output l = op2(g, "SoftmaxCrossEntropyWithLogits", NULL, logits, labels, st);
	return mean_all(g, "loss", l, 1, st);
}

static int argmax_right(const tfc_tensor *logits, const float *onehot, int n, int k)
{
	const float *p = tfc_tensor_data(logits);
	int right = 0;
	for (int i = 0; i < n; i++) {
		int best = 0;
		for (int j = 1; j < k; j++)
			if (p[i * k + j] > p[i * k + best])
				best = j;
		right += onehot[i * k + best] > 0.5f;
	}
	return right;
}

/* Two-layer MLP (2-32-3), three classes by angle sector, Adam (seed 2). */
static void test_mlp(void)
{
	tfc_status *st = tfc_status_new();
	enum { N = 300, K = 3 };
	rng_seed(2);
	tfc_tensor *xt = ftensor(2, (int64_t[]){N, 2}), *yt = ftensor(2, (int64_t[]){N, K});
	float *xp = tfc_tensor_data(xt), *yp = tfc_tensor_data(yt);
	for (int i = 0; i < N; i++) {
		double a = urand() * 6.283185307179586, r = 0.2 + urand();
		xp[2 * i] = (float)(r * cos(a));
		xp[2 * i + 1] = (float)(r * sin(a));
		int c = (int)(a / (6.283185307179586 / 3));
		for (int j = 0; j < K; j++)
			yp[i * K + j] = j == (c > 2 ? 2 : c);
	}
	tfc_graph *g = tfc_graph_new();
	tfc_output x = {t_placeholder(g, "x", TFC_FLOAT, 2, (int64_t[]){-1, 2}, st), 0};
	tfc_output y = {t_placeholder(g, "y", TFC_FLOAT, 2, (int64_t[]){-1, K}, st), 0};
	tfc_output h = dense(g, "hidden", x, 2, 32, true, 11, st);
	tfc_output logits = dense(g, "logits", h, 32, K, false, 12, st);
	tfc_output loss = sce_loss(g, logits, y, st);
	tfc_optimizer *o = tfc_optimizer_adam_new(0.02f, 0.9f, 0.999f, 1e-8f);
	tfc_operation *train = tfc_optimizer_minimize(o, g, loss, st);
	tfc_operation *init = tfc_global_variables_initializer(g, st);
	tfc_session *s = tfc_session_new(g, NULL, st);
	target(s, NULL, NULL, 0, init, st);
	tfc_output feeds[2] = {x, y};
	tfc_tensor *vals[2] = {xt, yt};
	for (int i = 0; i < 400; i++)
		target(s, feeds, vals, 2, train, st);
	tfc_tensor *lv = fetch(s, feeds, vals, 2, loss, st);
	tfc_tensor *zv = fetch(s, feeds, vals, 2, logits, st);
	int right = zv ? argmax_right(zv, yp, N, K) : 0;
	float lossv = lv ? *(float *)tfc_tensor_data(lv) : NAN;
	ok(tfc_status_code(st) == TFC_OK && right >= 291 && lossv < 0.15f,
	   "two-layer MLP, 400 Adam steps: %d/300 right, loss %.4f (stated: >= 291, < 0.15) %s",
	   right, lossv, tfc_status_message(st));
	tfc_tensor_free(lv);
	tfc_tensor_free(zv);
	tfc_tensor_free(xt);
	tfc_tensor_free(yt);
	tfc_session_free(s);
	tfc_optimizer_free(o);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* Small convnet on 8x8 images of a horizontal or a vertical bar (seed 3):
 * conv 3x3x1x4 SAME + bias + relu, max pool 2x2, dense 64 -> 2; Momentum. */
static void test_convnet(void)
{
	tfc_status *st = tfc_status_new();
	enum { N = 64, K = 2 };
	rng_seed(3);
	tfc_tensor *xt = ftensor(4, (int64_t[]){N, 8, 8, 1}), *yt = ftensor(2, (int64_t[]){N, K});
	float *xp = tfc_tensor_data(xt), *yp = tfc_tensor_data(yt);
	for (int i = 0; i < N; i++) {
		int c = i % 2, at = (int)(urand() * 8);
		for (int r = 0; r < 8; r++)
			for (int q = 0; q < 8; q++)
				xp[i * 64 + r * 8 + q] = (float)(0.2 * urand()) +
							 ((c == 0 ? r : q) == at ? 1.0f : 0.0f);
		yp[i * K] = c == 0;
		yp[i * K + 1] = c == 1;
	}
	tfc_graph *g = tfc_graph_new();
	tfc_output x = {t_placeholder(g, "x", TFC_FLOAT, 4, (int64_t[]){-1, 8, 8, 1}, st), 0};
	tfc_output y = {t_placeholder(g, "y", TFC_FLOAT, 2, (int64_t[]){-1, K}, st), 0};
	tfc_shape fs = tfc_shape_make(4, (int64_t[]){3, 3, 1, 4}), bs = tfc_shape_make(1, (int64_t[]){4});
	tfc_initializer tn = tfc_init_truncated_normal(0, 0.3, 21), z = tfc_init_zeros();
	tfc_operation *f = tfc_get_variable(g, "conv/filter", &fs, TFC_FLOAT, &tn, st);
	tfc_operation *cb = tfc_get_variable(g, "conv/bias", &bs, TFC_FLOAT, &z, st);
	tfc_op_desc *d = NULL;
	tfc_output conv = NONE;
	if (tfc_status_code(st) == TFC_OK) {
		d = tfc_op_new(g, "Conv2D", "conv/Conv2D");
		tfc_op_add_input(d, x);
		tfc_op_add_input(d, tfc_variable_read(f));
		tfc_op_set_attr_int_list(d, "strides", (int64_t[]){1, 1, 1, 1}, 4);
		tfc_op_set_attr_string(d, "padding", "SAME", 4);
		conv = (tfc_output){tfc_op_finish(d, st), 0};
	}
	tfc_output act = op1(g, "Relu", "conv/Relu", op2(g, "BiasAdd", "conv/BiasAdd", conv,
							   tfc_variable_read(cb), st), st);
	tfc_output pool = NONE;
	if (tfc_status_code(st) == TFC_OK) {
		d = tfc_op_new(g, "MaxPool", "pool");
		tfc_op_add_input(d, act);
		tfc_op_set_attr_int_list(d, "ksize", (int64_t[]){1, 2, 2, 1}, 4);
		tfc_op_set_attr_int_list(d, "strides", (int64_t[]){1, 2, 2, 1}, 4);
		tfc_op_set_attr_string(d, "padding", "VALID", 5);
		pool = (tfc_output){tfc_op_finish(d, st), 0};
	}
	tfc_output flat = op2(g, "Reshape", "flat", pool, ivec(g, (int64_t[]){-1, 64}, 2, st), st);
	tfc_output logits = dense(g, "logits", flat, 64, K, false, 22, st);
	tfc_output loss = sce_loss(g, logits, y, st);
	tfc_optimizer *o = tfc_optimizer_momentum_new(0.05f, 0.9f, false);
	tfc_operation *train = tfc_optimizer_minimize(o, g, loss, st);
	ok(op_named(g, "gradients/conv/Conv2D_grad/Conv2DBackpropFilter") &&
	   op_named(g, "gradients/conv/Conv2D_grad/Conv2DBackpropInput") &&
	   op_named(g, "gradients/pool_grad/MaxPoolGrad") &&
	   op_named(g, "gradients/conv/BiasAdd_grad/BiasAddGrad"),
	   "convnet gradients: Conv2DBackpropInput/Filter, MaxPoolGrad, BiasAddGrad (%s)",
	   tfc_status_message(st));
	tfc_operation *init = tfc_global_variables_initializer(g, st);
	tfc_session *s = tfc_session_new(g, NULL, st);
	target(s, NULL, NULL, 0, init, st);
	tfc_output feeds[2] = {x, y};
	tfc_tensor *vals[2] = {xt, yt};
	tfc_tensor *l0 = fetch(s, feeds, vals, 2, loss, st);
	for (int i = 0; i < 150; i++)
		target(s, feeds, vals, 2, train, st);
	tfc_tensor *lv = fetch(s, feeds, vals, 2, loss, st);
	tfc_tensor *zv = fetch(s, feeds, vals, 2, logits, st);
	int right = zv ? argmax_right(zv, yp, N, K) : 0;
	float lossv = lv ? *(float *)tfc_tensor_data(lv) : NAN;
	ok(tfc_status_code(st) == TFC_OK && right == N && lossv < 0.05f,
	   "convnet, 150 Momentum steps: %d/64 right, loss %.4f from %.4f (stated: 64, < 0.05) %s",
	   right, lossv, l0 ? *(float *)tfc_tensor_data(l0) : NAN, tfc_status_message(st));
	tfc_tensor_free(l0);
	tfc_tensor_free(lv);
	tfc_tensor_free(zv);
	tfc_tensor_free(xt);
	tfc_tensor_free(yt);
	tfc_session_free(s);
	tfc_optimizer_free(o);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* ---- fixtures */

static void test_fixture_regression(void)
{
	const char *rel = "rust/examples/regression/model.pb";
	if (!fixture_present(rel)) {
		skip(1, "fixture %s missing", rel);
		return;
	}
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_load(fixture_path(rel), st);
	tfc_session *s = g ? tfc_session_new(g, NULL, st) : NULL;
	/* examples/regression.rs: 100 points, x in [0, 1), y = 0.1 x + 0.3 */
	tfc_tensor *xt = ftensor(1, (int64_t[]){100}), *yt = ftensor(1, (int64_t[]){100});
	for (int i = 0; i < 100; i++) {
		((float *)tfc_tensor_data(xt))[i] = i / 100.0f;
		((float *)tfc_tensor_data(yt))[i] = 0.1f * (i / 100.0f) + 0.3f;
	}
	tfc_output feeds[2] = {tfc_graph_output_by_name(g, "x"), tfc_graph_output_by_name(g, "y")};
	tfc_tensor *vals[2] = {xt, yt};
	target(s, NULL, NULL, 0, g ? op_named(g, "init") : NULL, st);
	for (int i = 0; i < 201; i++)
		target(s, feeds, vals, 2, op_named(g, "train"), st);
	float w = fget(s, tfc_graph_output_by_name(g, "w"), 0, st);
	float b = fget(s, tfc_graph_output_by_name(g, "b"), 0, st);
	ok(tfc_status_code(st) == TFC_OK && fabsf(w - 0.1f) < 1e-3f && fabsf(b - 0.3f) < 1e-3f,
	   "rust regression model.pb: 201 train steps -> w %.5f, b %.5f (stated 0.1, 0.3) %s", w, b,
	   tfc_status_message(st));
	tfc_tensor_free(xt);
	tfc_tensor_free(yt);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

static void test_fixture_xor(void)
{
	const char *rel = "TensorFlow.NET/graph/xor.meta";
	if (!fixture_present(rel)) {
		skip(1, "fixture %s missing", rel);
		return;
	}
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_load_model(fixture_path(rel), NULL, NULL, st);
	tfc_session *s = g ? tfc_session_new(g, NULL, st) : NULL;
	static const float xv[8] = {0, 0, 0, 1, 1, 0, 1, 1};
	static const int32_t yv[4] = {0, 1, 1, 0};
	tfc_tensor *xt = ftensor(2, (int64_t[]){4, 2});
	memcpy(tfc_tensor_data(xt), xv, sizeof(xv));
	tfc_tensor *yt = tfc_tensor_new(TFC_INT32, (int64_t[]){4}, 1, st);
	if (yt)
		memcpy(tfc_tensor_data(yt), yv, sizeof(yv));
	tfc_output feeds[2] = {tfc_graph_output_by_name(g, "Placeholder"),
			       tfc_graph_output_by_name(g, "Placeholder_1")};
	tfc_tensor *vals[2] = {xt, yt};
	target(s, NULL, NULL, 0, g ? op_named(g, "init") : NULL, st);
	tfc_output loss = g ? tfc_graph_output_by_name(g, "loss") : NONE;
	tfc_tensor *l0 = fetch(s, feeds, vals, 2, loss, st);
	for (int i = 0; i < 500; i++)
		target(s, feeds, vals, 2, op_named(g, "train_op"), st);
	tfc_tensor *l1 = fetch(s, feeds, vals, 2, loss, st);
	tfc_tensor *gs = fetch(s, NULL, NULL, 0, tfc_graph_output_by_name(g, "global_step"), st);
	float a = l0 ? *(float *)tfc_tensor_data(l0) : NAN, b = l1 ? *(float *)tfc_tensor_data(l1) : NAN;
	ok(tfc_status_code(st) == TFC_OK && b < a && gs && *(int32_t *)tfc_tensor_data(gs) == 500,
	   "XOR training graph (xor.meta): 500 runs of train_op, loss %.4f -> %.4f, global_step %d %s",
	   a, b, gs ? *(int32_t *)tfc_tensor_data(gs) : -1, tfc_status_message(st));
	tfc_tensor_free(gs);
	tfc_tensor_free(l0);
	tfc_tensor_free(l1);
	tfc_tensor_free(xt);
	tfc_tensor_free(yt);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* Builds xor.meta's model from C as its Python did, then compares every node of the
 * fixture (gradients, train op, initializers) with ours: type, inputs, control inputs. */
static void test_xor_names_match_tensorflow(void)
{
	const char *rel = "TensorFlow.NET/graph/xor.meta";
	if (!fixture_present(rel)) {
		skip(1, "fixture %s missing", rel);
		return;
	}
	tfc_status *st = tfc_status_new();
	tfc_graph *ref = tfc_graph_load_model(fixture_path(rel), NULL, NULL, st);
	tfc_graph *g = tfc_graph_new();
	tfc_output x = {t_placeholder(g, "Placeholder", TFC_FLOAT, 2, (int64_t[]){4, 2}, st), 0};
	tfc_output y = {t_placeholder(g, "Placeholder_1", TFC_INT32, 1, (int64_t[]){4}, st), 0};
	tfc_shape s1 = ref ? tfc_operation_get_attr_shape(op_named(ref, "Variable"), "shape", st)
			   : tfc_shape_unknown();
	tfc_shape s2 = ref ? tfc_operation_get_attr_shape(op_named(ref, "Variable_1"), "shape", st)
			   : tfc_shape_unknown();
	tfc_initializer tn = tfc_init_truncated_normal(0, 1, 0);
	tfc_output v1 = tfc_initializer_value(g, &tn, &s1, TFC_FLOAT, st);
	tfc_operation *w1 = tfc_variable_from_value(g, "Variable", v1, true, st);
	tfc_output h = op1(g, "Relu", NULL, matmul(g, x, tfc_variable_read(w1), st), st);
	tfc_output v2 = tfc_initializer_value(g, &tn, &s2, TFC_FLOAT, st);
	tfc_operation *w2 = tfc_variable_from_value(g, "Variable_1", v2, true, st);
	tfc_output o = op1(g, "Sigmoid", NULL,
			   op1(g, "Squeeze", NULL, matmul(g, h, tfc_variable_read(w2), st), st), st);
	tfc_output yf = NONE;
	if (tfc_status_code(st) == TFC_OK) {
		tfc_op_desc *d = tfc_op_new(g, "Cast", "ToFloat");
		tfc_op_add_input(d, y);
		tfc_op_set_attr_type(d, "DstT", TFC_FLOAT);
		yf = (tfc_output){tfc_op_finish(d, st), 0};
	}
	tfc_output sq = op1(g, "Square", NULL, op2(g, "Sub", "sub", o, yf, st), st);
	tfc_output loss = op2(g, "Mean", "loss", sq, ivec(g, (int64_t[]){0}, 1, st), st);
	tfc_output gs0 = {t_const_i(g, "global_step/initial_value", 0, st), 0};
	tfc_operation *gs = tfc_variable_from_value(g, "global_step", gs0, false, st);
	tfc_optimizer *opt = tfc_optimizer_gradient_descent_new(0.1f);
	tfc_optimizer_set_name(opt, "train_op");
	tfc_optimizer_minimize_ex(opt, g, loss, gs, NULL, 0, st);
	tfc_global_variables_initializer(g, st);
	tfc_optimizer_free(opt);
	int compared = 0, bad = 0;
	size_t p = 0;
	tfc_operation *r;
	while (ref && tfc_status_code(st) == TFC_OK && (r = tfc_graph_next_operation(ref, &p))) {
		const char *name = tfc_operation_name(r);
		tfc_operation *m = op_named(g, name);
		compared++;
		bool same = m && strcmp(tfc_operation_type(m), tfc_operation_type(r)) == 0 &&
			    tfc_operation_num_inputs(m) == tfc_operation_num_inputs(r) &&
			    tfc_operation_num_control_inputs(m) == tfc_operation_num_control_inputs(r);
		for (int i = 0; same && i < tfc_operation_num_inputs(r); i++) {
			tfc_output a = tfc_operation_input(r, i), b = tfc_operation_input(m, i);
			same = a.index == b.index &&
			       strcmp(tfc_operation_name(a.oper), tfc_operation_name(b.oper)) == 0;
		}
		for (int i = 0; same && i < tfc_operation_num_control_inputs(r); i++) {
			const char *cn = tfc_operation_name(tfc_operation_control_input(r, i));
			bool found = false;
			for (int k = 0; k < tfc_operation_num_control_inputs(m) && !found; k++)
				found = strcmp(cn, tfc_operation_name(tfc_operation_control_input(m, k))) == 0;
			same = found;
		}
		if (!same) {
			if (bad < 8)
				diag("differs from TensorFlow: %s (%s)", name, m ? "inputs or type" : "missing");
			bad++;
		}
	}
	ok(tfc_status_code(st) == TFC_OK && compared == 71 && bad == 0 &&
	   tfc_graph_num_operations(g) == 71,
	   "the XOR model built from C matches xor.meta node for node: %d compared, %d differ, "
	   "%zu ops here %s", compared, bad, tfc_graph_num_operations(g), tfc_status_message(st));
	tfc_graph_free(g);
	tfc_graph_free(ref);
	tfc_status_free(st);
}

/* The TensorBoard demo's MNIST softmax training graph: its variables have no
 * initializers and its input comes from a queue, so we add Assign ops from C and
 * feed the dequeued images and labels. */
static void test_fixture_mnist(void)
{
	const char *rel = "tensorboard/tensorboard/plugins/graph/tf_graph/demo/data/graph.pbtxt";
	if (!fixture_present(rel)) {
		skip(1, "fixture %s missing", rel);
		return;
	}
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_load(fixture_path(rel), st);
	tfc_session_options *so = tfc_session_options_new();
	tfc_session_options_set_config_value(so, "allow_soft_placement", "true", st);
	static const char *vars[4] = {"hidden_weights", "hidden_biases", "logits_weights",
				      "logits_biases"};
	tfc_operation *assigns[4] = {NULL};
	rng_seed(4);
	for (int i = 0; i < 4 && g && tfc_status_code(st) == TFC_OK; i++) {
		tfc_operation *v = op_named(g, vars[i]);
		tfc_shape shp = v ? tfc_operation_get_attr_shape(v, "shape", st) : tfc_shape_unknown();
		if (!v || tfc_status_code(st) != TFC_OK)
			break;
		tfc_tensor *t = tfc_tensor_new(TFC_FLOAT, shp.dims, shp.rank, st);
		for (int64_t k = 0; t && k < tfc_tensor_num_elements(t); k++)
			((float *)tfc_tensor_data(t))[k] = (float)(0.05 * nrand());
		tfc_op_desc *d = tfc_op_new(g, "Const", NULL);
		tfc_op_set_attr_tensor(d, "value", t, st);
		tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
		tfc_tensor_free(t);
		tfc_output c = {tfc_op_finish(d, st), 0};
		assigns[i] = op2(g, "Assign", NULL, (tfc_output){v, 0}, c, st).oper;
	}
	tfc_session *s = g ? tfc_session_new(g, so, st) : NULL;
	for (int i = 0; i < 4; i++)
		target(s, NULL, NULL, 0, assigns[i], st);
	/* a batch of 200 (Reshape/shape is [200, -1]) synthetic 28x28 "digits": class k
	 * lights rows 2k..2k+3 */
	enum { N = 200 };
	tfc_tensor *img = ftensor(2, (int64_t[]){N, 784});
	tfc_tensor *lab = tfc_tensor_new(TFC_INT64, (int64_t[]){N}, 1, st);
	tfc_operation *dq = g ? op_named(g, "mnist_dataset_train_2/random_shuffle_queue_DequeueMany") : NULL;
	tfc_dtype lt = dq ? tfc_operation_output_type(dq, 1) : TFC_INT64;
	if (lt != TFC_INT64) {
		tfc_tensor_free(lab);
		lab = tfc_tensor_new(lt, (int64_t[]){N}, 1, st);
	}
	for (int i = 0; img && lab && i < N; i++) {
		int k = i % 10;
		for (int p = 0; p < 784; p++)
			((float *)tfc_tensor_data(img))[i * 784 + p] =
				(p / 28 >= 2 * k && p / 28 < 2 * k + 4 ? 1.0f : 0.0f) + (float)(0.1 * urand());
		if (lt == TFC_INT64)
			((int64_t *)tfc_tensor_data(lab))[i] = k;
		else
			((int32_t *)tfc_tensor_data(lab))[i] = k;
	}
	tfc_output feeds[2] = {{dq, 0}, {dq, 1}};
	tfc_tensor *vals[2] = {img, lab};
	tfc_output loss = g ? tfc_graph_output_by_name(g, "Mean") : NONE;
	tfc_tensor *l0 = fetch(s, feeds, vals, 2, loss, st);
	for (int i = 0; i < 30; i++)
		target(s, feeds, vals, 2, g ? op_named(g, "GradientDescent") : NULL, st);
	tfc_tensor *l1 = fetch(s, feeds, vals, 2, loss, st);
	float a = l0 ? *(float *)tfc_tensor_data(l0) : NAN, b = l1 ? *(float *)tfc_tensor_data(l1) : NAN;
	ok(tfc_status_code(st) == TFC_OK && b < 0.5f * a,
	   "MNIST demo training graph: 30 runs of GradientDescent, loss %.4f -> %.4f %s", a, b,
	   tfc_status_message(st));
	tfc_tensor_free(l0);
	tfc_tensor_free(l1);
	tfc_tensor_free(img);
	tfc_tensor_free(lab);
	tfc_session_free(s);
	tfc_session_options_free(so);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* ---- bad input */

static void test_bad_input(void)
{
	tfc_status *st = tfc_status_new();
	struct lin m;
	lin_build(&m, st);
	tfc_optimizer *o = tfc_optimizer_adam_new(0.001f, 0.9f, 0.999f, 1e-8f);
	tfc_output c = {t_const_f(m.g, "c", 1.0f, st), 0};
	tfc_operation *t = tfc_optimizer_minimize(o, m.g, c, st);
	ok(!t && tfc_status_code(st) == TFC_INVALID_ARGUMENT &&
	   strstr(tfc_status_message(st), "No gradients provided") && strstr(tfc_status_message(st), "'c"),
	   "a loss independent of the variables: InvalidArgument (%s)", tfc_status_message(st));
	CLEAR(st);
	tfc_operation *notvar = m.x.oper;
	t = tfc_optimizer_minimize_ex(o, m.g, m.loss, NULL, &notvar, 1, st);
	ok(!t && tfc_status_code(st) == TFC_INVALID_ARGUMENT && strstr(tfc_status_message(st), "'x'"),
	   "a placeholder as a variable: InvalidArgument naming it (%s)", tfc_status_message(st));
	CLEAR(st);
	tfc_output gd = {t_placeholder(m.g, "gd", TFC_DOUBLE, 2, (int64_t[]){2, 1}, st), 0};
	t = tfc_optimizer_apply_gradients(o, m.g, &gd, &m.w, 1, NULL, st);
	ok(!t && tfc_status_code(st) == TFC_INVALID_ARGUMENT && strstr(tfc_status_message(st), "'w'") &&
	   strstr(tfc_status_message(st), "'gd:0'"),
	   "a double gradient for a float variable: InvalidArgument (%s)", tfc_status_message(st));
	CLEAR(st);
	tfc_output none = NONE;
	t = tfc_optimizer_apply_gradients(o, m.g, &none, &m.w, 1, NULL, st);
	ok(!t && tfc_status_code(st) == TFC_INVALID_ARGUMENT && strstr(tfc_status_message(st), "w"),
	   "no gradient for any variable: InvalidArgument (%s)", tfc_status_message(st));
	CLEAR(st);
	/* global_step without a gradient path is fine: minimize without a global step */
	t = tfc_optimizer_minimize_ex(o, m.g, m.loss, NULL, NULL, 0, st);
	ok(t && strcmp(tfc_operation_type(t), "NoOp") == 0 && strcmp(tfc_operation_name(t), "Adam") == 0,
	   "minimize without a global step: a NoOp named Adam (%s)", tfc_status_message(st));
	/* running the train op before init */
	tfc_session *s = tfc_session_new(m.g, NULL, st);
	tfc_tensor *xt = ftensor(2, (int64_t[]){1, 2}), *yt = ftensor(2, (int64_t[]){1, 1});
	tfc_output feeds[2] = {m.x, m.y};
	tfc_tensor *vals[2] = {xt, yt};
	target(s, feeds, vals, 2, t, st);
	ok(tfc_status_code(st) == TFC_FAILED_PRECONDITION, "train before init: FailedPrecondition (%s)",
	   tfc_status_message(st));
	CLEAR(st);
	/* a feed that does not match: InvalidArgument naming the node */
	tfc_operation *init = tfc_global_variables_initializer(m.g, st);
	target(s, NULL, NULL, 0, init, st);
	tfc_tensor *bad = ftensor(2, (int64_t[]){1, 3});
	vals[0] = bad;
	target(s, feeds, vals, 2, t, st);
	ok(tfc_status_code(st) == TFC_INVALID_ARGUMENT && strstr(tfc_status_message(st), "x"),
	   "x fed with 3 columns: InvalidArgument (%s)", tfc_status_message(st));
	CLEAR(st);
	tfc_tensor_free(bad);
	tfc_tensor_free(xt);
	tfc_tensor_free(yt);
	tfc_session_free(s);
	tfc_optimizer_free(o);
	tfc_graph_free(m.g);
	tfc_status_free(st);
}

/* A graph built here survives a GraphDef round trip and trains in the copy. */
static void test_graphdef_round_trip(void)
{
	tfc_status *st = tfc_status_new();
	struct lin m;
	lin_build(&m, st);
	tfc_optimizer *o = tfc_optimizer_rmsprop_new(0.01f, 0.9f, 0.5f, 1e-10f);
	tfc_operation *train = tfc_optimizer_minimize(o, m.g, m.loss, st);
	tfc_global_variables_initializer(m.g, st);
	tfc_buffer_t *pb = train ? tfc_graph_to_graphdef(m.g, TFC_FORMAT_BINARY, st) : NULL;
	tfc_graph *g2 = tfc_graph_new();
	if (pb)
		tfc_graph_import(g2, pb->data, pb->length, TFC_FORMAT_BINARY, NULL, NULL, st);
	tfc_session *s = tfc_session_new(g2, NULL, st);
	target(s, NULL, NULL, 0, op_named(g2, "init"), st);
	tfc_tensor *xt = ftensor(2, (int64_t[]){4, 2}), *yt = ftensor(2, (int64_t[]){4, 1});
	float *xp = tfc_tensor_data(xt), *yp = tfc_tensor_data(yt);
	for (int i = 0; i < 4; i++) {
		xp[2 * i] = (float)(i & 1);
		xp[2 * i + 1] = (float)(i >> 1);
		yp[i] = 3 * xp[2 * i] - xp[2 * i + 1] + 1;
	}
	tfc_output feeds[2] = {tfc_graph_output_by_name(g2, "x"), tfc_graph_output_by_name(g2, "y")};
	tfc_tensor *vals[2] = {xt, yt};
	tfc_output loss = tfc_graph_output_by_name(g2, "loss");
	tfc_tensor *l0 = fetch(s, feeds, vals, 2, loss, st);
	for (int i = 0; i < 200; i++)
		target(s, feeds, vals, 2, op_named(g2, "RMSProp"), st);
	tfc_tensor *l1 = fetch(s, feeds, vals, 2, loss, st);
	ok(tfc_status_code(st) == TFC_OK && l0 && l1 &&
	   *(float *)tfc_tensor_data(l1) < 0.01f * *(float *)tfc_tensor_data(l0),
	   "RMSProp graph through a GraphDef: loss %.4f -> %.5f in the copy %s",
	   l0 ? *(float *)tfc_tensor_data(l0) : NAN, l1 ? *(float *)tfc_tensor_data(l1) : NAN,
	   tfc_status_message(st));
	tfc_tensor_free(l0);
	tfc_tensor_free(l1);
	tfc_tensor_free(xt);
	tfc_tensor_free(yt);
	tfc_session_free(s);
	tfc_graph_free(g2);
	tfc_buffer_free(pb);
	tfc_optimizer_free(o);
	tfc_graph_free(m.g);
	tfc_status_free(st);
}

int main(void)
{
	plan_lazy();
	test_variables_and_initializers();
	test_optimizer_names();
	test_steps();
	test_double_variable();
	test_resource_variable();
	test_resource_optimizers();
	test_logistic_regression();
	test_mlp();
	test_convnet();
	test_bad_input();
	test_graphdef_round_trip();
	test_fixture_regression();
	test_fixture_xor();
	test_xor_names_match_tensorflow();
	test_fixture_mnist();
	done_testing();
	return exit_status();
}
