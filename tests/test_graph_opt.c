/*
 * test_graph_opt.c: the optimizations an executable's private graph gets
 * (core/graph_opt.c): constant folding into "<node>/_N__cf__M" Consts, CSE, dead
 * nodes removed, all seen in the partition graphs and step stats; L0 turns them off,
 * the do_* flags turn one on at L0, the size cap; stateful and random ops, nodes
 * with control inputs and fed tensors are never folded; fetched values are
 * unchanged. Then every fixture that runs: each fetchable output computed at L0 and
 * at L1 must be bitwise the same.
 */
#include "config.pb-c.h"
#include "tfc_ops.h"
#include "test_util.h"

static tfc_session *session(tfc_graph *g, const char *level, const char *extra_key, const char *extra_val,
			    tfc_status *st)
{
	tfc_session_options *o = tfc_session_options_new();
	tfc_session_options_set_config_value(o, "inter_op_parallelism_threads", "1", st);
	tfc_session_options_set_config_value(o, "intra_op_parallelism_threads", "1", st);
	tfc_session_options_set_config_value(o, "allow_soft_placement", "true", st);
	if (level)
		tfc_session_options_set_config_value(o, "graph_options.optimizer_options.opt_level", level, st);
	if (extra_key)
		tfc_session_options_set_config_value(o, extra_key, extra_val, st);
	tfc_session *s = tfc_session_new(g, o, st);
	tfc_session_options_free(o);
	return s;
}

/* Runs with partition graphs and a full trace; out[0] gets fetch's value (caller
 * frees). Returns the one partition graph's RunMetadata (caller frees). */
static Tensorflow__RunMetadata *run(tfc_session *s, tfc_output fetch, const tfc_output *feed,
				    tfc_tensor *fv, tfc_tensor **out, tfc_status *st)
{
	Tensorflow__RunOptions ro;
	tensorflow__run_options__init(&ro);
	ro.output_partition_graphs = true;
	ro.trace_level = TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__FULL_TRACE;
	uint8_t rb[64];
	size_t rl = protobuf_c_message_get_packed_size(&ro.base);
	protobuf_c_message_pack(&ro.base, rb);
	tfc_buffer_t *md = NULL;
	*out = NULL;
	tfc_session_run(s, rb, rl, feed, feed ? &fv : NULL, feed ? 1 : 0, &fetch, out, 1, NULL, 0, &md, st);
	Tensorflow__RunMetadata *rm = md ? tensorflow__run_metadata__unpack(NULL, md->length, md->data) : NULL;
	tfc_buffer_free(md);
	return rm;
}

static int count_prefix(const Tensorflow__RunMetadata *rm, const char *what, bool by_op)
{
	int n = 0;
	for (size_t p = 0; rm && p < rm->n_partition_graphs; p++)
		for (size_t i = 0; i < rm->partition_graphs[p]->n_node; i++) {
			const Tensorflow__NodeDef *nd = rm->partition_graphs[p]->node[i];
			n += by_op ? !strcmp(nd->op, what) : strstr(nd->name, what) != NULL;
		}
	return n;
}

static bool has_node(const Tensorflow__RunMetadata *rm, const char *name)
{
	for (size_t p = 0; rm && p < rm->n_partition_graphs; p++)
		for (size_t i = 0; i < rm->partition_graphs[p]->n_node; i++)
			if (!strcmp(rm->partition_graphs[p]->node[i]->name, name))
				return true;
	return false;
}

static int node_stats(const Tensorflow__RunMetadata *rm)
{
	int n = 0;
	for (size_t d = 0; rm && rm->step_stats && d < rm->step_stats->n_dev_stats; d++)
		n += (int)rm->step_stats->dev_stats[d]->n_node_stats;
	return n;
}

static float f0(const tfc_tensor *t) { return t ? *(const float *)tfc_tensor_data(t) : -999; }

static void free_md(Tensorflow__RunMetadata *rm)
{
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
}

