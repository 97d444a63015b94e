/*
 * array_gather_kernels.c: CPU kernels of the array ops that pick elements by index:
 * Gather and GatherV2 (slices of params along an axis, batch_dims 0, negative axis),
 * GatherNd (index vectors into the leading dimensions of params), OneHot (any axis)
 * DynamicStitch (data interleaved by index lists; later indices win), and the sums
 * by index that gradients use: UnsortedSegmentSum (negative ids dropped, as in
 * TensorFlow 2) and ScatterNd (duplicates add up). Every index
 * is checked against its dimension before it is used: an index out of range is an
 * InvalidArgument in TensorFlow's words, never a read or write out of bounds.
 */
#include "kernels.h"

static bool is_index_type(tfc_dtype t) { return t == TFC_INT32 || t == TFC_INT64; }

/* Copies n elements from src[so..] to dst[do..] (strings deep-copied). */
static void copy_block(tfc_tensor *dst, int64_t d, const tfc_tensor *src, int64_t s, int64_t n)
{
	if (n <= 0)
		return;
	if (dst->dtype == TFC_STRING) {
		for (int64_t i = 0; i < n; i++) {
			const tfc_tstring *t = tfc_tensor_string(src, s + i);
			tfc_tensor_set_string(dst, d + i, t->ptr, t->len, NULL);
		}
		return;
	}
	size_t esz = tfc__elem_size(dst->dtype);
	memcpy((char *)tfc_tensor_data(dst) + (size_t)d * esz,
	       (const char *)tfc_tensor_data(src) + (size_t)s * esz, (size_t)n * esz);
}

/* ---- Gather, GatherV2 */

static bool gather_geom(struct tfc_kernel_ctx *ctx, const tfc_tensor *params, const tfc_tensor *idx,
			int64_t axis_v, bool check_indices, struct tfc__gather_geom *g)
{
	int r = params->shape.rank;
	if (!is_index_type(idx->dtype)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "indices must be int32 or int64");
		return false;
	}
	if (r < 1) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "params must be at least 1 dimensional");
		return false;
	}
	if (axis_v < -r || axis_v >= r) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Expected axis in the range [%d, %d), but got %lld", -r, r,
				 (long long)axis_v);
		return false;
	}
	int axis = (int)(axis_v < 0 ? axis_v + r : axis_v);
	g->orank = r - 1 + idx->shape.rank;
	if (g->orank > TFC_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Gather result beyond %d dimensions",
				 TFC_MAX_RANK);
		return false;
	}
	g->outer = 1;
	g->inner = 1;
	g->n = params->shape.dims[axis];
	int k = 0;
	for (int d = 0; d < axis; d++) {
		g->odims[k++] = params->shape.dims[d];
		g->outer *= params->shape.dims[d];
	}
	for (int d = 0; d < idx->shape.rank; d++)
		g->odims[k++] = idx->shape.dims[d];
	for (int d = axis + 1; d < r; d++) {
		g->odims[k++] = params->shape.dims[d];
		g->inner *= params->shape.dims[d];
	}
	for (int64_t i = 0; check_indices && i < idx->n_elems; i++) {
		int64_t v = tfc__kint(idx, i);
		if (v < 0 || v >= g->n) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "indices[%lld] = %lld is not in [0, %lld)",
					 (long long)i, (long long)v, (long long)g->n);
			return false;
		}
	}
	return true;
}

bool tfc__gather_args(struct tfc_kernel_ctx *ctx, bool v2, bool check_indices, struct tfc__gather_geom *g)
{
	if (!tfc__kernel_inputs_ok(ctx, v2 ? 3 : 2, TFC_DTYPE_INVALID))
		return false;
	int64_t axis = 0;
	if (v2) {
		const tfc_tensor *ax = ctx->inputs[2];
		if (!is_index_type(ax->dtype) || ax->n_elems != 1) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "axis must be scalar");
			return false;
		}
		if (tfc__kernel_attr_int(ctx->op, "batch_dims", 0) != 0) {
			tfc_kernel_error(ctx, TFC_UNIMPLEMENTED, "GatherV2 with batch_dims != 0");
			return false;
		}
		axis = tfc__kint(ax, 0);
	}
	return gather_geom(ctx, ctx->inputs[0], ctx->inputs[1], axis, check_indices, g);
}

