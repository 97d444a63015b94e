/*
 * tensor.c: dense tensors with reference-counted, 64-byte aligned buffers, and
 * string tensors (an array of tfc_tstring, each owning its bytes), and tensors whose
 * data lives in a device's memory (tfc__tensor_new_on_device).
 */
#include "device_iface.h"
#include "internal.h"

#define TFC_ALIGN 64

static struct tfc__buffer *buffer_new(tfc_dtype dt, int64_t n, size_t bytes)
{
	struct tfc__buffer *b = tfc__malloc(sizeof(*b));
	atomic_init(&b->refs, 1);
	size_t alloc = (bytes + TFC_ALIGN - 1) / TFC_ALIGN * TFC_ALIGN;
	b->data = aligned_alloc(TFC_ALIGN, alloc ? alloc : TFC_ALIGN);
	if (!b->data)
		tfc__assert_fail("out of memory", __FILE__, __LINE__);
	memset(b->data, 0, alloc ? alloc : TFC_ALIGN);
	b->size = bytes;
	b->dtype = dt;
	b->n = n;
	b->dev = NULL;
	return b;
}

static void buffer_unref(struct tfc__buffer *b)
{
	if (!b || atomic_fetch_sub(&b->refs, 1) != 1)
		return;
	if (b->dtype == TFC_STRING) {
		tfc_tstring *s = b->data;
		for (int64_t i = 0; i < b->n; i++)
			free(s[i].ptr);
	}
	if (b->dev)
		b->dev->ops->dealloc(b->dev, b->data);
	else
		free(b->data);
	free(b);
}

/* The element count of dims[rank] into *n; false with st set for a bad rank, a
 * negative dim, or a count too large to address. */
static bool count_elems(const int64_t *dims, int rank, int64_t *n, tfc_status *st)
{
	if (rank < 0 || rank > TFC_MAX_RANK) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "Tensor rank %d is outside [0, %d]", rank,
			       TFC_MAX_RANK);
		return false;
	}
	*n = 1;
	for (int i = 0; i < rank; i++) {
		if (dims[i] < 0) {
			tfc_status_set(st, TFC_INVALID_ARGUMENT,
				       "Dimension %d of a tensor has negative size %lld", i,
				       (long long)dims[i]);
			return false;
		}
		if (dims[i] && *n > (INT64_MAX / 64) / dims[i]) {
			tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "Tensor is too large");
			return false;
		}
		*n *= dims[i];
	}
	return true;
}

tfc_tensor *tfc_tensor_new(tfc_dtype dt, const int64_t *dims, int rank, tfc_status *st)
{
	dt = tfc_dtype_base(dt);
	if (dt == TFC_DTYPE_INVALID ||
	    (tfc_dtype_size(dt) == 0 && dt != TFC_STRING && dt != TFC_RESOURCE)) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "Cannot make a tensor of dtype %s",
			       tfc_dtype_name(dt));
		return NULL;
	}
	int64_t n;
	if (!count_elems(dims, rank, &n, st))
		return NULL;
	/* Strings are tfc_tstring elements; a resource element is a pointer to a ref the
	 * session owns (struct tfc_ref, core/kernel.h). */
	size_t esz = dt == TFC_STRING	  ? sizeof(tfc_tstring)
		     : dt == TFC_RESOURCE ? sizeof(void *)
					  : tfc_dtype_size(dt);
	tfc_tensor *t = tfc__malloc(sizeof(*t));
	atomic_init(&t->refs, 1);
	t->dtype = dt;
	t->shape = tfc_shape_make(rank, dims);
	t->n_elems = n;
	t->buf = buffer_new(dt, n, (size_t)n * esz);
	tfc_status_set(st, TFC_OK, NULL);
	return t;
}

tfc_tensor *tfc__tensor_new_on_device(struct tfc_device *d, tfc_dtype dt, const int64_t *dims, int rank,
				      tfc_status *st)
{
	dt = tfc_dtype_base(dt);
	size_t esz = tfc_dtype_size(dt);
	if (!esz || dt == TFC_STRING || dt == TFC_RESOURCE || dt == TFC_VARIANT) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "A %s tensor cannot live in %s memory",
			       tfc_dtype_name(dt), d->ops->type);
		return NULL;
	}
	int64_t n;
	if (!count_elems(dims, rank, &n, st))
		return NULL;
	/* Empty tensors get a block too, so every device tensor has an address to give
	 * back. */
	size_t bytes = (size_t)n * esz;
	void *p = d->ops->alloc(d, bytes ? bytes : 1, st);
	if (!p)
		return NULL;
	struct tfc__buffer *b = tfc__malloc(sizeof(*b));
	atomic_init(&b->refs, 1);
	b->data = p;
	b->size = bytes;
	b->dtype = dt;
	b->n = n;
	b->dev = d;
	tfc_tensor *t = tfc__malloc(sizeof(*t));
	atomic_init(&t->refs, 1);
	t->dtype = dt;
	t->shape = tfc_shape_make(rank, dims);
	t->n_elems = n;
	t->buf = b;
	tfc_status_set(st, TFC_OK, NULL);
	return t;
}

