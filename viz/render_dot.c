/*
 * render_dot.c: the visible hierarchy as a DOT digraph (render.h): open groups as
 * clusters, closed groups and ops as nodes, one edge per bundle (compound edges
 * clipped at cluster borders through ltail/lhead).
 */
#include "render.h"

#include <stdio.h>
#include <string.h>

static void id(vz_buf *o, const vz_node *n)
{
	vz_buf_puts(o, "\"");
	vz_buf_puts(o, n->kind == VZ_OP ? "op:" : n->expanded ? "cluster:" : "group:");
	vz_buf_dotq(o, n->name);
	vz_buf_puts(o, "\"");
}

static void fill(vz_buf *o, vz_rgb c)
{
	vz_buf_printf(o, "fillcolor=\"#%02x%02x%02x\"", c.r, c.g, c.b);
}

/* A drawn (closed) item inside n, to hang edges on. */
static const vz_node *anchor(const vz_node *n)
{
	while (n->kind != VZ_OP && n->expanded && n->n_kids > 0)
		n = n->kids[0];
	return n;
}

static void group(vz_buf *o, const vz_hier *h, const vz_style *st, const vz_node *g, int depth)
{
	for (int i = 0; i < g->n_kids; i++) {
		const vz_node *k = g->kids[i];
		vz_buf_printf(o, "%*s", 2 * depth, "");
		if (k->kind != VZ_OP && k->expanded) {
			vz_buf_puts(o, "subgraph ");
			id(o, k);
			vz_buf_puts(o, " {\n");
			vz_buf_printf(o, "%*slabel=\"", 2 * depth + 2, "");
			vz_buf_dotq(o, k->label);
			vz_buf_printf(o, "\"; tooltip=\"");
			vz_buf_dotq(o, k->name);
			vz_buf_printf(o, "\"; style=\"rounded,filled%s\"; ",
				      k->kind == VZ_SERIES ? ",dashed" : "");
			fill(o, vz_style_fill(st, h, k));
			vz_buf_puts(o, ";\n");
			group(o, h, st, k, depth + 1);
			vz_buf_printf(o, "%*s}\n", 2 * depth, "");
			continue;
		}
		id(o, k);
		vz_buf_puts(o, " [label=\"");
		vz_buf_dotq(o, k->label);
		vz_buf_puts(o, "\", tooltip=\"");
		vz_buf_dotq(o, k->name);
		if (k->kind == VZ_OP) {
			vz_buf_puts(o, "\\nop: ");
			vz_buf_dotq(o, h->graph->ops[k->op].type);
		}
		vz_buf_printf(o, "\", shape=%s, ", k->kind == VZ_OP ? "ellipse"
						    : k->kind == VZ_SERIES ? "box3d" : "box");
		fill(o, vz_style_fill(st, h, k));
		vz_buf_puts(o, "];\n");
	}
	const vz_layout *l = g->lay;
	for (int i = 0; l && i < l->n_b; i++) {
		const vz_bundle *b = &l->b[i];
		const vz_node *a = g->kids[b->a], *z = g->kids[b->b];
		char lab[96];
		vz_buf_printf(o, "%*s", 2 * depth, "");
		id(o, anchor(a));
		vz_buf_puts(o, " -> ");
		id(o, anchor(z));
		vz_buf_printf(o, " [penwidth=%.2f", b->width);
		if (a->kind != VZ_OP && a->expanded) {
			vz_buf_puts(o, ", ltail=");
			id(o, a);
		}
		if (z->kind != VZ_OP && z->expanded) {
			vz_buf_puts(o, ", lhead=");
			id(o, z);
		}
		if (b->n_ref)
			vz_buf_puts(o, ", color=\"#ffb74d\", dir=back");
		else if (b->n_data == 0)
			vz_buf_puts(o, ", style=dashed");
		if (*vz_bundle_label(b, lab, sizeof(lab))) {
			vz_buf_puts(o, ", label=\"");
			vz_buf_dotq(o, lab);
			vz_buf_puts(o, "\"");
		}
		vz_buf_puts(o, "];\n");
	}
}

void vz_render_dot(const vz_hier *h, const vz_style *st, vz_rankdir dir, vz_buf *o)
{
	vz_buf_printf(o,
		      "digraph tfc {\n  compound=true; rankdir=%s;\n"
		      "  node [style=\"filled\", fontname=\"sans-serif\", fontsize=11];\n"
		      "  edge [color=\"#888888\", fontsize=8];\n",
		      dir == VZ_RANK_TB ? "TB" : dir == VZ_RANK_LR ? "LR" : "BT");
	group(o, h, st, h->root, 1);
	vz_buf_puts(o, "}\n");
}
