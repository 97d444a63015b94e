/*
 * viz.c: the whole of tfc-viz's pipeline behind vz_run (viz.h): graph, filters,
 * trace figures, hierarchy, expansion, layout, colours, scene, output.
 */
#include "viz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "scene.h"
#include "stats.h"
#include "strbuf.h"

void vz_options_default(vz_options *o)
{
	memset(o, 0, sizeof(*o));
	o->rankdir = VZ_RANK_BT;
	o->radius = 2;
	o->color = VZ_COLOR_STRUCTURE;
	o->run_id = -1;
	o->step = -1;
	o->scale = 1;
	vz_params_default(&o->params);
}

/* Hides every op farther than radius edges (either way) from op `c`. */
static bool focus(vz_graph *g, int c, int radius)
{
	int n = g->n_ops;
	int *dist = malloc((size_t)n * sizeof(int)), *queue = malloc((size_t)n * sizeof(int));
	int *out_start = calloc((size_t)n + 1, sizeof(int)), *outs = malloc(((size_t)g->n_edges + 1) * sizeof(int));
	if (!dist || !queue || !out_start || !outs) {
		free(dist);
		free(queue);
		free(out_start);
		free(outs);
		return false;
	}
	for (int e = 0; e < g->n_edges; e++)
		out_start[g->edges[e].src + 1]++;
	for (int i = 0; i < n; i++)
		out_start[i + 1] += out_start[i];
	int *fill = calloc((size_t)n, sizeof(int));
	for (int e = 0; fill && e < g->n_edges; e++) {
		int s = g->edges[e].src;
		outs[out_start[s] + fill[s]++] = g->edges[e].dst;
	}
	free(fill);
	for (int i = 0; i < n; i++)
		dist[i] = -1;
	int head = 0, tail = 0;
	dist[c] = 0;
	queue[tail++] = c;
	while (head < tail) {
		int u = queue[head++];
		if (dist[u] >= radius)
			continue;
		const vz_op *op = &g->ops[u];
		for (int k = 0; k < op->n_in; k++) {
			int v = g->edges[op->first_in + k].src;
			if (dist[v] < 0) {
				dist[v] = dist[u] + 1;
				queue[tail++] = v;
			}
		}
		for (int k = out_start[u]; k < out_start[u + 1]; k++) {
			int v = outs[k];
			if (dist[v] < 0) {
				dist[v] = dist[u] + 1;
				queue[tail++] = v;
			}
		}
	}
	for (int i = 0; i < n; i++)
		if (dist[i] < 0)
			g->ops[i].hidden = true;
	free(dist);
	free(queue);
	free(out_start);
	free(outs);
	return true;
}

static bool device_matches(const char *dev, const char *want)
{
	if (!dev || !*dev)
		return false;
	if (strcmp(dev, want) == 0)
		return true;
	size_t n = strlen(dev), m = strlen(want);
	/* "/device:CPU:0" matches "/job:localhost/replica:0/task:0/device:CPU:0". */
	return m < n && strcmp(dev + n - m, want) == 0;
}

