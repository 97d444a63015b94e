/*
 * prof.h: the report library behind tfc-prof (issue 6): reading a run of the trace
 * database (trace/prof_query.c), aggregating it by op type, node, name scope, device
 * or step with times, FLOPs, bytes and parameters (trace/prof_report.c), printing
 * the result as a table, CSV or JSON and comparing two runs (trace/prof_report.c),
 * timelines as Chrome trace JSON or a chart (trace/prof_timeline.c) and findings
 * like tfprof's advisor (trace/prof_advise.c).
 *
 *     pf_data *d = pf_data_load(path, &sel, st);     // one run, some steps
 *     pf_table *t = pf_table_build(d, &view, st);    // rows of a view
 *     pf_table_print(t, stdout, PF_FORMAT_TABLE, width, st);
 *     pf_table_free(t); pf_data_free(d);
 *
 * Conventions are tfc.h's: a trailing tfc_status, NULL / -1 on failure; objects made
 * by *_new / *_load / *_build are the caller's, freed by the matching *_free (NULL is
 * a no-op); every other pointer argument is borrowed for the call. Times inside are
 * nanoseconds; reports give microseconds.
 */
#ifndef TFC_PROF_H
#define TFC_PROF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tfc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ loading */

/* Which run and steps to read. run_id <= 0: the newest run. step_lo..step_hi
 * (inclusive) picks steps by number; all_steps ignores them. */
typedef struct pf_select {
	int64_t run_id;
	bool all_steps;
	int64_t step_lo, step_hi;
	const char *device_regex; /* only rows of devices matching it (NULL: all) */
} pf_select;

/* One node_exec row, in the order of the database (step by step). */
typedef struct pf_row {
	int64_t id;        /* node_exec.id */
	int64_t start_ns;  /* all_start_nanos, since the epoch */
	int64_t op_start;  /* op_start_rel_nanos */
	int64_t op_end;    /* op_end_rel_nanos */
	int64_t all_end;   /* all_end_rel_nanos */
	int64_t out_bytes; /* sum of its outputs' allocated bytes (0: none recorded) */
	int64_t peak;      /* highest peak_bytes among its allocators (0: none) */
	int32_t step;      /* index into pf_data.steps */
	int32_t dev;       /* index into pf_data.devices */
	int32_t node;      /* index into pf_data.nodes */
	int32_t thread;
} pf_row;

/* A node that ran (by name), with what the graph says about it. */
typedef struct pf_node {
	char *name;
	int32_t op;        /* index into pf_data.ops */
	int64_t params;    /* elements of a variable's shape; 0 if not a variable */
	double flops;      /* per execution, from pf_flops; < 0 unknown */
	int n_inputs;      /* data inputs in the graph, as indexes into pf_data.nodes
			    * (-1: a producer that never ran) */
	int32_t *inputs;
	bool in_graph;     /* the graph has a NodeDef of that name */
	bool nhwc_conv;    /* a convolution or pooling with data_format NHWC */
	bool foldable;     /* all of its inputs are constants (see prof_advise.c) */
	bool on_device;    /* it has rows on a real device, not only GPU tracer rows */
} pf_node;

typedef struct pf_step {
	int64_t step;
	int64_t start_us, end_us; /* of its node stats (0 when none) */
	int64_t node_count;
	int64_t first_row, last_row; /* node_exec ids, 0 when none */
	int64_t row_lo, row_hi;      /* indexes into pf_data.rows of its rows [lo, hi) */
} pf_step;

typedef struct pf_data {
	char *path;
	int64_t run_id;
	char *graph_name;  /* runs.graph_name, may be NULL */
	char *started_at;
	char *source;      /* 'tfc' or 'import' */
	pf_step *steps;
	int n_steps;
	char **devices;
	bool *tracer_device; /* a GPU tracer's "/stream:N" or "/memcpy" row, not a device */
	int n_devices;
	char **ops;        /* op type names; "(unknown)" where none is known */
	int n_ops;
	pf_node *nodes;
	int n_nodes;
	pf_row *rows;
	int64_t n_rows;
	int64_t run_steps; /* how many steps the run has in all */
	bool has_graph;
	struct pf_graph *graph; /* the run's GraphDef, decoded (NULL without one) */
} pf_data;

