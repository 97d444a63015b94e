/*
 * gpu_activity.h: the GPU activity of a traced step (kernels, copies, memsets, CUDA
 * API calls) as plain records, and what becomes of them: TensorFlow's GPU
 * pseudo-devices in the step stats. Nothing here needs CUDA or a GPU; the CUPTI
 * tracer (cuda/cupti_records.c) turns CUPTI's activity buffers into these records,
 * and the tests build them by hand.
 *
 * Times are recorded on the GPU tracer's clock (CUPTI's timestamps, ns) and converted
 * to the host's CLOCK_MONOTONIC, which the executor's node stats use, by one offset
 * taken from a pair of readings (tfc__gpu_activity_calibrate).
 *
 * An op is found through external correlation: the GPU device pushes an id of its
 * own (the graph op's id + 1) around everything it launches for an op; CUPTI then
 * reports (correlation id -> external id) pairs, and each kernel, copy and API call
 * carries a correlation id.
 *
 * The step stats follow TensorFlow's GPU tracer:
 *   /device:GPU:N/stream:all   every kernel (a copy of each /stream:S row)
 *   /device:GPU:N/stream:S     the kernels and copies of CUDA stream S
 *   /device:GPU:N/memcpy       every copy and memset
 *   /device:GPU:N/cuda_api     the CUDA runtime calls (tfc's own addition)
 * node_name "name:Op" (the op that launched it; the activity's own name when no op
 * is known) and timeline labels
 *   "<kernel> regs:R shm:S grid:X,Y,Z block:X,Y,Z@@name:Op#correlation_id=C,dynamic_shm=D#"
 *   "MemcpyH2D bytes:B async@@name:Op#correlation_id=C#"   ("Memset bytes:B" for memsets)
 *   "cudaLaunchKernel@@name:Op#correlation_id=C,cbid=K#"
 * where the part after "@@" is TensorFlow's annotation ("name:Op", its metadata between
 * '#'), as TensorFlow's tracer writes it. trace/trace_db.c reads these rows back into
 * its gpu_* tables.
 */
#ifndef TFC_GPU_ACTIVITY_H
#define TFC_GPU_ACTIVITY_H

#include <pthread.h>
#include <stdint.h>

#include "internal.h"
#include "step_stats.pb-c.h"

enum tfc__gpu_copy_kind {
	TFC_GPU_COPY_HTOD,
	TFC_GPU_COPY_DTOH,
	TFC_GPU_COPY_DTOD,
	TFC_GPU_COPY_HTOH,
	TFC_GPU_COPY_PTOP,
	TFC_GPU_COPY_MEMSET,
	TFC_GPU_COPY_OTHER,
	TFC_GPU_COPY_COUNT
};

/* "MemcpyH2D", ..., "Memset": TensorFlow's names for the kinds. */
const char *tfc__gpu_copy_name(enum tfc__gpu_copy_kind k);
/* "HtoD", ..., "memset": the trace database's gpu_copy.kind. */
const char *tfc__gpu_copy_kind_name(enum tfc__gpu_copy_kind k);

struct tfc__gpu_kernel {
	const char *name;       /* kernel (function) name; copied by add */
	uint64_t start, end;    /* tracer clock, ns */
	uint32_t device, stream, correlation;
	int32_t grid[3], block[3];
	uint32_t registers;     /* per thread */
	int32_t static_shm, dynamic_shm; /* shared memory, bytes */
};

struct tfc__gpu_copy {
	enum tfc__gpu_copy_kind kind;
	uint64_t bytes;
	uint64_t start, end;
	uint32_t device, stream, correlation;
	bool async;             /* to or from pinned host memory (overlaps compute) */
};

struct tfc__gpu_api {
	const char *name;       /* "cudaLaunchKernel"; copied by add */
	uint32_t cbid;          /* CUPTI's callback id */
	uint64_t start, end;    /* tracer clock, ns */
	uint32_t thread_id, correlation;
};

/* What one traced step recorded. Adds may come from any thread (CUPTI hands buffers
 * over on a thread of its own). */
struct tfc__gpu_activity {
	pthread_mutex_t mu;     /* guards everything below */
	struct tfc__gpu_kernel *kernels;
	size_t n_kernels, cap_kernels;
	struct tfc__gpu_copy *copies;
	size_t n_copies, cap_copies;
	struct tfc__gpu_api *api;
	size_t n_api, cap_api;
	struct { uint32_t correlation; uint64_t external; } *corr;
	size_t n_corr, cap_corr;
	struct tfc__arena names; /* the records' name strings */
	int64_t offset_ns;      /* CLOCK_MONOTONIC ns = tracer ns + offset_ns */
	uint64_t dropped;       /* records CUPTI reported as dropped */
};

struct tfc__gpu_activity *tfc__gpu_activity_new(void);
void tfc__gpu_activity_free(struct tfc__gpu_activity *a);
/* Forgets every record (the clock offset stays). */
void tfc__gpu_activity_clear(struct tfc__gpu_activity *a);
/* Sets the offset from a tracer reading and a CLOCK_MONOTONIC reading (ns) taken
 * together. */
void tfc__gpu_activity_calibrate(struct tfc__gpu_activity *a, uint64_t tracer_ns, int64_t mono_ns);
/* Tracer ns -> CLOCK_MONOTONIC ns. */
int64_t tfc__gpu_activity_to_mono(const struct tfc__gpu_activity *a, uint64_t tracer_ns);

void tfc__gpu_activity_add_kernel(struct tfc__gpu_activity *a, const struct tfc__gpu_kernel *k);
void tfc__gpu_activity_add_copy(struct tfc__gpu_activity *a, const struct tfc__gpu_copy *c);
void tfc__gpu_activity_add_api(struct tfc__gpu_activity *a, const struct tfc__gpu_api *c);
void tfc__gpu_activity_add_correlation(struct tfc__gpu_activity *a, uint32_t correlation,
				       uint64_t external);
/* The external id of a correlation id, 0 when none was recorded. */
uint64_t tfc__gpu_activity_external(struct tfc__gpu_activity *a, uint32_t correlation);

/* Names the op of an external id: *name and *type (borrowed, must outlive the step
 * stats); false when the id is not an op's. */
typedef bool (*tfc__gpu_op_fn)(void *ctx, uint64_t external, const char **name, const char **type);

/* Appends the pseudo-devices above to ss (its dev_stats array is replaced by a larger
 * one from arena; everything new is in arena). Devices with no activity are left out.
 * real_minus_mono_ns turns CLOCK_MONOTONIC into the epoch times of NodeExecStats.
 * Records are sorted by start time on the way. */
void tfc__gpu_activity_step_stats(struct tfc__gpu_activity *a, struct tfc__arena *arena,
				  tfc__gpu_op_fn resolve, void *ctx, int64_t real_minus_mono_ns,
				  Tensorflow__StepStats *ss);

#endif /* TFC_GPU_ACTIVITY_H */
