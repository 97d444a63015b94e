/*
 * graph_opt.c: the graph optimizations an executable's private graph gets before
 * it runs (TensorFlow's GraphOptimizer, OptimizerOptions): constant folding (the
 * foldable subgraphs are evaluated with the CPU kernels and the tensors that leave
 * them become Const nodes named "<node>/_N__cf__M"), common-subexpression
 * elimination (nodes of one type, attrs, inputs, control inputs and device merge
 * into the first), and dead-node removal (what no fetch or target needs any more).
 *
 * Never folded or merged: stateful ops (the op's flag or the kernel's
 * TFC_KF_STATEFUL: random ops, variables, queues, _Send/_Recv), control-flow ops,
 * placeholders, fed tensors and their consumers' views of them, ops reading or
 * returning references or resources; folding also skips nodes with control inputs,
 * targets, and tensors over the size cap (max_folded_constant_in_bytes, 10 MiB by
 * default). A fetch of a folded or merged tensor is answered by its replacement:
 * the same value.
 */
#include "graph_opt.h"

#define DEFAULT_FOLD_CAP (10 * 1024 * 1024)

/* The M of "__cf__M": one counter for the process, as in TensorFlow. */
static atomic_int next_cf_id;

/* ---- uses: who reads each op (k >= 0: data input k; k == -1: control input) */

struct use {
	int op;
	int k;
};

struct uses {
	int *first; /* n_ops + 1 offsets into u */
	struct use *u;
};

static void uses_build(const struct tfc__pgraph *p, struct uses *us)
{
	const tfc_graph *g = p->g;
	size_t n = g->n_ops;
	us->first = tfc__calloc(n + 2, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		const tfc_operation *op = g->ops[i];
		if (p->flags[i] & TFC__PG_DEAD)
			continue;
		for (int k = 0; k < op->n_inputs; k++)
			us->first[op->inputs[k].oper->id + 1]++;
		for (int k = 0; k < op->n_control; k++)
			us->first[op->control[k]->id + 1]++;
	}
	for (size_t i = 0; i < n; i++)
		us->first[i + 1] += us->first[i];
	us->u = tfc__malloc(((size_t)us->first[n] + 1) * sizeof(*us->u));
	int *fill = tfc__calloc(n + 1, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		const tfc_operation *op = g->ops[i];
		if (p->flags[i] & TFC__PG_DEAD)
			continue;
		for (int k = 0; k < op->n_inputs; k++) {
			size_t s = op->inputs[k].oper->id;
			us->u[us->first[s] + fill[s]++] = (struct use){(int)i, k};
		}
		for (int k = 0; k < op->n_control; k++) {
			size_t s = op->control[k]->id;
			us->u[us->first[s] + fill[s]++] = (struct use){(int)i, -1};
		}
	}
	free(fill);
}

/* Whether use u reads output o of the op it uses. */
static bool reads(const tfc_graph *g, const struct use *u, int o)
{
	return u->k >= 0 && g->ops[u->op]->inputs[u->k].index == o;
}

static void uses_free(struct uses *us)
{
	free(us->first);
	free(us->u);
}

static bool is_placeholder(const tfc_operation *op)
{
	return !strncmp(op->type, "Placeholder", 11);
}

static bool is_target(const struct tfc__pgraph *p, const tfc_operation *op)
{
	for (int i = 0; i < p->n_targets; i++)
		if (p->targets[i] == op)
			return true;
	return false;
}

static bool ref_or_resource(tfc_dtype t)
{
	return tfc_dtype_is_ref(t) || t == TFC_RESOURCE || t == TFC_VARIANT;
}

static const char *device_type(const struct tfc_session *s, const struct tfc__pgraph *p,
			       const tfc_operation *op, char *buf, size_t n)
{
	struct tfc__device_spec ds;
	int d = p->dev[op->id];
	if (d < 0 || !tfc__device_parse(s->devices[d], &ds))
		return "CPU";
	snprintf(buf, n, "%s", ds.type);
	return buf;
}

