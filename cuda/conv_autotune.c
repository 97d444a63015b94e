/*
 * conv_autotune.c: what cuDNN autotuning has learnt, kept for the life of the
 * process as TensorFlow's autotune maps are: a convolution's key (GPU ordinal,
 * direction, dtype, geometry) -> the algorithm cudnnFind*AlgorithmEx timed fastest.
 * Timing runs every algorithm once, so it is done on a convolution's first run and
 * looked up after. A small open-addressing table; models have tens of shapes.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conv_autotune.h"

struct entry {
	int64_t key[TFC_CONV_KEY_LEN];
	int algo;
	bool used;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; /* guards table, cap, count */
static struct entry *table;
static size_t cap, count;

static uint64_t hash(const int64_t *key)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a over the key's words */
	for (int i = 0; i < TFC_CONV_KEY_LEN; i++) {
		h ^= (uint64_t)key[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* The slot of key in table (cap > 0): its entry, or the empty slot it would take. */
static struct entry *slot_of(const int64_t *key)
{
	size_t i = (size_t)hash(key) & (cap - 1);
	while (table[i].used && memcmp(table[i].key, key, sizeof(table[i].key)) != 0)
		i = (i + 1) & (cap - 1);
	return &table[i];
}

bool tfc__conv_autotune_enabled(void)
{
	static atomic_int enabled = -1; /* threads racing here all store the same value */
	int e = atomic_load(&enabled);
	if (e < 0) {
		const char *v = getenv("TF_CUDNN_USE_AUTOTUNE");
		e = !(v && (!strcmp(v, "0") || !strcasecmp(v, "false")));
		atomic_store(&enabled, e);
	}
	return e;
}

int tfc__conv_algo_lookup(const int64_t key[TFC_CONV_KEY_LEN])
{
	int algo = -1;
	pthread_mutex_lock(&mu);
	if (cap) {
		struct entry *e = slot_of(key);
		if (e->used)
			algo = e->algo;
	}
	pthread_mutex_unlock(&mu);
	return algo;
}

void tfc__conv_algo_store(const int64_t key[TFC_CONV_KEY_LEN], int algo)
{
	pthread_mutex_lock(&mu);
	if ((count + 1) * 2 > cap) { /* keep the table at most half full */
		struct entry *old = table;
		size_t old_cap = cap;
		cap = cap ? cap * 2 : 64;
		table = calloc(cap, sizeof(*table));
		if (!table) { /* no memory: forget what was learnt, time again later */
			table = old;
			cap = old_cap;
			pthread_mutex_unlock(&mu);
			return;
		}
		for (size_t i = 0; i < old_cap; i++)
			if (old[i].used)
				*slot_of(old[i].key) = old[i];
		free(old);
	}
	struct entry *e = slot_of(key);
	if (!e->used) {
		memcpy(e->key, key, sizeof(e->key));
		e->algo = algo;
		e->used = true;
		count++;
	}
	pthread_mutex_unlock(&mu);
}
