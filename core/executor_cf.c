/*
 * executor_cf.c: running graphs with TensorFlow's v1 control flow (tf.cond and
 * tf.while_loop built from Switch, Merge, Enter, Exit, NextIteration, LoopCond).
 *
 * Build: each node belongs to a static frame: the root, or the body of one loop,
 * found by walking the graph from its roots as TensorFlow does (an Enter's
 * successors are in the frame it names, an Exit's are in its frame's parent). Each
 * static frame numbers its nodes and input slots locally, so an iteration's state
 * is sized by its loop body, not by the whole graph.
 *
 * Run: the same dataflow as executor.c, with values tagged by (frame instance,
 * iteration). A frame instance is created when the first Enter of a loop fires in a
 * given parent iteration; an iteration holds its nodes' input slots, pending counts
 * and dead counts. A Switch's untaken output is dead; deadness flows on (a node with
 * a dead input does not compute, and its outputs and control edges are dead) until
 * a Merge, which runs on its first live input, or is dead when every input is. A
 * NextIteration carries its value into the next iteration (started on demand, at
 * most parallel_iterations at once; later ones wait), a dead one stops; Exit hands
 * its value to the parent frame, and a loop's dead Exits reach the parent only when
 * the whole frame is done (a loop in an untaken branch is then dead outside too).
 * Loop invariants (constant Enters) reach every iteration. An iteration is done
 * when nothing of it is ready or running, no child frame is alive and the one
 * before it is done; a frame is done when all its Enters have arrived and all its
 * iterations are done. These are TensorFlow's rules; the code is ours.
 *
 * Locking: one mutex per step (cfstep.mu) guards all frame and iteration state;
 * kernels run outside it. A node that runs in many iterations at once has one
 * `xrun` per execution. Nodes of asynchronous devices are waited for in place.
 */
#include <stdarg.h>

#include "executor_internal.h"
#include "rendezvous.h"

enum { K_NORMAL, K_SWITCH, K_MERGE, K_ENTER, K_EXIT, K_NEXT, K_TRIGGER };

struct sframe {
	int parent;     /* static frame, -1 for the root */
	char *name;     /* frame_name (owned; "" for the root) */
	int n_enters;   /* Enter nodes into this frame */
	int n_nodes, n_slots;
	int *pending0;  /* initial pending count per local node */
	int n_feeds;
	int *feeds;     /* pairs (local slot, feed index) */
};

struct xcf {
	int n_frames;
	struct sframe *frames;
	unsigned char *kind; /* per node */
	int *sf;             /* per node: its static frame */
	int *local;          /* per node: its index in the frame */
	int *local_in;       /* per node: its first input slot in the frame */
	int *child;          /* per Enter: the static frame it enters; else -1 */
	bool *constant;      /* per Enter: is_constant (a loop invariant) */
	int *parallel;       /* per Enter: parallel_iterations */
};

static int kind_of(const char *t)
{
	if (!strncmp(t, "Ref", 3) && strcmp(t, "RefIdentity") != 0)
		t += 3;
	if (!strcmp(t, "Switch"))
		return K_SWITCH;
	if (!strcmp(t, "Merge"))
		return K_MERGE;
	if (!strcmp(t, "Enter"))
		return K_ENTER;
	if (!strcmp(t, "Exit"))
		return K_EXIT;
	if (!strcmp(t, "NextIteration"))
		return K_NEXT;
	if (!strcmp(t, "ControlTrigger"))
		return K_TRIGGER;
	return K_NORMAL;
}

bool tfc__cf_is_control_flow(const tfc_operation *op)
{
	int k = kind_of(op->type);
	return k != K_NORMAL && k != K_TRIGGER;
}

void tfc__cf_free(struct xcf *cf)
{
	if (!cf)
		return;
	for (int f = 0; f < cf->n_frames; f++) {
		free(cf->frames[f].name);
		free(cf->frames[f].pending0);
		free(cf->frames[f].feeds);
	}
	free(cf->frames);
	free(cf->kind);
	free(cf->sf);
	free(cf->local);
	free(cf->local_in);
	free(cf->child);
	free(cf->constant);
	free(cf->parallel);
	free(cf);
}

static const char *frame_name(const struct xcf *cf, int f)
{
	return cf->frames[f].name[0] ? cf->frames[f].name : "(root)";
}

/* The static frame named name[0..len) inside parent, made if new. (Attr strings
 * are bytes, not NUL-terminated.) */
static int child_frame(struct xcf *cf, int *cap, int parent, const char *name, size_t len)
{
	for (int f = 1; f < cf->n_frames; f++)
		if (cf->frames[f].parent == parent && strlen(cf->frames[f].name) == len &&
		    !memcmp(cf->frames[f].name, name, len))
			return f;
	if (cf->n_frames == *cap) {
		*cap *= 2;
		cf->frames = tfc__realloc(cf->frames, (size_t)*cap * sizeof(*cf->frames));
	}
	struct sframe *sf = &cf->frames[cf->n_frames];
	memset(sf, 0, sizeof(*sf));
	sf->parent = parent;
	sf->name = tfc__malloc(len + 1);
	memcpy(sf->name, name, len);
	sf->name[len] = '\0';
	return cf->n_frames++;
}

