/*
 * test_partition.c: partitioning (core/partition.c) and the rendezvous
 * (core/rendezvous.c) in a session with two CPU devices: a graph that splits into
 * two partitions joined by _Send/_Recv pairs with TensorFlow's names and attrs, a
 * tensor read by two nodes on the other device sent once, a control edge between
 * devices carried by a dummy Const, the right values with one and two inter-op
 * threads over many steps, a variable read from the other device, and the
 * partition graphs RunOptions.output_partition_graphs returns.
 */
#include "config.pb-c.h"
#include "tfc_ops.h"
#include "test_util.h"

#define CPU0 "/job:localhost/replica:0/task:0/device:CPU:0"
#define CPU1 "/job:localhost/replica:0/task:0/device:CPU:1"

static tfc_session *session2(tfc_graph *g, int inter_op, const char *level, tfc_status *st)
{
	tfc_session_options *o = tfc_session_options_new();
	char n[16];
	snprintf(n, sizeof(n), "%d", inter_op);
	tfc_session_options_set_config_value(o, "device_count.CPU", "2", st);
	tfc_session_options_set_config_value(o, "inter_op_parallelism_threads", n, st);
	if (level)
		tfc_session_options_set_config_value(o, "graph_options.optimizer_options.opt_level", level, st);
	tfc_session *s = tfc_session_new(g, o, st);
	tfc_session_options_free(o);
	return s;
}

/* One run; RunMetadata (caller frees) when partitions or trace is asked. */
static Tensorflow__RunMetadata *run(tfc_session *s, bool partitions, bool trace, const tfc_output *feeds,
				    tfc_tensor *const *fv, int n_feeds, const tfc_output *fetches,
				    tfc_tensor **out, int n_fetches, tfc_status *st)
{
	Tensorflow__RunOptions ro;
	tensorflow__run_options__init(&ro);
	ro.output_partition_graphs = partitions;
	if (trace)
		ro.trace_level = TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__FULL_TRACE;
	uint8_t rb[64];
	size_t rl = protobuf_c_message_get_packed_size(&ro.base);
	protobuf_c_message_pack(&ro.base, rb);
	tfc_buffer_t *md = NULL;
	tfc_session_run(s, rb, rl, feeds, fv, n_feeds, fetches, out, n_fetches, NULL, 0, &md, st);
	Tensorflow__RunMetadata *rm = md ? tensorflow__run_metadata__unpack(NULL, md->length, md->data) : NULL;
	tfc_buffer_free(md);
	return rm;
}

static const Tensorflow__GraphDef *partition(const Tensorflow__RunMetadata *rm, const char *device)
{
	for (size_t i = 0; rm && i < rm->n_partition_graphs; i++)
		if (rm->partition_graphs[i]->n_node > 0 && !strcmp(rm->partition_graphs[i]->node[0]->device, device))
			return rm->partition_graphs[i];
	return NULL;
}

static int count_op(const Tensorflow__GraphDef *gd, const char *op)
{
	int n = 0;
	for (size_t i = 0; gd && i < gd->n_node; i++)
		n += !strcmp(gd->node[i]->op, op);
	return n;
}

static const Tensorflow__NodeDef *node(const Tensorflow__GraphDef *gd, const char *name)
{
	for (size_t i = 0; gd && i < gd->n_node; i++)
		if (!strcmp(gd->node[i]->name, name))
			return gd->node[i];
	return NULL;
}

/* The transfer node of type op whose tensor_name ends with "_<src>". */
static const Tensorflow__NodeDef *transfer(const Tensorflow__GraphDef *gd, const char *op, const char *src)
{
	for (size_t i = 0; gd && i < gd->n_node; i++) {
		const Tensorflow__NodeDef *n = gd->node[i];
		if (strcmp(n->op, op))
			continue;
		for (size_t a = 0; a < n->n_attr; a++) {
			if (strcmp(n->attr[a]->key, "tensor_name"))
				continue;
			const ProtobufCBinaryData *s = &n->attr[a]->value->s;
			size_t k = strlen(src);
			if (s->len > k + 1 && s->data[s->len - k - 1] == '_' && !memcmp(s->data + s->len - k, src, k))
				return n;
		}
	}
	return NULL;
}

