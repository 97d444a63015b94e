/*
 * arena.c: a bump allocator for short-lived protobuf messages (tfc__arena in
 * internal.h). A traced step builds, and the trace database decodes, about fifteen
 * small allocations per node stat; taking them from a few large chunks and
 * releasing the chunks at once costs a fraction of malloc and free one by one
 * (measured: freeing a decoded RunMetadata with protobuf_c_message_free_unpacked
 * took as long as decoding it). An arena that is reset instead of freed keeps its
 * chunks, so a session tracing step after step touches the same memory again
 * instead of faulting in fresh pages (a quarter of FULL_TRACE's cost on a 10,000-node
 * graph before, in `perf`).
 */
#include "internal.h"

#define CHUNK_MIN 65536
#define CHUNK_MAX (1u << 20)

/* Each chunk starts with this header; HEADER keeps what follows 16-aligned. */
struct tfc__arena_chunk {
	struct tfc__arena_chunk *next; /* the chunk used after this one */
	size_t cap;         /* bytes, header included */
};
#define HEADER ((sizeof(struct tfc__arena_chunk) + 15) & ~(size_t)15)

void *tfc__arena_alloc(struct tfc__arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	while (!a->cur || a->used + n > a->cur->cap) {
		struct tfc__arena_chunk *next = a->cur ? a->cur->next : a->head;
		if (next && n + HEADER <= next->cap) {
			a->cur = next; /* a chunk kept by a reset */
			a->used = HEADER;
			continue;
		}
		/* Chunks double up to CHUNK_MAX, so a big message takes few of them. A
		 * kept chunk too small for n stays in the list after the new one. */
		size_t cap = a->cur ? a->cur->cap * 2 : CHUNK_MIN;
		if (cap > CHUNK_MAX)
			cap = CHUNK_MAX;
		if (cap < n + HEADER)
			cap = n + HEADER;
		struct tfc__arena_chunk *c = tfc__malloc(cap);
		c->cap = cap;
		c->next = next;
		if (a->cur)
			a->cur->next = c;
		else
			a->head = c;
		a->cur = c;
		a->used = HEADER;
	}
	void *p = (char *)a->cur + a->used;
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

void tfc__arena_reset(struct tfc__arena *a)
{
	a->cur = NULL;
	a->used = 0;
}

void tfc__arena_free(struct tfc__arena *a)
{
	while (a->head) {
		struct tfc__arena_chunk *next = a->head->next;
		free(a->head);
		a->head = next;
	}
	a->cur = NULL;
	a->used = 0;
}

bool tfc__arena_empty(const struct tfc__arena *a)
{
	return !a->head;
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
