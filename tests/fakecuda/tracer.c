/*
 * tracer.c: the GPU tracer (gpu.h) and the op correlation ids (gpu_internal.h) of the
 * fake CUDA build: no CUPTI. A fake CUPTI would have to hand out activity buffers of
 * CUpti_Activity* records for every launch and copy; cuda/cupti_records.c, which
 * reads such buffers, is tested on hand-built ones (tests/test_cupti_records.c), so
 * here tracing a step is simply Unavailable, as when another profiler holds CUPTI,
 * and a traced step runs without GPU rows.
 */
#include "gpu_internal.h"

struct tfc__gpu_tracer *tfc__gpu_tracer_start(struct tfc__gpu_activity *into, tfc_status *st)
{
	(void)into;
	tfc_status_set(st, TFC_UNAVAILABLE, "the fake CUDA runtime has no CUPTI");
	return NULL;
}

void tfc__gpu_tracer_stop(struct tfc__gpu_tracer *t) { (void)t; }

void tfc__cupti_push_op(uint64_t id) { (void)id; }

void tfc__cupti_pop_op(void) {}
