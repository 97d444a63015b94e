/*
 * arena.c: a bump allocator for short-lived protobuf messages (tfc__arena in
 * internal.h). A traced step builds, and the trace database decodes, about fifteen
 * small allocations per node stat; taking them from a few large chunks and
 * releasing the chunks at once costs a fraction of malloc and free one by one
 * (measured: freeing a decoded RunMetadata with protobuf_c_message_free_unpacked
 * took as long as decoding it).
 */
#include "internal.h"

#define CHUNK_MIN 65536
#define CHUNK_MAX (1u << 20)
#define HEADER 16 /* a chunk starts with the link to the previous one; keeps alignment */

void *tfc__arena_alloc(struct tfc__arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (a->used + n > a->cap) {
		/* Chunks double up to CHUNK_MAX, so a big message takes few of them. */
		size_t cap = a->cap ? a->cap * 2 : CHUNK_MIN;
		if (cap > CHUNK_MAX)
			cap = CHUNK_MAX;
		if (cap < n + HEADER)
			cap = n + HEADER;
		char *c = tfc__malloc(cap);
		*(char **)c = a->chunk;
		a->chunk = c;
		a->used = HEADER;
		a->cap = cap;
	}
	void *p = a->chunk + a->used;
	a->used += n;
	return p;
}

void *tfc__arena_calloc(struct tfc__arena *a, size_t n, size_t size)
{
	size_t bytes = n * size;
	void *p = tfc__arena_alloc(a, bytes > 0 ? bytes : 1);
	memset(p, 0, bytes);
	return p;
}

void tfc__arena_free(struct tfc__arena *a)
{
	while (a->chunk) {
		char *prev = *(char **)a->chunk;
		free(a->chunk);
		a->chunk = prev;
	}
	a->used = a->cap = 0;
}

static void *pb_alloc(void *data, size_t size)
{
	return tfc__arena_alloc(data, size);
}

static void pb_free(void *data, void *p)
{
	(void)data; /* released with the arena */
	(void)p;
}

ProtobufCAllocator tfc__arena_allocator(struct tfc__arena *a)
{
	return (ProtobufCAllocator){.alloc = pb_alloc, .free = pb_free, .allocator_data = a};
}
