/*
 * scene.c: from a laid-out hierarchy to the primitives of scene.h: items and their
 * tooltips, bundled edges with their labels, auxiliary stubs, and the legend.
 */
#include "scene.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "layout.h"
#include "strbuf.h"

#define MARGIN 12.0
static const vz_rgb black = {0x33, 0x33, 0x33}, edge_gray = {0x88, 0x88, 0x88},
		    ref_orange = {0xff, 0xb7, 0x4d}, stub_gray = {0xaa, 0xaa, 0xaa},
		    white = {0xff, 0xff, 0xff};

static vz_prim *add(vz_scene *s, vz_prim_kind kind)
{
	if (s->oom)
		return NULL;
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 256;
		vz_prim *p = realloc(s->p, (size_t)cap * sizeof(*p));
		if (!p) {
			s->oom = true;
			return NULL;
		}
		s->p = p;
		s->cap = cap;
	}
	vz_prim *p = &s->p[s->n++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->line_w = 1;
	return p;
}

static void begin(vz_scene *s, const char *cls, const char *title, bool expanded)
{
	vz_prim *p = add(s, VZ_BEGIN);
	if (!p)
		return;
	p->cls = cls;
	p->title = vz_strdup(title);
	p->expanded = expanded;
	if (!p->title)
		s->oom = true;
}

static void end(vz_scene *s)
{
	add(s, VZ_END);
}

static vz_prim *shape(vz_scene *s, vz_prim_kind k, double x, double y, double w, double h,
		      vz_rgb fill, vz_rgb stroke, char *tip)
{
	vz_prim *p = add(s, k);
	if (!p) {
		free(tip);
		return NULL;
	}
	p->x = x;
	p->y = y;
	p->w = w;
	p->h = h;
	p->fill = fill;
	p->stroke = stroke;
	p->text = tip;
	return p;
}

static vz_prim *text(vz_scene *s, double x, double y, const char *t, double size, int anchor,
		     vz_rgb color)
{
	vz_prim *p = add(s, VZ_TEXT);
	if (!p)
		return NULL;
	p->x = x;
	p->y = y;
	p->text = vz_strdup(t);
	p->size = size;
	p->anchor = anchor;
	p->fill = color;
	if (!p->text)
		s->oom = true;
	return p;
}

static void line(vz_scene *s, double x1, double y1, double x2, double y2, vz_rgb c, double w,
		 bool dashed, int arrow)
{
	vz_prim *p = add(s, VZ_PATH);
	if (!p)
		return;
	p->pts = malloc(4 * sizeof(double));
	if (!p->pts) {
		s->oom = true;
		return;
	}
	p->pts[0] = x1;
	p->pts[1] = y1;
	p->pts[2] = x2;
	p->pts[3] = y2;
	p->n_pts = 2;
	p->stroke = c;
	p->line_w = w;
	p->dashed = dashed;
	p->arrow = arrow;
	p->no_fill = true;
}

static void fmt_time(vz_buf *b, double us)
{
	if (us >= 1e6)
		vz_buf_printf(b, "%.3g s", us / 1e6);
	else if (us >= 1e3)
		vz_buf_printf(b, "%.3g ms", us / 1e3);
	else
		vz_buf_printf(b, "%.0f \xc2\xb5s", us);
}

static void fmt_bytes(vz_buf *b, double v)
{
	if (v >= 1 << 20)
		vz_buf_printf(b, "%.3g MiB", v / (1 << 20));
	else if (v >= 1 << 10)
		vz_buf_printf(b, "%.3g KiB", v / (1 << 10));
	else
		vz_buf_printf(b, "%.0f B", v);
}

