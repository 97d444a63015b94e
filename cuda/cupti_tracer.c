/*
 * cupti_tracer.c: the CUPTI calls of GPU tracing (gpu.h): enabling the activity API
 * for a traced step (concurrent kernels, memcpy, memset, runtime API, external
 * correlation), the buffer callbacks, clock calibration, and the external
 * correlation ids the GPU device pushes around each op. What the buffers hold is
 * read by cuda/cupti_records.c.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include <cupti.h>

#include "cupti_records.h"
#include "gpu_internal.h"

#define BUFFER_BYTES ((size_t)1 << 20)

struct tfc__gpu_tracer {
	struct tfc__gpu_activity *into; /* borrowed */
};

/* Only one tracer at a time: CUPTI's activity API is per process. */
static pthread_mutex_t tracer_mu = PTHREAD_MUTEX_INITIALIZER; /* guards active, registered */
static struct tfc__gpu_tracer *active;
static bool registered;
/* Where completed buffers go; sink_mu guards sink and is held while a buffer is read
 * into it, so stop can clear it knowing no callback still writes there. */
static pthread_mutex_t sink_mu = PTHREAD_MUTEX_INITIALIZER;
static struct tfc__gpu_activity *sink;
/* Whether the GPU device should push correlation ids (read on every kernel). */
static atomic_bool tracing;

static const CUpti_ActivityKind kinds[] = {
	CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_MEMCPY, CUPTI_ACTIVITY_KIND_MEMSET,
	CUPTI_ACTIVITY_KIND_RUNTIME, CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION,
};

static void CUPTIAPI buffer_requested(uint8_t **buffer, size_t *size, size_t *max_records)
{
	*buffer = aligned_alloc(8, BUFFER_BYTES);
	*size = *buffer ? BUFFER_BYTES : 0;
	*max_records = 0;
}

static void CUPTIAPI buffer_completed(CUcontext ctx, uint32_t stream, uint8_t *buffer, size_t size,
				      size_t valid)
{
	(void)ctx;
	(void)stream;
	(void)size;
	pthread_mutex_lock(&sink_mu);
	if (sink && buffer)
		tfc__cupti_parse(sink, buffer, valid);
	pthread_mutex_unlock(&sink_mu);
	free(buffer);
}

static bool cupti_check(CUptiResult r, const char *call, tfc_status *st)
{
	if (r == CUPTI_SUCCESS)
		return true;
	const char *msg = NULL;
	cuptiGetResultString(r, &msg);
	tfc_status_set(st, TFC_UNAVAILABLE, "%s failed: %s", call, msg ? msg : "?");
	return false;
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One offset from CUPTI's clock to CLOCK_MONOTONIC: the host reading is the middle
 * of two taken around CUPTI's, and the pair with the narrowest bracket of five wins. */
static void calibrate(struct tfc__gpu_activity *a)
{
	int64_t best = INT64_MAX;
	for (int i = 0; i < 5; i++) {
		uint64_t g = 0;
		int64_t t0 = mono_ns();
		cuptiGetTimestamp(&g);
		int64_t t1 = mono_ns();
		if (t1 - t0 < best) {
			best = t1 - t0;
			tfc__gpu_activity_calibrate(a, g, t0 + (t1 - t0) / 2);
		}
	}
}

struct tfc__gpu_tracer *tfc__gpu_tracer_start(struct tfc__gpu_activity *into, tfc_status *st)
{
	pthread_mutex_lock(&tracer_mu);
	struct tfc__gpu_tracer *t = NULL;
	size_t enabled = 0;
	if (active) {
		tfc_status_set(st, TFC_UNAVAILABLE, "Another profile session running.");
		goto out;
	}
	if (!registered &&
	    !cupti_check(cuptiActivityRegisterCallbacks(buffer_requested, buffer_completed),
			 "cuptiActivityRegisterCallbacks", st))
		goto out;
	registered = true;
	for (; enabled < TFC_ARRAY_LEN(kinds); enabled++)
		if (!cupti_check(cuptiActivityEnable(kinds[enabled]), "cuptiActivityEnable", st))
			goto undo;
	calibrate(into);
	pthread_mutex_lock(&sink_mu);
	sink = into;
	pthread_mutex_unlock(&sink_mu);
	t = tfc__calloc(1, sizeof(*t));
	t->into = into;
	active = t;
	atomic_store(&tracing, true);
	tfc_status_set(st, TFC_OK, NULL);
	goto out;
undo:
	while (enabled-- > 0)
		cuptiActivityDisable(kinds[enabled]);
out:
	pthread_mutex_unlock(&tracer_mu);
	return t;
}

void tfc__gpu_tracer_stop(struct tfc__gpu_tracer *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&tracer_mu);
	atomic_store(&tracing, false);
	/* Disable first, then flush (as TensorFlow's tracer does): flushing first would
	 * leave whatever ran in between in CUPTI's buffers, to be handed to the next
	 * traced step as if it were its own. */
	for (size_t i = 0; i < TFC_ARRAY_LEN(kinds); i++)
		cuptiActivityDisable(kinds[i]);
	cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
	size_t dropped = 0;
	if (cuptiActivityGetNumDroppedRecords(NULL, 0, &dropped) == CUPTI_SUCCESS)
		t->into->dropped += dropped;
	pthread_mutex_lock(&sink_mu);
	sink = NULL;
	pthread_mutex_unlock(&sink_mu);
	active = NULL;
	pthread_mutex_unlock(&tracer_mu);
	free(t);
}

/* Per thread, whether each push (innermost in bit 0) really pushed an id: a pop must
 * pop exactly what its push pushed, even when tracing started or stopped in between
 * (a kernel of another session's step running across a traced step's start or end),
 * else CUPTI's per-thread stack keeps a stale id, and every later API call of that
 * thread is put down to its op. Pushes nest 64 deep at most (the device pushes one). */
static _Thread_local uint64_t pushed_bits;
static _Thread_local unsigned push_depth;

void tfc__cupti_push_op(uint64_t id)
{
	bool pushed = atomic_load(&tracing) &&
		      cuptiActivityPushExternalCorrelationId(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, id) ==
			      CUPTI_SUCCESS;
	pushed_bits = pushed_bits << 1 | pushed;
	push_depth++;
}

void tfc__cupti_pop_op(void)
{
	if (push_depth == 0)
		return;
	bool pushed = pushed_bits & 1;
	pushed_bits >>= 1;
	push_depth--;
	uint64_t last;
	if (pushed)
		cuptiActivityPopExternalCorrelationId(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, &last);
}
