/*
 * graph_copy.c: an executable's private graph (core/graph_opt.h): the copy of the
 * pruned node set of the session's graph (op by op, attrs borrowed, stand-ins for
 * the producers of fed tensors), the helpers the passes share (fresh names, input
 * rewiring, a topological order) and the compaction that drops removed nodes.
 */
#include "graph_opt.h"

static char *tensor_key(const char *name, int index) { return tfc__asprintf("%s:%d", name, index); }

bool tfc__pgraph_is_fed(const struct tfc__pgraph *p, const tfc_operation *op, int index)
{
	char *k = tensor_key(op->name, index);
	bool fed = tfc__strmap_find(p->fed, k) != NULL;
	free(k);
	return fed;
}

bool tfc__is_control_flow(const tfc_operation *op)
{
	static const char *const types[] = {
		"Switch", "RefSwitch", "Merge", "RefMerge", "Enter", "RefEnter", "Exit", "RefExit",
		"NextIteration", "RefNextIteration", "LoopCond", "ControlTrigger", "_SwitchN",
	};
	for (size_t i = 0; i < TFC_ARRAY_LEN(types); i++)
		if (!strcmp(op->type, types[i]))
			return true;
	return false;
}

bool tfc__is_send(const tfc_operation *op)
{
	return !strcmp(op->type, "_Send") || !strcmp(op->type, "_HostSend");
}

bool tfc__is_recv(const tfc_operation *op)
{
	return !strcmp(op->type, "_Recv") || !strcmp(op->type, "_HostRecv");
}

void tfc__pgraph_grow(struct tfc__pgraph *p)
{
	size_t need = p->g->n_ops + 1;
	if (need <= p->cap)
		return;
	size_t cap = p->cap ? p->cap : 16;
	while (cap < need)
		cap *= 2;
	p->dev = tfc__realloc(p->dev, cap * sizeof(*p->dev));
	p->flags = tfc__realloc(p->flags, cap * sizeof(*p->flags));
	for (size_t i = p->cap; i < cap; i++) {
		p->dev[i] = -1;
		p->flags[i] = 0;
	}
	p->cap = cap;
}

/* A copy of src without inputs or control inputs (filled by the caller), attrs
 * borrowed. */
static tfc_operation *clone_op(const tfc_operation *src)
{
	tfc_operation *op = tfc__calloc(1, sizeof(*op));
	op->name = tfc__strdup(src->name);
	op->type = tfc__strdup(src->type);
	op->device = tfc__strdup(src->device ? src->device : "");
	op->def = src->def;
	op->n_attrs = src->n_attrs;
	op->attrs = src->attrs;
	op->n_outputs = src->n_outputs;
	op->outs = tfc__calloc((size_t)src->n_outputs + 1, sizeof(*op->outs));
	for (int o = 0; o < src->n_outputs; o++) {
		op->outs[o].dtype = src->outs[o].dtype;
		op->outs[o].rank = src->outs[o].rank;
		if (src->outs[o].rank > 0) {
			op->outs[o].dims = tfc__malloc((size_t)src->outs[o].rank * sizeof(int64_t));
			memcpy(op->outs[o].dims, src->outs[o].dims, (size_t)src->outs[o].rank * sizeof(int64_t));
		}
	}
	return op;
}

