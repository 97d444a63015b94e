/*
 * gpu_activity.c: a traced step's GPU activity records (gpu_activity.h): storing
 * them, correlating them to ops, converting their clock, and writing TensorFlow's GPU
 * pseudo-devices (/stream:all, /stream:N, /memcpy, and /cuda_api) into step stats.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "gpu_activity.h"

static const char *const copy_names[TFC_GPU_COPY_COUNT] = {
	[TFC_GPU_COPY_HTOD] = "MemcpyH2D",  [TFC_GPU_COPY_DTOH] = "MemcpyD2H",
	[TFC_GPU_COPY_DTOD] = "MemcpyD2D",  [TFC_GPU_COPY_HTOH] = "MemcpyH2H",
	[TFC_GPU_COPY_PTOP] = "MemcpyP2P",  [TFC_GPU_COPY_MEMSET] = "Memset",
	[TFC_GPU_COPY_OTHER] = "MemcpyOther",
};
static const char *const kind_names[TFC_GPU_COPY_COUNT] = {
	[TFC_GPU_COPY_HTOD] = "HtoD", [TFC_GPU_COPY_DTOH] = "DtoH", [TFC_GPU_COPY_DTOD] = "DtoD",
	[TFC_GPU_COPY_HTOH] = "HtoH", [TFC_GPU_COPY_PTOP] = "PtoP", [TFC_GPU_COPY_MEMSET] = "memset",
	[TFC_GPU_COPY_OTHER] = "other",
};

const char *tfc__gpu_copy_name(enum tfc__gpu_copy_kind k)
{
	return (unsigned)k < TFC_GPU_COPY_COUNT ? copy_names[k] : copy_names[TFC_GPU_COPY_OTHER];
}

const char *tfc__gpu_copy_kind_name(enum tfc__gpu_copy_kind k)
{
	return (unsigned)k < TFC_GPU_COPY_COUNT ? kind_names[k] : kind_names[TFC_GPU_COPY_OTHER];
}

struct tfc__gpu_activity *tfc__gpu_activity_new(void)
{
	struct tfc__gpu_activity *a = tfc__calloc(1, sizeof(*a));
	pthread_mutex_init(&a->mu, NULL);
	return a;
}

void tfc__gpu_activity_free(struct tfc__gpu_activity *a)
{
	if (!a)
		return;
	free(a->kernels);
	free(a->copies);
	free(a->api);
	free(a->corr);
	tfc__arena_free(&a->names);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

void tfc__gpu_activity_clear(struct tfc__gpu_activity *a)
{
	pthread_mutex_lock(&a->mu);
	a->n_kernels = a->n_copies = a->n_api = a->n_corr = 0;
	a->dropped = 0;
	tfc__arena_reset(&a->names);
	pthread_mutex_unlock(&a->mu);
}

void tfc__gpu_activity_calibrate(struct tfc__gpu_activity *a, uint64_t tracer_ns, int64_t mono_ns)
{
	pthread_mutex_lock(&a->mu);
	a->offset_ns = mono_ns - (int64_t)tracer_ns;
	pthread_mutex_unlock(&a->mu);
}

int64_t tfc__gpu_activity_to_mono(const struct tfc__gpu_activity *a, uint64_t tracer_ns)
{
	return (int64_t)tracer_ns + a->offset_ns;
}

/* Room for one more element of size sz in *v (n used, *cap allocated). */
static void *grow(void *v, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 64;
	return tfc__realloc(v, *cap * sz);
}

static const char *keep_name(struct tfc__gpu_activity *a, const char *s)
{
	if (!s)
		return "";
	size_t n = strlen(s) + 1;
	char *p = tfc__arena_alloc(&a->names, n);
	memcpy(p, s, n);
	return p;
}

void tfc__gpu_activity_add_kernel(struct tfc__gpu_activity *a, const struct tfc__gpu_kernel *k)
{
	pthread_mutex_lock(&a->mu);
	a->kernels = grow(a->kernels, a->n_kernels, &a->cap_kernels, sizeof(*a->kernels));
	a->kernels[a->n_kernels] = *k;
	a->kernels[a->n_kernels++].name = keep_name(a, k->name);
	pthread_mutex_unlock(&a->mu);
}

