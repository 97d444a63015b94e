/*
 * step_resources.c: the container of one step's objects (TensorArrays and stacks,
 * kernels/tensor_array.c): kernels add them, handles name them by address, and the
 * executor destroys them all when the step ends (core/kernel.h has the contract).
 */
#include <pthread.h>

#include "kernel.h"

struct tfc__step_resources {
	pthread_mutex_t mu;         /* guards head (the objects guard themselves) */
	struct tfc__step_obj *head; /* newest first */
};

struct tfc__step_resources *tfc__step_res_new(void)
{
	struct tfc__step_resources *sr = tfc__calloc(1, sizeof(*sr));
	pthread_mutex_init(&sr->mu, NULL);
	return sr;
}

void tfc__step_res_free(struct tfc__step_resources *sr)
{
	if (!sr)
		return;
	while (sr->head) {
		struct tfc__step_obj *o = sr->head;
		sr->head = o->next;
		o->destroy(o);
	}
	pthread_mutex_destroy(&sr->mu);
	free(sr);
}

void tfc__step_res_add(struct tfc__step_resources *sr, struct tfc__step_obj *obj)
{
	pthread_mutex_lock(&sr->mu);
	obj->next = sr->head;
	sr->head = obj;
	pthread_mutex_unlock(&sr->mu);
}

struct tfc__step_obj *tfc__step_res_find(struct tfc_kernel_ctx *ctx, int k, uint32_t kind,
					 const char *what)
{
	const tfc_tensor *h = k < ctx->n_inputs ? ctx->inputs[k] : NULL;
	struct tfc__step_obj *want = NULL, *found = NULL;
	if (h && h->dtype == TFC_RESOURCE && h->n_elems >= 1)
		want = *(struct tfc__step_obj *const *)tfc_tensor_data(h);
	struct tfc__step_resources *sr = ctx->step_res;
	if (want && sr) {
		pthread_mutex_lock(&sr->mu);
		for (struct tfc__step_obj *o = sr->head; o; o = o->next)
			if (o == want && o->kind == kind)
				found = o;
		pthread_mutex_unlock(&sr->mu);
	}
	if (!found)
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Input %d is not a handle to a %s of this step (a handle lives only as "
				 "long as the step that made it)",
				 k, what);
	return found;
}
