/*
 * array_slice_kernels.c: CPU kernels of the array ops that move blocks of elements:
 * Transpose, ConcatV2 and Concat, Unpack, Split, SplitV, Slice, StridedSlice (begin,
 * end, ellipsis, new-axis and shrink-axis masks, negative strides) and its gradient
 * StridedSliceGrad, Tile, Pad, PadV2 and BroadcastTo. Each is an index computation followed by tfc__copy_strided
 * (kernels/kernel_util.c), so every dense dtype works, strings included. Indices come
 * from the tensors and are checked against the shapes before anything is copied.
 * Every op makes its outputs and copies through a struct tfc__array_io (kernels.h), so the GPU's kernels (cuda/array_gpu.c) run the same
 * checks and index computations with device outputs and copies.
 */
#include "kernels.h"

static bool is_index_type(tfc_dtype t) { return t == TFC_INT32 || t == TFC_INT64; }

static void *dense_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t == TFC_DTYPE_INVALID || t == TFC_VARIANT)
		return tfc__kernel_unsupported(op, "T", t, st);
	return NULL;
}

/* An index vector input k of exactly n elements; false with ctx->st set. */
static bool index_vector(struct tfc_kernel_ctx *ctx, int k, int64_t n, const char *what)
{
	const tfc_tensor *t = ctx->inputs[k];
	if (!is_index_type(t->dtype) || t->shape.rank != 1 || t->n_elems != n) {
		char b[128];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "%s must be a vector of %lld int32/int64 elements, got shape %s", what,
				 (long long)n, tfc__kshape(&t->shape, b, sizeof(b)));
		return false;
	}
	return true;
}

/* ---- the host's outputs and copies */

static tfc_tensor *cpu_alloc(struct tfc_kernel_ctx *ctx, int i, tfc_dtype dtype, const int64_t *dims, int rank)
{
	return tfc_kernel_alloc_output(ctx, i, dtype, dims, rank);
}

static bool cpu_copy(struct tfc_kernel_ctx *ctx, tfc_tensor *dst, int64_t dst_off, const tfc_tensor *src,
		     int64_t src_off, int rank, const int64_t *dims, const int64_t *dstr, const int64_t *sstr)
{
	(void)ctx;
	tfc__copy_strided(dst, dst_off, src, src_off, rank, dims, dstr, sstr);
	return true;
}

const struct tfc__array_io tfc__array_io_cpu = {.alloc = cpu_alloc, .copy = cpu_copy};

/* ---- Transpose */

void tfc__transpose_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0], *perm = ctx->inputs[1];
	int r = x->shape.rank;
	if (!is_index_type(perm->dtype) || perm->shape.rank != 1 || perm->n_elems != r) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "transpose expects a vector of size %d. But input(1) is a vector of "
				 "size %lld",
				 r, (long long)perm->n_elems);
		return;
	}
	int64_t str[TFC_MAX_RANK], dims[TFC_MAX_RANK], sstr[TFC_MAX_RANK], dstr[TFC_MAX_RANK];
	bool seen[TFC_MAX_RANK] = {false};
	tfc__strides(&x->shape, str);
	for (int i = 0; i < r; i++) {
		int64_t p = tfc__kint(perm, i);
		if (p < 0 || p >= r) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%lld is out of range [0 .. %d)",
					 (long long)p, r);
			return;
		}
		if (seen[p]) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "%lld is duplicated in the input.",
					 (long long)p);
			return;
		}
		seen[p] = true;
		dims[i] = x->shape.dims[p];
		sstr[i] = str[p];
	}
	tfc_tensor *o = io->alloc(ctx, 0, x->dtype, dims, r);
	if (!o)
		return;
	tfc_shape os = o->shape;
	tfc__strides(&os, dstr);
	io->copy(ctx, o, 0, x, 0, r, dims, dstr, sstr);
}

static void transpose_compute(struct tfc_kernel_ctx *ctx) { tfc__transpose_run(ctx, &tfc__array_io_cpu); }

/* ---- ConcatV2, Concat */

