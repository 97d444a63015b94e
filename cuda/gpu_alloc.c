/*
 * gpu_alloc.c: the caching device allocator of a GPU (gpu_internal.h): regions from
 * cudaMalloc carved into blocks, first fit, split on the way out and coalesced with
 * free neighbours on the way back; memory goes back to the driver only when the
 * device is freed, as TensorFlow's BFC allocator does.
 */
#include "gpu_internal.h"

#define ALIGN 256
#define GROWTH_MIN ((size_t)2 << 20)

/* A block of a region: blocks of a region tile it in address order. */
struct block {
	char *p;
	size_t size;
	bool used;
	struct block *prev, *next;   /* neighbours in the region */
};

struct region {
	char *base;
	size_t size;
	struct block *first;
	struct region *next;
};

struct tfc__gpu_alloc {
	pthread_mutex_t mu;          /* guards everything below */
	struct region *regions;
	size_t limit, reserved;      /* bytes allowed, bytes taken from the driver */
	size_t in_use, peak;
	bool growth;
};

struct tfc__gpu_alloc *tfc__gpu_alloc_new(size_t limit, bool allow_growth, tfc_status *st)
{
	struct tfc__gpu_alloc *a = tfc__calloc(1, sizeof(*a));
	pthread_mutex_init(&a->mu, NULL);
	a->limit = limit / ALIGN * ALIGN;
	a->growth = allow_growth;
	if (!allow_growth && a->limit) {
		struct region *r = tfc__calloc(1, sizeof(*r));
		if (!TFC_CUDA_CHECK(cudaMalloc((void **)&r->base, a->limit), st)) {
			free(r);
			tfc__gpu_alloc_free(a);
			return NULL;
		}
		r->size = a->limit;
		r->first = tfc__calloc(1, sizeof(*r->first));
		*r->first = (struct block){r->base, r->size, false, NULL, NULL};
		a->regions = r;
		a->reserved = a->limit;
	}
	return a;
}

void tfc__gpu_alloc_free(struct tfc__gpu_alloc *a)
{
	if (!a)
		return;
	for (struct region *r = a->regions, *rn; r; r = rn) {
		rn = r->next;
		for (struct block *b = r->first, *bn; b; b = bn) {
			bn = b->next;
			free(b);
		}
		cudaFree(r->base);
		free(r);
	}
	pthread_mutex_destroy(&a->mu);
	free(a);
}

/* A free block of at least n bytes, split to size; NULL if none. With a->mu held. */
static void *take(struct tfc__gpu_alloc *a, size_t n)
{
	for (struct region *r = a->regions; r; r = r->next) {
		for (struct block *b = r->first; b; b = b->next) {
			if (b->used || b->size < n)
				continue;
			if (b->size - n >= ALIGN) {
				struct block *rest = tfc__calloc(1, sizeof(*rest));
				*rest = (struct block){b->p + n, b->size - n, false, b, b->next};
				if (b->next)
					b->next->prev = rest;
				b->next = rest;
				b->size = n;
			}
			b->used = true;
			a->in_use += b->size;
			if (a->in_use > a->peak)
				a->peak = a->in_use;
			return b->p;
		}
	}
	return NULL;
}

void *tfc__gpu_alloc_get(struct tfc__gpu_alloc *a, size_t bytes, tfc_status *st)
{
	size_t n = (bytes ? bytes + ALIGN - 1 : ALIGN) / ALIGN * ALIGN;
	pthread_mutex_lock(&a->mu);
	void *p = take(a, n);
	if (!p && a->growth && a->reserved + n <= a->limit) {
		size_t want = n > GROWTH_MIN ? n : GROWTH_MIN;
		if (a->reserved + want > a->limit)
			want = a->limit - a->reserved;
		struct region *r = tfc__calloc(1, sizeof(*r));
		if (cudaMalloc((void **)&r->base, want) == cudaSuccess) {
			r->size = want;
			r->first = tfc__calloc(1, sizeof(*r->first));
			*r->first = (struct block){r->base, want, false, NULL, NULL};
			r->next = a->regions;
			a->regions = r;
			a->reserved += want;
			p = take(a, n);
		} else {
			cudaGetLastError(); /* clear the sticky-free error state */
			free(r);
		}
	}
	size_t in_use = a->in_use, limit = a->limit;
	pthread_mutex_unlock(&a->mu);
	if (!p)
		tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
			       "OOM when allocating %zu bytes on GPU (%zu of %zu bytes in use)", bytes,
			       in_use, limit);
	return p;
}

void tfc__gpu_alloc_put(struct tfc__gpu_alloc *a, void *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&a->mu);
	for (struct region *r = a->regions; r; r = r->next) {
		if ((char *)p < r->base || (char *)p >= r->base + r->size)
			continue;
		struct block *b = r->first;
		while (b && b->p != p)
			b = b->next;
		TFC_ASSERT(b && b->used);
		b->used = false;
		a->in_use -= b->size;
		if (b->next && !b->next->used) { /* merge the next block into b */
			struct block *nx = b->next;
			b->size += nx->size;
			b->next = nx->next;
			if (nx->next)
				nx->next->prev = b;
			free(nx);
		}
		if (b->prev && !b->prev->used) { /* merge b into the previous block */
			struct block *pv = b->prev;
			pv->size += b->size;
			pv->next = b->next;
			if (b->next)
				b->next->prev = pv;
			free(b);
		}
		break;
	}
	pthread_mutex_unlock(&a->mu);
}

size_t tfc__gpu_alloc_in_use(struct tfc__gpu_alloc *a)
{
	pthread_mutex_lock(&a->mu);
	size_t n = a->in_use;
	pthread_mutex_unlock(&a->mu);
	return n;
}

size_t tfc__gpu_alloc_peak(struct tfc__gpu_alloc *a)
{
	pthread_mutex_lock(&a->mu);
	size_t n = a->peak;
	pthread_mutex_unlock(&a->mu);
	return n;
}
