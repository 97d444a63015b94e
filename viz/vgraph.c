/*
 * vgraph.c: reading graphs for tfc-viz (vgraph.h). GraphDefs, MetaGraphDefs and
 * SavedModels go through tfc_graph_load_model (which keeps ops its registry does not
 * know); events files are read record by record with tfc_events_read and their
 * Event.graph_def (or meta_graph_def) imported; a trace database gives the binary
 * GraphDef of graphs(run_id, graph_def). The tfc graph is then flattened into the
 * plain arrays the hierarchy works on.
 */
#include "vgraph.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "event.pb-c.h"
#include "graph.pb-c.h"
#include "meta_graph.pb-c.h"
#include "internal.h"
#include "strbuf.h"
#include "tfc_export.h"

static const char *const ref_types[] = {
	"Assign", "AssignAdd", "AssignSub", "ScatterAdd", "ScatterSub", "ScatterUpdate",
	"ScatterMul", "ScatterDiv", "ScatterNdUpdate", "ScatterNdAdd", "CountUpTo",
	"AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp", NULL,
};

/* Is input `i` of an op of `type` one it writes into? */
static bool is_ref_input(const char *type, int i, tfc_dtype src_type)
{
	if (i != 0)
		return false;
	for (int k = 0; ref_types[k]; k++)
		if (strcmp(type, ref_types[k]) == 0)
			return true;
	if (strncmp(type, "Apply", 5) == 0 || strncmp(type, "ResourceApply", 13) == 0)
		return true;
	(void)src_type;
	return false;
}

/* "64×3×3", "?×10", "scalar"; elems -1 unless every dim is known. */
static void shape_text(const tfc_shape *s, vz_output *o)
{
	o->elems = -1;
	o->shape = NULL;
	if (s->rank < 0)
		return;
	if (s->rank == 0) {
		o->shape = vz_strdup("scalar");
		o->elems = 1;
		return;
	}
	vz_buf b;
	vz_buf_init(&b);
	int64_t n = 1;
	for (int i = 0; i < s->rank; i++) {
		if (i)
			vz_buf_puts(&b, "\xc3\x97");
		if (s->dims[i] < 0) {
			vz_buf_puts(&b, "?");
			n = -1;
		} else {
			vz_buf_printf(&b, "%lld", (long long)s->dims[i]);
			if (n >= 0)
				n *= s->dims[i];
		}
	}
	o->shape = b.data; /* taken over */
	o->elems = n;
}

int vz_graph_find(const vz_graph *g, const char *name)
{
	void **v = tfc__strmap_find(g->by_name, name);
	return v ? (int)((intptr_t)*v - 1) : -1;
}

void vz_graph_free(vz_graph *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->n_ops; i++) {
		vz_op *op = &g->ops[i];
		free(op->name);
		free(op->type);
		free(op->device);
		free(op->placed);
		for (int k = 0; k < op->n_out; k++)
			free(op->out[k].shape);
		free(op->out);
	}
	free(g->ops);
	free(g->edges);
	free(g->source);
	if (g->by_name) {
		tfc__strmap_clear(g->by_name);
		free(g->by_name);
	}
	free(g);
}

