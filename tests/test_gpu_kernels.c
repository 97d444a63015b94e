/*
 * test_gpu_kernels.c: `make check-gpu`. Every CUDA kernel against the CPU kernel on
 * random inputs (each op pinned to /device:GPU:0, without soft placement, and run
 * again in a CPU-only session), within a tolerance; then a traced training step on
 * the GPU whose RunMetadata has GPU pseudo-devices whose kernels belong to ops of the
 * graph, and whose rows land in the trace database's gpu_kernel table. Without a GPU
 * every case prints a TAP skip.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.pb-c.h"
#include "gpu.h"
#include "test_util.h"
#include "tfc_train.h"
#include "tfc_trace.h"

struct kcase {
	const char *op;
	int n_in;               /* data inputs (an axes Const is added for reductions) */
	int rank[2];
	int64_t dims[2][3];
	bool positive;          /* inputs in (0.1, 2) (Log, Sqrt, ...) */
	const char *attr;       /* a bool attr set to true, or NULL */
	int64_t axes[2];        /* reductions: the axes (n_axes of them) */
	int n_axes;
	tfc_dtype dtype;
};

#define U(op, pos) {op, 1, {2, 0}, {{3, 5}}, pos, NULL, {0}, 0, TFC_FLOAT}
#define B(op) {op, 2, {2, 1}, {{3, 4}, {4}}, false, NULL, {0}, 0, TFC_FLOAT}
#define R(op, keep, a0, a1, na) {op, 1, {3, 0}, {{2, 3, 4}}, false, keep, {a0, a1}, na, TFC_FLOAT}

static const struct kcase cases[] = {
	U("Neg", false), U("Abs", false), U("Square", false), U("Sqrt", true), U("Rsqrt", true),
	U("Exp", false), U("Log", true), U("Tanh", false), U("Sigmoid", false), U("Relu", false),
	U("Relu6", false), U("Elu", false), U("Selu", false), U("Softplus", false), U("LeakyRelu", false),
	U("Reciprocal", true), U("Inv", true),
	B("Add"), B("AddV2"), B("Sub"), B("Mul"), B("RealDiv"), B("Div"), B("Maximum"), B("Minimum"),
	B("SquaredDifference"),
	{"ReluGrad", 2, {2, 2}, {{3, 4}, {3, 4}}, false, NULL, {0}, 0, TFC_FLOAT},
	R("Sum", NULL, 1, 0, 1), R("Sum", "keep_dims", 0, 2, 2), R("Mean", NULL, -1, 0, 1),
	R("Max", NULL, 0, 1, 2), R("Min", "keep_dims", 1, 0, 1), R("Prod", NULL, 2, 0, 1),
	{"Softmax", 1, {2, 0}, {{5, 7}}, false, NULL, {0}, 0, TFC_FLOAT},
	{"LogSoftmax", 1, {2, 0}, {{5, 7}}, false, NULL, {0}, 0, TFC_FLOAT},
	{"Softmax", 1, {2, 0}, {{5, 7}}, false, NULL, {0}, 0, TFC_DOUBLE},
	{"BiasAdd", 2, {3, 1}, {{2, 3, 4}, {4}}, false, NULL, {0}, 0, TFC_FLOAT},
	{"MatMul", 2, {2, 2}, {{5, 6}, {6, 3}}, false, NULL, {0}, 0, TFC_FLOAT},
	{"MatMul", 2, {2, 2}, {{6, 5}, {6, 3}}, false, "transpose_a", {0}, 0, TFC_FLOAT},
	{"MatMul", 2, {2, 2}, {{5, 6}, {6, 3}}, false, NULL, {0}, 0, TFC_DOUBLE},
	{"BatchMatMulV2", 2, {3, 2}, {{2, 5, 6}, {6, 3}}, false, NULL, {0}, 0, TFC_FLOAT},
	{"BatchMatMul", 2, {3, 3}, {{2, 5, 6}, {2, 3, 6}}, false, "adj_y", {0}, 0, TFC_FLOAT},
};
#define N_CASES ((int)(sizeof(cases) / sizeof(cases[0])))

static tfc_tensor *random_tensor(tfc_dtype dt, int rank, const int64_t *dims, bool positive)
{
	tfc_status *st = tfc_status_new();
	tfc_tensor *t = tfc_tensor_new(dt, dims, rank, st);
	for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++) {
		double u = (double)rand() / RAND_MAX;
		double v = positive ? 0.1 + 1.9 * u : -2 + 4 * u;
		if (dt == TFC_FLOAT)
			((float *)tfc_tensor_data(t))[i] = (float)v;
		else
			((double *)tfc_tensor_data(t))[i] = v;
	}
	tfc_status_free(st);
	return t;
}

