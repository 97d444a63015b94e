/*
 * hierarchy.h: the tree tfc-viz draws, built from a flat graph (vgraph.h) the way
 * TensorBoard's Graph dashboard groups it:
 *  - name scopes become groups ("a/b/c" makes groups a and a/b); a name that is both
 *    an op and a scope keeps both: the op goes inside the group, labelled "(a)";
 *  - series: inside one group, ops of one type whose names differ only by a trailing
 *    number (Relu, Relu_1 ... Relu_6; the bare name counts as 0) fold into one series
 *    node, named "Relu_[0-6]", from series_min consecutive members on;
 *  - templates: groups with the same structure (op types and inner edges, nested)
 *    share a template id, which "colour by structure" uses; beyond TensorBoard,
 *    numbered same-structure groups (conv_1 ... conv_5) fold into a series too.
 * Which groups are open is a flag per node (vz_hier_expand...). The hierarchy
 * borrows the graph, which must outlive it.
 */
#ifndef TFC_VIZ_HIERARCHY_H
#define TFC_VIZ_HIERARCHY_H

#include <stdbool.h>
#include <stdint.h>

#include "tfc.h"
#include "vgraph.h"

/* Grouping and extraction thresholds; vz_params_default gives TensorBoard's. */
typedef struct vz_params {
	int series_min;         /* smallest series kept folded (5) */
	bool series_scopes;     /* fold numbered same-structure scopes too (true) */
	bool extract;           /* auto-extract high-degree nodes (true) */
	int extract_min_nodes;  /* only in groups of at least this many items (15) */
	int extract_min_degree; /* a degree must reach this too (5) */
	double in_iqr;          /* in-degree > Q3 + in_iqr * (Q3 - Q1) (1) */
	double out_iqr;         /* out-degree > Q3 + out_iqr * (Q3 - Q1) (4) */
	int max_control_degree; /* more control edges than this become stubs (4) */
} vz_params;

void vz_params_default(vz_params *p);

typedef enum vz_kind { VZ_OP = 0, VZ_SCOPE = 1, VZ_SERIES = 2 } vz_kind;

typedef struct vz_layout vz_layout; /* layout.h */
void vz_layout_free(vz_layout *l);    /* layout.c; NULL: nothing */

typedef struct vz_node vz_node;
struct vz_node {
	vz_kind kind;
	char *name;        /* full name: op name, scope path, or "outer/Relu_[1-6]" */
	char *label;       /* what is written on it */
	vz_node *parent;   /* NULL for the root */
	vz_node **kids;    /* scope: its items; series: its members */
	int n_kids, cap_kids;
	int op;            /* VZ_OP: op index in the graph; else -1 */
	int n_ops;         /* ops below (1 for an op) */
	int level;         /* root 0, top-level items 1, ... (a series' members sit one
			    * level below it) */
	int tmpl;          /* same-structure template id, -1 when unique */
	uint64_t sig;      /* structure signature */
	bool expanded;     /* groups only; the root is always expanded */
	bool aux;          /* drawn in its parent's auxiliary column */
	int index;         /* position in parent->kids */
	/* Set by the layout: size, and centre relative to the parent's box corner. */
	double w, h, x, y;
	vz_layout *lay;    /* expanded groups: their inner layout (owned) */
	/* Aggregated trace figures (vz_hier_aggregate). */
	bool has_stats;
	double time_us;           /* sum over the ops below */
	int64_t start_us, end_us; /* wall span of the ops below */
	int64_t bytes;
};

typedef struct vz_hier {
	vz_graph *graph;   /* borrowed */
	vz_params params;
	vz_node *root;
	vz_node **leaf;    /* op index -> its node (NULL for hidden ops) */
	int n_templates;
	int n_groups;      /* scopes and series */
	void *by_name;     /* group name -> node (internal) */
	int *out_start;    /* op i's out edges: out_edge[out_start[i] .. out_start[i+1]) */
	int *out_edge;     /* edge indexes */
} vz_hier;

/* Builds the tree over the graph's ops that are not hidden. Caller frees. */
vz_hier *vz_hier_new(vz_graph *g, const vz_params *p, tfc_status *st);
void vz_hier_free(vz_hier *h);

/* The group (scope or series) called name, NULL if none. */
vz_node *vz_hier_group(const vz_hier *h, const char *name);

/* Opens every group whose level is at most depth (0: only the root). Series are
 * opened only by vz_hier_expand_all and vz_hier_expand. */
void vz_hier_expand_depth(vz_hier *h, int depth);
void vz_hier_expand_all(vz_hier *h);
/* Opens the group `name` and all groups around it; NotFound when there is no such
 * group (InvalidArgument when name is an op, not a group). */
void vz_hier_expand(vz_hier *h, const char *name, tfc_status *st);
/* Closes the group `name` (NotFound when missing). */
void vz_hier_collapse(vz_hier *h, const char *name, tfc_status *st);
/* Opens the groups holding op `op` (its ancestors). */
void vz_hier_reveal_op(vz_hier *h, int op);

/* Sums each op's trace figures into the groups above it. */
void vz_hier_aggregate(vz_hier *h);

/* The child of group g that holds node n (n itself when it is a child), NULL if n
 * is not below g. */
vz_node *vz_child_holding(const vz_node *g, vz_node *n);

/* Is n visible: every group above it expanded? */
bool vz_node_visible(const vz_node *n);

#endif /* TFC_VIZ_HIERARCHY_H */