/* Opens the trace database at path read-only and loads the selected run's rows.
 * NotFound: no such run or step; InvalidArgument: not a trace database or no runs;
 * FailedPrecondition: a newer schema. */
pf_data *pf_data_load(const char *path, const pf_select *sel, tfc_status *st);
void pf_data_free(pf_data *d);

/* Whether the file at path starts like an SQLite database. */
bool pf_is_sqlite_file(const char *path);

/* Imports a TensorFlow RunMetadata file (binary or text) and an optional GraphDef
 * file (may be NULL) into a new trace database at db_path (created, or added to).
 * Returns the run id or -1. */
int64_t pf_import_run_metadata(const char *db_path, const char *rm_path, const char *graph_path,
			       tfc_status *st);

/* Whether row r counts as an execution of its node: a row on a real device, or a
 * GPU tracer row of a node that has none (a memcpy). Tracer rows of a kernel add
 * their time (tfprof's accelerator time) but not a run. */
bool pf_row_counts(const pf_data *d, const pf_row *r);

/* Op time of a row (op_end - op_start; all_end when the op times are missing). */
int64_t pf_row_time(const pf_row *r);

/* FLOPs of one execution of node i, by TensorFlow's per-op formulas (prof_query.c);
 * -1 when its op has none or a shape is not known. */
double pf_flops_for(const pf_data *d, int node);
/* Whether op type has a FLOPs formula. */
bool pf_op_has_flops(const char *op);

/* ------------------------------------------------------------------ views */

typedef enum pf_by { PF_BY_TYPE, PF_BY_NODE, PF_BY_SCOPE, PF_BY_DEVICE, PF_BY_STEP } pf_by;
typedef enum pf_format { PF_FORMAT_TABLE, PF_FORMAT_CSV, PF_FORMAT_JSON } pf_format;

/* Columns (also the keys of --order-by). Append-only. */
typedef enum pf_col {
	PF_COL_NAME, PF_COL_COUNT, PF_COL_TOTAL, PF_COL_SELF, PF_COL_MEAN, PF_COL_MEDIAN,
	PF_COL_P90, PF_COL_P99, PF_COL_PCT, PF_COL_FLOPS, PF_COL_GFLOPS, PF_COL_BYTES,
	PF_COL_PEAK, PF_COL_PARAMS, PF_COL_WALL, PF_COL_UTIL, PF_COL_OP, PF_COL_STEP_PCT,
	PF_COL_COUNT_
} pf_col;

/* The column's key as JSON and CSV name it ("total_us", ...); its table heading. */
const char *pf_col_key(pf_col c);
const char *pf_col_heading(pf_col c);
/* --order-by names: the key, or a short form (total, self, mean, flops, ...); -1 if
 * none matches. */
int pf_col_parse(const char *s);

typedef struct pf_view {
	pf_by by;
	int max_depth;      /* scope view: deepest level shown (<= 0: all) */
	int order_by;       /* a pf_col, or -1 for the view's default (total, desc) */
	bool ascending;
	int top;            /* at most this many rows (<= 0: all) */
	double min_us;      /* rows with less total time are left out */
	const char *match;  /* rows whose name matches (NULL: all) */
	const char *hide;   /* rows whose name matches are left out */
} pf_view;

