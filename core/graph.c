/*
 * graph.c: tfc_graph: the operation table, TensorFlow's naming rules (unique names,
 * name scopes), device scopes and device functions, collections, each thread's
 * default graph, and the read-only accessors of operations.
 */
#include <ctype.h>
#include <stdatomic.h>

#include "internal.h"

tfc_graph *tfc_graph_new(void)
{
	static atomic_uint next_serial = 1;
	tfc_graph *g = tfc__calloc(1, sizeof(*g));
	g->serial = atomic_fetch_add(&next_serial, 1);
	tfc__strmap_init(&g->by_name, false);
	tfc__strmap_init(&g->names_used, true);
	/* GraphDef version 27: accepted by every TensorFlow 1.x reader, and past the
	 * legacy shape rules that older producers trigger. */
	g->producer = 27;
	return g;
}

void tfc__op_free(tfc_operation *op)
{
	if (!op)
		return;
	free(op->name);
	free(op->type);
	free(op->device);
	free(op->inputs);
	free(op->input_types);
	free(op->control);
	for (int i = 0; i < op->n_attrs; i++) {
		free(op->attrs[i].name);
		tfc__attr_free(op->attrs[i].value);
	}
	free(op->attrs);
	for (int i = 0; i < op->n_outputs; i++)
		free(op->outs[i].dims);
	free(op->outs);
	if (op->debug_info)
		protobuf_c_message_free_unpacked(&op->debug_info->base, NULL);
	free(op);
}

void tfc_graph_free(tfc_graph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_ops; i++)
		tfc__op_free(g->ops[i]);
	free(g->ops);
	tfc__strmap_clear(&g->by_name);
	tfc__strmap_clear(&g->names_used);
	for (int i = 0; i < g->n_scopes; i++)
		free(g->scopes[i]);
	free(g->scopes);
	for (int i = 0; i < g->n_dev; i++)
		free(g->dev[i].device);
	free(g->dev);
	for (int i = 0; i < g->n_coll; i++) {
		struct tfc__collection *c = &g->coll[i];
		for (int k = 0; k < c->n; k++)
			free(c->names[k]);
		free(c->names);
		free(c->key);
		if (c->raw)
			protobuf_c_message_free_unpacked(&c->raw->base, NULL);
	}
	free(g->coll);
	free(g->bad_consumers);
	if (g->library)
		protobuf_c_message_free_unpacked(&g->library->base, NULL);
	if (g->meta && g->meta_free)
		g->meta_free(g->meta);
	free(g);
}

/* ---- each thread's default graph */

static _Thread_local tfc_graph *tls_own_default;   /* made by tfc_graph_default */
static _Thread_local tfc_graph *tls_default;       /* installed by set_default */

tfc_graph *tfc_graph_default(void)
{
	if (tls_default)
		return tls_default;
	if (!tls_own_default)
		tls_own_default = tfc_graph_new();
	return tls_own_default;
}

tfc_graph *tfc_graph_set_default(tfc_graph *g)
{
	tfc_graph *prev = tfc_graph_default();
	tls_default = g;
	return prev;
}

void tfc_graph_reset_default(void)
{
	if (tls_default == tls_own_default)
		tls_default = NULL;
	tfc_graph_free(tls_own_default);
	tls_own_default = NULL;
}

/* ---- names */

void tfc__graph_mark_name(tfc_graph *g, const char *name)
{
	void **slot = tfc__strmap_put(&g->names_used, name);
	if (!*slot)
		*slot = (void *)(intptr_t)1;
}

/* tf.Graph.unique_name: the first use of a name keeps it; later uses get the next
 * free "_N" suffix; keys compare without case. */
static char *unique_in(tfc_graph *g, const char *full, bool mark)
{
	void **slot = tfc__strmap_find(&g->names_used, full);
	intptr_t i = slot ? (intptr_t)*slot : 0;
	if (mark) {
		slot = tfc__strmap_put(&g->names_used, full);
		*slot = (void *)(i + 1);
	}
	if (i == 0)
		return tfc__strdup(full);
	char *cand = NULL;
	for (;; i++) {
		free(cand);
		cand = tfc__asprintf("%s_%ld", full, (long)i);
		if (!tfc__strmap_find(&g->names_used, cand))
			break;
	}
	if (mark)
		*tfc__strmap_put(&g->names_used, cand) = (void *)(intptr_t)1;
	return cand;
}

