/*
 * prof_query.c: reading one run of a trace database for tfc-prof (trace/prof.h).
 * Uses the physical tables of schema 2 (share/sql/trace_schema.sql): a step's
 * node_exec rows are the id range steps.first_node_row .. last_node_row, read with
 * "WHERE id BETWEEN" (a rowid range: no index needed); names are strings ids mapped
 * to small indexes, and only the names that occur are read from strings. Outputs'
 * bytes and shapes and per-allocator peaks come from one pass over node_outputs and
 * node_memory in the same id range. The run's GraphDef gives op types where the
 * rows have none, inputs, variables' shapes (parameters) and the attrs that FLOPs
 * formulas need; FLOPs use TensorFlow's per-op formulas (a table below).
 * Also: importing a TensorFlow RunMetadata file into a database.
 */
#include <pthread.h>
#include <regex.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prof_internal.h"
#include "tfc_trace.h"

#define STREAM_ALL "/stream:all"

static char *xstrdup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

bool pf_is_sqlite_file(const char *path)
{
	char head[16];
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t n = fread(head, 1, sizeof(head), f);
	fclose(f);
	return n == 16 && memcmp(head, "SQLite format 3", 16) == 0;
}

bool pf_row_counts(const pf_data *d, const pf_row *r)
{
	return !d->tracer_device[r->dev] || !d->nodes[r->node].on_device;
}

int64_t pf_row_time(const pf_row *r)
{
	int64_t t = r->op_end - r->op_start;
	if (t <= 0 && r->op_end == 0 && r->op_start == 0)
		t = r->all_end;
	return t < 0 ? 0 : t;
}

/* ---------------------------------------------------------------- the graph */

const Tensorflow__NodeDef *pf_graph_node(const struct pf_graph *g, const char *name)
{
	if (!g)
		return NULL;
	int32_t i = pf_strtab_get(&g->by_name, name);
	return i < 0 ? NULL : g->gd->node[i];
}

const Tensorflow__AttrValue *pf_node_attr(const Tensorflow__NodeDef *n, const char *key)
{
	if (!n)
		return NULL;
	for (size_t i = 0; i < n->n_attr; i++)
		if (strcmp(n->attr[i]->key, key) == 0)
			return n->attr[i]->value;
	return NULL;
}

static void graph_free(struct pf_graph *g)
{
	if (!g)
		return;
	pf_strtab_clear(&g->by_name);
	if (g->gd)
		tensorflow__graph_def__free_unpacked(g->gd, NULL);
	free(g);
}

static struct pf_graph *graph_new(const void *data, size_t len)
{
	struct pf_graph *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->gd = tensorflow__graph_def__unpack(NULL, len, data);
	if (!g->gd) {
		free(g);
		return NULL;
	}
	for (size_t i = 0; i < g->gd->n_node; i++)
		if (!pf_strtab_put(&g->by_name, g->gd->node[i]->name, (int32_t)i)) {
			graph_free(g);
			return NULL;
		}
	return g;
}

/* "name:3" -> name (into buf) and slot 3; "^name" -> NULL (control input). */
static const char *input_name(const char *in, char *buf, size_t n, int *slot)
{
	*slot = 0;
	if (in[0] == '^')
		return NULL;
	snprintf(buf, n, "%s", in);
	char *colon = strrchr(buf, ':');
	if (colon && colon[1] >= '0' && colon[1] <= '9') {
		*slot = atoi(colon + 1);
		*colon = '\0';
	}
	return buf;
}

/* ---------------------------------------------------------------- shapes */

#define MAX_SLOTS 4
#define MAX_RANK 8

typedef struct shape {
	int rank; /* -1 unknown */
	int64_t dim[MAX_RANK];
} shape;

static shape shape_parse(const char *s)
{
	shape sh = {.rank = -1};
	if (!s || *s != '[')
		return sh;
	sh.rank = 0;
	s++;
	while (*s && *s != ']') {
		if (sh.rank == MAX_RANK)
			return (shape){.rank = -1};
		if (*s == '?') {
			sh.dim[sh.rank++] = -1;
			s++;
		} else {
			char *end;
			sh.dim[sh.rank++] = strtoll(s, &end, 10);
			if (end == s)
				return (shape){.rank = -1};
			s = end;
		}
		if (*s == ',')
			s++;
	}
	return sh;
}

static shape shape_from_proto(const Tensorflow__TensorShapeProto *p)
{
	shape sh = {.rank = -1};
	if (!p || p->unknown_rank || p->n_dim > MAX_RANK)
		return sh;
	sh.rank = (int)p->n_dim;
	for (size_t i = 0; i < p->n_dim; i++)
		sh.dim[i] = p->dim[i]->size;
	return sh;
}

static double shape_elems(const shape *s)
{
	if (s->rank < 0)
		return -1;
	double n = 1;
	for (int i = 0; i < s->rank; i++) {
		if (s->dim[i] < 0)
			return -1;
		n *= (double)s->dim[i];
	}
	return n;
}

/* Per node, shapes of its first MAX_SLOTS outputs as recorded (strings ids, 0 none). */
typedef struct shape_ids {
	int64_t id[MAX_SLOTS];
} shape_ids;

/* ---------------------------------------------------------------- FLOPs */

enum flops_kind {
	FK_ELEM_OUT, FK_ELEM_IN, FK_MATMUL, FK_BATCH_MATMUL, FK_CONV2D, FK_DEPTHWISE,
	FK_CONV_BP_INPUT, FK_CONV_BP_FILTER, FK_ADDN, FK_REDUCE, FK_POOL, FK_POOL_GRAD, FK_L2LOSS
};

/* TensorFlow's FLOPs formulas (python/ops/math_ops.py, nn_ops.py and
 * python/profiler/internal/flops_registry.py), as data: per op type, its kind and a
 * factor (element-wise: per element; reductions: reduce and finalize flops). */
