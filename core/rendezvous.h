/*
 * rendezvous.h: the in-process rendezvous of one step (core/rendezvous.c), through
 * which _Send and _Recv kernels move tensors between local devices. A tensor is
 * keyed by the pair's tensor_name and the loop frame and iteration of the
 * execution, as TensorFlow's rendezvous keys are. Internal to core/ and kernels/.
 */
#ifndef TFC_RENDEZVOUS_H
#define TFC_RENDEZVOUS_H

#include "internal.h"

struct tfc__rendezvous;

/* A new, empty rendezvous. Caller frees. */
struct tfc__rendezvous *tfc__rendezvous_new(void);
/* Frees r and every tensor no one received. NULL is fine. */
void tfc__rendezvous_free(struct tfc__rendezvous *r);
/* Deposits t (a new reference is taken; t stays the caller's) under the key. A
 * second send of the same key is Internal ("Duplicated send"). */
void tfc__rendezvous_send(struct tfc__rendezvous *r, const char *tensor_name, uint64_t frame_id,
			  int64_t iter, tfc_tensor *t, tfc_status *st);
/* Takes the tensor sent under the key (ownership passes to the caller). The
 * executor runs a _Recv only after its _Send, so a missing value is an Internal
 * error, never a wait. NULL with st set. */
tfc_tensor *tfc__rendezvous_recv(struct tfc__rendezvous *r, const char *tensor_name,
				 uint64_t frame_id, int64_t iter, tfc_status *st);

#endif /* TFC_RENDEZVOUS_H */