char *tfc__graph_unique_full(tfc_graph *g, const char *full, bool mark);
char *tfc__graph_unique_full(tfc_graph *g, const char *full, bool mark)
{
	return unique_in(g, full, mark);
}

static char *scoped(const tfc_graph *g, const char *name)
{
	const char *scope = tfc_graph_name_scope(g);
	if (!*scope)
		return tfc__strdup(name);
	return tfc__asprintf("%s/%s", scope, name);
}

char *tfc_graph_unique_name(tfc_graph *g, const char *name, bool mark_used)
{
	char *full = scoped(g, name);
	char *u = unique_in(g, full, mark_used);
	free(full);
	return u;
}

const char *tfc_graph_name_scope(const tfc_graph *g)
{
	return g->n_scopes ? g->scopes[g->n_scopes - 1] : "";
}

const char *tfc_graph_push_name_scope(tfc_graph *g, const char *name)
{
	char *scope;
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || strcmp(name, "/") == 0)
		scope = tfc__strdup("");
	else if (name[n - 1] == '/')
		scope = tfc__strndup(name, n - 1); /* absolute, reused as it is */
	else
		scope = tfc_graph_unique_name(g, name, true);
	if (g->n_scopes == g->cap_scopes) {
		g->cap_scopes = g->cap_scopes ? g->cap_scopes * 2 : 8;
		g->scopes = tfc__realloc(g->scopes, (size_t)g->cap_scopes * sizeof(char *));
	}
	g->scopes[g->n_scopes++] = scope;
	return scope;
}

void tfc_graph_pop_name_scope(tfc_graph *g)
{
	if (g->n_scopes > 0)
		free(g->scopes[--g->n_scopes]);
}

/* ---- device scopes */

static struct tfc__device_frame *push_frame(tfc_graph *g)
{
	if (g->n_dev == g->cap_dev) {
		g->cap_dev = g->cap_dev ? g->cap_dev * 2 : 8;
		g->dev = tfc__realloc(g->dev, (size_t)g->cap_dev * sizeof(*g->dev));
	}
	struct tfc__device_frame *f = &g->dev[g->n_dev++];
	memset(f, 0, sizeof(*f));
	return f;
}

void tfc_graph_push_device(tfc_graph *g, const char *spec, tfc_status *st)
{
	struct tfc__device_spec outer, inner;
	if (spec && *spec && !tfc__device_parse(spec, &inner)) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "Malformed device specification '%s'", spec);
		return;
	}
	char *merged = NULL; /* NULL clears: outer scopes no longer apply */
	if (spec && *spec) {
		TFC_ASSERT(tfc__device_parse(tfc_graph_device_scope(g), &outer));
		tfc__device_merge(&outer, &inner);
		char buf[256];
		tfc__device_format(&outer, buf, sizeof(buf));
		merged = tfc__strdup(buf);
	}
	push_frame(g)->device = merged;
	tfc_status_set(st, TFC_OK, NULL);
}

void tfc_graph_push_device_fn(tfc_graph *g, tfc_device_fn fn, void *ctx)
{
	char *cur = tfc__strdup(tfc_graph_device_scope(g));
	struct tfc__device_frame *f = push_frame(g);
	f->device = cur;
	f->fn = fn;
	f->fn_ctx = ctx;
}

void tfc_graph_pop_device(tfc_graph *g)
{
	if (g->n_dev > 0)
		free(g->dev[--g->n_dev].device);
}

const char *tfc_graph_device_scope(const tfc_graph *g)
{
	if (!g->n_dev || !g->dev[g->n_dev - 1].device)
		return "";
	return g->dev[g->n_dev - 1].device;
}

/* The device a new op gets from the scopes: string scopes merge (inner wins), device
 * functions see the device chosen so far and may replace it, a cleared scope stops
 * the walk. `explicit_dev` (set on the description) counts as the innermost scope. */
char *tfc__graph_choose_device(tfc_graph *g, const char *op_type, const char *op_name,
			       const char *explicit_dev);
