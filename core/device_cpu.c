/*
 * device_cpu.c: the CPU device (kernels run synchronously on the executor's thread,
 * host memory) and, for the executor's tests, an asynchronous variant that runs each
 * kernel on a thread of its own, in order, and reports completion through a done
 * callback, the way a GPU stream does, and one with memory of its own (its tensors
 * device-resident, as a GPU's are).
 */
#include <pthread.h>
#include <stdatomic.h>

#include "device_iface.h"
#include "internal.h"
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
	if (!d || (d->ops->unref && !d->ops->unref(d)))
		return;
	if (d->ops->destroy)
		d->ops->destroy(d);
	free(d->name);
	free(d->alloc_name);
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

/* ---- the memory test device: the asynchronous test device with memory of its own
 * (see device_iface.h). Device bytes are host bytes XOR 0xA5: only the copies below
 * undo that, so a value that reached a host reader without them is visibly wrong. */

#define SCRAMBLE 0xA5u

struct memdev {
	struct tfc__workq *q;
	atomic_llong to_host, to_device; /* copies made through the device's ops */
	atomic_bool fail_copies;         /* copies to the host fail (error paths' tests) */
};

static void scramble_copy(void *to, const void *from, size_t n)
{
	unsigned char *t = to;
	const unsigned char *f = from;
	for (size_t i = 0; i < n; i++)
		t[i] = f[i] ^ SCRAMBLE;
}

static void mem_copy_to_host(struct tfc_device *d, const void *dev, void *host, size_t n, tfc_status *st,
			     tfc_device_done_fn done, void *arg)
{
	struct memdev *m = d->impl;
	atomic_fetch_add(&m->to_host, 1);
	if (atomic_load(&m->fail_copies))
		tfc_status_set(st, TFC_INTERNAL, "injected copy failure (test device)");
	else {
		scramble_copy(host, dev, n);
		tfc_status_set(st, TFC_OK, NULL);
	}
	done(arg);
}

static void mem_copy_to_device(struct tfc_device *d, const void *host, void *dev, size_t n, tfc_status *st,
			       tfc_device_done_fn done, void *arg)
{
	struct memdev *m = d->impl;
	atomic_fetch_add(&m->to_device, 1);
	scramble_copy(dev, host, n);
	tfc_status_set(st, TFC_OK, NULL);
	done(arg);
}

/* mem_compute gives its CPU kernels host views of everything, but a _Send gets a
 * host copy from the executor, as on a GPU, where the transfer kernels are not
 * device kernels. */
static bool mem_takes_resident(struct tfc_device *d, const struct tfc_kernel_def *k)
{
	(void)d;
	return strcmp(k->op, "_Send") != 0;
}

static bool device_dtype(tfc_dtype t)
{
	return tfc_dtype_size(t) > 0 && t != TFC_STRING && t != TFC_RESOURCE && t != TFC_VARIANT;
}

/* Runs a CPU kernel as if it were the device's: inputs in this device's memory are
 * handed to it as plain host tensors (not counted: a GPU kernel reads them where
 * they are), and its numeric outputs move into device memory. */
static void mem_compute(struct tfc_device *d, const struct tfc_kernel_def *k, struct tfc_kernel_ctx *ctx)
{
	int n = ctx->n_inputs;
	tfc_tensor **orig = tfc__calloc((size_t)n + 1, sizeof(*orig));
	for (int i = 0; i < n; i++) {
		tfc_tensor *t = ctx->inputs[i];
		if (!t || tfc__tensor_device(t) != d)
			continue;
		tfc_tensor *h = tfc_tensor_new(t->dtype, t->shape.dims, t->shape.rank, NULL);
		scramble_copy(h->buf->data, t->buf->data, t->buf->size);
		orig[i] = t;
		((tfc_tensor **)ctx->inputs)[i] = h; /* the executor's array, restored below */
	}
	k->compute(ctx);
	for (int i = 0; i < n; i++) {
		if (!orig[i])
			continue;
		tfc_tensor_free(ctx->inputs[i]);
		((tfc_tensor **)ctx->inputs)[i] = orig[i];
	}
	free(orig);
	for (int i = 0; i < ctx->n_outputs; i++) {
		tfc_tensor *t = ctx->outputs[i];
		if (!t || tfc__tensor_device(t) || !device_dtype(t->dtype))
			continue;
		tfc_status st = {0};
		tfc_tensor *m = tfc__tensor_new_on_device(d, t->dtype, t->shape.dims, t->shape.rank, &st);
		if (!m) {
			tfc_kernel_error(ctx, st.code, "%s", st.msg);
			free(st.msg);
			continue;
		}
		scramble_copy(m->buf->data, t->buf->data, t->buf->size);
		tfc_tensor_free(t);
		ctx->outputs[i] = m;
	}
}

/* On the device's stream thread (its work queue's context is the device). */
static void mem_run_job(void *dev, void *item)
{
	struct job *j = item;
	mem_compute(dev, j->k, j->ctx);
	j->done(j->arg);
	free(j);
}

static void mem_compute_async(struct tfc_device *d, const struct tfc_kernel_def *k, struct tfc_kernel_ctx *ctx,
			      tfc_device_done_fn done, void *arg)
{
	struct memdev *m = d->impl;
	struct job *j = tfc__malloc(sizeof(*j));
	*j = (struct job){k, ctx, done, arg};
	tfc__workq_push(m->q, j);
}

static void mem_destroy(struct tfc_device *d)
{
	struct memdev *m = d->impl;
	tfc__workq_free(m->q);
	free(m);
}

static const struct tfc_device_ops cpu_memory_ops = {
	.type = "CPU",
	.compute = mem_compute,
	.compute_async = mem_compute_async,
	.alloc = cpu_alloc,
	.dealloc = cpu_dealloc,
	.copy_to_device = mem_copy_to_device,
	.copy_to_host = mem_copy_to_host,
	.takes_resident = mem_takes_resident,
	.destroy = mem_destroy,
};

struct tfc_device *tfc__device_cpu_memory_new(const char *name, int index)
{
	struct tfc_device *d = device_new(&cpu_memory_ops, name, index);
	struct memdev *m = tfc__calloc(1, sizeof(*m));
	tfc_status st = {0};
	d->alloc_name = tfc__asprintf("test_device_%d_mem", index);
	m->q = tfc__workq_new(mem_run_job, d, &st);
	d->impl = m;
	if (!m->q) {
		free(st.msg);
		tfc__device_free(d);
		return NULL;
	}
	return d;
}

void tfc__device_cpu_memory_counts(struct tfc_device *d, int64_t *to_host, int64_t *to_device)
{
	struct memdev *m = d->impl;
	*to_host = atomic_load(&m->to_host);
	*to_device = atomic_load(&m->to_device);
}

void tfc__device_cpu_memory_fail_copies(struct tfc_device *d, bool fail)
{
	struct memdev *m = d->impl;
	atomic_store(&m->fail_copies, fail);
}
