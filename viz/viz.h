/*
 * viz.h: tfc-viz as one call: read a graph, leave out what the options hide, group
 * it, open the groups asked for, lay it out, colour it (from a trace database when
 * one is given) and write the picture (SVG, PNG, PDF or DOT by the output's
 * extension). tools/tfc_viz.c only turns command-line options into a vz_options.
 *
 *     vz_options o;
 *     vz_options_default(&o);
 *     o.graph_path = "model.pb"; o.out_path = "model.svg";
 *     vz_run(&o, NULL, st);
 */
#ifndef TFC_VIZ_VIZ_H
#define TFC_VIZ_VIZ_H

#include <stdint.h>

#include "hierarchy.h"
#include "layout.h"
#include "render.h"
#include "style.h"
#include "vgraph.h"

typedef struct vz_options {
	const char *graph_path;   /* borrowed, like every pointer here */
	const char *out_path;
	int depth;                /* open groups up to this level (0: top level closed) */
	const char *const *expand; /* groups to open (with the groups around them) */
	int n_expand;
	bool expand_all;
	vz_rankdir rankdir;       /* default BT, as TensorBoard */
	const char *const *hide_ops; /* op types left out */
	int n_hide;
	const char *focus;        /* only ops within `radius` edges of this op */
	int radius;
	vz_color_by color;
	const char *db;           /* trace database (NULL: GRAPH itself when it is one) */
	int64_t run_id, step;     /* -1: newest run, fullest step */
	const char *partition;    /* only ops that ran on (or ask for) this device */
	vz_params params;
	double scale;             /* PNG/PDF scale (1: 1 px per layout unit) */
} vz_options;

void vz_options_default(vz_options *o);

/* What a run drew, for tests and benchmarks. */
typedef struct vz_report {
	int n_ops;          /* ops in the graph */
	int n_drawn;        /* ops, series and scopes drawn */
	int n_stats;        /* ops matched in the trace */
	double width, height;
} vz_report;

/* Does it all; on failure nothing is left at out_path and st says why (NotFound
 * for a missing graph, op, device or scope; InvalidArgument for bad input). */
void vz_run(const vz_options *o, vz_report *rep, tfc_status *st);

/* The steps of vz_run, for callers that want the tree: read and filter the graph
 * (hide ops, partition, focus; stats when a database is given). Caller frees. */
vz_graph *vz_prepare_graph(const vz_options *o, int *n_stats, tfc_status *st);

#endif /* TFC_VIZ_VIZ_H */
