/*
 * vgraph.h: the flat graph tfc-viz draws: one record per op (name, type, device,
 * output shapes) and one per edge (data, control or reference), read from any file
 * tfc can hold a graph in: GraphDef (.pb/.pbtxt), MetaGraphDef, SavedModel,
 * TensorBoard events file, or the graph of a run in a trace database.
 *
 * The graph owns every string and array in it; vz_graph_free releases all.
 */
#ifndef TFC_VIZ_VGRAPH_H
#define TFC_VIZ_VGRAPH_H

#include <stdbool.h>
#include <stdint.h>

#include "tfc.h"

typedef enum vz_edge_kind {
	VZ_EDGE_DATA = 0,
	VZ_EDGE_CONTROL = 1,
	VZ_EDGE_REF = 2 /* the consumer writes into its input (Assign and friends) */
} vz_edge_kind;

typedef struct vz_output {
	int64_t elems; /* number of elements, -1 when the shape is not fully known */
	char *shape;   /* "64×3×3", "?×10", "scalar"; NULL when unknown */
} vz_output;

typedef struct vz_op {
	char *name, *type, *device; /* device: requested ("" if none) */
	int n_out;
	vz_output *out;
	int first_in, n_in; /* this op's input edges: edges[first_in .. first_in+n_in) */
	bool hidden;        /* left out of the picture (--hide-op, --focus, --partition) */
	/* From a trace (vz_stats_load); has_stats false when the op was not traced. */
	bool has_stats;
	double time_us;                  /* all_end_rel_micros, summed over its records */
	int64_t start_us, end_us;        /* wall span */
	int64_t bytes;                   /* memory total_bytes */
	char *placed;                    /* device it ran on (NULL if not traced) */
} vz_op;

typedef struct vz_edge {
	int src, dst; /* op indexes */
	int slot;     /* output of src; -1 for control edges */
	vz_edge_kind kind;
} vz_edge;

typedef struct vz_graph {
	int n_ops;
	vz_op *ops;
	int n_edges;
	vz_edge *edges; /* grouped by dst: op i's inputs are contiguous */
	char *source;   /* what the graph came from, e.g. "GraphDef", "events file" */
	void *by_name;  /* name -> op index + 1 (internal) */
} vz_graph;

/* Builds the flat graph of a tfc graph (borrowed). Caller frees. */
vz_graph *vz_graph_from_tfc(const tfc_graph *g, tfc_status *st);

/*
 * Reads a graph from `path` ("-": a GraphDef on standard input): a GraphDef, MetaGraphDef, SavedModel (file or folder),
 * a TensorBoard events file (its first graph_def, else its first meta_graph_def) or
 * a trace database (the graph of run `run_id`, or of the newest run when run_id < 0).
 * Returns NULL with st set (NotFound, InvalidArgument, DataLoss...) on failure; an
 * empty graph is an InvalidArgument error. Caller frees.
 */
vz_graph *vz_graph_load(const char *path, int64_t run_id, tfc_status *st);

/* The graph of a serialized GraphDef (binary or text, detected), through tfc's
 * importer or, when that refuses it, from its NodeDefs as they are. Caller frees. */
vz_graph *vz_graph_from_bytes(const void *data, size_t len, tfc_status *st);

/* True when the file starts like an SQLite database. */
bool vz_is_sqlite_file(const char *path);

/* The op index of `name`, -1 when there is none. */
int vz_graph_find(const vz_graph *g, const char *name);

void vz_graph_free(vz_graph *g);

#endif /* TFC_VIZ_VGRAPH_H */