static void gather(struct tfc_kernel_ctx *ctx, bool v2)
{
	struct tfc__gather_geom g;
	if (!tfc__gather_args(ctx, v2, true, &g))
		return;
	const tfc_tensor *params = ctx->inputs[0], *idx = ctx->inputs[1];
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, params->dtype, g.odims, g.orank);
	if (!o)
		return;
	int64_t ni = idx->n_elems;
	for (int64_t a = 0; a < g.outer; a++)
		for (int64_t i = 0; i < ni; i++)
			copy_block(o, (a * ni + i) * g.inner, params,
				   (a * g.n + tfc__kint(idx, i)) * g.inner, g.inner);
}

static void gather_compute(struct tfc_kernel_ctx *ctx) { gather(ctx, false); }
static void gather_v2_compute(struct tfc_kernel_ctx *ctx) { gather(ctx, true); }

/* ---- GatherNd */

static void gather_nd_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *p = ctx->inputs[0], *idx = ctx->inputs[1];
	char b0[128], b1[128];
	if (!is_index_type(idx->dtype) || idx->shape.rank < 1) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "indices must be at least a vector of int32/int64, got %s",
				 tfc__kshape(&idx->shape, b0, sizeof(b0)));
		return;
	}
	int ir = idx->shape.rank;
	int64_t depth = idx->shape.dims[ir - 1];
	if (depth > p->shape.rank) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "index innermost dimension length must be <= params rank; saw: %lld vs. "
				 "%d",
				 (long long)depth, p->shape.rank);
		return;
	}
	int orank = ir - 1 + p->shape.rank - (int)depth;
	if (orank > TFC_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "GatherNd result beyond %d dimensions",
				 TFC_MAX_RANK);
		return;
	}
	int64_t odims[TFC_MAX_RANK], pstr[TFC_MAX_RANK], inner = 1, nidx = 1;
	int k = 0;
	for (int d = 0; d < ir - 1; d++) {
		odims[k++] = idx->shape.dims[d];
		nidx *= idx->shape.dims[d];
	}
	for (int d = (int)depth; d < p->shape.rank; d++) {
		odims[k++] = p->shape.dims[d];
		inner *= p->shape.dims[d];
	}
	tfc__strides(&p->shape, pstr);
	for (int64_t i = 0; i < nidx; i++)
		for (int64_t j = 0; j < depth; j++) {
			int64_t v = tfc__kint(idx, i * depth + j);
			if (v < 0 || v >= p->shape.dims[j]) {
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "indices[%lld] = %lld does not index into param shape %s",
						 (long long)i, (long long)v,
						 tfc__kshape(&p->shape, b1, sizeof(b1)));
				return;
			}
		}
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, p->dtype, odims, orank);
	if (!o)
		return;
	for (int64_t i = 0; i < nidx; i++) {
		int64_t off = 0;
		for (int64_t j = 0; j < depth; j++)
			off += tfc__kint(idx, i * depth + j) * pstr[j];
		copy_block(o, i * inner, p, off, inner);
	}
}

/* ---- OneHot */

bool tfc__one_hot_args(struct tfc_kernel_ctx *ctx, int64_t *odims, int64_t *outer_out, int64_t *depth_out,
		       int64_t *inner_out)
{
	if (!tfc__kernel_inputs_ok(ctx, 4, TFC_DTYPE_INVALID))
		return false;
	const tfc_tensor *idx = ctx->inputs[0], *depth_t = ctx->inputs[1];
	const tfc_tensor *on = ctx->inputs[2], *off = ctx->inputs[3];
	char b[128];
	if (depth_t->n_elems != 1 || depth_t->shape.rank != 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "depth must be a scalar, but got: %s",
				 tfc__kshape(&depth_t->shape, b, sizeof(b)));
		return false;
	}
	if (on->n_elems != 1 || on->shape.rank != 0 || off->n_elems != 1 || off->shape.rank != 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "on_value and off_value must be scalars");
		return false;
	}
	int64_t depth = tfc__kint(depth_t, 0);
	if (depth < 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "depth must be non-negative, got: %lld",
				 (long long)depth);
		return false;
	}
	int r = idx->shape.rank;
	int64_t a = tfc__kernel_attr_int(ctx->op, "axis", -1);
	if (a < -1 || a > r) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Expected axis to be -1 or between [0, %d).  But received: %lld",
				 r + 1, (long long)a);
		return false;
	}
	if (r + 1 > TFC_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "OneHot beyond %d dimensions", TFC_MAX_RANK);
		return false;
	}
	int axis = a == -1 ? r : (int)a;
	int64_t outer = 1, inner = 1;
	for (int d = 0, k = 0; d <= r; d++) {
		if (d == axis) {
			odims[d] = depth;
			continue;
		}
		odims[d] = idx->shape.dims[k];
		if (d < axis)
			outer *= idx->shape.dims[k];
		else
			inner *= idx->shape.dims[k];
		k++;
	}
	*outer_out = outer;
	*depth_out = depth;
	*inner_out = inner;
	return true;
}