char *tfc__graph_choose_device(tfc_graph *g, const char *op_type, const char *op_name,
			       const char *explicit_dev)
{
	char cur[256];
	snprintf(cur, sizeof(cur), "%s", explicit_dev ? explicit_dev : "");
	for (int i = g->n_dev - 1; i >= 0; i--) {
		struct tfc__device_frame *f = &g->dev[i];
		if (!f->device && !f->fn)
			break;
		if (f->fn) {
			char out[256];
			snprintf(out, sizeof(out), "%s", cur);
			f->fn(f->fn_ctx, op_type, op_name, cur, out, sizeof(out));
			out[sizeof(out) - 1] = '\0';
			snprintf(cur, sizeof(cur), "%s", out);
			continue;
		}
		struct tfc__device_spec base, over;
		if (!tfc__device_parse(f->device, &base) || !tfc__device_parse(cur, &over))
			continue;
		tfc__device_merge(&base, &over);
		tfc__device_format(&base, cur, sizeof(cur));
		/* A string scope already holds the merge of all string scopes outside it
		 * (up to any clearing or function frame), so only functions remain. */
		int k = i - 1;
		while (k >= 0 && g->dev[k].device && !g->dev[k].fn)
			k--;
		i = k + 1;
	}
	return tfc__strdup(cur);
}

/* ---- the op table */

void tfc__graph_add_op(tfc_graph *g, tfc_operation *op)
{
	if (g->n_ops == g->cap_ops) {
		g->cap_ops = g->cap_ops ? g->cap_ops * 2 : 64;
		g->ops = tfc__realloc(g->ops, g->cap_ops * sizeof(*g->ops));
	}
	op->graph = g;
	op->id = g->n_ops;
	g->ops[g->n_ops++] = op;
	*tfc__strmap_put(&g->by_name, op->name) = op;
	tfc__graph_mark_name(g, op->name);
	for (int i = 0; i < op->n_inputs; i++) {
		tfc_output in = op->inputs[i];
		if (in.oper && in.index >= 0 && in.index < in.oper->n_outputs)
			in.oper->outs[in.index].n_consumers++;
	}
}

tfc_operation *tfc_graph_operation_by_name(const tfc_graph *g, const char *name)
{
	void **v = tfc__strmap_find(&g->by_name, name);
	return v ? *v : NULL;
}

size_t tfc__parse_tensor_name(const char *s, int *index)
{
	size_t n = strlen(s);
	size_t k = n;
	while (k > 0 && isdigit((unsigned char)s[k - 1]))
		k--;
	if (k < n && k > 0 && s[k - 1] == ':') {
		long v = strtol(s + k, NULL, 10);
		*index = v > 1000000 ? 1000000 : (int)v;
		return k - 1;
	}
	if (s[0] == '^') {
		*index = -1;
		return n; /* caller skips the '^' */
	}
	*index = 0;
	return n;
}

tfc_output tfc_graph_output_by_name(const tfc_graph *g, const char *name)
{
	tfc_output o = {NULL, 0};
	int idx;
	size_t n = tfc__parse_tensor_name(name, &idx);
	if (idx < 0)
		return o;
	char *opname = tfc__strndup(name, n);
	o.oper = tfc_graph_operation_by_name(g, opname);
	free(opname);
	o.index = idx;
	if (o.oper && idx >= o.oper->n_outputs)
		o.oper = NULL;
	return o;
}

size_t tfc_graph_num_operations(const tfc_graph *g) { return g->n_ops; }

tfc_operation *tfc_graph_next_operation(const tfc_graph *g, size_t *pos)
{
	return *pos < g->n_ops ? g->ops[(*pos)++] : NULL;
}

int tfc_graph_producer(const tfc_graph *g) { return g->producer; }

void tfc_graph_set_producer(tfc_graph *g, int producer, int min_consumer)
{
	g->producer = producer;
	g->min_consumer = min_consumer;
}

/* ---- collections */

static struct tfc__collection *collection(const tfc_graph *g, const char *key)
{
	for (int i = 0; i < g->n_coll; i++)
		if (strcmp(g->coll[i].key, key) == 0)
			return &g->coll[i];
	return NULL;
}