/* What folding and merging both refuse, whatever the inputs. */
static bool pure_kind(const struct tfc_session *s, const struct tfc__pgraph *p, const tfc_operation *op)
{
	unsigned f = p->flags[op->id];
	if (f & (TFC__PG_DEAD | TFC__PG_STANDIN))
		return false;
	if (!op->def || (op->def->flags & TFC_OPF_STATEFUL) || op->n_outputs == 0)
		return false;
	if (tfc__is_control_flow(op) || is_placeholder(op))
		return false;
	char dt[32];
	const struct tfc_kernel_def *k = tfc_kernel_lookup(op->type, device_type(s, p, op, dt, sizeof(dt)));
	if (!k || (k->flags & TFC_KF_STATEFUL))
		return false;
	for (int o = 0; o < op->n_outputs; o++)
		if (ref_or_resource(op->outs[o].dtype) || tfc__pgraph_is_fed(p, op, o))
			return false;
	for (int i = 0; i < op->n_inputs; i++)
		if (op->input_types && ref_or_resource(op->input_types[i]))
			return false;
	return true;
}

/* ---- constant folding */

/* Runs op's CPU kernel on in[] (borrowed, and left intact: the kernel gets its own
 * references, so it never writes its output into an input's buffer); fills out[]
 * (owned) or returns false. */
static bool eval_node(struct tfc_session *s, tfc_operation *op, tfc_tensor *const *in_vals,
		      tfc_tensor **out)
{
	tfc_tensor **in = tfc__calloc((size_t)op->n_inputs + 1, sizeof(*in));
	for (int k = 0; k < op->n_inputs; k++)
		in[k] = tfc_tensor_ref(in_vals[k]);
	const struct tfc_kernel_def *kd = tfc_kernel_lookup(op->type, "CPU");
	if (!kd)
		return false;
	tfc_status kst = {0};
	void *state = NULL;
	bool ok = false;
	struct tfc_ref **inref = tfc__calloc((size_t)op->n_inputs + 1, sizeof(*inref));
	struct tfc_ref **outref = tfc__calloc((size_t)op->n_outputs + 1, sizeof(*outref));
	if (kd->create) {
		state = kd->create(op, &kst);
		if (kst.code != TFC_OK)
			goto cleanup;
	}
	struct tfc_kernel_ctx ctx = {
		.op = op,
		.state = state,
		.n_inputs = op->n_inputs,
		.inputs = in,
		.input_refs = inref,
		.n_outputs = op->n_outputs,
		.outputs = out,
		.output_refs = outref,
		.resources = &s->res,
		.intra_op_threads = 1,
		.st = &kst,
	};
	kd->compute(&ctx);
	ok = kst.code == TFC_OK;
	for (int o = 0; o < op->n_outputs && ok; o++)
		ok = out[o] != NULL && outref[o] == NULL;
cleanup:
	if (state && kd->destroy)
		kd->destroy(state);
	free(kst.msg);
	for (int k = 0; k < op->n_inputs; k++)
		tfc_tensor_free(in[k]);
	free(in);
	free(inref);
	free(outref);
	return ok;
}

/* A Const holding t in place of output o of op; NULL if it cannot be made. */
static tfc_operation *make_const(struct tfc__pgraph *p, const tfc_operation *op, const tfc_tensor *t)
{
	char *prefix = tfc__pgraph_new_name(p, op->name);
	char *name = tfc__asprintf("%s__cf__%d", prefix, atomic_fetch_add(&next_cf_id, 1));
	free(prefix);
	tfc_status st = {0};
	tfc_op_desc *d = tfc_op_new_exact(p->g, "Const", name);
	tfc_op_set_attr_type(d, "dtype", tfc_tensor_dtype(t));
	tfc_op_set_attr_tensor(d, "value", t, &st);
	tfc_op_set_device(d, op->device);
	free(st.msg);
	st.msg = NULL;
	tfc_operation *c = tfc_op_finish(d, &st); /* consumes d; fails if the attr did */
	free(st.msg);
	free(name);
	if (!c)
		return NULL;
	tfc__pgraph_grow(p);
	p->dev[c->id] = p->dev[op->id];
	return c;
}