vz_graph *vz_prepare_graph(const vz_options *o, int *n_stats, tfc_status *st)
{
	vz_graph *g = vz_graph_load(o->graph_path, o->run_id, st);
	const char *db = o->db;
	*n_stats = 0;
	if (!g)
		return NULL;
	if (!db && vz_is_sqlite_file(o->graph_path))
		db = o->graph_path;
	if (db) {
		*n_stats = vz_stats_load(g, db, o->run_id, o->step, NULL, NULL, st);
		if (*n_stats < 0) {
			/* The graph's own database may hold no traced step: fine unless asked. */
			if (o->db || o->color == VZ_COLOR_TIME || o->color == VZ_COLOR_MEMORY ||
			    o->partition)
				goto fail;
			*n_stats = 0;
		}
	} else if (o->color == VZ_COLOR_TIME || o->color == VZ_COLOR_MEMORY) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT,
			       "--color %s needs a trace database (--db TRACE.db)",
			       vz_color_by_name(o->color));
		goto fail;
	}
	for (int i = 0; i < g->n_ops; i++)
		for (int k = 0; k < o->n_hide; k++)
			if (strcmp(g->ops[i].type, o->hide_ops[k]) == 0)
				g->ops[i].hidden = true;
	if (o->partition) {
		int kept = 0;
		for (int i = 0; i < g->n_ops; i++) {
			vz_op *op = &g->ops[i];
			const char *dev = db ? op->placed : op->device;
			if (!device_matches(dev, o->partition))
				op->hidden = true;
			kept += !op->hidden;
		}
		if (!kept) {
			tfc_status_set(st, TFC_NOT_FOUND, "no op %s device '%s'",
				       db ? "of the trace ran on" : "of the graph asks for", o->partition);
			goto fail;
		}
	}
	if (o->focus) {
		int c = vz_graph_find(g, o->focus);
		if (c < 0) {
			tfc_status_set(st, TFC_NOT_FOUND, "--focus: no op named '%s' in the graph",
				       o->focus);
			goto fail;
		}
		if (g->ops[c].hidden) {
			tfc_status_set(st, TFC_INVALID_ARGUMENT, "--focus: op '%s' is hidden by "
				       "--hide-op or --partition", o->focus);
			goto fail;
		}
		if (!focus(g, c, o->radius)) {
			tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
			goto fail;
		}
	}
	int shown = 0;
	for (int i = 0; i < g->n_ops; i++)
		shown += !g->ops[i].hidden;
	if (!shown) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s: nothing left to draw (every op is hidden)",
			       o->graph_path);
		goto fail;
	}
	tfc_status_set(st, TFC_OK, " ");
	return g;
fail:
	vz_graph_free(g);
	return NULL;
}

static int count_drawn(const vz_node *n)
{
	int c = n->parent ? 1 : 0;
	if (n->kind != VZ_OP && n->expanded)
		for (int i = 0; i < n->n_kids; i++)
			c += count_drawn(n->kids[i]);
	return c;
}

void vz_run(const vz_options *o, vz_report *rep, tfc_status *st)
{
	vz_graph *g = NULL;
	vz_hier *h = NULL;
	vz_style *style = NULL;
	vz_scene *sc = NULL;
	char *caption = NULL;
	vz_buf b;
	int n_stats = 0;
	vz_buf_init(&b);
	vz_format fmt = vz_format_from_path(o->out_path);
	if (fmt == VZ_FORMAT_UNKNOWN) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT,
			       "%s: unknown output format (the name must end in .svg, .png, .pdf or .dot)",
			       o->out_path);
		return;
	}
	g = vz_prepare_graph(o, &n_stats, st);
	if (!g)
		goto cleanup;
	h = vz_hier_new(g, &o->params, st);
	if (!h)
		goto cleanup;
	if (o->expand_all || o->focus)
		vz_hier_expand_all(h);
	else
		vz_hier_expand_depth(h, o->depth);
	for (int i = 0; i < o->n_expand; i++) {
		vz_hier_expand(h, o->expand[i], st);
		if (tfc_status_code(st) != TFC_OK) {
			tfc__status_prefix(st, "--expand: ");
			goto cleanup;
		}
	}
	vz_hier_aggregate(h);
	vz_layout_tree(h, o->rankdir, st);
	if (tfc_status_code(st) != TFC_OK)
		goto cleanup;
	style = vz_style_new(h, o->color, st);
	if (!style)
		goto cleanup;
	caption = vz_asprintf("%s: %s, %d ops%s", o->graph_path, g->source ? g->source : "graph",
			      g->n_ops, n_stats > 0 ? " (traced)" : "");
	if (fmt == VZ_FORMAT_DOT) {
		vz_render_dot(h, style, o->rankdir, &b);
		vz_write_buf(&b, o->out_path, st);
	} else {
		sc = vz_scene_build(h, style, caption, st);
		if (!sc)
			goto cleanup;
		if (fmt == VZ_FORMAT_SVG) {
			vz_render_svg(sc, &b);
			vz_write_buf(&b, o->out_path, st);
		} else {
			vz_render_cairo(sc, fmt, o->out_path, o->scale, st);
		}
	}
	if (tfc_status_code(st) == TFC_OK && rep) {
		rep->n_ops = g->n_ops;
		rep->n_drawn = count_drawn(h->root);
		rep->n_stats = n_stats;
		rep->width = sc ? sc->width : h->root->w;
		rep->height = sc ? sc->height : h->root->h;
	}
cleanup:
	vz_buf_release(&b);
	free(caption);
	vz_scene_free(sc);
	vz_style_free(style);
	vz_hier_free(h);
	vz_graph_free(g);
}
