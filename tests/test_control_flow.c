/*
 * test_control_flow.c: v1 control flow in the executor (core/executor_cf.c): conds
 * (Switch/Merge, dead branches, value_index), while loops (frames, iterations, loop
 * invariants, parallel_iterations, nested loops, a loop in an untaken branch),
 * step stats of repeated executions, the errors of malformed loops, and the
 * fixtures whose answers are known (graph-while-loop -> 10, cond_test -> 34,
 * nested_loop, while_loop, loops_and_resource_vars, checked against TensorFlow).
 * Graphs are written as GraphDef text; each runs with 1, 2 and 4 inter-op threads.
 */
#include <math.h>

#include "test_util.h"

#include "config.pb-c.h"
#include "step_stats.pb-c.h"

#include "cf_graphs.h"

static tfc_graph *import_text(const struct gtext *t, tfc_status *st)
{
	tfc_graph *g = tfc_graph_new();
	if (t->full)
		diag("graph text too long for struct gtext: the test below fails");
	tfc_graph_import(g, t->buf, t->n, TFC_FORMAT_TEXT, NULL, NULL, st);
	if (tfc_status_code(st) != TFC_OK)
		diag("import: %s", tfc_status_message(st));
	return g;
}

static tfc_session *session(tfc_graph *g, int threads, tfc_status *st)
{
	tfc_session_options *o = tfc_session_options_new();
	char v[16];
	snprintf(v, sizeof(v), "%d", threads);
	tfc_session_options_set_config_value(o, "inter_op_parallelism_threads", v, st);
	tfc_session *s = tfc_session_new(g, o, st);
	tfc_session_options_free(o);
	return s;
}

/* Runs fetches (comma-separated names), feeding feeds[i] = vals[i]; fills out. */
static void run(tfc_session *s, tfc_graph *g, const char *fetch_list, int nf, const char *const *feeds,
		tfc_tensor *const *vals, tfc_tensor **out, tfc_status *st)
{
	tfc_output f[8], fd[8];
	int n = 0;
	char tmp[512];
	snprintf(tmp, sizeof(tmp), "%s", fetch_list);
	for (char *p = strtok(tmp, ","); p && n < 8; p = strtok(NULL, ","))
		f[n++] = tfc_graph_output_by_name(g, p);
	for (int i = 0; i < nf; i++)
		fd[i] = tfc_graph_output_by_name(g, feeds[i]);
	for (int i = 0; i < n; i++) {
		out[i] = NULL;
		if (!f[i].oper) {
			tfc_status_set(st, TFC_NOT_FOUND, "no tensor %d in %s", i, fetch_list);
			return;
		}
	}
	tfc_session_run(s, NULL, 0, fd, vals, nf, f, out, n, NULL, 0, NULL, st);
}

static int32_t iv(const tfc_tensor *t) { return t ? *(const int32_t *)tfc_tensor_data(t) : -999999; }

static const int threads[] = {1, 2, 4};

/* ---- conds */

