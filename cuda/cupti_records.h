/*
 * cupti_records.h: CUPTI's activity buffers into tfc's GPU activity records
 * (trace/gpu_activity.h). Kept apart from the CUPTI calls (cuda/cupti_tracer.c) so
 * it is tested without a GPU on buffers of CUpti_Activity* structs built by hand
 * (tests/test_cupti_records.c).
 */
#ifndef TFC_CUPTI_RECORDS_H
#define TFC_CUPTI_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "gpu_activity.h"

/* Adds every record of buf (borrowed; `valid` bytes, as CUPTI hands a completed
 * buffer over) that tfc keeps to a: kernels (KERNEL and CONCURRENT_KERNEL), memcpy
 * (MEMCPY, MEMCPY2 peer copies), memset, runtime and driver API calls, external
 * correlations. Other kinds are skipped. Returns how many records were read. */
size_t tfc__cupti_parse(struct tfc__gpu_activity *a, uint8_t *buf, size_t valid);

/* "cudaLaunchKernel" for a runtime API callback id (CUPTI's name without its
 * "_v7000" version suffix), into buf (n bytes). */
void tfc__cupti_api_name(uint32_t cbid, bool driver, char *buf, size_t n);

#endif /* TFC_CUPTI_RECORDS_H */
