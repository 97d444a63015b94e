/*
 * gpu.h: what the core (core/session.c, core/step_stats.c, kernels/registry.c) sees
 * of the GPU support in cuda/. No CUDA type appears here, so the core compiles the
 * same with and without CUDA: a build with CUDA links cuda/gpu_device.c and its
 * friends, a build --without-cuda links cuda/gpu_none.c, which says there are no GPUs.
 *
 * GPU kernels leave their outputs in the GPU's memory and read inputs where they
 * are (host ones are copied in through pinned buffers on a copy stream); the
 * executor copies a device tensor to the host for any other kernel, a fetch or a
 * transfer (core/device_memory.c). tests/fakecuda runs all of this on a fake CUDA
 * runtime in `make check`.
 */
#ifndef TFC_GPU_H
#define TFC_GPU_H

#include "config.pb-c.h"
#include "device_iface.h"

struct tfc__gpu_activity;

/* How many GPUs the CUDA runtime can use. 0 when there is no driver or no device (or
 * no CUDA in this build), with the reason written into why (n bytes). Never fails. */
int tfc__gpu_count(char *why, size_t n);

/* TensorFlow's line for GPU i: "device: 0, name: NVIDIA H100 80GB HBM3, pci bus id:
 * 0000:01:00.0, compute capability: 9.0", into buf (n bytes). */
void tfc__gpu_describe(int i, char *buf, size_t n);

/* The GPU device for CUDA device `index`, named `name` (copied), its memory set up
 * by opts (borrowed, may be NULL: allow_growth and per_process_gpu_memory_fraction).
 * One per GPU for the whole process, as in TensorFlow: the first call sets it up,
 * later ones (other sessions) get the same device, their opts unused. Asynchronous:
 * compute_async runs kernels in order on a stream thread of the device. NULL with st
 * set when the device cannot be set up. Each call's device is released with
 * tfc__device_free; the last release frees it. */
struct tfc_device *tfc__gpu_device_new(const char *name, int index, const Tensorflow__GPUOptions *opts,
				       tfc_status *st);

/* CUPTI tracing of a step (HARDWARE_TRACE, FULL_TRACE). start enables the activity
 * API and returns a tracer, or NULL (st set: Unavailable when another step is being
 * traced, as only one CUPTI subscriber may exist per process); stop flushes every
 * record into `into` (borrowed) and frees the tracer. */
struct tfc__gpu_tracer;
struct tfc__gpu_tracer *tfc__gpu_tracer_start(struct tfc__gpu_activity *into, tfc_status *st);
void tfc__gpu_tracer_stop(struct tfc__gpu_tracer *t);

#endif /* TFC_GPU_H */
