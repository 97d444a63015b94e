/*
 * layout.c: the bottom-up, one-group-at-a-time Graphviz layout of layout.h. Each
 * open group becomes one small cgraph of fixed-size boxes and its bundles, laid out
 * by `dot`; node centres and edge splines are read back and the graph is thrown away.
 */
#include "layout.h"

#include <gvc.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vz_layout_free(vz_layout *l)
{
	if (!l)
		return;
	vz_bundles_free(l->b, l->n_b);
	free(l->bridges);
	free(l);
}

double vz_text_width(const char *s, double px)
{
	double w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p & 0xc0) == 0x80)
			continue; /* UTF-8 continuation byte */
		w += (*p >= 'A' && *p <= 'Z') || *p == 'm' || *p == 'w' ? 0.72 : *p == 'i' ||
		     *p == 'l' || *p == '.' || *p == '/' || *p == '_' ? 0.38 : 0.56;
	}
	return w * px;
}

static void leaf_size(vz_node *n)
{
	double tw = vz_text_width(n->label, VZ_FONT_PX);
	if (n->kind == VZ_OP) {
		n->h = 20;
		n->w = fmax(36, tw + 16);
	} else if (n->kind == VZ_SERIES) {
		n->h = 32;
		n->w = fmax(60, tw + 28);
	} else {
		double f = n->n_ops > 200 ? 1.0 : (n->n_ops - 1) / 199.0;
		n->h = 26 + 16 * f;
		n->w = fmax(60, tw + 20);
	}
}

/* Graphviz prints warnings on stderr; tfc-viz keeps its stderr for its own errors. */
static int quiet(char *msg)
{
	(void)msg;
	return 0;
}

struct ctx {
	GVC_t *gvc;
	const char *rankdir;
	vz_rankdir dir;
	tfc_status *st;
	int failed;
};

/* Reads the spline of edge e into b, in coordinates relative to the core's corner. */
static void read_spline(Agedge_t *e, const boxf *bb, vz_bundle *b)
{
	splines *spl = ED_spl(e);
	if (!spl || spl->size < 1)
		return;
	bezier *bz = &spl->list[0];
	int n = bz->size + (bz->sflag ? 1 : 0) + (bz->eflag ? 1 : 0);
	b->pts = malloc((size_t)n * 2 * sizeof(double));
	if (!b->pts)
		return;
	int k = 0;
#define PUT(P) do { b->pts[2 * k] = (P).x - bb->LL.x; b->pts[2 * k + 1] = bb->UR.y - (P).y; k++; } while (0)
	if (bz->sflag)
		PUT(bz->sp);
	for (int i = 0; i < bz->size; i++)
		PUT(bz->list[i]);
	if (bz->eflag)
		PUT(bz->ep);
#undef PUT
	b->n_pts = k;
}