static const Tensorflow__AttrValue *attr(const Tensorflow__NodeDef *n, const char *key)
{
	for (size_t a = 0; n && a < n->n_attr; a++)
		if (!strcmp(n->attr[a]->key, key))
			return n->attr[a]->value;
	return NULL;
}

static bool attr_str(const Tensorflow__NodeDef *n, const char *key, const char *want)
{
	const Tensorflow__AttrValue *v = attr(n, key);
	return v && v->s.len == strlen(want) && !memcmp(v->s.data, want, v->s.len);
}

static bool has_input(const Tensorflow__NodeDef *n, const char *in)
{
	for (size_t i = 0; n && i < n->n_input; i++)
		if (!strcmp(n->input[i], in))
			return true;
	return false;
}

static float fat(const tfc_tensor *t, int i) { return t ? ((const float *)tfc_tensor_data(t))[i] : -999; }

struct graph {
	tfc_graph *g;
	tfc_operation *x, *sq, *gate, *n1, *m1, *t, *out;
};

/* x (fed), sq = x^2 and gate (a NoOp) on CPU:0; n1 = -sq, m1 = sq * x and t =
 * Identity(x) with ^gate on CPU:1; out = n1 + m1 on CPU:0. */
static void build(struct graph *G, tfc_status *st)
{
	tfc_graph *g = G->g = tfc_graph_new();
	tfc_graph_push_device(g, "/device:CPU:0", st);
	G->x = t_placeholder(g, "x", TFC_FLOAT, 1, (int64_t[]){3}, st);
	G->sq = tfc_square(g, "sq", (tfc_output){G->x, 0}, st);
	G->gate = tfc_no_op(g, "gate", st);
	tfc_graph_pop_device(g);
	tfc_graph_push_device(g, "/device:CPU:1", st);
	G->n1 = tfc_neg(g, "n1", (tfc_output){G->sq, 0}, st);
	G->m1 = tfc_mul(g, "m1", (tfc_output){G->sq, 0}, (tfc_output){G->x, 0}, st);
	tfc_op_desc *d = tfc_op_new(g, "Identity", "t");
	tfc_op_add_input(d, (tfc_output){G->x, 0});
	tfc_op_add_control_input(d, G->gate);
	G->t = tfc_op_finish(d, st);
	tfc_graph_pop_device(g);
	tfc_graph_push_device(g, "/device:CPU:0", st);
	G->out = tfc_add(g, "out", (tfc_output){G->n1, 0}, (tfc_output){G->m1, 0}, st);
	tfc_graph_pop_device(g);
}