static const struct flops_rule {
	const char *op;
	enum flops_kind kind;
	double a, b;
} flops_rules[] = {
	{"MatMul", FK_MATMUL, 2, 0},
	{"BatchMatMul", FK_BATCH_MATMUL, 2, 0},
	{"BatchMatMulV2", FK_BATCH_MATMUL, 2, 0},
	{"Conv2D", FK_CONV2D, 2, 0},
	{"DepthwiseConv2dNative", FK_DEPTHWISE, 2, 0},
	{"Conv2DBackpropInput", FK_CONV_BP_INPUT, 2, 0},
	{"Conv2DBackpropFilter", FK_CONV_BP_FILTER, 2, 0},
	{"BiasAdd", FK_ELEM_OUT, 1, 0},
	{"BiasAddV1", FK_ELEM_OUT, 1, 0},
	{"AddN", FK_ADDN, 1, 0},
	/* unary element-wise */
	{"Reciprocal", FK_ELEM_OUT, 1, 0}, {"Square", FK_ELEM_OUT, 1, 0},
	{"Rsqrt", FK_ELEM_OUT, 2, 0}, {"Log", FK_ELEM_OUT, 1, 0}, {"Neg", FK_ELEM_OUT, 1, 0},
	{"Sqrt", FK_ELEM_OUT, 1, 0}, {"Exp", FK_ELEM_OUT, 1, 0}, {"Tanh", FK_ELEM_OUT, 1, 0},
	{"Sigmoid", FK_ELEM_OUT, 1, 0}, {"AssignSub", FK_ELEM_OUT, 1, 0},
	{"AssignAdd", FK_ELEM_OUT, 1, 0}, {"Softmax", FK_ELEM_OUT, 5, 0},
	{"RsqrtGrad", FK_ELEM_OUT, 4, 0},
	/* binary element-wise (output elements) */
	{"Add", FK_ELEM_OUT, 1, 0}, {"AddV2", FK_ELEM_OUT, 1, 0}, {"Sub", FK_ELEM_OUT, 1, 0},
	{"Mul", FK_ELEM_OUT, 1, 0}, {"RealDiv", FK_ELEM_OUT, 1, 0}, {"Div", FK_ELEM_OUT, 1, 0},
	{"Maximum", FK_ELEM_OUT, 1, 0}, {"Minimum", FK_ELEM_OUT, 1, 0}, {"Pow", FK_ELEM_OUT, 1, 0},
	{"GreaterEqual", FK_ELEM_OUT, 1, 0}, {"Greater", FK_ELEM_OUT, 1, 0},
	{"LessEqual", FK_ELEM_OUT, 1, 0}, {"Less", FK_ELEM_OUT, 1, 0},
	{"Equal", FK_ELEM_OUT, 1, 0}, {"NotEqual", FK_ELEM_OUT, 1, 0},
	{"SquaredDifference", FK_ELEM_OUT, 2, 0}, {"FloorDiv", FK_ELEM_OUT, 1, 0},
	{"FloorMod", FK_ELEM_OUT, 1, 0},
	/* reductions: |in| * reduce + |out| * (finalize - reduce) */
	{"Mean", FK_REDUCE, 1, 1}, {"Sum", FK_REDUCE, 1, 0}, {"Prod", FK_REDUCE, 1, 0},
	{"Max", FK_REDUCE, 1, 0}, {"Min", FK_REDUCE, 1, 0}, {"ArgMax", FK_REDUCE, 1, 0},
	{"ArgMin", FK_REDUCE, 1, 0}, {"BiasAddGrad", FK_REDUCE, 1, 0},
	/* pooling: kernel area per output element */
	{"AvgPool", FK_POOL, 1, 0}, {"MaxPool", FK_POOL, 1, 0},
	{"AvgPoolGrad", FK_POOL_GRAD, 2, 0}, {"MaxPoolGrad", FK_POOL_GRAD, 1, 1},
	{"L2Loss", FK_L2LOSS, 3, 0},
};

static const struct flops_rule *flops_rule(const char *op)
{
	if (!op)
		return NULL;
	for (size_t i = 0; i < sizeof(flops_rules) / sizeof(flops_rules[0]); i++)
		if (strcmp(flops_rules[i].op, op) == 0)
			return &flops_rules[i];
	return NULL;
}

bool pf_op_has_flops(const char *op) { return flops_rule(op) != NULL; }

/* Shapes for the FLOPs formulas: recorded in the trace (per node index, output slot),
 * else from the graph. */
typedef struct shape_src {
	const pf_data *d;
	char **text; /* n_nodes * MAX_SLOTS shape strings or NULL */
	pf_strtab node_by_name;
} shape_src;

static shape lookup_shape(const shape_src *s, const char *name, int slot)
{
	int32_t i = pf_strtab_get(&s->node_by_name, name);
	if (i >= 0 && slot < MAX_SLOTS && s->text && s->text[(size_t)i * MAX_SLOTS + (size_t)slot]) {
		shape sh = shape_parse(s->text[(size_t)i * MAX_SLOTS + (size_t)slot]);
		if (shape_elems(&sh) >= 0)
			return sh;
	}
	const Tensorflow__NodeDef *n = pf_graph_node(s->d->graph, name);
	if (!n)
		return (shape){.rank = -1};
	const Tensorflow__AttrValue *a = pf_node_attr(n, "_output_shapes");
	if (a && a->list && (size_t)slot < a->list->n_shape)
		return shape_from_proto(a->list->shape[slot]);
	if (slot == 0 && (a = pf_node_attr(n, "shape")) && a->value_case == TENSORFLOW__ATTR_VALUE__VALUE_SHAPE)
		return shape_from_proto(a->shape);
	if (slot == 0 && strcmp(n->op, "Const") == 0 && (a = pf_node_attr(n, "value")) &&
	    a->value_case == TENSORFLOW__ATTR_VALUE__VALUE_TENSOR && a->tensor)
		return shape_from_proto(a->tensor->tensor_shape);
	return (shape){.rank = -1};
}

static shape input_shape(const shape_src *s, const Tensorflow__NodeDef *n, size_t k)
{
	char buf[1024];
	int slot;
	size_t seen = 0;
	for (size_t i = 0; i < n->n_input; i++) {
		const char *nm = input_name(n->input[i], buf, sizeof(buf), &slot);
		if (!nm)
			continue;
		if (seen++ == k)
			return lookup_shape(s, nm, slot);
	}
	return (shape){.rank = -1};
}

