/*
 * gpu_device.c: the GPU device: discovery through the CUDA runtime, and the device
 * of core/device_iface.h for one CUDA device. Kernels run in order on a stream
 * thread of the device (compute_async queues them and returns); each runs with the
 * GPU as its thread's current one, moves its host-resident inputs in through pinned
 * buffers on the h2d stream (inputs already in the GPU's memory are used where they
 * are), computes on the compute stream (which waits on the copies' events) into
 * outputs that stay in the GPU's memory, and is finished (the stream synchronized)
 * before `done`, so a later kernel or copy may read those outputs at once.
 */
#include <stdio.h>

#include "gpu_internal.h"
#include "session_internal.h"
#include "workq.h"

bool tfc__cuda_check(cudaError_t e, const char *call, const char *file, int line, tfc_status *st)
{
	if (e == cudaSuccess)
		return true;
	cudaGetLastError(); /* clear it, so the next call does not see it */
	tfc_status_set(st, e == cudaErrorMemoryAllocation ? TFC_RESOURCE_EXHAUSTED : TFC_INTERNAL,
		       "%s failed: %s (%s, %s:%d)", call, cudaGetErrorString(e), cudaGetErrorName(e), file,
		       line);
	return false;
}

bool tfc__cublas_check(cublasStatus_t e, const char *call, tfc_status *st)
{
	if (e == CUBLAS_STATUS_SUCCESS)
		return true;
	tfc_status_set(st, TFC_INTERNAL, "%s failed: %s", call, cublasGetStatusString(e));
	return false;
}

/* ---- discovery */

int tfc__gpu_count(char *why, size_t n)
{
	int count = 0;
	cudaError_t e = cudaGetDeviceCount(&count);
	if (e != cudaSuccess) {
		cudaGetLastError();
		snprintf(why, n, "%s (%s)", cudaGetErrorString(e), cudaGetErrorName(e));
		return 0;
	}
	if (count == 0)
		snprintf(why, n, "the CUDA runtime found no device");
	return count;
}

void tfc__gpu_describe(int i, char *buf, size_t n)
{
	struct cudaDeviceProp p;
	char bus[32] = "?";
	if (cudaGetDeviceProperties(&p, i) != cudaSuccess) {
		cudaGetLastError();
		snprintf(buf, n, "device: %d", i);
		return;
	}
	cudaDeviceGetPCIBusId(bus, sizeof(bus), i);
	snprintf(buf, n, "device: %d, name: %s, pci bus id: %s, compute capability: %d.%d", i, p.name, bus,
		 p.major, p.minor);
}

/* ---- the current GPU of a stream thread, and the helpers of GPU kernels */

static _Thread_local struct tfc__gpu *current;

struct tfc__gpu *tfc__gpu_current(void) { return current; }

struct pinned_chunk {
	char *p;
	size_t size, used;
	struct pinned_chunk *next;
};

/* n bytes of pinned host memory for the running kernel. */
static void *pinned_get(struct tfc__gpu *g, size_t n, tfc_status *st)
{
	n = (n + 255) / 256 * 256;
	for (struct pinned_chunk *c = g->pinned; c; c = c->next) {
		if (c->size - c->used >= n) {
			void *p = c->p + c->used;
			c->used += n;
			return p;
		}
	}
	struct pinned_chunk *c = tfc__calloc(1, sizeof(*c));
	c->size = n > ((size_t)4 << 20) ? n : ((size_t)4 << 20);
	if (!TFC_CUDA_CHECK(cudaHostAlloc((void **)&c->p, c->size, cudaHostAllocDefault), st)) {
		free(c);
		return NULL;
	}
	c->used = n;
	c->next = g->pinned;
	g->pinned = c;
	return c->p;
}