static tfc_tensor *scalar(tfc_dtype dt, const void *v)
{
	tfc_tensor *t = tfc_tensor_new(dt, NULL, 0, NULL);
	memcpy(t->buf->data, v, tfc_dtype_size(dt));
	return t;
}

tfc_tensor *tfc_tensor_new_scalar_float(float v) { return scalar(TFC_FLOAT, &v); }
tfc_tensor *tfc_tensor_new_scalar_int32(int32_t v) { return scalar(TFC_INT32, &v); }
tfc_tensor *tfc_tensor_new_scalar_int64(int64_t v) { return scalar(TFC_INT64, &v); }
tfc_tensor *tfc_tensor_new_scalar_double(double v) { return scalar(TFC_DOUBLE, &v); }

tfc_tensor *tfc_tensor_new_scalar_bool(bool v)
{
	uint8_t b = v ? 1 : 0;
	return scalar(TFC_BOOL, &b);
}

tfc_tensor *tfc_tensor_new_scalar_string(const char *s, size_t n)
{
	tfc_tensor *t = tfc_tensor_new(TFC_STRING, NULL, 0, NULL);
	tfc_tensor_set_string(t, 0, s, n, NULL);
	return t;
}

tfc_tensor *tfc_tensor_ref(tfc_tensor *t)
{
	if (t)
		atomic_fetch_add(&t->refs, 1);
	return t;
}

void tfc_tensor_free(tfc_tensor *t)
{
	if (!t || atomic_fetch_sub(&t->refs, 1) != 1)
		return;
	buffer_unref(t->buf);
	free(t);
}

tfc_dtype tfc_tensor_dtype(const tfc_tensor *t) { return t->dtype; }
int tfc_tensor_rank(const tfc_tensor *t) { return t->shape.rank; }
int64_t tfc_tensor_dim(const tfc_tensor *t, int i)
{
	return i >= 0 && i < t->shape.rank ? t->shape.dims[i] : -1;
}
tfc_shape tfc_tensor_shape(const tfc_tensor *t) { return t->shape; }
int64_t tfc_tensor_num_elements(const tfc_tensor *t) { return t->n_elems; }
size_t tfc_tensor_byte_size(const tfc_tensor *t) { return t->buf->size; }
void *tfc_tensor_data(const tfc_tensor *t) { return t->buf->data; }

void tfc_tensor_set_string(tfc_tensor *t, int64_t i, const char *s, size_t n, tfc_status *st)
{
	if (t->dtype != TFC_STRING || i < 0 || i >= t->n_elems) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "No string element %lld in this tensor",
			       (long long)i);
		return;
	}
	tfc_tstring *e = (tfc_tstring *)t->buf->data + i;
	free(e->ptr);
	e->ptr = tfc__strndup(s ? s : "", s ? n : 0);
	e->len = s ? n : 0;
	tfc_status_set(st, TFC_OK, NULL);
}

const tfc_tstring *tfc_tensor_string(const tfc_tensor *t, int64_t i)
{
	if (t->dtype != TFC_STRING || i < 0 || i >= t->n_elems)
		return NULL;
	return (const tfc_tstring *)t->buf->data + i;
}

bool tfc_tensor_equal(const tfc_tensor *a, const tfc_tensor *b)
{
	if (a->dtype != b->dtype || a->shape.rank != b->shape.rank)
		return false;
	for (int i = 0; i < a->shape.rank; i++)
		if (a->shape.dims[i] != b->shape.dims[i])
			return false;
	if (a->dtype != TFC_STRING)
		return memcmp(a->buf->data, b->buf->data, a->buf->size) == 0;
	for (int64_t i = 0; i < a->n_elems; i++) {
		const tfc_tstring *x = tfc_tensor_string(a, i), *y = tfc_tensor_string(b, i);
		if (x->len != y->len || (x->len && memcmp(x->ptr, y->ptr, x->len) != 0))
			return false;
	}
	return true;
}
