/*
 * parallel.c: see parallel.h. Workers are started on first use and live
 * until the process ends; each job is one (fn, ctx, n) with a shared
 * counter the threads take indices from.
 */
#include "parallel.h"
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>

#define MAX_WORKERS 63

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER, done_cv = PTHREAD_COND_INITIALIZER;
static int n_workers;          /* started so far */
static unsigned long job_gen;  /* bumped for every job */
static int job_want;           /* workers asked to help with the current job */
static int job_busy;           /* workers still inside the current job */
static void (*job_fn)(void *, int64_t);
static void *job_ctx;
static int64_t job_n;
static atomic_llong job_next;
/* serializes jobs: kernels do not nest, but two executors in two threads
 * of a program could call at once */
static pthread_mutex_t job_mu = PTHREAD_MUTEX_INITIALIZER;

static void run_indices(void)
{
	for (;;) {
		int64_t i = atomic_fetch_add(&job_next, 1);
		if (i >= job_n)
			return;
		job_fn(job_ctx, i);
	}
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	unsigned long seen = 0;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (job_gen == seen)
			pthread_cond_wait(&work_cv, &mu);
		seen = job_gen;
		if (id >= job_want)
			continue;
		pthread_mutex_unlock(&mu);
		run_indices();
		pthread_mutex_lock(&mu);
		if (--job_busy == 0)
			pthread_cond_signal(&done_cv);
	}
	return NULL;
}

void ir_parallel_for(int threads, int64_t n, void (*fn)(void *ctx, int64_t i), void *ctx)
{
	if (threads > MAX_WORKERS + 1)
		threads = MAX_WORKERS + 1;
	if (threads > n)
		threads = (int)n;
	if (threads <= 1) {
		for (int64_t i = 0; i < n; i++)
			fn(ctx, i);
		return;
	}
	pthread_mutex_lock(&job_mu);
	pthread_mutex_lock(&mu);
	while (n_workers < threads - 1) {
		pthread_t t;
		if (pthread_create(&t, NULL, worker, (void *)(intptr_t)n_workers) != 0)
			break;
		pthread_detach(t);
		n_workers++;
	}
	job_fn = fn;
	job_ctx = ctx;
	job_n = n;
	atomic_store(&job_next, 0);
	job_want = threads - 1 < n_workers ? threads - 1 : n_workers;
	job_busy = job_want;
	job_gen++;
	pthread_cond_broadcast(&work_cv);
	pthread_mutex_unlock(&mu);
	run_indices();
	pthread_mutex_lock(&mu);
	while (job_busy > 0)
		pthread_cond_wait(&done_cv, &mu);
	pthread_mutex_unlock(&mu);
	pthread_mutex_unlock(&job_mu);
}