static size_t n_data_inputs(const Tensorflow__NodeDef *n)
{
	size_t k = 0;
	for (size_t i = 0; i < n->n_input; i++)
		k += n->input[i][0] != '^';
	return k;
}

static bool attr_bool(const Tensorflow__NodeDef *n, const char *key)
{
	const Tensorflow__AttrValue *a = pf_node_attr(n, key);
	return a && a->value_case == TENSORFLOW__ATTR_VALUE__VALUE_B && a->b;
}

static bool nchw(const Tensorflow__NodeDef *n)
{
	const Tensorflow__AttrValue *a = pf_node_attr(n, "data_format");
	return a && a->value_case == TENSORFLOW__ATTR_VALUE__VALUE_S && a->s.len >= 2 &&
	       memcmp(a->s.data, "NC", 2) == 0;
}

/* Kernel area from ksize (NHWC or NCHW). */
static double ksize_area(const Tensorflow__NodeDef *n)
{
	const Tensorflow__AttrValue *a = pf_node_attr(n, "ksize");
	if (!a || !a->list || a->list->n_i != 4)
		return -1;
	return nchw(n) ? (double)(a->list->i[2] * a->list->i[3]) : (double)(a->list->i[1] * a->list->i[2]);
}

static double stride_area(const Tensorflow__NodeDef *n)
{
	const Tensorflow__AttrValue *a = pf_node_attr(n, "strides");
	if (!a || !a->list || a->list->n_i != 4)
		return 1;
	return nchw(n) ? (double)(a->list->i[2] * a->list->i[3]) : (double)(a->list->i[1] * a->list->i[2]);
}

static double flops_of(const shape_src *s, const pf_node *pn, const char *op)
{
	const struct flops_rule *r = flops_rule(op);
	const Tensorflow__NodeDef *n = pf_graph_node(s->d->graph, pn->name);
	if (!r)
		return -1;
	shape out = lookup_shape(s, pn->name, 0);
	double o = shape_elems(&out);
	if (!n) /* the formulas below need the node's inputs and attrs */
		return r->kind == FK_ELEM_OUT && o >= 0 ? r->a * o : -1;
	shape a = input_shape(s, n, 0), b = input_shape(s, n, 1);
	switch (r->kind) {
	case FK_ELEM_OUT:
		return o < 0 ? -1 : r->a * o;
	case FK_ELEM_IN: {
		double i = shape_elems(&a);
		return i < 0 ? -1 : r->a * i;
	}
	case FK_MATMUL: {
		if (o < 0 || a.rank != 2)
			return -1;
		int64_t k = attr_bool(n, "transpose_a") ? a.dim[0] : a.dim[1];
		return k < 0 ? -1 : 2.0 * (double)k * o;
	}
	case FK_BATCH_MATMUL: {
		if (o < 0 || a.rank < 2)
			return -1;
		int64_t k = attr_bool(n, "adj_x") ? a.dim[a.rank - 2] : a.dim[a.rank - 1];
		return k < 0 ? -1 : 2.0 * (double)k * o;
	}
	case FK_CONV2D:
		if (o < 0 || b.rank != 4 || b.dim[0] < 0 || b.dim[1] < 0 || b.dim[2] < 0)
			return -1;
		return 2.0 * o * (double)(b.dim[0] * b.dim[1] * b.dim[2]);
	case FK_DEPTHWISE:
		if (o < 0 || b.rank != 4 || b.dim[0] < 0 || b.dim[1] < 0)
			return -1;
		return 2.0 * o * (double)(b.dim[0] * b.dim[1]);
	case FK_CONV_BP_INPUT: { /* image = the output (input_sizes), kernel = input 1 */
		double k = shape_elems(&b);
		if (o < 0 || k < 0 || b.rank != 4 || b.dim[2] <= 0)
			return -1;
		return 2.0 * o * k / ((double)b.dim[2] * stride_area(n));
	}
	case FK_CONV_BP_FILTER: { /* image = input 0, kernel = the output */
		double i = shape_elems(&a);
		if (o < 0 || i < 0 || out.rank != 4 || out.dim[2] <= 0)
			return -1;
		return 2.0 * i * o / ((double)out.dim[2] * stride_area(n));
	}
	case FK_ADDN:
		return o < 0 ? -1 : o * (double)(n_data_inputs(n) - 1);
	case FK_REDUCE: {
		double i = shape_elems(&a);
		if (o < 0 || i < 0)
			return -1;
		return i * r->a + o * (r->b - r->a);
	}
	case FK_POOL: {
		double k = ksize_area(n);
		return o < 0 || k < 0 ? -1 : k * o;
	}
	case FK_POOL_GRAD: { /* AvgPoolGrad: 2 * area * |out|; MaxPoolGrad adds |orig out| */
		double k = ksize_area(n), extra = 0;
		if (r->b > 0) {
			extra = shape_elems(&b);
			if (extra < 0)
				return -1;
		}
		return o < 0 || k < 0 ? -1 : r->a * k * o + extra;
	}
	case FK_L2LOSS: {
		double i = shape_elems(&a);
		return i < 0 ? -1 : 3 * i - 1;
	}
	}
	return -1;
}

double pf_flops_for(const pf_data *d, int node) { return d->nodes[node].flops; }

/* ---------------------------------------------------------------- loading */

static void set_sql_error(tfc_status *st, sqlite3 *db, const char *path)
{
	int code = sqlite3_errcode(db);
	if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s is not a trace database (%s)", path,
			       sqlite3_errmsg(db));
	else
		tfc_status_set(st, TFC_INTERNAL, "%s: %s", path, sqlite3_errmsg(db));
}

static char *string_by_id(sqlite3_stmt *q, int64_t id)
{
	char *s = NULL;
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) == SQLITE_ROW)
		s = xstrdup((const char *)sqlite3_column_text(q, 0));
	return s;
}

static int cmp_row_id(const void *key, const void *elem)
{
	int64_t k = *(const int64_t *)key, e = ((const pf_row *)elem)->id;
	return (k > e) - (k < e);
}