static char *tooltip(const vz_hier *h, const vz_node *n)
{
	vz_buf b;
	vz_buf_init(&b);
	vz_buf_puts(&b, n->name);
	if (n->kind == VZ_OP) {
		const vz_op *op = &h->graph->ops[n->op];
		vz_buf_printf(&b, "\nop: %s", op->type);
		if (op->device && *op->device)
			vz_buf_printf(&b, "\ndevice: %s", op->device);
		if (op->placed && *op->placed && (!op->device || strcmp(op->placed, op->device)))
			vz_buf_printf(&b, "\nran on: %s", op->placed);
		for (int i = 0; i < op->n_out; i++)
			vz_buf_printf(&b, "\noutput %d: %s", i, op->out[i].shape ? op->out[i].shape : "?");
		int nd = 0, nc = 0;
		for (int i = 0; i < op->n_in; i++)
			h->graph->edges[op->first_in + i].kind == VZ_EDGE_CONTROL ? nc++ : nd++;
		vz_buf_printf(&b, "\ninputs: %d", nd);
		if (nc)
			vz_buf_printf(&b, " (+%d control)", nc);
		if (n->has_stats) {
			vz_buf_puts(&b, "\ntime: ");
			fmt_time(&b, n->time_us);
		}
	} else {
		vz_buf_printf(&b, "\n%s of %d item%s, %d op%s", n->kind == VZ_SERIES ? "series" : "scope",
			      n->n_kids, n->n_kids == 1 ? "" : "s", n->n_ops, n->n_ops == 1 ? "" : "s");
		if (n->tmpl >= 0)
			vz_buf_printf(&b, "\nstructure: template %d", n->tmpl + 1);
		if (n->has_stats) {
			vz_buf_puts(&b, "\ntime: ");
			fmt_time(&b, n->time_us);
			vz_buf_puts(&b, " (sum of its ops), ");
			fmt_time(&b, (double)(n->end_us - n->start_us));
			vz_buf_puts(&b, " wall span");
		}
	}
	if (n->has_stats && n->bytes > 0) {
		vz_buf_puts(&b, "\nmemory: ");
		fmt_bytes(&b, (double)n->bytes);
	}
	if (n->aux)
		vz_buf_puts(&b, "\n(auxiliary: drawn apart, its edges as stubs)");
	if (b.oom) {
		vz_buf_release(&b);
		return NULL;
	}
	return b.data;
}

static vz_rgb lighter(vz_rgb c)
{
	vz_rgb o = {(unsigned char)(c.r + (255 - c.r) * 0.6), (unsigned char)(c.g + (255 - c.g) * 0.6),
		    (unsigned char)(c.b + (255 - c.b) * 0.6)};
	return o;
}

static void walk(vz_scene *s, const vz_hier *h, const vz_style *st, const vz_node *g,
		 double gx, double gy);

static void item(vz_scene *s, const vz_hier *h, const vz_style *st, const vz_node *k,
		 double gx, double gy)
{
	double cx = gx + k->x, cy = gy + k->y, x0 = cx - k->w / 2, y0 = cy - k->h / 2;
	vz_rgb fill = vz_style_fill(st, h, k), stroke = vz_darker(fill);
	if (k->kind == VZ_OP) {
		begin(s, "node", k->name, false);
		shape(s, VZ_ELLIPSE, x0, y0, k->w, k->h, fill, stroke, tooltip(h, k));
		text(s, cx, cy + 4, k->label, VZ_FONT_PX, 1, black);
		end(s);
		return;
	}
	const char *cls = k->kind == VZ_SERIES ? "series" : "scope";
	begin(s, cls, k->name, k->expanded);
	if (k->expanded) {
		vz_prim *r = shape(s, VZ_RECT, x0, y0, k->w, k->h, lighter(fill), stroke, tooltip(h, k));
		if (r) {
			r->rx = 6;
			r->dashed = k->kind == VZ_SERIES;
		}
		vz_prim *t = text(s, x0 + VZ_PAD, y0 + 14, k->label, VZ_FONT_PX, 0, black);
		if (t)
			t->bold = true;
		walk(s, h, st, k, x0, y0);
	} else {
		if (k->kind == VZ_SERIES)
			for (int i = 2; i >= 1; i--) {
				vz_prim *r = shape(s, VZ_RECT, x0 + 3 * i, y0 - 3 * i + 6, k->w - 6,
						   k->h - 6, fill, stroke, NULL);
				if (r)
					r->rx = 4;
			}
		double dy = k->kind == VZ_SERIES ? 6 : 0;
		vz_prim *r = shape(s, VZ_RECT, x0, y0 + dy, k->kind == VZ_SERIES ? k->w - 6 : k->w,
				   k->h - dy, fill, stroke, tooltip(h, k));
		if (r)
			r->rx = 4;
		text(s, x0 + (k->kind == VZ_SERIES ? k->w - 6 : k->w) / 2, y0 + dy + (k->h - dy) / 2 + 4,
		     k->label, VZ_FONT_PX, 1, black);
	}
	end(s);
}

/* Edges that cross an open group's border at item k: a short stub on the side the
 * data comes from (in) or goes to (out), named after the item at the other end. */