/* Runs case c on a session (GPU: the op pinned to GPU:0), inputs fed; the output. */
static tfc_tensor *run_case(const struct kcase *c, tfc_tensor **in, bool gpu, tfc_status *st)
{
	tfc_graph *g = tfc_graph_new();
	tfc_operation *ph[2];
	tfc_output feeds[2];
	for (int i = 0; i < c->n_in; i++) {
		char name[8];
		snprintf(name, sizeof(name), "in%d", i);
		ph[i] = t_placeholder(g, name, c->dtype, -1, NULL, st);
		feeds[i] = (tfc_output){ph[i], 0};
	}
	tfc_op_desc *d = tfc_op_new(g, c->op, "op");
	for (int i = 0; i < c->n_in; i++)
		tfc_op_add_input(d, feeds[i]);
	if (c->n_axes) {
		int64_t n = c->n_axes;
		tfc_tensor *ax = tfc_tensor_new(TFC_INT32, &n, 1, st);
		for (int i = 0; i < c->n_axes; i++)
			((int32_t *)tfc_tensor_data(ax))[i] = (int32_t)c->axes[i];
		tfc_op_desc *cd = tfc_op_new(g, "Const", "axes");
		tfc_op_set_attr_tensor(cd, "value", ax, st);
		tfc_op_set_attr_type(cd, "dtype", TFC_INT32);
		tfc_tensor_free(ax);
		tfc_op_add_input(d, (tfc_output){tfc_op_finish(cd, st), 0});
	}
	if (c->attr)
		tfc_op_set_attr_bool(d, c->attr, true);
	if (gpu)
		tfc_op_set_device(d, "/device:GPU:0");
	tfc_operation *op = tfc_op_finish(d, st);
	tfc_session_options *o = tfc_session_options_new();
	if (!gpu)
		tfc_session_options_set_config_value(o, "device_count.GPU", "0", st);
	tfc_session *s = tfc_session_new(g, o, st);
	tfc_tensor *out = NULL;
	tfc_output fetch = {op, 0};
	if (tfc_status_code(st) == TFC_OK)
		tfc_session_run(s, NULL, 0, feeds, in, c->n_in, &fetch, &out, 1, NULL, 0, NULL, st);
	tfc_session_free(s);
	tfc_session_options_free(o);
	tfc_graph_free(g);
	return out;
}

static void test_kernels(void)
{
	tfc_status *st = tfc_status_new();
	srand(12345);
	for (int k = 0; k < N_CASES; k++) {
		const struct kcase *c = &cases[k];
		tfc_tensor *in[2] = {NULL, NULL};
		for (int i = 0; i < c->n_in; i++)
			in[i] = random_tensor(c->dtype, c->rank[i], c->dims[i], c->positive);
		tfc_tensor *want = run_case(c, in, false, st);
		tfc_tensor *got = want ? run_case(c, in, true, st) : NULL;
		double worst = 0;
		bool same_shape = want && got && tfc_tensor_num_elements(want) == tfc_tensor_num_elements(got);
		for (int64_t i = 0; same_shape && i < tfc_tensor_num_elements(want); i++) {
			double a = c->dtype == TFC_FLOAT ? ((float *)tfc_tensor_data(want))[i] : ((double *)tfc_tensor_data(want))[i];
			double b = c->dtype == TFC_FLOAT ? ((float *)tfc_tensor_data(got))[i] : ((double *)tfc_tensor_data(got))[i];
			double err = fabs(a - b) / (1 + fabs(a));
			if (err > worst || isnan(b))
				worst = isnan(b) ? INFINITY : err;
		}
		ok(same_shape && worst < (c->dtype == TFC_FLOAT ? 1e-4 : 1e-10),
		   "%s %s%s%s: GPU = CPU (worst relative error %g) %s", c->op, tfc_dtype_name(c->dtype),
		   c->attr ? " " : "", c->attr ? c->attr : "", worst, tfc_status_message(st));
		tfc_tensor_free(want);
		tfc_tensor_free(got);
		tfc_tensor_free(in[0]);
		tfc_tensor_free(in[1]);
	}
	tfc_status_free(st);
}