static pf_row *row_by_id(const pf_data *d, int64_t id)
{
	if (d->n_rows == 0)
		return NULL;
	/* Rows are usually one contiguous id range. */
	int64_t i = id - d->rows[0].id;
	if (i >= 0 && i < d->n_rows && d->rows[i].id == id)
		return &d->rows[i];
	return bsearch(&id, d->rows, (size_t)d->n_rows, sizeof(pf_row), cmp_row_id);
}

void pf_data_free(pf_data *d)
{
	if (!d)
		return;
	free(d->path);
	free(d->graph_name);
	free(d->started_at);
	free(d->source);
	free(d->steps);
	for (int i = 0; i < d->n_devices; i++)
		free(d->devices[i]);
	free(d->devices);
	free(d->tracer_device);
	for (int i = 0; i < d->n_ops; i++)
		free(d->ops[i]);
	free(d->ops);
	for (int i = 0; i < d->n_nodes; i++) {
		free(d->nodes[i].name);
		free(d->nodes[i].inputs);
	}
	free(d->nodes);
	free(d->rows);
	graph_free(d->graph);
	free(d);
}

/* Appends to a growable array of n items of size sz. */
static bool grow(void **p, int64_t *cap, int64_t need, size_t sz)
{
	if (need <= *cap)
		return true;
	int64_t c = *cap ? *cap : 64;
	while (c < need)
		c *= 2;
	void *q = realloc(*p, (size_t)c * sz);
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

static bool is_variable_op(const char *op)
{
	return strcmp(op, "VariableV2") == 0 || strcmp(op, "Variable") == 0 ||
	       strcmp(op, "VarHandleOp") == 0;
}

static bool is_const_like(const char *op)
{
	return strcmp(op, "Const") == 0 || strcmp(op, "HostConst") == 0;
}

/* Ops that must run every step whatever their inputs: state, randomness, I/O. */
static bool is_stateful(const char *op)
{
	static const char *const names[] = {
		"Variable", "VariableV2", "VarHandleOp", "Assign", "AssignAdd", "AssignSub",
		"ReadVariableOp", "AssignVariableOp", "RandomUniform", "RandomStandardNormal",
		"TruncatedNormal", "RandomShuffle", "Placeholder", "PlaceholderV2",
		"PlaceholderWithDefault", "NoOp", "Print", "PrintV2", "SaveV2", "RestoreV2",
		"_Recv", "_Send", "_HostRecv", "_HostSend", "Enter", "Exit", "Merge", "Switch",
		"NextIteration", "LoopCond", "ControlTrigger", "QueueDequeueV2", "IteratorGetNext",
		"_Arg", "_Retval", "Identity", "Const", NULL};
	for (int i = 0; names[i]; i++)
		if (strcmp(op, names[i]) == 0)
			return true;
	return strncmp(op, "Apply", 5) == 0 || strncmp(op, "ResourceApply", 13) == 0 ||
	       strncmp(op, "Stack", 5) == 0 || strncmp(op, "TensorArray", 11) == 0;
}

/* Per node: params, inputs, NHWC, foldable, FLOPs. */
static bool annotate_nodes(pf_data *d, char **shape_text)
{
	shape_src src = {.d = d, .text = shape_text};
	bool ok = true;
	for (int i = 0; i < d->n_nodes && ok; i++)
		ok = pf_strtab_put(&src.node_by_name, d->nodes[i].name, i);
	for (int i = 0; i < d->n_nodes && ok; i++) {
		pf_node *pn = &d->nodes[i];
		const char *op = d->ops[pn->op];
		const Tensorflow__NodeDef *n = pf_graph_node(d->graph, pn->name);
		pn->in_graph = n != NULL;
		pn->flops = pf_op_has_flops(op) ? flops_of(&src, pn, op) : -1;
		if (!n)
			continue;
		if (is_variable_op(op)) {
			const Tensorflow__AttrValue *a = pf_node_attr(n, "shape");
			if (a && a->value_case == TENSORFLOW__ATTR_VALUE__VALUE_SHAPE) {
				shape sh = shape_from_proto(a->shape);
				double e = shape_elems(&sh);
				pn->params = e > 0 ? (int64_t)e : 0;
			}
		}
		pn->nhwc_conv = (strncmp(op, "Conv", 4) == 0 || strstr(op, "Pool") ||
				 strncmp(op, "DepthwiseConv", 13) == 0 ||
				 strncmp(op, "FusedBatchNorm", 14) == 0 || strcmp(op, "BiasAdd") == 0) &&
				pf_node_attr(n, "data_format") && !nchw(n);
		size_t k = n_data_inputs(n);
		pn->inputs = calloc(k + 1, sizeof(int32_t));
		if (!pn->inputs) {
			ok = false;
			break;
		}
		bool all_const = k > 0 && !is_stateful(op);
		char buf[1024];
		int slot;
		for (size_t j = 0; j < n->n_input; j++) {
			const char *nm = input_name(n->input[j], buf, sizeof(buf), &slot);
			if (!nm) {
				all_const = false; /* control inputs: leave it alone */
				continue;
			}
			pn->inputs[pn->n_inputs++] = pf_strtab_get(&src.node_by_name, nm);
			const Tensorflow__NodeDef *p = pf_graph_node(d->graph, nm);
			if (!p || !is_const_like(p->op))
				all_const = false;
		}
		pn->foldable = all_const;
	}
	pf_strtab_clear(&src.node_by_name);
	return ok;
}

/* Reads strings for ids (local index -> strings.id) into names. */
static bool read_names(sqlite3_stmt *q, const int64_t *ids, int n, char **names, const char *dflt)
{
	for (int i = 0; i < n; i++) {
		names[i] = ids[i] > 0 ? string_by_id(q, ids[i]) : NULL;
		if (!names[i])
			names[i] = xstrdup(dflt);
		if (!names[i])
			return false;
	}
	return true;
}

/* The database's schema version, or -1 (st set) when it is not a database. */
static int schema_version(sqlite3 *db, const char *path, tfc_status *st)
{
	sqlite3_stmt *q = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW) {
		set_sql_error(st, db, path);
		goto cleanup;
	}
	v = sqlite3_column_int(q, 0);
cleanup:
	sqlite3_finalize(q);
	return v;
}

