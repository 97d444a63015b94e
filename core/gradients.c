/*
 * gradients.c: tf.gradients for tfc graphs (tfc_gradients, core/tfc_train.h): the
 * algorithm of TensorFlow 1.x's gradients_util._GradientsHelper, in C.
 *
 *  1. Mark the ops reachable forward from xs through floating tensors, then the ops
 *     between xs and ys (reachable backward from ys among those), and count for
 *     each the between-ops that consume it (pending counts).
 *  2. Seed ys with grad_ys (default ones: "gradients/Shape", "grad_ys_N", "Fill").
 *  3. Walk backward from ys: an op is ready once every between-op consuming it has
 *     been done. Its output gradients are summed (AddN, named in the gradients
 *     scope), missing floating ones are zeros ("gradients/zeros_like"), and its
 *     gradient function, looked up in the tables of core/grad_*.c, adds the input
 *     gradients inside "gradients/<op name>_grad/". Ops among xs whose inputs are not
 *     between are stop ops: their gradient is summed but not propagated.
 *  4. Each x's summed gradient is its result; none if nothing reached it.
 *
 * Control-flow ops (Switch, Merge, Enter, Exit, NextIteration, LoopCond) are out of
 * scope: one on a path is Unimplemented, naming it.
 */
#include "grad_internal.h"

/* ---- the registry: tables of core/grad_*.c, searched in order */

static const struct tfc__grad_def *const tables[] = {
	tfc__grad_math_defs,
	tfc__grad_nn_defs,
	tfc__grad_array_defs,
};

static const struct tfc__grad_def *grad_lookup(const char *type)
{
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct tfc__grad_def *d = tables[t]; d->op; d++)
			if (strcmp(d->op, type) == 0)
				return d;
	return NULL;
}

bool tfc_gradient_is_registered(const char *op_type)
{
	return op_type && grad_lookup(op_type) != NULL;
}

int tfc_gradient_registry_count(void)
{
	int n = 0;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct tfc__grad_def *d = tables[t]; d->op; d++)
			n++;
	return n;
}

const char *tfc_gradient_registry_name(int i)
{
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct tfc__grad_def *d = tables[t]; d->op; d++)
			if (i-- == 0)
				return d->op;
	return NULL;
}

/* TensorFlow's _IsBackpropagatable: floating tensors, and resource handles (a
 * variable's gradient flows from ReadVariableOp to its handle). */
static bool backprop_dtype(tfc_dtype t)
{
	return tfc__grad_dtype(t) || tfc_dtype_base(t) == TFC_RESOURCE;
}

static bool is_control_flow(const char *type)
{
	static const char *const cf[] = {"Switch", "RefSwitch", "Merge", "RefMerge", "Enter",
					 "RefEnter", "Exit", "RefExit", "NextIteration",
					 "RefNextIteration", "LoopCond", NULL};
	for (int i = 0; cf[i]; i++)
		if (strcmp(type, cf[i]) == 0)
			return true;
	return false;
}

/* ---- gradient lists per op output */

struct glist {
	int n, cap;
	tfc_output *v;
};

struct gstate {
	tfc_graph *g;
	size_t n_ops;               /* ops in the graph when we started */
	struct glist **grads;       /* [n_ops] -> array of n_outputs lists, or NULL */
};

static void add_grad(struct gstate *s, tfc_output t, tfc_output grad)
{
	size_t id = t.oper->id;
	if (id >= s->n_ops)
		return;
	if (!s->grads[id])
		s->grads[id] = tfc__calloc((size_t)t.oper->n_outputs, sizeof(struct glist));
	struct glist *l = &s->grads[id][t.index];
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 2;
		l->v = tfc__realloc(l->v, (size_t)l->cap * sizeof(tfc_output));
	}
	l->v[l->n++] = grad;
}