struct tfc__collection *tfc__graph_collection(tfc_graph *g, const char *key, bool create);
struct tfc__collection *tfc__graph_collection(tfc_graph *g, const char *key, bool create)
{
	struct tfc__collection *c = collection(g, key);
	if (c || !create)
		return c;
	if (g->n_coll == g->cap_coll) {
		g->cap_coll = g->cap_coll ? g->cap_coll * 2 : 8;
		g->coll = tfc__realloc(g->coll, (size_t)g->cap_coll * sizeof(*g->coll));
	}
	c = &g->coll[g->n_coll++];
	memset(c, 0, sizeof(*c));
	c->key = tfc__strdup(key);
	return c;
}

void tfc__collection_add_name(struct tfc__collection *c, const char *name);
void tfc__collection_add_name(struct tfc__collection *c, const char *name)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->names = tfc__realloc(c->names, (size_t)c->cap * sizeof(char *));
	}
	c->names[c->n++] = tfc__strdup(name);
}

void tfc_graph_add_to_collection(tfc_graph *g, const char *key, tfc_operation *op, tfc_status *st)
{
	if (!op || op->graph != g) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT,
			       "Cannot add an operation of another graph to collection '%s'", key);
		return;
	}
	struct tfc__collection *c = tfc__graph_collection(g, key, true);
	if (c->raw) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT,
			       "Collection '%s' holds values that are not operations", key);
		return;
	}
	tfc__collection_add_name(c, op->name);
	tfc_status_set(st, TFC_OK, NULL);
}

int tfc_graph_get_collection(const tfc_graph *g, const char *key, tfc_operation **out, int max)
{
	struct tfc__collection *c = collection(g, key);
	if (!c)
		return 0;
	int k = 0;
	for (int i = 0; i < c->n; i++) {
		tfc_operation *op = tfc_graph_operation_by_name(g, c->names[i]);
		if (!op)
			continue;
		if (out && k < max)
			out[k] = op;
		k++;
	}
	return k;
}

const char *tfc_graph_next_collection(const tfc_graph *g, size_t *pos)
{
	return *pos < (size_t)g->n_coll ? g->coll[(*pos)++].key : NULL;
}

/* ---- reading operations */

const char *tfc_operation_name(const tfc_operation *op) { return op->name; }
const char *tfc_operation_type(const tfc_operation *op) { return op->type; }
const char *tfc_operation_device(const tfc_operation *op) { return op->device; }
tfc_graph *tfc_operation_graph(const tfc_operation *op) { return op->graph; }
bool tfc_operation_is_known(const tfc_operation *op) { return op->def != NULL; }
int tfc_operation_num_inputs(const tfc_operation *op) { return op->n_inputs; }

tfc_output tfc_operation_input(const tfc_operation *op, int i)
{
	tfc_output none = {NULL, 0};
	return i >= 0 && i < op->n_inputs ? op->inputs[i] : none;
}

int tfc_operation_num_control_inputs(const tfc_operation *op) { return op->n_control; }

tfc_operation *tfc_operation_control_input(const tfc_operation *op, int i)
{
	return i >= 0 && i < op->n_control ? op->control[i] : NULL;
}

int tfc_operation_num_outputs(const tfc_operation *op) { return op->n_outputs; }

tfc_dtype tfc_operation_output_type(const tfc_operation *op, int i)
{
	return i >= 0 && i < op->n_outputs ? op->outs[i].dtype : TFC_DTYPE_INVALID;
}

tfc_shape tfc_operation_output_shape(const tfc_operation *op, int i)
{
	if (i < 0 || i >= op->n_outputs)
		return tfc_shape_unknown();
	return tfc_shape_make(op->outs[i].rank, op->outs[i].dims);
}

int tfc_operation_output_num_consumers(const tfc_operation *op, int i)
{
	return i >= 0 && i < op->n_outputs ? op->outs[i].n_consumers : 0;
}

int tfc_operation_num_attrs(const tfc_operation *op) { return op->n_attrs; }

const char *tfc_operation_attr_name(const tfc_operation *op, int i)
{
	return i >= 0 && i < op->n_attrs ? op->attrs[i].name : NULL;
}

bool tfc_operation_has_attr(const tfc_operation *op, const char *name)
{
	return tfc__op_attr(op, name) != NULL;
}