static void bridge_stubs(vz_scene *s, const vz_node *k, const vz_bridge *b, vz_rankdir dir,
			 double gx, double gy)
{
	double cx = gx + k->x, cy = gy + k->y;
	char lab[160], title[512];
	for (int way = 0; way < 2; way++) {
		int n = way ? b->n_out : b->n_in, items = way ? b->n_out_items : b->n_in_items;
		const vz_node *other = way ? b->out_to : b->in_from;
		if (!n || !other)
			continue;
		/* BT: inputs below, outputs above; TB the other way; LR: left, right. */
		double dx = 0, dy = 0;
		if (dir == VZ_RANK_LR)
			dx = way ? 1 : -1;
		else
			dy = (dir == VZ_RANK_BT) == (way == 0) ? 1 : -1;
		double x1 = cx + dx * k->w / 2, y1 = cy + dy * k->h / 2;
		double x2 = x1 + dx * 12, y2 = y1 + dy * 12;
		if (items > 1)
			snprintf(lab, sizeof(lab), "%s %s +%d", way ? "to" : "from", other->label, items - 1);
		else
			snprintf(lab, sizeof(lab), "%s %s", way ? "to" : "from", other->label);
		snprintf(title, sizeof(title), way ? "%s \xe2\x86\x92 %s" : "%2$s \xe2\x86\x92 %1$s",
			 k->name, other->name);
		begin(s, "edge bridge", title, false);
		bool control = !(way ? b->out_data : b->in_data);
		if (way)
			line(s, x1, y1, x2, y2, stub_gray, 0.75, control, 1);
		else
			line(s, x2, y2, x1, y1, stub_gray, 0.75, control, 1);
		text(s, x2 + (dx < 0 ? -2 : 2), y2 + (dy > 0 ? 8 : dy < 0 ? -2 : 3), lab, 7,
		     dx < 0 ? 2 : 0, stub_gray);
		end(s);
	}
}

static void walk(vz_scene *s, const vz_hier *h, const vz_style *st, const vz_node *g,
		 double gx, double gy)
{
	const vz_layout *l = g->lay;
	if (!l)
		return;
	char lab[96], title[512];
	int *n_stubs = calloc((size_t)g->n_kids + 1, sizeof(int));
	if (l->n_aux && l->n_aux < g->n_kids) {
		double x = gx + l->aux_x - VZ_AUX_GAP / 2;
		double top = gy + (g->parent ? VZ_LABEL_BAND : 0);
		line(s, x, top, x, gy + g->h - (g->parent ? VZ_PAD : 0), stub_gray, 0.75, true, 0);
	}
	for (int i = 0; i < l->n_b; i++) {
		const vz_bundle *b = &l->b[i];
		const vz_node *a = g->kids[b->a], *z = g->kids[b->b];
		bool control = b->n_data + b->n_ref == 0;
		const char *cls = b->n_ref ? "edge ref" : control ? "edge control" : "edge data";
		vz_rgb c = b->n_ref ? ref_orange : edge_gray;
		vz_bundle_label(b, lab, sizeof(lab));
		snprintf(title, sizeof(title), "%s \xe2\x86\x92 %s", a->name, z->name);
		if (b->stub) {
			/* Short stubs on both ends, named after the other end (at most 5 each). */
			const vz_node *ends[2] = {a, z};
			for (int e = 0; e < 2; e++) {
				const vz_node *me = ends[e], *other = ends[1 - e];
				int k = n_stubs ? n_stubs[me->index]++ : 0;
				if (k > 5)
					continue;
				double side = me->aux ? -1 : 1;
				double x1 = gx + me->x + side * me->w / 2, y1 = gy + me->y - 6 + 9 * k;
				begin(s, cls, title, false);
				if (k == 5) {
					text(s, x1 + side * 4, y1 + 3, "\xe2\x80\xa6", 8, side > 0 ? 0 : 2,
					     stub_gray);
				} else {
					line(s, x1 + side * 14, y1, x1, y1, control ? stub_gray : c,
					     0.75, control, e == 1 ? 1 : 0);
					text(s, x1 + side * 16, y1 + 3, other->label, 8,
					     side > 0 ? 0 : 2, stub_gray);
				}
				end(s);
			}
			continue;
		}
		if (b->n_pts < 2)
			continue;
		begin(s, cls, title, false);
		vz_prim *p = add(s, VZ_PATH);
		if (p) {
			p->pts = malloc((size_t)b->n_pts * 2 * sizeof(double));
			if (!p->pts) {
				s->oom = true;
			} else {
				for (int k = 0; k < b->n_pts; k++) {
					p->pts[2 * k] = gx + b->pts[2 * k];
					p->pts[2 * k + 1] = gy + b->pts[2 * k + 1];
				}
				p->n_pts = b->n_pts;
			}
			/* dot gives 3n+1 control points (plus the ends we added). */
			p->bezier = b->n_pts >= 4 && (b->n_pts - 1) % 3 == 0;
			p->stroke = c;
			p->no_fill = true;
			p->line_w = b->width;
			p->dashed = control;
			p->arrow = b->n_ref ? 2 : 1;
			p->text = vz_asprintf("%s\n%d data, %d control, %d reference edge%s%s%s", title,
					      b->n_data, b->n_control, b->n_ref,
					      b->n_data + b->n_control + b->n_ref == 1 ? "" : "s",
					      lab[0] ? "\n" : "", lab);
		}
		if (lab[0] && b->n_pts >= 2) {
			int m = b->n_pts / 2;
			text(s, gx + b->pts[2 * m] + 4, gy + b->pts[2 * m + 1], lab, 8, 0, edge_gray);
		}
		end(s);
	}
	free(n_stubs);
	for (int i = 0; l->bridges && i < g->n_kids; i++)
		bridge_stubs(s, g->kids[i], &l->bridges[i], l->dir, gx, gy);
	for (int i = 0; i < g->n_kids; i++)
		item(s, h, st, g->kids[i], gx, gy);
}