/* Sums a list into one gradient ("AddN" in the current scope, the gradients one). */
static tfc_output aggregate(struct tfc__gb *b, struct glist *l)
{
	if (l->n == 0)
		return (tfc_output){NULL, 0};
	if (l->n == 1)
		return l->v[0];
	tfc_op_desc *d = tfc__gb_new(b, "AddN", "AddN");
	if (d)
		tfc_op_add_input_list(d, l->v, l->n);
	tfc_output sum = tfc__gb_finish(b, d);
	if (sum.oper) {
		l->n = 1;
		l->v[0] = sum;
	}
	return sum;
}

/* control_flow_ops.tuple(in_grads) inside the op's "_grad" scope. */
static void gate(struct tfc__gb *b, tfc_output *dx, int n)
{
	tfc_operation **gating = tfc__calloc((size_t)n + 1, sizeof(*gating));
	int ng = 0;
	for (int i = 0; i < n; i++) {
		if (!dx[i].oper)
			continue;
		bool seen = false;
		for (int j = 0; j < ng; j++)
			seen = seen || gating[j] == dx[i].oper;
		if (!seen)
			gating[ng++] = dx[i].oper;
	}
	/* sorted by creation, as TensorFlow sorts by op id */
	for (int i = 1; i < ng; i++)
		for (int j = i; j > 0 && gating[j - 1]->id > gating[j]->id; j--) {
			tfc_operation *t = gating[j];
			gating[j] = gating[j - 1];
			gating[j - 1] = t;
		}
	if (!tfc__gb_push_scope(b, "tuple")) {
		free(gating);
		return;
	}
	tfc_op_desc *d = tfc__gb_new(b, "NoOp", "group_deps");
	for (int i = 0; d && i < ng; i++)
		tfc_op_add_control_input(d, gating[i]);
	free(gating);
	tfc_operation *grp = tfc__gb_finish_op(b, d);
	for (int i = 0; i < n && grp; i++) {
		if (!dx[i].oper)
			continue;
		const char *sc = tfc__gb_push_scope(b, "control_dependency");
		if (!sc)
			break;
		char *full = tfc__strdup(sc);
		tfc__gb_pop_scope(b);
		d = tfc__gb_new_exact(b, "Identity", full);
		free(full);
		if (d) {
			tfc_op_add_control_input(d, grp);
			tfc__gb_colocate(d, dx[i].oper);
		}
		tfc__gb_input(b, d, dx[i]);
		dx[i] = tfc__gb_finish(b, d);
	}
	tfc__gb_pop_scope(b);
}

static bool compatible(const tfc_shape *a, const tfc_shape *b)
{
	if (a->rank < 0 || b->rank < 0)
		return true;
	if (a->rank != b->rank)
		return false;
	for (int i = 0; i < a->rank; i++)
		if (a->dims[i] >= 0 && b->dims[i] >= 0 && a->dims[i] != b->dims[i])
			return false;
	return true;
}

static bool check_output(tfc_graph *g, tfc_output t, const char *what, int i, tfc_status *st)
{
	if (!t.oper) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s[%d] is a NULL tensor", what, i);
		return false;
	}
	if (t.oper->graph != g) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s[%d] ('%s') is not in this graph", what,
			       i, t.oper->name);
		return false;
	}
	if (t.index < 0 || t.index >= t.oper->n_outputs) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s[%d]: '%s' has no output %d", what, i,
			       t.oper->name, t.index);
		return false;
	}
	return true;
}

int tfc_gradients(tfc_graph *g, const tfc_output *ys, int ny, const tfc_output *xs, int nx,
		  const tfc_output *grad_ys, tfc_output *dxs, tfc_status *st)
{
	return tfc_gradients_ex(g, ys, ny, xs, nx, grad_ys, NULL, false, dxs, st);
}

