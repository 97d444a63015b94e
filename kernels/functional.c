/*
 * functional.c: CPU kernels of TensorFlow's functional control flow: If and
 * StatelessIf (run the then_branch or else_branch function), While and
 * StatelessWhile (run cond, then body, while cond holds), PartitionedCall and
 * StatefulPartitionedCall (run f once), and _Retval at the top level (nothing).
 *
 * A function of the graph's library (FunctionDef) becomes a graph of its own, built
 * once per node: a Placeholder per input argument, the body's nodes with their inputs
 * renamed from TensorFlow's function form ("node:output_arg:i") to graph form
 * ("node:k", k counting the op's flattened outputs), and the ret map as the tensors to
 * fetch. It runs in a session of its own (one inter-op thread, so a call from a pool
 * thread never waits on the pool it runs on). Variables reach a function as resource
 * handles, which work across sessions; a function that makes variables by name
 * (VarHandleOp inside the body) gets its own. Functions with type parameters
 * (polymorphic signatures, "$T" attrs) are Unimplemented.
 */
#include "kernels.h"

struct fn {
	tfc_graph *g;
	tfc_session *s;
	int n_in, n_out;
	tfc_output *in, *out;
};

static void fn_free(struct fn *f)
{
	if (!f)
		return;
	tfc_session_free(f->s);
	tfc_graph_free(f->g);
	free(f->in);
	free(f->out);
	free(f);
}

static const Tensorflow__FunctionDef *find_function(const tfc_graph *g, const char *name)
{
	const Tensorflow__FunctionDefLibrary *lib = g->library;
	for (size_t i = 0; lib && i < lib->n_function; i++) {
		const Tensorflow__FunctionDef *f = lib->function[i];
		if (f->signature && f->signature->name && !strcmp(f->signature->name, name))
			return f;
	}
	return NULL;
}

/* How many tensors output argument a of node nd has (number_attr, type_list_attr). */
static int64_t arg_count(const struct tfc__arg_def *a, const Tensorflow__NodeDef *nd)
{
	const char *attr = a->number_attr ? a->number_attr : a->type_list_attr;
	if (!attr)
		return 1;
	for (size_t i = 0; i < nd->n_attr; i++) {
		const Tensorflow__AttrValue *v = nd->attr[i]->value;
		if (strcmp(nd->attr[i]->key, attr) || !v)
			continue;
		if (v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_I)
			return v->i;
		if (v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_LIST && v->list)
			return (int64_t)v->list->n_type;
	}
	return 1;
}

/* "node:output_arg:i" of function fd as "node:k" (a new string), or a copy of an
 * input argument's name; NULL with st set when it names nothing. */
static char *graph_input(const Tensorflow__FunctionDef *fd, const char *ref, tfc_status *st)
{
	if (ref[0] == '^')
		return tfc__strdup(ref);
	const char *c1 = strchr(ref, ':');
	if (!c1)
		return tfc__strdup(ref); /* an input argument (a Placeholder of that name) */
	const char *c2 = strchr(c1 + 1, ':');
	size_t nlen = (size_t)(c1 - ref);
	const Tensorflow__NodeDef *nd = NULL;
	for (size_t i = 0; i < fd->n_node_def && !nd; i++)
		if (strlen(fd->node_def[i]->name) == nlen && !strncmp(fd->node_def[i]->name, ref, nlen))
			nd = fd->node_def[i];
	const struct tfc__op_def *od = nd ? tfc__op_lookup(nd->op) : NULL;
	if (!od || !c2) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "Function %s: cannot resolve input '%s'",
			       fd->signature->name, ref);
		return NULL;
	}
	size_t alen = (size_t)(c2 - c1 - 1);
	int64_t flat = 0;
	for (int a = 0; a < od->n_out; a++) {
		if (strlen(od->out[a].name) == alen && !strncmp(od->out[a].name, c1 + 1, alen))
			return tfc__asprintf("%.*s:%lld", (int)nlen, ref, (long long)(flat + atoll(c2 + 1)));
		flat += arg_count(&od->out[a], nd);
	}
	tfc_status_set(st, TFC_INVALID_ARGUMENT, "Function %s: op %s has no output '%.*s' (input '%s')",
		       fd->signature->name, nd->op, (int)alen, c1 + 1, ref);
	return NULL;
}

