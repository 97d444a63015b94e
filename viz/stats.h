/*
 * stats.h: what a trace database says about a graph's ops: compute time, wall span,
 * memory and the device each ran on, for one run and step (by default the newest run
 * and its fullest step: the most ops traced, the last of equals). Reads only the
 * stable names of the trace database: runs(id), node_stats(...) and memory(...),
 * with one GROUP BY node_name query per relation.
 */
#ifndef TFC_VIZ_STATS_H
#define TFC_VIZ_STATS_H

#include <stdint.h>

#include "vgraph.h"

/*
 * Fills has_stats, time_us, start_us, end_us, bytes and placed of g's ops from the
 * database at db_path (opened read-only). run_id < 0: the newest run; step < 0: the
 * run's fullest step. *run_out / *step_out (may be NULL) receive the ones used. Returns
 * the number of ops matched, -1 with st set (NotFound for a missing run or step,
 * InvalidArgument for a file that is not a trace database).
 */
int vz_stats_load(vz_graph *g, const char *db_path, int64_t run_id, int64_t step,
		  int64_t *run_out, int64_t *step_out, tfc_status *st);

#endif /* TFC_VIZ_STATS_H */