vz_graph *vz_graph_from_tfc(const tfc_graph *tg, tfc_status *st)
{
	vz_graph *g = calloc(1, sizeof(*g));
	size_t n = tfc_graph_num_operations(tg);
	size_t pos = 0, n_edges = 0;
	tfc_operation *op;
	if (!g)
		goto oom;
	g->by_name = calloc(1, sizeof(struct tfc__strmap));
	g->ops = calloc(n ? n : 1, sizeof(vz_op));
	if (!g->by_name || !g->ops)
		goto oom;
	tfc__strmap_init(g->by_name, false);
	while ((op = tfc_graph_next_operation(tg, &pos)) != NULL) {
		vz_op *v = &g->ops[g->n_ops];
		v->name = vz_strdup(tfc_operation_name(op));
		v->type = vz_strdup(tfc_operation_type(op));
		v->device = vz_strdup(tfc_operation_device(op));
		v->n_out = tfc_operation_num_outputs(op);
		if (v->n_out < 0)
			v->n_out = 0;
		v->out = calloc((size_t)v->n_out + 1, sizeof(vz_output));
		g->n_ops++;
		if (!v->name || !v->type || !v->device || !v->out)
			goto oom;
		for (int k = 0; k < v->n_out; k++) {
			tfc_shape s = tfc_operation_output_shape(op, k);
			shape_text(&s, &v->out[k]);
		}
		*tfc__strmap_put(g->by_name, v->name) = (void *)(intptr_t)g->n_ops;
		n_edges += (size_t)tfc_operation_num_inputs(op) +
			   (size_t)tfc_operation_num_control_inputs(op);
	}
	g->edges = calloc(n_edges ? n_edges : 1, sizeof(vz_edge));
	if (!g->edges)
		goto oom;
	pos = 0;
	for (int i = 0; (op = tfc_graph_next_operation(tg, &pos)) != NULL; i++) {
		vz_op *v = &g->ops[i];
		v->first_in = g->n_edges;
		int ni = tfc_operation_num_inputs(op), nc = tfc_operation_num_control_inputs(op);
		for (int k = 0; k < ni; k++) {
			tfc_output in = tfc_operation_input(op, k);
			if (!in.oper)
				continue;
			int src = vz_graph_find(g, tfc_operation_name(in.oper));
			if (src < 0)
				continue;
			vz_edge *e = &g->edges[g->n_edges++];
			e->src = src;
			e->dst = i;
			e->slot = in.index;
			e->kind = is_ref_input(v->type, k, tfc_operation_output_type(in.oper, in.index))
					  ? VZ_EDGE_REF : VZ_EDGE_DATA;
		}
		for (int k = 0; k < nc; k++) {
			tfc_operation *c = tfc_operation_control_input(op, k);
			int src = c ? vz_graph_find(g, tfc_operation_name(c)) : -1;
			if (src < 0)
				continue;
			vz_edge *e = &g->edges[g->n_edges++];
			e->src = src;
			e->dst = i;
			e->slot = -1;
			e->kind = VZ_EDGE_CONTROL;
		}
		v->n_in = g->n_edges - v->first_in;
	}
	return g;
oom:
	vz_graph_free(g);
	tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory reading the graph");
	return NULL;
}

bool vz_is_sqlite_file(const char *path)
{
	char head[16];
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t n = fread(head, 1, sizeof(head), f);
	fclose(f);
	return n == sizeof(head) && memcmp(head, "SQLite format 3", 16) == 0;
}


/* ---- GraphDefs that tfc's importer refuses (dangling inputs, odd attrs): read the
 * NodeDefs as they are, so that every graph can be drawn. */

static bool grow_outputs(vz_op *op, int n)
{
	if (n <= op->n_out)
		return true;
	vz_output *o = realloc(op->out, (size_t)n * sizeof(*o));
	if (!o)
		return false;
	for (int k = op->n_out; k < n; k++) {
		o[k].elems = -1;
		o[k].shape = NULL;
	}
	op->out = o;
	op->n_out = n;
	return true;
}