static void concat(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io, int first, int n,
		   const tfc_tensor *axis_t)
{
	const tfc_tensor *x0 = ctx->inputs[first];
	char b0[256], b1[256];
	if (axis_t->n_elems != 1 || !is_index_type(axis_t->dtype)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Concat dim tensor should be a scalar integer, but got shape %s",
				 tfc__kshape(&axis_t->shape, b0, sizeof(b0)));
		return;
	}
	int r = x0->shape.rank;
	int64_t a = tfc__kint(axis_t, 0);
	if (a < -r || a >= r || r == 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "ConcatOp : Expected concatenating dimensions in the range [%d, %d), "
				 "but got %lld",
				 -r, r, (long long)a);
		return;
	}
	int axis = (int)(a < 0 ? a + r : a);
	int64_t dims[TFC_MAX_RANK];
	memcpy(dims, x0->shape.dims, sizeof(int64_t) * (size_t)r);
	dims[axis] = 0;
	for (int k = 0; k < n; k++) {
		const tfc_tensor *x = ctx->inputs[first + k];
		bool okay = x->dtype == x0->dtype && x->shape.rank == r;
		for (int d = 0; okay && d < r; d++)
			okay = d == axis || x->shape.dims[d] == x0->shape.dims[d];
		if (!okay) {
			if (x->shape.rank != r)
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "ConcatOp : Ranks of all input tensors should match: "
						 "shape[0] = %s vs. shape[%d] = %s",
						 tfc__kshape(&x0->shape, b0, sizeof(b0)), k,
						 tfc__kshape(&x->shape, b1, sizeof(b1)));
			else
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "ConcatOp : Dimension %d in both shapes must be equal: "
						 "shape[0] = %s vs. shape[%d] = %s",
						 axis, tfc__kshape(&x0->shape, b0, sizeof(b0)), k,
						 tfc__kshape(&x->shape, b1, sizeof(b1)));
			return;
		}
		dims[axis] += x->shape.dims[axis];
	}
	tfc_tensor *o = io->alloc(ctx, 0, x0->dtype, dims, r);
	if (!o)
		return;
	int64_t dstr[TFC_MAX_RANK], sstr[TFC_MAX_RANK], off = 0;
	tfc_shape os = o->shape;
	tfc__strides(&os, dstr);
	for (int k = 0; k < n; k++) {
		const tfc_tensor *x = ctx->inputs[first + k];
		tfc__strides(&x->shape, sstr);
		if (!io->copy(ctx, o, off * dstr[axis], x, 0, r, x->shape.dims, dstr, sstr))
			return;
		off += x->shape.dims[axis];
	}
}

void tfc__concat_v2_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io)
{
	if (!tfc__kernel_inputs_ok(ctx, ctx->n_inputs, TFC_DTYPE_INVALID) || ctx->n_inputs < 2)
		return;
	concat(ctx, io, 0, ctx->n_inputs - 1, ctx->inputs[ctx->n_inputs - 1]);
}

void tfc__concat_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io)
{
	if (!tfc__kernel_inputs_ok(ctx, ctx->n_inputs, TFC_DTYPE_INVALID) || ctx->n_inputs < 2)
		return;
	concat(ctx, io, 1, ctx->n_inputs - 1, ctx->inputs[0]);
}

static void concat_v2_compute(struct tfc_kernel_ctx *ctx) { tfc__concat_v2_run(ctx, &tfc__array_io_cpu); }
static void concat_compute(struct tfc_kernel_ctx *ctx) { tfc__concat_run(ctx, &tfc__array_io_cpu); }

/* ---- Unpack, Split, SplitV: output k is x[..., off_k : off_k + len_k, ...] */

