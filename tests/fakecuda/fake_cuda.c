/*
 * fake_cuda.c: the fake CUDA runtime (see fake.h): the cuda* functions that the files of cuda/
 * call, no more. Devices: TFC_FAKE_GPUS of them (default 1; 0 gives
 * cudaErrorNoDevice as a machine without a GPU does), each "tfc fake GPU" with 1 GiB.
 * Device memory comes from mmap (pages appear when touched, so the caching
 * allocator's one large region costs nothing, and MALLOC_PERTURB_ does not fill it)
 * and is handed out as address XOR TFC_FAKE_DEV_MASK, a non-canonical address.
 * Streams and events are checked handles: the work is done at call time, so every
 * ordering a program asks for holds trivially, and synchronizing succeeds. The last
 * error is per thread, as in CUDA. While CUPTI's activity kinds are enabled
 * (fake_cupti.c), launches, copies and memsets are reported to it (fake.h).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fake.h"

/* Heap and mmap addresses of user space have their top 17 bits clear; with these
 * bits set an address is non-canonical, and any load or store through it faults. */
#define TFC_FAKE_DEV_MASK ((uintptr_t)0x5a00000000000000u)
#define TFC_FAKE_MEMORY ((size_t)1 << 30)

_Noreturn void tfc_fake_die(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "fakecuda: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/* ---- the table of live things: device blocks, pinned host blocks, streams, events */

enum kind { K_DEV, K_HOST, K_STREAM, K_EVENT };

struct entry {
	enum kind kind;
	void *p;     /* host address (K_DEV: of the mapping), or the handle */
	size_t size; /* K_DEV: bytes asked for; K_DEV mappings are page-rounded */
	int device;  /* K_DEV, K_STREAM, K_EVENT: the device current when it was made */
};

static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER; /* guards the four below */
static struct entry *table;
static size_t n_table, cap_table;
static size_t dev_in_use; /* bytes of live K_DEV blocks */

static void table_add(struct entry e)
{
	pthread_mutex_lock(&table_mu);
	if (n_table == cap_table) {
		cap_table = cap_table ? 2 * cap_table : 64;
		table = realloc(table, cap_table * sizeof(*table));
		if (!table)
			tfc_fake_die("out of memory");
	}
	table[n_table++] = e;
	if (e.kind == K_DEV)
		dev_in_use += e.size;
	pthread_mutex_unlock(&table_mu);
}

/* Removes the entry of kind k for exactly p; false when there is none. */
static bool table_remove(enum kind k, const void *p, struct entry *out)
{
	bool found = false;
	pthread_mutex_lock(&table_mu);
	for (size_t i = 0; i < n_table; i++) {
		if (table[i].kind != k || table[i].p != p)
			continue;
		*out = table[i];
		table[i] = table[--n_table];
		if (k == K_DEV)
			dev_in_use -= out->size;
		found = true;
		break;
	}
	pthread_mutex_unlock(&table_mu);
	return found;
}

static bool table_has(enum kind k, const void *p)
{
	bool found = false;
	pthread_mutex_lock(&table_mu);
	for (size_t i = 0; i < n_table && !found; i++)
		found = table[i].kind == k && table[i].p == p;
	pthread_mutex_unlock(&table_mu);
	return found;
}

bool tfc_fake_is_dev(const void *p)
{
	return ((uintptr_t)p & ~(uintptr_t)0 << 56) == TFC_FAKE_DEV_MASK;
}

void *tfc_fake_dev(const void *d, size_t bytes, const char *what)
{
	if (!tfc_fake_is_dev(d))
		tfc_fake_die("%s: %p is not a device address (a host pointer where device memory belongs?)", what, d);
	char *h = (char *)((uintptr_t)d ^ TFC_FAKE_DEV_MASK);
	bool inside = false, overrun = false;
	size_t block = 0;
	pthread_mutex_lock(&table_mu);
	for (size_t i = 0; i < n_table; i++) {
		char *base = table[i].p;
		if (table[i].kind != K_DEV || h < base || h > base + table[i].size)
			continue;
		inside = (size_t)(base + table[i].size - h) >= bytes;
		overrun = !inside;
		block = table[i].size;
		break;
	}
	pthread_mutex_unlock(&table_mu);
	if (overrun)
		tfc_fake_die("%s: %zu bytes at device address %p run past the end of its %zu-byte block", what, bytes,
			     d, block);
	if (!inside)
		tfc_fake_die("%s: device address %p is in no live cudaMalloc block (freed, or never allocated)", what,
			     d);
	return h;
}

/* Whether host memory [p, p + bytes) lies inside one cudaHostAlloc block. */
static bool is_pinned(const void *p, size_t bytes)
{
	bool found = false;
	const char *c = p;
	pthread_mutex_lock(&table_mu);
	for (size_t i = 0; i < n_table && !found; i++) {
		const char *base = table[i].p;
		found = table[i].kind == K_HOST && c >= base && (size_t)(base + table[i].size - c) >= bytes &&
			c <= base + table[i].size;
	}
	pthread_mutex_unlock(&table_mu);
	return found;
}

void tfc_fake_check_stream(cudaStream_t s, const char *what)
{
	tfc_fake_activity_settle();
	if (s && !table_has(K_STREAM, s))
		tfc_fake_die("%s: %p is not a live stream", what, (void *)s);
	if (!strncmp(what, "tfc__gpu_launch_", 16))
		tfc_fake_activity_kernel(what, s, NULL);
}

/* ---- devices and errors */

static int n_devices = -1;
static pthread_once_t devices_once = PTHREAD_ONCE_INIT;
static _Thread_local cudaError_t last_error = cudaSuccess;
static _Thread_local int current_device;

static void devices_init(void)
{
	const char *e = getenv("TFC_FAKE_GPUS");
	n_devices = e && *e ? atoi(e) : 1;
	if (n_devices < 0)
		n_devices = 0;
}

static int device_count(void)
{
	pthread_once(&devices_once, devices_init);
	return n_devices;
}

/* Returns e, remembering it as the thread's last error when it is one. */
static cudaError_t result(cudaError_t e)
{
	if (e != cudaSuccess)
		last_error = e;
	return e;
}

cudaError_t cudaGetLastError(void)
{
	tfc_fake_activity_settle();
	cudaError_t e = last_error;
	last_error = cudaSuccess;
	return e;
}

cudaError_t cudaPeekAtLastError(void)
{
	tfc_fake_activity_settle();
	return last_error;
}

int tfc_fake_current_device(void) { return current_device; }

static const struct {
	cudaError_t e;
	const char *name, *text;
} errors[] = {
	{cudaSuccess, "cudaSuccess", "no error"},
	{cudaErrorInvalidValue, "cudaErrorInvalidValue", "invalid argument"},
	{cudaErrorMemoryAllocation, "cudaErrorMemoryAllocation", "out of memory"},
	{cudaErrorInvalidDevice, "cudaErrorInvalidDevice", "invalid device ordinal"},
	{cudaErrorNoDevice, "cudaErrorNoDevice", "no CUDA-capable device is detected"},
	{cudaErrorInvalidResourceHandle, "cudaErrorInvalidResourceHandle", "invalid resource handle"},
};

const char *cudaGetErrorName(cudaError_t e)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (errors[i].e == e)
			return errors[i].name;
	return "cudaErrorUnknown";
}