static void constant_fold(struct tfc_session *s, struct tfc__pgraph *p, int64_t cap)
{
	tfc_graph *g = p->g;
	size_t n = g->n_ops;
	int *order = tfc__malloc((n + 1) * sizeof(int));
	int n_order = tfc__pgraph_topo_order(p, order);
	/* 0: not foldable; 1: foldable; 2: foldable and needed (its value is computed). */
	unsigned char *fold = tfc__calloc(n + 1, 1);
	int *out_base = tfc__malloc((n + 1) * sizeof(int));
	int n_out = 0;
	for (size_t i = 0; i < n; i++) {
		out_base[i] = n_out;
		n_out += g->ops[i]->n_outputs;
	}
	tfc_tensor **val = tfc__calloc((size_t)n_out + 1, sizeof(*val));
	struct uses us;
	uses_build(p, &us);
	for (int j = 0; j < n_order; j++) {
		tfc_operation *op = g->ops[order[j]];
		bool f = pure_kind(s, p, op) && op->n_control == 0 && !is_target(p, op) &&
			 tfc_kernel_lookup(op->type, "CPU") != NULL;
		for (int k = 0; k < op->n_inputs && f; k++) {
			tfc_output in = op->inputs[k];
			f = fold[in.oper->id] && !tfc__pgraph_is_fed(p, in.oper, in.index);
		}
		fold[op->id] = f;
	}
	/* The frontier (foldable non-Const nodes read by something that is not, or
	 * fetched) and what it needs. */
	bool *fetched = tfc__calloc(n + 1, sizeof(bool));
	for (int i = 0; i < p->n_fetches; i++)
		if (p->fetches[i].oper)
			fetched[p->fetches[i].oper->id] = true;
	int *stack = tfc__malloc((n + 1) * sizeof(int)), sp = 0;
	for (size_t i = 0; i < n; i++) {
		if (fold[i] != 1 || !strcmp(g->ops[i]->type, "Const"))
			continue;
		bool frontier = fetched[i];
		for (int e = us.first[i]; e < us.first[i + 1] && !frontier; e++)
			frontier = !fold[us.u[e].op];
		if (frontier) {
			fold[i] = 2;
			stack[sp++] = (int)i;
		}
	}
	while (sp > 0) {
		tfc_operation *op = g->ops[stack[--sp]];
		for (int k = 0; k < op->n_inputs; k++) {
			size_t src = op->inputs[k].oper->id;
			if (fold[src] == 1) {
				fold[src] = 2;
				stack[sp++] = (int)src;
			}
		}
	}
	/* Evaluate the needed nodes; a failure (or a tensor over the cap) makes the
	 * node, and what reads it, unfoldable. */
	bool any = false;
	for (int j = 0; j < n_order; j++) {
		tfc_operation *op = g->ops[order[j]];
		if (fold[op->id] != 2)
			continue;
		any = true;
		tfc_tensor **in = tfc__calloc((size_t)op->n_inputs + 1, sizeof(*in));
		bool ready = true;
		for (int k = 0; k < op->n_inputs && ready; k++) {
			tfc_output src = op->inputs[k];
			in[k] = val[out_base[src.oper->id] + src.index];
			ready = in[k] != NULL;
		}
		if (!ready || !eval_node(s, op, in, val + out_base[op->id])) {
			fold[op->id] = 0;
			for (int o = 0; o < op->n_outputs; o++) {
				tfc_tensor_free(val[out_base[op->id] + o]);
				val[out_base[op->id] + o] = NULL;
			}
		}
		free(in);
	}
	/* Replace each tensor leaving the folded region by a Const. */
	for (size_t i = 0; any && i < n; i++) {
		tfc_operation *op = g->ops[i];
		if (fold[i] != 2 || !strcmp(op->type, "Const"))
			continue;
		for (int o = 0; o < op->n_outputs; o++) {
			bool used = false;
			for (int e = us.first[i]; e < us.first[i + 1] && !used; e++)
				used = reads(g, &us.u[e], o) && !fold[us.u[e].op];
			for (int f = 0; f < p->n_fetches && !used; f++)
				used = p->fetches[f].oper == op && p->fetches[f].index == o;
			tfc_tensor *t = val[out_base[i] + o];
			if (!used || !t || (int64_t)tfc_tensor_byte_size(t) > cap)
				continue;
			tfc_operation *c = make_const(p, op, t);
			if (!c)
				continue;
			p->n_folded++;
			for (int e = us.first[i]; e < us.first[i + 1]; e++)
				if (reads(g, &us.u[e], o) && !fold[us.u[e].op])
					tfc__pgraph_set_input(g->ops[us.u[e].op], us.u[e].k, (tfc_output){c, 0});
			for (int f = 0; f < p->n_fetches; f++)
				if (p->fetches[f].oper == op && p->fetches[f].index == o)
					p->fetches[f] = (tfc_output){c, 0};
		}
	}
	for (int i = 0; i < n_out; i++)
		tfc_tensor_free(val[i]);
	free(val);
	free(stack);
	free(fetched);
	uses_free(&us);
	free(out_base);
	free(fold);
	free(order);
}