static void split_outputs(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io, const tfc_tensor *x,
			  int axis, const int64_t *lens, int n, bool drop_axis)
{
	int r = x->shape.rank;
	int64_t sstr[TFC_MAX_RANK], off = 0;
	tfc__strides(&x->shape, sstr);
	for (int k = 0; k < n && k < ctx->n_outputs; k++) {
		int64_t dims[TFC_MAX_RANK], odims[TFC_MAX_RANK], dstr[TFC_MAX_RANK];
		memcpy(dims, x->shape.dims, sizeof(int64_t) * (size_t)r);
		dims[axis] = lens[k];
		int orank = 0;
		for (int d = 0; d < r; d++)
			if (!(drop_axis && d == axis))
				odims[orank++] = dims[d];
		tfc_tensor *o = io->alloc(ctx, k, x->dtype, odims, orank);
		if (!o)
			return;
		tfc_shape full = tfc_shape_make(r, dims);
		tfc__strides(&full, dstr);
		if (!io->copy(ctx, o, 0, x, off * sstr[axis], r, dims, dstr, sstr))
			return;
		off += lens[k];
	}
}

void tfc__unpack_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io)
{
	if (!tfc__kernel_inputs_ok(ctx, 1, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	int r = x->shape.rank, axis;
	int64_t a = tfc__kernel_attr_int(ctx->op, "axis", 0);
	if (a < -r || a >= r) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "axis = %lld not in [%d, %d)",
				 (long long)a, -r, r);
		return;
	}
	axis = (int)(a < 0 ? a + r : a);
	int64_t num = x->shape.dims[axis];
	if (num != ctx->n_outputs) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Input shape axis %d must equal %d, got shape", axis, ctx->n_outputs);
		return;
	}
	int64_t *lens = tfc__malloc(sizeof(int64_t) * (size_t)(num ? num : 1));
	for (int64_t k = 0; k < num; k++)
		lens[k] = 1;
	split_outputs(ctx, io, x, axis, lens, (int)num, true);
	free(lens);
}

void tfc__split_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *ax = ctx->inputs[0], *x = ctx->inputs[1];
	int r = x->shape.rank, axis;
	if (ax->n_elems != 1 || !is_index_type(ax->dtype)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "split_dim must be a scalar");
		return;
	}
	int64_t a = tfc__kint(ax, 0);
	if (a < -r || a >= r) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "-input rank(-%d) <= split_dim < input rank (%d), but got %lld", r, r,
				 (long long)a);
		return;
	}
	axis = (int)(a < 0 ? a + r : a);
	int n = ctx->n_outputs;
	int64_t size = x->shape.dims[axis];
	if (n <= 0 || size % n != 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Number of ways to split should evenly divide the split dimension, but "
				 "got split_dim %d (size = %lld) and num_split %d",
				 axis, (long long)size, n);
		return;
	}
	int64_t *lens = tfc__malloc(sizeof(int64_t) * (size_t)n);
	for (int k = 0; k < n; k++)
		lens[k] = size / n;
	split_outputs(ctx, io, x, axis, lens, n, false);
	free(lens);
}

void tfc__split_v_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io)
{
	if (!tfc__kernel_inputs_ok(ctx, 3, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0], *sz = ctx->inputs[1], *ax = ctx->inputs[2];
	int r = x->shape.rank, axis, n = ctx->n_outputs;
	if (ax->n_elems != 1 || !is_index_type(ax->dtype)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "split_dim must be a scalar");
		return;
	}
	int64_t a = tfc__kint(ax, 0);
	if (a < -r || a >= r) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "-input rank(-%d) <= split_dim < input rank (%d), but got %lld", r, r,
				 (long long)a);
		return;
	}
	axis = (int)(a < 0 ? a + r : a);
	if (!is_index_type(sz->dtype) || sz->shape.rank != 1 || sz->n_elems != n) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Length of size_splits should be equal to the value of num_split (%d)",
				 n);
		return;
	}
	int64_t *lens = tfc__malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
	int64_t total = 0, size = x->shape.dims[axis];
	int unknown = -1;
	for (int k = 0; k < n; k++) {
		lens[k] = tfc__kint(sz, k);
		if (lens[k] == -1 && unknown < 0) {
			unknown = k;
		} else if (lens[k] < 0) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Split size at index %d must be >= 0. Got: %lld", k,
					 (long long)lens[k]);
			goto out;
		} else {
			total += lens[k];
		}
	}
	if (unknown >= 0 && total <= size)
		lens[unknown] = size - total;
	else if (total != size || unknown >= 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Determined shape must either match input shape along split_dim "
				 "exactly if fully specified, or be less than the size of the input "
				 "along split_dim if not fully specified.  Got: %lld",
				 (long long)total);
		goto out;
	}
	split_outputs(ctx, io, x, axis, lens, n, false);
