/*
 * workq.c: the in-order work queue with a thread of its own (core/workq.h).
 */
#include <pthread.h>

#include "workq.h"

struct item {
	void *v;
	struct item *next;
};

struct tfc__workq {
	tfc__work_fn run;
	void *ctx;
	pthread_mutex_t mu; /* guards head, tail, stop */
	pthread_cond_t cv;  /* signalled when an item is queued or the queue stops */
	struct item *head, *tail;
	bool stop;
	pthread_t thread;
};

static void *workq_main(void *p)
{
	struct tfc__workq *q = p;
	for (;;) {
		pthread_mutex_lock(&q->mu);
		while (!q->head && !q->stop)
			pthread_cond_wait(&q->cv, &q->mu);
		struct item *it = q->head;
		if (!it) { /* stopped, and nothing left */
			pthread_mutex_unlock(&q->mu);
			return NULL;
		}
		q->head = it->next;
		if (!q->head)
			q->tail = NULL;
		pthread_mutex_unlock(&q->mu);
		q->run(q->ctx, it->v);
		free(it);
	}
}

struct tfc__workq *tfc__workq_new(tfc__work_fn run, void *ctx, tfc_status *st)
{
	struct tfc__workq *q = tfc__calloc(1, sizeof(*q));
	q->run = run;
	q->ctx = ctx;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	if (pthread_create(&q->thread, NULL, workq_main, q) != 0) {
		tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "cannot start a work queue thread");
		pthread_cond_destroy(&q->cv);
		pthread_mutex_destroy(&q->mu);
		free(q);
		return NULL;
	}
	return q;
}

void tfc__workq_push(struct tfc__workq *q, void *v)
{
	struct item *it = tfc__malloc(sizeof(*it));
	it->v = v;
	it->next = NULL;
	pthread_mutex_lock(&q->mu);
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void tfc__workq_free(struct tfc__workq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q);
}
