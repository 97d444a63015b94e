/*
 * rendezvous.c: the in-process rendezvous of a step (core/rendezvous.h): a map
 * from the pair's tensor_name (with "frame:iter;" before it inside loops) to the
 * tensor a _Send deposited, taken by the matching _Recv.
 */
#include <inttypes.h>
#include <pthread.h>

#include "rendezvous.h"

struct tfc__rendezvous {
	pthread_mutex_t mu;     /* guards table (the map and the tensors in it) */
	struct tfc__strmap table; /* key -> tfc_tensor * (owned) */
};

struct tfc__rendezvous *tfc__rendezvous_new(void)
{
	struct tfc__rendezvous *r = tfc__calloc(1, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	tfc__strmap_init(&r->table, false);
	return r;
}

void tfc__rendezvous_free(struct tfc__rendezvous *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->table.cap; i++)
		if (r->table.slots[i].key)
			tfc_tensor_free(r->table.slots[i].value);
	tfc__strmap_clear(&r->table);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* The key: the tensor name alone outside loops (frame 0, iteration 0: most
 * transfers, and formatting showed in bench_partition's per-pair cost), else
 * "frame:iter;tensor_name". Writes into buf when it fits; returns the key. */
static const char *make_key(const char *tensor_name, uint64_t frame_id, int64_t iter, char *buf,
			    size_t n)
{
	if (frame_id == 0 && iter == 0)
		return tensor_name;
	/* Frame and iteration first: a name too long for buf loses its tail, never
	 * them (and the name's head, "edge_<id>_", is unique already). */
	snprintf(buf, n, "%" PRIx64 ":%" PRId64 ";%s", frame_id, iter, tensor_name);
	return buf;
}

void tfc__rendezvous_send(struct tfc__rendezvous *r, const char *tensor_name, uint64_t frame_id,
			  int64_t iter, tfc_tensor *t, tfc_status *st)
{
	char buf[512];
	const char *key = make_key(tensor_name, frame_id, iter, buf, sizeof(buf));
	pthread_mutex_lock(&r->mu);
	void **slot = tfc__strmap_put(&r->table, key);
	bool dup = *slot != NULL;
	if (!dup)
		*slot = tfc_tensor_ref(t);
	pthread_mutex_unlock(&r->mu);
	if (dup)
		tfc_status_set(st, TFC_INTERNAL, "Duplicated send: %s", key);
	else
		tfc_status_set(st, TFC_OK, NULL);
}

tfc_tensor *tfc__rendezvous_recv(struct tfc__rendezvous *r, const char *tensor_name,
				 uint64_t frame_id, int64_t iter, tfc_status *st)
{
	char buf[512];
	const char *key = make_key(tensor_name, frame_id, iter, buf, sizeof(buf));
	tfc_tensor *t = NULL;
	pthread_mutex_lock(&r->mu);
	void **slot = tfc__strmap_find(&r->table, key);
	if (slot && *slot) {
		t = *slot;
		tfc__strmap_remove(&r->table, key);
	}
	pthread_mutex_unlock(&r->mu);
	if (!t)
		tfc_status_set(st, TFC_INTERNAL, "Nothing was sent under rendezvous key %s", key);
	else
		tfc_status_set(st, TFC_OK, NULL);
	return t;
}