int tfc_gradients_ex(tfc_graph *g, const tfc_output *ys, int ny, const tfc_output *xs, int nx,
		     const tfc_output *grad_ys, const char *scope, bool gate_gradients,
		     tfc_output *dxs, tfc_status *st)
{
	if (!tfc__ok(st))
		return -1;
	int ret = -1, n_connected = 0;
	struct gstate s = {g, 0, NULL};
	bool *reached = NULL, *between = NULL, *stop = NULL, *queued = NULL;
	int *pending = NULL;
	tfc_operation **queue = NULL, **blist = NULL;
	size_t *cons_start = NULL;
	tfc_operation **cons = NULL;
	bool scope_pushed = false;
	struct tfc__gb b = {.g = g, .st = st};

	if (!g || !ys || ny <= 0 || nx < 0 || (nx > 0 && (!xs || !dxs))) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT,
			       "gradients: need a graph, at least one y and arrays for xs and dxs");
		return -1;
	}
	for (int i = 0; i < nx; i++)
		dxs[i] = (tfc_output){NULL, 0};
	for (int i = 0; i < ny; i++) {
		if (!check_output(g, ys[i], "ys", i, st))
			return -1;
		tfc_dtype yt = tfc__gb_dtype(ys[i]);
		if (!grad_ys && !tfc__grad_dtype(yt)) {
			tfc_status_set(st, TFC_INVALID_ARGUMENT,
				       "gradients: ys[%d] ('%s:%d') has dtype %s; gradients need a "
				       "floating tensor", i, ys[i].oper->name, ys[i].index,
				       tfc_dtype_name(yt));
			return -1;
		}
		if (grad_ys) {
			if (!check_output(g, grad_ys[i], "grad_ys", i, st))
				return -1;
			tfc_shape a = tfc__gb_static_shape(grad_ys[i]), c = tfc__gb_static_shape(ys[i]);
			if (!compatible(&a, &c)) {
				char sa[64], sc[64];
				tfc_shape_format(&a, sa, sizeof(sa));
				tfc_shape_format(&c, sc, sizeof(sc));
				tfc_status_set(st, TFC_INVALID_ARGUMENT,
					       "gradients: grad_ys[%d] ('%s:%d') has shape %s, incompatible "
					       "with ys[%d] ('%s:%d') of shape %s", i,
					       grad_ys[i].oper->name, grad_ys[i].index, sa, i,
					       ys[i].oper->name, ys[i].index, sc);
				return -1;
			}
			if (tfc__gb_dtype(grad_ys[i]) != yt) {
				tfc_status_set(st, TFC_INVALID_ARGUMENT,
					       "gradients: grad_ys[%d] ('%s:%d') has dtype %s but ys[%d] "
					       "('%s:%d') has %s", i, grad_ys[i].oper->name,
					       grad_ys[i].index, tfc_dtype_name(tfc__gb_dtype(grad_ys[i])),
					       i, ys[i].oper->name, ys[i].index, tfc_dtype_name(yt));
				return -1;
			}
		}
	}
	for (int i = 0; i < nx; i++)
		if (!check_output(g, xs[i], "xs", i, st))
			return -1;

	size_t n = g->n_ops;
	s.n_ops = n;
	s.grads = tfc__calloc(n ? n : 1, sizeof(*s.grads));
	reached = tfc__calloc(n ? n : 1, sizeof(bool));
	between = tfc__calloc(n ? n : 1, sizeof(bool));
	stop = tfc__calloc(n ? n : 1, sizeof(bool));
	queued = tfc__calloc(n ? n : 1, sizeof(bool));
	pending = tfc__calloc(n ? n : 1, sizeof(int));
	queue = tfc__calloc(n + 1, sizeof(*queue));
	blist = tfc__calloc(n + 1, sizeof(*blist));

	/* Consumers of each op through floating outputs (CSR). */
	cons_start = tfc__calloc(n + 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		tfc_operation *op = g->ops[i];
		for (int k = 0; k < op->n_inputs; k++) {
			tfc_output in = op->inputs[k];
			if (in.oper && backprop_dtype(tfc_operation_output_type(in.oper, in.index)))
				cons_start[in.oper->id + 1]++;
		}
	}
	for (size_t i = 0; i < n; i++)
		cons_start[i + 1] += cons_start[i];
	cons = tfc__calloc(cons_start[n] + 1, sizeof(*cons));
	{
		size_t *fill = tfc__calloc(n + 1, sizeof(size_t));
		for (size_t i = 0; i < n; i++) {
			tfc_operation *op = g->ops[i];
			for (int k = 0; k < op->n_inputs; k++) {
				tfc_output in = op->inputs[k];
				if (in.oper &&
				    backprop_dtype(tfc_operation_output_type(in.oper, in.index))) {
					size_t p = in.oper->id;
					cons[cons_start[p] + fill[p]++] = op;
				}
			}
		}
		free(fill);
	}

	/* 1a. reached: forward from xs' ops. */
	size_t qh = 0, qt = 0;
	for (int i = 0; i < nx; i++) {
		tfc_operation *op = xs[i].oper;
		if (!reached[op->id]) {
			reached[op->id] = true;
			queue[qt++] = op;
		}
	}
	while (qh < qt) {
		tfc_operation *op = queue[qh++];
		for (size_t c = cons_start[op->id]; c < cons_start[op->id + 1]; c++) {
			tfc_operation *u = cons[c];
			if (!reached[u->id]) {
				reached[u->id] = true;
				queue[qt++] = u;
			}
		}
	}
	/* 1b. between: backward from ys' ops among the reached (each op queued once). */
	size_t nb = 0;
	qh = qt = 0;
	for (int i = 0; i < ny; i++) {
		tfc_operation *op = ys[i].oper;
		if (reached[op->id]) {
			reached[op->id] = false;
			between[op->id] = true;
			queue[qt++] = op;
		}
	}
	while (qh < qt) {
		tfc_operation *op = queue[qh++];
		blist[nb++] = op;
		for (int k = 0; k < op->n_inputs; k++) {
			tfc_operation *in = op->inputs[k].oper;
			if (in && reached[in->id]) {
				reached[in->id] = false;
				between[in->id] = true;
				queue[qt++] = in;
			}
		}
	}
	for (size_t i = 0; i < nb; i++) {
		tfc_operation *op = blist[i];
		for (int k = 0; k < op->n_inputs; k++) {
			tfc_operation *in = op->inputs[k].oper;
			if (in && between[in->id])
				pending[in->id]++;
		}
	}
	for (int i = 0; i < nx; i++) {
		tfc_operation *op = xs[i].oper;
		bool is_stop = true;
		for (int k = 0; k < op->n_inputs && is_stop; k++)
			if (op->inputs[k].oper && pending[op->inputs[k].oper->id] > 0)
				is_stop = false;
		stop[op->id] = is_stop;
	}

	/* 2. seeds, inside the gradients scope. */
	tfc_graph_push_name_scope(g, scope && *scope ? scope : "gradients");
	scope_pushed = true;
	for (int i = 0; i < ny; i++) {
		tfc_output gy;
		if (grad_ys) {
			gy = grad_ys[i];
		} else {
			tfc_output shp = tfc__gb_shape(&b, "Shape", ys[i]);
			char name[32];
			snprintf(name, sizeof(name), "grad_ys_%d", i);
			tfc_output one = tfc__gb_const_scalar(&b, name, tfc__gb_dtype(ys[i]), 1.0);
			gy = tfc__gb_op2(&b, "Fill", "Fill", shp, one);
		}
		if (!tfc__ok(st))
			goto cleanup;
		add_grad(&s, ys[i], gy);
	}

	/* 3. the backward walk. */
	qh = qt = 0;
	for (int i = 0; i < ny; i++) {
		tfc_operation *op = ys[i].oper;
		if (pending[op->id] == 0 && !queued[op->id] && between[op->id]) {
			queued[op->id] = true;
			queue[qt++] = op;
		}
	}
	while (qh < qt) {
		tfc_operation *op = queue[qh++];
		int nout = op->n_outputs, nin = op->n_inputs;
		tfc_output *dy = tfc__calloc((size_t)nout + 1, sizeof(tfc_output));
		tfc_output *dx = tfc__calloc((size_t)nin + 1, sizeof(tfc_output));
		bool has_out = false;
		for (int i = 0; i < nout; i++) {
			if (s.grads[op->id])
				dy[i] = aggregate(&b, &s.grads[op->id][i]);
			has_out = has_out || dy[i].oper;
		}
		const struct tfc__grad_def *def = NULL;
		if (tfc__ok(st) && has_out && !stop[op->id]) {
			if (is_control_flow(op->type)) {
				tfc_status_set(st, TFC_UNIMPLEMENTED,
					       "gradients: '%s' is a control-flow op (%s); gradients "
					       "through control flow are not supported", op->name,
					       op->type);
			} else if (!(def = grad_lookup(op->type))) {
				tfc_status_set(st, TFC_NOT_FOUND,
					       "No gradient defined for operation '%s' (op type: %s)",
					       op->name, op->type);
			}
		}
		if (tfc__ok(st) && def && def->fn) {
			for (int i = 0; i < nout; i++)
				if (!dy[i].oper &&
				    tfc__grad_dtype(tfc_operation_output_type(op, i)))
					dy[i] = tfc__gb_zeros_like(&b, (tfc_output){op, i});
			char *sc = tfc__asprintf("%s_grad", op->name);
			tfc_graph_push_name_scope(g, sc);
			free(sc);
			def->fn(&b, op, dy, dx);
			b.n_ctl = 0;
			b.coloc = NULL;
			for (int i = 0; i < nin && tfc__ok(st); i++) {
				if (!dx[i].oper || !op->inputs[i].oper ||
				    tfc__gb_dtype(op->inputs[i]) == TFC_RESOURCE)
					continue;
				tfc_shape a = tfc__gb_static_shape(op->inputs[i]);
				tfc_shape c = tfc__gb_static_shape(dx[i]);
				if (!compatible(&a, &c)) {
					char sa[64], sg[64];
					tfc_shape_format(&a, sa, sizeof(sa));
					tfc_shape_format(&c, sg, sizeof(sg));
					tfc_status_set(st, TFC_INVALID_ARGUMENT,
						       "Incompatible shapes between op input and calculated "
						       "input gradient. Forward operation: %s. Input index: "
						       "%d. Original input shape: %s. Calculated input "
						       "gradient shape: %s", op->name, i, sa, sg);
				}
			}
			if (tfc__ok(st)) {
				int nn = 0;
				for (int i = 0; i < nin; i++)
					nn += dx[i].oper != NULL;
				if (gate_gradients && nn > 1)
					gate(&b, dx, nin);
			}
			tfc_graph_pop_name_scope(g);
			if (!tfc__ok(st))
				tfc__status_prefix(st, "gradient of '%s' (%s): ", op->name, op->type);
		}
		for (int i = 0; i < nin && tfc__ok(st); i++)
			if (dx[i].oper && op->inputs[i].oper)
				add_grad(&s, op->inputs[i], dx[i]);
		free(dy);
		free(dx);
		if (!tfc__ok(st))
			goto cleanup;
		for (int k = 0; k < nin; k++) {
			tfc_operation *in = op->inputs[k].oper;
			if (!in)
				continue;
			if (--pending[in->id] == 0 && !queued[in->id]) {
				queued[in->id] = true;
				queue[qt++] = in;
			}
		}
	}

	/* 4. results. */
	for (int i = 0; i < nx; i++) {
		tfc_operation *op = xs[i].oper;
		if (!s.grads[op->id])
			continue;
		dxs[i] = aggregate(&b, &s.grads[op->id][xs[i].index]);
		if (!tfc__ok(st))
			goto cleanup;
		n_connected += dxs[i].oper != NULL;
	}
	ret = n_connected;

cleanup:
	if (scope_pushed)
		tfc_graph_pop_name_scope(g);
	if (ret < 0)
		for (int i = 0; i < nx; i++)
			dxs[i] = (tfc_output){NULL, 0};
	for (size_t i = 0; i < s.n_ops; i++) {
		if (!s.grads[i])
			continue;
		for (int k = 0; k < g->ops[i]->n_outputs; k++)
			free(s.grads[i][k].v);
		free(s.grads[i]);
	}
	free(s.grads);
	free(reached);
	free(between);
	free(stop);
	free(queued);
	free(pending);
	free(queue);
	free(blist);
	free(cons_start);
	free(cons);
	return ret;
}
