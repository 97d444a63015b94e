/*
 * executor.c: building and running the executable of one run signature.
 *
 * Build (once per signature, cached by the session): prune the graph to what the
 * fetches and targets need (a fed tensor cuts the walk: its producer does not run for
 * it), place the nodes, copy them into the executable's private graph, optimize and
 * partition it (core/graph_opt.h), check that every needed placeholder is fed, order
 * the nodes (a cycle is refused, except through a loop's NextIteration -> Merge: see
 * executor_cf.c), find and create each node's kernel, and lay out the edges: each
 * input of each node is one slot; each output knows the slots (and fetches) it fills.
 *
 * Run: dataflow with pending counts. A node whose inputs are all present runs; its
 * outputs go into its consumers' slots (one tensor reference per consumer, so a
 * buffer is released as soon as its last consumer is done) and consumers whose count
 * reaches zero become ready. With one inter-op thread everything runs on the calling
 * thread; otherwise ready nodes go to the session's pool, and a worker keeps one ready
 * successor for itself (a chain then stays on one thread). The first error stops
 * scheduling; nodes already running finish; the error names its node.
 */
#include <stdarg.h>
#include <time.h>

#include "executor_internal.h"
#include "rendezvous.h"

/* ---- build */

static char *tensor_key(const char *name, int index) { return tfc__asprintf("%s:%d", name, index); }

/* Whether every output of op is fed (then op itself never runs, and a control edge
 * from it is satisfied by the feed, as TensorFlow rewires it). */
static bool all_outputs_fed(const struct tfc__strmap *fed, const tfc_operation *op)
{
	if (op->n_outputs == 0)
		return false;
	for (int o = 0; o < op->n_outputs; o++) {
		char *key = tensor_key(op->name, o);
		bool is_fed = tfc__strmap_find(fed, key) != NULL;
		free(key);
		if (!is_fed)
			return false;
	}
	return true;
}

static bool is_placeholder(const tfc_operation *op)
{
	return !strcmp(op->type, "Placeholder") || !strcmp(op->type, "PlaceholderV2");
}

static void scratch_free(struct tfc__trace_scratch *sc)
{
	if (!sc)
		return;
	free(sc->stats);
	free(sc->out_buf);
	tfc__arena_free(&sc->arena);
	free(sc);
}

void tfc__trace_begin(struct tfc__executable *x, struct tfc__run_trace *trace)
{
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	int64_t mono = tfc__now_ns();
	trace->real_minus_mono_ns = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec - mono;
	trace->step_start_ns = mono;
	struct tfc__trace_scratch *sc = atomic_exchange(&x->scratch, NULL);
	if (sc) {
		memset(sc->stats, 0, ((size_t)x->n_nodes + 1) * sizeof(*sc->stats));
		memset(sc->out_buf, 0, ((size_t)x->n_outs + 1) * sizeof(*sc->out_buf));
	} else {
		sc = tfc__calloc(1, sizeof(*sc));
		sc->stats = tfc__calloc((size_t)x->n_nodes + 1, sizeof(*sc->stats));
		sc->out_buf = tfc__calloc((size_t)x->n_outs + 1, sizeof(*sc->out_buf));
	}
	trace->scratch = sc;
	trace->stats = sc->stats;
	trace->out_buf = sc->out_buf;
	trace->n_extra = 0;
	for (int i = 0; i < x->n_roots; i++)
		trace->stats[x->roots[i]].sched_ns = mono;
}

void tfc__run_trace_done(struct tfc__executable *x, struct tfc__run_trace *t)
{
	for (int i = 0; i < t->n_extra; i++)
		free(t->extra[i].st.outs);
	free(t->extra);
	t->extra = NULL;
	t->n_extra = t->cap_extra = 0;
	struct tfc__trace_scratch *sc = t->scratch, *none = NULL;
	t->scratch = NULL;
	t->stats = NULL;
	t->out_buf = NULL;
	if (sc && !atomic_compare_exchange_strong(&x->scratch, &none, sc))
		scratch_free(sc);
}

void tfc__executable_free(struct tfc__executable *x)
{
	if (!x)
		return;
	scratch_free(atomic_load(&x->scratch));
	tfc__cf_free(x->cf);
	for (int i = 0; i < x->n_nodes; i++) {
		struct xnode *n = &x->nodes[i];
		if (n->k && n->k->destroy && n->state && !n->shared_state)
			n->k->destroy(n->state);
		free(n->out_first);
		free(n->edges);
		free(n->fetch_first);
		free(n->fetch_of);
		free(n->ctrl);
		free(n->ref_arg);
	}
	tfc__pgraph_free(&x->pg);
	free(x->nodes);
	free(x->feed_first);
	free(x->feed_slots);
	free(x->fetch_feed);
	free(x->roots);
	free(x);
}

