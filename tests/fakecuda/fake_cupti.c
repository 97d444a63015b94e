/*
 * fake_cupti.c: a fake of CUPTI's activity API for the fake CUDA runtime (fake.h):
 * the cupti* functions that cuda/cupti_tracer.c and cuda/cupti_records.c call,
 * compiled against CUPTI's own headers, so the records it writes are CUPTI's structs
 * (CUpti_ActivityKernel10, Memcpy6, Memset4, API, ExternalCorrelation) and its
 * signatures are CUPTI's. Semantics as CUPTI documents them:
 *
 * - Records of an enabled kind go into a buffer the client hands over through its
 *   "buffer requested" callback; a full buffer (or one holding the client's
 *   maxNumRecords) goes back through the "buffer completed" callback and a new one
 *   is requested; cuptiActivityFlushAll hands back the one being filled. No buffer
 *   (the callback declined, or gave one too small for a record) drops the record and
 *   counts it for cuptiActivityGetNumDroppedRecords, which resets the count.
 * - cuptiActivityGetNextRecord walks a buffer: NULL gives the first record, then each
 *   next one; CUPTI_ERROR_MAX_LIMIT_REACHED past the last valid byte;
 *   CUPTI_ERROR_INVALID_KIND for a record it cannot size.
 * - External correlation ids are a stack per thread and per kind. While one is
 *   pushed, every runtime API record (when CUPTI_ACTIVITY_KIND_RUNTIME and
 *   CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION are enabled) is preceded by a
 *   CUpti_ActivityExternalCorrelation record of the top id with the API call's
 *   correlation id; the kernel, memcpy or memset it started carries that id too.
 * - Timestamps are ns of CUPTI's clock, which on a real machine is not the host's
 *   CLOCK_MONOTONIC: here it is CLOCK_MONOTONIC + 1 s on purpose, so a tracer that
 *   forgot to map the clocks puts its kernels a second after the step.
 *
 * Activity comes from the fake runtime through the tfc_fake_activity_* calls of
 * fake.h. Everything runs at call time, so a kernel starts when its launcher is
 * called and ends at its thread's next call into the fake (the host twin has then
 * finished its work), which is where its record is written.
 *
 * Callbacks are called with this file's lock held: they may call
 * cuptiActivityGetNextRecord, cuptiGetCallbackName and cuptiGetResultString (which
 * take no lock) and no other cupti* function, which the tracer's callbacks respect.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cupti.h>

#include "fake.h"

/* CUPTI's clock is the host's monotonic clock plus this (ns). */
#define TFC_FAKE_CUPTI_OFFSET_NS INT64_C(1000000000)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; /* guards everything from here to the thread-locals */
static CUpti_BuffersCallbackRequestFunc requested;
static CUpti_BuffersCallbackCompleteFunc completed;
static bool enabled[CUPTI_ACTIVITY_KIND_COUNT];
static uint8_t *buf;                /* the buffer being filled, or NULL */
static size_t buf_size, buf_used, buf_records, buf_limit; /* limit: the client's maxNumRecords, 0: none */
static size_t dropped;
static char **names;                /* kernel names handed out in records, kept for good */
static size_t n_names, cap_names;

/* Whether any kind is enabled: read without the lock on every call into the fake. */
static atomic_bool any_enabled;
static atomic_uint next_correlation = 1;

/* Per thread: the external correlation stacks, and the kernel launched last and not
 * yet ended (written out by settle at the thread's next call into the fake). */
/* A thread's pushed external ids of one kind. Fixed size, so a thread that ends
 * leaves nothing to free (tfc pushes one id per running op: depth 1). */
#define EXT_DEPTH 64
struct ext_stack {
	uint64_t v[EXT_DEPTH];
	size_t n;
};
static _Thread_local struct ext_stack ext[CUPTI_EXTERNAL_CORRELATION_KIND_SIZE];
static _Thread_local bool pending_open;
static _Thread_local CUpti_ActivityKernel10 pending;

uint64_t tfc_fake_cupti_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + TFC_FAKE_CUPTI_OFFSET_NS);
}