const char *cudaGetErrorString(cudaError_t e)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (errors[i].e == e)
			return errors[i].text;
	return "unrecognized error code";
}

cudaError_t cudaGetDeviceCount(int *count)
{
	if (!count)
		return result(cudaErrorInvalidValue);
	*count = device_count();
	return result(*count ? cudaSuccess : cudaErrorNoDevice);
}

cudaError_t cudaSetDevice(int device)
{
	if (device < 0 || device >= device_count())
		return result(device_count() ? cudaErrorInvalidDevice : cudaErrorNoDevice);
	current_device = device;
	return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp *prop, int device)
{
	if (!prop)
		return result(cudaErrorInvalidValue);
	if (device < 0 || device >= device_count())
		return result(cudaErrorInvalidDevice);
	memset(prop, 0, sizeof(*prop));
	snprintf(prop->name, sizeof(prop->name), "tfc fake GPU");
	prop->totalGlobalMem = TFC_FAKE_MEMORY;
	prop->major = 9;
	prop->minor = 0;
	prop->multiProcessorCount = 4;
	prop->warpSize = 32;
	prop->maxThreadsPerBlock = 1024;
	prop->pciBusID = device + 1;
	return cudaSuccess;
}

cudaError_t cudaDeviceGetPCIBusId(char *pciBusId, int len, int device)
{
	if (!pciBusId || len <= 0)
		return result(cudaErrorInvalidValue);
	if (device < 0 || device >= device_count())
		return result(cudaErrorInvalidDevice);
	snprintf(pciBusId, (size_t)len, "0000:%02x:00.0", device + 1);
	return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize(void)
{
	tfc_fake_activity_settle();
	return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t *free_b, size_t *total)
{
	if (!free_b || !total)
		return result(cudaErrorInvalidValue);
	pthread_mutex_lock(&table_mu);
	size_t used = dev_in_use;
	pthread_mutex_unlock(&table_mu);
	*total = TFC_FAKE_MEMORY;
	*free_b = used < TFC_FAKE_MEMORY ? TFC_FAKE_MEMORY - used : 0;
	return cudaSuccess;
}

/* ---- memory */

cudaError_t cudaMalloc(void **devPtr, size_t size)
{
	if (!devPtr)
		return result(cudaErrorInvalidValue);
	*devPtr = NULL;
	if (size == 0)
		return cudaSuccess;
	pthread_mutex_lock(&table_mu);
	bool room = size <= TFC_FAKE_MEMORY - dev_in_use;
	pthread_mutex_unlock(&table_mu);
	if (!room)
		return result(cudaErrorMemoryAllocation);
	void *h = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (h == MAP_FAILED)
		return result(cudaErrorMemoryAllocation);
	if (tfc_fake_is_dev(h) || ((uintptr_t)h >> 56) != 0)
		tfc_fake_die("mmap gave %p, which the fake cannot scramble", h);
	table_add((struct entry){K_DEV, h, size, current_device});
	*devPtr = (void *)((uintptr_t)h ^ TFC_FAKE_DEV_MASK);
	return cudaSuccess;
}

cudaError_t cudaFree(void *devPtr)
{
	if (!devPtr)
		return cudaSuccess;
	struct entry e;
	if (!tfc_fake_is_dev(devPtr) || !table_remove(K_DEV, (void *)((uintptr_t)devPtr ^ TFC_FAKE_DEV_MASK), &e))
		tfc_fake_die("cudaFree(%p): not the start of a live cudaMalloc block", devPtr);
	munmap(e.p, e.size);
	return cudaSuccess;
}

cudaError_t cudaHostAlloc(void **pHost, size_t size, unsigned int flags)
{
	(void)flags;
	if (!pHost)
		return result(cudaErrorInvalidValue);
	void *p = NULL;
	if (posix_memalign(&p, 4096, size ? size : 1))
		return result(cudaErrorMemoryAllocation);
	table_add((struct entry){K_HOST, p, size, current_device});
	*pHost = p;
	return cudaSuccess;
}

cudaError_t cudaFreeHost(void *ptr)
{
	struct entry e;
	if (!ptr)
		return cudaSuccess;
	if (!table_remove(K_HOST, ptr, &e))
		tfc_fake_die("cudaFreeHost(%p): not a block of cudaHostAlloc", ptr);
	free(ptr);
	return cudaSuccess;
}

static atomic_llong n_to_device, n_to_host;

void tfc_fake_copy_counts(int64_t *to_device, int64_t *to_host)
{
	*to_device = atomic_load(&n_to_device);
	*to_host = atomic_load(&n_to_host);
}

/* A host pointer where the API wants one: a device address there is a bug. */
static void check_host(const void *p, const char *what)
{
	if (!p)
		tfc_fake_die("%s: NULL host pointer", what);
	if (tfc_fake_is_dev(p))
		tfc_fake_die("%s: %p is device memory where host memory belongs", what, p);
}

cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind,
			    cudaStream_t stream)
{
	tfc_fake_check_stream(stream, "cudaMemcpyAsync");
	if (kind == cudaMemcpyDefault) /* unified addressing: the addresses say */
		kind = tfc_fake_is_dev(src) ? (tfc_fake_is_dev(dst) ? cudaMemcpyDeviceToDevice : cudaMemcpyDeviceToHost)
					    : (tfc_fake_is_dev(dst) ? cudaMemcpyHostToDevice : cudaMemcpyHostToHost);
	if (count == 0)
		return cudaSuccess;
	uint64_t t0 = tfc_fake_cupti_now();
	void *to = dst;
	const void *from = src;
	switch (kind) {
	case cudaMemcpyHostToDevice:
		check_host(src, "cudaMemcpyAsync(HostToDevice) source");
		to = tfc_fake_dev(dst, count, "cudaMemcpyAsync(HostToDevice) destination");
		atomic_fetch_add(&n_to_device, 1);
		break;
	case cudaMemcpyDeviceToHost:
		from = tfc_fake_dev(src, count, "cudaMemcpyAsync(DeviceToHost) source");
		check_host(dst, "cudaMemcpyAsync(DeviceToHost) destination");
		atomic_fetch_add(&n_to_host, 1);
		break;
	case cudaMemcpyDeviceToDevice:
		from = tfc_fake_dev(src, count, "cudaMemcpyAsync(DeviceToDevice) source");
		to = tfc_fake_dev(dst, count, "cudaMemcpyAsync(DeviceToDevice) destination");
		break;
	case cudaMemcpyHostToHost:
		check_host(src, "cudaMemcpyAsync(HostToHost) source");
		check_host(dst, "cudaMemcpyAsync(HostToHost) destination");
		break;
	default:
		return result(cudaErrorInvalidValue);
	}
	memmove(to, from, count);
	bool from_host = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyHostToHost;
	bool to_host = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyHostToHost;
	tfc_fake_activity_copy(kind, from_host && is_pinned(src, count), to_host && is_pinned(dst, count), count, stream,
			       t0);
	return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void *devPtr, int value, size_t count, cudaStream_t stream)
{
	tfc_fake_check_stream(stream, "cudaMemsetAsync");
	if (count == 0)
		return cudaSuccess;
	uint64_t t0 = tfc_fake_cupti_now();
	memset(tfc_fake_dev(devPtr, count, "cudaMemsetAsync"), value, count);
	tfc_fake_activity_memset(value, count, stream, t0);
	return cudaSuccess;
}

