/*
 * summary_kernels.c: the CPU kernel of ScalarSummary: tags and values of the same
 * shape become one serialized Summary protobuf (a string scalar) with a simple_value
 * per tag, what a TensorBoard events file holds (trace/events_writer.c writes them).
 */
#include "kernels.h"
#include "summary.pb-c.h"

static double value_at(const tfc_tensor *t, int64_t i)
{
	const void *p = tfc_tensor_data(t);
	switch (t->dtype) {
	case TFC_FLOAT: return ((const float *)p)[i];
	case TFC_DOUBLE: return ((const double *)p)[i];
	case TFC_INT32: return ((const int32_t *)p)[i];
	case TFC_INT64: return (double)((const int64_t *)p)[i];
	case TFC_UINT8: return ((const uint8_t *)p)[i];
	case TFC_INT16: return ((const int16_t *)p)[i];
	case TFC_INT8: return ((const int8_t *)p)[i];
	case TFC_UINT16: return ((const uint16_t *)p)[i];
	case TFC_UINT32: return ((const uint32_t *)p)[i];
	case TFC_UINT64: return (double)((const uint64_t *)p)[i];
	default: return 0;
	}
}

static void *scalar_summary_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t != TFC_FLOAT && t != TFC_DOUBLE && t != TFC_INT32 && t != TFC_INT64 && t != TFC_UINT8 &&
	    t != TFC_INT16 && t != TFC_INT8 && t != TFC_UINT16 && t != TFC_UINT32 && t != TFC_UINT64)
		return tfc__kernel_unsupported(op, "T", t, st);
	return NULL;
}

static void scalar_summary_compute(struct tfc_kernel_ctx *ctx)
{
	const tfc_tensor *tags = ctx->inputs[0], *vals = ctx->inputs[1];
	char b0[128], b1[128];
	if (tags->dtype != TFC_STRING) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "tags must be strings");
		return;
	}
	if (tags->shape.rank != vals->shape.rank ||
	    memcmp(tags->shape.dims, vals->shape.dims, sizeof(int64_t) * (size_t)tags->shape.rank)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "tags and values not the same shape: %s != %s",
				 tfc__kshape(&tags->shape, b0, sizeof(b0)),
				 tfc__kshape(&vals->shape, b1, sizeof(b1)));
		return;
	}
	int64_t n = tags->n_elems;
	Tensorflow__Summary sum = TENSORFLOW__SUMMARY__INIT;
	Tensorflow__Summary__Value *v = tfc__calloc((size_t)n + 1, sizeof(*v));
	Tensorflow__Summary__Value **vp = tfc__calloc((size_t)n + 1, sizeof(*vp));
	char **names = tfc__calloc((size_t)n + 1, sizeof(*names));
	for (int64_t i = 0; i < n; i++) {
		const tfc_tstring *t = tfc_tensor_string(tags, i);
		tensorflow__summary__value__init(&v[i]);
		names[i] = tfc__strndup(t->ptr ? t->ptr : "", t->len);
		v[i].tag = names[i];
		v[i].value_case = TENSORFLOW__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
		v[i].simple_value = (float)value_at(vals, i);
		vp[i] = &v[i];
	}
	sum.n_value = (size_t)n;
	sum.value = vp;
	size_t len = tensorflow__summary__get_packed_size(&sum);
	uint8_t *buf = tfc__malloc(len + 1);
	tensorflow__summary__pack(&sum, buf);
	tfc_tensor *o = tfc_kernel_alloc_output(ctx, 0, TFC_STRING, NULL, 0);
	if (o)
		tfc_tensor_set_string(o, 0, (const char *)buf, len, ctx->st);
	free(buf);
	for (int64_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(vp);
	free(v);
}

const struct tfc_kernel_def tfc__summary_kernels[] = {
	{ .op = "ScalarSummary", .device = "CPU", .create = scalar_summary_create,
	  .compute = scalar_summary_compute },
	{ .op = NULL },
};
