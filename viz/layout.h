/*
 * layout.h: placing the open groups of a hierarchy with Graphviz (libgvc, `dot`).
 * One open group at a time, bottom-up: its open children are laid out first and
 * then stand in their parent's graph as one fixed-size box, so no `dot` run ever sees
 * more than one group's items (the flat graph is never laid out whole). Closed
 * groups and ops get sizes from their labels. The auxiliary items of a group are
 * stacked in a column right of its core graph.
 *
 * Results are written into the tree: every visible node's w, h and centre (x, y,
 * relative to its parent's box corner), and for open groups a vz_layout holding the
 * drawn bundles (owned by the node, freed with the hierarchy).
 */
#ifndef TFC_VIZ_LAYOUT_H
#define TFC_VIZ_LAYOUT_H

#include "bundle.h"
#include "hierarchy.h"

/* Sizes in px (1 px = 1 pt for PDF). */
#define VZ_FONT_PX 11.0
#define VZ_PAD 10.0         /* inside an open group's border */
#define VZ_LABEL_BAND 20.0  /* band on top of an open group for its label */
#define VZ_AUX_GAP 30.0     /* core graph to the auxiliary column */

typedef enum vz_rankdir { VZ_RANK_BT = 0, VZ_RANK_TB = 1, VZ_RANK_LR = 2 } vz_rankdir;

struct vz_layout {
	vz_bundle *b; /* drawn bundles of this group (from vz_bundles) */
	int n_b;
	double core_w, core_h; /* size of the core graph */
	int n_aux;
	double aux_x;          /* left of the auxiliary column, relative to the corner */
	vz_bridge *bridges;    /* per kid: what crosses the group's border (NULL at the root) */
	vz_rankdir dir;        /* the layout's direction */
};

/* Estimated width in px of text at size px (sans-serif). */
double vz_text_width(const char *s, double px);

/* Lays out every open group of h (throwing away an earlier layout). */
void vz_layout_tree(vz_hier *h, vz_rankdir dir, tfc_status *st);

#endif /* TFC_VIZ_LAYOUT_H */