static void one_hot_compute(struct tfc_kernel_ctx *ctx)
{
	int64_t odims[TFC_MAX_RANK], outer, depth, inner;
	if (!tfc__one_hot_args(ctx, odims, &outer, &depth, &inner))
		return;
	const tfc_tensor *idx = ctx->inputs[0], *on = ctx->inputs[2], *off = ctx->inputs[3];
	int r = idx->shape.rank;
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, on->dtype, odims, r + 1);
	if (!o)
		return;
	for (int64_t i = 0; i < o->n_elems; i++)
		copy_block(o, i, off, 0, 1);
	for (int64_t p = 0; p < outer; p++)
		for (int64_t q = 0; q < inner; q++) {
			int64_t v = idx->dtype == TFC_UINT8
					    ? ((const uint8_t *)tfc_tensor_data(idx))[p * inner + q]
					    : tfc__kint(idx, p * inner + q);
			if (v >= 0 && v < depth)
				copy_block(o, (p * depth + v) * inner + q, on, 0, 1);
		}
}

/* ---- DynamicStitch */

static void dynamic_stitch_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, ctx->n_inputs, TFC_DTYPE_INVALID))
		return;
	int n = ctx->n_inputs / 2;
	char b0[128], b1[128];
	int64_t max = -1;
	const tfc_tensor *d0 = ctx->inputs[n], *i0 = ctx->inputs[0];
	/* data[k].shape = indices[k].shape + the common element shape */
	int er = d0->shape.rank - i0->shape.rank;
	if (er < 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "data[0] has fewer dimensions than indices[0]");
		return;
	}
	int64_t inner = 1;
	for (int d = 0; d < er; d++)
		inner *= d0->shape.dims[i0->shape.rank + d];
	for (int k = 0; k < n; k++) {
		const tfc_tensor *ik = ctx->inputs[k], *dk = ctx->inputs[n + k];
		bool okay = ik->dtype == TFC_INT32 && dk->dtype == d0->dtype &&
			    dk->shape.rank == ik->shape.rank + er;
		for (int d = 0; okay && d < ik->shape.rank; d++)
			okay = dk->shape.dims[d] == ik->shape.dims[d];
		for (int d = 0; okay && d < er; d++)
			okay = dk->shape.dims[ik->shape.rank + d] == d0->shape.dims[i0->shape.rank + d];
		if (!okay) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "data[%d].shape = %s does not start with indices[%d].shape = %s",
					 k, tfc__kshape(&dk->shape, b0, sizeof(b0)), k,
					 tfc__kshape(&ik->shape, b1, sizeof(b1)));
			return;
		}
		for (int64_t i = 0; i < ik->n_elems; i++) {
			int64_t v = tfc__kint(ik, i);
			if (v < 0) {
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "indices[%d] is out of range: %lld", k, (long long)v);
				return;
			}
			if (v > max)
				max = v;
		}
	}
	if (er + 1 > TFC_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "DynamicStitch beyond %d dimensions",
				 TFC_MAX_RANK);
		return;
	}
	int64_t odims[TFC_MAX_RANK];
	odims[0] = max + 1;
	for (int d = 0; d < er; d++)
		odims[d + 1] = d0->shape.dims[i0->shape.rank + d];
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, d0->dtype, odims, er + 1);
	if (!o)
		return;
	for (int k = 0; k < n; k++) {
		const tfc_tensor *ik = ctx->inputs[k], *dk = ctx->inputs[n + k];
		for (int64_t i = 0; i < ik->n_elems; i++)
			copy_block(o, tfc__kint(ik, i) * inner, dk, i * inner, inner);
	}
}

