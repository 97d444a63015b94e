/*
 * fake.h: what the files of tests/fakecuda share. tests/fakecuda is a test double of
 * the CUDA runtime, cuBLAS and the device code's launchers (cuda/gpu_internal.h), so
 * the host code of cuda/ runs in `make check` on machines without a GPU. Everything
 * runs synchronously on the calling thread, at call time.
 *
 * Device memory is host memory whose address is scrambled into a non-canonical
 * x86-64 address (fake_cuda.c), so a host dereference of a device pointer faults at
 * once; the fake's own functions turn device addresses back with tfc_fake_dev, which
 * aborts with a message for an address that is not inside a live allocation.
 */
#ifndef TFC_FAKECUDA_FAKE_H
#define TFC_FAKECUDA_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cublas_v2.h>
#include <cuda_runtime.h>

/* The host address of bytes [d, d + bytes) of device memory, which must lie inside
 * one live cudaMalloc block; aborts, naming `what`, otherwise. bytes 0 still needs d
 * to be a device address of a live block (or its end). */
void *tfc_fake_dev(const void *d, size_t bytes, const char *what);

/* Whether p has the shape of a (fake) device address; cheap, no lookup. */
bool tfc_fake_is_dev(const void *p);

/* Aborts unless s is the legacy default stream (0) or a live stream of the fake. */
void tfc_fake_check_stream(cudaStream_t s, const char *what);

/* For tests: the cudaMemcpy*s host -> device and device -> host made so far. */
void tfc_fake_copy_counts(int64_t *to_device, int64_t *to_host);

/* ---- CUPTI's activity (fake_cupti.c): what the fake runtime reports while the
 * tracer has kinds enabled; all of it costs one atomic load when none is. */

/* A made-up launch configuration for a kernel record. */
struct tfc_fake_launch {
	int grid[3], block[3];
	int registers;  /* per thread */
	int static_shm; /* bytes */
};

/* A kernel launched on stream s: a cudaLaunchKernel runtime API record (after the
 * external correlation records of the ids pushed on this thread) now, and a
 * CONCURRENT_KERNEL record named name (a launcher's "tfc__gpu_launch_xxx" becomes
 * "tfc_fake_xxx") that starts now and ends at this thread's next call into the fake,
 * when the host twin's work is done. cfg NULL: grid 16x1x1, block 256x1x1, 32
 * registers, no shared memory.
 *
 * Launchers need not call it: tfc_fake_check_stream(s, what) calls it whenever what
 * starts with "tfc__gpu_launch_", so a launcher twin that checks its stream first,
 * under its own name (as every one in launch*.c does), gets its kernel records for
 * free, and so will new ones. */
void tfc_fake_activity_kernel(const char *name, cudaStream_t s, const struct tfc_fake_launch *cfg);

/* Ends this thread's kernel launched last, if its record is still open. Every call
 * into the fake that waits, checks a stream or a cuBLAS handle, or reads the last
 * error calls it (a launch is followed by one of those). */
void tfc_fake_activity_settle(void);

/* A copy of bytes done from start (tfc_fake_cupti_now) until now: a cudaMemcpyAsync
 * runtime API record and a MEMCPY record of kind (HostToDevice, ...); *_pinned: the
 * host side is cudaHostAlloc memory. */
void tfc_fake_activity_copy(enum cudaMemcpyKind kind, bool src_pinned, bool dst_pinned, size_t bytes,
			    cudaStream_t s, uint64_t start);
/* A memset of bytes to value done from start until now: cudaMemsetAsync and MEMSET
 * records. */
void tfc_fake_activity_memset(int value, size_t bytes, cudaStream_t s, uint64_t start);

/* CUPTI's clock (cuptiGetTimestamp): ns, CLOCK_MONOTONIC + 1 s on purpose. */
uint64_t tfc_fake_cupti_now(void);
/* For tests: how many external correlation ids this thread has pushed and not popped. */
size_t tfc_fake_cupti_external_depth(void);

/* CUPTI's stream id of s (7 for the legacy default stream, as in TensorFlow's traces)
 * and the calling thread's current device. */
uint32_t tfc_fake_stream_id(cudaStream_t s);
int tfc_fake_current_device(void);

/* Prints "fakecuda: <message>" to stderr and aborts: a misuse of the CUDA API that
 * the real one would answer with a crash or undefined behaviour. */
_Noreturn void tfc_fake_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* TFC_FAKECUDA_FAKE_H */
