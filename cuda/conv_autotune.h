/*
 * conv_autotune.h: the process-wide memory of cuDNN autotuning (cuda/conv_autotune.c):
 * for each convolution seen (GPU, direction, dtype and geometry as a key of int64s),
 * the algorithm cudnnFind*AlgorithmEx timed fastest. Internal to cuda/.
 */
#ifndef TFC_CONV_AUTOTUNE_H
#define TFC_CONV_AUTOTUNE_H

#include <stdbool.h>
#include <stdint.h>

#define TFC_CONV_KEY_LEN 16

/* Whether to autotune: TensorFlow's TF_CUDNN_USE_AUTOTUNE (unset or anything but
 * "0"/"false": yes). Read once. */
bool tfc__conv_autotune_enabled(void);
/* The algorithm stored for key, or -1 when this convolution has not been timed. */
int tfc__conv_algo_lookup(const int64_t key[TFC_CONV_KEY_LEN]);
/* Stores algo for key (the first store wins when two threads time the same one). */
void tfc__conv_algo_store(const int64_t key[TFC_CONV_KEY_LEN], int algo);

#endif /* TFC_CONV_AUTOTUNE_H */