static vz_graph *from_graphdef_proto(const Tensorflow__GraphDef *gd, tfc_status *st)
{
	vz_graph *g = calloc(1, sizeof(*g));
	size_t n_edges = 0;
	char *done = NULL;
	if (!g)
		goto oom;
	g->by_name = calloc(1, sizeof(struct tfc__strmap));
	g->ops = calloc(gd->n_node + 1, sizeof(vz_op));
	if (!g->by_name || !g->ops)
		goto oom;
	tfc__strmap_init(g->by_name, false);
	for (size_t i = 0; i < gd->n_node; i++) {
		const Tensorflow__NodeDef *nd = gd->node[i];
		if (!nd->name || !*nd->name || tfc__strmap_find(g->by_name, nd->name))
			continue;
		vz_op *v = &g->ops[g->n_ops++];
		v->name = vz_strdup(nd->name);
		v->type = vz_strdup(nd->op ? nd->op : "");
		v->device = vz_strdup(nd->device ? nd->device : "");
		v->out = calloc(1, sizeof(vz_output));
		if (!v->name || !v->type || !v->device || !v->out)
			goto oom;
		for (size_t a = 0; a < nd->n_attr; a++) {
			const Tensorflow__AttrValue *av = nd->attr[a]->value;
			if (strcmp(nd->attr[a]->key, "_output_shapes") || !av ||
			    av->value_case != TENSORFLOW__ATTR_VALUE__VALUE_LIST || !av->list)
				continue;
			if (!grow_outputs(v, (int)av->list->n_shape))
				goto oom;
			for (size_t k = 0; k < av->list->n_shape; k++) {
				tfc_shape sh = tfc__shape_from_proto(av->list->shape[k]);
				shape_text(&sh, &v->out[k]);
			}
		}
		*tfc__strmap_put(g->by_name, v->name) = (void *)(intptr_t)g->n_ops;
		n_edges += nd->n_input;
	}
	g->edges = calloc(n_edges + 1, sizeof(vz_edge));
	done = calloc((size_t)g->n_ops + 1, 1);
	if (!g->edges || !done)
		goto oom;
	for (size_t i = 0; i < gd->n_node; i++) {
		const Tensorflow__NodeDef *nd = gd->node[i];
		int dst = nd->name ? vz_graph_find(g, nd->name) : -1;
		if (dst < 0 || done[dst])
			continue; /* the first definition of a name only */
		done[dst] = 1;
		vz_op *v = &g->ops[dst];
		v->first_in = g->n_edges;
		int data_k = 0;
		for (size_t k = 0; k < nd->n_input; k++) {
			const char *in = nd->input[k];
			bool control = in[0] == '^';
			char *name = vz_strdup(control ? in + 1 : in);
			if (!name)
				goto oom;
			int slot = 0;
			char *colon = strrchr(name, ':');
			if (!control && colon && colon[1]) {
				slot = atoi(colon + 1);
				*colon = '\0';
			}
			int src = vz_graph_find(g, name);
			free(name);
			if (src < 0) {
				data_k += !control;
				continue; /* a dangling input: drawn as nothing */
			}
			vz_edge *e = &g->edges[g->n_edges++];
			e->src = src;
			e->dst = dst;
			e->slot = control ? -1 : slot;
			e->kind = control ? VZ_EDGE_CONTROL
				  : is_ref_input(v->type, data_k, TFC_DTYPE_INVALID) ? VZ_EDGE_REF
				  : VZ_EDGE_DATA;
			if (!control && !grow_outputs(&g->ops[src], slot + 1))
				goto oom;
			data_k += !control;
		}
		v->n_in = g->n_edges - v->first_in;
	}
	free(done);
	return g;
oom:
	free(done);
	vz_graph_free(g);
	tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory reading the graph");
	return NULL;
}

/* The raw graph of a GraphDef or MetaGraphDef file; NULL (st untouched) when it is
 * neither. */
static vz_graph *load_raw(const char *path, tfc_status *st)
{
	tfc_status *st2 = tfc_status_new();
	tfc_buffer_t *b = tfc_read_file(path, st2);
	vz_graph *g = NULL;
	if (!b)
		goto cleanup;
	Tensorflow__GraphDef *gd = (Tensorflow__GraphDef *)tfc__parse_message(
		&tensorflow__graph_def__descriptor, b->data, b->length, TFC_FORMAT_AUTO, "GraphDef", st2);
	if (gd && gd->n_node > 0) {
		g = from_graphdef_proto(gd, st);
		protobuf_c_message_free_unpacked(&gd->base, NULL);
		goto cleanup;
	}
	if (gd)
		protobuf_c_message_free_unpacked(&gd->base, NULL);
	Tensorflow__MetaGraphDef *mg = (Tensorflow__MetaGraphDef *)tfc__parse_message(
		&tensorflow__meta_graph_def__descriptor, b->data, b->length, TFC_FORMAT_AUTO,
		"MetaGraphDef", st2);
	if (mg && mg->graph_def && mg->graph_def->n_node > 0)
		g = from_graphdef_proto(mg->graph_def, st);
	if (mg)
		protobuf_c_message_free_unpacked(&mg->base, NULL);
cleanup:
	tfc_buffer_free(b);
	tfc_status_free(st2);
	return g;
}

