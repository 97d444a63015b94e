/*
 * device_iface.h: the interface the executor runs kernels through. A device is a
 * vtable plus its own state. The CPU device (core/device_cpu.c) computes
 * synchronously; a GPU device (cuda/, later) is asynchronous: compute_async queues
 * the kernel on a stream and calls `done` when it has finished, from any thread, and
 * tensors move through copy_to_device / copy_to_host on copy streams. The executor
 * handles both: a synchronous node finishes on the calling thread, an asynchronous
 * one finishes in its done callback, which schedules the node's successors.
 */
#ifndef TFC_DEVICE_IFACE_H
#define TFC_DEVICE_IFACE_H

#include "kernel.h"

struct tfc_device;

/* Called by an asynchronous device when a kernel (or copy) has finished; errors are
 * in the kernel context's status (or `st` for copies). */
typedef void (*tfc_device_done_fn)(void *arg);

struct tfc_device_ops {
	const char *type; /* "CPU", "GPU" */
	/* Runs k on ctx and returns when it is done (synchronous devices). */
	void (*compute)(struct tfc_device *d, const struct tfc_kernel_def *k,
			struct tfc_kernel_ctx *ctx);
	/* (optional) Starts k on ctx and returns at once; done(arg) follows when the
	 * work is finished. Devices that have it are asynchronous. */
	void (*compute_async)(struct tfc_device *d, const struct tfc_kernel_def *k,
			      struct tfc_kernel_ctx *ctx, tfc_device_done_fn done, void *arg);
	/* (optional) Device memory: alloc returns NULL with st set when exhausted. */
	void *(*alloc)(struct tfc_device *d, size_t bytes, tfc_status *st);
	void (*dealloc)(struct tfc_device *d, void *p);
	/* (optional) Copies n bytes host -> device or device -> host, asynchronously on
	 * a copy stream; done(arg) when finished, st set on failure. */
	void (*copy_to_device)(struct tfc_device *d, const void *host, void *dev, size_t n,
			       tfc_status *st, tfc_device_done_fn done, void *arg);
	void (*copy_to_host)(struct tfc_device *d, const void *dev, void *host, size_t n,
			     tfc_status *st, tfc_device_done_fn done, void *arg);
	/* (optional) Whether kernel k, run on this device, takes inputs that live in the
	 * device's memory (tfc__tensor_new_on_device) as they are. NULL, or false: the
	 * executor hands k host copies of them (core/device_memory.c); inputs named by
	 * k->host_inputs always get host copies. */
	bool (*takes_resident)(struct tfc_device *d, const struct tfc_kernel_def *k);
	/* (optional) Waits until everything queued on the device has finished. */
	void (*sync)(struct tfc_device *d, tfc_status *st);
	/* (optional) For a device shared by sessions (a GPU: one per process): drops the
	 * caller's use and says whether it was the last, in which case tfc__device_free
	 * goes on to destroy it. NULL: every device has one owner. */
	bool (*unref)(struct tfc_device *d);
	/* Frees the device's state. */
	void (*destroy)(struct tfc_device *d);
};

struct tfc_device {
	const struct tfc_device_ops *ops;
	char *name;  /* "/job:localhost/replica:0/task:0/device:CPU:0" (owned) */
	int index;   /* N of device:TYPE:N */
	void *impl;  /* the device's own state */
	/* The allocator that holds tensors in its memory, as step stats name it
	 * ("GPU_0_bfc"; owned), or NULL for a device without memory of its own. */
	char *alloc_name;
};

/* A CPU device named `name` (copied). Freed with tfc__device_free. */
struct tfc_device *tfc__device_cpu_new(const char *name, int index);
/* For tests of the executor's asynchronous path: a CPU device whose kernels run on a
 * worker thread of its own and finish through done callbacks, like a GPU stream. */
struct tfc_device *tfc__device_cpu_async_new(const char *name, int index);
/* For tests of device-resident tensors: the asynchronous test device with memory of
 * its own. Its outputs of numeric dtypes live in that memory, stored scrambled (every
 * byte XOR 0xA5), so a host read that skipped the copy back gives wrong numbers;
 * its kernels (the CPU ones) see plain host copies of their inputs. Every copy
 * between host and device is counted. */
struct tfc_device *tfc__device_cpu_memory_new(const char *name, int index);
/* The copies a memory test device has made: to the host, and to the device. */
void tfc__device_cpu_memory_counts(struct tfc_device *d, int64_t *to_host, int64_t *to_device);
/* From now on its copies to the host fail (Internal), or work again. */
void tfc__device_cpu_memory_fail_copies(struct tfc_device *d, bool fail);
void tfc__device_free(struct tfc_device *d);

/* ---- device-resident tensors (core/device_memory.c) */

/* A host tensor with t's contents: t itself (a new reference) when t is in host
 * memory, else a copy made through its device's copy_to_host, waited for. NULL with
 * st set when the copy fails. */
tfc_tensor *tfc__tensor_to_host(tfc_tensor *t, tfc_status *st);
/* Before kernel k runs on dev: each of the n inputs in[] that lives in some device's
 * memory and that k cannot take there (another device's, a host_inputs one, or dev
 * does not take it: takes_resident) is replaced by a host copy (the old reference
 * freed). False with st set, naming the input, when a copy fails. */
bool tfc__device_prepare_inputs(struct tfc_device *dev, const struct tfc_kernel_def *k, tfc_tensor **in, int n,
				tfc_status *st);

#endif /* TFC_DEVICE_IFACE_H */