void tfc__gpu_activity_add_copy(struct tfc__gpu_activity *a, const struct tfc__gpu_copy *c)
{
	pthread_mutex_lock(&a->mu);
	a->copies = grow(a->copies, a->n_copies, &a->cap_copies, sizeof(*a->copies));
	a->copies[a->n_copies++] = *c;
	pthread_mutex_unlock(&a->mu);
}

void tfc__gpu_activity_add_api(struct tfc__gpu_activity *a, const struct tfc__gpu_api *c)
{
	pthread_mutex_lock(&a->mu);
	a->api = grow(a->api, a->n_api, &a->cap_api, sizeof(*a->api));
	a->api[a->n_api] = *c;
	a->api[a->n_api++].name = keep_name(a, c->name);
	pthread_mutex_unlock(&a->mu);
}

void tfc__gpu_activity_add_correlation(struct tfc__gpu_activity *a, uint32_t correlation,
				       uint64_t external)
{
	pthread_mutex_lock(&a->mu);
	a->corr = grow(a->corr, a->n_corr, &a->cap_corr, sizeof(*a->corr));
	a->corr[a->n_corr].correlation = correlation;
	a->corr[a->n_corr++].external = external;
	pthread_mutex_unlock(&a->mu);
}

static int by_correlation(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return a < b ? -1 : a > b;
}

/* With a->mu held and corr sorted. */
static uint64_t external_of(const struct tfc__gpu_activity *a, uint32_t correlation)
{
	size_t lo = 0, hi = a->n_corr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a->corr[mid].correlation < correlation)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < a->n_corr && a->corr[lo].correlation == correlation ? a->corr[lo].external : 0;
}

uint64_t tfc__gpu_activity_external(struct tfc__gpu_activity *a, uint32_t correlation)
{
	pthread_mutex_lock(&a->mu);
	if (a->n_corr)
		qsort(a->corr, a->n_corr, sizeof(*a->corr), by_correlation);
	uint64_t e = external_of(a, correlation);
	pthread_mutex_unlock(&a->mu);
	return e;
}

/* ---- step stats */

static int kernel_by_start(const void *x, const void *y)
{
	const struct tfc__gpu_kernel *a = x, *b = y;
	return a->start < b->start ? -1 : a->start > b->start;
}

static int copy_by_start(const void *x, const void *y)
{
	const struct tfc__gpu_copy *a = x, *b = y;
	return a->start < b->start ? -1 : a->start > b->start;
}

static int api_by_start(const void *x, const void *y)
{
	const struct tfc__gpu_api *a = x, *b = y;
	return a->start < b->start ? -1 : a->start > b->start;
}