typedef struct pf_stat {
	char *name;
	char *op;           /* node view: its op type; scope view: "" for a scope */
	char *device;       /* node view: where it ran (first device seen) */
	int depth;          /* scope view: 0 for top-level names */
	int64_t count;
	double total_us, self_us, mean_us, median_us, p90_us, p99_us, pct;
	double step_pct;    /* total over the steps' wall time (all devices: can pass 100) */
	double flops;       /* < 0: unknown */
	double gflops;      /* < 0: unknown */
	int64_t out_bytes, peak_bytes, params;
	double wall_us;     /* step and device views: wall span; util = busy / wall */
	double util_pct;
} pf_stat;

typedef struct pf_table {
	pf_by by;
	pf_stat *rows;
	int n_rows;
	int64_t total_rows; /* rows before --top and the filters */
	double grand_total_us;
	double step_wall_us; /* the loaded steps' wall times added up */
	int n_steps;
	int64_t run_id;
	bool has[PF_COL_COUNT_]; /* which columns have something to show */
} pf_table;

pf_table *pf_table_build(const pf_data *d, const pf_view *v, tfc_status *st);
void pf_table_free(pf_table *t);

/* Writes t to f. width: the table's width in columns (<= 0: no limit). */
void pf_table_print(const pf_table *t, FILE *f, pf_format fmt, int width, tfc_status *st);

/* Before/after: rows of a and b joined by name, per step (total / steps), ratio
 * after / before, sorted by the largest absolute change; top rows (<= 0: all). */
void pf_compare_print(const pf_table *a, const pf_table *b, const char *a_label,
		      const char *b_label, FILE *f, pf_format fmt, int width, int top,
		      tfc_status *st);

/* ------------------------------------------------------------------ timeline */

/* Chrome trace JSON of the loaded steps: one process per device, lanes so events do
 * not overlap, an "X" event per row (name = op type, args name/op/step), a "Steps"
 * process. Returns a NUL-terminated string (free()), its length in *len. */
char *pf_chrome_trace(const pf_data *d, size_t *len, tfc_status *st);

/* A chart of one step (the first loaded) as SVG or PNG (by png): one row per device
 * and lane, ops as bars coloured by type, the critical path outlined. Written to
 * path atomically. */
void pf_timeline_chart(const pf_data *d, const char *path, bool png, tfc_status *st);

/* Step wall time over the loaded steps, as a PNG (or SVG) at path. */
void pf_plot_steps(const pf_data *d, const char *path, bool png, tfc_status *st);

/* The critical path of step s: indexes of pf_data.rows, from first to last, in
 * *out (caller frees); returns its length, 0 when nothing ran. */
int pf_critical_path(const pf_data *d, int s, int64_t **out);

/* ------------------------------------------------------------------ advice */

/* Findings, one paragraph each, as text or as a JSON array (fmt JSON). */
void pf_advise(const pf_data *d, FILE *f, pf_format fmt, tfc_status *st);

/* The GPU report (trace/prof_gpu.c) of run run_id of the database at path, over the
 * steps sel picks: kernel and copy time and bytes per op, then per GPU and step the
 * busy time (kernels and copies, overlaps once) over the step's wall time. Table or
 * CSV (JSON is given as CSV). A run with no GPU rows gets one line saying "no GPU
 * activity recorded". */
void pf_gpu_report(const char *path, int64_t run_id, const pf_select *sel, FILE *f, pf_format fmt,
		   tfc_status *st);

/* ------------------------------------------------------------------ helpers */

/* A growable string. */
typedef struct pf_buf {
	char *s;
	size_t len, cap;
	bool oom;
} pf_buf;
void pf_buf_add(pf_buf *b, const char *s, size_t n);
void pf_buf_puts(pf_buf *b, const char *s);
void pf_buf_printf(pf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pf_buf_json_string(pf_buf *b, const char *s);

/* Writes data to path atomically (a temporary file renamed into place). */
void pf_write_file(const char *path, const void *data, size_t len, tfc_status *st);

/* Formats microseconds for a table: "812.0us", "1.234ms", "2.500s". */
void pf_fmt_us(double us, char *out, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* TFC_PROF_H */