/* ---- UnsortedSegmentSum, ScatterNd */

/* dst[d..d+n) += src[s..s+n) in dtype t. */
static void add_block(tfc_tensor *dst, int64_t d, const tfc_tensor *src, int64_t s, int64_t n)
{
	void *dp = tfc_tensor_data(dst);
	const void *sp = tfc_tensor_data(src);
	switch (dst->dtype) {
	case TFC_FLOAT:
		for (int64_t i = 0; i < n; i++)
			((float *)dp)[d + i] += ((const float *)sp)[s + i];
		break;
	case TFC_DOUBLE:
		for (int64_t i = 0; i < n; i++)
			((double *)dp)[d + i] += ((const double *)sp)[s + i];
		break;
	case TFC_INT32:
		for (int64_t i = 0; i < n; i++)
			((int32_t *)dp)[d + i] = (int32_t)((uint32_t)((int32_t *)dp)[d + i] +
							   (uint32_t)((const int32_t *)sp)[s + i]);
		break;
	default:
		for (int64_t i = 0; i < n; i++)
			((int64_t *)dp)[d + i] = (int64_t)((uint64_t)((int64_t *)dp)[d + i] +
							   (uint64_t)((const int64_t *)sp)[s + i]);
	}
}

static void *sum_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t != TFC_FLOAT && t != TFC_DOUBLE && t != TFC_INT32 && t != TFC_INT64)
		return tfc__kernel_unsupported(op, "T", t, st);
	return NULL;
}

bool tfc__segment_sum_args(struct tfc_kernel_ctx *ctx, bool check_ids, int64_t *odims, int *orank_out,
			   int64_t *inner_out)
{
	if (!tfc__kernel_inputs_ok(ctx, 3, TFC_DTYPE_INVALID))
		return false;
	const tfc_tensor *data = ctx->inputs[0], *ids = ctx->inputs[1], *ns = ctx->inputs[2];
	char b0[128], b1[128];
	if (!is_index_type(ids->dtype) || !is_index_type(ns->dtype) || ns->n_elems != 1) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "num_segments should be a scalar, not shape %s",
				 tfc__kshape(&ns->shape, b0, sizeof(b0)));
		return false;
	}
	int ir = ids->shape.rank;
	bool prefix = ir <= data->shape.rank;
	for (int d = 0; prefix && d < ir; d++)
		prefix = ids->shape.dims[d] == data->shape.dims[d];
	if (!prefix) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "data.shape = %s does not start with segment_ids.shape = %s",
				 tfc__kshape(&data->shape, b0, sizeof(b0)),
				 tfc__kshape(&ids->shape, b1, sizeof(b1)));
		return false;
	}
	int64_t nseg = tfc__kint(ns, 0);
	if (nseg < 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "num_segments must be >= 0, got %lld",
				 (long long)nseg);
		return false;
	}
	int orank = 1 + data->shape.rank - ir;
	int64_t inner = 1;
	odims[0] = nseg;
	for (int d = ir; d < data->shape.rank; d++) {
		odims[1 + d - ir] = data->shape.dims[d];
		inner *= data->shape.dims[d];
	}
	for (int64_t i = 0; check_ids && i < ids->n_elems; i++) {
		int64_t v = tfc__kint(ids, i);
		if (v >= nseg) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "segment_ids[%lld] = %lld is out of range [0, %lld)", (long long)i,
					 (long long)v, (long long)nseg);
			return false;
		}
	}
	*orank_out = orank;
	*inner_out = inner;
	return true;
}

static void unsorted_segment_sum_compute(struct tfc_kernel_ctx *ctx)
{
	int64_t odims[TFC_MAX_RANK], inner;
	int orank;
	if (!tfc__segment_sum_args(ctx, true, odims, &orank, &inner))
		return;
	const tfc_tensor *data = ctx->inputs[0], *ids = ctx->inputs[1];
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, data->dtype, odims, orank);
	if (!o)
		return;
	for (int64_t i = 0; i < ids->n_elems; i++) {
		int64_t v = tfc__kint(ids, i);
		if (v >= 0)
			add_block(o, v * inner, data, i * inner, inner);
	}
}