/* The function `name` of op's graph as a graph and session of their own. */
static struct fn *fn_build(const tfc_operation *op, const char *name, int intra, tfc_status *st)
{
	const Tensorflow__FunctionDef *fd = find_function(op->graph, name);
	if (!fd) {
		tfc_status_set(st, TFC_NOT_FOUND, "Function %s (used by node '%s') is not in the graph's library",
			       name, op->name);
		return NULL;
	}
	const Tensorflow__OpDef *sig = fd->signature;
	struct fn *f = tfc__calloc(1, sizeof(*f));
	size_t nn = sig->n_input_arg + fd->n_node_def;
	Tensorflow__NodeDef **nodes = tfc__calloc(nn + 1, sizeof(*nodes));
	Tensorflow__GraphDef gd;
	tensorflow__graph_def__init(&gd);
	gd.node = nodes;
	gd.library = op->graph->library; /* borrowed: bodies may call functions */
	bool ok = true;
	for (size_t i = 0; i < sig->n_input_arg && ok; i++) {
		const Tensorflow__OpDef__ArgDef *a = sig->input_arg[i];
		if (a->type_attr && a->type_attr[0]) {
			tfc_status_set(st, TFC_UNIMPLEMENTED,
				       "Function %s has a polymorphic signature (input %s: %s)", name, a->name,
				       a->type_attr);
			ok = false;
			break;
		}
		Tensorflow__NodeDef *nd = tfc__calloc(1, sizeof(*nd));
		tensorflow__node_def__init(nd);
		nd->name = tfc__strdup(a->name);
		nd->op = tfc__strdup("Placeholder");
		nd->n_attr = 1;
		nd->attr = tfc__calloc(1, sizeof(*nd->attr));
		nd->attr[0] = tfc__calloc(1, sizeof(**nd->attr));
		tensorflow__node_def__attr_entry__init(nd->attr[0]);
		nd->attr[0]->key = tfc__strdup("dtype");
		nd->attr[0]->value = tfc__calloc(1, sizeof(Tensorflow__AttrValue));
		tensorflow__attr_value__init(nd->attr[0]->value);
		nd->attr[0]->value->value_case = TENSORFLOW__ATTR_VALUE__VALUE_TYPE;
		nd->attr[0]->value->type = a->type;
		nodes[gd.n_node++] = nd;
	}
	for (size_t i = 0; i < fd->n_node_def && ok; i++) {
		const Tensorflow__NodeDef *src = fd->node_def[i];
		/* A deep copy (pack, unpack), then the inputs renamed. */
		size_t len = tensorflow__node_def__get_packed_size(src);
		uint8_t *buf = tfc__malloc(len + 1);
		tensorflow__node_def__pack(src, buf);
		Tensorflow__NodeDef *nd = tensorflow__node_def__unpack(NULL, len, buf);
		free(buf);
		nodes[gd.n_node++] = nd;
		for (size_t k = 0; k < nd->n_attr && ok; k++) {
			const Tensorflow__AttrValue *v = nd->attr[k]->value;
			if (v && v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_PLACEHOLDER) {
				tfc_status_set(st, TFC_UNIMPLEMENTED,
					       "Function %s: node %s takes attr %s from the call ($%s)", name,
					       nd->name, nd->attr[k]->key, v->placeholder);
				ok = false;
			}
		}
		for (size_t k = 0; k < nd->n_input && ok; k++) {
			char *ren = graph_input(fd, nd->input[k], st);
			ok = ren != NULL;
			if (ok) {
				free(nd->input[k]);
				nd->input[k] = ren;
			}
		}
	}
	if (ok) {
		size_t len = tensorflow__graph_def__get_packed_size(&gd);
		uint8_t *buf = tfc__malloc(len + 1);
		tensorflow__graph_def__pack(&gd, buf);
		f->g = tfc_graph_new();
		tfc_graph_import(f->g, buf, len, TFC_FORMAT_BINARY, NULL, NULL, st);
		free(buf);
		ok = tfc_status_code(st) == TFC_OK;
		if (!ok)
			tfc__status_prefix(st, "Function %s: ", name);
	}
	for (size_t i = 0; i < gd.n_node; i++)
		if (i < sig->n_input_arg) {
			free(nodes[i]->name);
			free(nodes[i]->op);
			free(nodes[i]->attr[0]->key);
			free(nodes[i]->attr[0]->value);
			free(nodes[i]->attr[0]);
			free(nodes[i]->attr);
			free(nodes[i]);
		} else {
			tensorflow__node_def__free_unpacked(nodes[i], NULL);
		}
	free(nodes);
	if (!ok)
		goto fail;
	f->n_in = (int)sig->n_input_arg;
	f->n_out = (int)sig->n_output_arg;
	f->in = tfc__calloc((size_t)f->n_in + 1, sizeof(*f->in));
	f->out = tfc__calloc((size_t)f->n_out + 1, sizeof(*f->out));
	for (int i = 0; i < f->n_in; i++)
		f->in[i] = tfc_graph_output_by_name(f->g, sig->input_arg[i]->name);
	for (int i = 0; i < f->n_out; i++) {
		const char *rname = sig->output_arg[i]->name, *ref = NULL;
		for (size_t k = 0; k < fd->n_ret; k++)
			if (!strcmp(fd->ret[k]->key, rname))
				ref = fd->ret[k]->value;
		char *t = ref ? graph_input(fd, ref, st) : NULL;
		f->out[i] = t ? tfc_graph_output_by_name(f->g, t) : (tfc_output){NULL, 0};
		free(t);
		if (!f->out[i].oper) {
			if (tfc_status_code(st) == TFC_OK)
				tfc_status_set(st, TFC_INVALID_ARGUMENT, "Function %s: no tensor for output %s",
					       name, rname);
			goto fail;
		}
	}
	tfc_session_options *o = tfc_session_options_new();
	char b[16];
	snprintf(b, sizeof(b), "%d", intra > 0 ? intra : 1);
	tfc_session_options_set_config_value(o, "inter_op_parallelism_threads", "1", st);
	tfc_session_options_set_config_value(o, "intra_op_parallelism_threads", b, st);
	f->s = tfc_session_new(f->g, o, st);
	tfc_session_options_free(o);
	if (!f->s)
		goto fail;
	return f;
fail:
	fn_free(f);
	return NULL;
}

