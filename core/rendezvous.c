/*
 * rendezvous.c: the in-process rendezvous of a step (core/rendezvous.h): a map
 * from "tensor_name;frame_id:iter" to the tensor a _Send deposited, taken by the
 * matching _Recv.
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

static char *make_key(const char *tensor_name, uint64_t frame_id, int64_t iter)
{
	return tfc__asprintf("%s;%" PRIx64 ":%" PRId64, tensor_name, frame_id, iter);
}

void tfc__rendezvous_send(struct tfc__rendezvous *r, const char *tensor_name, uint64_t frame_id,
			  int64_t iter, tfc_tensor *t, tfc_status *st)
{
	char *key = make_key(tensor_name, frame_id, iter);
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
	free(key);
}

tfc_tensor *tfc__rendezvous_recv(struct tfc__rendezvous *r, const char *tensor_name,
				 uint64_t frame_id, int64_t iter, tfc_status *st)
{
	char *key = make_key(tensor_name, frame_id, iter);
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
	free(key);
	return t;
}
