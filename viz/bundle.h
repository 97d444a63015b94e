/*
 * bundle.h: the edges drawn inside one open group. Every op-level edge whose two ends
 * lie in different items of the group becomes part of one bundle per (from, to)
 * pair of items: data, control and reference edges counted apart, tensor sizes
 * summed when shapes are known. Then TensorBoard's auxiliary-node rule picks the
 * items that go to the side column (vz_extract).
 */
#ifndef TFC_VIZ_BUNDLE_H
#define TFC_VIZ_BUNDLE_H

#include "hierarchy.h"

typedef struct vz_bundle {
	int a, b;              /* kid indexes in the group: edges go a -> b */
	int n_data, n_control, n_ref;
	int64_t elems;         /* summed elements of the data tensors whose size is known */
	int n_sized;           /* data/ref edges with a known size */
	const char *shape;     /* the shape when there is one tensor (borrowed), else NULL */
	double width;          /* stroke width in px */
	bool stub;             /* drawn as short stubs, not as a long edge */
	/* Layout: cubic bezier points (x,y pairs) relative to the group's corner. */
	int n_pts;
	double *pts;
} vz_bundle;

/* Fills *out (caller frees with vz_bundles_free) with the bundles of open group g;
 * returns their number, -1 with st set when memory runs out. */
int vz_bundles(const vz_hier *h, const vz_node *g, vz_bundle **out, tfc_status *st);
void vz_bundles_free(vz_bundle *b, int n);

/* What crosses the border of an open group at one of its items: edges from outside
 * into it (in) and from it to outside (out), and the outside item at the nearest
 * level where it is drawn (TensorBoard's bridge paths, drawn as short stubs). */
typedef struct vz_bridge {
	int n_in, n_out;             /* edges */
	const vz_node *in_from, *out_to; /* the first outside item each way */
	int n_in_items, n_out_items; /* distinct outside items (at most 9 counted apart) */
	bool in_data, out_data;      /* some of them carry data (else control only) */
} vz_bridge;

/* Fills *out (caller frees) with one vz_bridge per kid of open group g (g not the
 * root); returns 0, -1 with st set when memory runs out. */
int vz_bridges(const vz_hier *h, const vz_node *g, vz_bridge **out, tfc_status *st);

/* The label of a bundle: its shape, "N tensors", or "" (buf of n bytes). */
const char *vz_bundle_label(const vz_bundle *b, char *buf, size_t n);

/*
 * Marks the kids of g that go to the auxiliary column: NoOps always; with
 * params.extract, when g has at least extract_min_nodes items, those whose data
 * in-degree exceeds Q3 + in_iqr*IQR or out-degree exceeds Q3 + out_iqr*IQR (and
 * reaches extract_min_degree). Bundles touching an extracted item, and control
 * bundles of items with more than max_control_degree of them, become stubs. Widths
 * are set here too (TensorBoard's scale: 0.75 to 12 px).
 */
void vz_extract(const vz_hier *h, vz_node *g, vz_bundle *b, int n);

#endif /* TFC_VIZ_BUNDLE_H */