/* Runs f on n inputs; out gets f->n_out new tensors. False with ctx->st set. */
static bool fn_run(struct tfc_kernel_ctx *ctx, struct fn *f, tfc_tensor *const *in, int n, tfc_tensor **out)
{
	if (n != f->n_in) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "The function takes %d inputs, the node gives %d",
				 f->n_in, n);
		return false;
	}
	tfc_status *st = tfc_status_new();
	tfc_session_run(f->s, NULL, 0, f->in, in, n, f->out, out, f->n_out, NULL, 0, NULL, st);
	bool ok = tfc_status_code(st) == TFC_OK;
	if (!ok)
		tfc_kernel_error(ctx, tfc_status_code(st), "%s", tfc_status_message(st));
	tfc_status_free(st);
	return ok;
}

/* TensorFlow's truth of a tensor: a scalar is true when non-zero (a string when not
 * empty); anything else when it has elements. */
static bool truth(const tfc_tensor *t)
{
	if (t->shape.rank != 0)
		return t->n_elems > 0;
	const void *p = tfc_tensor_data(t);
	switch (t->dtype) {
	case TFC_BOOL: return *(const bool *)p;
	case TFC_FLOAT: return *(const float *)p != 0;
	case TFC_DOUBLE: return *(const double *)p != 0;
	case TFC_INT32: return *(const int32_t *)p != 0;
	case TFC_INT64: return *(const int64_t *)p != 0;
	case TFC_STRING: return tfc_tensor_string(t, 0)->len > 0;
	default: return true;
	}
}

/* ---- state: the node's functions */

struct fstate {
	struct fn *a, *b; /* If: then, else; While: cond, body; calls: f */
};

static void fstate_free(void *p)
{
	struct fstate *s = p;
	fn_free(s->a);
	fn_free(s->b);
	free(s);
}

static const char *func_attr(const tfc_operation *op, const char *attr)
{
	const Tensorflow__AttrValue *v = tfc__op_attr(op, attr);
	if (v && v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_FUNC && v->func && v->func->name)
		return v->func->name;
	return NULL;
}

static void *two_create(const tfc_operation *op, const char *x, const char *y, tfc_status *st)
{
	const char *fa = func_attr(op, x), *fb = y ? func_attr(op, y) : NULL;
	if (!fa || (y && !fb)) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "Node '%s' has no function attr %s", op->name,
			       !fa ? x : y);
		return NULL;
	}
	struct fstate *s = tfc__calloc(1, sizeof(*s));
	s->a = fn_build(op, fa, 1, st);
	if (s->a && y)
		s->b = fn_build(op, fb, 1, st);
	if (!s->a || (y && !s->b)) {
		fstate_free(s);
		return NULL;
	}
	return s;
}