out:
	free(lens);
}

static void unpack_compute(struct tfc_kernel_ctx *ctx) { tfc__unpack_run(ctx, &tfc__array_io_cpu); }
static void split_compute(struct tfc_kernel_ctx *ctx) { tfc__split_run(ctx, &tfc__array_io_cpu); }
static void split_v_compute(struct tfc_kernel_ctx *ctx) { tfc__split_v_run(ctx, &tfc__array_io_cpu); }

/* ---- Slice */

void tfc__slice_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io)
{
	if (!tfc__kernel_inputs_ok(ctx, 3, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0], *b = ctx->inputs[1], *s = ctx->inputs[2];
	int r = x->shape.rank;
	char b0[128], b1[128];
	if (!is_index_type(b->dtype) || !is_index_type(s->dtype) || b->shape.rank != 1 ||
	    s->shape.rank != 1 || b->n_elems != r || s->n_elems != r) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Expected begin and size arguments to be 1-D tensors of size %d, but "
				 "got shapes %s and %s instead.",
				 r, tfc__kshape(&b->shape, b0, sizeof(b0)),
				 tfc__kshape(&s->shape, b1, sizeof(b1)));
		return;
	}
	int64_t dims[TFC_MAX_RANK], str[TFC_MAX_RANK], dstr[TFC_MAX_RANK], off = 0;
	tfc__strides(&x->shape, str);
	for (int d = 0; d < r; d++) {
		int64_t bd = tfc__kint(b, d), sd = tfc__kint(s, d), n = x->shape.dims[d];
		if (sd == -1)
			sd = n - bd;
		if (bd < 0 || bd > n || sd < 0 || bd + sd > n) {
			if (bd < 0 || bd > n)
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "Expected begin[%d] in [0, %lld], but got %lld", d,
						 (long long)n, (long long)bd);
			else
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "Expected size[%d] in [0, %lld], but got %lld", d,
						 (long long)(n - bd), (long long)sd);
			return;
		}
		dims[d] = sd;
		off += bd * str[d];
	}
	tfc_tensor *o = io->alloc(ctx, 0, x->dtype, dims, r);
	if (!o)
		return;
	tfc_shape os = o->shape;
	tfc__strides(&os, dstr);
	io->copy(ctx, o, 0, x, off, r, dims, dstr, str);
}

static void slice_compute(struct tfc_kernel_ctx *ctx) { tfc__slice_run(ctx, &tfc__array_io_cpu); }

/* ---- StridedSlice */

struct ss_state {
	int64_t begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_mask;
};

void *tfc__ss_create(const tfc_operation *op, tfc_status *st)
{
	if (!dense_create(op, st) && tfc_status_code(st) != TFC_OK)
		return NULL;
	struct ss_state *s = tfc__malloc(sizeof(*s));
	s->begin_mask = tfc__kernel_attr_int(op, "begin_mask", 0);
	s->end_mask = tfc__kernel_attr_int(op, "end_mask", 0);
	s->ellipsis_mask = tfc__kernel_attr_int(op, "ellipsis_mask", 0);
	s->new_axis_mask = tfc__kernel_attr_int(op, "new_axis_mask", 0);
	s->shrink_mask = tfc__kernel_attr_int(op, "shrink_axis_mask", 0);
	return s;
}

void tfc__ss_destroy(void *s) { free(s); }

/* A StridedSlice of a tensor of shape xs, worked out: per input dimension the
 * number of elements taken (sizes), the element stride between them (sstr) and the
 * offset of the first; and the result's shape (odims, orank). */
struct ss_spec {
	int64_t sizes[TFC_MAX_RANK], sstr[TFC_MAX_RANK], off;
	int64_t odims[TFC_MAX_RANK];
	int orank;
};

/* Reads begin/end/strides from inputs 1..3 (StridedSlice) or bk..bk+2; false with
 * ctx->st set. */
