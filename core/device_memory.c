/*
 * device_memory.c: the executor's side of device-resident tensors. A kernel of a
 * device with memory of its own (a GPU) may leave its outputs there; before any
 * other kernel, a fetch or a transfer sees such a tensor, it is copied back to the
 * host here. The rule the executor applies to every input of every node: a tensor in
 * device D's memory passes as it is only to a kernel running on D that D says takes
 * it (takes_resident) and that does not read that input on the host (host_inputs).
 */
#include <pthread.h>

#include "device_iface.h"
#include "internal.h"

/* A copy waited for: the device calls done from any thread. */
struct copy_wait {
	pthread_mutex_t mu; /* guards done */
	pthread_cond_t cv;
	bool done;
};

static void copy_done(void *arg)
{
	struct copy_wait *w = arg;
	pthread_mutex_lock(&w->mu);
	w->done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

tfc_tensor *tfc__tensor_to_host(tfc_tensor *t, tfc_status *st)
{
	struct tfc_device *d = t ? t->buf->dev : NULL;
	if (!d) {
		tfc_status_set(st, TFC_OK, NULL);
		return tfc_tensor_ref(t);
	}
	tfc_tensor *h = tfc_tensor_new(t->dtype, t->shape.dims, t->shape.rank, st);
	if (!h)
		return NULL;
	size_t n = t->buf->size;
	if (!n)
		return h;
	struct copy_wait w = {.done = false};
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	tfc_status cst = {0};
	d->ops->copy_to_host(d, t->buf->data, h->buf->data, n, &cst, copy_done, &w);
	pthread_mutex_lock(&w.mu);
	while (!w.done)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	if (cst.code != TFC_OK) {
		tfc_status_set(st, cst.code, "copying a %s tensor of %zu bytes from %s to the host: %s",
			       tfc_dtype_name(t->dtype), n, d->name, cst.msg ? cst.msg : "failed");
		free(cst.msg);
		tfc_tensor_free(h);
		return NULL;
	}
	return h;
}

bool tfc__device_prepare_inputs(struct tfc_device *dev, const struct tfc_kernel_def *k, tfc_tensor **in, int n,
				tfc_status *st)
{
	int takes = -1; /* asked once, when a device tensor first shows up */
	for (int i = 0; i < n; i++) {
		if (!in[i] || !in[i]->buf->dev)
			continue;
		if (in[i]->buf->dev == dev && !(i < 32 && (k->host_inputs >> i & 1u))) {
			if (takes < 0)
				takes = dev->ops->takes_resident && dev->ops->takes_resident(dev, k);
			if (takes)
				continue;
		}
		tfc_tensor *h = tfc__tensor_to_host(in[i], st);
		if (!h) {
			tfc__status_prefix(st, "input %d: ", i);
			return false;
		}
		tfc_tensor_free(in[i]);
		in[i] = h;
	}
	return true;
}
