/*
 * workq.h: a queue of work items served in order by one thread of its own
 * (core/workq.c): what an asynchronous device's stream is on the host side (the CPU
 * test device in core/device_cpu.c, the GPU's stream thread in cuda/gpu_device.c).
 * Internal.
 */
#ifndef TFC_WORKQ_H
#define TFC_WORKQ_H

#include "internal.h"

/* Runs one item on the queue's thread; owns item from then on. */
typedef void (*tfc__work_fn)(void *ctx, void *item);

struct tfc__workq;

/* Starts the thread. NULL with st set (ResourceExhausted) when it cannot. */
struct tfc__workq *tfc__workq_new(tfc__work_fn run, void *ctx, tfc_status *st);
/* Queues item (run after every item queued before it). */
void tfc__workq_push(struct tfc__workq *q, void *item);
/* Runs what is queued, stops the thread and frees q (NULL is fine). */
void tfc__workq_free(struct tfc__workq *q);

#endif /* TFC_WORKQ_H */