static void legend(vz_scene *s, const vz_style *st, double x, double y, const char *caption)
{
	double y0 = y;
	begin(s, "legend", "legend", false);
	vz_prim *t = text(s, x, y + 10, st->title ? st->title : "", 11, 0, black);
	if (t)
		t->bold = true;
	y += 20;
	if (st->by == VZ_COLOR_TIME || st->by == VZ_COLOR_MEMORY) {
		for (int i = 0; i < 20; i++)
			shape(s, VZ_RECT, x + i * 8, y, 8.5, 12, vz_ramp(i / 19.0), vz_ramp(i / 19.0), NULL);
		y += 24;
		vz_buf b;
		vz_buf_init(&b);
		if (st->by == VZ_COLOR_TIME)
			fmt_time(&b, st->max_value);
		else
			fmt_bytes(&b, st->max_value);
		text(s, x, y, "0", 9, 0, black);
		text(s, x + 160, y, b.data ? b.data : "", 9, 2, black);
		vz_buf_release(&b);
		y += 8;
		text(s, x, y + 10, "groups: sum of their ops", 9, 0, black);
		text(s, x, y + 22, "white: not traced", 9, 0, black);
		y += 30;
	}
	for (int i = 0; i < st->n_items; i++) {
		vz_prim *r = shape(s, VZ_RECT, x, y, 16, 11, st->items[i].fill,
				   vz_darker(st->items[i].fill), NULL);
		if (r)
			r->rx = 2;
		text(s, x + 22, y + 9.5, st->items[i].label, 10, 0, black);
		y += 16;
	}
	y += 10;
	line(s, x, y, x + 30, y, edge_gray, 1.5, false, 1);
	text(s, x + 38, y + 3, "data", 10, 0, black);
	line(s, x, y + 15, x + 30, y + 15, edge_gray, 1, true, 1);
	text(s, x + 38, y + 18, "control", 10, 0, black);
	line(s, x, y + 30, x + 30, y + 30, ref_orange, 1.5, false, 2);
	text(s, x + 38, y + 33, "reference (writes its input)", 10, 0, black);
	y += 45;
	if (caption) {
		text(s, x, y + 6, caption, 9, 0, edge_gray);
		y += 16;
	}
	end(s);
	(void)y0;
	if (y + MARGIN > s->height)
		s->height = y + MARGIN;
}

vz_scene *vz_scene_build(const vz_hier *h, const vz_style *style, const char *caption,
			 tfc_status *st)
{
	vz_scene *s = calloc(1, sizeof(*s));
	if (!s)
		goto oom;
	const vz_node *r = h->root;
	begin(s, "graph", "graph", true);
	shape(s, VZ_RECT, 0, 0, r->w + 2 * MARGIN, r->h + 2 * MARGIN, white, white, NULL);
	walk(s, h, style, r, MARGIN, MARGIN);
	end(s);
	double lw = 200;
	if (caption)
		lw = fmax(lw, vz_text_width(caption, 9) + 10);
	for (int i = 0; i < style->n_items; i++)
		lw = fmax(lw, vz_text_width(style->items[i].label, 10) + 32);
	s->width = r->w + 2 * MARGIN + 20 + lw + MARGIN;
	s->height = r->h + 2 * MARGIN;
	legend(s, style, r->w + 2 * MARGIN + 20, MARGIN, caption);
	if (s->oom)
		goto oom;
	return s;
oom:
	vz_scene_free(s);
	tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory drawing the graph");
	return NULL;
}

void vz_scene_free(vz_scene *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n; i++) {
		free(s->p[i].title);
		free(s->p[i].text);
		free(s->p[i].pts);
	}
	free(s->p);
	free(s);
}

int vz_scene_count(const vz_scene *s, const char *cls)
{
	int n = 0;
	for (int i = 0; i < s->n; i++)
		n += s->p[i].kind == VZ_BEGIN && strcmp(s->p[i].cls, cls) == 0;
	return n;
}