/* ---- streams and events: checked handles; the work is already done */

struct CUstream_st {
	unsigned flags;
	uint32_t id; /* CUPTI's stream id */
};

/* CUPTI numbers streams per context; the legacy default stream shows as 7 in
 * TensorFlow's traces, and created ones follow. */
#define TFC_FAKE_DEFAULT_STREAM_ID 7u
static atomic_uint next_stream_id = TFC_FAKE_DEFAULT_STREAM_ID + 6;

uint32_t tfc_fake_stream_id(cudaStream_t s) { return s ? s->id : TFC_FAKE_DEFAULT_STREAM_ID; }

struct CUevent_st {
	unsigned flags;
	bool recorded;
};

cudaError_t cudaStreamCreateWithFlags(cudaStream_t *pStream, unsigned int flags)
{
	if (!pStream || (flags & ~(unsigned)cudaStreamNonBlocking))
		return result(cudaErrorInvalidValue);
	struct CUstream_st *s = calloc(1, sizeof(*s));
	if (!s)
		return result(cudaErrorMemoryAllocation);
	s->flags = flags;
	s->id = atomic_fetch_add(&next_stream_id, 1);
	table_add((struct entry){K_STREAM, s, 0, current_device});
	*pStream = s;
	return cudaSuccess;
}