static void test_folding(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *c1 = t_const_f(g, "c1", 2, st), *c2 = t_const_f(g, "c2", 3, st);
	tfc_operation *m = tfc_mul(g, "m", (tfc_output){c1, 0}, (tfc_output){c2, 0}, st);
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, 0, NULL, st);
	tfc_operation *y = tfc_add(g, "y", (tfc_output){x, 0}, (tfc_output){m, 0}, st);
	tfc_tensor *one = tfc_tensor_new_scalar_float(1), *out = NULL;
	tfc_output fx = {x, 0};

	tfc_session *s = session(g, NULL, NULL, NULL, st);
	Tensorflow__RunMetadata *rm = run(s, (tfc_output){y, 0}, &fx, one, &out, st);
	ok(tfc_status_code(st) == TFC_OK && f0(out) == 7, "L1: y = 1 + 2 * 3 = %g", f0(out));
	tfc_tensor_free(out);
	is_int(count_prefix(rm, "m/_", false), 1, "the Mul became one folded Const named m/_N__cf__M");
	is_int(count_prefix(rm, "__cf__", false), 1, "and only it");
	ok(!has_node(rm, "m") && !has_node(rm, "c1") && !has_node(rm, "c2"), "m, c1 and c2 are gone (dead)");
	ok(has_node(rm, "y"), "y stays (it reads a placeholder)");
	is_int(node_stats(rm), 2, "two nodes ran: the folded Const and y");
	free_md(rm);
	/* Fetching the folded node itself: the same value, from its replacement. */
	rm = run(s, (tfc_output){m, 0}, NULL, NULL, &out, st);
	ok(tfc_status_code(st) == TFC_OK && f0(out) == 6, "fetching m (folded) returns 6: %g", f0(out));
	tfc_tensor_free(out);
	is_int(count_prefix(rm, "__cf__", false) + count_prefix(rm, "Mul", true), 1,
	       "one node answers it, the Mul folded away");
	free_md(rm);
	/* A fed m is not folded into anything: the feed answers. */
	tfc_tensor *ten = tfc_tensor_new_scalar_float(10);
	tfc_output fm = {m, 0};
	tfc_output fy = {y, 0};
	tfc_output feeds[] = {fx, fm};
	tfc_tensor *fvals[] = {one, ten};
	tfc_session_run(s, NULL, 0, feeds, fvals, 2, &fy, &out, 1, NULL, 0, NULL, st);
	ok(tfc_status_code(st) == TFC_OK && f0(out) == 11, "feeding m = 10 wins over folding: %g", f0(out));
	tfc_tensor_free(out);
	tfc_tensor_free(ten);
	tfc_session_free(s);

	s = session(g, "L0", NULL, NULL, st);
	rm = run(s, (tfc_output){y, 0}, &fx, one, &out, st);
	ok(tfc_status_code(st) == TFC_OK && f0(out) == 7, "L0: y = 7 too");
	tfc_tensor_free(out);
	is_int(count_prefix(rm, "__cf__", false), 0, "L0 folds nothing");
	ok(has_node(rm, "m") && has_node(rm, "c1") && has_node(rm, "c2"), "m, c1, c2 run");
	is_int(node_stats(rm), 4, "four nodes ran");
	free_md(rm);
	tfc_session_free(s);

	/* L0 with do_constant_folding: folding alone. */
	s = session(g, "L0", "graph_options.optimizer_options.do_constant_folding", "true", st);
	rm = run(s, (tfc_output){y, 0}, &fx, one, &out, st);
	ok(f0(out) == 7 && count_prefix(rm, "__cf__", false) == 1, "L0 + do_constant_folding folds");
	tfc_tensor_free(out);
	free_md(rm);
	tfc_session_free(s);

	/* The size cap: a 1000-float Fill over an 8-byte cap is not folded. */
	int64_t dn[] = {1};
	tfc_tensor *dims = tfc_tensor_new(TFC_INT32, dn, 1, st);
	*(int32_t *)tfc_tensor_data(dims) = 1000;
	tfc_operation *dc = tfc_const(g, "dims", dims, TFC_INT32, st);
	tfc_operation *fill = tfc_fill(g, "fill", (tfc_output){dc, 0}, (tfc_output){c1, 0}, st);
	tfc_operation *fy2 = tfc_add(g, "fy", (tfc_output){fill, 0}, (tfc_output){x, 0}, st);
	s = session(g, NULL, "graph_options.optimizer_options.max_folded_constant_in_bytes", "8", st);
	rm = run(s, (tfc_output){fy2, 0}, &fx, one, &out, st);
	ok(tfc_status_code(st) == TFC_OK && f0(out) == 3, "fill + x = 3");
	tfc_tensor_free(out);
	ok(has_node(rm, "fill") && count_prefix(rm, "fill/_", false) == 0,
	   "max_folded_constant_in_bytes = 8 keeps the 4000-byte Fill");
	free_md(rm);
	tfc_session_free(s);
	s = session(g, NULL, NULL, NULL, st);
	rm = run(s, (tfc_output){fy2, 0}, &fx, one, &out, st);
	ok(!has_node(rm, "fill") && count_prefix(rm, "fill/_", false) == 1, "under the default cap it is folded");
	tfc_tensor_free(out);
	free_md(rm);
	tfc_session_free(s);
	tfc_tensor_free(dims);
	tfc_tensor_free(one);
	tfc_graph_free(g);
	tfc_status_free(st);
}