/* A traced training step of an MLP on the GPU: kernels recorded and tied to ops. */
static void test_traced_step(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, 2, (int64_t[]){64, 32}, st);
	tfc_shape ws = tfc_shape_make(2, (int64_t[]){32, 16});
	tfc_initializer gu = tfc_init_glorot_uniform(1);
	tfc_operation *w = tfc_get_variable(g, "w", &ws, TFC_FLOAT, &gu, st);
	tfc_op_desc *d = tfc_op_new(g, "MatMul", "dense/MatMul");
	tfc_op_add_input(d, (tfc_output){x, 0});
	tfc_op_add_input(d, tfc_variable_read(w));
	tfc_operation *h = tfc_op_finish(d, st);
	tfc_op_desc *rd = tfc_op_new(g, "Relu", "dense/Relu");
	tfc_op_add_input(rd, (tfc_output){h, 0});
	tfc_operation *r = tfc_op_finish(rd, st);
	tfc_op_desc *sd = tfc_op_new(g, "Square", "sq");
	tfc_op_add_input(sd, (tfc_output){r, 0});
	tfc_operation *sq = tfc_op_finish(sd, st);
	tfc_operation *ax = t_const_i(g, "axes", 0, st);
	tfc_op_desc *md = tfc_op_new(g, "Mean", "loss");
	tfc_op_add_input(md, (tfc_output){sq, 0});
	tfc_op_add_input(md, (tfc_output){ax, 0});
	tfc_operation *loss = tfc_op_finish(md, st);
	tfc_optimizer *opt = tfc_optimizer_gradient_descent_new(0.1f);
	tfc_operation *train = tfc_optimizer_minimize(opt, g, (tfc_output){loss, 0}, st);
	tfc_operation *init = tfc_global_variables_initializer(g, st);
	tfc_optimizer_free(opt);
	tfc_session *s = tfc_session_new(g, NULL, st);
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &init, 1, NULL, st);
	Tensorflow__RunOptions ro;
	tensorflow__run_options__init(&ro);
	ro.trace_level = TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__FULL_TRACE;
	uint8_t rb[32];
	size_t rl = tensorflow__run_options__pack(&ro, rb);
	int64_t dims[2] = {64, 32};
	tfc_tensor *xv = random_tensor(TFC_FLOAT, 2, dims, false);
	tfc_output feed = {x, 0};
	tfc_buffer_t *meta = NULL;
	tfc_session_run(s, rb, rl, &feed, &xv, 1, NULL, NULL, 0, &train, 1, &meta, st);
	is_int(tfc_status_code(st), TFC_OK, "a traced training step runs on the GPU: %s", tfc_status_message(st));
	Tensorflow__RunMetadata *rm = meta ? tensorflow__run_metadata__unpack(NULL, meta->length, meta->data) : NULL;
	int kernels = 0, of_ops = 0;
	for (size_t i = 0; rm && rm->step_stats && i < rm->step_stats->n_dev_stats; i++) {
		const Tensorflow__DeviceStepStats *ds = rm->step_stats->dev_stats[i];
		if (!strstr(ds->device, "/stream:all"))
			continue;
		for (size_t k = 0; k < ds->n_node_stats; k++) {
			kernels++;
			char name[256];
			snprintf(name, sizeof(name), "%s", ds->node_stats[k]->node_name);
			char *colon = strrchr(name, ':');
			if (colon)
				*colon = '\0';
			of_ops += colon && tfc_graph_operation_by_name(g, name) != NULL;
		}
	}
	ok(kernels > 0, "the step's kernels are recorded (%d)", kernels);
	is_int(of_ops, kernels, "every kernel belongs to an op of the graph");
	char path[] = "/tmp/tfc-gpu-step-XXXXXX.db";
	int fd = mkstemps(path, 3);
	close(fd);
	unlink(path);
	tfc_trace_db *db = tfc_trace_db_open(path, st);
	int64_t run = tfc_trace_db_begin_run(db, "mlp", NULL, 0, NULL, NULL, st);
	if (meta)
		tfc_trace_db_add_step(db, run, 0, meta->data, meta->length, st);
	tfc_trace_db_close(db, st);
	sqlite3 *q = NULL;
	sqlite3_stmt *stmt = NULL;
	int64_t rows = -1;
	sqlite3_open(path, &q);
	if (sqlite3_prepare_v2(q, "SELECT count(*) FROM gpu_kernel WHERE node_name IS NOT NULL", -1, &stmt, NULL) ==
		    SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
		rows = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(q);
	unlink(path);
	is_int(rows, kernels, "the kernel rows in the trace database name their ops");
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
	tfc_buffer_free(meta);
	tfc_tensor_free(xv);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

int main(void)
{
	plan_lazy();
	char why[256];
	if (tfc__gpu_count(why, sizeof(why)) == 0) {
		skip(N_CASES + 4, "no GPU (%s)", why);
		done_testing();
		return exit_status();
	}
	test_kernels();
	test_traced_step();
	done_testing();
	return exit_status();
}