static sqlite3 *open_db(const char *path, tfc_status *st)
{
	sqlite3 *db = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		tfc_status_set(st, TFC_NOT_FOUND, "%s: cannot open: no such file or not readable", path);
		return NULL;
	}
	fclose(f);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s is not a trace database (%s)", path,
			       db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	/* Reading a million rows through mmap saves a copy per page (about 12 %). */
	sqlite3_exec(db, "PRAGMA mmap_size = 1073741824", NULL, NULL, NULL);
	int v = schema_version(db, path, st);
	if (v < 0)
		goto fail;
	if (v > tfc_trace_db_schema_version()) {
		tfc_status_set(st, TFC_FAILED_PRECONDITION,
			       "%s has trace schema version %d; this tfc-prof reads up to %d", path, v,
			       tfc_trace_db_schema_version());
		goto fail;
	}
	if (v < tfc_trace_db_schema_version()) {
		if (v == 0) {
			tfc_status_set(st, TFC_INVALID_ARGUMENT,
				       "%s is not a trace database (an SQLite database without its tables)", path);
			goto fail;
		}
		/* An older schema: tfc_trace_db_open upgrades it in place. */
		sqlite3_close(db);
		db = NULL;
		tfc_trace_db *t = tfc_trace_db_open(path, st);
		if (!t)
			return NULL;
		tfc_trace_db_close(t, st);
		if (tfc_status_code(st) != TFC_OK)
			return NULL;
		return open_db(path, st);
	}
	return db;
fail:
	sqlite3_close(db);
	return NULL;
}

static bool read_run(sqlite3 *db, pf_data *d, int64_t run_id, tfc_status *st)
{
	sqlite3_stmt *q = NULL;
	bool ok = false;
	if (run_id <= 0) {
		if (sqlite3_prepare_v2(db, "SELECT MAX(id) FROM runs", -1, &q, NULL) != SQLITE_OK) {
			set_sql_error(st, db, d->path);
			goto cleanup;
		}
		if (sqlite3_step(q) != SQLITE_ROW || sqlite3_column_type(q, 0) == SQLITE_NULL) {
			tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s holds no runs (an empty trace database)",
				       d->path);
			goto cleanup;
		}
		run_id = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
		q = NULL;
	}
	if (sqlite3_prepare_v2(db,
			       "SELECT graph_name, started_at, source, "
			       "(SELECT COUNT(*) FROM steps WHERE run_id = ?1) FROM runs WHERE id = ?1",
			       -1, &q, NULL) != SQLITE_OK) {
		set_sql_error(st, db, d->path);
		goto cleanup;
	}
	sqlite3_bind_int64(q, 1, run_id);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		q = NULL;
		int64_t n = 0;
		if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM runs", -1, &q, NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW)
			n = sqlite3_column_int64(q, 0);
		if (n == 0)
			tfc_status_set(st, TFC_INVALID_ARGUMENT,
				       "%s holds no runs (an empty trace database)", d->path);
		else
			tfc_status_set(st, TFC_NOT_FOUND, "%s has no run %lld", d->path, (long long)run_id);
		goto cleanup;
	}
	d->run_id = run_id;
	d->graph_name = xstrdup((const char *)sqlite3_column_text(q, 0));
	d->started_at = xstrdup((const char *)sqlite3_column_text(q, 1));
	d->source = xstrdup((const char *)sqlite3_column_text(q, 2));
	d->run_steps = sqlite3_column_int64(q, 3);
	ok = true;
cleanup:
	sqlite3_finalize(q);
	return ok;
}

static bool read_steps(sqlite3 *db, pf_data *d, const pf_select *sel, tfc_status *st)
{
	sqlite3_stmt *q = NULL;
	int64_t cap = 0;
	bool ok = false;
	if (sqlite3_prepare_v2(db,
			       "SELECT step, start_micros, end_micros, node_count, first_node_row, "
			       "last_node_row FROM steps WHERE run_id = ? ORDER BY step",
			       -1, &q, NULL) != SQLITE_OK) {
		set_sql_error(st, db, d->path);
		goto cleanup;
	}
	sqlite3_bind_int64(q, 1, d->run_id);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t step = sqlite3_column_int64(q, 0);
		if (!sel->all_steps && (step < sel->step_lo || step > sel->step_hi))
			continue;
		if (!grow((void **)&d->steps, &cap, d->n_steps + 1, sizeof(pf_step))) {
			tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
			goto cleanup;
		}
		pf_step *s = &d->steps[d->n_steps++];
		memset(s, 0, sizeof(*s));
		s->step = step;
		s->start_us = sqlite3_column_int64(q, 1);
		s->end_us = sqlite3_column_int64(q, 2);
		s->node_count = sqlite3_column_int64(q, 3);
		s->first_row = sqlite3_column_int64(q, 4);
		s->last_row = sqlite3_column_int64(q, 5);
	}
	if (rc != SQLITE_DONE) {
		set_sql_error(st, db, d->path);
		goto cleanup;
	}
	if (d->n_steps == 0) {
		if (d->run_steps == 0)
			tfc_status_set(st, TFC_NOT_FOUND, "run %lld of %s has no steps",
				       (long long)d->run_id, d->path);
		else if (sel->step_lo == sel->step_hi)
			tfc_status_set(st, TFC_NOT_FOUND, "run %lld of %s has no step %lld",
				       (long long)d->run_id, d->path, (long long)sel->step_lo);
		else
			tfc_status_set(st, TFC_NOT_FOUND, "run %lld of %s has no steps in %lld..%lld",
				       (long long)d->run_id, d->path, (long long)sel->step_lo,
				       (long long)sel->step_hi);
		goto cleanup;
	}
	ok = true;
cleanup:
	sqlite3_finalize(q);
	return ok;
}

struct idmaps {
	pf_idtab dev, node, op;
	int64_t *dev_ids, *node_ids, *op_ids; /* local -> strings.id */
	int64_t dev_cap, node_cap, op_cap;
	int n_dev, n_node, n_op;
	int32_t *node_op; /* local node -> local op */
	int64_t node_op_cap;
};