static void test_never_folded(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	int64_t dn[] = {1};
	tfc_tensor *shape = tfc_tensor_new(TFC_INT32, dn, 1, st);
	*(int32_t *)tfc_tensor_data(shape) = 4;
	tfc_operation *sh = tfc_const(g, "shape", shape, TFC_INT32, st);
	tfc_operation *r1 = tfc_random_uniform(g, "r1", (tfc_output){sh, 0}, TFC_FLOAT, st);
	tfc_operation *r2 = tfc_random_uniform(g, "r2", (tfc_output){sh, 0}, TFC_FLOAT, st);
	tfc_operation *sum = tfc_add(g, "sum", (tfc_output){r1, 0}, (tfc_output){r2, 0}, st);
	/* A Const with a control input, and what reads it. */
	tfc_operation *gate = tfc_no_op(g, "gate", st);
	tfc_tensor *two = tfc_tensor_new_scalar_float(2);
	tfc_op_desc *d = tfc_op_new(g, "Const", "gated");
	tfc_op_set_attr_tensor(d, "value", two, st);
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_op_add_control_input(d, gate);
	tfc_operation *gated = tfc_op_finish(d, st);
	tfc_operation *sq = tfc_square(g, "sq", (tfc_output){gated, 0}, st);
	tfc_tensor_free(two);
	tfc_tensor_free(shape);

	tfc_session *s = session(g, NULL, NULL, NULL, st);
	tfc_tensor *a = NULL, *b = NULL;
	Tensorflow__RunMetadata *rm = run(s, (tfc_output){sum, 0}, NULL, NULL, &a, st);
	free_md(run(s, (tfc_output){sum, 0}, NULL, NULL, &b, st));
	ok(a && b && memcmp(tfc_tensor_data(a), tfc_tensor_data(b), 16) != 0,
	   "random ops are not folded: two runs differ");
	ok(has_node(rm, "r1") && has_node(rm, "r2"), "and two identical RandomUniforms are not merged");
	ok(has_node(rm, "sum") && count_prefix(rm, "__cf__", false) == 0, "nothing downstream is folded");
	tfc_tensor_free(a);
	tfc_tensor_free(b);
	free_md(rm);
	rm = run(s, (tfc_output){sq, 0}, NULL, NULL, &a, st);
	ok(f0(a) == 4 && has_node(rm, "gated") && has_node(rm, "gate"),
	   "a Const with a control input is not folded (and its gate runs)");
	tfc_tensor_free(a);
	free_md(rm);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

static void test_cse(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, 0, NULL, st);
	tfc_operation *n1 = tfc_neg(g, "n1", (tfc_output){x, 0}, st);
	tfc_operation *n2 = tfc_neg(g, "n2", (tfc_output){x, 0}, st);
	tfc_operation *s1 = tfc_square(g, "s1", (tfc_output){n1, 0}, st);
	tfc_operation *s2 = tfc_square(g, "s2", (tfc_output){n2, 0}, st);
	tfc_operation *z = tfc_add(g, "z", (tfc_output){s1, 0}, (tfc_output){s2, 0}, st);
	tfc_operation *c1 = t_const_f(g, "k1", 5, st), *c2 = t_const_f(g, "k2", 5, st);
	tfc_operation *w = tfc_mul(g, "w", (tfc_output){c1, 0}, (tfc_output){x, 0}, st);
	tfc_operation *w2 = tfc_mul(g, "w2", (tfc_output){c2, 0}, (tfc_output){x, 0}, st);
	tfc_operation *zw = tfc_add(g, "zw", (tfc_output){w, 0}, (tfc_output){w2, 0}, st);
	tfc_tensor *three = tfc_tensor_new_scalar_float(3), *out = NULL;
	tfc_output fx = {x, 0};
	tfc_session *s = session(g, NULL, NULL, NULL, st);
	Tensorflow__RunMetadata *rm = run(s, (tfc_output){z, 0}, &fx, three, &out, st);
	ok(f0(out) == 18, "z = (-3)^2 + (-3)^2 = 18 with CSE: %g", f0(out));
	tfc_tensor_free(out);
	is_int(count_prefix(rm, "Neg", true), 1, "the two Negs merged into one");
	is_int(count_prefix(rm, "Square", true), 1, "then the two Squares (their inputs became one)");
	ok(has_node(rm, "n1") && has_node(rm, "s1") && !has_node(rm, "n2"), "the first of each is kept");
	free_md(rm);
	rm = run(s, (tfc_output){zw, 0}, &fx, three, &out, st);
	ok(f0(out) == 30, "zw = 5x + 5x = 30: %g", f0(out));
	tfc_tensor_free(out);
	is_int(count_prefix(rm, "Const", true), 1, "equal Consts merged");
	is_int(count_prefix(rm, "Mul", true), 1, "and the Muls reading them");
	free_md(rm);
	/* Fetch the merged-away node: the kept one answers with the same value. */
	rm = run(s, (tfc_output){s2, 0}, &fx, three, &out, st);
	ok(f0(out) == 9, "fetching s2 alone: 9");
	tfc_tensor_free(out);
	free_md(rm);
	tfc_output both[] = {{s1, 0}, {s2, 0}};
	tfc_tensor *outs[2] = {NULL, NULL};
	tfc_session_run(s, NULL, 0, &fx, &three, 1, both, outs, 2, NULL, 0, NULL, st);
	ok(f0(outs[0]) == 9 && f0(outs[1]) == 9, "fetching s1 and s2 together: 9, 9");
	tfc_tensor_free(outs[0]);
	tfc_tensor_free(outs[1]);
	tfc_session_free(s);

	s = session(g, "L0", NULL, NULL, st);
	rm = run(s, (tfc_output){z, 0}, &fx, three, &out, st);
	ok(f0(out) == 18 && count_prefix(rm, "Neg", true) == 2 && count_prefix(rm, "Square", true) == 2,
	   "L0: both Negs and both Squares run");
	tfc_tensor_free(out);
	free_md(rm);
	tfc_session_free(s);
	s = session(g, "L0", "graph_options.optimizer_options.do_common_subexpression_elimination", "true", st);
	rm = run(s, (tfc_output){z, 0}, &fx, three, &out, st);
	ok(f0(out) == 18 && count_prefix(rm, "Neg", true) == 1, "L0 + do_common_subexpression_elimination merges");
	tfc_tensor_free(out);
	free_md(rm);
	tfc_session_free(s);
	tfc_tensor_free(three);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* ---- every fixture that runs: L0 against L1 */

static const char *const fixture_paths[] = {
	"tensorflow/tensorflow/cc/saved_model/testdata/half_plus_two/00000123",
	"tensorflow/tensorflow/cc/saved_model/testdata/half_plus_two_pbtxt/00000123",
	"serving/tensorflow_serving/servables/tensorflow/testdata/saved_model_half_plus_two_cpu/00000123",
	"serving/tensorflow_serving/batching/testdata/matrix_half_plus_two/1",
	"serving/tensorflow_serving/servables/tensorflow/testdata/saved_model_counter/00000123",
	"rust/test_resources/regression-model",
	"rust/examples/addition/model.pb",
	"rust/tensorflow-sys/examples/assets/multiplication.pb",
	"rust/examples/regression/model.pb",
	"tensorflow-onnx/tests/models/regression/graphdef/frozen.pb",
	"tensorflow/tensorflow/compiler/aot/test_graph_tfadd.pbtxt",
	"TensorFlow.NET/graph/cond_test.meta",
	"tensorflow/tensorflow/compiler/mlir/tensorflow/tests/graphdef2mlir/graph-while-loop.pbtxt",
	"tensorflow/tensorflow/core/grappler/costs/graph_properties_testdata/while_loop.pbtxt",
	"tensorflow/tensorflow/core/grappler/costs/graph_properties_testdata/nested_loop.pbtxt",
	"tensorflow/tensorflow/core/grappler/costs/graph_properties_testdata/loops_and_resource_vars.pbtxt",
	"TensorFlow.NET/graph/xor.meta",
	"tensorflow/tensorflow/python/framework/testdata/metrics_export_meta_graph.pb",
	"tensorboard/tensorboard/plugins/graph/tf_graph/demo/data/graph.pbtxt",
	"TensorFlow.NET/graph/InceptionV3.meta",
	"TensorFlow.NET/graph/lstm_crf_ner.meta",
	"tensorflow/tensorflow/compiler/jit/tests/keras_imagenet_main_graph_mode.pbtxt",
	"tensorflow/tensorflow/compiler/tests/lstm_layer_inference.pbtxt",
	"tensorflow-onnx/tests/models/lstm/frozen.pb",
};

#define MAX_FETCHES 60

struct fixture_run {
	tfc_graph *g;
	tfc_session *s;
};

static bool open_run(const char *path, bool saved_model, const char *level, struct fixture_run *r,
		     tfc_status *st)
{
	tfc_session_options *o = tfc_session_options_new();
	tfc_session_options_set_config_value(o, "inter_op_parallelism_threads", "1", st);
	tfc_session_options_set_config_value(o, "intra_op_parallelism_threads", "1", st);
	tfc_session_options_set_config_value(o, "allow_soft_placement", "true", st);
	tfc_session_options_set_config_value(o, "graph_options.optimizer_options.opt_level", level, st);
	r->g = NULL;
	r->s = NULL;
	if (saved_model) {
		r->s = tfc_saved_model_load(path, NULL, o, &r->g, st);
	} else {
		r->g = tfc_graph_load_model(path, NULL, NULL, st);
		if (r->g)
			r->s = tfc_session_new(r->g, o, st);
	}
	tfc_session_options_free(o);
	if (!r->s) {
		tfc_graph_free(r->g);
		r->g = NULL;
		return false;
	}
	/* An init op, where there is one, runs first (its failure is fine). */
	tfc_operation *init = tfc_graph_operation_by_name(r->g, "init");
	if (init && !saved_model) {
		tfc_status *ist = tfc_status_new();
		tfc_session_run(r->s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &init, 1, NULL, ist);
		tfc_status_free(ist);
	}
	return true;
}

static void close_run(struct fixture_run *r)
{
	tfc_session_free(r->s);
	tfc_graph_free(r->g);
}

/* A value for placeholder op: its shape with unknown dimensions 2, a deterministic
 * pattern; NULL for dtypes not fed here. */
static tfc_tensor *feed_value(tfc_operation *op)
{
	tfc_dtype dt = tfc_operation_output_type(op, 0);
	tfc_shape sh = tfc_operation_output_shape(op, 0);
	int64_t dims[8];
	int rank = sh.rank < 0 ? 1 : sh.rank;
	if (rank > 8)
		return NULL;
	for (int i = 0; i < rank; i++)
		dims[i] = sh.rank < 0 || sh.dims[i] < 0 ? 2 : sh.dims[i];
	if (dt != TFC_FLOAT && dt != TFC_DOUBLE && dt != TFC_INT32 && dt != TFC_INT64 && dt != TFC_BOOL)
		return NULL;
	tfc_tensor *t = tfc_tensor_new(dt, dims, rank, NULL);
	if (!t)
		return NULL;
	int64_t n = tfc_tensor_num_elements(t);
	if (n > (1 << 22)) {
		tfc_tensor_free(t);
		return NULL;
	}
	void *p = tfc_tensor_data(t);
	for (int64_t i = 0; i < n; i++) {
		double v = (double)(i % 7 + 1) * 0.25;
		switch (dt) {
		case TFC_FLOAT: ((float *)p)[i] = (float)v; break;
		case TFC_DOUBLE: ((double *)p)[i] = v; break;
		case TFC_INT32: ((int32_t *)p)[i] = (int32_t)(i % 5 + 1); break;
		case TFC_INT64: ((int64_t *)p)[i] = i % 5 + 1; break;
		default: ((bool *)p)[i] = i % 2; break;
		}
	}
	return t;
}

static bool same_tensor(const tfc_tensor *a, const tfc_tensor *b)
{
	if (!a || !b || tfc_tensor_dtype(a) != tfc_tensor_dtype(b))
		return false;
	tfc_shape x = tfc_tensor_shape(a), y = tfc_tensor_shape(b);
	if (x.rank != y.rank)
		return false;
	for (int i = 0; i < x.rank; i++)
		if (x.dims[i] != y.dims[i])
			return false;
	if (tfc_tensor_dtype(a) == TFC_STRING || tfc_tensor_dtype(a) == TFC_RESOURCE ||
	    tfc_tensor_dtype(a) == TFC_VARIANT)
		return true;
	return tfc_tensor_byte_size(a) == tfc_tensor_byte_size(b) &&
	       !memcmp(tfc_tensor_data(a), tfc_tensor_data(b), tfc_tensor_byte_size(a));
}

/* Fetches name in r with the feeds; NULL on failure. */
static tfc_tensor *fetch(struct fixture_run *r, const char *name, int n_feeds, char **feed_names,
			 tfc_tensor **feed_vals)
{
	tfc_status *st = tfc_status_new();
	tfc_output *feeds = calloc((size_t)n_feeds + 1, sizeof(*feeds));
	tfc_tensor **vals = calloc((size_t)n_feeds + 1, sizeof(*vals));
	int n = 0;
	for (int i = 0; i < n_feeds; i++) {
		tfc_output o = tfc_graph_output_by_name(r->g, feed_names[i]);
		if (o.oper) {
			feeds[n] = o;
			vals[n++] = feed_vals[i];
		}
	}
	tfc_output f = tfc_graph_output_by_name(r->g, name);
	tfc_tensor *out = NULL;
	if (f.oper)
		tfc_session_run(r->s, NULL, 0, feeds, vals, n, &f, &out, 1, NULL, 0, NULL, st);
	free(feeds);
	free(vals);
	tfc_status_free(st);
	return out;
}

static bool is_dir(const char *path)
{
	char buf[8300];
	snprintf(buf, sizeof(buf), "%s/saved_model.pb", path);
	FILE *f = fopen(buf, "rb");
	if (!f) {
		snprintf(buf, sizeof(buf), "%s/saved_model.pbtxt", path);
		f = fopen(buf, "rb");
	}
	if (f)
		fclose(f);
	return f != NULL;
}

static void test_fixtures_l0_l1(void)
{
	const char *dir = tap_fixtures_dir();
	char index[8192];
	snprintf(index, sizeof(index), "%s/INDEX.md", dir ? dir : "");
	FILE *probe = dir ? fopen(index, "r") : NULL;
	if (!probe) {
		skip(1, "fixtures not found (TFC_FIXTURES)");
		return;
	}
	fclose(probe);
	int compared_total = 0, fixtures_run = 0;
	for (size_t fi = 0; fi < sizeof(fixture_paths) / sizeof(fixture_paths[0]); fi++) {
		char path[8192];
		snprintf(path, sizeof(path), "%s/%s", dir, fixture_paths[fi]);
		bool sm = is_dir(path);
		tfc_status *st = tfc_status_new();
		struct fixture_run a, a2, b;
		if (!open_run(path, sm, "L0", &a, st)) {
			diag("%s: does not load here (%s)", fixture_paths[fi], tfc_status_message(st));
			tfc_status_free(st);
			continue;
		}
		if (!open_run(path, sm, "L0", &a2, st) || !open_run(path, sm, "L1", &b, st)) {
			ok(0, "%s loads once, then not: %s", fixture_paths[fi], tfc_status_message(st));
			abort();
		}
		/* Feeds: every placeholder of a dtype fed here. */
		int n_feeds = 0;
		char *feed_names[64];
		tfc_tensor *feed_vals[64];
		char *fetch_names[MAX_FETCHES];
		int n_fetch = 0;
		size_t pos = 0;
		tfc_operation *op;
		while ((op = tfc_graph_next_operation(a.g, &pos))) {
			const char *t = tfc_operation_type(op);
			if ((!strcmp(t, "Placeholder") || !strcmp(t, "PlaceholderV2")) && n_feeds < 64) {
				tfc_tensor *v = feed_value(op);
				if (v) {
					feed_names[n_feeds] = strdup(tfc_operation_name(op));
					feed_vals[n_feeds++] = v;
				}
			}
		}
		/* Fetches: the outputs nothing reads (up to half the budget), then other
		 * outputs spread evenly over the graph. */
		size_t n_ops = tfc_graph_num_operations(a.g);
		size_t stride = n_ops / (MAX_FETCHES / 2) + 1;
		for (int pass = 0; pass < 2; pass++) {
			pos = 0;
			size_t k = 0;
			while ((op = tfc_graph_next_operation(a.g, &pos)) && n_fetch < (pass ? MAX_FETCHES : MAX_FETCHES / 2)) {
				int no = tfc_operation_num_outputs(op);
				if (no == 0 || !tfc_operation_is_known(op))
					continue;
				bool leaf = true;
				for (int o = 0; o < no && leaf; o++)
					leaf = tfc_operation_output_num_consumers(op, o) == 0;
				tfc_dtype dt = tfc_operation_output_type(op, 0);
				if (leaf != (pass == 0) || tfc_dtype_is_ref(dt) || dt == TFC_RESOURCE || dt == TFC_VARIANT)
					continue;
				if (pass == 1 && k++ % stride != 0)
					continue;
				char buf[512];
				snprintf(buf, sizeof(buf), "%s:0", tfc_operation_name(op));
				fetch_names[n_fetch++] = strdup(buf);
			}
		}
		int compared = 0, differ = 0;
		for (int i = 0; i < n_fetch; i++) {
			tfc_tensor *va = fetch(&a, fetch_names[i], n_feeds, feed_names, feed_vals);
			tfc_tensor *va2 = va ? fetch(&a2, fetch_names[i], n_feeds, feed_names, feed_vals) : NULL;
			tfc_tensor *vb = va2 && same_tensor(va, va2) ? fetch(&b, fetch_names[i], n_feeds, feed_names,
									    feed_vals)
								     : NULL;
			if (va2 && same_tensor(va, va2)) {
				compared++;
				if (!same_tensor(va, vb)) {
					differ++;
					diag("%s: %s differs at L1", fixture_paths[fi], fetch_names[i]);
				}
			}
			tfc_tensor_free(va);
			tfc_tensor_free(va2);
			tfc_tensor_free(vb);
			free(fetch_names[i]);
		}
		if (compared > 0) {
			fixtures_run++;
			ok(differ == 0, "%s: %d fetched values the same at L0 and L1", fixture_paths[fi], compared);
		} else {
			diag("%s: nothing fetchable runs here", fixture_paths[fi]);
		}
		compared_total += compared;
		for (int i = 0; i < n_feeds; i++) {
			free(feed_names[i]);
			tfc_tensor_free(feed_vals[i]);
		}
		close_run(&a);
		close_run(&a2);
		close_run(&b);
		tfc_status_free(st);
	}
	ok(fixtures_run >= 5 && compared_total >= 10, "%d fixtures ran, %d values compared", fixtures_run,
	   compared_total);
}

int main(void)
{
	plan_lazy();
	test_folding();
	test_never_folded();
	test_cse();
	test_fixtures_l0_l1();
	done_testing();
	return exit_status();
}
