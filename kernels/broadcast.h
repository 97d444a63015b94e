/*
 * broadcast.h: NumPy/TensorFlow broadcasting of two operands for the elementwise
 * binary kernels: the output shape, and a walk over the output that hands an inner
 * loop contiguous runs in which each operand either advances by one element or
 * stays on one element (a broadcast).
 */
#ifndef TFC_BROADCAST_H
#define TFC_BROADCAST_H

#include "kernels.h"

/* Inner loop over n output elements: out[i] = f(a[i * sa], b[i * sb]), where sa and
 * sb are 0 (the operand is broadcast along the run) or 1. */
typedef void (*tfc__bcast_fn)(const void *a, int64_t sa, const void *b, int64_t sb, void *out,
			      int64_t n);

struct tfc__bcast {
	tfc_shape out;               /* the broadcast shape */
	int64_t n;                   /* elements of out */
	int rank;                    /* dimensions after merging, >= 1 */
	int64_t dims[TFC_MAX_RANK];  /* merged output dimensions, outermost first */
	int64_t sa[TFC_MAX_RANK];    /* element strides of a per merged dimension (0 = broadcast) */
	int64_t sb[TFC_MAX_RANK];    /* element strides of b */
	bool same;                   /* a, b and out have one shape: one flat run */
};

/* Broadcasts shapes a and b. False with st set to InvalidArgument "Incompatible
 * shapes: [2,3] vs. [4]" when they do not broadcast. */
bool tfc__bcast_init(struct tfc__bcast *bc, const tfc_shape *a, const tfc_shape *b,
		     tfc_status *st);

/* Calls fn over all of out in runs; esz is the element size of a, b and out (all
 * one type). */
void tfc__bcast_run(const struct tfc__bcast *bc, tfc__bcast_fn fn, const void *a,
		    const void *b, void *out, size_t esz);

/* Calls fn over output elements [begin, end) only; a and b have elements of esz
 * bytes, out of out_esz (a comparison writes bools). Disjoint ranges may run on
 * different threads at once. */
void tfc__bcast_run_range(const struct tfc__bcast *bc, tfc__bcast_fn fn, const void *a,
			  const void *b, void *out, size_t esz, size_t out_esz, int64_t begin,
			  int64_t end);

#endif /* TFC_BROADCAST_H */
