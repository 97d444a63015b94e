/*
 * parallel.c: tfc_parallel_for (core/kernel.h), the kernels' intra-op parallelism. A
 * process-wide pool of worker threads, created lazily (never more than a call has
 * asked for, at most MAX_WORKERS) and kept for the life of the process, serves a
 * queue of jobs. A job is one call: [0, n) cut into equal contiguous chunks of at
 * least min_chunk items; the caller takes chunks itself and up to threads - 1
 * workers help it, each claiming the next chunk with an atomic counter. The caller
 * returns once every chunk is done and no worker touches its job any longer, so the
 * job may live on the caller's stack. Calls from several threads (inter-op
 * parallelism) queue several jobs; workers help the oldest that still wants help.
 *
 * An idle worker spins for up to SPIN_NS, watching a job counter, before it sleeps
 * on the condition variable: a kernel's next call usually comes within tens of
 * microseconds, and waking a sleeping thread (a halted virtual CPU, on our VMs) can
 * take longer than a block of work. Without the spin, two threads gave an MLP
 * training step's GEMMs no speed-up although each GEMM alone ran 1.6x faster.
 */
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "kernels.h"

#define MAX_WORKERS 64
#define SPIN_NS 100000 /* how long an idle worker watches for work before sleeping */

/* Bumped (without the lock) each time a job is queued: what spinning workers watch. */
static atomic_uint job_seq;

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Spins until job_seq moves from seen or SPIN_NS pass. */
static void spin_for_work(unsigned seen)
{
	int64_t until = mono_ns() + SPIN_NS;
	for (unsigned i = 1;; i++) {
		if (atomic_load_explicit(&job_seq, memory_order_acquire) != seen)
			return;
		cpu_relax();
		if (!(i & 63) && mono_ns() > until)
			return;
	}
}

struct pjob {
	tfc_parallel_fn fn;
	void *arg;
	int64_t n, chunk;      /* items, items per chunk (the last chunk may be shorter) */
	int64_t n_chunks;
	atomic_int_fast64_t next; /* the next unclaimed chunk (claimed without a lock) */
	atomic_int_fast64_t finished; /* chunks whose fn returned (read by the spinning caller) */
	/* guarded by pool.mu: */
	int64_t done;          /* chunks finished */
	int helpers;           /* workers that have joined the job so far */
	int max_helpers;       /* threads - 1 */
	int active;            /* workers inside the job now */
	bool queued;           /* in pool.queue */
	struct pjob *qnext;
};

static struct {
	pthread_mutex_t mu;    /* guards queue, n_workers and every job's guarded fields */
	pthread_cond_t work;   /* signalled when a job is queued */
	pthread_cond_t done;   /* broadcast when a job's last chunk finishes or a worker leaves it */
	struct pjob *queue;    /* jobs that may still want helpers, oldest first */
	int n_workers;         /* threads started (they never exit) */
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
	   NULL, 0 };

/* Unlinks j from the queue; pool.mu held. */
static void dequeue_locked(struct pjob *j)
{
	if (!j->queued)
		return;
	for (struct pjob **p = &pool.queue; *p; p = &(*p)->qnext)
		if (*p == j) {
			*p = j->qnext;
			break;
		}
	j->queued = false;
}

/* Runs the chunks of j that are still unclaimed; returns how many it ran. */
static int64_t run_chunks(struct pjob *j)
{
	int64_t ran = 0;
	for (;;) {
		int64_t c = atomic_fetch_add(&j->next, 1);
		if (c >= j->n_chunks)
			return ran;
		int64_t b = c * j->chunk, e = b + j->chunk < j->n ? b + j->chunk : j->n;
		j->fn(j->arg, b, e);
		atomic_fetch_add_explicit(&j->finished, 1, memory_order_release);
		ran++;
	}
}

static void *worker_main(void *unused)
{
	(void)unused;
	bool spun = false; /* spun since the last job: sleep next time */
	pthread_mutex_lock(&pool.mu);
	for (;;) {
		struct pjob *j = pool.queue;
		while (j && (j->helpers >= j->max_helpers ||
			     atomic_load(&j->next) >= j->n_chunks)) {
			struct pjob *nx = j->qnext;
			dequeue_locked(j); /* wants no more help */
			j = nx;
		}
		if (!j && !spun) {
			unsigned seen = atomic_load(&job_seq);
			pthread_mutex_unlock(&pool.mu);
			spin_for_work(seen);
			pthread_mutex_lock(&pool.mu);
			spun = true;
			continue;
		}
		if (!j) {
			pthread_cond_wait(&pool.work, &pool.mu);
			continue;
		}
		spun = false;
		j->helpers++;
		j->active++;
		pthread_mutex_unlock(&pool.mu);
		int64_t ran = run_chunks(j);
		pthread_mutex_lock(&pool.mu);
		/* The last touch of j: after this the caller may return. */
		j->done += ran;
		j->active--;
		pthread_cond_broadcast(&pool.done);
	}
	return NULL;
}

/* Starts workers until there are `want` (capped); pool.mu held. */
static void grow_locked(int want)
{
	if (want > MAX_WORKERS)
		want = MAX_WORKERS;
	while (pool.n_workers < want) {
		pthread_t t;
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		int rc = pthread_create(&t, &at, worker_main, NULL);
		pthread_attr_destroy(&at);
		if (rc != 0)
			return; /* fewer helpers; the caller does the rest */
		pool.n_workers++;
	}
}

void tfc_parallel_for(int threads, int64_t n, int64_t min_chunk, tfc_parallel_fn fn, void *arg)
{
	if (n <= 0)
		return;
	if (min_chunk < 1)
		min_chunk = 1;
	int64_t max_chunks = n / min_chunk;
	if (threads > MAX_WORKERS + 1)
		threads = MAX_WORKERS + 1;
	if (threads <= 1 || max_chunks < 2) {
		fn(arg, 0, n);
		return;
	}
	int64_t parts = threads < max_chunks ? threads : max_chunks;
	struct pjob j = { .fn = fn, .arg = arg, .n = n };
	j.chunk = (n + parts - 1) / parts;
	j.n_chunks = (n + j.chunk - 1) / j.chunk;
	atomic_init(&j.next, 0);
	atomic_init(&j.finished, 0);
	j.max_helpers = (int)parts - 1;

	pthread_mutex_lock(&pool.mu);
	grow_locked(j.max_helpers);
	j.queued = true;
	struct pjob **p = &pool.queue;
	while (*p)
		p = &(*p)->qnext;
	*p = &j;
	atomic_fetch_add_explicit(&job_seq, 1, memory_order_release);
	pthread_cond_broadcast(&pool.work);
	pthread_mutex_unlock(&pool.mu);

	int64_t ran = run_chunks(&j);
	/* Helpers still computing: spin a while before sleeping, as idle workers do. */
	int64_t until = mono_ns() + SPIN_NS;
	for (unsigned i = 1; atomic_load_explicit(&j.finished, memory_order_acquire) < j.n_chunks; i++) {
		cpu_relax();
		if (!(i & 63) && mono_ns() > until)
			break;
	}

	pthread_mutex_lock(&pool.mu);
	dequeue_locked(&j);
	j.done += ran;
	while (j.done < j.n_chunks || j.active > 0)
		pthread_cond_wait(&pool.done, &pool.mu);
	pthread_mutex_unlock(&pool.mu);
}