cudaError_t cudaStreamDestroy(cudaStream_t stream)
{
	struct entry e;
	if (!stream || !table_remove(K_STREAM, stream, &e))
		tfc_fake_die("cudaStreamDestroy(%p): not a live stream", (void *)stream);
	free(stream);
	return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream)
{
	tfc_fake_check_stream(stream, "cudaStreamSynchronize");
	return cudaSuccess;
}

static void check_event(cudaEvent_t ev, const char *what)
{
	if (!ev || !table_has(K_EVENT, ev))
		tfc_fake_die("%s: %p is not a live event", what, (void *)ev);
}

cudaError_t cudaEventCreateWithFlags(cudaEvent_t *event, unsigned int flags)
{
	unsigned known = cudaEventBlockingSync | cudaEventDisableTiming | cudaEventInterprocess;
	if (!event || (flags & ~known))
		return result(cudaErrorInvalidValue);
	struct CUevent_st *ev = calloc(1, sizeof(*ev));
	if (!ev)
		return result(cudaErrorMemoryAllocation);
	ev->flags = flags;
	table_add((struct entry){K_EVENT, ev, 0, current_device});
	*event = ev;
	return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event)
{
	struct entry e;
	if (!event || !table_remove(K_EVENT, event, &e))
		tfc_fake_die("cudaEventDestroy(%p): not a live event", (void *)event);
	free(event);
	return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream)
{
	check_event(event, "cudaEventRecord");
	tfc_fake_check_stream(stream, "cudaEventRecord");
	event->recorded = true;
	return cudaSuccess;
}

cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned int flags)
{
	tfc_fake_check_stream(stream, "cudaStreamWaitEvent");
	check_event(event, "cudaStreamWaitEvent");
	if (flags != 0)
		return result(cudaErrorInvalidValue);
	return cudaSuccess;
}