static void *keep(struct tfc_kernel_ctx *ctx, struct tfc__gpu *g, size_t bytes)
{
	if (g->n_live == TFC_GPU_MAX_LIVE) {
		tfc_kernel_error(ctx, TFC_INTERNAL, "a GPU kernel holds more than %d device buffers",
				 TFC_GPU_MAX_LIVE);
		return NULL;
	}
	void *p = tfc__gpu_alloc_get(g->alloc, bytes, ctx->st);
	if (p)
		g->live[g->n_live++] = p;
	return p;
}

void *tfc__gpu_scratch(struct tfc_kernel_ctx *ctx, size_t bytes)
{
	return keep(ctx, tfc__gpu_current(), bytes);
}

tfc_tensor *tfc__gpu_alloc_output(struct tfc_kernel_ctx *ctx, int i, tfc_dtype dtype, const int64_t *dims,
				  int rank)
{
	struct tfc__gpu *g = tfc__gpu_current();
	tfc_tensor *t = tfc__tensor_new_on_device(g->dev, dtype, dims, rank, ctx->st);
	if (!t)
		return NULL;
	tfc_tensor_free(ctx->outputs[i]);
	ctx->outputs[i] = t;
	return t;
}

bool tfc__gpu_zero(struct tfc_kernel_ctx *ctx, tfc_tensor *t)
{
	return TFC_CUDA_CHECK(cudaMemsetAsync(tfc_tensor_data(t), 0, tfc_tensor_byte_size(t), tfc__gpu_current()->compute),
			      ctx->st);
}

void *tfc__gpu_upload(struct tfc_kernel_ctx *ctx, const tfc_tensor *t)
{
	struct tfc__gpu *g = tfc__gpu_current();
	if (tfc__tensor_device(t) == g->dev)
		return tfc_tensor_data(t); /* already here; the stream has it in order */
	size_t n = tfc_tensor_byte_size(t);
	void *d = keep(ctx, g, n);
	if (!d || !n)
		return d;
	void *h = pinned_get(g, n, ctx->st);
	if (!h)
		return NULL;
	memcpy(h, tfc_tensor_data((tfc_tensor *)t), n);
	cudaEvent_t ev;
	if (!TFC_CUDA_CHECK(cudaMemcpyAsync(d, h, n, cudaMemcpyHostToDevice, g->h2d), ctx->st) ||
	    !TFC_CUDA_CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming), ctx->st))
		return NULL;
	bool ok = TFC_CUDA_CHECK(cudaEventRecord(ev, g->h2d), ctx->st) &&
		  TFC_CUDA_CHECK(cudaStreamWaitEvent(g->compute, ev, 0), ctx->st);
	cudaEventDestroy(ev); /* released once the stream is past it */
	return ok ? d : NULL;
}

bool tfc__gpu_download(struct tfc_kernel_ctx *ctx, const void *dev, tfc_tensor *t)
{
	struct tfc__gpu *g = tfc__gpu_current();
	size_t n = tfc_tensor_byte_size(t);
	if (!n)
		return true;
	void *h = pinned_get(g, n, ctx->st);
	cudaEvent_t ev;
	if (!h || !TFC_CUDA_CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming), ctx->st))
		return false;
	bool ok = TFC_CUDA_CHECK(cudaEventRecord(ev, g->compute), ctx->st) &&
		  TFC_CUDA_CHECK(cudaStreamWaitEvent(g->d2h, ev, 0), ctx->st) &&
		  TFC_CUDA_CHECK(cudaMemcpyAsync(h, dev, n, cudaMemcpyDeviceToHost, g->d2h), ctx->st) &&
		  TFC_CUDA_CHECK(cudaStreamSynchronize(g->d2h), ctx->st);
	cudaEventDestroy(ev);
	if (ok)
		memcpy(tfc_tensor_data(t), h, n);
	return ok;
}

bool tfc__gpu_launch_ok(struct tfc_kernel_ctx *ctx, cudaError_t e)
{
	if (e == cudaSuccess)
		return true;
	tfc_kernel_error(ctx, TFC_INTERNAL, "launching %s on the GPU failed: %s", ctx->op->type, cudaGetErrorString(e));
	return false;
}

