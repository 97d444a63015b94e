/*
 * test_conv_autotune.c: the memory of cuDNN autotuning (cuda/conv_autotune.c), which
 * needs no GPU: unknown convolutions, stored and found ones, growth past many
 * shapes, the first store winning, four threads at once, and TensorFlow's
 * TF_CUDNN_USE_AUTOTUNE switch.
 */
#include <pthread.h>
#include <stdlib.h>

#include "conv_autotune.h"
#include "tap.h"

static void key_of(int64_t i, int64_t key[TFC_CONV_KEY_LEN])
{
	for (int k = 0; k < TFC_CONV_KEY_LEN; k++)
		key[k] = (i * 31 + k) % 7 + (k == 5 ? i : 0); /* keys differ in one word */
}

static void *storer(void *arg)
{
	int64_t id = (int64_t)(intptr_t)arg, key[TFC_CONV_KEY_LEN];
	for (int64_t i = 0; i < 2000; i++) {
		key_of(10000 + i, key);
		tfc__conv_algo_store(key, (int)((10000 + i) % 8));
		if (tfc__conv_algo_lookup(key) != (int)((10000 + i) % 8))
			return (void *)1;
	}
	(void)id;
	return NULL;
}

int main(void)
{
	plan_lazy();
	setenv("TF_CUDNN_USE_AUTOTUNE", "false", 1);
	ok(!tfc__conv_autotune_enabled(), "TF_CUDNN_USE_AUTOTUNE=false turns autotuning off");
	setenv("TF_CUDNN_USE_AUTOTUNE", "1", 1);
	ok(!tfc__conv_autotune_enabled(), "read once: later changes of the variable do not count");

	int64_t k1[TFC_CONV_KEY_LEN], k2[TFC_CONV_KEY_LEN];
	key_of(1, k1);
	key_of(2, k2);
	is_int(tfc__conv_algo_lookup(k1), -1, "a convolution never timed: -1");
	tfc__conv_algo_store(k1, 6);
	is_int(tfc__conv_algo_lookup(k1), 6, "stored, then found");
	is_int(tfc__conv_algo_lookup(k2), -1, "a key differing in one word is another convolution");
	tfc__conv_algo_store(k1, 2);
	is_int(tfc__conv_algo_lookup(k1), 6, "the first store wins");
	int bad = 0;
	for (int64_t i = 100; i < 1100; i++) {
		int64_t k[TFC_CONV_KEY_LEN];
		key_of(i, k);
		tfc__conv_algo_store(k, (int)(i % 5));
	}
	for (int64_t i = 100; i < 1100; i++) {
		int64_t k[TFC_CONV_KEY_LEN];
		key_of(i, k);
		bad += tfc__conv_algo_lookup(k) != (int)(i % 5);
	}
	is_int(bad, 0, "1,000 more shapes (the table grows): each finds its own algorithm");
	is_int(tfc__conv_algo_lookup(k1), 6, "and the first is still there");

	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, storer, (void *)(intptr_t)i);
	int failed = 0;
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(th[i], &r);
		failed += r != NULL;
	}
	is_int(failed, 0, "4 threads storing and looking up 2,000 shapes each at once");
	done_testing();
	return exit_status();
}