void tfc__pgraph_init(struct tfc__pgraph *p, tfc_operation *const *ops, int n, const int *dev,
		      const struct tfc__strmap *fed, const tfc_output *fetches, int n_fetches,
		      const int *fetch_feed, tfc_operation *const *targets, int n_targets)
{
	memset(p, 0, sizeof(*p));
	p->g = tfc_graph_new();
	p->fed = fed;
	/* The function library, borrowed like the attrs (functional ops read it). */
	if (n > 0) {
		p->g->library = ops[0]->graph->library;
		p->g->producer = ops[0]->graph->producer;
	}
	size_t n_src = n > 0 ? tfc_graph_num_operations(ops[0]->graph) : 0;
	/* Source op id -> its copy (or stand-in); NULL when not copied. */
	tfc_operation **copy = tfc__calloc(n_src + 1, sizeof(*copy));
	unsigned char *standin = tfc__calloc(n_src + 1, 1);
	size_t n_in = 0; /* bounds the stand-ins */
	for (int i = 0; i < n; i++)
		n_in += (size_t)ops[i]->n_inputs;
	tfc_operation **order = tfc__malloc(((size_t)n + n_in + 1) * sizeof(*order));
	int n_order = 0;
	/* The copies keep the session graph's order (the pruned list is in walk
	 * order), so passes that keep the first of equals keep the oldest. */
	int *index = tfc__malloc((n_src + 1) * sizeof(int)); /* source id -> i, or -1 */
	for (size_t k = 0; k < n_src; k++)
		index[k] = -1;
	for (int i = 0; i < n; i++)
		index[ops[i]->id] = i;
	for (size_t k = 0; k < n_src; k++)
		if (index[k] >= 0)
			order[n_order++] = copy[k] = clone_op(ops[index[k]]);
	free(index);
	/* Stand-ins: producers of fed tensors that are not copied. */
	for (int i = 0; i < n; i++) {
		for (int k = 0; k < ops[i]->n_inputs; k++) {
			const tfc_operation *src = ops[i]->inputs[k].oper;
			if (copy[src->id])
				continue;
			copy[src->id] = clone_op(src);
			standin[src->id] = 1;
			order[n_order++] = copy[src->id];
		}
	}
	for (int i = 0; i < n; i++) {
		const tfc_operation *src = ops[i];
		tfc_operation *op = copy[src->id];
		op->n_inputs = src->n_inputs;
		op->inputs = tfc__malloc(((size_t)src->n_inputs + 1) * sizeof(*op->inputs));
		op->input_types = tfc__malloc(((size_t)src->n_inputs + 1) * sizeof(*op->input_types));
		for (int k = 0; k < src->n_inputs; k++) {
			op->inputs[k] = (tfc_output){copy[src->inputs[k].oper->id], src->inputs[k].index};
			op->input_types[k] = src->input_types ? src->input_types[k] : TFC_DTYPE_INVALID;
		}
		op->control = tfc__malloc(((size_t)src->n_control + 1) * sizeof(*op->control));
		for (int k = 0; k < src->n_control; k++) {
			tfc_operation *c = copy[src->control[k]->id];
			if (c && !standin[src->control[k]->id])
				op->control[op->n_control++] = c;
		}
	}
	for (int i = 0; i < n_order; i++)
		tfc__graph_add_op(p->g, order[i]);
	tfc__pgraph_grow(p);
	for (int i = 0; i < n; i++) {
		p->dev[copy[ops[i]->id]->id] = dev[i];
		p->flags[copy[ops[i]->id]->id] = TFC__PG_BORROWED;
	}
	for (int i = n; i < n_order; i++)
		p->flags[order[i]->id] = TFC__PG_BORROWED | TFC__PG_STANDIN;
	p->n_fetches = n_fetches;
	p->fetches = tfc__calloc((size_t)n_fetches + 1, sizeof(*p->fetches));
	for (int i = 0; i < n_fetches; i++)
		if (fetch_feed[i] < 0)
			p->fetches[i] = (tfc_output){copy[fetches[i].oper->id], fetches[i].index};
	p->n_targets = n_targets;
	p->targets = tfc__calloc((size_t)n_targets + 1, sizeof(*p->targets));
	for (int i = 0; i < n_targets; i++)
		p->targets[i] = copy[targets[i]->id];
	free(order);
	free(standin);
	free(copy);
}

/* Frees op, which is in p's graph, giving borrowed attrs back first. */
static void free_op(struct tfc__pgraph *p, tfc_operation *op)
{
	if (p->flags[op->id] & TFC__PG_BORROWED) {
		op->attrs = NULL;
		op->n_attrs = 0;
	}
	tfc__op_free(op);
}

void tfc__pgraph_free(struct tfc__pgraph *p)
{
	if (!p->g)
		return;
	for (size_t i = 0; i < p->g->n_ops; i++)
		free_op(p, p->g->ops[i]);
	p->g->n_ops = 0; /* every op is freed already */
	p->g->library = NULL; /* borrowed */
	tfc_graph_free(p->g);
	free(p->dev);
	free(p->flags);
	free(p->fetches);
	free(p->targets);
	memset(p, 0, sizeof(*p));
}