struct tfc__executable *tfc__executable_build(struct tfc_session *s, const tfc_output *feeds,
					      int n_feeds, const tfc_output *fetches, int n_fetches,
					      tfc_operation *const *targets, int n_targets,
					      tfc_status *st)
{
	tfc_graph *g = s->graph;
	size_t n_ops = g->n_ops;
	struct tfc__strmap fed;
	tfc__strmap_init(&fed, false);
	int *node_of = tfc__malloc((n_ops + 1) * sizeof(int)); /* op id -> node, -1 */
	for (size_t i = 0; i < n_ops; i++)
		node_of[i] = -1;
	tfc_operation **stack = tfc__malloc((n_ops + 1) * sizeof(*stack));
	struct tfc__executable *x = tfc__calloc(1, sizeof(*x));
	int *order = NULL, *pending = NULL, *placed = NULL;
	bool ok = false;

	for (int i = 0; i < n_feeds; i++) {
		char *k = tensor_key(feeds[i].oper->name, feeds[i].index);
		void **slot = tfc__strmap_put(&fed, k);
		free(k);
		*slot = (void *)(intptr_t)(i + 1); /* a tensor fed twice: the last feed wins */
	}
	/* Prune: walk back from fetches and targets. */
	int n = 0, sp = 0;
	x->n_fetches = n_fetches;
	x->fetch_feed = tfc__malloc(((size_t)n_fetches + 1) * sizeof(int));
	for (int i = 0; i < n_fetches; i++) {
		char *k = tensor_key(fetches[i].oper->name, fetches[i].index);
		void **f = tfc__strmap_find(&fed, k);
		free(k);
		x->fetch_feed[i] = f ? (int)(intptr_t)*f - 1 : -1;
		if (!f && node_of[fetches[i].oper->id] < 0) {
			node_of[fetches[i].oper->id] = n++;
			stack[sp++] = fetches[i].oper;
		}
	}
	for (int i = 0; i < n_targets; i++) {
		if (node_of[targets[i]->id] < 0) {
			node_of[targets[i]->id] = n++;
			stack[sp++] = targets[i];
		}
	}
	tfc_operation **ops_of = tfc__malloc((n_ops + 1) * sizeof(*ops_of));
	for (int i = 0; i < sp; i++)
		ops_of[node_of[stack[i]->id]] = stack[i];
	while (sp > 0) {
		tfc_operation *op = stack[--sp];
		for (int k = 0; k < op->n_inputs; k++) {
			tfc_output in = op->inputs[k];
			char *key = tensor_key(in.oper->name, in.index);
			bool is_fed = tfc__strmap_find(&fed, key) != NULL;
			free(key);
			if (is_fed || node_of[in.oper->id] >= 0)
				continue;
			node_of[in.oper->id] = n;
			ops_of[n++] = in.oper;
			stack[sp++] = in.oper;
		}
		for (int k = 0; k < op->n_control; k++) {
			tfc_operation *c = op->control[k];
			if (node_of[c->id] >= 0 || all_outputs_fed(&fed, c))
				continue; /* a fed node does not run: the feed answers for it */
			node_of[c->id] = n;
			ops_of[n++] = c;
			stack[sp++] = c;
		}
	}
	placed = tfc__malloc(((size_t)n + 1) * sizeof(int));
	if (!tfc__place(s, ops_of, n, placed, st))
		goto out;
	/* The private graph: the pruned nodes copied, optimized and partitioned. From
	 * here on the executable's nodes, fetches and edges are its own. */
	tfc__pgraph_init(&x->pg, ops_of, n, placed, &fed, fetches, n_fetches, x->fetch_feed, targets,
			 n_targets);
	tfc__graph_optimize(s, &x->pg);
	tfc__pgraph_compact(&x->pg);
	if (!tfc__partition(s, &x->pg, st))
		goto out;
	x->has_rendezvous = x->pg.n_send > 0;
	fetches = x->pg.fetches;
	size_t n_pg = x->pg.g->n_ops;
	node_of = tfc__realloc(node_of, (n_pg + 1) * sizeof(int));
	ops_of = tfc__realloc(ops_of, (n_pg + 1) * sizeof(*ops_of));
	placed = tfc__realloc(placed, (n_pg + 1) * sizeof(int));
	n = 0;
	for (size_t i = 0; i < n_pg; i++) {
		node_of[i] = -1;
		if (x->pg.flags[i] & TFC__PG_STANDIN)
			continue; /* a fed tensor's producer: the feed answers for it */
		node_of[i] = n;
		ops_of[n] = x->pg.g->ops[i];
		placed[n++] = x->pg.dev[i];
	}
	x->n_nodes = n;
	x->nodes = tfc__calloc((size_t)n + 1, sizeof(struct xnode));
	/* Nodes, kernels and input slots. */
	int slots = 0, outs = 0;
	for (int i = 0; i < n; i++) {
		struct xnode *xn = &x->nodes[i];
		tfc_operation *op = ops_of[i];
		xn->op = op;
		xn->n_in = op->n_inputs;
		xn->in_base = slots;
		slots += op->n_inputs;
		xn->n_out = op->n_outputs;
		xn->out_base = outs;
		outs += op->n_outputs;
		xn->device = placed[i];
		if (!op->def) {
			tfc_status_set(st, TFC_NOT_FOUND,
				       "Op type not registered '%s' in binary running tfc.\n\t [[{{node %s}}]]",
				       op->type, op->name);
			goto out;
		}
		if (is_placeholder(op)) {
			char shape[256];
			tfc_shape sh = tfc_operation_output_shape(op, 0);
			tfc_shape_format(&sh, shape, sizeof(shape));
			tfc_status_set(st, TFC_INVALID_ARGUMENT,
				       "You must feed a value for placeholder tensor '%s' with dtype %s%s%s\n\t [[{{node %s}}]]",
				       op->name, tfc_dtype_name(tfc_operation_output_type(op, 0)),
				       sh.rank > 0 ? " and shape " : "", sh.rank > 0 ? shape : "", op->name);
			goto out;
		}
		struct tfc__device_spec ds;
		tfc__device_parse(s->devices[xn->device], &ds);
		xn->k = tfc_kernel_lookup(op->type, ds.type);
		if (!strcmp(op->type, "TensorArrayV3") || !strcmp(op->type, "StackV2"))
			x->has_step_objects = true;
		if (!xn->k) {
			tfc_status_set(st, TFC_UNIMPLEMENTED,
				       "No OpKernel was registered to support Op '%s' used by {{node %s}} on %s",
				       op->type, op->name, ds.type);
			goto out;
		}
		/* A stateful kernel (a random generator, say) keeps one state per session
		 * and node, shared by every signature that runs the node. */
		void **shared = NULL;
		if (xn->k->create && (xn->k->flags & TFC_KF_STATEFUL)) {
			shared = tfc__strmap_put(&s->kernel_state, op->name);
			if (*shared) {
				xn->state = *shared;
				xn->shared_state = true;
				shared = NULL;
			}
		}
		if (xn->k->create && !xn->shared_state) {
			tfc_status kst = {0};
			xn->state = xn->k->create(op, &kst);
			if (shared && kst.code == TFC_OK) {
				*shared = xn->state;
				xn->shared_state = true;
			}
			if (kst.code != TFC_OK) {
				tfc_status_set(st, kst.code, "%s\n\t [[{{node %s}}]]", kst.msg ? kst.msg : "",
					       op->name);
				free(kst.msg);
				goto out;
			}
		}
		xn->ref_arg = tfc__calloc((size_t)op->n_inputs + 1, sizeof(bool));
		for (int k = 0; k < op->n_inputs; k++)
			xn->ref_arg[k] = tfc_dtype_is_ref(op->input_types[k]);
		xn->allows_uninit = op->def->flags & TFC_OPF_ALLOWS_UNINITIALIZED_INPUT;
	}
	x->n_slots = slots;
	x->n_outs = outs;
	/* Edges: count, then fill. */
	for (int i = 0; i < n; i++) {
		struct xnode *xn = &x->nodes[i];
		xn->out_first = tfc__calloc((size_t)xn->n_out + 2, sizeof(int));
		xn->fetch_first = tfc__calloc((size_t)xn->n_out + 2, sizeof(int));
	}
	x->n_feeds = n_feeds;
	x->feed_first = tfc__calloc((size_t)n_feeds + 2, sizeof(int));
	int *feed_of_slot = tfc__malloc(((size_t)slots + 1) * sizeof(int));
	for (int i = 0; i < n; i++) {
		struct xnode *xn = &x->nodes[i];
		for (int k = 0; k < xn->n_in; k++) {
			tfc_output in = xn->op->inputs[k];
			char *key = tensor_key(in.oper->name, in.index);
			void **f = tfc__strmap_find(&fed, key);
			free(key);
			feed_of_slot[xn->in_base + k] = f ? (int)(intptr_t)*f - 1 : -1;
			if (f)
				x->feed_first[feed_of_slot[xn->in_base + k] + 1]++;
			else
				x->nodes[node_of[in.oper->id]].out_first[in.index + 1]++;
		}
		for (int k = 0; k < xn->op->n_control; k++)
			if (node_of[xn->op->control[k]->id] >= 0) /* else fed: no edge */
				x->nodes[node_of[xn->op->control[k]->id]].n_ctrl++;
	}
	for (int i = 0; i < n_fetches; i++)
		if (x->fetch_feed[i] < 0)
			x->nodes[node_of[fetches[i].oper->id]].fetch_first[fetches[i].index + 1]++;
	for (int i = 0; i < n_feeds; i++)
		x->feed_first[i + 1] += x->feed_first[i];
	x->feed_slots = tfc__malloc(((size_t)x->feed_first[n_feeds] + 1) * sizeof(int));
	int *feed_fill = tfc__calloc((size_t)n_feeds + 1, sizeof(int));
	for (int i = 0; i < n; i++) {
		struct xnode *xn = &x->nodes[i];
		for (int o = 0; o < xn->n_out; o++) {
			xn->out_first[o + 1] += xn->out_first[o];
			xn->fetch_first[o + 1] += xn->fetch_first[o];
		}
		xn->edges = tfc__malloc(((size_t)xn->out_first[xn->n_out] + 1) * sizeof(struct xedge));
		xn->fetch_of = tfc__malloc(((size_t)xn->fetch_first[xn->n_out] + 1) * sizeof(int));
		xn->ctrl = tfc__malloc(((size_t)xn->n_ctrl + 1) * sizeof(int));
		xn->n_ctrl = 0;
	}
	int **efill = tfc__calloc((size_t)n + 1, sizeof(int *));
	for (int i = 0; i < n; i++)
		efill[i] = tfc__calloc((size_t)x->nodes[i].n_out + 1, sizeof(int));
	for (int i = 0; i < n; i++) {
		struct xnode *xn = &x->nodes[i];
		for (int k = 0; k < xn->n_in; k++) {
			int slot = xn->in_base + k;
			int f = feed_of_slot[slot];
			if (f >= 0) {
				x->feed_slots[x->feed_first[f] + feed_fill[f]++] = slot;
				continue;
			}
			tfc_output in = xn->op->inputs[k];
			int p = node_of[in.oper->id];
			struct xnode *pn = &x->nodes[p];
			pn->edges[pn->out_first[in.index] + efill[p][in.index]++] = (struct xedge){i, slot};
			xn->pending0++;
		}
		for (int k = 0; k < xn->op->n_control; k++) {
			if (node_of[xn->op->control[k]->id] < 0)
				continue; /* a fed node: nothing to wait for */
			struct xnode *pn = &x->nodes[node_of[xn->op->control[k]->id]];
			pn->ctrl[pn->n_ctrl++] = i;
			xn->pending0++;
		}
	}
	for (int i = 0; i < n; i++)
		memset(efill[i], 0, (size_t)x->nodes[i].n_out * sizeof(int));
	for (int i = 0; i < n_fetches; i++) {
		if (x->fetch_feed[i] >= 0)
			continue;
		int p = node_of[fetches[i].oper->id];
		struct xnode *pn = &x->nodes[p];
		pn->fetch_of[pn->fetch_first[fetches[i].index] + efill[p][fetches[i].index]++] = i;
	}
	for (int i = 0; i < n; i++)
		free(efill[i]);
	free(efill);
	free(feed_fill);
	free(feed_of_slot);
	/* Roots, and a cycle check by Kahn's order. */
	order = tfc__malloc(((size_t)n + 1) * sizeof(int));
	pending = tfc__malloc(((size_t)n + 1) * sizeof(int));
	int head = 0, tail = 0;
	for (int i = 0; i < n; i++) {
		pending[i] = x->nodes[i].pending0;
		if (!pending[i])
			order[tail++] = i;
	}
	x->n_roots = tail;
	x->roots = tfc__malloc(((size_t)tail + 1) * sizeof(int));
	memcpy(x->roots, order, (size_t)tail * sizeof(int));
	bool has_cf = false;
	for (int i = 0; i < n && !has_cf; i++)
		has_cf = tfc__cf_is_control_flow(x->nodes[i].op);
	if (has_cf) {
		/* Loops are cycles through NextIteration -> Merge: the control-flow build
		 * checks the graph its own way. */
		if (!tfc__cf_build(x, st))
			goto out;
		tail = head = n;
	}
	while (head < tail) {
		struct xnode *xn = &x->nodes[order[head++]];
		for (int e = 0; e < xn->out_first[xn->n_out]; e++)
			if (--pending[xn->edges[e].node] == 0)
				order[tail++] = xn->edges[e].node;
		for (int c = 0; c < xn->n_ctrl; c++)
			if (--pending[xn->ctrl[c]] == 0)
				order[tail++] = xn->ctrl[c];
	}
	if (tail != n) {
		int bad = 0;
		while (bad < n && pending[bad] == 0)
			bad++;
		tfc_status_set(st, TFC_INVALID_ARGUMENT,
			       "Graph is invalid, contains a cycle with %d nodes, including: %s",
			       n - tail, x->nodes[bad].op->name);
		goto out;
	}
	ok = true;
	tfc_status_set(st, TFC_OK, NULL);
out:
	x->pg.fed = NULL; /* borrowed `fed` goes now */
	free(placed);
	free(order);
	free(pending);
	free(ops_of);
	free(stack);
	free(node_of);
	tfc__strmap_clear(&fed);
	if (!ok) {
		tfc__executable_free(x);
		return NULL;
	}
	return x;
}

