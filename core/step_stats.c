/*
 * step_stats.c: the RunMetadata of a traced step, from what the executor recorded:
 * StepStats (one DeviceStepStats per device, a NodeExecStats per node that ran, in
 * start order, with TensorFlow's timeline labels, output descriptions and memory),
 * the CostGraphDef, and the partition graphs when RunOptions asked for them.
 */
#include "gpu_activity.h"
#include "session_internal.h"

/* Every message of the step stats and cost graph is allocated from one arena
 * (tfc__arena) and released at once after packing: a traced step makes ~15 small
 * allocations per node, and freeing them one by one (protobuf_c_message_free_unpacked)
 * cost as much as making them (measured with bench_session: 3.2 us per node stat
 * before). */
static Tensorflow__TensorShapeProto *ashape(struct tfc__arena *a, const tfc_shape *s)
{
	Tensorflow__TensorShapeProto *p = tfc__arena_alloc(a, sizeof(*p));
	tensorflow__tensor_shape_proto__init(p);
	if (s->rank < 0) {
		p->unknown_rank = 1;
		return p;
	}
	p->n_dim = (size_t)s->rank;
	p->dim = tfc__arena_calloc(a, (size_t)s->rank + 1, sizeof(*p->dim));
	Tensorflow__TensorShapeProto__Dim *dims = tfc__arena_calloc(a, (size_t)s->rank + 1, sizeof(*dims));
	for (int i = 0; i < s->rank; i++) {
		tensorflow__tensor_shape_proto__dim__init(&dims[i]);
		dims[i].size = s->dims[i];
		p->dim[i] = &dims[i];
	}
	return p;
}

void tfc__op_to_nodedef(const tfc_operation *op, Tensorflow__NodeDef *n);
void tfc__nodedef_release(Tensorflow__NodeDef *n);

/* "name = Op(in0, in1)", TensorFlow's timeline_label. */
/* Appends n bytes at *p (no formatting: the label is built for every node of
 * every traced step, and snprintf showed up as a quarter of tracing's cost). */
static void put(char **p, const char *s, size_t n)
{
	memcpy(*p, s, n);
	*p += n;
}

static char *timeline_label(struct tfc__arena *a, const tfc_operation *op)
{
	size_t cap = strlen(op->name) + strlen(op->type) + 8;
	for (int i = 0; i < op->n_inputs; i++)
		cap += (op->inputs[i].oper ? strlen(op->inputs[i].oper->name) : 1) + 16;
	char *s = tfc__arena_alloc(a, cap), *p = s;
	put(&p, op->name, strlen(op->name));
	put(&p, " = ", 3);
	put(&p, op->type, strlen(op->type));
	put(&p, "(", 1);
	for (int i = 0; i < op->n_inputs; i++) {
		tfc_output in = op->inputs[i];
		if (i)
			put(&p, ", ", 2);
		if (!in.oper) {
			put(&p, "?", 1);
			continue;
		}
		put(&p, in.oper->name, strlen(in.oper->name));
		if (in.index > 0)
			p += snprintf(p, 16, ":%d", in.index);
	}
	put(&p, ")", 2); /* with the terminating NUL */
	return s;
}

static char cpu_name[] = "cpu";

static Tensorflow__TensorDescription *tensor_desc(struct tfc__arena *a, const struct tfc__out_stat *o)
{
	Tensorflow__TensorDescription *d = tfc__arena_alloc(a, sizeof(*d));
	tensorflow__tensor_description__init(d);
	d->dtype = (Tensorflow__DataType)tfc_dtype_base(o->dtype);
	d->shape = ashape(a, &o->shape);
	d->allocation_description = tfc__arena_alloc(a, sizeof(*d->allocation_description));
	tensorflow__allocation_description__init(d->allocation_description);
	d->allocation_description->requested_bytes = o->bytes;
	d->allocation_description->allocated_bytes = o->bytes;
	d->allocation_description->allocator_name = o->allocator ? (char *)o->allocator : cpu_name;
	return d;
}

struct order {
	int node;
	int64_t start;
	const struct tfc__node_stat *st;
};

