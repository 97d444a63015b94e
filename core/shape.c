/*
 * shape.c: tfc_shape values (unknown rank, unknown dimensions) and their
 * TensorShapeProto form.
 */
#include "internal.h"

/* Every dimension slot is set (to unknown), so code that raises a shape's rank
 * without filling the new dimensions reads -1, never garbage. */
static tfc_shape blank(int32_t rank)
{
	tfc_shape s;
	s.rank = rank;
	for (int i = 0; i < TFC_MAX_RANK; i++)
		s.dims[i] = -1;
	return s;
}

tfc_shape tfc_shape_unknown(void) { return blank(-1); }

tfc_shape tfc_shape_scalar(void) { return blank(0); }

tfc_shape tfc_shape_make(int rank, const int64_t *dims)
{
	if (rank < 0 || rank > TFC_MAX_RANK)
		return tfc_shape_unknown();
	tfc_shape s = blank(rank);
	for (int i = 0; i < rank; i++)
		s.dims[i] = dims[i] < 0 ? -1 : dims[i];
	return s;
}

int64_t tfc_shape_num_elements(const tfc_shape *s)
{
	if (s->rank < 0)
		return -1;
	int64_t n = 1;
	for (int i = 0; i < s->rank; i++) {
		if (s->dims[i] < 0)
			return -1;
		if (s->dims[i] && n > INT64_MAX / s->dims[i])
			return -1;
		n *= s->dims[i];
	}
	return n;
}

bool tfc_shape_is_fully_defined(const tfc_shape *s) { return tfc_shape_num_elements(s) >= 0; }

bool tfc__shape_compatible(const tfc_shape *want, const tfc_shape *got)
{
	if (want->rank < 0)
		return true;
	if (want->rank != got->rank)
		return false;
	for (int i = 0; i < want->rank; i++)
		if (want->dims[i] >= 0 && want->dims[i] != got->dims[i])
			return false;
	return true;
}

void tfc_shape_format(const tfc_shape *s, char *buf, size_t n)
{
	if (!n)
		return;
	if (s->rank < 0) {
		snprintf(buf, n, "<unknown>");
		return;
	}
	size_t k = (size_t)snprintf(buf, n, "[");
	for (int i = 0; i < s->rank && k < n; i++) {
		if (s->dims[i] < 0)
			k += (size_t)snprintf(buf + k, n - k, "%s?", i ? "," : "");
		else
			k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? "," : "",
					      (long long)s->dims[i]);
	}
	if (k < n)
		snprintf(buf + k, n - k, "]");
}

tfc_shape tfc__shape_from_proto(const Tensorflow__TensorShapeProto *p)
{
	if (!p)
		return tfc_shape_scalar();
	if (p->unknown_rank || p->n_dim > TFC_MAX_RANK)
		return tfc_shape_unknown();
	tfc_shape s = blank((int32_t)p->n_dim);
	for (size_t i = 0; i < p->n_dim; i++)
		s.dims[i] = p->dim[i]->size < 0 ? -1 : p->dim[i]->size;
	return s;
}

Tensorflow__TensorShapeProto *tfc__shape_to_proto(const tfc_shape *s)
{
	Tensorflow__TensorShapeProto *p = tfc__malloc(sizeof(*p));
	tensorflow__tensor_shape_proto__init(p);
	if (s->rank < 0) {
		p->unknown_rank = 1;
		return p;
	}
	p->n_dim = (size_t)s->rank;
	p->dim = s->rank ? tfc__calloc((size_t)s->rank, sizeof(*p->dim)) : NULL;
	for (int i = 0; i < s->rank; i++) {
		p->dim[i] = tfc__malloc(sizeof(*p->dim[i]));
		tensorflow__tensor_shape_proto__dim__init(p->dim[i]);
		p->dim[i]->size = s->dims[i];
	}
	return p;
}