/* ---- common-subexpression elimination */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

static uint64_t hash_bytes(const void *data, size_t n)
{
	const uint8_t *b = data;
	uint64_t h = 0xcbf29ce484222325ull ^ n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t hash_str(const char *s) { return hash_bytes(s, strlen(s)); }

static uint64_t hash_attr(const Tensorflow__AttrValue *v)
{
	/* Large tensors by their bytes (packing them would copy megabytes per node). */
	if (v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_TENSOR && v->tensor &&
	    v->tensor->tensor_content.len > 256) {
		uint64_t h = hash_bytes(v->tensor->tensor_content.data, v->tensor->tensor_content.len);
		return mix(h, (uint64_t)v->tensor->dtype);
	}
	size_t len = protobuf_c_message_get_packed_size(&v->base);
	if (len > 4096)
		return len;
	uint8_t buf[4096];
	protobuf_c_message_pack(&v->base, buf);
	return hash_bytes(buf, len);
}

static uint64_t node_hash(const struct tfc__pgraph *p, const tfc_operation *op)
{
	uint64_t h = hash_str(op->type);
	h = mix(h, hash_str(op->device));
	h = mix(h, (uint64_t)(int64_t)p->dev[op->id]);
	for (int k = 0; k < op->n_inputs; k++)
		h = mix(h, ((uint64_t)op->inputs[k].oper->id << 16) ^ (uint64_t)op->inputs[k].index);
	uint64_t c = 0; /* control inputs as a set: order does not matter */
	for (int k = 0; k < op->n_control; k++)
		c += mix(0x51ed27, op->control[k]->id);
	h = mix(h, c);
	for (int a = 0; a < op->n_attrs; a++)
		h = mix(mix(h, hash_str(op->attrs[a].name)), hash_attr(op->attrs[a].value));
	return h;
}

static bool has_control(const tfc_operation *op, const tfc_operation *c)
{
	for (int k = 0; k < op->n_control; k++)
		if (op->control[k] == c)
			return true;
	return false;
}

static bool equivalent(const struct tfc__pgraph *p, const tfc_operation *a, const tfc_operation *b)
{
	if (strcmp(a->type, b->type) || strcmp(a->device, b->device) || p->dev[a->id] != p->dev[b->id])
		return false;
	if (a->n_inputs != b->n_inputs || a->n_control != b->n_control || a->n_attrs != b->n_attrs)
		return false;
	for (int k = 0; k < a->n_inputs; k++)
		if (a->inputs[k].oper != b->inputs[k].oper || a->inputs[k].index != b->inputs[k].index)
			return false;
	for (int k = 0; k < a->n_control; k++)
		if (!has_control(b, a->control[k]))
			return false;
	for (int i = 0; i < a->n_attrs; i++)
		if (strcmp(a->attrs[i].name, b->attrs[i].name) ||
		    !tfc__attr_equal(a->attrs[i].value, b->attrs[i].value))
			return false;
	return true;
}

/* Every use of op becomes a use of rep; op is dead. */
static void replace_node(struct tfc__pgraph *p, const struct uses *us, tfc_operation *op, tfc_operation *rep)
{
	tfc_graph *g = p->g;
	for (int e = us->first[op->id]; e < us->first[op->id + 1]; e++) {
		tfc_operation *u = g->ops[us->u[e].op];
		int k = us->u[e].k;
		if (k >= 0) {
			if (u->inputs[k].oper == op)
				tfc__pgraph_set_input(u, k, (tfc_output){rep, u->inputs[k].index});
			continue;
		}
		/* A control input: ^op becomes ^rep, once. */
		int w = 0;
		bool have = false;
		for (int c = 0; c < u->n_control; c++) {
			tfc_operation *x = u->control[c] == op ? rep : u->control[c];
			if (x == rep) {
				if (have)
					continue;
				have = true;
			}
			u->control[w++] = x;
		}
		u->n_control = w;
	}
	for (int f = 0; f < p->n_fetches; f++)
		if (p->fetches[f].oper == op)
			p->fetches[f].oper = rep;
	p->flags[op->id] |= TFC__PG_DEAD;
}

static void cse(struct tfc_session *s, struct tfc__pgraph *p)
{
	tfc_graph *g = p->g;
	size_t n = g->n_ops;
	int *order = tfc__malloc((n + 1) * sizeof(int));
	int n_order = tfc__pgraph_topo_order(p, order);
	size_t nb = 16;
	while (nb < 2 * n)
		nb *= 2;
	int *head = tfc__malloc(nb * sizeof(int));
	for (size_t i = 0; i < nb; i++)
		head[i] = -1;
	int *next = tfc__malloc((n + 1) * sizeof(int));
	uint64_t *hash = tfc__malloc((n + 1) * sizeof(uint64_t));
	struct uses us;
	uses_build(p, &us);
	for (int j = 0; j < n_order; j++) {
		tfc_operation *op = g->ops[order[j]];
		if (!pure_kind(s, p, op))
			continue;
		uint64_t h = node_hash(p, op);
		size_t b = (size_t)(h & (nb - 1));
		tfc_operation *rep = NULL;
		for (int c = head[b]; c >= 0 && !rep; c = next[c])
			if (hash[c] == h && equivalent(p, g->ops[c], op))
				rep = g->ops[c];
		if (rep && !is_target(p, op)) {
			replace_node(p, &us, op, rep);
			p->n_cse++;
			continue;
		}
		hash[op->id] = h;
		next[op->id] = head[b];
		head[b] = (int)op->id;
	}
	uses_free(&us);
	free(hash);
	free(next);
	free(head);
	free(order);
}

/* ---- dead nodes */

static void remove_dead(struct tfc__pgraph *p)
{
	tfc_graph *g = p->g;
	size_t n = g->n_ops;
	bool *live = tfc__calloc(n + 1, sizeof(bool));
	int *stack = tfc__malloc((n + 1) * sizeof(int)), sp = 0;
	for (int i = 0; i < p->n_fetches; i++)
		if (p->fetches[i].oper && !live[p->fetches[i].oper->id]) {
			live[p->fetches[i].oper->id] = true;
			stack[sp++] = (int)p->fetches[i].oper->id;
		}
	for (int i = 0; i < p->n_targets; i++)
		if (!live[p->targets[i]->id]) {
			live[p->targets[i]->id] = true;
			stack[sp++] = (int)p->targets[i]->id;
		}
	while (sp > 0) {
		tfc_operation *op = g->ops[stack[--sp]];
		for (int k = 0; k < op->n_inputs; k++) {
			tfc_output in = op->inputs[k];
			if (live[in.oper->id] || tfc__pgraph_is_fed(p, in.oper, in.index))
				continue;
			live[in.oper->id] = true;
			stack[sp++] = (int)in.oper->id;
		}
		for (int k = 0; k < op->n_control; k++) {
			if (!live[op->control[k]->id]) {
				live[op->control[k]->id] = true;
				stack[sp++] = (int)op->control[k]->id;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (live[i] || (p->flags[i] & (TFC__PG_STANDIN | TFC__PG_DEAD)))
			continue;
		p->flags[i] |= TFC__PG_DEAD;
		p->n_removed++;
	}
	free(stack);
	free(live);
}

void tfc__graph_optimize(struct tfc_session *s, struct tfc__pgraph *p)
{
	const Tensorflow__GraphOptions *go = s->config->graph_options;
	const Tensorflow__OptimizerOptions *oo = go ? go->optimizer_options : NULL;
	bool l1 = !oo || oo->opt_level != TENSORFLOW__OPTIMIZER_OPTIONS__LEVEL__L0;
	bool fold = l1 || oo->do_constant_folding;
	bool merge = l1 || oo->do_common_subexpression_elimination;
	int64_t cap = oo && oo->max_folded_constant_in_bytes > 0 ? oo->max_folded_constant_in_bytes
								  : DEFAULT_FOLD_CAP;
	if (fold)
		constant_fold(s, p, cap);
	if (merge)
		cse(s, p);
	if (fold || merge)
		remove_dead(p);
}