static bool ss_spec(struct tfc_kernel_ctx *ctx, const struct ss_state *s, const tfc_shape *xs,
		    int bk, struct ss_spec *sp)
{
	const tfc_tensor *bt = ctx->inputs[bk], *et = ctx->inputs[bk + 1], *st = ctx->inputs[bk + 2];
	int r = xs->rank;
	int64_t n = bt->n_elems;
	if (bt->shape.rank != 1 || !index_vector(ctx, bk + 1, n, "end") ||
	    !index_vector(ctx, bk + 2, n, "strides") || !is_index_type(bt->dtype) || n > 32) {
		if (tfc_status_code(ctx->st) == TFC_OK)
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Expected begin, end, and strides to be 1D equal size tensors");
		return false;
	}
	if (s->ellipsis_mask & (s->ellipsis_mask - 1)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Multiple ellipses in slice spec not allowed");
		return false;
	}
	/* The sparse spec (as given) made dense (one entry per input dimension). An
	 * implicit ellipsis ends a spec that has none. */
	int64_t ell = s->ellipsis_mask;
	int64_t sn = n;
	if (!ell) {
		ell = (int64_t)1 << n;
		sn = n + 1;
	}
	int64_t db[TFC_MAX_RANK], de[TFC_MAX_RANK], ds[TFC_MAX_RANK];
	bool bmask[TFC_MAX_RANK], emask[TFC_MAX_RANK], shrink[TFC_MAX_RANK];
	/* final shape: for each entry, the dense dimension it shows (-1: a new axis,
	 * -2: a shrunk dimension) */
	int fin[2 * TFC_MAX_RANK + 34], nfin = 0;
	int full = 0;
	for (int64_t i = 0; i < sn; i++) {
		if (ell & ((int64_t)1 << i)) {
			int after = 0;
			for (int64_t k = i + 1; k < sn; k++)
				if (s->new_axis_mask & ((int64_t)1 << k))
					after++;
			int next = (int)(r - (sn - 1 - i) + after);
			if (next > r)
				next = r;
			for (; full < next; full++) {
				db[full] = de[full] = 0;
				ds[full] = 1;
				bmask[full] = emask[full] = true;
				shrink[full] = false;
				fin[nfin++] = full;
			}
		} else if (s->new_axis_mask & ((int64_t)1 << i)) {
			fin[nfin++] = -1;
		} else {
			if (full >= r) {
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "Index out of range using input dim %d; input has only "
						 "%d dims",
						 full, r);
				return false;
			}
			db[full] = tfc__kint(bt, i);
			de[full] = tfc__kint(et, i);
			ds[full] = tfc__kint(st, i);
			bmask[full] = (s->begin_mask >> i) & 1;
			emask[full] = (s->end_mask >> i) & 1;
			shrink[full] = (s->shrink_mask >> i) & 1;
			fin[nfin++] = shrink[full] ? -2 : full;
			full++;
		}
	}
	int64_t str[TFC_MAX_RANK];
	tfc__strides(xs, str);
	sp->off = 0;
	for (int d = 0; d < r; d++) {
		int64_t dim = xs->dims[d], stp = ds[d], b = db[d], e = de[d];
		if (stp == 0) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "strides[%d] must be non-zero", d);
			return false;
		}
		if (shrink[d]) {
			int64_t bb = b < 0 ? b + dim : b;
			if (bb < 0 || bb >= dim) {
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "slice index %lld of dimension %d out of bounds.",
						 (long long)b, d);
				return false;
			}
			sp->sizes[d] = 1;
			sp->sstr[d] = str[d];
			sp->off += bb * str[d];
			continue;
		}
		int64_t lo = stp > 0 ? 0 : -1, hi = stp > 0 ? dim : dim - 1;
		if (bmask[d]) {
			b = stp > 0 ? lo : hi;
		} else {
			b = b < 0 ? b + dim : b;
			b = b < lo ? lo : b > hi ? hi : b;
		}
		if (emask[d]) {
			e = stp > 0 ? hi : lo;
		} else {
			e = e < 0 ? e + dim : e;
			e = e < lo ? lo : e > hi ? hi : e;
		}
		int64_t len = stp > 0 ? (e - b + stp - 1) / stp : (b - e + (-stp) - 1) / (-stp);
		if (len < 0)
			len = 0;
		sp->sizes[d] = len;
		sp->sstr[d] = str[d] * stp;
		if (len > 0)
			sp->off += b * str[d];
	}
	sp->orank = 0;
	for (int i = 0; i < nfin; i++) {
		if (fin[i] == -2)
			continue;
		if (sp->orank >= TFC_MAX_RANK) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "StridedSlice result beyond %d dimensions", TFC_MAX_RANK);
			return false;
		}
		sp->odims[sp->orank++] = fin[i] == -1 ? 1 : sp->sizes[fin[i]];
	}
	return true;
}