vz_graph *vz_graph_from_bytes(const void *data, size_t len, tfc_status *st)
{
	tfc_graph *tg = tfc_graph_new();
	vz_graph *g = NULL;
	tfc_graph_import(tg, data, len, TFC_FORMAT_AUTO, NULL, NULL, st);
	if (tfc_status_code(st) == TFC_OK) {
		g = vz_graph_from_tfc(tg, st);
	} else {
		Tensorflow__GraphDef *gd = (Tensorflow__GraphDef *)tfc__parse_message(
			&tensorflow__graph_def__descriptor, data, len, TFC_FORMAT_AUTO, "GraphDef", st);
		if (gd) {
			g = from_graphdef_proto(gd, st);
			protobuf_c_message_free_unpacked(&gd->base, NULL);
		}
	}
	tfc_graph_free(tg);
	if (g)
		g->source = vz_strdup("GraphDef");
	return g;
}

/* ---- events files */

struct events_ctx {
	tfc_buffer_t graph_def, meta_graph_def; /* first of each, copied */
	int64_t records;
};

static int take_event(void *vctx, const void *data, size_t len, uint64_t offset)
{
	struct events_ctx *c = vctx;
	(void)offset;
	c->records++;
	Tensorflow__Event *ev = tensorflow__event__unpack(NULL, len, data);
	if (!ev)
		return 0;
	tfc_buffer_t *dst = NULL;
	ProtobufCBinaryData *src = NULL;
	if (ev->what_case == TENSORFLOW__EVENT__WHAT_GRAPH_DEF && !c->graph_def.data) {
		dst = &c->graph_def;
		src = &ev->graph_def;
	} else if (ev->what_case == TENSORFLOW__EVENT__WHAT_META_GRAPH_DEF &&
		   !c->meta_graph_def.data) {
		dst = &c->meta_graph_def;
		src = &ev->meta_graph_def;
	}
	if (dst && src->len > 0 && (dst->data = malloc(src->len)) != NULL) {
		memcpy(dst->data, src->data, src->len);
		dst->length = src->len;
	}
	tensorflow__event__free_unpacked(ev, NULL);
	return c->graph_def.data ? 1 : 0;
}

/* The graph of an events file; NULL with st set. */
static tfc_graph *load_events(const char *path, tfc_status *st)
{
	struct events_ctx c;
	tfc_graph *g = NULL;
	memset(&c, 0, sizeof(c));
	if (tfc_events_read(path, take_event, &c, st) < 0)
		goto cleanup;
	g = tfc_graph_new();
	if (c.graph_def.data) {
		tfc_graph_import(g, c.graph_def.data, c.graph_def.length, TFC_FORMAT_BINARY, NULL,
				 NULL, st);
	} else if (c.meta_graph_def.data) {
		tfc_graph_import_meta_graph(g, c.meta_graph_def.data, c.meta_graph_def.length,
					    TFC_FORMAT_BINARY, st);
	} else {
		tfc_status_set(st, TFC_INVALID_ARGUMENT,
			       "%s: the events file holds no graph (%lld records, none with a "
			       "graph_def or meta_graph_def)", path, (long long)c.records);
	}
	if (tfc_status_code(st) != TFC_OK) {
		tfc_graph_free(g);
		g = NULL;
	}
cleanup:
	free(c.graph_def.data);
	free(c.meta_graph_def.data);
	return g;
}

/* ---- trace databases */