static void test_two_partitions(void)
{
	tfc_status *st = tfc_status_new();
	struct graph G;
	build(&G, st);
	is_int(tfc_status_code(st), TFC_OK, "the two-device graph builds: %s", tfc_status_message(st));
	tfc_session *s = session2(G.g, 1, NULL, st);
	int64_t three[] = {3};
	tfc_tensor *xv = tfc_tensor_new(TFC_FLOAT, three, 1, st);
	memcpy(tfc_tensor_data(xv), (float[]){1, 2, 3}, sizeof(float[3]));
	tfc_output feed = {G.x, 0};
	tfc_output fetch[] = {{G.out, 0}, {G.t, 0}};
	tfc_tensor *out[2] = {NULL, NULL};
	Tensorflow__RunMetadata *rm = run(s, true, true, &feed, &xv, 1, fetch, out, 2, st);
	is_int(tfc_status_code(st), TFC_OK, "the graph runs over CPU:0 and CPU:1: %s", tfc_status_message(st));
	ok(fat(out[0], 0) == 0 && fat(out[0], 1) == 4 && fat(out[0], 2) == 18,
	   "out = -x^2 + x^3 = [0, 4, 18] (%g %g %g)", fat(out[0], 0), fat(out[0], 1), fat(out[0], 2));
	ok(fat(out[1], 0) == 1 && fat(out[1], 2) == 3, "t = x after the gate");
	tfc_tensor_free(out[0]);
	tfc_tensor_free(out[1]);
	is_int(rm ? (int)rm->n_partition_graphs : -1, 2, "two partition graphs");
	const Tensorflow__GraphDef *p0 = partition(rm, CPU0), *p1 = partition(rm, CPU1);
	ok(p0 && p1, "one for CPU:0 and one for CPU:1");
	bool devs = p0 && p1;
	for (size_t i = 0; p0 && i < p0->n_node; i++)
		devs = devs && !strcmp(p0->node[i]->device, CPU0);
	for (size_t i = 0; p1 && i < p1->n_node; i++)
		devs = devs && !strcmp(p1->node[i]->device, CPU1);
	ok(devs, "every node of a partition carries its device");
	ok(node(p0, "sq") && node(p0, "out") && node(p0, "gate") && !node(p0, "n1"), "sq, gate, out on CPU:0");
	ok(node(p1, "n1") && node(p1, "m1") && node(p1, "t") && !node(p1, "sq"), "n1, m1, t on CPU:1");
	is_int(count_op(p0, "_Send"), 2, "CPU:0 sends sq once for its two readers, and gate's control signal");
	is_int(count_op(p1, "_Recv"), 2, "CPU:1 receives them");
	is_int(count_op(p1, "_Send"), 2, "CPU:1 sends n1 and m1");
	is_int(count_op(p0, "_Recv"), 2, "CPU:0 receives them");

	const Tensorflow__NodeDef *send = transfer(p0, "_Send", "sq"), *recv = transfer(p1, "_Recv", "sq");
	ok(send && recv, "the pair for sq");
	if (send && recv) {
		ok(!strncmp(send->name, "sq/_", 4) && !strncmp(recv->name, "sq/_", 4),
		   "named after the tensor's node, as TensorFlow names them: %s, %s", send->name, recv->name);
		ok(atoi(send->name + 4) < atoi(recv->name + 4), "the _Send's number comes first");
		const Tensorflow__AttrValue *tn = attr(send, "tensor_name");
		ok(tn && tn->s.len > 5 && !memcmp(tn->s.data, "edge_", 5), "tensor_name edge_<id>_sq: %.*s",
		   tn ? (int)tn->s.len : 0, tn ? (const char *)tn->s.data : "");
		const Tensorflow__AttrValue *rn = attr(recv, "tensor_name");
		ok(tn && rn && tn->s.len == rn->s.len && !memcmp(tn->s.data, rn->s.data, tn->s.len),
		   "the _Recv has the same tensor_name");
		ok(attr_str(send, "send_device", CPU0) && attr_str(recv, "send_device", CPU0), "send_device CPU:0");
		ok(attr_str(send, "recv_device", CPU1) && attr_str(recv, "recv_device", CPU1), "recv_device CPU:1");
		const Tensorflow__AttrValue *i1 = attr(send, "send_device_incarnation"),
					    *i2 = attr(recv, "send_device_incarnation");
		ok(i1 && i2 && i1->i == i2->i && i1->i != 0, "one nonzero send_device_incarnation on both");
		const Tensorflow__AttrValue *c1 = attr(send, "client_terminated"), *c2 = attr(recv, "client_terminated");
		ok(c1 && c2 && !c1->b && !c2->b, "client_terminated = false");
		const Tensorflow__AttrValue *T = attr(send, "T"), *tt = attr(recv, "tensor_type");
		ok(T && tt && T->type == TENSORFLOW__DATA_TYPE__DT_FLOAT && tt->type == TENSORFLOW__DATA_TYPE__DT_FLOAT,
		   "T on the _Send and tensor_type on the _Recv: float");
		ok(send->n_input == 1 && !strcmp(send->input[0], "sq"), "the _Send reads sq");
		is_int((int)recv->n_input, 0, "the _Recv has no inputs in its partition graph");
		ok(has_input(node(p1, "n1"), recv->name) && has_input(node(p1, "m1"), recv->name),
		   "n1 and m1 both read the one _Recv");
	}
	/* The control edge gate -> t. */
	const Tensorflow__NodeDef *cs = transfer(p0, "_Send", "gate"), *cr = transfer(p1, "_Recv", "gate");
	ok(cs && cr, "gate's control edge travels as a _Send/_Recv pair");
	if (cs && cr) {
		const Tensorflow__NodeDef *dummy = cs->n_input == 1 ? node(p0, cs->input[0]) : NULL;
		ok(dummy && !strcmp(dummy->op, "Const") && !strncmp(dummy->name, "gate/_", 6) &&
			   has_input(dummy, "^gate"),
		   "its _Send reads a dummy Const gate/_N that waits on gate");
		const Tensorflow__AttrValue *v = attr(dummy, "value");
		ok(v && v->tensor && v->tensor->dtype == TENSORFLOW__DATA_TYPE__DT_FLOAT && v->tensor->tensor_shape &&
			   v->tensor->tensor_shape->n_dim == 1 && v->tensor->tensor_shape->dim[0]->size == 0,
		   "a float tensor of shape [0]");
		char want[128];
		snprintf(want, sizeof(want), "^%s", cr->name);
		ok(has_input(node(p1, "t"), want), "t waits on the _Recv: %s", want);
		ok(!has_input(node(p1, "t"), "^gate"), "not on gate itself");
	}
	/* Step stats see the transfer nodes on their devices. */
	int sends = 0;
	for (size_t d = 0; rm && rm->step_stats && d < rm->step_stats->n_dev_stats; d++)
		for (size_t i = 0; i < rm->step_stats->dev_stats[d]->n_node_stats; i++)
			sends += strstr(rm->step_stats->dev_stats[d]->node_stats[i]->timeline_label, "= _Send(") != NULL;
	is_int(sends, 4, "step stats hold the four _Send executions");
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
	tfc_session_free(s);

	/* Many steps, two inter-op threads; and at L0 the same. */
	const char *levels[] = {NULL, "L0"};
	for (int l = 0; l < 2; l++) {
		s = session2(G.g, 2, levels[l], st);
		bool good = true;
		for (int i = 0; i < 200 && good; i++) {
			out[0] = out[1] = NULL;
			memcpy(tfc_tensor_data(xv), (float[]){1, 2, (float)i}, sizeof(float[3]));
			rm = run(s, false, false, &feed, &xv, 1, fetch, out, 2, st);
			float want = -(float)i * (float)i + (float)i * (float)i * (float)i;
			good = tfc_status_code(st) == TFC_OK && fat(out[0], 1) == 4 && fat(out[0], 2) == want &&
			       fat(out[1], 2) == (float)i;
			tfc_tensor_free(out[0]);
			tfc_tensor_free(out[1]);
			if (rm)
				tensorflow__run_metadata__free_unpacked(rm, NULL);
		}
		ok(good, "200 steps on two inter-op threads (%s) compute right: %s", levels[l] ? levels[l] : "L1",
		   tfc_status_message(st));
		tfc_session_free(s);
	}
	tfc_tensor_free(xv);
	tfc_graph_free(G.g);
	tfc_status_free(st);
}

