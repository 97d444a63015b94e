/*
 * device_cpu.c: the CPU device (kernels run synchronously on the executor's thread,
 * host memory) and, for the executor's tests, an asynchronous variant that runs each
 * kernel on a thread of its own, in order, and reports completion through a done
 * callback, the way a GPU stream does.
 */
#include <pthread.h>

#include "device_iface.h"
#include "workq.h"

static void cpu_compute(struct tfc_device *d, const struct tfc_kernel_def *k,
			struct tfc_kernel_ctx *ctx)
{
	(void)d;
	k->compute(ctx);
}

static void *cpu_alloc(struct tfc_device *d, size_t bytes, tfc_status *st)
{
	(void)d;
	size_t n = (bytes + 63) / 64 * 64;
	void *p = aligned_alloc(64, n ? n : 64);
	if (!p)
		tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "OOM allocating %zu bytes on CPU", bytes);
	return p;
}

static void cpu_dealloc(struct tfc_device *d, void *p)
{
	(void)d;
	free(p);
}

/* Host and device memory are the same memory. */
static void cpu_copy(struct tfc_device *d, const void *from, void *to, size_t n, tfc_status *st,
		     tfc_device_done_fn done, void *arg)
{
	(void)d;
	memcpy(to, from, n);
	tfc_status_set(st, TFC_OK, NULL);
	done(arg);
}

static void cpu_destroy(struct tfc_device *d) { (void)d; }

static const struct tfc_device_ops cpu_ops = {
	.type = "CPU",
	.compute = cpu_compute,
	.alloc = cpu_alloc,
	.dealloc = cpu_dealloc,
	.copy_to_device = cpu_copy,
	.copy_to_host = cpu_copy,
	.destroy = cpu_destroy,
};

static struct tfc_device *device_new(const struct tfc_device_ops *ops, const char *name, int index)
{
	struct tfc_device *d = tfc__calloc(1, sizeof(*d));
	d->ops = ops;
	d->name = tfc__strdup(name);
	d->index = index;
	return d;
}

struct tfc_device *tfc__device_cpu_new(const char *name, int index)
{
	return device_new(&cpu_ops, name, index);
}

void tfc__device_free(struct tfc_device *d)
{
	if (!d)
		return;
	if (d->ops->destroy)
		d->ops->destroy(d);
	free(d->name);
	free(d);
}

/* ---- the asynchronous test device: one "stream" thread, FIFO */

struct job {
	const struct tfc_kernel_def *k;
	struct tfc_kernel_ctx *ctx;
	tfc_device_done_fn done;
	void *arg;
};

/* On the stream thread: the kernel, then its done callback. */
static void run_job(void *unused, void *item)
{
	(void)unused;
	struct job *j = item;
	j->k->compute(j->ctx);
	j->done(j->arg);
	free(j);
}

static void async_compute(struct tfc_device *d, const struct tfc_kernel_def *k,
			  struct tfc_kernel_ctx *ctx, tfc_device_done_fn done, void *arg)
{
	struct job *j = tfc__malloc(sizeof(*j));
	*j = (struct job){k, ctx, done, arg};
	tfc__workq_push(d->impl, j);
}

static void async_destroy(struct tfc_device *d) { tfc__workq_free(d->impl); }

static const struct tfc_device_ops cpu_async_ops = {
	.type = "CPU",
	.compute = cpu_compute,
	.compute_async = async_compute,
	.alloc = cpu_alloc,
	.dealloc = cpu_dealloc,
	.copy_to_device = cpu_copy,
	.copy_to_host = cpu_copy,
	.destroy = async_destroy,
};

struct tfc_device *tfc__device_cpu_async_new(const char *name, int index)
{
	struct tfc_device *d = device_new(&cpu_async_ops, name, index);
	tfc_status st = {0};
	d->impl = tfc__workq_new(run_job, NULL, &st);
	if (!d->impl) { /* no thread: a test device that cannot run is no use */
		free(st.msg);
		tfc__device_free(d);
		return NULL;
	}
	return d;
}