static tfc_graph *load_trace_db(const char *path, int64_t run_id, tfc_status *st)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	tfc_graph *g = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		tfc_status_set(st, TFC_NOT_FOUND, "%s: cannot open the trace database: %s", path,
			       db ? sqlite3_errmsg(db) : "out of memory");
		goto cleanup;
	}
	const char *sql = run_id >= 0
		? "SELECT graph_def FROM graphs WHERE run_id = ?1"
		: "SELECT graph_def FROM graphs WHERE run_id = (SELECT MAX(id) FROM runs)";
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s: not a tfc trace database: %s", path,
			       sqlite3_errmsg(db));
		goto cleanup;
	}
	if (run_id >= 0)
		sqlite3_bind_int64(q, 1, run_id);
	int rc = sqlite3_step(q);
	if (rc != SQLITE_ROW || sqlite3_column_type(q, 0) == SQLITE_NULL) {
		if (run_id >= 0)
			tfc_status_set(st, TFC_NOT_FOUND, "%s: run %lld has no graph", path,
				       (long long)run_id);
		else
			tfc_status_set(st, TFC_NOT_FOUND, "%s: the trace database holds no graph",
				       path);
		goto cleanup;
	}
	g = tfc_graph_new();
	tfc_graph_import(g, sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0),
			 TFC_FORMAT_BINARY, NULL, NULL, st);
	if (tfc_status_code(st) != TFC_OK) {
		tfc__status_prefix(st, "%s: ", path);
		tfc_graph_free(g);
		g = NULL;
	}
cleanup:
	sqlite3_finalize(q);
	sqlite3_close(db);
	return g;
}

static bool looks_like_events(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return strstr(base, "tfevents") != NULL;
}

vz_graph *vz_graph_load(const char *path, int64_t run_id, tfc_status *st)
{
	tfc_graph *tg = NULL;
	vz_graph *g = NULL;
	const char *source = "graph";
	struct stat sb;
	if (strcmp(path, "-") == 0) {
		/* A GraphDef on standard input. */
		vz_buf in;
		char chunk[65536];
		size_t n;
		vz_buf_init(&in);
		while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
			vz_buf_add(&in, chunk, n);
		if (in.oom) {
			vz_buf_release(&in);
			tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory reading standard input");
			return NULL;
		}
		g = vz_graph_from_bytes(in.data ? in.data : "", in.len, st);
		vz_buf_release(&in);
		if (g && g->n_ops == 0) {
			tfc_status_set(st, TFC_INVALID_ARGUMENT, "standard input: the graph is empty (no nodes)");
			vz_graph_free(g);
			return NULL;
		}
		return g;
	}
	if (stat(path, &sb) != 0) {
		tfc_status_set(st, TFC_NOT_FOUND, "%s: no such file or directory", path);
		return NULL;
	}
	if (S_ISREG(sb.st_mode) && vz_is_sqlite_file(path)) {
		tg = load_trace_db(path, run_id, st);
		source = "trace database";
	} else if (S_ISREG(sb.st_mode) && looks_like_events(path)) {
		tg = load_events(path, st);
		source = "events file";
	} else {
		tfc_file_kind kind = TFC_FILE_UNKNOWN;
		tg = tfc_graph_load_model(path, NULL, &kind, st);
		source = kind == TFC_FILE_META_GRAPH ? "MetaGraphDef"
			 : kind == TFC_FILE_SAVED_MODEL ? "SavedModel" : "GraphDef";
		if (!tg && S_ISREG(sb.st_mode) && tfc_status_code(st) == TFC_INVALID_ARGUMENT) {
			/* A GraphDef tfc's importer refuses is still drawn from its NodeDefs. */
			g = load_raw(path, st);
			if (g) {
				tfc_status_set(st, TFC_OK, " ");
				source = "GraphDef (read as it is)";
				goto loaded;
			}
		}
		if (!tg && S_ISREG(sb.st_mode)) {
			/* Perhaps an events file under another name. */
			tfc_status *st2 = tfc_status_new();
			tg = load_events(path, st2);
			tfc_status_free(st2);
			if (tg) {
				tfc_status_set(st, TFC_OK, " ");
				source = "events file";
			}
		}
	}
	if (!tg)
		return NULL;
	g = vz_graph_from_tfc(tg, st);
	tfc_graph_free(tg);
loaded:
	if (g && g->n_ops == 0) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s: the graph is empty (no nodes)", path);
		vz_graph_free(g);
		return NULL;
	}
	if (g)
		g->source = vz_strdup(source);
	return g;
}