static void *if_create(const tfc_operation *op, tfc_status *st)
{
	return two_create(op, "then_branch", "else_branch", st);
}

static void *while_create(const tfc_operation *op, tfc_status *st) { return two_create(op, "cond", "body", st); }

static void *call_create(const tfc_operation *op, tfc_status *st) { return two_create(op, "f", NULL, st); }

static void set_outputs(struct tfc_kernel_ctx *ctx, tfc_tensor **vals, int n)
{
	for (int i = 0; i < n && i < ctx->n_outputs; i++) {
		tfc_tensor_free(ctx->outputs[i]);
		ctx->outputs[i] = vals[i];
		vals[i] = NULL;
	}
	for (int i = ctx->n_outputs; i < n; i++)
		tfc_tensor_free(vals[i]);
}

/* If(cond, input...) */
static void if_compute(struct tfc_kernel_ctx *ctx)
{
	struct fstate *s = ctx->state;
	struct fn *f = truth(ctx->inputs[0]) ? s->a : s->b;
	tfc_tensor **out = tfc__calloc((size_t)f->n_out + 1, sizeof(*out));
	if (fn_run(ctx, f, ctx->inputs + 1, ctx->n_inputs - 1, out))
		set_outputs(ctx, out, f->n_out);
	free(out);
}

/* While(input...): cond(vals) then vals = body(vals), while cond is true. */
static void while_compute(struct tfc_kernel_ctx *ctx)
{
	struct fstate *s = ctx->state;
	int n = ctx->n_inputs;
	if (s->b->n_out != n || s->a->n_out < 1) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "While: the body returns %d values for %d loop variables, the cond %d",
				 s->b->n_out, n, s->a->n_out);
		return;
	}
	tfc_tensor **vals = tfc__calloc((size_t)n + 1, sizeof(*vals));
	tfc_tensor **next = tfc__calloc((size_t)n + 1, sizeof(*next));
	tfc_tensor **c = tfc__calloc((size_t)s->a->n_out + 1, sizeof(*c));
	for (int i = 0; i < n; i++)
		vals[i] = tfc_tensor_ref(ctx->inputs[i]);
	bool ok = true;
	for (;;) {
		ok = fn_run(ctx, s->a, vals, n, c);
		bool go = ok && truth(c[0]);
		for (int i = 0; i < s->a->n_out; i++) {
			tfc_tensor_free(c[i]);
			c[i] = NULL;
		}
		if (!go)
			break;
		ok = fn_run(ctx, s->b, vals, n, next);
		if (!ok)
			break;
		for (int i = 0; i < n; i++) {
			tfc_tensor_free(vals[i]);
			vals[i] = next[i];
			next[i] = NULL;
		}
	}
	if (ok)
		set_outputs(ctx, vals, n);
	for (int i = 0; i < n; i++)
		tfc_tensor_free(vals[i]);
	free(vals);
	free(next);
	free(c);
}

/* PartitionedCall(args...) */
static void call_compute(struct tfc_kernel_ctx *ctx)
{
	struct fstate *s = ctx->state;
	tfc_tensor **out = tfc__calloc((size_t)s->a->n_out + 1, sizeof(*out));
	if (fn_run(ctx, s->a, ctx->inputs, ctx->n_inputs, out))
		set_outputs(ctx, out, s->a->n_out);
	free(out);
}

static void retval_compute(struct tfc_kernel_ctx *ctx) { (void)ctx; }

#define FK(NAME, CREATE, COMPUTE)                                                              \
	{ .op = NAME, .device = "CPU", .create = CREATE, .destroy = fstate_free, .compute = COMPUTE, \
	  .flags = TFC_KF_STATEFUL }
const struct tfc_kernel_def tfc__functional_kernels[] = {
	FK("If", if_create, if_compute),
	FK("StatelessIf", if_create, if_compute),
	FK("While", while_create, while_compute),
	FK("StatelessWhile", while_create, while_compute),
	FK("PartitionedCall", call_create, call_compute),
	FK("StatefulPartitionedCall", call_create, call_compute),
	{ .op = "_Retval", .device = "CPU", .compute = retval_compute },
	{ .op = NULL },
};