bool tfc__gpu_launched(struct tfc_kernel_ctx *ctx, const char *what)
{
	cudaError_t e = cudaGetLastError();
	if (e == cudaSuccess)
		return true;
	tfc_kernel_error(ctx, TFC_INTERNAL, "launching %s on the GPU failed: %s", what, cudaGetErrorString(e));
	return false;
}

/* Runs k on ctx with g current, then waits for the GPU and gives back the kernel's
 * device and pinned memory. */
static void run_kernel(struct tfc__gpu *g, const struct tfc_kernel_def *k, struct tfc_kernel_ctx *ctx)
{
	current = g;
	cudaSetDevice(g->ordinal);
	tfc__cupti_push_op(tfc__gpu_activity_tag(ctx->op));
	k->compute(ctx);
	tfc_status st = {0};
	if (!TFC_CUDA_CHECK(cudaStreamSynchronize(g->compute), &st) && ctx->st->code == TFC_OK)
		tfc_kernel_error(ctx, st.code, "%s", st.msg);
	free(st.msg);
	tfc__cupti_pop_op();
	for (int i = 0; i < g->n_live; i++)
		tfc__gpu_alloc_put(g->alloc, g->live[i]);
	g->n_live = 0;
	for (struct pinned_chunk *c = g->pinned; c; c = c->next)
		c->used = 0;
	current = NULL;
}

/* ---- the device: a FIFO of kernels and the stream thread that runs them */

struct job {
	const struct tfc_kernel_def *k;
	struct tfc_kernel_ctx *ctx;
	tfc_device_done_fn done;
	void *arg;
};

struct gpu_dev {
	struct tfc__gpu gpu;
	int refs; /* sessions using it (guarded by shared_mu) */
	struct tfc__workq *stream; /* the stream thread: queued kernels, in order */
	pthread_mutex_t sync_mu; /* held while a kernel runs synchronously (compute) or
				  * by the stream thread: one kernel at a time per GPU */
};

/* On the stream thread: one kernel at a time per GPU, then its done callback. */
static void run_job(void *ctx, void *item)
{
	struct gpu_dev *d = ctx;
	struct job *j = item;
	pthread_mutex_lock(&d->sync_mu);
	run_kernel(&d->gpu, j->k, j->ctx);
	pthread_mutex_unlock(&d->sync_mu);
	j->done(j->arg);
	free(j);
}

static void gpu_compute(struct tfc_device *dev, const struct tfc_kernel_def *k, struct tfc_kernel_ctx *ctx)
{
	struct gpu_dev *d = dev->impl;
	pthread_mutex_lock(&d->sync_mu);
	run_kernel(&d->gpu, k, ctx);
	pthread_mutex_unlock(&d->sync_mu);
}

static void gpu_compute_async(struct tfc_device *dev, const struct tfc_kernel_def *k,
			      struct tfc_kernel_ctx *ctx, tfc_device_done_fn done, void *arg)
{
	struct gpu_dev *d = dev->impl;
	struct job *j = tfc__malloc(sizeof(*j));
	*j = (struct job){k, ctx, done, arg};
	tfc__workq_push(d->stream, j);
}

static void *gpu_alloc(struct tfc_device *dev, size_t bytes, tfc_status *st)
{
	struct gpu_dev *d = dev->impl;
	return tfc__gpu_alloc_get(d->gpu.alloc, bytes, st);
}

static void gpu_dealloc(struct tfc_device *dev, void *p)
{
	struct gpu_dev *d = dev->impl;
	tfc__gpu_alloc_put(d->gpu.alloc, p);
}