static void layout_group(struct ctx *c, vz_hier *h, vz_node *g)
{
	vz_layout *l = calloc(1, sizeof(*l));
	vz_layout_free(g->lay);
	g->lay = l;
	if (!l) {
		c->failed = 1;
		return;
	}
	for (int i = 0; i < g->n_kids; i++) {
		vz_node *k = g->kids[i];
		if (k->kind != VZ_OP && k->expanded)
			layout_group(c, h, k);
		else
			leaf_size(k);
		if (c->failed)
			return;
	}
	l->n_b = vz_bundles(h, g, &l->b, c->st);
	if (l->n_b < 0) {
		l->n_b = 0;
		c->failed = 1;
		return;
	}
	vz_extract(h, g, l->b, l->n_b);
	l->dir = c->dir;
	if (g->parent && vz_bridges(h, g, &l->bridges, c->st) < 0) {
		c->failed = 1;
		return;
	}
	int n_core = 0, n_linked = 0;
	char *linked = calloc((size_t)g->n_kids + 1, 1);
	if (!linked) {
		c->failed = 1;
		return;
	}
	for (int i = 0; i < l->n_b; i++)
		if (!l->b[i].stub)
			linked[l->b[i].a] = linked[l->b[i].b] = 1;
	for (int i = 0; i < g->n_kids; i++) {
		n_core += !g->kids[i]->aux;
		n_linked += !g->kids[i]->aux && linked[i];
	}
	l->n_aux = g->n_kids - n_core;
	if (n_core == 1) {
		for (int i = 0; i < g->n_kids; i++)
			if (!g->kids[i]->aux) {
				l->core_w = g->kids[i]->w;
				l->core_h = g->kids[i]->h;
				g->kids[i]->x = l->core_w / 2;
				g->kids[i]->y = l->core_h / 2;
			}
	} else if (n_linked > 1) {
		Agraph_t *ag = agopen("g", Agdirected, NULL);
		Agnode_t **an = calloc((size_t)g->n_kids, sizeof(*an));
		Agedge_t **ae = calloc((size_t)l->n_b + 1, sizeof(*ae));
		if (!ag || !an || !ae) {
			free(an);
			free(ae);
			if (ag)
				agclose(ag);
			c->failed = 1;
			return;
		}
		agattr(ag, AGRAPH, "rankdir", (char *)c->rankdir);
		agattr(ag, AGRAPH, "pad", "0");
		Agsym_t *sw = agattr(ag, AGNODE, "width", "0.5");
		Agsym_t *sh = agattr(ag, AGNODE, "height", "0.5");
		agattr(ag, AGNODE, "shape", "box");
		agattr(ag, AGNODE, "fixedsize", "true");
		agattr(ag, AGNODE, "label", "");
		agattr(ag, AGEDGE, "arrowhead", "none");
		Agsym_t *sweight = agattr(ag, AGEDGE, "weight", "1");
		char name[32], val[32];
		/* dot keeps lengths under 65,535 pt: very wide groups are laid out smaller
		 * and scaled back. */
		double sum = 0, k_scale = 1;
		for (int i = 0; i < g->n_kids; i++)
			if (!g->kids[i]->aux && linked[i])
				sum += g->kids[i]->w + g->kids[i]->h + 30;
		if (sum > 40000)
			k_scale = ceil(sum / 40000);
		snprintf(val, sizeof(val), "%.4f", 0.21 / k_scale);
		agattr(ag, AGRAPH, "nodesep", val);
		snprintf(val, sizeof(val), "%.4f", 0.35 / k_scale);
		agattr(ag, AGRAPH, "ranksep", val);
		for (int i = 0; i < g->n_kids; i++) {
			vz_node *k = g->kids[i];
			if (k->aux || !linked[i])
				continue;
			snprintf(name, sizeof(name), "n%d", i);
			an[i] = agnode(ag, name, 1);
			snprintf(val, sizeof(val), "%.4f", k->w / 72.0 / k_scale);
			agxset(an[i], sw, val);
			snprintf(val, sizeof(val), "%.4f", k->h / 72.0 / k_scale);
			agxset(an[i], sh, val);
		}
		for (int i = 0; i < l->n_b; i++) {
			vz_bundle *b = &l->b[i];
			if (b->stub || !an[b->a] || !an[b->b])
				continue;
			ae[i] = agedge(ag, an[b->a], an[b->b], NULL, 1);
			if (ae[i] && b->n_data + b->n_ref == 0)
				agxset(ae[i], sweight, "0");
		}
		if (gvLayout(c->gvc, ag, "dot") != 0) {
			tfc_status_set(c->st, TFC_INTERNAL, "Graphviz could not lay out '%s'",
				       g->name[0] ? g->name : "(top level)");
			c->failed = 1;
		} else {
			boxf bb = GD_bb(ag);
			l->core_w = (bb.UR.x - bb.LL.x) * k_scale;
			l->core_h = (bb.UR.y - bb.LL.y) * k_scale;
			for (int i = 0; i < g->n_kids; i++) {
				if (!an[i])
					continue;
				g->kids[i]->x = (ND_coord(an[i]).x - bb.LL.x) * k_scale;
				g->kids[i]->y = (bb.UR.y - ND_coord(an[i]).y) * k_scale;
			}
			for (int i = 0; i < l->n_b; i++)
				if (ae[i]) {
					read_spline(ae[i], &bb, &l->b[i]);
					for (int k = 0; k < 2 * l->b[i].n_pts; k++)
						l->b[i].pts[k] *= k_scale;
				}
			gvFreeLayout(c->gvc, ag);
		}
		agclose(ag);
		free(an);
		free(ae);
		if (c->failed) {
			free(linked);
			return;
		}
	}
	/* Unlinked core items (no drawn edge) go in rows under the core graph, so that
	 * hundreds of them do not make one endless rank. */
	if (n_core > 1 && n_core > n_linked) {
		if (n_linked <= 1) {
			for (int i = 0; i < g->n_kids; i++)
				linked[i] = 0; /* one linked item alone: lay it out in the rows too */
			l->core_w = l->core_h = 0;
		}
		double area = 0;
		for (int i = 0; i < g->n_kids; i++)
			if (!g->kids[i]->aux && !linked[i])
				area += (g->kids[i]->w + 15) * (g->kids[i]->h + 15);
		double row_w = fmax(l->core_w, sqrt(area) * 1.6);
		double x = 0, y = l->core_h > 0 ? l->core_h + 25 : 0, row_h = 0, max_w = l->core_w;
		for (int i = 0; i < g->n_kids; i++) {
			vz_node *k = g->kids[i];
			if (k->aux || linked[i])
				continue;
			if (x > 0 && x + k->w > row_w) {
				x = 0;
				y += row_h + 15;
				row_h = 0;
			}
			k->x = x + k->w / 2;
			k->y = y + k->h / 2;
			x += k->w + 15;
			row_h = fmax(row_h, k->h);
			max_w = fmax(max_w, x - 15);
		}
		l->core_w = max_w;
		l->core_h = y + row_h;
	}
	free(linked);
	/* The auxiliary column. */
	double ax = n_core ? l->core_w + VZ_AUX_GAP : 0, ay = 0, aw = 0;
	for (int i = 0; i < g->n_kids; i++) {
		vz_node *k = g->kids[i];
		if (!k->aux)
			continue;
		k->x = ax + k->w / 2;
		k->y = ay + k->h / 2;
		ay += k->h + 8;
		aw = fmax(aw, k->w);
	}
	for (int i = 0; i < g->n_kids; i++) /* centre the column's items */
		if (g->kids[i]->aux)
			g->kids[i]->x = ax + aw / 2;
	l->aux_x = ax;
	double cw = l->n_aux ? ax + aw : l->core_w;
	double ch = fmax(l->core_h, ay > 0 ? ay - 8 : 0);
	bool root = g->parent == NULL;
	double band = root ? 0 : VZ_LABEL_BAND, pad = root ? 0 : VZ_PAD;
	g->w = fmax(cw + 2 * pad, vz_text_width(g->label, VZ_FONT_PX) + 2 * VZ_PAD);
	g->h = ch + 2 * pad + band;
	for (int i = 0; i < g->n_kids; i++) {
		g->kids[i]->x += pad;
		g->kids[i]->y += pad + band;
	}
	for (int i = 0; i < l->n_b; i++)
		for (int k = 0; k < l->b[i].n_pts; k++) {
			l->b[i].pts[2 * k] += pad;
			l->b[i].pts[2 * k + 1] += pad + band;
		}
	l->aux_x += pad;
}

/* One Graphviz context for the process, made on first use and kept: Graphviz 2.43
 * loses the text of its plugin configuration at every gvContext/gvFreeContext pair;
 * kept alive, that memory stays reachable. */
static GVC_t *the_gvc;
static pthread_once_t gvc_once = PTHREAD_ONCE_INIT;

static void make_gvc(void)
{
	the_gvc = gvContext();
}

void vz_layout_tree(vz_hier *h, vz_rankdir dir, tfc_status *st)
{
	struct ctx c = {0};
	pthread_once(&gvc_once, make_gvc);
	c.gvc = the_gvc;
	c.rankdir = dir == VZ_RANK_TB ? "TB" : dir == VZ_RANK_LR ? "LR" : "BT";
	c.dir = dir;
	c.st = st;
	agusererrf old = agseterrf(quiet);
	if (!c.gvc) {
		agseterrf(old);
		tfc_status_set(st, TFC_INTERNAL, "Graphviz could not start (gvContext)");
		return;
	}
	tfc_status_set(st, TFC_OK, " ");
	layout_group(&c, h, h->root);
	if (c.failed && tfc_status_code(st) == TFC_OK)
		tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory laying out the graph");
	agseterrf(old);
}
