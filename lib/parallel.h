/*
 * parallel.h: a small pool of worker threads for the kernels.
 *
 * ir_parallel_for(threads, n, fn, ctx) calls fn(ctx, i) once for every i in
 * [0, n), on up to `threads` threads including the caller, and returns when
 * all calls have. Work is handed out one index at a time.
 *
 * Determinism is the caller's contract: a kernel divides its work into
 * units that do not depend on the thread count (a band of output rows, a
 * channel), and each unit computes exactly what it would on one thread. So
 * --threads changes which thread runs a unit, never the bits of a result;
 * that is why OpenBLAS itself always runs single-threaded here (its own
 * threading splits a product differently for each thread count).
 */
#ifndef PARALLEL_H
#define PARALLEL_H

#include <stdint.h>

void ir_parallel_for(int threads, int64_t n, void (*fn)(void *ctx, int64_t i), void *ctx);

/* Threads worth waking for `work` multiply-adds (or element operations):
 * handing out a job costs some microseconds, so small nodes stay on the
 * calling thread. */
static inline int ir_threads_for(int threads, double work)
{
	return work < 4e5 ? 1 : threads;
}

#endif