/* A string formatted into the arena. */
static char *afmt(struct tfc__arena *ar, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *afmt(struct tfc__arena *ar, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = tfc__arena_alloc(ar, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* The pseudo-devices being built: a growing list, found by name. */
struct devs {
	struct tfc__arena *ar;
	Tensorflow__DeviceStepStats **v;
	size_t *cap;  /* per device: node_stats capacity */
	size_t n, max;
};

static Tensorflow__DeviceStepStats *dev_get(struct devs *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->v[i]->device, name))
			return d->v[i];
	if (d->n == d->max) {
		d->max = d->max ? d->max * 2 : 8;
		d->v = tfc__realloc(d->v, d->max * sizeof(*d->v));
		d->cap = tfc__realloc(d->cap, d->max * sizeof(*d->cap));
	}
	Tensorflow__DeviceStepStats *ds = tfc__arena_alloc(d->ar, sizeof(*ds));
	tensorflow__device_step_stats__init(ds);
	ds->device = afmt(d->ar, "%s", name);
	d->cap[d->n] = 0;
	d->v[d->n++] = ds;
	return ds;
}

static void dev_add(struct devs *d, const char *name, Tensorflow__NodeExecStats *ns)
{
	Tensorflow__DeviceStepStats *ds = dev_get(d, name);
	size_t i = 0;
	while (d->v[i] != ds)
		i++;
	if (ds->n_node_stats == d->cap[i]) {
		size_t cap = d->cap[i] ? d->cap[i] * 2 : 16;
		Tensorflow__NodeExecStats **v = tfc__arena_calloc(d->ar, cap, sizeof(*v));
		if (ds->n_node_stats)
			memcpy(v, ds->node_stats, ds->n_node_stats * sizeof(*v));
		ds->node_stats = v;
		d->cap[i] = cap;
	}
	ds->node_stats[ds->n_node_stats++] = ns;
}

/* A NodeExecStats of an activity from start to end (tracer ns). */
static Tensorflow__NodeExecStats *activity_stats(struct tfc__arena *ar, const struct tfc__gpu_activity *a,
						 uint64_t start, uint64_t end, int64_t real_minus_mono,
						 const char *node_name, char *label, uint32_t thread)
{
	Tensorflow__NodeExecStats *n = tfc__arena_alloc(ar, sizeof(*n));
	tensorflow__node_exec_stats__init(n);
	n->node_name = (char *)node_name;
	int64_t abs = tfc__gpu_activity_to_mono(a, start) + real_minus_mono;
	int64_t dur = end > start ? (int64_t)(end - start) : 0;
	n->all_start_nanos = abs;
	n->all_start_micros = abs / 1000;
	n->op_end_rel_nanos = n->all_end_rel_nanos = dur;
	n->op_end_rel_micros = n->all_end_rel_micros = dur / 1000;
	n->timeline_label = label;
	n->thread_id = thread;
	return n;
}

/* "name:Op" of the op behind a correlation id, or NULL. */
static const char *annotation(struct tfc__arena *ar, const struct tfc__gpu_activity *a, uint32_t corr,
			      tfc__gpu_op_fn resolve, void *ctx)
{
	uint64_t ext = external_of(a, corr);
	const char *name, *type;
	if (!ext || !resolve || !resolve(ctx, ext, &name, &type))
		return NULL;
	return afmt(ar, "%s:%s", name, type);
}

/* A correlation id's value (the thread of its API call, the device of its kernel or
 * copy), in an array sorted by correlation for binary search: a step of n kernels
 * and n API calls looked them up by linear search, n^2 (10^8 for 10,000 kernels). */
struct corr_val {
	uint32_t correlation, value;
};

static int by_corr_val(const void *x, const void *y)
{
	const struct corr_val *a = x, *b = y;
	return a->correlation < b->correlation ? -1 : a->correlation > b->correlation;
}

/* The value of corr in v (n, sorted), or dflt. */
static uint32_t corr_lookup(const struct corr_val *v, size_t n, uint32_t corr, uint32_t dflt)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].correlation < corr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].correlation == corr ? v[lo].value : dflt;
}