/* Bytes a record of kind k takes in a buffer; 0 for a kind the fake never writes. */
static size_t record_size(CUpti_ActivityKind k)
{
	switch (k) {
	case CUPTI_ACTIVITY_KIND_KERNEL:
	case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: return sizeof(CUpti_ActivityKernel10);
	case CUPTI_ACTIVITY_KIND_MEMCPY: return sizeof(CUpti_ActivityMemcpy6);
	case CUPTI_ACTIVITY_KIND_MEMSET: return sizeof(CUpti_ActivityMemset4);
	case CUPTI_ACTIVITY_KIND_RUNTIME:
	case CUPTI_ACTIVITY_KIND_DRIVER: return sizeof(CUpti_ActivityAPI);
	case CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION: return sizeof(CUpti_ActivityExternalCorrelation);
	default: return 0;
	}
}

static bool is_enabled(CUpti_ActivityKind k) { return (unsigned)k < CUPTI_ACTIVITY_KIND_COUNT && enabled[k]; }

/* With mu held: hands the buffer being filled back to the client. */
static void deliver(void)
{
	if (!buf)
		return;
	uint8_t *b = buf;
	size_t size = buf_size, used = buf_used;
	buf = NULL;
	buf_size = buf_used = buf_records = buf_limit = 0;
	completed(NULL, 0, b, size, used);
}

/* With mu held: appends one record (size bytes, from record_size) to the buffer,
 * asking the client for one when there is none or the current one is full. */
static void append(const void *rec, size_t size)
{
	if (!requested) {
		dropped++;
		return;
	}
	if (buf && (buf_used + size > buf_size || (buf_limit && buf_records >= buf_limit)))
		deliver();
	if (!buf) {
		uint8_t *b = NULL;
		size_t sz = 0, max_records = 0;
		requested(&b, &sz, &max_records);
		if (b && (uintptr_t)b % ACTIVITY_RECORD_ALIGNMENT)
			tfc_fake_die("cuptiActivityRegisterCallbacks: the requested buffer %p is not %d-byte aligned",
				     (void *)b, ACTIVITY_RECORD_ALIGNMENT);
		if (!b || sz < size) {
			if (b) /* too small for anything: it goes straight back, empty */
				completed(NULL, 0, b, sz, 0);
			dropped++;
			return;
		}
		buf = b;
		buf_size = sz;
		buf_limit = max_records;
	}
	memcpy(buf + buf_used, rec, size);
	buf_used += size;
	buf_records++;
}

static uint32_t thread_id(void) { return (uint32_t)syscall(SYS_gettid); }

/* With mu held: the runtime API record of a call (and before it, the external
 * correlation records of the ids this thread has pushed). */
static void api_record(CUpti_CallbackId cbid, uint32_t corr, uint64_t start, uint64_t end)
{
	if (!is_enabled(CUPTI_ACTIVITY_KIND_RUNTIME))
		return;
	if (is_enabled(CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION)) {
		for (int k = 0; k < CUPTI_EXTERNAL_CORRELATION_KIND_SIZE; k++) {
			if (!ext[k].n)
				continue;
			CUpti_ActivityExternalCorrelation x;
			memset(&x, 0, sizeof(x));
			x.kind = CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION;
			x.externalKind = (CUpti_ExternalCorrelationKind)k;
			x.externalId = ext[k].v[ext[k].n - 1];
			x.correlationId = corr;
			append(&x, sizeof(x));
		}
	}
	CUpti_ActivityAPI a;
	memset(&a, 0, sizeof(a));
	a.kind = CUPTI_ACTIVITY_KIND_RUNTIME;
	a.cbid = cbid;
	a.start = start;
	a.end = end;
	a.processId = (uint32_t)getpid();
	a.threadId = thread_id();
	a.correlationId = corr;
	a.returnValue = 0; /* cudaSuccess */
	append(&a, sizeof(a));
}

/* With mu held: "tfc__gpu_launch_unary" -> "tfc_fake_unary", kept for good (CUPTI
 * owns the names in its records). */