void tfc__strided_slice_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io)
{
	const struct ss_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 4, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	struct ss_spec sp;
	if (!ss_spec(ctx, s, &x->shape, 1, &sp))
		return;
	tfc_tensor *o = io->alloc(ctx, 0, x->dtype, sp.odims, sp.orank);
	if (!o)
		return;
	tfc_shape full_s = tfc_shape_make(x->shape.rank, sp.sizes);
	int64_t dstr[TFC_MAX_RANK];
	tfc__strides(&full_s, dstr);
	io->copy(ctx, o, 0, x, sp.off, x->shape.rank, sp.sizes, dstr, sp.sstr);
}

static void ss_compute(struct tfc_kernel_ctx *ctx) { tfc__strided_slice_run(ctx, &tfc__array_io_cpu); }

/* StridedSliceGrad(shape, begin, end, strides, dy): zeros of `shape` with dy written
 * where StridedSlice would have read. */
void tfc__ss_grad_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io)
{
	const struct ss_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 5, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *shp = ctx->inputs[0], *dy = ctx->inputs[4];
	if (!is_index_type(shp->dtype) || shp->shape.rank != 1 || shp->n_elems > TFC_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "shape must be a vector of at most %d dims",
				 TFC_MAX_RANK);
		return;
	}
	int64_t dims[TFC_MAX_RANK];
	int r = (int)shp->n_elems;
	for (int d = 0; d < r; d++) {
		dims[d] = tfc__kint(shp, d);
		if (dims[d] < 0) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "shape[%d] is negative", d);
			return;
		}
	}
	tfc_shape xs = tfc_shape_make(r, dims);
	struct ss_spec sp;
	if (!ss_spec(ctx, s, &xs, 1, &sp))
		return;
	tfc_shape want = tfc_shape_make(sp.orank, sp.odims);
	if (!(want.rank == dy->shape.rank &&
	      memcmp(want.dims, dy->shape.dims, sizeof(int64_t) * (size_t)want.rank) == 0)) {
		char b0[128], b1[128];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "shape of dy was %s instead of %s",
				 tfc__kshape(&dy->shape, b0, sizeof(b0)), tfc__kshape(&want, b1, sizeof(b1)));
		return;
	}
	tfc_tensor *o = io->alloc(ctx, 0, dy->dtype, dims, r);
	if (!o || (io->zero && o->n_elems && !io->zero(ctx, o)))
		return;
	tfc_shape full_s = tfc_shape_make(r, sp.sizes);
	int64_t ystr[TFC_MAX_RANK];
	tfc__strides(&full_s, ystr);
	io->copy(ctx, o, sp.off, dy, 0, r, sp.sizes, sp.sstr, ystr);
}

static void ss_grad_compute(struct tfc_kernel_ctx *ctx) { tfc__ss_grad_run(ctx, &tfc__array_io_cpu); }

/* ---- Tile */