/* ---- run */


struct nrun;

struct step {
	struct tfc_session *s;
	struct tfc__executable *x;
	struct slot *slots;
	struct nrun *runs;         /* one per node */
	tfc_tensor **in_buf, **out_buf; /* the nodes' argument arrays, back to back */
	struct tfc_ref **inref_buf, **outref_buf;
	atomic_int *pending;
	tfc_tensor **out_values;
	int64_t step_id;
	int64_t deadline_ns;
	struct tfc__run_trace *trace; /* NULL unless this step is traced */
	struct tfc__rendezvous *rendezvous; /* owned; NULL unless x has _Send/_Recv */
	struct tfc__step_resources *step_res; /* owned: TensorArrays, stacks */
	atomic_bool failed;
	pthread_mutex_t mu;   /* guards err, and the wait for outstanding == 0 */
	pthread_cond_t done;  /* signalled when outstanding reaches 0 */
	tfc_status err;
	atomic_int outstanding; /* nodes scheduled and not yet finished */
};

struct task {
	struct step *step;
	int node;
};


static void step_fail(struct step *sp, tfc_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void step_fail(struct step *sp, tfc_code code, const char *fmt, ...)
{
	pthread_mutex_lock(&sp->mu);
	if (sp->err.code == TFC_OK) {
		va_list ap;
		va_start(ap, fmt);
		char buf[2048];
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		tfc_status_set(&sp->err, code, "%s", buf);
	}
	atomic_store(&sp->failed, true);
	pthread_mutex_unlock(&sp->mu);
}


/* One node's execution in a step: its argument arrays point into the step's
 * buffers (each node runs at most once a step, so nothing is allocated per node). */
struct nrun {
	struct step *sp;
	int node;
	tfc_tensor **in;
	struct tfc_ref **inref;
	tfc_tensor **out;
	struct tfc_ref **outref;
	tfc_status kst;
	struct tfc_kernel_ctx ctx;
};

typedef void (*push_fn)(struct step *, int, void *);

/* Small per-thread numbers for step stats' thread_id. */
static atomic_uint next_thread_id = 1;
static _Thread_local uint32_t my_thread_id;

uint32_t tfc__exec_thread_id(void)
{
	if (!my_thread_id)
		my_thread_id = atomic_fetch_add(&next_thread_id, 1);
	return my_thread_id;
}

/* The second half of a node: check what the kernel said, hand the outputs to the
 * consumers and fetches, release the inputs, and make ready successors: the first
 * one through *next when next is non-NULL, the others (or all) through push. */
static void finish_node(struct nrun *nr, bool computed, push_fn push, void *pctx, int *next)
{
	struct step *sp = nr->sp;
	struct xnode *xn = &sp->x->nodes[nr->node];
	bool ok = computed;
	if (computed && nr->kst.code != TFC_OK) {
		step_fail(sp, nr->kst.code, "%s\n\t [[{{node %s}}]]", nr->kst.msg ? nr->kst.msg : "",
			  xn->op->name);
		ok = false;
	}
	free(nr->kst.msg);
	nr->kst.msg = NULL;
	for (int o = 0; o < xn->n_out && ok; o++) {
		if (!nr->out[o] && !nr->outref[o]) {
			step_fail(sp, TFC_INTERNAL, "Kernel %s produced no output %d\n\t [[{{node %s}}]]",
				  xn->op->type, o, xn->op->name);
			ok = false;
		}
	}
	for (int k = 0; k < xn->n_in; k++)
		tfc_tensor_free(nr->in[k]);
	struct tfc__node_stat *ns = sp->trace ? &sp->trace->stats[nr->node] : NULL;
	if (ns && computed) {
		ns->op_end_ns = tfc__now_ns();
		ns->ran = ok;
		for (int o = 0; o < xn->n_out && ok; o++) {
			struct slot tmp = {nr->out[o], nr->outref[o]};
			const tfc_tensor *t = nr->out[o];
			if (!t && tmp.ref)
				t = tmp.ref->value; /* a ref output: describe the variable's value */
			ns->outs[o].dtype = xn->op->outs[o].dtype;
			ns->outs[o].shape = t ? tfc_tensor_shape(t) : tfc_shape_unknown();
			ns->outs[o].bytes = t ? (int64_t)tfc_tensor_byte_size(t) : 0;
			ns->outs[o].allocator = t && tfc__tensor_device(t) ? tfc__tensor_device(t)->alloc_name : NULL;
		}
	}
	if (ok) {
		for (int o = 0; o < xn->n_out; o++) {
			for (int e = xn->out_first[o]; e < xn->out_first[o + 1]; e++) {
				struct slot *sl = &sp->slots[xn->edges[e].slot];
				sl->t = tfc_tensor_ref(nr->out[o]);
				sl->ref = nr->outref[o];
			}
			for (int f = xn->fetch_first[o]; f < xn->fetch_first[o + 1]; f++) {
				struct slot tmp = {nr->out[o], nr->outref[o]};
				tfc_tensor *v = tfc__fetch_value(&tmp, &nr->kst);
				if (!v && nr->kst.code != TFC_OK)
					step_fail(sp, nr->kst.code, "fetching %s:%d: %s", xn->op->name, o,
						  nr->kst.msg);
				else if (!v)
					step_fail(sp, TFC_FAILED_PRECONDITION,
						  "Attempting to use uninitialized value %s",
						  nr->outref[o] ? nr->outref[o]->name : "?");
				free(nr->kst.msg);
				nr->kst.msg = NULL;
				tfc_tensor_free(sp->out_values[xn->fetch_of[f]]);
				sp->out_values[xn->fetch_of[f]] = v;
			}
		}
		/* Successors. Nothing new is scheduled after a failure. */
		if (!atomic_load(&sp->failed)) {
			int nsucc = xn->out_first[xn->n_out] + xn->n_ctrl;
			for (int e = 0; e < nsucc; e++) {
				int v = e < xn->out_first[xn->n_out] ? xn->edges[e].node
								      : xn->ctrl[e - xn->out_first[xn->n_out]];
				if (atomic_fetch_sub(&sp->pending[v], 1) != 1)
					continue;
				if (sp->trace)
					sp->trace->stats[v].sched_ns = tfc__now_ns();
				if (next && *next < 0)
					*next = v;
				else
					push(sp, v, pctx);
			}
		}
	}
	for (int o = 0; o < xn->n_out; o++)
		tfc_tensor_free(nr->out[o]);
	if (ns)
		ns->all_end_ns = tfc__now_ns();
}

static void pool_done(void *arg);

/* Runs node i. A synchronous device finishes it here, and *next gets one successor
 * that became ready (or -1); an asynchronous device finishes it in pool_done. */
static void run_node(struct step *sp, int i, push_fn push, void *pctx, int *next)
{
	struct tfc__executable *x = sp->x;
	struct xnode *xn = &x->nodes[i];
	struct nrun *nr = &sp->runs[i];
	*next = -1;
	nr->sp = sp;
	nr->node = i;
	nr->in = sp->in_buf + xn->in_base;
	nr->inref = sp->inref_buf + xn->in_base;
	nr->out = sp->out_buf + xn->out_base;
	nr->outref = sp->outref_buf + xn->out_base;
	nr->kst.code = TFC_OK;
	nr->kst.msg = NULL;
	struct tfc__node_stat *ns = sp->trace ? &sp->trace->stats[i] : NULL;
	if (ns) {
		ns->all_start_ns = tfc__now_ns();
		ns->thread_id = tfc__exec_thread_id();
		ns->outs = sp->trace->out_buf + xn->out_base;
	}
	bool compute = !atomic_load(&sp->failed);
	if (compute && sp->deadline_ns && tfc__now_ns() > sp->deadline_ns) {
		step_fail(sp, TFC_DEADLINE_EXCEEDED, "Timed out waiting for notification");
		compute = false;
	}
	for (int k = 0; k < xn->n_in; k++) {
		struct slot *sl = &sp->slots[xn->in_base + k];
		nr->in[k] = compute ? tfc__slot_value(sl) : NULL;
		nr->inref[k] = xn->ref_arg[k] ? sl->ref : NULL;
		if (compute && !nr->in[k] && !(xn->ref_arg[k] || xn->allows_uninit)) {
			/* TensorFlow's text, which already names the variable. */
			step_fail(sp, TFC_FAILED_PRECONDITION, "Attempting to use uninitialized value %s",
				  sl->ref ? sl->ref->name : "?");
			compute = false;
		}
		/* The slot's own reference goes now: the value lives on in nr->in. */
		tfc_tensor_free(sl->t);
		sl->t = NULL;
	}
	struct tfc_device *dev = sp->s->device_impls[xn->device];
	if (compute && !tfc__device_prepare_inputs(dev, xn->k, nr->in, xn->n_in, &nr->kst)) {
		step_fail(sp, nr->kst.code, "%s\n\t [[{{node %s}}]]", nr->kst.msg, xn->op->name);
		free(nr->kst.msg);
		nr->kst.msg = NULL;
		compute = false;
	}
	if (!compute) {
		finish_node(nr, false, push, pctx, next);
		return;
	}
	nr->ctx = tfc__node_ctx(sp->s, xn, nr->in, nr->inref, nr->out, nr->outref, sp->step_id,
			       sp->rendezvous, sp->step_res, 0, 0, &nr->kst);
	if (ns)
		ns->op_start_ns = tfc__now_ns();
	if (dev->ops->compute_async) {
		/* The node stays outstanding until its done callback has run. */
		atomic_fetch_add(&sp->outstanding, 1);
		dev->ops->compute_async(dev, xn->k, &nr->ctx, pool_done, nr);
		return;
	}
	dev->ops->compute(dev, xn->k, &nr->ctx);
	finish_node(nr, true, push, pctx, next);
}

/* ---- inline mode: one thread, a stack of ready nodes */

struct istack {
	int *v;
	int n;
};

static void ipush(struct step *sp, int node, void *ctx)
{
	(void)sp;
	struct istack *s = ctx;
	s->v[s->n++] = node;
}

static void run_inline(struct step *sp)
{
	struct tfc__executable *x = sp->x;
	struct istack st = {tfc__malloc(((size_t)x->n_nodes + 1) * sizeof(int)), 0};
	for (int i = x->n_roots - 1; i >= 0; i--)
		st.v[st.n++] = x->roots[i];
	while (st.n > 0) {
		int node = st.v[--st.n];
		while (node >= 0)
			run_node(sp, node, ipush, &st, &node);
	}
	free(st.v);
}

/* ---- pool mode */

static void pool_task(void *arg);

static void ppush(struct step *sp, int node, void *ctx)
{
	(void)ctx;
	atomic_fetch_add(&sp->outstanding, 1);
	struct task *t = tfc__malloc(sizeof(*t));
	t->step = sp;
	t->node = node;
	tfc__threadpool_submit(sp->s->pool, pool_task, t);
}

static void pool_task(void *arg)
{
	struct task *t = arg;
	struct step *sp = t->step;
	int node = t->node;
	free(t);
	/* Keep one ready successor on this thread: chains do not bounce between threads. */
	while (node >= 0)
		run_node(sp, node, ppush, NULL, &node);
	pthread_mutex_lock(&sp->mu);
	if (atomic_fetch_sub(&sp->outstanding, 1) == 1)
		pthread_cond_broadcast(&sp->done);
	pthread_mutex_unlock(&sp->mu);
}

/* An asynchronous device finished node nr: finish it here (on the device's thread),
 * queue every successor, and drop the node's outstanding count. */
static void pool_done(void *arg)
{
	struct nrun *nr = arg;
	struct step *sp = nr->sp;
	finish_node(nr, true, ppush, NULL, NULL);
	pthread_mutex_lock(&sp->mu);
	if (atomic_fetch_sub(&sp->outstanding, 1) == 1)
		pthread_cond_broadcast(&sp->done);
	pthread_mutex_unlock(&sp->mu);
}

void tfc__step_result(const struct tfc__executable *x, tfc_tensor **out_values, tfc_status *err,
		      tfc_status *st)
{
	for (int i = 0; i < x->n_fetches && err->code == TFC_OK; i++)
		if (!out_values[i])
			tfc_status_set(err, TFC_INTERNAL, "Fetch %d was not produced", i);
	if (err->code != TFC_OK) {
		for (int i = 0; i < x->n_fetches; i++) {
			tfc_tensor_free(out_values[i]);
			out_values[i] = NULL;
		}
		tfc_status_set(st, err->code, "%s", err->msg ? err->msg : "");
	} else {
		tfc_status_set(st, TFC_OK, NULL);
	}
	free(err->msg);
	err->msg = NULL;
}

void tfc__wait_outstanding(pthread_mutex_t *mu, pthread_cond_t *cv, atomic_int *outstanding,
			   int64_t deadline, tfc_status *err, atomic_bool *failed)
{
	/* deadline is a copy: workers read the step's, so it is never written there. */
	while (atomic_load(outstanding) > 0) {
		if (!deadline) {
			pthread_cond_wait(cv, mu);
			continue;
		}
		/* The condition variable uses the realtime clock; convert. */
		int64_t left = deadline - tfc__now_ns();
		struct timespec rt, ts;
		clock_gettime(CLOCK_REALTIME, &rt);
		int64_t abs_rt = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec + (left > 0 ? left : 0);
		ts.tv_sec = (time_t)(abs_rt / 1000000000);
		ts.tv_nsec = (long)(abs_rt % 1000000000);
		if (pthread_cond_timedwait(cv, mu, &ts) != 0 && atomic_load(outstanding) > 0 &&
		    err->code == TFC_OK) {
			tfc_status_set(err, TFC_DEADLINE_EXCEEDED, "Timed out waiting for notification");
			atomic_store(failed, true);
			deadline = 0; /* now wait for the nodes in flight to finish */
		}
	}
}

static void run_pool(struct step *sp)
{
	struct tfc__executable *x = sp->x;
	/* One count for this thread until every root is queued, so the step cannot be
	 * seen as done halfway through scheduling. */
	atomic_store(&sp->outstanding, 1);
	for (int i = 0; i < x->n_roots; i++)
		ppush(sp, x->roots[i], NULL);
	pthread_mutex_lock(&sp->mu);
	atomic_fetch_sub(&sp->outstanding, 1);
	tfc__wait_outstanding(&sp->mu, &sp->done, &sp->outstanding, sp->deadline_ns, &sp->err, &sp->failed);
	pthread_mutex_unlock(&sp->mu);
}

int tfc__executable_num_nodes(const struct tfc__executable *x) { return x->n_nodes; }

const tfc_operation *tfc__executable_node_op(const struct tfc__executable *x, int i)
{
	return x->nodes[i].op;
}

int tfc__executable_node_device(const struct tfc__executable *x, int i) { return x->nodes[i].device; }

void tfc__executable_run(struct tfc_session *s, struct tfc__executable *x,
			 tfc_tensor *const *feed_values, tfc_tensor **out_values, int64_t deadline_ns,
			 struct tfc__run_trace *trace, tfc_status *st)
{
	if (x->cf) {
		tfc__cf_run(s, x, feed_values, out_values, deadline_ns, trace, st);
		return;
	}
	struct step sp = {0};
	sp.s = s;
	sp.x = x;
	sp.slots = tfc__calloc((size_t)x->n_slots + 1, sizeof(struct slot));
	sp.runs = tfc__calloc((size_t)x->n_nodes + 1, sizeof(struct nrun));
	size_t ni = (size_t)x->n_slots + 1, no = (size_t)x->n_outs + 1;
	void **buf = tfc__calloc(2 * ni + 2 * no, sizeof(void *));
	sp.in_buf = (tfc_tensor **)buf;
	sp.inref_buf = (struct tfc_ref **)(buf + ni);
	sp.out_buf = (tfc_tensor **)(buf + 2 * ni);
	sp.outref_buf = (struct tfc_ref **)(buf + 2 * ni + no);
	sp.pending = tfc__malloc(((size_t)x->n_nodes + 1) * sizeof(atomic_int));
	for (int i = 0; i < x->n_nodes; i++)
		atomic_init(&sp.pending[i], x->nodes[i].pending0);
	sp.out_values = out_values;
	sp.step_id = atomic_fetch_add(&s->next_step, 1);
	sp.deadline_ns = deadline_ns;
	if (x->has_rendezvous)
		sp.rendezvous = tfc__rendezvous_new();
	if (x->has_step_objects)
		sp.step_res = tfc__step_res_new();
	if (trace && trace->level > 0) {
		tfc__trace_begin(x, trace);
		sp.trace = trace;
	}
	atomic_init(&sp.failed, false);
	atomic_init(&sp.outstanding, 0);
	pthread_mutex_init(&sp.mu, NULL);
	pthread_cond_init(&sp.done, NULL);
	for (int f = 0; f < x->n_feeds; f++)
		for (int k = x->feed_first[f]; k < x->feed_first[f + 1]; k++)
			sp.slots[x->feed_slots[k]].t = tfc_tensor_ref(feed_values[f]);
	for (int i = 0; i < x->n_fetches; i++)
		if (x->fetch_feed[i] >= 0)
			out_values[i] = tfc_tensor_ref(feed_values[x->fetch_feed[i]]);
	/* Small graphs are not worth a thread hop per node; asynchronous devices need
	 * the pool (their completions arrive on other threads). */
	if (s->pool && (s->has_async_device || x->n_nodes >= 4))
		run_pool(&sp);
	else
		run_inline(&sp);
	/* Slots of nodes that never ran (after an error). */
	for (int i = 0; i < x->n_slots; i++)
		tfc_tensor_free(sp.slots[i].t);
	tfc__step_result(x, out_values, &sp.err, st);
	tfc__rendezvous_free(sp.rendezvous);
	tfc__step_res_free(sp.step_res);
	free(sp.slots);
	free(sp.runs);
	free(sp.in_buf);
	free(sp.pending);
	pthread_cond_destroy(&sp.done);
	pthread_mutex_destroy(&sp.mu);
}