static const char *kernel_name(const char *what)
{
	const char *prefix = "tfc__gpu_launch_";
	size_t pl = strlen(prefix);
	const char *base = strncmp(what, prefix, pl) ? what : what + pl;
	char tmp[160];
	snprintf(tmp, sizeof(tmp), "%s%s", base == what ? "" : "tfc_fake_", base);
	for (size_t i = 0; i < n_names; i++)
		if (!strcmp(names[i], tmp))
			return names[i];
	if (n_names == cap_names) {
		cap_names = cap_names ? 2 * cap_names : 32;
		names = realloc(names, cap_names * sizeof(*names));
		if (!names)
			tfc_fake_die("out of memory");
	}
	names[n_names] = strdup(tmp);
	if (!names[n_names])
		tfc_fake_die("out of memory");
	return names[n_names++];
}

void tfc_fake_activity_settle(void)
{
	if (!pending_open)
		return;
	pending_open = false;
	pending.end = pending.completed = tfc_fake_cupti_now();
	pthread_mutex_lock(&mu);
	append(&pending, sizeof(pending));
	pthread_mutex_unlock(&mu);
}

void tfc_fake_activity_kernel(const char *name, cudaStream_t s, const struct tfc_fake_launch *cfg)
{
	tfc_fake_activity_settle();
	if (!atomic_load(&any_enabled))
		return;
	static const struct tfc_fake_launch plain = {{16, 1, 1}, {256, 1, 1}, 32, 0};
	if (!cfg)
		cfg = &plain;
	uint32_t corr = atomic_fetch_add(&next_correlation, 1);
	uint64_t t0 = tfc_fake_cupti_now();
	pthread_mutex_lock(&mu);
	api_record(CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000, corr, t0, tfc_fake_cupti_now());
	CUpti_ActivityKind kind = is_enabled(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL) ? CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL
				  : is_enabled(CUPTI_ACTIVITY_KIND_KERNEL)          ? CUPTI_ACTIVITY_KIND_KERNEL
										    : CUPTI_ACTIVITY_KIND_INVALID;
	if (kind != CUPTI_ACTIVITY_KIND_INVALID) {
		memset(&pending, 0, sizeof(pending));
		pending.kind = kind;
		pending.registersPerThread = (uint16_t)cfg->registers;
		pending.partitionedGlobalCacheRequested = CUPTI_ACTIVITY_PARTITIONED_GLOBAL_CACHE_CONFIG_NOT_SUPPORTED;
		pending.partitionedGlobalCacheExecuted = CUPTI_ACTIVITY_PARTITIONED_GLOBAL_CACHE_CONFIG_NOT_SUPPORTED;
		pending.deviceId = (uint32_t)tfc_fake_current_device();
		pending.contextId = 1;
		pending.streamId = tfc_fake_stream_id(s);
		pending.gridX = cfg->grid[0];
		pending.gridY = cfg->grid[1];
		pending.gridZ = cfg->grid[2];
		pending.blockX = cfg->block[0];
		pending.blockY = cfg->block[1];
		pending.blockZ = cfg->block[2];
		pending.staticSharedMemory = cfg->static_shm;
		pending.correlationId = corr;
		pending.gridId = corr;
		pending.name = kernel_name(name);
		pending.launchType = CUPTI_ACTIVITY_LAUNCH_TYPE_REGULAR;
		pending.channelType = CUPTI_CHANNEL_TYPE_COMPUTE;
		pending.queued = pending.submitted = t0;
		pending.start = tfc_fake_cupti_now();
		pending_open = true;
	}
	pthread_mutex_unlock(&mu);
}