void tfc__tile_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0], *m = ctx->inputs[1];
	int r = x->shape.rank;
	if (!is_index_type(m->dtype) || m->shape.rank != 1 || m->n_elems != r) {
		char b[128], c[128];
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Expected multiples argument to be a vector of length %d but got "
				 "length %lld (input shape %s, multiples shape %s)",
				 r, (long long)m->n_elems, tfc__kshape(&x->shape, b, sizeof(b)),
				 tfc__kshape(&m->shape, c, sizeof(c)));
		return;
	}
	int64_t dims[TFC_MAX_RANK], mult[TFC_MAX_RANK];
	for (int d = 0; d < r; d++) {
		mult[d] = tfc__kint(m, d);
		if (mult[d] < 0) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Expected multiples[%d] >= 0, but got %lld", d,
					 (long long)mult[d]);
			return;
		}
		dims[d] = x->shape.dims[d] * mult[d];
	}
	tfc_tensor *o = io->alloc(ctx, 0, x->dtype, dims, r);
	if (!o || o->n_elems == 0)
		return;
	int64_t dstr[TFC_MAX_RANK], sstr[TFC_MAX_RANK], t[TFC_MAX_RANK] = {0};
	tfc_shape os = o->shape;
	tfc__strides(&os, dstr);
	tfc__strides(&x->shape, sstr);
	/* One copy of a higher-rank view: output dimension d split into (tile t_d, index
	 * i_d within the tile), i.e. output offset (t_d * x_d + i_d) * dstr_d and input
	 * offset i_d * sstr_d; tiling dimensions with one tile are left out. One pass
	 * (one launch on the GPU) however many tiles there are. */
	int64_t vd[TFC_MAX_RANK], vdst[TFC_MAX_RANK], vsrc[TFC_MAX_RANK];
	int vr = 0;
	for (int d = 0; d < r && vr <= TFC_MAX_RANK - 2; d++) {
		if (mult[d] != 1) {
			vd[vr] = mult[d];
			vdst[vr] = x->shape.dims[d] * dstr[d];
			vsrc[vr++] = 0;
		}
		vd[vr] = x->shape.dims[d];
		vdst[vr] = dstr[d];
		vsrc[vr++] = sstr[d];
	}
	int wanted = r;
	for (int d = 0; d < r; d++)
		wanted += mult[d] != 1;
	if (wanted <= TFC_MAX_RANK) {
		io->copy(ctx, o, 0, x, 0, vr, vd, vdst, vsrc);
		return;
	}
	/* Too many dimensions for that view: the input once per tile, tile t's offset
	 * along d being t_d * in_dim_d. */
	for (;;) {
		int64_t off = 0;
		for (int d = 0; d < r; d++)
			off += t[d] * x->shape.dims[d] * dstr[d];
		if (!io->copy(ctx, o, off, x, 0, r, x->shape.dims, dstr, sstr))
			return;
		int d = r - 1;
		for (; d >= 0; d--) {
			if (++t[d] < mult[d])
				break;
			t[d] = 0;
		}
		if (d < 0)
			return;
	}
}

static void tile_compute(struct tfc_kernel_ctx *ctx) { tfc__tile_run(ctx, &tfc__array_io_cpu); }

/* ---- Pad, PadV2 */

void tfc__pad_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io)
{
	bool v2 = ctx->n_inputs == 3;
	if (!tfc__kernel_inputs_ok(ctx, ctx->n_inputs, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0], *p = ctx->inputs[1];
	int r = x->shape.rank;
	char b[128];
	if (!is_index_type(p->dtype) || p->shape.rank != 2 || p->shape.dims[0] != r ||
	    p->shape.dims[1] != 2) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "The first dimension of paddings must be the rank of inputs[%d,2], "
				 "got %s",
				 r, tfc__kshape(&p->shape, b, sizeof(b)));
		return;
	}
	if (v2 && (ctx->inputs[2]->n_elems != 1 || ctx->inputs[2]->dtype != x->dtype)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "constant_values must be a scalar. Got shape %s",
				 tfc__kshape(&ctx->inputs[2]->shape, b, sizeof(b)));
		return;
	}
	int64_t dims[TFC_MAX_RANK], before[TFC_MAX_RANK];
	for (int d = 0; d < r; d++) {
		int64_t lo = tfc__kint(p, 2 * d), hi = tfc__kint(p, 2 * d + 1);
		if (lo < 0 || hi < 0) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Paddings must be non-negative: %lld %lld", (long long)lo,
					 (long long)hi);
			return;
		}
		before[d] = lo;
		dims[d] = x->shape.dims[d] + lo + hi;
	}
	tfc_tensor *o = io->alloc(ctx, 0, x->dtype, dims, r);
	if (!o)
		return;
	if (v2 && o->n_elems) {
		int64_t zero[TFC_MAX_RANK] = {0}, ostr[TFC_MAX_RANK];
		tfc_shape os = o->shape;
		tfc__strides(&os, ostr);
		if (!io->copy(ctx, o, 0, ctx->inputs[2], 0, r, dims, ostr, zero))
			return;
	} else if (io->zero && o->n_elems && !io->zero(ctx, o)) {
		return;
	}
	int64_t dstr[TFC_MAX_RANK], sstr[TFC_MAX_RANK], off = 0;
	tfc_shape os = o->shape;
	tfc__strides(&os, dstr);
	tfc__strides(&x->shape, sstr);
	for (int d = 0; d < r; d++)
		off += before[d] * dstr[d];
	io->copy(ctx, o, off, x, 0, r, x->shape.dims, dstr, sstr);
}