static int32_t local_id(pf_idtab *t, int64_t **ids, int64_t *cap, int *n, int64_t id)
{
	int32_t v = pf_idtab_get(t, id);
	if (v >= 0)
		return v;
	if (!grow((void **)ids, cap, *n + 1, sizeof(int64_t)) || !pf_idtab_put(t, id, *n))
		return -1;
	(*ids)[*n] = id;
	return (*n)++;
}

static bool read_rows(sqlite3 *db, pf_data *d, struct idmaps *m, tfc_status *st)
{
	sqlite3_stmt *q = NULL;
	int64_t cap = 0;
	bool ok = false;
	if (sqlite3_prepare_v2(db,
			       "SELECT id, device_id, node_id, op_id, all_start_nanos, op_start_rel_nanos, "
			       "op_end_rel_nanos, all_end_rel_nanos, thread_id FROM node_exec "
			       "WHERE id BETWEEN ?1 AND ?2 AND run_id = ?3",
			       -1, &q, NULL) != SQLITE_OK) {
		set_sql_error(st, db, d->path);
		goto cleanup;
	}
	int64_t expect = 0;
	for (int s = 0; s < d->n_steps; s++)
		expect += d->steps[s].node_count;
	if (!grow((void **)&d->rows, &cap, expect > 0 ? expect : 1, sizeof(pf_row)))
		goto oom;
	for (int s = 0; s < d->n_steps; s++) {
		pf_step *sp = &d->steps[s];
		sp->row_lo = sp->row_hi = d->n_rows;
		if (sp->first_row <= 0)
			continue;
		sqlite3_reset(q);
		sqlite3_bind_int64(q, 1, sp->first_row);
		sqlite3_bind_int64(q, 2, sp->last_row);
		sqlite3_bind_int64(q, 3, d->run_id);
		int rc;
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			if (!grow((void **)&d->rows, &cap, d->n_rows + 1, sizeof(pf_row)))
				goto oom;
			pf_row *r = &d->rows[d->n_rows];
			r->id = sqlite3_column_int64(q, 0);
			r->dev = local_id(&m->dev, &m->dev_ids, &m->dev_cap, &m->n_dev,
					  sqlite3_column_int64(q, 1));
			r->node = local_id(&m->node, &m->node_ids, &m->node_cap, &m->n_node,
					   sqlite3_column_int64(q, 2));
			if (r->dev < 0 || r->node < 0)
				goto oom;
			if (r->node >= m->node_op_cap) {
				int64_t old = m->node_op_cap;
				if (!grow((void **)&m->node_op, &m->node_op_cap, r->node + 1, sizeof(int32_t)))
					goto oom;
				for (int64_t k = old; k < m->node_op_cap; k++)
					m->node_op[k] = -2;
			}
			if (m->node_op[r->node] == -2) {
				int64_t op = sqlite3_column_type(q, 3) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, 3);
				m->node_op[r->node] = local_id(&m->op, &m->op_ids, &m->op_cap, &m->n_op, op);
				if (m->node_op[r->node] < 0)
					goto oom;
			}
			r->start_ns = sqlite3_column_int64(q, 4);
			r->op_start = sqlite3_column_int64(q, 5);
			r->op_end = sqlite3_column_int64(q, 6);
			r->all_end = sqlite3_column_int64(q, 7);
			r->thread = sqlite3_column_int(q, 8);
			r->step = s;
			r->out_bytes = r->peak = 0;
			d->n_rows++;
		}
		if (rc != SQLITE_DONE) {
			set_sql_error(st, db, d->path);
			goto cleanup;
		}
		sp->row_hi = d->n_rows;
	}
	ok = true;
	goto cleanup;
oom:
	tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory reading %s", d->path);
cleanup:
	sqlite3_finalize(q);
	return ok;
}

/* Output bytes, peaks and output shapes come from node_outputs and node_memory,
 * which have no index: each is one scan. They run on a thread of their own (its own
 * read-only connection) while the main thread reads node_exec, and are merged into
 * the rows afterwards. */
typedef struct out_rec {
	int64_t node_row, bytes, shape_id;
	int32_t slot;
} out_rec;

typedef struct mem_rec {
	int64_t node_row, peak;
} mem_rec;

typedef struct side_scan {
	const char *path;
	int64_t lo, hi;
	out_rec *outs;
	int64_t n_outs, cap_outs;
	mem_rec *mems;
	int64_t n_mems, cap_mems;
	bool failed; /* out of memory or an SQLite error */
	char msg[256];
	pthread_t thread;
	bool started;
} side_scan;