void tfc_fake_activity_copy(enum cudaMemcpyKind kind, bool src_pinned, bool dst_pinned, size_t bytes,
			    cudaStream_t s, uint64_t start)
{
	if (!atomic_load(&any_enabled))
		return;
	uint64_t end = tfc_fake_cupti_now();
	uint32_t corr = atomic_fetch_add(&next_correlation, 1);
	uint8_t ck = CUPTI_ACTIVITY_MEMCPY_KIND_UNKNOWN, sk = CUPTI_ACTIVITY_MEMORY_KIND_DEVICE,
		dk = CUPTI_ACTIVITY_MEMORY_KIND_DEVICE;
	uint8_t src_host = src_pinned ? CUPTI_ACTIVITY_MEMORY_KIND_PINNED : CUPTI_ACTIVITY_MEMORY_KIND_PAGEABLE;
	uint8_t dst_host = dst_pinned ? CUPTI_ACTIVITY_MEMORY_KIND_PINNED : CUPTI_ACTIVITY_MEMORY_KIND_PAGEABLE;
	switch (kind) {
	case cudaMemcpyHostToDevice: ck = CUPTI_ACTIVITY_MEMCPY_KIND_HTOD; sk = src_host; break;
	case cudaMemcpyDeviceToHost: ck = CUPTI_ACTIVITY_MEMCPY_KIND_DTOH; dk = dst_host; break;
	case cudaMemcpyDeviceToDevice: ck = CUPTI_ACTIVITY_MEMCPY_KIND_DTOD; break;
	case cudaMemcpyHostToHost: ck = CUPTI_ACTIVITY_MEMCPY_KIND_HTOH; sk = src_host; dk = dst_host; break;
	default: break;
	}
	pthread_mutex_lock(&mu);
	api_record(CUPTI_RUNTIME_TRACE_CBID_cudaMemcpyAsync_v3020, corr, start, end);
	if (is_enabled(CUPTI_ACTIVITY_KIND_MEMCPY)) {
		CUpti_ActivityMemcpy6 m;
		memset(&m, 0, sizeof(m));
		m.kind = CUPTI_ACTIVITY_KIND_MEMCPY;
		m.copyKind = ck;
		m.srcKind = sk;
		m.dstKind = dk;
		m.flags = CUPTI_ACTIVITY_FLAG_MEMCPY_ASYNC;
		m.bytes = bytes;
		m.start = start;
		m.end = end;
		m.deviceId = (uint32_t)tfc_fake_current_device();
		m.contextId = 1;
		m.streamId = tfc_fake_stream_id(s);
		m.correlationId = corr;
		m.channelType = CUPTI_CHANNEL_TYPE_ASYNC_MEMCPY;
		append(&m, sizeof(m));
	}
	pthread_mutex_unlock(&mu);
}

void tfc_fake_activity_memset(int value, size_t bytes, cudaStream_t s, uint64_t start)
{
	if (!atomic_load(&any_enabled))
		return;
	uint64_t end = tfc_fake_cupti_now();
	uint32_t corr = atomic_fetch_add(&next_correlation, 1);
	pthread_mutex_lock(&mu);
	api_record(CUPTI_RUNTIME_TRACE_CBID_cudaMemsetAsync_v3020, corr, start, end);
	if (is_enabled(CUPTI_ACTIVITY_KIND_MEMSET)) {
		CUpti_ActivityMemset4 m;
		memset(&m, 0, sizeof(m));
		m.kind = CUPTI_ACTIVITY_KIND_MEMSET;
		m.value = (uint32_t)value;
		m.bytes = bytes;
		m.start = start;
		m.end = end;
		m.deviceId = (uint32_t)tfc_fake_current_device();
		m.contextId = 1;
		m.streamId = tfc_fake_stream_id(s);
		m.correlationId = corr;
		m.flags = CUPTI_ACTIVITY_FLAG_MEMSET_ASYNC;
		m.memoryKind = CUPTI_ACTIVITY_MEMORY_KIND_DEVICE;
		m.channelType = CUPTI_CHANNEL_TYPE_COMPUTE;
		append(&m, sizeof(m));
	}
	pthread_mutex_unlock(&mu);
}

/* ---- CUPTI's functions */

CUptiResult CUPTIAPI cuptiGetTimestamp(uint64_t *timestamp)
{
	if (!timestamp)
		return CUPTI_ERROR_INVALID_PARAMETER;
	*timestamp = tfc_fake_cupti_now();
	return CUPTI_SUCCESS;
}

