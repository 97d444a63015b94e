/*
 * gpu_test_util.h: what the GPU op tests (tests/test_gpu_array.c,
 * tests/test_gpu_more.c) share: running a graph's node "op" in a session with GPUs or
 * without, and finding which device it ran on from the step stats. Header-only.
 */
#ifndef TFC_GPU_TEST_UTIL_H
#define TFC_GPU_TEST_UTIL_H

#include <stdio.h>
#include <string.h>

#include "config.pb-c.h"
#include "step_stats.pb-c.h"
#include "tfc.h"

/* Runs graph g (freed here) fetching the n_out outputs of op into out, with nf
 * feeds, in a session that has the machine's GPUs (gpu) or none (device_count.GPU 0);
 * `where` (wn bytes) gets the device the node named "op" ran on, by its software
 * trace, or "(not run)". st holds the first error. */
static inline void gpu_test_run_op(tfc_graph *g, tfc_operation *op, int n_out, bool gpu, const tfc_output *feeds,
				   tfc_tensor *const *vals, int nf, tfc_tensor **out, char *where, size_t wn,
				   tfc_status *st)
{
	tfc_output fetch[8];
	for (int k = 0; k < n_out && k < 8; k++)
		fetch[k] = (tfc_output){op, k};
	tfc_session_options *o = tfc_session_options_new();
	if (!gpu)
		tfc_session_options_set_config_value(o, "device_count.GPU", "0", st);
	tfc_session *s = tfc_status_code(st) == TFC_OK ? tfc_session_new(g, o, st) : NULL;
	Tensorflow__RunOptions ro;
	tensorflow__run_options__init(&ro);
	ro.trace_level = TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__SOFTWARE_TRACE;
	uint8_t rb[32];
	size_t rl = tensorflow__run_options__pack(&ro, rb);
	tfc_buffer_t *meta = NULL;
	if (s)
		tfc_session_run(s, rb, rl, feeds, vals, nf, fetch, out, n_out, NULL, 0, &meta, st);
	snprintf(where, wn, "(not run)");
	Tensorflow__RunMetadata *rm = meta ? tensorflow__run_metadata__unpack(NULL, meta->length, meta->data) : NULL;
	for (size_t i = 0; rm && rm->step_stats && i < rm->step_stats->n_dev_stats; i++)
		for (size_t k = 0; k < rm->step_stats->dev_stats[i]->n_node_stats; k++)
			if (!strcmp(rm->step_stats->dev_stats[i]->node_stats[k]->node_name, "op"))
				snprintf(where, wn, "%s", rm->step_stats->dev_stats[i]->device);
	if (rm)
		tensorflow__run_metadata__free_unpacked(rm, NULL);
	tfc_buffer_free(meta);
	tfc_session_free(s);
	tfc_session_options_free(o);
	tfc_graph_free(g);
}

#endif /* TFC_GPU_TEST_UTIL_H */