static void test_cond(void)
{
	struct gtext t = {0};
	node(&t, "x", "Placeholder", "", "attr { key: \"dtype\" value { type: DT_INT32 } }");
	node(&t, "p", "Placeholder", "", "attr { key: \"dtype\" value { type: DT_BOOL } }");
	node(&t, "cond/Switch", "Switch", "x,p", T32);
	node(&t, "cond/switch_t", "Identity", "cond/Switch:1", T32);
	node(&t, "cond/switch_f", "Identity", "cond/Switch:0", T32);
	const_i32(&t, "cond/k17", 17, "^cond/switch_t");
	const_i32(&t, "cond/k23", 23, "^cond/switch_f");
	node(&t, "cond/mul", "Mul", "cond/switch_t,cond/k17", T32);
	node(&t, "cond/add", "Add", "cond/switch_f,cond/k23", T32);
	node(&t, "cond/Merge", "Merge", "cond/mul,cond/add", MERGE2);
	node(&t, "after", "Add", "cond/Merge,x", T32);
	tfc_status *st = tfc_status_new();
	tfc_graph *g = import_text(&t, st);
	for (size_t ti = 0; ti < 3; ti++) {
		tfc_session *s = session(g, threads[ti], st);
		for (int pv = 0; pv < 2; pv++) {
			tfc_tensor *vals[2] = {tfc_tensor_new_scalar_int32(2), tfc_tensor_new_scalar_bool(pv)};
			tfc_tensor *out[3];
			run(s, g, "cond/Merge:0,cond/Merge:1,after:0", 2, (const char *[]){"x:0", "p:0"}, vals,
			    out, st);
			int want = pv ? 34 : 25;
			ok(tfc_status_code(st) == TFC_OK && iv(out[0]) == want && iv(out[1]) == (pv ? 0 : 1) &&
				   iv(out[2]) == want + 2,
			   "cond (%d threads, pred %s): Merge = %d, value_index %d, after = %d", threads[ti],
			   pv ? "true" : "false", iv(out[0]), iv(out[1]), iv(out[2]));
			for (int i = 0; i < 3; i++)
				tfc_tensor_free(out[i]);
			/* The untaken branch is dead: fetching it is an error, as in TensorFlow. */
			run(s, g, pv ? "cond/add:0" : "cond/mul:0", 2, (const char *[]){"x:0", "p:0"}, vals, out, st);
			ok(tfc_status_code(st) == TFC_INVALID_ARGUMENT &&
				   strstr(tfc_status_message(st), "does not have value") && !out[0],
			   "fetching the untaken branch: InvalidArgument (%s)", tfc_status_message(st));
			tfc_tensor_free(out[0]);
			tfc_tensor_free(vals[0]);
			tfc_tensor_free(vals[1]);
		}
		tfc_session_free(s);
	}
	/* A predicate that is not a scalar: InvalidArgument naming the Switch. */
	tfc_session *s = session(g, 1, st);
	int64_t two[] = {2};
	tfc_tensor *pv = tfc_tensor_new(TFC_BOOL, two, 1, NULL);
	tfc_tensor *vals[2] = {tfc_tensor_new_scalar_int32(2), pv};
	tfc_tensor *out[1];
	run(s, g, "after:0", 2, (const char *[]){"x:0", "p:0"}, vals, out, st);
	ok(tfc_status_code(st) == TFC_INVALID_ARGUMENT && strstr(tfc_status_message(st), "cond/Switch") &&
		   strstr(tfc_status_message(st), "scalar"),
	   "a [2] predicate: %s", tfc_status_message(st));
	tfc_tensor_free(vals[0]);
	tfc_tensor_free(vals[1]);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* ---- while loops */

static void test_counting_loop(int n_iter, int parallel)
{
	struct gtext t = {0};
	const_i32(&t, "zero", 0, NULL);
	node(&t, "n", "Placeholder", "", "attr { key: \"dtype\" value { type: DT_INT32 } }");
	counting_loop(&t, "while", "zero", "zero", "n", parallel);
	node(&t, "result", "Add", "while/Exit,while/Exit_1", T32);
	tfc_status *st = tfc_status_new();
	tfc_graph *g = import_text(&t, st);
	for (size_t ti = 0; ti < 3; ti++) {
		tfc_session *s = session(g, threads[ti], st);
		bool good = true;
		int32_t got[3] = {0};
		for (int rep = 0; rep < 3 && good; rep++) {
			tfc_tensor *nv = tfc_tensor_new_scalar_int32(n_iter), *out[3];
			run(s, g, "while/Exit:0,while/Exit_1:0,result:0", 1, (const char *[]){"n:0"}, &nv, out, st);
			if (tfc_status_code(st) != TFC_OK)
				diag("%s", tfc_status_message(st));
			for (int i = 0; i < 3; i++) {
				got[i] = iv(out[i]);
				tfc_tensor_free(out[i]);
			}
			int32_t sum = (int32_t)((int64_t)n_iter * (n_iter - 1) / 2);
			good = tfc_status_code(st) == TFC_OK && got[0] == n_iter && got[1] == sum &&
			       got[2] == n_iter + sum;
			tfc_tensor_free(nv);
		}
		ok(good, "loop of %d iterations, parallel_iterations %d, %d threads: i = %d, sum = %d",
		   n_iter, parallel, threads[ti], got[0], got[1]);
		tfc_session_free(s);
	}
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* A loop inside a loop: the inner one runs to the outer counter each time. */
static void test_nested(void)
{
	struct gtext t = {0};
	const_i32(&t, "zero", 0, NULL);
	const_i32(&t, "four", 4, NULL);
	/* Outer loop "o": i from 0 to 4; its body runs inner loop "o/in" up to i and
	 * adds the inner sum to acc. */
	enter(&t, "o/Enter", "zero", "o/ctx", false, 10);
	enter(&t, "o/Enter_1", "zero", "o/ctx", false, 10);
	enter(&t, "o/Enter_n", "four", "o/ctx", true, 10);
	node(&t, "o/Merge", "Merge", "o/Enter,o/NextIteration", MERGE2);
	node(&t, "o/Merge_1", "Merge", "o/Enter_1,o/NextIteration_1", MERGE2);
	node(&t, "o/Less", "Less", "o/Merge,o/Enter_n", T32);
	node(&t, "o/LoopCond", "LoopCond", "o/Less", "");
	node(&t, "o/Switch", "Switch", "o/Merge,o/LoopCond", T32);
	node(&t, "o/Switch_1", "Switch", "o/Merge_1,o/LoopCond", T32);
	node(&t, "o/Identity", "Identity", "o/Switch:1", T32);
	node(&t, "o/Identity_1", "Identity", "o/Switch_1:1", T32);
	const_i32(&t, "o/zero", 0, "^o/Identity");
	counting_loop(&t, "o/in", "o/zero", "o/zero", "o/Identity", 10);
	const_i32(&t, "o/one", 1, "^o/Identity");
	node(&t, "o/add", "Add", "o/Identity,o/one", T32);
	node(&t, "o/add_1", "Add", "o/Identity_1,o/in/Exit_1", T32);
	node(&t, "o/NextIteration", "NextIteration", "o/add", T32);
	node(&t, "o/NextIteration_1", "NextIteration", "o/add_1", T32);
	node(&t, "o/Exit", "Exit", "o/Switch", T32);
	node(&t, "o/Exit_1", "Exit", "o/Switch_1", T32);
	tfc_status *st = tfc_status_new();
	tfc_graph *g = import_text(&t, st);
	/* sum over i < 4 of i(i-1)/2 = 0 + 0 + 1 + 3 = 4 */
	for (size_t ti = 0; ti < 3; ti++) {
		tfc_session *s = session(g, threads[ti], st);
		tfc_tensor *out[2];
		run(s, g, "o/Exit:0,o/Exit_1:0", 0, NULL, NULL, out, st);
		ok(tfc_status_code(st) == TFC_OK && iv(out[0]) == 4 && iv(out[1]) == 4,
		   "nested loops (%d threads): outer i = %d, sum of inner sums = %d", threads[ti], iv(out[0]),
		   iv(out[1]));
		tfc_tensor_free(out[0]);
		tfc_tensor_free(out[1]);
		/* A tensor inside the loop cannot be fetched. */
		run(s, g, "o/in/Exit:0", 0, NULL, NULL, out, st);
		ok(tfc_status_code(st) == TFC_INVALID_ARGUMENT && strstr(tfc_status_message(st), "o/in/Exit") &&
			   strstr(tfc_status_message(st), "o/ctx"),
		   "fetching inside a loop: %s", tfc_status_message(st));
		tfc_tensor_free(out[0]);
		tfc_session_free(s);
	}
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* A loop in the untaken branch of a cond: dead Enters make the whole loop dead, its
 * Exits reach the Merge dead when the frame is done, and the other branch wins. */
static void test_loop_in_dead_branch(void)
{
	struct gtext t = {0};
	node(&t, "x", "Placeholder", "", "attr { key: \"dtype\" value { type: DT_INT32 } }");
	node(&t, "p", "Placeholder", "", "attr { key: \"dtype\" value { type: DT_BOOL } }");
	node(&t, "c/Switch", "Switch", "x,p", T32);
	node(&t, "c/t", "Identity", "c/Switch:1", T32);
	node(&t, "c/f", "Identity", "c/Switch:0", T32);
	const_i32(&t, "c/zero", 0, "^c/t");
	counting_loop(&t, "c/w", "c/zero", "c/zero", "c/t", 10);
	const_i32(&t, "c/k", 100, "^c/f");
	node(&t, "c/neg", "Sub", "c/k,c/f", T32);
	node(&t, "c/Merge", "Merge", "c/w/Exit_1,c/neg", MERGE2);
	tfc_status *st = tfc_status_new();
	tfc_graph *g = import_text(&t, st);
	for (size_t ti = 0; ti < 3; ti++) {
		tfc_session *s = session(g, threads[ti], st);
		for (int pv = 0; pv < 2; pv++) {
			tfc_tensor *vals[2] = {tfc_tensor_new_scalar_int32(5), tfc_tensor_new_scalar_bool(pv)};
			tfc_tensor *out[2];
			run(s, g, "c/Merge:0,c/Merge:1", 2, (const char *[]){"x:0", "p:0"}, vals, out, st);
			int want = pv ? 10 : 95; /* sum 0..4 = 10; 100 - 5 = 95 */
			ok(tfc_status_code(st) == TFC_OK && iv(out[0]) == want && iv(out[1]) == (pv ? 0 : 1),
			   "loop in the %s branch (%d threads): Merge = %d (index %d)", pv ? "taken" : "untaken",
			   threads[ti], iv(out[0]), iv(out[1]));
			if (tfc_status_code(st) != TFC_OK)
				diag("%s", tfc_status_message(st));
			tfc_tensor_free(out[0]);
			tfc_tensor_free(out[1]);
			tfc_tensor_free(vals[0]);
			tfc_tensor_free(vals[1]);
		}
		tfc_session_free(s);
	}
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* Runs one fetch with RunOptions (trace level, partition graphs) and returns the
 * RunMetadata decoded (NULL on failure); *out gets the fetched value. */
static Tensorflow__RunMetadata *run_meta(tfc_session *s, tfc_graph *g, const char *fetch, int level,
					 bool partitions, tfc_tensor **out, tfc_status *st)
{
	Tensorflow__RunOptions ro;
	tensorflow__run_options__init(&ro);
	ro.trace_level = (Tensorflow__RunOptions__TraceLevel)level;
	ro.output_partition_graphs = partitions;
	uint8_t rob[64];
	size_t rol = tensorflow__run_options__pack(&ro, rob);
	tfc_output f = tfc_graph_output_by_name(g, fetch);
	tfc_buffer_t *md = NULL;
	*out = NULL;
	tfc_session_run(s, rob, rol, NULL, NULL, 0, &f, out, 1, NULL, 0, &md, st);
	Tensorflow__RunMetadata *m = md ? tensorflow__run_metadata__unpack(NULL, md->length, md->data) : NULL;
	tfc_buffer_free(md);
	return m;
}

/* Traced: a node of the loop body has one node stat per iteration. */
static void test_step_stats(void)
{
	struct gtext t = {0};
	const_i32(&t, "zero", 0, NULL);
	const_i32(&t, "n", 7, NULL);
	counting_loop(&t, "while", "zero", "zero", "n", 10);
	tfc_status *st = tfc_status_new();
	tfc_graph *g = import_text(&t, st);
	tfc_session *s = session(g, 2, st);
	tfc_tensor *out = NULL;
	Tensorflow__RunMetadata *m = run_meta(s, g, "while/Exit_1:0",
					      TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__FULL_TRACE, false, &out, st);
	int adds = 0, merges = 0, exits = 0, total = 0;
	bool ordered = true;
	if (m && m->step_stats) {
		for (size_t d = 0; d < m->step_stats->n_dev_stats; d++) {
			const Tensorflow__DeviceStepStats *ds = m->step_stats->dev_stats[d];
			for (size_t k = 0; k < ds->n_node_stats; k++) {
				const char *nm = ds->node_stats[k]->node_name;
				adds += !strcmp(nm, "while/add_1");
				merges += !strcmp(nm, "while/Merge");
				exits += !strcmp(nm, "while/Exit_1");
				total++;
				if (k && ds->node_stats[k]->all_start_micros < ds->node_stats[k - 1]->all_start_micros)
					ordered = false;
			}
		}
	}
	ok(iv(out) == 21 && adds == 7 && merges == 8 && exits == 1 && ordered,
	   "traced loop of 7: while/add_1 has %d node stats, while/Merge %d, while/Exit_1 %d (%d in all)",
	   adds, merges, exits, total);
	if (m)
		tensorflow__run_metadata__free_unpacked(m, NULL);
	tfc_tensor_free(out);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* The loop body over two CPU devices: acc + i runs on CPU:1, the rest on CPU:0, so
 * _Send/_Recv pairs carry values inside the loop, keyed by frame and iteration. */
static void test_two_devices(void)
{
	struct gtext t = {0};
	const_i32(&t, "zero", 0, NULL);
	const_i32(&t, "n", 50, NULL);
	counting_loop_on(&t, "while", "zero", "zero", "n", 10, "/device:CPU:1");
	tfc_status *st = tfc_status_new();
	tfc_graph *g = import_text(&t, st);
	for (size_t ti = 0; ti < 3; ti++) {
		tfc_session_options *o = tfc_session_options_new();
		char v[16];
		snprintf(v, sizeof(v), "%d", threads[ti]);
		tfc_session_options_set_config_value(o, "inter_op_parallelism_threads", v, st);
		tfc_session_options_set_config_value(o, "device_count.CPU", "2", st);
		tfc_session *s = tfc_session_new(g, o, st);
		tfc_session_options_free(o);
		tfc_tensor *out = NULL;
		Tensorflow__RunMetadata *m = run_meta(s, g, "while/Exit_1:0", 0, true, &out, st);
		int sends = 0, recvs = 0;
		for (size_t p = 0; m && p < m->n_partition_graphs; p++)
			for (size_t k = 0; k < m->partition_graphs[p]->n_node; k++) {
				sends += !strcmp(m->partition_graphs[p]->node[k]->op, "_Send");
				recvs += !strcmp(m->partition_graphs[p]->node[k]->op, "_Recv");
			}
		ok(tfc_status_code(st) == TFC_OK && iv(out) == 1225 && m && m->n_partition_graphs == 2 &&
			   sends >= 2 && sends == recvs,
		   "loop body over 2 devices (%d threads): sum = %d, %zu partitions, %d _Send / %d _Recv",
		   threads[ti], iv(out), m ? m->n_partition_graphs : 0, sends, recvs);
		if (tfc_status_code(st) != TFC_OK)
			diag("%s", tfc_status_message(st));
		if (m)
			tensorflow__run_metadata__free_unpacked(m, NULL);
		tfc_tensor_free(out);
		tfc_session_free(s);
	}
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* ---- malformed graphs */

static void expect_error(const char *what, const struct gtext *t, const char *fetch, tfc_code code,
			 const char *needle)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = import_text(t, st);
	tfc_session *s = session(g, 1, st);
	tfc_tensor *out[1] = {NULL};
	run(s, g, fetch, 0, NULL, NULL, out, st);
	ok(tfc_status_code(st) == code && strstr(tfc_status_message(st), needle) && !out[0], "%s: %s", what,
	   tfc_status_message(st));
	tfc_tensor_free(out[0]);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

static void test_errors(void)
{
	struct gtext t = {0};
	const_i32(&t, "a", 1, NULL);
	node(&t, "e", "Exit", "a", T32);
	expect_error("an Exit outside any loop", &t, "e:0", TFC_INVALID_ARGUMENT, "not inside a while loop");

	memset(&t, 0, sizeof(t));
	const_i32(&t, "a", 1, NULL);
	enter(&t, "w/Enter", "a", "w/ctx", false, 10);
	node(&t, "mix", "Add", "w/Enter,a", T32);
	node(&t, "w/Exit", "Exit", "mix", T32);
	expect_error("inputs from two frames", &t, "w/Exit:0", TFC_INVALID_ARGUMENT, "different frames");

	memset(&t, 0, sizeof(t));
	const_i32(&t, "a", 1, NULL);
	node(&t, "m", "Merge", "a,n2", MERGE2);
	node(&t, "n1", "Identity", "m", T32);
	node(&t, "n2", "Identity", "n1", T32);
	node(&t, "sw", "Switch", "m,b", T32);
	node(&t, "b", "Placeholder", "", "attr { key: \"dtype\" value { type: DT_BOOL } }");
	expect_error("a cycle not through NextIteration", &t, "n1:0", TFC_INVALID_ARGUMENT, "cycle");

}

/* ---- a training graph with loops: TensorFlow.NET's lstm_crf_ner.meta */

static tfc_tensor *ints(int rank, const int64_t *dims, const int32_t *v)
{
	tfc_tensor *t = tfc_tensor_new(TFC_INT32, dims, rank, NULL);
	memcpy(tfc_tensor_data(t), v, (size_t)tfc_tensor_num_elements(t) * sizeof(int32_t));
	return t;
}

/* A bi-LSTM over characters and words (dynamic_rnn while loops), a CRF loss and Adam:
 * its gradients run back through the loops with TensorArrays and stacks. Variables
 * start from fed values (tests/tf/gen_lstm_crf_ref.py's formula), so the losses
 * before and after two Adam steps must be TensorFlow's (tests/data). */
static void test_lstm_crf(void)
{
	const char *rel = "TensorFlow.NET/graph/lstm_crf_ner.meta";
	char ref_path[4096];
	snprintf(ref_path, sizeof(ref_path), "%s/tests/data/lstm_crf_ner_ref.txt",
		 getenv("top_srcdir") ? getenv("top_srcdir") : ".");
	FILE *rf = fopen(ref_path, "r");
	double want[3] = {0};
	bool have_ref = rf && fscanf(rf, "%lf %lf %lf", &want[0], &want[1], &want[2]) == 3;
	if (rf)
		fclose(rf);
	if (!fixture_exists(rel) || !have_ref) {
		skip(2, "no lstm_crf_ner fixture or reference file");
		return;
	}
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_buffer_t *mb = tfc_read_file(fixture(rel), st);
	if (mb)
		tfc_graph_import_meta_graph(g, mb->data, mb->length, TFC_FORMAT_BINARY, st);
	tfc_buffer_free(mb);
	/* Initializers: every variable's Assign; its value fed for the model's own. */
	tfc_operation *inits[64];
	tfc_output ifeeds[64];
	tfc_tensor *ivals[64];
	int ni = 0, nf = 0, v = 0;
	size_t pos = 0;
	tfc_operation *op;
	while ((op = tfc_graph_next_operation(g, &pos)) && ni < 64) {
		const char *nm = tfc_operation_name(op);
		size_t len = strlen(nm);
		if (strcmp(tfc_operation_type(op), "Assign") || len < 7 || strcmp(nm + len - 7, "/Assign") ||
		    !strncmp(nm, "train_step/Adam/", 16))
			continue;
		tfc_output var = tfc_operation_input(op, 0);
		if (strcmp(tfc_operation_type(var.oper), "VariableV2"))
			continue;
		inits[ni++] = op;
		int vnum = v++;
		if (!strncmp(nm, "train_step/", 11))
			continue;
		tfc_output init = tfc_operation_input(op, 1);
		tfc_shape sh = tfc_operation_output_shape(var.oper, 0);
		tfc_tensor *t = tfc_tensor_new(TFC_FLOAT, sh.dims, sh.rank, st);
		float *p = tfc_tensor_data(t);
		for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++)
			p[i] = (float)(0.1 * sin(0.37 * (double)i + 0.91 * vnum + 0.5));
		ifeeds[nf] = init;
		ivals[nf++] = t;
	}
	tfc_session *s = session(g, 2, st);
	tfc_session_run(s, NULL, 0, ifeeds, ivals, nf, NULL, NULL, 0, inits, ni, NULL, st);
	if (tfc_status_code(st) != TFC_OK)
		diag("init: %s", tfc_status_message(st));
	int64_t d2[] = {2, 5}, d1[] = {2}, d3[] = {2, 5, 4};
	tfc_tensor *vals[7] = {
		ints(2, d2, (const int32_t[]){1, 2, 3, 4, 5, 6, 7, 8, 0, 0}),
		ints(1, d1, (const int32_t[]){5, 3}),
		ints(3, d3, (const int32_t[]){1, 2, 3, 0, 4, 5, 0, 0, 6, 7, 8, 9, 1, 1, 0, 0, 2, 0, 0, 0,
					      3, 4, 0, 0, 5, 6, 7, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
		ints(2, d2, (const int32_t[]){3, 2, 4, 2, 1, 2, 3, 1, 0, 0}),
		ints(2, d2, (const int32_t[]){1, 2, 3, 4, 5, 6, 7, 8, 0, 0}),
		tfc_tensor_new_scalar_float(1.0f),
		tfc_tensor_new_scalar_float(0.01f),
	};
	static const char *const names[7] = {"word_ids:0", "sequence_lengths:0", "char_ids:0",
					     "word_lengths:0", "labels:0", "dropout:0", "lr:0"};
	tfc_output feeds[7];
	for (int i = 0; i < 7; i++)
		feeds[i] = tfc_graph_output_by_name(g, names[i]);
	tfc_output loss = tfc_graph_output_by_name(g, "Mean:0");
	tfc_operation *train = tfc_graph_operation_by_name(g, "train_step/Adam");
	double got[3] = {0};
	bool ran = tfc_status_code(st) == TFC_OK && loss.oper && train;
	for (int step = 0; step < 3 && ran; step++) {
		tfc_tensor *out = NULL;
		tfc_session_run(s, NULL, 0, feeds, vals, 7, &loss, &out, 1, NULL, 0, NULL, st);
		ran = tfc_status_code(st) == TFC_OK && out;
		got[step] = ran ? *(const float *)tfc_tensor_data(out) : 0;
		tfc_tensor_free(out);
		if (ran && step < 2) {
			tfc_session_run(s, NULL, 0, feeds, vals, 7, NULL, NULL, 0, &train, 1, NULL, st);
			ran = tfc_status_code(st) == TFC_OK;
		}
	}
	if (!ran)
		diag("%s", tfc_status_message(st));
	ok(ran, "lstm_crf_ner.meta: %d initializers, the loss and two Adam steps run (loops, "
		"TensorArrays, stacks in the gradients)", ni);
	bool close = ran;
	for (int i = 0; i < 3; i++)
		close = close && fabs(got[i] - want[i]) <= 1e-3 * fabs(want[i]) + 1e-4;
	ok(close, "lstm_crf_ner losses %.6f, %.6f, %.6f (TensorFlow: %.6f, %.6f, %.6f)", got[0], got[1],
	   got[2], want[0], want[1], want[2]);
	for (int i = 0; i < 7; i++)
		tfc_tensor_free(vals[i]);
	for (int i = 0; i < nf; i++)
		tfc_tensor_free(ivals[i]);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* ---- fixtures */

static void test_fixtures(void)
{
	if (!fixture_exists("tensorflow/tensorflow/compiler/mlir/tensorflow/tests/graphdef2mlir/graph-while-loop.pbtxt")) {
		skip(7, "no fixtures ($TFC_FIXTURES)");
		return;
	}
	tfc_status *st = tfc_status_new();
	for (size_t ti = 0; ti < 3; ti++) {
		tfc_graph *g = tfc_graph_load(
			fixture("tensorflow/tensorflow/compiler/mlir/tensorflow/tests/graphdef2mlir/graph-while-loop.pbtxt"), st);
		tfc_session *s = session(g, threads[ti], st);
		tfc_tensor *out[1];
		run(s, g, "while/Exit:0", 0, NULL, NULL, out, st);
		ok(tfc_status_code(st) == TFC_OK && iv(out[0]) == 10, "graph-while-loop (%d threads): Exit = %d",
		   threads[ti], iv(out[0]));
		tfc_tensor_free(out[0]);
		tfc_session_free(s);
		tfc_graph_free(g);
	}
	const char *gp = "tensorflow/tensorflow/core/grappler/costs/graph_properties_testdata/";
	char path[512];
	snprintf(path, sizeof(path), "%snested_loop.pbtxt", gp);
	tfc_graph *g = tfc_graph_load(fixture(path), st);
	tfc_session *s = session(g, 2, st);
	tfc_tensor *out[2];
	run(s, g, "while/Exit:0,while/Exit_1:0", 0, NULL, NULL, out, st);
	bool ones = out[1] && tfc_tensor_num_elements(out[1]) == 8 && tfc_tensor_shape(out[1]).rank == 3;
	for (int i = 0; ones && i < 8; i++)
		ones = ((const float *)tfc_tensor_data(out[1]))[i] == 1.0f;
	ok(tfc_status_code(st) == TFC_OK && iv(out[0]) == 3 && ones,
	   "nested_loop: Exit = %d, Exit_1 = ones [8,1,1]", iv(out[0]));
	tfc_tensor_free(out[0]);
	tfc_tensor_free(out[1]);
	tfc_session_free(s);
	tfc_graph_free(g);

	snprintf(path, sizeof(path), "%swhile_loop.pbtxt", gp);
	g = tfc_graph_load(fixture(path), st);
	s = session(g, 2, st);
	int64_t dims[] = {1, 2};
	tfc_tensor *ones_in = tfc_tensor_new(TFC_FLOAT, dims, 2, NULL);
	((float *)tfc_tensor_data(ones_in))[0] = 1;
	((float *)tfc_tensor_data(ones_in))[1] = 2;
	run(s, g, "while/Exit:0,while/Exit_1:0", 1, (const char *[]){"ones:0"}, &ones_in, out, st);
	tfc_shape sh = out[1] ? tfc_tensor_shape(out[1]) : tfc_shape_unknown();
	bool rows = out[1] && sh.rank == 2 && sh.dims[0] == 1024 && sh.dims[1] == 2 &&
		    ((const float *)tfc_tensor_data(out[1]))[2047] == 2.0f;
	ok(tfc_status_code(st) == TFC_OK && iv(out[0]) == 10 && rows,
	   "while_loop: Exit = %d, Exit_1 = the fed row doubled 10 times (1024 x 2)", iv(out[0]));
	tfc_tensor_free(out[0]);
	tfc_tensor_free(out[1]);
	tfc_tensor_free(ones_in);
	tfc_session_free(s);
	tfc_graph_free(g);

	/* Values from TensorFlow 2.x (tf.compat.v1 session) on this graph: [3, 8]. */
	snprintf(path, sizeof(path), "%sloops_and_resource_vars.pbtxt", gp);
	g = tfc_graph_load(fixture(path), st);
	s = session(g, 2, st);
	tfc_operation *init = tfc_graph_operation_by_name(g, "loop_var/Assign");
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &init, 1, NULL, st);
	run(s, g, "while/Exit:0,while/Exit_1:0", 0, NULL, NULL, out, st);
	ok(tfc_status_code(st) == TFC_OK && iv(out[0]) == 3 && iv(out[1]) == 8,
	   "loops_and_resource_vars: nested loops reading a resource variable = [%d, %d] (TensorFlow: [3, 8])",
	   iv(out[0]), iv(out[1]));
	tfc_tensor_free(out[0]);
	tfc_tensor_free(out[1]);
	tfc_session_free(s);
	tfc_graph_free(g);

	g = tfc_graph_new();
	tfc_buffer_t *mb = tfc_read_file(fixture("TensorFlow.NET/graph/cond_test.meta"), st);
	if (mb)
		tfc_graph_import_meta_graph(g, mb->data, mb->length, TFC_FORMAT_BINARY, st);
	tfc_buffer_free(mb);
	s = session(g, 1, st);
	run(s, g, "cond/Merge:0,cond/Merge:1", 0, NULL, NULL, out, st);
	ok(tfc_status_code(st) == TFC_OK && iv(out[0]) == 34 && iv(out[1]) == 1,
	   "cond_test.meta: cond(x < y, x*17, y+23) = %d, value_index %d", iv(out[0]), iv(out[1]));
	tfc_tensor_free(out[0]);
	tfc_tensor_free(out[1]);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

int main(void)
{
	plan(53);
	test_cond();
	test_counting_loop(10, 10);
	test_counting_loop(1000, 10);
	test_counting_loop(300, 1);
	test_counting_loop(0, 10);
	test_nested();
	test_loop_in_dead_branch();
	test_step_stats();
	test_two_devices();
	test_errors();
	test_fixtures();
	test_lstm_crf();
	return exit_status();
}