CUptiResult CUPTIAPI cuptiActivityRegisterCallbacks(CUpti_BuffersCallbackRequestFunc funcBufferRequested,
						    CUpti_BuffersCallbackCompleteFunc funcBufferCompleted)
{
	if (!funcBufferRequested || !funcBufferCompleted)
		return CUPTI_ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&mu);
	requested = funcBufferRequested;
	completed = funcBufferCompleted;
	pthread_mutex_unlock(&mu);
	return CUPTI_SUCCESS;
}

static CUptiResult set_enabled(CUpti_ActivityKind kind, bool on)
{
	if ((unsigned)kind >= CUPTI_ACTIVITY_KIND_COUNT || kind == CUPTI_ACTIVITY_KIND_INVALID)
		return CUPTI_ERROR_INVALID_KIND;
	pthread_mutex_lock(&mu);
	enabled[kind] = on;
	bool any = false;
	for (int k = 0; k < CUPTI_ACTIVITY_KIND_COUNT; k++)
		any |= enabled[k];
	atomic_store(&any_enabled, any);
	pthread_mutex_unlock(&mu);
	return CUPTI_SUCCESS;
}

CUptiResult CUPTIAPI cuptiActivityEnable(CUpti_ActivityKind kind) { return set_enabled(kind, true); }

CUptiResult CUPTIAPI cuptiActivityDisable(CUpti_ActivityKind kind) { return set_enabled(kind, false); }

CUptiResult CUPTIAPI cuptiActivityFlushAll(uint32_t flag)
{
	(void)flag; /* every record is complete when written, so forced or not is the same */
	tfc_fake_activity_settle();
	pthread_mutex_lock(&mu);
	if (!requested) {
		pthread_mutex_unlock(&mu);
		return CUPTI_ERROR_INVALID_OPERATION;
	}
	deliver();
	pthread_mutex_unlock(&mu);
	return CUPTI_SUCCESS;
}

CUptiResult CUPTIAPI cuptiActivityGetNumDroppedRecords(CUcontext context, uint32_t streamId, size_t *n)
{
	(void)context;
	(void)streamId;
	if (!n)
		return CUPTI_ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&mu);
	*n = dropped;
	dropped = 0;
	pthread_mutex_unlock(&mu);
	return CUPTI_SUCCESS;
}

CUptiResult CUPTIAPI cuptiActivityGetNextRecord(uint8_t *buffer, size_t validBufferSizeBytes, CUpti_Activity **record)
{
	if (!buffer || !record)
		return CUPTI_ERROR_INVALID_PARAMETER;
	size_t off = 0;
	if (*record) {
		if ((uint8_t *)*record < buffer)
			return CUPTI_ERROR_INVALID_KIND;
		off = (size_t)((uint8_t *)*record - buffer);
		size_t sz = off < validBufferSizeBytes ? record_size((*record)->kind) : 0;
		if (!sz)
			return CUPTI_ERROR_INVALID_KIND;
		off += sz;
	}
	if (off >= validBufferSizeBytes)
		return CUPTI_ERROR_MAX_LIMIT_REACHED;
	if (validBufferSizeBytes - off < sizeof(CUpti_Activity))
		return CUPTI_ERROR_INVALID_KIND;
	CUpti_Activity *r = (CUpti_Activity *)(buffer + off);
	size_t sz = record_size(r->kind);
	if (!sz || sz > validBufferSizeBytes - off)
		return CUPTI_ERROR_INVALID_KIND;
	*record = r;
	return CUPTI_SUCCESS;
}

CUptiResult CUPTIAPI cuptiActivityPushExternalCorrelationId(CUpti_ExternalCorrelationKind kind, uint64_t id)
{
	if (kind <= CUPTI_EXTERNAL_CORRELATION_KIND_INVALID || kind >= CUPTI_EXTERNAL_CORRELATION_KIND_SIZE)
		return CUPTI_ERROR_INVALID_PARAMETER;
	struct ext_stack *s = &ext[kind];
	if (s->n == EXT_DEPTH)
		tfc_fake_die("cuptiActivityPushExternalCorrelationId: more than %d ids pushed on one thread",
			     EXT_DEPTH);
	s->v[s->n++] = id;
	return CUPTI_SUCCESS;
}