static void scatter_nd_compute(struct tfc_kernel_ctx *ctx)
{
	if (!tfc__kernel_inputs_ok(ctx, 3, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *idx = ctx->inputs[0], *upd = ctx->inputs[1], *shp = ctx->inputs[2];
	char b0[128], b1[128];
	if (!is_index_type(idx->dtype) || idx->shape.rank < 1 || !is_index_type(shp->dtype) ||
	    shp->shape.rank != 1 || shp->n_elems > TFC_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "indices must be at least a vector and shape a vector, got %s and %s",
				 tfc__kshape(&idx->shape, b0, sizeof(b0)),
				 tfc__kshape(&shp->shape, b1, sizeof(b1)));
		return;
	}
	int r = (int)shp->n_elems, ir = idx->shape.rank;
	int64_t dims[TFC_MAX_RANK], depth = idx->shape.dims[ir - 1];
	for (int d = 0; d < r; d++) {
		dims[d] = tfc__kint(shp, d);
		if (dims[d] < 0) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "shape[%d] is negative", d);
			return;
		}
	}
	tfc_shape os = tfc_shape_make(r, dims);
	/* updates.shape = indices.shape[:-1] + shape[depth:] */
	bool okay = depth <= r && upd->shape.rank == ir - 1 + r - depth;
	for (int d = 0; okay && d < ir - 1; d++)
		okay = upd->shape.dims[d] == idx->shape.dims[d];
	for (int d = (int)depth; okay && d < r; d++)
		okay = upd->shape.dims[ir - 1 + d - depth] == dims[d];
	if (!okay) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "Dimensions [0,%d) of indices[shape=%s] = %d must match dimensions "
				 "[0,%d) of updates[shape=%s]",
				 ir - 1, tfc__kshape(&idx->shape, b0, sizeof(b0)), ir - 1, ir - 1,
				 tfc__kshape(&upd->shape, b1, sizeof(b1)));
		return;
	}
	int64_t str[TFC_MAX_RANK], inner = 1, n = depth ? idx->n_elems / depth : 0;
	tfc__strides(&os, str);
	for (int d = (int)depth; d < r; d++)
		inner *= dims[d];
	for (int64_t i = 0; i < n; i++)
		for (int64_t j = 0; j < depth; j++) {
			int64_t v = tfc__kint(idx, i * depth + j);
			if (v < 0 || v >= dims[j]) {
				tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
						 "indices[%lld] = %lld does not index into shape %s",
						 (long long)i, (long long)v, tfc__kshape(&os, b0, sizeof(b0)));
				return;
			}
		}
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, upd->dtype, dims, r);
	if (!o)
		return;
	for (int64_t i = 0; i < n; i++) {
		int64_t off = 0;
		for (int64_t j = 0; j < depth; j++)
			off += tfc__kint(idx, i * depth + j) * str[j];
		add_block(o, off, upd, i * inner, inner);
	}
}

static void *gather_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "Tparams"));
	if (t == TFC_DTYPE_INVALID)
		t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t == TFC_DTYPE_INVALID || t == TFC_VARIANT)
		return tfc__kernel_unsupported(op, "T", t, st);
	return NULL;
}

#define K(NAME, FN) { .op = NAME, .device = "CPU", .create = gather_create, .compute = FN }
const struct tfc_kernel_def tfc__array_gather_kernels[] = {
	K("Gather", gather_compute),
	K("GatherV2", gather_v2_compute),
	K("GatherNd", gather_nd_compute),
	K("OneHot", one_hot_compute),
	K("DynamicStitch", dynamic_stitch_compute),
	K("ParallelDynamicStitch", dynamic_stitch_compute),
	{ .op = "UnsortedSegmentSum", .device = "CPU", .create = sum_create,
	  .compute = unsorted_segment_sum_compute },
	{ .op = "ScatterNd", .device = "CPU", .create = sum_create, .compute = scatter_nd_compute },
	{ .op = NULL },
};
