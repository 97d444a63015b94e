/*
 * bench_util.h: what every benchmark in tests/bench needs: a monotonic clock in
 * seconds, the median of repeated measurements, and stopping on a failed status
 * (a benchmark that cannot run prints why and exits 1; it never asserts times).
 */
#ifndef TFC_BENCH_UTIL_H
#define TFC_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tfc.h"

static inline double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The median of v[0..n) (v is sorted in place). */
static inline double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_d);
	return v[n / 2];
}

static inline void check(tfc_status *st, const char *what)
{
	if (tfc_status_code(st) != TFC_OK) {
		fprintf(stderr, "%s: %s\n", what, tfc_status_message(st));
		exit(1);
	}
}

#endif /* TFC_BENCH_UTIL_H */