void tfc__gpu_activity_step_stats(struct tfc__gpu_activity *a, struct tfc__arena *ar,
				  tfc__gpu_op_fn resolve, void *ctx, int64_t real_minus_mono,
				  Tensorflow__StepStats *ss)
{
	pthread_mutex_lock(&a->mu);
	/* (qsort must not be handed the NULL array of an empty list) */
	if (a->n_corr)
		qsort(a->corr, a->n_corr, sizeof(*a->corr), by_correlation);
	if (a->n_kernels)
		qsort(a->kernels, a->n_kernels, sizeof(*a->kernels), kernel_by_start);
	if (a->n_copies)
		qsort(a->copies, a->n_copies, sizeof(*a->copies), copy_by_start);
	if (a->n_api)
		qsort(a->api, a->n_api, sizeof(*a->api), api_by_start);
	struct devs d = {.ar = ar};
	char dev[96];
	/* API call -> its thread; kernel or copy -> its device (the API rows' device) */
	struct corr_val *threads = tfc__malloc((a->n_api + 1) * sizeof(*threads));
	struct corr_val *devices = tfc__malloc((a->n_kernels + a->n_copies + 1) * sizeof(*devices));
	for (size_t i = 0; i < a->n_api; i++)
		threads[i] = (struct corr_val){a->api[i].correlation, a->api[i].thread_id};
	for (size_t i = 0; i < a->n_kernels; i++)
		devices[i] = (struct corr_val){a->kernels[i].correlation, a->kernels[i].device};
	for (size_t i = 0; i < a->n_copies; i++)
		devices[a->n_kernels + i] = (struct corr_val){a->copies[i].correlation, a->copies[i].device};
	size_t n_devices = a->n_kernels + a->n_copies;
	qsort(threads, a->n_api, sizeof(*threads), by_corr_val);
	qsort(devices, n_devices, sizeof(*devices), by_corr_val);
	for (size_t i = 0; i < a->n_kernels; i++) {
		const struct tfc__gpu_kernel *k = &a->kernels[i];
		const char *ann = annotation(ar, a, k->correlation, resolve, ctx);
		char *label = afmt(ar, "%s regs:%u shm:%d grid:%d,%d,%d block:%d,%d,%d@@%s#correlation_id=%u,dynamic_shm=%d#",
				   k->name, k->registers, k->static_shm, k->grid[0], k->grid[1], k->grid[2],
				   k->block[0], k->block[1], k->block[2], ann ? ann : "", k->correlation,
				   k->dynamic_shm);
		Tensorflow__NodeExecStats *ns = activity_stats(ar, a, k->start, k->end, real_minus_mono,
							       ann ? ann : k->name, label,
							       corr_lookup(threads, a->n_api, k->correlation, 0));
		snprintf(dev, sizeof(dev), "/device:GPU:%u/stream:all", k->device);
		dev_add(&d, dev, ns);
		Tensorflow__NodeExecStats *copy = tfc__arena_alloc(ar, sizeof(*copy));
		*copy = *ns;
		snprintf(dev, sizeof(dev), "/device:GPU:%u/stream:%u", k->device, k->stream);
		dev_add(&d, dev, copy);
	}
	for (size_t i = 0; i < a->n_copies; i++) {
		const struct tfc__gpu_copy *c = &a->copies[i];
		const char *ann = annotation(ar, a, c->correlation, resolve, ctx);
		const char *what = tfc__gpu_copy_name(c->kind);
		char *label = afmt(ar, "%s bytes:%" PRIu64 "%s@@%s#correlation_id=%u#", what, c->bytes,
				   c->async ? " async" : "", ann ? ann : "", c->correlation);
		Tensorflow__NodeExecStats *ns = activity_stats(ar, a, c->start, c->end, real_minus_mono,
							       ann ? ann : what, label,
							       corr_lookup(threads, a->n_api, c->correlation, 0));
		snprintf(dev, sizeof(dev), "/device:GPU:%u/stream:%u", c->device, c->stream);
		dev_add(&d, dev, ns);
		Tensorflow__NodeExecStats *copy = tfc__arena_alloc(ar, sizeof(*copy));
		*copy = *ns;
		snprintf(dev, sizeof(dev), "/device:GPU:%u/memcpy", c->device);
		dev_add(&d, dev, copy);
	}
	for (size_t i = 0; i < a->n_api; i++) {
		const struct tfc__gpu_api *c = &a->api[i];
		const char *ann = annotation(ar, a, c->correlation, resolve, ctx);
		/* The device of the kernel or copy this call made, else GPU 0. */
		uint32_t device = corr_lookup(devices, n_devices, c->correlation, 0);
		char *label = afmt(ar, "%s@@%s#correlation_id=%u,cbid=%u#", c->name, ann ? ann : "",
				   c->correlation, c->cbid);
		Tensorflow__NodeExecStats *ns = activity_stats(ar, a, c->start, c->end, real_minus_mono,
							       ann ? ann : c->name, label, c->thread_id);
		snprintf(dev, sizeof(dev), "/device:GPU:%u/cuda_api", device);
		dev_add(&d, dev, ns);
	}
	pthread_mutex_unlock(&a->mu);
	free(threads);
	free(devices);
	if (d.n) {
		Tensorflow__DeviceStepStats **all = tfc__arena_calloc(ar, ss->n_dev_stats + d.n + 1, sizeof(*all));
		if (ss->n_dev_stats)
			memcpy(all, ss->dev_stats, ss->n_dev_stats * sizeof(*all));
		memcpy(all + ss->n_dev_stats, d.v, d.n * sizeof(*all));
		ss->dev_stats = all;
		ss->n_dev_stats += d.n;
	}
	free(d.v);
	free(d.cap);
}