static void pad_compute(struct tfc_kernel_ctx *ctx) { tfc__pad_run(ctx, &tfc__array_io_cpu); }

/* ---- BroadcastTo */

void tfc__broadcast_to_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0], *sh = ctx->inputs[1];
	char b0[128], b1[128];
	if (!is_index_type(sh->dtype) || sh->shape.rank != 1 || sh->n_elems > TFC_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "shape must be a vector, got %s",
				 tfc__kshape(&sh->shape, b0, sizeof(b0)));
		return;
	}
	int r = (int)sh->n_elems;
	int64_t dims[TFC_MAX_RANK], sstr[TFC_MAX_RANK], dstr[TFC_MAX_RANK], xs[TFC_MAX_RANK];
	tfc__strides(&x->shape, xs);
	bool okay = x->shape.rank <= r;
	for (int d = 0; d < r; d++) {
		dims[d] = tfc__kint(sh, d);
		int k = d - (r - x->shape.rank);
		int64_t xd = k >= 0 ? x->shape.dims[k] : 1;
		if (dims[d] < 0 || (xd != dims[d] && xd != 1))
			okay = false;
		sstr[d] = k >= 0 && xd != 1 ? xs[k] : 0;
	}
	if (!okay) {
		tfc_shape want = tfc_shape_make(r, dims);
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Unable to broadcast tensor of shape %s to tensor of shape %s",
				 tfc__kshape(&x->shape, b0, sizeof(b0)),
				 tfc__kshape(&want, b1, sizeof(b1)));
		return;
	}
	tfc_tensor *o = io->alloc(ctx, 0, x->dtype, dims, r);
	if (!o)
		return;
	tfc_shape os = o->shape;
	tfc__strides(&os, dstr);
	io->copy(ctx, o, 0, x, 0, r, dims, dstr, sstr);
}

static void broadcast_to_compute(struct tfc_kernel_ctx *ctx) { tfc__broadcast_to_run(ctx, &tfc__array_io_cpu); }

#define K(NAME, ...) { .op = NAME, .device = "CPU", .create = dense_create, __VA_ARGS__ }
const struct tfc_kernel_def tfc__array_slice_kernels[] = {
	K("Transpose", .compute = transpose_compute),
	K("ConcatV2", .compute = concat_v2_compute),
	K("Concat", .compute = concat_compute),
	K("Unpack", .compute = unpack_compute),
	K("Split", .compute = split_compute),
	K("SplitV", .compute = split_v_compute),
	K("Slice", .compute = slice_compute),
	{ .op = "StridedSlice", .device = "CPU", .create = tfc__ss_create, .destroy = tfc__ss_destroy,
	  .compute = ss_compute },
	{ .op = "StridedSliceGrad", .device = "CPU", .create = tfc__ss_create, .destroy = tfc__ss_destroy,
	  .compute = ss_grad_compute },
	K("Tile", .compute = tile_compute),
	K("Pad", .compute = pad_compute),
	K("PadV2", .compute = pad_compute),
	K("BroadcastTo", .compute = broadcast_to_compute),
	{ .op = NULL },
};