static void test_variable_across(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_graph_push_device(g, "/device:CPU:0", st);
	tfc_shape scalar = tfc_shape_make(0, NULL);
	tfc_operation *v = tfc_variable_v2(g, "v", &scalar, TFC_FLOAT, st);
	tfc_operation *seven = t_const_f(g, "seven", 7, st);
	tfc_operation *init = tfc_assign(g, "init", (tfc_output){v, 0}, (tfc_output){seven, 0}, st);
	tfc_graph_pop_device(g);
	tfc_graph_push_device(g, "/device:CPU:1", st);
	tfc_operation *neg = tfc_neg(g, "neg", (tfc_output){v, 0}, st);
	tfc_graph_pop_device(g);
	tfc_session *s = session2(g, 2, NULL, st);
	tfc_output f = {neg, 0};
	tfc_tensor *out = NULL;
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, &f, &out, 1, NULL, 0, NULL, st);
	ok(tfc_status_code(st) == TFC_FAILED_PRECONDITION && strstr(tfc_status_message(st), "uninitialized value v"),
	   "reading an uninitialized variable from the other device: %s", tfc_status_message(st));
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &init, 1, NULL, st);
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, &f, &out, 1, NULL, 0, NULL, st);
	ok(tfc_status_code(st) == TFC_OK && fat(out, 0) == -7, "a variable's value sent to the other device: %g",
	   fat(out, 0));
	tfc_tensor_free(out);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

int main(void)
{
	plan_lazy();
	test_two_partitions();
	test_variable_across();
	done_testing();
	return exit_status();
}