static void gpu_copy(struct tfc_device *dev, const void *from, void *to, size_t n, enum cudaMemcpyKind kind,
		     tfc_status *st, tfc_device_done_fn done, void *arg)
{
	struct gpu_dev *d = dev->impl;
	cudaStream_t s = kind == cudaMemcpyHostToDevice ? d->gpu.h2d : d->gpu.d2h;
	cudaSetDevice(d->gpu.ordinal);
	if (TFC_CUDA_CHECK(cudaMemcpyAsync(to, from, n, kind, s), st) &&
	    TFC_CUDA_CHECK(cudaStreamSynchronize(s), st))
		tfc_status_set(st, TFC_OK, NULL);
	done(arg);
}

static void gpu_copy_to_device(struct tfc_device *dev, const void *host, void *devp, size_t n, tfc_status *st,
			       tfc_device_done_fn done, void *arg)
{
	gpu_copy(dev, host, devp, n, cudaMemcpyHostToDevice, st, done, arg);
}

static void gpu_copy_to_host(struct tfc_device *dev, const void *devp, void *host, size_t n, tfc_status *st,
			     tfc_device_done_fn done, void *arg)
{
	gpu_copy(dev, devp, host, n, cudaMemcpyDeviceToHost, st, done, arg);
}

/* GPU kernels read and write tensors in the GPU's memory; the others (_Send and
 * _Recv) get host copies. */
static bool gpu_takes_resident(struct tfc_device *dev, const struct tfc_kernel_def *k)
{
	(void)dev;
	return (k->flags & TFC_KF_DEVICE_MEMORY) != 0;
}

static void gpu_sync(struct tfc_device *dev, tfc_status *st)
{
	struct gpu_dev *d = dev->impl;
	cudaSetDevice(d->gpu.ordinal);
	if (TFC_CUDA_CHECK(cudaDeviceSynchronize(), st))
		tfc_status_set(st, TFC_OK, NULL);
}

static void gpu_release(struct gpu_dev *d)
{
	tfc__workq_free(d->stream); /* runs what is queued, then stops */
	struct tfc__gpu *g = &d->gpu;
	cudaSetDevice(g->ordinal);
	if (g->blas)
		cublasDestroy(g->blas);
	tfc__gpu_dnn_release(g);
	if (g->compute)
		cudaStreamDestroy(g->compute);
	if (g->h2d)
		cudaStreamDestroy(g->h2d);
	if (g->d2h)
		cudaStreamDestroy(g->d2h);
	for (struct pinned_chunk *c = g->pinned, *cn; c; c = cn) {
		cn = c->next;
		cudaFreeHost(c->p);
		free(c);
	}
	tfc__gpu_alloc_free(g->alloc);
	pthread_mutex_destroy(&d->sync_mu);
	free(d);
}

static void gpu_destroy(struct tfc_device *dev)
{
	if (dev->impl)
		gpu_release(dev->impl);
}

/* ---- one device per GPU for the whole process
 *
 * As in TensorFlow, a GPU's state (its memory above all) belongs to the process, not
 * to a session: the first session to use GPU i sets it up with its gpu_options, and
 * every later session shares it (their gpu_options are not applied), so two sessions
 * do not each take the memory fraction. The device goes when its last session does. */

#define MAX_SHARED_GPUS 64

static pthread_mutex_t shared_mu = PTHREAD_MUTEX_INITIALIZER; /* guards shared[] and each one's refs */
static struct tfc_device *shared[MAX_SHARED_GPUS];

/* tfc__device_free's question: the last session's release frees the device. */
static bool gpu_unref(struct tfc_device *dev)
{
	struct gpu_dev *d = dev->impl;
	pthread_mutex_lock(&shared_mu);
	bool last = --d->refs == 0;
	if (last && dev->index >= 0 && dev->index < MAX_SHARED_GPUS && shared[dev->index] == dev)
		shared[dev->index] = NULL;
	pthread_mutex_unlock(&shared_mu);
	return last;
}