static void *side_scan_main(void *arg)
{
	side_scan *sc = arg;
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int rc;
	if (sqlite3_open_v2(sc->path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(db, 5000);
	sqlite3_exec(db, "PRAGMA mmap_size = 1073741824", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(db,
			       "SELECT node_row, slot, shape_id, allocated_bytes, requested_bytes "
			       "FROM node_outputs WHERE node_row BETWEEN ? AND ?",
			       -1, &q, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(q, 1, sc->lo);
	sqlite3_bind_int64(q, 2, sc->hi);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (!grow((void **)&sc->outs, &sc->cap_outs, sc->n_outs + 1, sizeof(out_rec)))
			goto oom;
		out_rec *o = &sc->outs[sc->n_outs++];
		o->node_row = sqlite3_column_int64(q, 0);
		o->slot = sqlite3_column_int(q, 1);
		o->shape_id = sqlite3_column_int64(q, 2);
		o->bytes = sqlite3_column_int64(q, 3);
		if (o->bytes <= 0)
			o->bytes = sqlite3_column_int64(q, 4);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(q);
	q = NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT node_row, peak_bytes FROM node_memory WHERE node_row BETWEEN ? AND ?",
			       -1, &q, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(q, 1, sc->lo);
	sqlite3_bind_int64(q, 2, sc->hi);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (!grow((void **)&sc->mems, &sc->cap_mems, sc->n_mems + 1, sizeof(mem_rec)))
			goto oom;
		mem_rec *m = &sc->mems[sc->n_mems++];
		m->node_row = sqlite3_column_int64(q, 0);
		m->peak = sqlite3_column_int64(q, 1);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	goto done;
oom:
	sc->failed = true;
	snprintf(sc->msg, sizeof(sc->msg), "out of memory reading outputs");
	goto done;
fail:
	sc->failed = true;
	snprintf(sc->msg, sizeof(sc->msg), "%s", db ? sqlite3_errmsg(db) : "cannot open");
done:
	sqlite3_finalize(q);
	sqlite3_close(db);
	return NULL;
}

/* Starts the side scan over node rows lo..hi; without a thread it runs at join. */
static void side_scan_start(side_scan *sc, const char *path, int64_t lo, int64_t hi)
{
	memset(sc, 0, sizeof(*sc));
	sc->path = path;
	sc->lo = lo;
	sc->hi = hi;
	sc->started = pthread_create(&sc->thread, NULL, side_scan_main, sc) == 0;
}

static void side_scan_join(side_scan *sc)
{
	if (sc->started)
		pthread_join(sc->thread, NULL);
	else if (sc->path)
		side_scan_main(sc);
	sc->started = false;
	sc->path = NULL;
}

static void side_scan_free(side_scan *sc)
{
	if (sc->started)
		pthread_join(sc->thread, NULL);
	sc->started = false;
	free(sc->outs);
	free(sc->mems);
	sc->outs = NULL;
	sc->mems = NULL;
}

/* Adds the scanned bytes, peaks and (first seen per node and slot) shapes to the rows. */
static bool merge_outputs(pf_data *d, side_scan *sc, shape_ids *shapes, tfc_status *st)
{
	side_scan_join(sc);
	if (sc->failed) {
		tfc_status_set(st, TFC_INTERNAL, "%s: %s", d->path, sc->msg);
		return false;
	}
	for (int64_t i = 0; i < sc->n_outs; i++) {
		const out_rec *o = &sc->outs[i];
		pf_row *r = row_by_id(d, o->node_row);
		if (!r)
			continue;
		if (o->bytes > 0)
			r->out_bytes += o->bytes;
		if (o->slot >= 0 && o->slot < MAX_SLOTS && !shapes[r->node].id[o->slot])
			shapes[r->node].id[o->slot] = o->shape_id;
	}
	for (int64_t i = 0; i < sc->n_mems; i++) {
		pf_row *r = row_by_id(d, sc->mems[i].node_row);
		if (r && sc->mems[i].peak > r->peak)
			r->peak = sc->mems[i].peak;
	}
	return true;
}

static bool read_graph(sqlite3 *db, pf_data *d)
{
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(db, "SELECT graph_def FROM graphs WHERE run_id = ?", -1, &q, NULL) !=
	    SQLITE_OK)
		return true; /* no graph: fewer columns, not an error */
	sqlite3_bind_int64(q, 1, d->run_id);
	if (sqlite3_step(q) == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(q, 0);
		int n = sqlite3_column_bytes(q, 0);
		if (blob && n > 0)
			d->graph = graph_new(blob, (size_t)n);
		d->has_graph = d->graph != NULL;
	}
	sqlite3_finalize(q);
	return true;
}

/* Leaves out the rows of devices that do not match the --device regex, the
 * "/stream:all" rows of a GPU tracer (each duplicates a "/stream:N" row; tfprof
 * skips them too) and tfc's "/cuda_api" rows, unless the regex asks for them by name. */
static bool filter_devices(pf_data *d, const char *regex, tfc_status *st)
{
	regex_t re;
	bool have_re = false;
	if (regex) {
		int rc = regcomp(&re, regex, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[256];
			regerror(rc, &re, msg, sizeof(msg));
			tfc_status_set(st, TFC_INVALID_ARGUMENT, "bad --device regex '%s': %s", regex, msg);
			return false;
		}
		have_re = true;
	}
	bool *keep = calloc((size_t)d->n_devices + 1, sizeof(bool));
	if (!keep) {
		if (have_re)
			regfree(&re);
		tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
		return false;
	}
	bool any_drop = false;
	for (int i = 0; i < d->n_devices; i++) {
		bool stream_all = strstr(d->devices[i], STREAM_ALL) != NULL;
		/* tfc's CUDA API rows are host time, not the op's: left out unless asked for. */
		bool api = strstr(d->devices[i], "/cuda_api") != NULL;
		if (have_re)
			keep[i] = regexec(&re, d->devices[i], 0, NULL, 0) == 0 &&
				  (!stream_all || strstr(regex, "all")) && (!api || strstr(regex, "cuda_api"));
		else
			keep[i] = !stream_all && !api;
		any_drop |= !keep[i];
	}
	if (have_re)
		regfree(&re);
	if (any_drop) {
		int64_t w = 0;
		for (int s = 0; s < d->n_steps; s++) {
			pf_step *sp = &d->steps[s];
			int64_t lo = w;
			for (int64_t i = sp->row_lo; i < sp->row_hi; i++)
				if (keep[d->rows[i].dev])
					d->rows[w++] = d->rows[i];
			sp->row_lo = lo;
			sp->row_hi = w;
		}
		d->n_rows = w;
	}
	free(keep);
	return true;
}

pf_data *pf_data_load(const char *path, const pf_select *sel, tfc_status *st)
{
	struct idmaps m;
	memset(&m, 0, sizeof(m));
	sqlite3_stmt *qs = NULL;
	side_scan side;
	memset(&side, 0, sizeof(side));
	shape_ids *shapes = NULL;
	char **shape_text = NULL;
	pf_data *d = calloc(1, sizeof(*d));
	sqlite3 *db = NULL;
	if (!d || !(d->path = xstrdup(path)))
		goto oom;
	db = open_db(path, st);
	if (!db)
		goto fail;
	if (!read_run(db, d, sel->run_id, st) || !read_steps(db, d, sel, st))
		goto fail;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (int i = 0; i < d->n_steps; i++)
		if (d->steps[i].first_row > 0) {
			if (d->steps[i].first_row < lo)
				lo = d->steps[i].first_row;
			if (d->steps[i].last_row > hi)
				hi = d->steps[i].last_row;
		}
	if (lo <= hi)
		side_scan_start(&side, path, lo, hi);
	if (!read_rows(db, d, &m, st))
		goto fail;
	read_graph(db, d);
	/* names */
	if (sqlite3_prepare_v2(db, "SELECT s FROM strings WHERE id = ?", -1, &qs, NULL) != SQLITE_OK) {
		set_sql_error(st, db, path);
		goto fail;
	}
	d->devices = calloc((size_t)m.n_dev + 1, sizeof(char *));
	d->ops = calloc((size_t)m.n_op + 2, sizeof(char *));
	d->nodes = calloc((size_t)m.n_node + 1, sizeof(pf_node));
	if (!d->devices || !d->ops || !d->nodes)
		goto oom;
	d->n_devices = m.n_dev;
	d->n_ops = m.n_op;
	d->n_nodes = m.n_node;
	if (!read_names(qs, m.dev_ids, m.n_dev, d->devices, "(unknown device)") ||
	    !read_names(qs, m.op_ids, m.n_op, d->ops, "(unknown)"))
		goto oom;
	for (int i = 0; i < m.n_node; i++) {
		d->nodes[i].name = string_by_id(qs, m.node_ids[i]);
		if (!d->nodes[i].name && !(d->nodes[i].name = xstrdup("(unnamed)")))
			goto oom;
		d->nodes[i].op = m.node_op[i];
	}
	/* Op types the rows lack, from the graph; "(unknown)" entries merge into one. */
	for (int i = 0; i < m.n_node; i++) {
		pf_node *pn = &d->nodes[i];
		if (m.op_ids[pn->op] > 0)
			continue;
		const Tensorflow__NodeDef *n = pf_graph_node(d->graph, pn->name);
		const char *want = n ? n->op : "(unknown)";
		int k;
		for (k = 0; k < d->n_ops; k++)
			if (strcmp(d->ops[k], want) == 0 && (m.op_ids[k] > 0 || k == pn->op))
				break;
		if (k == d->n_ops) {
			char **ops = realloc(d->ops, (size_t)(d->n_ops + 2) * sizeof(char *));
			int64_t *ids = NULL;
			if (!ops)
				goto oom;
			d->ops = ops;
			if (!grow((void **)&m.op_ids, &m.op_cap, d->n_ops + 1, sizeof(int64_t)))
				goto oom;
			ids = m.op_ids;
			ids[d->n_ops] = 1; /* a known type now */
			if (!(d->ops[d->n_ops] = xstrdup(want)))
				goto oom;
			k = d->n_ops++;
		}
		pn->op = k;
	}
	d->n_devices = m.n_dev;
	if (!filter_devices(d, sel->device_regex, st))
		goto fail;
	d->tracer_device = calloc((size_t)d->n_devices + 1, sizeof(bool));
	if (!d->tracer_device)
		goto oom;
	for (int i = 0; i < d->n_devices; i++)
		d->tracer_device[i] = strstr(d->devices[i], "/stream:") || strstr(d->devices[i], "/memcpy") ||
				      strstr(d->devices[i], "/cuda_api");
	for (int64_t i = 0; i < d->n_rows; i++)
		if (!d->tracer_device[d->rows[i].dev])
			d->nodes[d->rows[i].node].on_device = true;
	shapes = calloc((size_t)m.n_node + 1, sizeof(shape_ids));
	if (!shapes)
		goto oom;
	if (!merge_outputs(d, &side, shapes, st))
		goto fail;
	/* Shapes as text, only for nodes whose FLOPs (or whose consumers' FLOPs) count. */
	shape_text = calloc((size_t)m.n_node * MAX_SLOTS + 1, sizeof(char *));
	if (!shape_text)
		goto oom;
	bool any_flops = false;
	for (int i = 0; i < m.n_node && !any_flops; i++)
		any_flops = pf_op_has_flops(d->ops[d->nodes[i].op]);
	for (int i = 0; i < m.n_node && any_flops; i++)
		for (int s = 0; s < MAX_SLOTS; s++)
			if (shapes[i].id[s] > 0)
				shape_text[(size_t)i * MAX_SLOTS + (size_t)s] = string_by_id(qs, shapes[i].id[s]);
	if (!annotate_nodes(d, shape_text))
		goto oom;
	goto done;
oom:
	tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory reading %s", path);
fail:
	pf_data_free(d);
	d = NULL;
done:
	side_scan_free(&side);
	if (shape_text)
		for (size_t i = 0; i < (size_t)m.n_node * MAX_SLOTS; i++)
			free(shape_text[i]);
	free(shape_text);
	free(shapes);
	sqlite3_finalize(qs);
	sqlite3_close(db);
	pf_idtab_clear(&m.dev);
	pf_idtab_clear(&m.node);
	pf_idtab_clear(&m.op);
	free(m.dev_ids);
	free(m.node_ids);
	free(m.op_ids);
	free(m.node_op);
	return d;
}

/* ---------------------------------------------------------------- import */

int64_t pf_import_run_metadata(const char *db_path, const char *rm_path, const char *graph_path,
			       tfc_status *st)
{
	tfc_buffer_t *rm = NULL, *gd = NULL;
	tfc_trace_db *db = NULL;
	int64_t run = -1;
	rm = tfc_read_file(rm_path, st);
	if (!rm)
		goto cleanup;
	if (graph_path && !(gd = tfc_read_file(graph_path, st)))
		goto cleanup;
	db = tfc_trace_db_open(db_path, st);
	if (!db)
		goto cleanup;
	run = tfc_trace_db_import(db, gd ? gd->data : NULL, gd ? gd->length : 0, rm->data,
				  rm->length, TFC_FORMAT_AUTO, st);
	if (run < 0) {
		tfc_status *st2 = tfc_status_new();
		tfc_trace_db_close(db, st2);
		tfc_status_free(st2);
		db = NULL;
		goto cleanup;
	}
	tfc_trace_db_close(db, st);
	db = NULL;
	if (tfc_status_code(st) != TFC_OK)
		run = -1;
cleanup:
	tfc_buffer_free(rm);
	tfc_buffer_free(gd);
	return run;
}