/* Successor e of node xn: data edges first, then control edges. */
static int succ(const struct xnode *xn, int e)
{
	int nd = xn->out_first[xn->n_out];
	return e < nd ? xn->edges[e].node : xn->ctrl[e - nd];
}

bool tfc__cf_build(struct tfc__executable *x, tfc_status *st)
{
	int n = x->n_nodes;
	struct xcf *cf = tfc__calloc(1, sizeof(*cf));
	int cap = 4;
	cf->frames = tfc__calloc((size_t)cap, sizeof(*cf->frames));
	cf->n_frames = 1;
	cf->frames[0].parent = -1;
	cf->frames[0].name = tfc__strdup("");
	cf->kind = tfc__calloc((size_t)n + 1, 1);
	cf->sf = tfc__malloc(((size_t)n + 1) * sizeof(int));
	cf->local = tfc__calloc((size_t)n + 1, sizeof(int));
	cf->local_in = tfc__calloc((size_t)n + 1, sizeof(int));
	cf->child = tfc__malloc(((size_t)n + 1) * sizeof(int));
	cf->constant = tfc__calloc((size_t)n + 1, sizeof(bool));
	cf->parallel = tfc__calloc((size_t)n + 1, sizeof(int));
	int *queue = tfc__malloc(((size_t)n + 1) * sizeof(int));
	int *pending = tfc__malloc(((size_t)n + 1) * sizeof(int));
	int *slot_node = tfc__malloc(((size_t)x->n_slots + 1) * sizeof(int));
	bool ok = false;

	for (int i = 0; i < n; i++) {
		const tfc_operation *op = x->nodes[i].op;
		cf->kind[i] = (unsigned char)kind_of(op->type);
		cf->sf[i] = -1;
		cf->child[i] = -1;
		for (int k = 0; k < x->nodes[i].n_in; k++)
			slot_node[x->nodes[i].in_base + k] = i;
		if (cf->kind[i] == K_ENTER) {
			tfc_status ast = {0};
			size_t len = 0;
			const char *fname = tfc_operation_get_attr_string(op, "frame_name", &len, &ast);
			if (ast.code != TFC_OK || !fname || !len) {
				free(ast.msg);
				tfc_status_set(st, TFC_INVALID_ARGUMENT,
					       "Enter node '%s' has no frame_name attr", op->name);
				goto out;
			}
			cf->constant[i] = tfc_operation_get_attr_bool(op, "is_constant", &ast);
			tfc_status_set(&ast, TFC_OK, NULL);
			int64_t par = tfc_operation_get_attr_int(op, "parallel_iterations", &ast);
			cf->parallel[i] = ast.code == TFC_OK && par > 0 ? (int)(par < 1024 ? par : 1024) : 10;
			free(ast.msg);
		}
	}
	/* Frames: a breadth-first walk from the roots, as TensorFlow assigns them. */
	int head = 0, tail = 0;
	for (int i = 0; i < x->n_roots; i++) {
		cf->sf[x->roots[i]] = 0;
		queue[tail++] = x->roots[i];
	}
	while (head < tail) {
		int v = queue[head++];
		const struct xnode *xn = &x->nodes[v];
		int out = cf->sf[v];
		if (cf->kind[v] == K_ENTER) {
			size_t len;
			tfc_status ast = {0};
			const char *fname = tfc_operation_get_attr_string(xn->op, "frame_name", &len, &ast);
			out = child_frame(cf, &cap, cf->sf[v], fname, len);
			cf->child[v] = out;
			cf->frames[out].n_enters++;
		} else if (cf->kind[v] == K_EXIT) {
			out = cf->frames[out].parent;
			if (out < 0) {
				tfc_status_set(st, TFC_INVALID_ARGUMENT,
					       "Exit node '%s' is not inside a while loop (no Enter leads to it)",
					       xn->op->name);
				goto out;
			}
		}
		int ns = xn->out_first[xn->n_out] + xn->n_ctrl;
		for (int e = 0; e < ns; e++) {
			int w = succ(xn, e);
			if (cf->sf[w] < 0) {
				cf->sf[w] = out;
				queue[tail++] = w;
			} else if (cf->sf[w] != out) {
				tfc_status_set(st, TFC_INVALID_ARGUMENT,
					       "The node '%s' has inputs from different frames. The input '%s' "
					       "is in frame '%s'. Another input is in frame '%s'.",
					       x->nodes[w].op->name, xn->op->name, frame_name(cf, out),
					       frame_name(cf, cf->sf[w]));
				goto out;
			}
		}
	}
	/* Cycles: Kahn's order where a NextIteration's edges into its Merge do not
	 * count (they carry values to the next iteration, not this one). */
	for (int i = 0; i < n; i++)
		pending[i] = 0;
	for (int v = 0; v < n; v++) {
		const struct xnode *xn = &x->nodes[v];
		int ns = xn->out_first[xn->n_out] + xn->n_ctrl;
		for (int e = 0; e < ns; e++)
			if (!(cf->kind[v] == K_NEXT && cf->kind[succ(xn, e)] == K_MERGE))
				pending[succ(xn, e)]++;
	}
	head = tail = 0;
	for (int i = 0; i < n; i++)
		if (!pending[i])
			queue[tail++] = i;
	while (head < tail) {
		int v = queue[head++];
		const struct xnode *xn = &x->nodes[v];
		int ns = xn->out_first[xn->n_out] + xn->n_ctrl;
		for (int e = 0; e < ns; e++) {
			int w = succ(xn, e);
			if (!(cf->kind[v] == K_NEXT && cf->kind[w] == K_MERGE) && --pending[w] == 0)
				queue[tail++] = w;
		}
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
	for (int i = 0; i < n; i++) {
		if (cf->sf[i] < 0) { /* cannot happen once the cycle check passed */
			tfc_status_set(st, TFC_INTERNAL, "Node '%s' was not reached from a root",
				       x->nodes[i].op->name);
			goto out;
		}
	}
	/* Local numbering, initial pending counts (a Merge waits for its control
	 * inputs, two each, plus one live data input: bit 0), fed slots. */
	for (int i = 0; i < n; i++) {
		struct sframe *f = &cf->frames[cf->sf[i]];
		cf->local[i] = f->n_nodes++;
		cf->local_in[i] = f->n_slots;
		f->n_slots += x->nodes[i].n_in;
	}
	for (int f = 0; f < cf->n_frames; f++)
		cf->frames[f].pending0 = tfc__calloc((size_t)cf->frames[f].n_nodes + 1, sizeof(int));
	for (int v = 0; v < n; v++) {
		const struct xnode *xn = &x->nodes[v];
		int ns = xn->out_first[xn->n_out] + xn->n_ctrl;
		int nd = xn->out_first[xn->n_out];
		for (int e = 0; e < ns; e++) {
			int w = succ(xn, e);
			if (cf->kind[w] == K_MERGE && e >= nd)
				cf->frames[cf->sf[w]].pending0[cf->local[w]] += 2;
			else if (cf->kind[w] != K_MERGE)
				cf->frames[cf->sf[w]].pending0[cf->local[w]]++;
		}
	}
	for (int i = 0; i < n; i++)
		if (cf->kind[i] == K_MERGE)
			cf->frames[cf->sf[i]].pending0[cf->local[i]] |= 1;
	for (int fd = 0; fd < x->n_feeds; fd++) {
		for (int k = x->feed_first[fd]; k < x->feed_first[fd + 1]; k++) {
			int slot = x->feed_slots[k], v = slot_node[slot];
			struct sframe *f = &cf->frames[cf->sf[v]];
			f->feeds = tfc__realloc(f->feeds, (size_t)(f->n_feeds + 1) * 2 * sizeof(int));
			f->feeds[2 * f->n_feeds] = cf->local_in[v] + slot - x->nodes[v].in_base;
			f->feeds[2 * f->n_feeds + 1] = fd;
			f->n_feeds++;
		}
	}
	for (int i = 0; i < n; i++) {
		const struct xnode *xn = &x->nodes[i];
		int home = cf->kind[i] == K_EXIT && cf->sf[i] > 0 ? cf->frames[cf->sf[i]].parent : cf->sf[i];
		if (home != 0 && xn->fetch_first[xn->n_out] > 0) {
			tfc_status_set(st, TFC_INVALID_ARGUMENT,
				       "Cannot fetch '%s': it is inside the while loop '%s' (fetch the "
				       "loop's Exit instead)",
				       xn->op->name, frame_name(cf, home));
			goto out;
		}
	}
	ok = true;
out:
	free(queue);
	free(pending);
	free(slot_node);
	if (!ok) {
		tfc__cf_free(cf);
		return false;
	}
	x->cf = cf;
	return true;
}

/* ---- run */

struct frame;

struct iter {
	struct slot *slots; /* the frame's input slots */
	int *pending;       /* per local node */
	int *dead;          /* per local node: dead inputs seen */
	int outstanding_ops;    /* ready or running nodes of this iteration */
	int outstanding_frames; /* child frames alive */
};

struct held {
	int node;
	struct slot v; /* absent (dead) when both are NULL */
};

struct frame {
	int sf;
	uint64_t id;
	struct frame *parent;
	int64_t parent_iter;
	struct frame *children, *next_sibling;
	int pending_inputs;     /* Enters not yet arrived */
	int64_t iteration_count; /* the newest iteration started */
	int outstanding_iters;
	int max_parallel;
	struct iter **iters;    /* ring of max_parallel + 1, by iteration number */
	int n_invs, n_nexts, n_dead_exits;
	struct held *invs;      /* loop invariants: every iteration gets them */
	struct held *nexts;     /* NextIteration values waiting for a free iteration */
	int *dead_exits;
};

struct cfstep;

/* One execution of a node in one frame and iteration. */
struct xrun {
	struct cfstep *cs;
	int node;
	struct frame *frame;
	int64_t iter;
	bool dead;
	struct slot *in;       /* moved out of the iteration's slots when it became ready */
	tfc_tensor **vin, **out;
	struct tfc_ref **inref, **outref;
	tfc_status kst;
	struct tfc_kernel_ctx ctx;
	struct tfc__node_stat stat;
};

struct rlist {
	struct xrun **v;
	int n, cap;
};

struct cfstep {
	struct tfc_session *s;
	struct tfc__executable *x;
	const struct xcf *cf;
	tfc_tensor *const *feeds;
	tfc_tensor **out_values;
	int64_t step_id, deadline_ns;
	struct tfc__run_trace *trace; /* NULL unless traced */
	struct tfc__rendezvous *rendezvous; /* owned; NULL unless x has _Send/_Recv */
	struct tfc__step_resources *step_res; /* owned: TensorArrays, stacks */
	pthread_mutex_t mu; /* guards frames, iterations (slots, counts), the trace's
			     * extra stats, err, and the wait for outstanding == 0 */
	pthread_cond_t done; /* signalled when outstanding reaches 0 */
	struct frame *root;
	uint64_t next_frame_id;
	tfc_status err;
	atomic_bool failed;
	atomic_int outstanding; /* pool tasks queued or running */
};

static void cf_fail(struct cfstep *cs, tfc_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void cf_fail(struct cfstep *cs, tfc_code code, const char *fmt, ...)
{
	pthread_mutex_lock(&cs->mu);
	if (cs->err.code == TFC_OK) {
		char buf[2048];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		tfc_status_set(&cs->err, code, "%s", buf);
	}
	atomic_store(&cs->failed, true);
	pthread_mutex_unlock(&cs->mu);
}

static void rl_push(struct rlist *rl, struct xrun *r)
{
	if (rl->n == rl->cap) {
		rl->cap = rl->cap ? 2 * rl->cap : 16;
		rl->v = tfc__realloc(rl->v, (size_t)rl->cap * sizeof(*rl->v));
	}
	rl->v[rl->n++] = r;
}

static struct iter **iter_at(struct frame *f, int64_t i)
{
	return &f->iters[i % (f->max_parallel + 1)];
}

static struct iter *iter_get(struct frame *f, int64_t i)
{
	return i < 0 ? NULL : *iter_at(f, i);
}

static struct iter *iter_new(struct cfstep *cs, int sf)
{
	const struct sframe *s = &cs->cf->frames[sf];
	struct iter *it = tfc__calloc(1, sizeof(*it));
	it->slots = tfc__calloc((size_t)s->n_slots + 1, sizeof(*it->slots));
	it->pending = tfc__malloc(((size_t)s->n_nodes + 1) * sizeof(int));
	memcpy(it->pending, s->pending0, (size_t)s->n_nodes * sizeof(int));
	it->dead = tfc__calloc((size_t)s->n_nodes + 1, sizeof(int));
	for (int k = 0; k < s->n_feeds; k++)
		it->slots[s->feeds[2 * k]].t = tfc_tensor_ref(cs->feeds[s->feeds[2 * k + 1]]);
	return it;
}

static void iter_free(const struct cfstep *cs, int sf, struct iter *it)
{
	if (!it)
		return;
	for (int k = 0; k < cs->cf->frames[sf].n_slots; k++)
		tfc_tensor_free(it->slots[k].t);
	free(it->slots);
	free(it->pending);
	free(it->dead);
	free(it);
}

static struct frame *frame_new(struct cfstep *cs, int sf, struct frame *parent, int64_t parent_iter,
			       int max_parallel)
{
	struct frame *f = tfc__calloc(1, sizeof(*f));
	f->sf = sf;
	f->id = cs->next_frame_id++;
	f->parent = parent;
	f->parent_iter = parent_iter;
	f->pending_inputs = cs->cf->frames[sf].n_enters;
	f->max_parallel = max_parallel;
	f->iters = tfc__calloc((size_t)max_parallel + 2, sizeof(*f->iters));
	*iter_at(f, 0) = iter_new(cs, sf);
	f->outstanding_iters = 1;
	if (parent) {
		iter_get(parent, parent_iter)->outstanding_frames++;
		f->next_sibling = parent->children;
		parent->children = f;
	}
	return f;
}

static void held_release(struct held *h, int n)
{
	for (int i = 0; i < n; i++)
		tfc_tensor_free(h[i].v.t);
}

/* Frees f and every frame below it (at the end of a step, or a frame done). */
static void frame_free(const struct cfstep *cs, struct frame *f)
{
	while (f->children) {
		struct frame *c = f->children;
		f->children = c->next_sibling;
		frame_free(cs, c);
	}
	for (int i = 0; i <= f->max_parallel; i++)
		iter_free(cs, f->sf, f->iters[i]);
	held_release(f->invs, f->n_invs);
	held_release(f->nexts, f->n_nexts);
	free(f->iters);
	free(f->invs);
	free(f->nexts);
	free(f->dead_exits);
	free(f);
}

/* A node became ready in (f, i): move its inputs out of the iteration. */
static void make_ready(struct cfstep *cs, struct frame *f, int64_t i, struct iter *it, int v, bool dead,
		       struct rlist *ready)
{
	const struct xnode *xn = &cs->x->nodes[v];
	if (cs->cf->kind[v] == K_TRIGGER)
		dead = false; /* a ControlTrigger runs even on dead inputs */
	size_t ni = (size_t)xn->n_in + 1, no = (size_t)xn->n_out + 1;
	struct xrun *r = tfc__calloc(1, sizeof(*r) + ni * sizeof(struct slot) +
						(2 * ni + 2 * no) * sizeof(void *));
	struct slot *ins = (struct slot *)(r + 1);
	void **p = (void **)(ins + ni);
	r->cs = cs;
	r->node = v;
	r->frame = f;
	r->iter = i;
	r->dead = dead;
	r->in = ins;
	r->vin = (tfc_tensor **)p;
	r->inref = (struct tfc_ref **)(p + ni);
	r->out = (tfc_tensor **)(p + 2 * ni);
	r->outref = (struct tfc_ref **)(p + 2 * ni + no);
	struct slot *src = &it->slots[cs->cf->local_in[v]];
	for (int k = 0; k < xn->n_in; k++) {
		ins[k] = src[k];
		src[k].t = NULL;
		src[k].ref = NULL;
	}
	it->outstanding_ops++;
	if (cs->trace)
		r->stat.sched_ns = tfc__now_ns();
	rl_push(ready, r);
}

static bool present(const struct slot *v) { return v && (v->t || v->ref); }

/* Hands node v's outputs (absent: dead) to the fetches they answer. Called with
 * cs->mu held. */
static void fill_fetches(struct cfstep *cs, int v, const struct slot *outs)
{
	const struct xnode *xn = &cs->x->nodes[v];
	for (int o = 0; o < xn->n_out; o++) {
		for (int fi = xn->fetch_first[o]; fi < xn->fetch_first[o + 1]; fi++) {
			int which = xn->fetch_of[fi];
			const struct slot *sl = outs ? &outs[o] : NULL;
			tfc_status fst = {0};
			tfc_tensor *val = sl ? tfc__fetch_value(sl, &fst) : NULL;
			if (!val && cs->err.code == TFC_OK) {
				if (fst.code != TFC_OK)
					tfc_status_set(&cs->err, fst.code, "fetching %s:%d: %s", xn->op->name, o,
						       fst.msg);
				else if (present(sl))
					tfc_status_set(&cs->err, TFC_FAILED_PRECONDITION,
						       "Attempting to use uninitialized value %s", sl->ref->name);
				else /* a dead tensor: TensorFlow's text */
					tfc_status_set(&cs->err, TFC_INVALID_ARGUMENT,
						       "Retval[%d] does not have value", which);
				atomic_store(&cs->failed, true);
			}
			free(fst.msg);
			tfc_tensor_free(cs->out_values[which]);
			cs->out_values[which] = val;
		}
	}
}

/* Delivers src's outputs (outs[o], absent when dead) and control edges to its
 * successors in iteration i of f. */
static void activate(struct cfstep *cs, struct frame *f, int64_t i, int src, const struct slot *outs,
		     bool is_dead, struct rlist *ready)
{
	const struct xcf *cf = cs->cf;
	const struct xnode *xn = &cs->x->nodes[src];
	struct iter *it = iter_get(f, i);
	int nd = xn->out_first[xn->n_out], ns = nd + xn->n_ctrl;
	int o = 0;
	for (int e = 0; e < ns; e++) {
		bool data = e < nd;
		while (data && e >= xn->out_first[o + 1])
			o++;
		int w = succ(xn, e), lw = cf->local[w];
		const struct xnode *wn = &cs->x->nodes[w];
		bool live = !is_dead && (!data || present(outs ? &outs[o] : NULL));
		bool ready_now, dst_dead = false;
		if (cf->kind[w] == K_MERGE) {
			if (!data) {
				it->pending[lw] -= 2;
				dst_dead = it->dead[lw] == wn->n_in;
				ready_now = it->pending[lw] == 0 || (it->pending[lw] == 1 && dst_dead);
			} else if (live) {
				/* Only the first live input is used; it starts the Merge when
				 * no control input is pending. */
				int count = it->pending[lw];
				it->pending[lw] &= ~1;
				ready_now = count == 1;
				if (count & 1) {
					struct slot *sl = &it->slots[cf->local_in[w] + (xn->edges[e].slot - wn->in_base)];
					sl->t = tfc_tensor_ref(outs[o].t);
					sl->ref = outs[o].ref;
				}
			} else {
				/* A dead input. A dead Enter makes the Merge dead at once: that
				 * is how a loop in an untaken branch dies. */
				it->dead[lw]++;
				dst_dead = it->dead[lw] == wn->n_in || cf->kind[src] == K_ENTER;
				ready_now = it->pending[lw] == 1 && dst_dead;
			}
		} else {
			if (!live)
				it->dead[lw]++;
			else if (data) {
				struct slot *sl = &it->slots[cf->local_in[w] + (xn->edges[e].slot - wn->in_base)];
				sl->t = tfc_tensor_ref(outs[o].t);
				sl->ref = outs[o].ref;
			}
			ready_now = --it->pending[lw] == 0;
			dst_dead = it->dead[lw] > 0;
		}
		if (ready_now)
			make_ready(cs, f, i, it, w, dst_dead, ready);
	}
}

static void increment_iteration(struct cfstep *cs, struct frame *f, struct rlist *ready)
{
	int64_t i = ++f->iteration_count;
	*iter_at(f, i) = iter_new(cs, f->sf);
	f->outstanding_iters++;
	f->n_dead_exits = 0;
	/* Deferred NextIteration values first, then the loop invariants. */
	int nn = f->n_nexts;
	f->n_nexts = 0;
	for (int k = 0; k < nn; k++) {
		activate(cs, f, i, f->nexts[k].node, &f->nexts[k].v, !present(&f->nexts[k].v), ready);
		tfc_tensor_free(f->nexts[k].v.t);
	}
	for (int k = 0; k < f->n_invs; k++)
		activate(cs, f, i, f->invs[k].node, &f->invs[k].v, !present(&f->invs[k].v), ready);
}

static bool iteration_done(struct frame *f, int64_t i)
{
	struct iter *it = iter_get(f, i);
	if (it->outstanding_ops || it->outstanding_frames)
		return false;
	if (i == 0)
		return f->pending_inputs == 0;
	return iter_get(f, i - 1) == NULL;
}

/* Frees the done iterations of f from i on; true when f itself is done. */
static bool cleanup_iterations(struct cfstep *cs, struct frame *f, int64_t i, struct rlist *ready)
{
	if (!f->parent)
		return false; /* the root frame lives as long as the step */
	while (i <= f->iteration_count && iter_get(f, i) && iteration_done(f, i)) {
		iter_free(cs, f->sf, iter_get(f, i));
		*iter_at(f, i) = NULL;
		f->outstanding_iters--;
		i++;
		if (f->n_nexts)
			increment_iteration(cs, f, ready);
	}
	return f->pending_inputs == 0 && f->outstanding_iters == 0;
}

static void delete_frame(struct cfstep *cs, struct frame *f, struct rlist *ready)
{
	struct frame *p = f->parent;
	int64_t pi = f->parent_iter;
	/* The loop is over: its dead Exits are dead inputs in the parent now. */
	for (int k = 0; k < f->n_dead_exits; k++) {
		activate(cs, p, pi, f->dead_exits[k], NULL, true, ready);
		if (p == cs->root)
			fill_fetches(cs, f->dead_exits[k], NULL);
	}
	iter_get(p, pi)->outstanding_frames--;
	for (struct frame **c = &p->children; *c; c = &(*c)->next_sibling) {
		if (*c == f) {
			*c = f->next_sibling;
			break;
		}
	}
	frame_free(cs, f);
	if (cleanup_iterations(cs, p, pi, ready))
		delete_frame(cs, p, ready);
}

/* One node of iteration i of f finished: true when that made f done. */
static bool decrement_outstanding(struct cfstep *cs, struct frame *f, int64_t i, struct rlist *ready)
{
	if (--iter_get(f, i)->outstanding_ops != 0)
		return false;
	return cleanup_iterations(cs, f, i, ready);
}

static struct frame *child_instance(struct cfstep *cs, struct frame *f, int64_t i, int enter)
{
	int sf = cs->cf->child[enter];
	for (struct frame *c = f->children; c; c = c->next_sibling)
		if (c->sf == sf && c->parent_iter == i)
			return c;
	return frame_new(cs, sf, f, i, cs->cf->parallel[enter]);
}

static void held_push(struct held **h, int *n, int node, const struct slot *v)
{
	*h = tfc__realloc(*h, (size_t)(*n + 1) * sizeof(**h));
	(*h)[*n].node = node;
	(*h)[*n].v.t = v ? tfc_tensor_ref(v->t) : NULL;
	(*h)[*n].v.ref = v ? v->ref : NULL;
	(*n)++;
}

/* Where r's outputs go, by the kind of node (called with cs->mu held). */
static void propagate(struct xrun *r, const struct slot *outs, struct rlist *ready)
{
	struct cfstep *cs = r->cs;
	struct frame *f = r->frame;
	int64_t i = r->iter;
	int v = r->node;
	switch (cs->cf->kind[v]) {
	case K_ENTER: {
		struct frame *c = child_instance(cs, f, i, v);
		if (cs->cf->constant[v]) {
			held_push(&c->invs, &c->n_invs, v, r->dead ? NULL : &outs[0]);
			for (int64_t k = 0; k <= c->iteration_count; k++)
				if (iter_get(c, k))
					activate(cs, c, k, v, outs, r->dead, ready);
		} else {
			activate(cs, c, 0, v, outs, r->dead, ready);
		}
		if (--c->pending_inputs == 0 && cleanup_iterations(cs, c, 0, ready))
			delete_frame(cs, c, ready);
		break;
	}
	case K_EXIT:
		if (r->dead) {
			if (i == f->iteration_count) {
				f->dead_exits = tfc__realloc(f->dead_exits,
							     (size_t)(f->n_dead_exits + 1) * sizeof(int));
				f->dead_exits[f->n_dead_exits++] = v;
			}
		} else {
			activate(cs, f->parent, f->parent_iter, v, outs, false, ready);
		}
		break;
	case K_NEXT:
		if (r->dead)
			break; /* a dead NextIteration ends the loop's deadness here */
		if (i == f->iteration_count && f->outstanding_iters == f->max_parallel) {
			held_push(&f->nexts, &f->n_nexts, v, &outs[0]);
			break;
		}
		if (i == f->iteration_count)
			increment_iteration(cs, f, ready);
		activate(cs, f, i + 1, v, outs, false, ready);
		break;
	default:
		activate(cs, f, i, v, outs, r->dead, ready);
		break;
	}
	if (decrement_outstanding(cs, f, i, ready))
		delete_frame(cs, f, ready);
}

struct waiter {
	pthread_mutex_t mu; /* guards finished */
	pthread_cond_t cv;
	bool finished;
};

static void waiter_done(void *arg)
{
	struct waiter *w = arg;
	pthread_mutex_lock(&w->mu);
	w->finished = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* An asynchronous device's kernel, waited for in place: a loop needs the value
 * before it goes on, and this keeps the frame bookkeeping on one path. */
static void compute_and_wait(struct tfc_device *dev, const struct tfc_kernel_def *k,
			     struct tfc_kernel_ctx *ctx)
{
	struct waiter w = {.finished = false};
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	dev->ops->compute_async(dev, k, ctx, waiter_done, &w);
	pthread_mutex_lock(&w.mu);
	while (!w.finished)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
}

/* Runs a ready node (outside the lock), then propagates its outputs under it. The
 * nodes that became ready are appended to ready. Frees r. */
static void run_one(struct xrun *r, struct rlist *ready)
{
	struct cfstep *cs = r->cs;
	struct tfc__executable *x = cs->x;
	const struct xnode *xn = &x->nodes[r->node];
	int kind = cs->cf->kind[r->node];
	bool compute = !r->dead && !atomic_load(&cs->failed);
	if (compute && cs->deadline_ns && tfc__now_ns() > cs->deadline_ns) {
		cf_fail(cs, TFC_DEADLINE_EXCEEDED, "Timed out waiting for notification");
		compute = false;
	}
	for (int k = 0; k < xn->n_in; k++) {
		struct slot *sl = &r->in[k];
		r->vin[k] = compute ? tfc__slot_value(sl) : NULL;
		r->inref[k] = xn->ref_arg[k] ? sl->ref : NULL;
		bool absent_ok = kind == K_MERGE && !present(sl);
		if (compute && !r->vin[k] && !absent_ok && !(xn->ref_arg[k] || xn->allows_uninit)) {
			cf_fail(cs, TFC_FAILED_PRECONDITION, "Attempting to use uninitialized value %s",
				sl->ref ? sl->ref->name : "?");
			compute = false;
		}
		tfc_tensor_free(sl->t);
		sl->t = NULL;
	}
	struct tfc__node_stat *ns = cs->trace ? &r->stat : NULL;
	bool ok = false;
	struct tfc_device *dev = cs->s->device_impls[xn->device];
	if (compute && !tfc__device_prepare_inputs(dev, xn->k, r->vin, xn->n_in, &r->kst)) {
		cf_fail(cs, r->kst.code, "%s\n\t [[{{node %s}}]]", r->kst.msg, xn->op->name);
		free(r->kst.msg);
		r->kst = (tfc_status){0};
		compute = false;
	}
	if (compute) {
		r->ctx = tfc__node_ctx(cs->s, xn, r->vin, r->inref, r->out, r->outref, cs->step_id,
				       cs->rendezvous, cs->step_res, r->frame->id, r->iter, &r->kst);
		if (ns) {
			ns->all_start_ns = tfc__now_ns();
			ns->thread_id = tfc__exec_thread_id();
			ns->op_start_ns = ns->all_start_ns;
		}
		if (dev->ops->compute_async)
			compute_and_wait(dev, xn->k, &r->ctx);
		else
			dev->ops->compute(dev, xn->k, &r->ctx);
		ok = r->kst.code == TFC_OK;
		if (!ok)
			cf_fail(cs, r->kst.code, "%s\n\t [[{{node %s}}]]", r->kst.msg ? r->kst.msg : "",
				xn->op->name);
		/* A Switch sets one output (the other is dead); everything else sets all. */
		int set = 0;
		for (int o = 0; o < xn->n_out; o++)
			set += r->out[o] || r->outref[o];
		int need = kind == K_SWITCH ? 1 : xn->n_out;
		if (ok && set < need) {
			cf_fail(cs, TFC_INTERNAL, "Kernel %s produced no output\n\t [[{{node %s}}]]",
				xn->op->type, xn->op->name);
			ok = false;
		}
		if (ns) {
			ns->op_end_ns = tfc__now_ns();
			ns->ran = ok;
		}
	}
	free(r->kst.msg);
	for (int k = 0; k < xn->n_in; k++)
		tfc_tensor_free(r->vin[k]);
	struct slot *outs = tfc__calloc((size_t)xn->n_out + 1, sizeof(*outs));
	for (int o = 0; o < xn->n_out; o++) {
		outs[o].t = r->out[o];
		outs[o].ref = r->outref[o];
	}
	struct tfc__out_stat *ostat = NULL;
	if (ns && ok) {
		ostat = tfc__calloc((size_t)xn->n_out + 1, sizeof(*ostat));
		for (int o = 0; o < xn->n_out; o++) {
			const tfc_tensor *t = outs[o].t ? outs[o].t : outs[o].ref ? outs[o].ref->value : NULL;
			ostat[o].dtype = xn->op->outs[o].dtype;
			ostat[o].shape = t ? tfc_tensor_shape(t) : tfc_shape_unknown();
			ostat[o].bytes = t ? (int64_t)tfc_tensor_byte_size(t) : 0;
			ostat[o].allocator = t && tfc__tensor_device(t) ? tfc__tensor_device(t)->alloc_name : NULL;
		}
		ns->all_end_ns = tfc__now_ns();
	}
	pthread_mutex_lock(&cs->mu);
	/* Fetches are of the root frame's tensors, an Exit's included (its value leaves
	 * the loop). */
	struct frame *dest = kind == K_EXIT ? r->frame->parent : r->frame;
	if (dest == cs->root && (ok || (r->dead && kind != K_EXIT)))
		fill_fetches(cs, r->node, ok ? outs : NULL); /* a dead Exit: when its frame ends */
	if (ostat) {
		struct tfc__run_trace *t = cs->trace;
		struct tfc__node_stat *first = &t->stats[r->node];
		if (!first->ran) {
			*first = *ns;
			first->outs = t->out_buf + xn->out_base;
			memcpy(first->outs, ostat, (size_t)xn->n_out * sizeof(*ostat));
			free(ostat);
		} else {
			if (t->n_extra == t->cap_extra) {
				t->cap_extra = t->cap_extra ? 2 * t->cap_extra : 64;
				t->extra = tfc__realloc(t->extra, (size_t)t->cap_extra * sizeof(*t->extra));
			}
			t->extra[t->n_extra].node = r->node;
			t->extra[t->n_extra].st = *ns;
			t->extra[t->n_extra].st.outs = ostat;
			t->n_extra++;
		}
	}
	/* After a failure nothing new runs; the step's frames are freed at its end. */
	if (!atomic_load(&cs->failed) && (ok || r->dead)) {
		r->dead = !ok;
		propagate(r, outs, ready);
	}
	pthread_mutex_unlock(&cs->mu);
	for (int o = 0; o < xn->n_out; o++)
		tfc_tensor_free(outs[o].t);
	free(outs);
	free(r);
}

/* ---- scheduling */

static void cf_task(void *arg);

/* Pool mode: every ready node but the first goes to the pool; the first is returned
 * for the calling thread (a chain stays on one thread). */
static struct xrun *dispatch(struct cfstep *cs, struct rlist *ready)
{
	if (!ready->n)
		return NULL;
	for (int k = 1; k < ready->n; k++) {
		atomic_fetch_add(&cs->outstanding, 1);
		tfc__threadpool_submit(cs->s->pool, cf_task, ready->v[k]);
	}
	struct xrun *first = ready->v[0];
	ready->n = 0;
	return first;
}

static void cf_task(void *arg)
{
	struct xrun *r = arg;
	struct cfstep *cs = r->cs;
	struct rlist ready = {0};
	while (r) {
		run_one(r, &ready);
		r = dispatch(cs, &ready);
	}
	free(ready.v);
	pthread_mutex_lock(&cs->mu);
	if (atomic_fetch_sub(&cs->outstanding, 1) == 1)
		pthread_cond_broadcast(&cs->done);
	pthread_mutex_unlock(&cs->mu);
}

/* Nodes made ready but never run (after a failure): release their inputs. */
static void drop_ready(struct rlist *rl)
{
	for (int k = 0; k < rl->n; k++) {
		struct xrun *r = rl->v[k];
		for (int j = 0; j < r->cs->x->nodes[r->node].n_in; j++)
			tfc_tensor_free(r->in[j].t);
		free(r);
	}
	rl->n = 0;
}

void tfc__cf_run(struct tfc_session *s, struct tfc__executable *x, tfc_tensor *const *feed_values,
		 tfc_tensor **out_values, int64_t deadline_ns, struct tfc__run_trace *trace,
		 tfc_status *st)
{
	struct cfstep cs = {0};
	cs.s = s;
	cs.x = x;
	cs.cf = x->cf;
	cs.feeds = feed_values;
	cs.out_values = out_values;
	cs.step_id = atomic_fetch_add(&s->next_step, 1);
	cs.deadline_ns = deadline_ns;
	atomic_init(&cs.failed, false);
	atomic_init(&cs.outstanding, 0);
	pthread_mutex_init(&cs.mu, NULL);
	pthread_cond_init(&cs.done, NULL);
	if (x->has_rendezvous)
		cs.rendezvous = tfc__rendezvous_new();
	if (x->has_step_objects)
		cs.step_res = tfc__step_res_new();
	if (trace && trace->level > 0) {
		tfc__trace_begin(x, trace);
		cs.trace = trace;
	}
	for (int i = 0; i < x->n_fetches; i++)
		if (x->fetch_feed[i] >= 0)
			out_values[i] = tfc_tensor_ref(feed_values[x->fetch_feed[i]]);
	cs.root = frame_new(&cs, 0, NULL, 0, 1);
	struct iter *it0 = iter_get(cs.root, 0);
	struct rlist ready = {0};
	for (int k = 0; k < x->n_roots; k++)
		make_ready(&cs, cs.root, 0, it0, x->roots[k], false, &ready);
	if (s->pool && x->n_nodes >= 4) {
		/* One count for this thread until every root is queued. */
		atomic_store(&cs.outstanding, 1);
		for (int k = 0; k < ready.n; k++) {
			atomic_fetch_add(&cs.outstanding, 1);
			tfc__threadpool_submit(s->pool, cf_task, ready.v[k]);
		}
		ready.n = 0;
		pthread_mutex_lock(&cs.mu);
		atomic_fetch_sub(&cs.outstanding, 1);
		tfc__wait_outstanding(&cs.mu, &cs.done, &cs.outstanding, cs.deadline_ns, &cs.err, &cs.failed);
		pthread_mutex_unlock(&cs.mu);
	} else {
		/* One thread: ready nodes on a stack, the newest first. */
		while (ready.n > 0 && !atomic_load(&cs.failed)) {
			struct xrun *r = ready.v[--ready.n];
			run_one(r, &ready);
		}
		drop_ready(&ready);
	}
	free(ready.v);
	frame_free(&cs, cs.root);
	tfc__step_result(x, out_values, &cs.err, st);
	tfc__rendezvous_free(cs.rendezvous);
	tfc__step_res_free(cs.step_res);
	pthread_cond_destroy(&cs.done);
	pthread_mutex_destroy(&cs.mu);
}
