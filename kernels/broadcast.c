/*
 * broadcast.c: NumPy/TensorFlow broadcasting for two operands (see broadcast.h).
 * Shapes are aligned at their last dimension; each pair of sizes must be equal or
 * one of them 1. Adjacent dimensions in which both operands behave alike (each one
 * either present or broadcast in both) are merged, so the walk over the output has
 * as few and as long runs as possible: [1000,3] + [3] is 1000 runs of 3 elements,
 * [2,3] + [2,3] one run of 6.
 */
#include "broadcast.h"

bool tfc__bcast_init(struct tfc__bcast *bc, const tfc_shape *a, const tfc_shape *b,
		     tfc_status *st)
{
	TFC_ASSERT(a->rank >= 0 && b->rank >= 0);
	int r = a->rank > b->rank ? a->rank : b->rank;
	int64_t da[TFC_MAX_RANK], db[TFC_MAX_RANK], dout[TFC_MAX_RANK];
	dout[0] = 1; /* gcc cannot tell that tfc_shape_make reads only r entries */
	for (int i = 0; i < r; i++) {
		int ia = i - (r - a->rank), ib = i - (r - b->rank);
		da[i] = ia >= 0 ? a->dims[ia] : 1;
		db[i] = ib >= 0 ? b->dims[ib] : 1;
		if (da[i] == db[i] || db[i] == 1) {
			dout[i] = da[i];
		} else if (da[i] == 1) {
			dout[i] = db[i];
		} else {
			char sa[512], sb[512];
			tfc_status_set(st, TFC_INVALID_ARGUMENT, "Incompatible shapes: %s vs. %s",
				       tfc__kshape(a, sa, sizeof(sa)), tfc__kshape(b, sb, sizeof(sb)));
			return false;
		}
	}
	bc->out = tfc_shape_make(r, dout);
	bc->n = tfc_shape_num_elements(&bc->out);
	bc->same = a->rank == b->rank;
	for (int i = 0; i < a->rank && bc->same; i++)
		bc->same = a->dims[i] == b->dims[i];

	/* Merge: drop size-1 output dimensions; join neighbours with the same pattern
	 * of which operand is broadcast. */
	int m = 0;
	bool bca[TFC_MAX_RANK], bcb[TFC_MAX_RANK];
	for (int i = 0; i < r; i++) {
		if (dout[i] == 1)
			continue;
		bool xa = da[i] == 1, xb = db[i] == 1;
		if (m > 0 && bca[m - 1] == xa && bcb[m - 1] == xb) {
			bc->dims[m - 1] *= dout[i];
			continue;
		}
		bc->dims[m] = dout[i];
		bca[m] = xa;
		bcb[m] = xb;
		m++;
	}
	if (m == 0) {
		bc->dims[0] = 1;
		bca[0] = bcb[0] = false;
		m = 1;
	}
	bc->rank = m;
	int64_t stride_a = 1, stride_b = 1;
	for (int i = m - 1; i >= 0; i--) {
		bc->sa[i] = bca[i] ? 0 : stride_a;
		bc->sb[i] = bcb[i] ? 0 : stride_b;
		if (!bca[i])
			stride_a *= bc->dims[i];
		if (!bcb[i])
			stride_b *= bc->dims[i];
	}
	tfc_status_set(st, TFC_OK, NULL);
	return true;
}

void tfc__bcast_run(const struct tfc__bcast *bc, tfc__bcast_fn fn, const void *a,
		    const void *b, void *out, size_t esz)
{
	tfc__bcast_run_range(bc, fn, a, b, out, esz, esz, 0, bc->n);
}

void tfc__bcast_run_range(const struct tfc__bcast *bc, tfc__bcast_fn fn, const void *a,
			  const void *b, void *out, size_t esz, size_t out_esz, int64_t begin,
			  int64_t end)
{
	if (end > bc->n)
		end = bc->n;
	if (begin >= end)
		return;
	const char *pa = a, *pb = b;
	char *po = out;
	int last = bc->rank - 1;
	int64_t inner = bc->dims[last];
	/* The odometer at output element `begin`: idx over the outer dimensions, pos
	 * inside the innermost run; oa and ob are element offsets. */
	int64_t idx[TFC_MAX_RANK] = {0};
	int64_t pos = begin % inner, q = begin / inner;
	int64_t oa = pos * bc->sa[last], ob = pos * bc->sb[last], oo = begin;
	for (int d = last - 1; d >= 0; d--) {
		idx[d] = q % bc->dims[d];
		q /= bc->dims[d];
		oa += idx[d] * bc->sa[d];
		ob += idx[d] * bc->sb[d];
	}
	for (;;) {
		int64_t len = inner - pos;
		if (len > end - oo)
			len = end - oo;
		fn(pa + (size_t)oa * esz, bc->sa[last], pb + (size_t)ob * esz, bc->sb[last],
		   po + (size_t)oo * out_esz, len);
		oo += len;
		if (oo >= end)
			return;
		oa -= pos * bc->sa[last];
		ob -= pos * bc->sb[last];
		pos = 0;
		int d = last - 1;
		for (; d >= 0; d--) {
			oa += bc->sa[d];
			ob += bc->sb[d];
			if (++idx[d] < bc->dims[d])
				break;
			oa -= bc->sa[d] * bc->dims[d];
			ob -= bc->sb[d] * bc->dims[d];
			idx[d] = 0;
		}
		if (d < 0)
			return;
	}
}