static const struct tfc_device_ops gpu_ops = {
	.type = "GPU",
	.compute = gpu_compute,
	.compute_async = gpu_compute_async,
	.alloc = gpu_alloc,
	.dealloc = gpu_dealloc,
	.copy_to_device = gpu_copy_to_device,
	.copy_to_host = gpu_copy_to_host,
	.takes_resident = gpu_takes_resident,
	.sync = gpu_sync,
	.unref = gpu_unref,
	.destroy = gpu_destroy,
};

/* The allocator's limit: the fraction of total memory, or (fraction 0, TensorFlow's
 * default) what is free less a reserve for cuBLAS and the driver. */
static size_t memory_limit(const Tensorflow__GPUOptions *o, tfc_status *st)
{
	size_t free_b = 0, total = 0;
	if (!TFC_CUDA_CHECK(cudaMemGetInfo(&free_b, &total), st))
		return 0;
	double f = o ? o->per_process_gpu_memory_fraction : 0;
	if (f > 0)
		return (size_t)(f * (double)total);
	size_t reserve = (size_t)300 << 20;
	return free_b > reserve ? free_b - reserve : free_b / 2;
}

static struct tfc_device *gpu_device_make(const char *name, int index, const Tensorflow__GPUOptions *opts,
					  tfc_status *st)
{
	struct gpu_dev *d = tfc__calloc(1, sizeof(*d));
	d->refs = 1;
	struct tfc__gpu *g = &d->gpu;
	pthread_mutex_init(&d->sync_mu, NULL);
	g->ordinal = index;
	size_t limit;
	if (!TFC_CUDA_CHECK(cudaSetDevice(index), st) ||
	    !TFC_CUDA_CHECK(cudaStreamCreateWithFlags(&g->compute, cudaStreamNonBlocking), st) ||
	    !TFC_CUDA_CHECK(cudaStreamCreateWithFlags(&g->h2d, cudaStreamNonBlocking), st) ||
	    !TFC_CUDA_CHECK(cudaStreamCreateWithFlags(&g->d2h, cudaStreamNonBlocking), st) ||
	    !TFC_CUBLAS_CHECK(cublasCreate(&g->blas), st) ||
	    !TFC_CUBLAS_CHECK(cublasSetStream(g->blas, g->compute), st) ||
	    !(limit = memory_limit(opts, st)) ||
	    !(g->alloc = tfc__gpu_alloc_new(limit, opts && opts->allow_growth, st)))
		goto fail;
	if (!(d->stream = tfc__workq_new(run_job, d, st))) {
		tfc__status_prefix(st, "GPU %d: ", index);
		goto fail;
	}
	struct tfc_device *dev = tfc__calloc(1, sizeof(*dev));
	dev->ops = &gpu_ops;
	dev->name = tfc__strdup(name);
	dev->alloc_name = tfc__asprintf("GPU_%d_bfc", index);
	dev->index = index;
	dev->impl = d;
	g->dev = dev;
	tfc_status_set(st, TFC_OK, NULL);
	return dev;
fail:
	tfc__status_prefix(st, "setting up GPU %d: ", index);
	gpu_release(d);
	return NULL;
}

struct tfc_device *tfc__gpu_device_new(const char *name, int index, const Tensorflow__GPUOptions *opts,
				       tfc_status *st)
{
	if (index < 0 || index >= MAX_SHARED_GPUS) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "GPU %d: tfc handles GPUs 0 to %d", index,
			       MAX_SHARED_GPUS - 1);
		return NULL;
	}
	pthread_mutex_lock(&shared_mu);
	struct tfc_device *dev = shared[index];
	if (dev) {
		((struct gpu_dev *)dev->impl)->refs++;
		tfc_status_set(st, TFC_OK, NULL);
	} else if ((dev = gpu_device_make(name, index, opts, st))) {
		shared[index] = dev;
	}
	pthread_mutex_unlock(&shared_mu);
	return dev;
}