static int by_start(const void *a, const void *b)
{
	const struct order *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static Tensorflow__NodeExecStats *node_stats(struct tfc__arena *a, const tfc_operation *op,
					     const struct tfc__node_stat *ns,
					     const struct tfc__run_trace *t)
{
	Tensorflow__NodeExecStats *n = tfc__arena_alloc(a, sizeof(*n));
	tensorflow__node_exec_stats__init(n);
	n->node_name = op->name; /* borrowed: the arena is packed before the graph changes */
	int64_t start = ns->all_start_ns;
	int64_t abs = start + t->real_minus_mono_ns;
	n->all_start_micros = abs / 1000;
	n->all_start_nanos = abs;
	int64_t op_start = ns->op_start_ns ? ns->op_start_ns : start;
	int64_t op_end = ns->op_end_ns ? ns->op_end_ns : op_start;
	int64_t end = ns->all_end_ns ? ns->all_end_ns : op_end;
	n->op_start_rel_nanos = op_start - start;
	n->op_end_rel_nanos = op_end - start;
	n->all_end_rel_nanos = end - start;
	n->op_start_rel_micros = n->op_start_rel_nanos / 1000;
	n->op_end_rel_micros = n->op_end_rel_nanos / 1000;
	n->all_end_rel_micros = n->all_end_rel_nanos / 1000;
	if (ns->sched_ns) {
		n->scheduled_nanos = ns->sched_ns + t->real_minus_mono_ns;
		n->scheduled_micros = n->scheduled_nanos / 1000;
	}
	n->thread_id = ns->thread_id;
	n->timeline_label = timeline_label(a, op);
	if (t->level >= 3 || t->level == 1) {
		/* SOFTWARE_TRACE and FULL_TRACE describe outputs and memory. */
		int64_t total = 0;
		n->n_output = (size_t)op->n_outputs;
		n->output = tfc__arena_calloc(a, n->n_output + 1, sizeof(*n->output));
		for (int o = 0; o < op->n_outputs; o++) {
			Tensorflow__NodeOutput *no = tfc__arena_alloc(a, sizeof(*no));
			tensorflow__node_output__init(no);
			no->slot = o;
			no->tensor_description = tensor_desc(a, &ns->outs[o]);
			n->output[o] = no;
			if (!tfc_dtype_is_ref(op->outs[o].dtype))
				total += ns->outs[o].bytes;
		}
		n->n_memory = 1;
		n->memory = tfc__arena_calloc(a, 2, sizeof(*n->memory));
		Tensorflow__AllocatorMemoryUsed *m = tfc__arena_alloc(a, sizeof(*m));
		tensorflow__allocator_memory_used__init(m);
		/* One entry: the allocator of the node's first output held by a device,
		 * else the host's. */
		m->allocator_name = cpu_name;
		for (int o = op->n_outputs - 1; o >= 0; o--)
			if (ns->outs[o].allocator)
				m->allocator_name = (char *)ns->outs[o].allocator;
		m->total_bytes = total;
		m->peak_bytes = total;
		m->live_bytes = total;
		n->memory[0] = m;
	}
	return n;
}

static Tensorflow__StepStats *step_stats(struct tfc__arena *a, const struct tfc_session *s,
					 const struct tfc__executable *x, const struct tfc__run_trace *t)
{
	int n = tfc__executable_num_nodes(x);
	Tensorflow__StepStats *ss = tfc__arena_alloc(a, sizeof(*ss));
	tensorflow__step_stats__init(ss);
	ss->n_dev_stats = (size_t)s->n_devices;
	ss->dev_stats = tfc__arena_calloc(a, (size_t)s->n_devices + 1, sizeof(*ss->dev_stats));
	/* Each execution: a node's first is in stats[], later ones (loop iterations)
	 * in extra[]. */
	struct order *ord = tfc__malloc(((size_t)n + (size_t)t->n_extra + 1) * sizeof(*ord));
	for (int d = 0; d < s->n_devices; d++) {
		Tensorflow__DeviceStepStats *ds = tfc__arena_alloc(a, sizeof(*ds));
		tensorflow__device_step_stats__init(ds);
		ds->device = s->devices[d];
		int k = 0;
		for (int i = 0; i < n; i++)
			if (t->stats[i].ran && tfc__executable_node_device(x, i) == d)
				ord[k++] = (struct order){i, t->stats[i].all_start_ns, &t->stats[i]};
		for (int e = 0; e < t->n_extra; e++)
			if (tfc__executable_node_device(x, t->extra[e].node) == d)
				ord[k++] = (struct order){t->extra[e].node, t->extra[e].st.all_start_ns,
							  &t->extra[e].st};
		qsort(ord, (size_t)k, sizeof(*ord), by_start);
		ds->n_node_stats = (size_t)k;
		ds->node_stats = tfc__arena_calloc(a, (size_t)k + 1, sizeof(*ds->node_stats));
		for (int j = 0; j < k; j++)
			ds->node_stats[j] = node_stats(a, tfc__executable_node_op(x, ord[j].node),
						       ord[j].st, t);
		ss->dev_stats[d] = ds;
	}
	free(ord);
	return ss;
}

/* The cost graph: per node that ran, its device, inputs (by cost-graph id),
 * outputs' sizes and shapes, and its compute time. */
static Tensorflow__CostGraphDef *cost_graph(struct tfc__arena *a, const struct tfc_session *s,
					    const struct tfc__executable *x, const struct tfc__run_trace *t)
{
	int n = tfc__executable_num_nodes(x);
	Tensorflow__CostGraphDef *cg = tfc__arena_alloc(a, sizeof(*cg));
	tensorflow__cost_graph_def__init(cg);
	cg->node = tfc__arena_calloc(a, (size_t)n + 1, sizeof(*cg->node));
	/* Cost-graph ids by op id in the executable's private graph: ids[op->id] = node
	 * index + 1 (0: did not run). */
	size_t n_ops = n > 0 ? tfc__executable_node_op(x, 0)->graph->n_ops : 0;
	int *ids = tfc__calloc(n_ops + 1, sizeof(int));
	for (int i = 0; i < n; i++) {
		const tfc_operation *op = tfc__executable_node_op(x, i);
		if (op->id < n_ops)
			ids[op->id] = i + 1;
	}
	for (int i = 0; i < n; i++) {
		const tfc_operation *op = tfc__executable_node_op(x, i);
		const struct tfc__node_stat *ns = &t->stats[i];
		Tensorflow__CostGraphDef__Node *cn = tfc__arena_alloc(a, sizeof(*cn));
		tensorflow__cost_graph_def__node__init(cn);
		cn->name = op->name;
		cn->device = s->devices[tfc__executable_node_device(x, i)];
		cn->id = i;
		cn->input_info = tfc__arena_calloc(a, (size_t)op->n_inputs + 1, sizeof(*cn->input_info));
		for (int k = 0; k < op->n_inputs; k++) {
			size_t pid = op->inputs[k].oper->id;
			int id = pid < n_ops ? ids[pid] : 0;
			if (!id)
				continue; /* fed: its producer did not run */
			Tensorflow__CostGraphDef__Node__InputInfo *ii = tfc__arena_alloc(a, sizeof(*ii));
			tensorflow__cost_graph_def__node__input_info__init(ii);
			ii->preceding_node = id - 1;
			ii->preceding_port = op->inputs[k].index;
			cn->input_info[cn->n_input_info++] = ii;
		}
		cn->output_info = tfc__arena_calloc(a, (size_t)op->n_outputs + 1, sizeof(*cn->output_info));
		for (int o = 0; o < op->n_outputs; o++) {
			Tensorflow__CostGraphDef__Node__OutputInfo *oi = tfc__arena_alloc(a, sizeof(*oi));
			tensorflow__cost_graph_def__node__output_info__init(oi);
			oi->size = ns->ran && ns->outs ? ns->outs[o].bytes : 0;
			oi->alias_input_port = -1;
			tfc_shape sh = ns->ran && ns->outs ? ns->outs[o].shape : tfc_shape_unknown();
			oi->shape = ashape(a, &sh);
			oi->dtype = (Tensorflow__DataType)tfc_dtype_base(op->outs[o].dtype);
			cn->output_info[cn->n_output_info++] = oi;
		}
		cn->control_input = tfc__arena_calloc(a, (size_t)op->n_control + 1, sizeof(int32_t));
		for (int k = 0; k < op->n_control; k++) {
			size_t cid = op->control[k]->id;
			int id = cid < n_ops ? ids[cid] : 0;
			if (id)
				cn->control_input[cn->n_control_input++] = id - 1;
		}
		if (ns->ran) {
			cn->compute_cost = (ns->op_end_ns - ns->op_start_ns) / 1000;
			cn->compute_time = cn->compute_cost;
		}
		cn->is_final = op->outs && op->n_outputs > 0 && op->outs[0].n_consumers == 0;
		cg->node[cg->n_node++] = cn;
	}
	free(ids);
	return cg;
}

/* A _Recv's control input from its _Send is the executor's (core/partition.c):
 * partition graphs leave it out, as TensorFlow's have none. */
static void drop_send_inputs(const tfc_operation *op, Tensorflow__NodeDef *nd)
{
	if (strcmp(op->type, "_Recv") && strcmp(op->type, "_HostRecv"))
		return;
	size_t w = (size_t)op->n_inputs;
	for (int k = 0; k < op->n_control; k++) {
		char *in = nd->input[op->n_inputs + k];
		const char *t = op->control[k]->type;
		if (!strcmp(t, "_Send") || !strcmp(t, "_HostSend"))
			free(in);
		else
			nd->input[w++] = in;
	}
	nd->n_input = w;
}

/* One partition graph per device holding the nodes that ran there (with the
 * _Send/_Recv pairs that join them), each with its assigned device. */
static void partition_graphs(const struct tfc_session *s, const struct tfc__executable *x,
			     Tensorflow__RunMetadata *md)
{
	int n = tfc__executable_num_nodes(x);
	md->partition_graphs = tfc__calloc((size_t)s->n_devices + 1, sizeof(*md->partition_graphs));
	for (int d = 0; d < s->n_devices; d++) {
		Tensorflow__GraphDef *gd = tfc__malloc(sizeof(*gd));
		tensorflow__graph_def__init(gd);
		gd->node = tfc__calloc((size_t)n + 1, sizeof(*gd->node));
		for (int i = 0; i < n; i++) {
			if (tfc__executable_node_device(x, i) != d)
				continue;
			Tensorflow__NodeDef tmp;
			tensorflow__node_def__init(&tmp);
			tfc__op_to_nodedef(tfc__executable_node_op(x, i), &tmp);
			drop_send_inputs(tfc__executable_node_op(x, i), &tmp);
			tmp.device = s->devices[d];
			/* A deep copy, so the RunMetadata owns everything it holds. */
			size_t len = protobuf_c_message_get_packed_size(&tmp.base);
			uint8_t *buf = tfc__malloc(len + 1);
			protobuf_c_message_pack(&tmp.base, buf);
			tfc__nodedef_release(&tmp);
			gd->node[gd->n_node++] = tensorflow__node_def__unpack(NULL, len, buf);
			free(buf);
		}
		gd->versions = tfc__malloc(sizeof(*gd->versions));
		tensorflow__version_def__init(gd->versions);
		gd->versions->producer = s->graph->producer;
		if (gd->n_node)
			md->partition_graphs[md->n_partition_graphs++] = gd;
		else
			protobuf_c_message_free_unpacked(&gd->base, NULL);
	}
}

/* The op of a GPU activity: the GPU device tags what it launches for an op with
 * tfc__gpu_activity_tag (its graph's serial number, and its id there + 1). ctx is the
 * graph of this step's ops: the executable's private graph (pruned, optimized,
 * partitioned and renumbered), not the session's. Activity of another graph's ops
 * (another session sharing the GPU, traced or not, while this step was traced) is
 * not this step's. */
static bool gpu_op(void *ctx, uint64_t external, const char **name, const char **type)
{
	const tfc_graph *g = ctx;
	uint64_t id = external & 0xffffffffu;
	if (external >> 32 != g->serial || id == 0 || id > g->n_ops)
		return false;
	*name = g->ops[id - 1]->name;
	*type = g->ops[id - 1]->type;
	return true;
}

uint64_t tfc__gpu_activity_tag(const tfc_operation *op)
{
	return (uint64_t)op->graph->serial << 32 | (uint64_t)(op->id + 1);
}

tfc_buffer_t *tfc__run_metadata_build(const struct tfc_session *s, const struct tfc__executable *x,
				      const struct tfc__run_trace *t)
{
	Tensorflow__RunMetadata md;
	tensorflow__run_metadata__init(&md);
	struct tfc__arena local = {0};
	struct tfc__arena *a = t->scratch ? &t->scratch->arena : &local;
	tfc__arena_reset(a);
	if (t->level > 0 && t->stats) {
		md.step_stats = step_stats(a, s, x, t);
		if (t->gpu)
			tfc__gpu_activity_step_stats(t->gpu, a, gpu_op,
						     tfc__executable_num_nodes(x) > 0
							     ? (void *)tfc__executable_node_op(x, 0)->graph
							     : (void *)s->graph,
						     t->real_minus_mono_ns,
						     md.step_stats);
		md.cost_graph = cost_graph(a, s, x, t);
	}
	if (t->partition_graphs)
		partition_graphs(s, x, &md);
	tfc_buffer_t *b = tfc__malloc(sizeof(*b));
	/* One pass (core/pb_pack.c); ~200 bytes a node stat is a fair first guess. */
	b->data = tfc__pb_pack(&md.base, (size_t)tfc__executable_num_nodes(x) * 256, &b->length);
	tfc__arena_free(&local); /* the scratch's arena keeps its memory for the next step */
	for (size_t i = 0; i < md.n_partition_graphs; i++)
		protobuf_c_message_free_unpacked(&md.partition_graphs[i]->base, NULL);
	free(md.partition_graphs);
	return b;
}