CUptiResult CUPTIAPI cuptiActivityPopExternalCorrelationId(CUpti_ExternalCorrelationKind kind, uint64_t *lastId)
{
	if (kind <= CUPTI_EXTERNAL_CORRELATION_KIND_INVALID || kind >= CUPTI_EXTERNAL_CORRELATION_KIND_SIZE)
		return CUPTI_ERROR_INVALID_PARAMETER;
	struct ext_stack *s = &ext[kind];
	if (!s->n)
		return CUPTI_ERROR_QUEUE_EMPTY;
	s->n--;
	if (lastId)
		*lastId = s->v[s->n];
	return CUPTI_SUCCESS;
}

size_t tfc_fake_cupti_external_depth(void)
{
	size_t n = 0;
	for (int k = 0; k < CUPTI_EXTERNAL_CORRELATION_KIND_SIZE; k++)
		n += ext[k].n;
	return n;
}

static const struct {
	CUptiResult r;
	const char *s;
} results[] = {
	{CUPTI_SUCCESS, "CUPTI_SUCCESS"},
	{CUPTI_ERROR_INVALID_PARAMETER, "CUPTI_ERROR_INVALID_PARAMETER"},
	{CUPTI_ERROR_INVALID_OPERATION, "CUPTI_ERROR_INVALID_OPERATION"},
	{CUPTI_ERROR_MAX_LIMIT_REACHED, "CUPTI_ERROR_MAX_LIMIT_REACHED"},
	{CUPTI_ERROR_NOT_INITIALIZED, "CUPTI_ERROR_NOT_INITIALIZED"},
	{CUPTI_ERROR_QUEUE_EMPTY, "CUPTI_ERROR_QUEUE_EMPTY"},
	{CUPTI_ERROR_INVALID_KIND, "CUPTI_ERROR_INVALID_KIND"},
	{CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED, "CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED"},
};

CUptiResult CUPTIAPI cuptiGetResultString(CUptiResult result, const char **str)
{
	if (!str)
		return CUPTI_ERROR_INVALID_PARAMETER;
	for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
		if (results[i].r == result) {
			*str = results[i].s;
			return CUPTI_SUCCESS;
		}
	}
	*str = NULL;
	return CUPTI_ERROR_INVALID_PARAMETER;
}

/* The runtime API callbacks the fake records (and one whose name has two "_v"s). */
static const struct {
	CUpti_CallbackId cbid;
	const char *name;
} runtime_names[] = {
	{CUPTI_RUNTIME_TRACE_CBID_cudaMemcpy_v3020, "cudaMemcpy_v3020"},
	{CUPTI_RUNTIME_TRACE_CBID_cudaMemcpyAsync_v3020, "cudaMemcpyAsync_v3020"},
	{CUPTI_RUNTIME_TRACE_CBID_cudaMemset_v3020, "cudaMemset_v3020"},
	{CUPTI_RUNTIME_TRACE_CBID_cudaMemsetAsync_v3020, "cudaMemsetAsync_v3020"},
	{CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000, "cudaLaunchKernel_v7000"},
	{CUPTI_RUNTIME_TRACE_CBID_cudaStreamGetCaptureInfo_v2_v11030, "cudaStreamGetCaptureInfo_v2_v11030"},
};

CUptiResult CUPTIAPI cuptiGetCallbackName(CUpti_CallbackDomain domain, uint32_t cbid, const char **name)
{
	if (!name)
		return CUPTI_ERROR_INVALID_PARAMETER;
	*name = NULL;
	if (domain != CUPTI_CB_DOMAIN_RUNTIME_API)
		return CUPTI_ERROR_INVALID_PARAMETER;
	for (size_t i = 0; i < sizeof(runtime_names) / sizeof(runtime_names[0]); i++) {
		if (runtime_names[i].cbid == cbid) {
			*name = runtime_names[i].name;
			return CUPTI_SUCCESS;
		}
	}
	return CUPTI_ERROR_INVALID_PARAMETER;
}