char *tfc__pgraph_new_name(struct tfc__pgraph *p, const char *prefix)
{
	for (;;) {
		char *name = tfc__asprintf("%s/_%d", prefix, p->name_counter++);
		if (!tfc_graph_operation_by_name(p->g, name))
			return name;
		free(name);
	}
}

void tfc__pgraph_set_input(tfc_operation *op, int k, tfc_output src)
{
	tfc_output old = op->inputs[k];
	if (old.oper && old.index >= 0 && old.index < old.oper->n_outputs)
		old.oper->outs[old.index].n_consumers--;
	op->inputs[k] = src;
	if (src.oper && src.index >= 0 && src.index < src.oper->n_outputs)
		src.oper->outs[src.index].n_consumers++;
}

void tfc__pgraph_compact(struct tfc__pgraph *p)
{
	tfc_graph *g = p->g;
	/* Consumer counts first: a dead op may read another dead op. */
	for (size_t i = 0; i < g->n_ops; i++) {
		tfc_operation *op = g->ops[i];
		if (!(p->flags[i] & TFC__PG_DEAD))
			continue;
		for (int k = 0; k < op->n_inputs; k++) {
			tfc_output in = op->inputs[k];
			if (in.oper && in.index >= 0 && in.index < in.oper->n_outputs)
				in.oper->outs[in.index].n_consumers--;
		}
	}
	size_t kept = 0;
	for (size_t i = 0; i < g->n_ops; i++) {
		tfc_operation *op = g->ops[i];
		if (!(p->flags[i] & TFC__PG_DEAD)) {
			p->dev[kept] = p->dev[i];
			p->flags[kept] = p->flags[i];
			g->ops[kept] = op;
			op->id = kept++;
			continue;
		}
		tfc__strmap_remove(&g->by_name, op->name);
		/* free_op reads flags[op->id]: position i, which only later ops overwrite. */
		free_op(p, op);
	}
	for (size_t i = kept; i < g->n_ops; i++) /* freed slots: fresh, as tfc__pgraph_grow makes them */
		p->dev[i] = -1, p->flags[i] = 0;
	g->n_ops = kept;
}

int tfc__pgraph_topo_order(const struct tfc__pgraph *p, int *order)
{
	const tfc_graph *g = p->g;
	size_t n = g->n_ops;
	int *pending = tfc__calloc(n + 1, sizeof(int));
	int *first = tfc__calloc(n + 2, sizeof(int)); /* successors, CSR */
	for (size_t i = 0; i < n; i++) {
		const tfc_operation *op = g->ops[i];
		if (p->flags[i] & TFC__PG_DEAD)
			continue;
		for (int k = 0; k < op->n_inputs; k++) {
			const tfc_operation *src = op->inputs[k].oper;
			if (tfc__is_control_flow(src) && strstr(src->type, "NextIteration"))
				continue;
			first[src->id + 1]++;
			pending[i]++;
		}
		for (int k = 0; k < op->n_control; k++) {
			first[op->control[k]->id + 1]++;
			pending[i]++;
		}
	}
	for (size_t i = 0; i < n; i++)
		first[i + 1] += first[i];
	int *succ = tfc__malloc(((size_t)first[n] + 1) * sizeof(int));
	int *fill = tfc__calloc(n + 1, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		const tfc_operation *op = g->ops[i];
		if (p->flags[i] & TFC__PG_DEAD)
			continue;
		for (int k = 0; k < op->n_inputs; k++) {
			const tfc_operation *src = op->inputs[k].oper;
			if (tfc__is_control_flow(src) && strstr(src->type, "NextIteration"))
				continue;
			succ[first[src->id] + fill[src->id]++] = (int)i;
		}
		for (int k = 0; k < op->n_control; k++) {
			size_t c = op->control[k]->id;
			succ[first[c] + fill[c]++] = (int)i;
		}
	}
	int head = 0, tail = 0;
	for (size_t i = 0; i < n; i++)
		if (!(p->flags[i] & TFC__PG_DEAD) && pending[i] == 0)
			order[tail++] = (int)i;
	while (head < tail) {
		int v = order[head++];
		for (int e = first[v]; e < first[v + 1]; e++)
			if (--pending[succ[e]] == 0)
				order[tail++] = succ[e];
	}
	free(pending);
	free(first);
	free(succ);
	free(fill);
	return tail;
}
