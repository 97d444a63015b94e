/*
 * pb_pack.c: serializes any protobuf-c message in one pass, writing from the end of
 * the buffer towards its start (tfc__pb_pack in internal.h). The output is byte for
 * byte what protobuf_c_message_pack writes (tests/test_pb_pack.c checks it on every
 * fixture and on traced RunMetadata).
 *
 * Why: protobuf-c needs every nested message's size before it writes the message,
 * and gets it by walking the message, so a field at depth d is visited d + 1 times:
 * a NodeExecStats' output shape dims sit five levels down. Writing backwards, a
 * message's length is known once its fields are written, and is put in front of
 * them; each field is visited once. On a traced 10,000-node step, packing the
 * RunMetadata took about 45% of FULL_TRACE's cost with protobuf-c (perf).
 * Fields go in reverse declaration order, repeated elements in reverse, so that the
 * result reads in protobuf-c's order.
 */
#include "internal.h"

/* The bytes written so far are buf[pos .. cap). */
struct bw {
	uint8_t *buf;
	size_t cap, pos;
};

/* Makes room for n more bytes in front. */
static void need(struct bw *w, size_t n)
{
	if (w->pos >= n)
		return;
	size_t used = w->cap - w->pos, cap = w->cap * 2;
	while (cap - used < n)
		cap *= 2;
	uint8_t *b = tfc__malloc(cap);
	memcpy(b + cap - used, w->buf + w->pos, used);
	free(w->buf);
	w->buf = b;
	w->pos = cap - used;
	w->cap = cap;
}

static inline size_t written(const struct bw *w)
{
	return w->cap - w->pos;
}

static void put_bytes(struct bw *w, const void *p, size_t n)
{
	need(w, n);
	w->pos -= n;
	if (n)
		memcpy(w->buf + w->pos, p, n);
}

static void put_varint(struct bw *w, uint64_t v)
{
	need(w, 10);
	if (v < 0x80) { /* most tags, lengths and small numbers */
		w->buf[--w->pos] = (uint8_t)v;
		return;
	}
	size_t n = 1;
	for (uint64_t x = v >> 7; x; x >>= 7)
		n++;
	w->pos -= n;
	uint8_t *o = w->buf + w->pos;
	for (size_t i = 0; i + 1 < n; i++, v >>= 7)
		o[i] = (uint8_t)(v | 0x80);
	o[n - 1] = (uint8_t)v;
}

static void put_tag(struct bw *w, uint32_t id, unsigned wire)
{
	put_varint(w, ((uint64_t)id << 3) | wire);
}

static void put_le(struct bw *w, uint64_t v, size_t n)
{
	uint8_t tmp[8];
	for (size_t i = 0; i < n; i++)
		tmp[i] = (uint8_t)(v >> (8 * i));
	put_bytes(w, tmp, n);
}

static unsigned wire_type(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
		return PROTOBUF_C_WIRE_TYPE_32BIT;
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return PROTOBUF_C_WIRE_TYPE_64BIT;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_MESSAGE:
		return PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
	default:
		return PROTOBUF_C_WIRE_TYPE_VARINT;
	}
}

/* Bytes one element of type t takes in memory (repeated fields are arrays of these). */
static size_t elem_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_UINT64:
		return 8;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	default:
		return 4;
	}
}

static void put_message(struct bw *w, const ProtobufCMessage *m);

/* The value at p of type t, without its tag (length-prefixed types with length). */
static void put_value(struct bw *w, ProtobufCType t, const void *p)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_ENUM:
		put_varint(w, (uint64_t)(int64_t) * (const int32_t *)p); /* negative: 10 bytes */
		break;
	case PROTOBUF_C_TYPE_SINT32: {
		int32_t v = *(const int32_t *)p;
		put_varint(w, (uint32_t)(((uint32_t)v << 1) ^ (uint32_t)(v >> 31)));
		break;
	}
	case PROTOBUF_C_TYPE_UINT32:
		put_varint(w, *(const uint32_t *)p);
		break;
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
		put_le(w, *(const uint32_t *)p, 4);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_UINT64:
		put_varint(w, *(const uint64_t *)p);
		break;
	case PROTOBUF_C_TYPE_SINT64: {
		int64_t v = *(const int64_t *)p;
		put_varint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
		break;
	}
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		put_le(w, *(const uint64_t *)p, 8);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		put_varint(w, *(const protobuf_c_boolean *)p ? 1 : 0);
		break;
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		size_t n = s ? strlen(s) : 0;
		put_bytes(w, s, n);
		put_varint(w, n);
		break;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = p;
		put_bytes(w, b->data, b->len);
		put_varint(w, b->len);
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
		size_t end = written(w);
		if (sub)
			put_message(w, sub);
		put_varint(w, written(w) - end);
		break;
	}
	}
}

/* Whether a proto3 (LABEL_NONE) field holds its default, which is not written. */
static bool is_zero(ProtobufCType t, const void *p)
{
	switch (t) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		return !s || !*s;
	}
	case PROTOBUF_C_TYPE_BYTES:
		return ((const ProtobufCBinaryData *)p)->len == 0;
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(void *const *)p == NULL;
	case PROTOBUF_C_TYPE_FLOAT:
		return *(const float *)p == 0; /* -0.0 too, as protobuf-c has it */
	case PROTOBUF_C_TYPE_DOUBLE:
		return *(const double *)p == 0;
	default:
		return elem_size(t) == 8 ? *(const uint64_t *)p == 0 : *(const uint32_t *)p == 0;
	}
}

static void put_field(struct bw *w, const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const uint8_t *base = (const uint8_t *)m;
	const void *member = base + f->offset;
	const void *quant = base + f->quantifier_offset;
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t n = *(const size_t *)quant;
		const uint8_t *arr = *(const uint8_t *const *)member;
		size_t es = elem_size(f->type);
		if (!n)
			return;
		if (f->flags & PROTOBUF_C_FIELD_FLAG_PACKED) {
			size_t end = written(w);
			for (size_t i = n; i-- > 0;)
				put_value(w, f->type, arr + i * es);
			put_varint(w, written(w) - end);
			put_tag(w, f->id, PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED);
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			/* Going backwards defeats the hardware prefetcher on the messages an
			 * arena laid out forwards: fetch the next two ahead. */
			ProtobufCMessage *const *msgs = (ProtobufCMessage *const *)arr;
			for (size_t i = n; i-- > 0;) {
				if (i >= 2)
					__builtin_prefetch(msgs[i - 2]);
				put_value(w, f->type, &msgs[i]);
				put_tag(w, f->id, PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED);
			}
		} else {
			for (size_t i = n; i-- > 0;) {
				put_value(w, f->type, arr + i * es);
				put_tag(w, f->id, wire_type(f->type));
			}
		}
		return;
	}
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		if (*(const uint32_t *)quant != f->id)
			return;
		if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE) {
			const void *v = *(void *const *)member;
			if (!v || v == f->default_value)
				return;
		}
	} else if (f->label == PROTOBUF_C_LABEL_OPTIONAL) {
		if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE) {
			const void *v = *(void *const *)member;
			if (!v || v == f->default_value)
				return;
		} else if (!*(const protobuf_c_boolean *)quant) {
			return;
		}
	} else if (f->label == PROTOBUF_C_LABEL_NONE) {
		if (is_zero(f->type, member))
			return;
	}
	put_value(w, f->type, member);
	put_tag(w, f->id, wire_type(f->type));
}

static void put_message(struct bw *w, const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	/* protobuf-c writes unknown fields after the known ones. */
	for (size_t i = m->n_unknown_fields; i-- > 0;) {
		const ProtobufCMessageUnknownField *u = &m->unknown_fields[i];
		put_bytes(w, u->data, u->len);
		put_tag(w, u->tag, u->wire_type);
	}
	for (size_t i = d->n_fields; i-- > 0;)
		put_field(w, m, &d->fields[i]);
}

uint8_t *tfc__pb_pack(const ProtobufCMessage *m, size_t size_hint, size_t *len)
{
	struct bw w;
	w.cap = size_hint > 64 ? size_hint : 64;
	w.buf = tfc__malloc(w.cap);
	w.pos = w.cap;
	put_message(&w, m);
	*len = written(&w);
	/* The bytes sit at the end: move them to the front so the buffer is the
	 * caller's to free (a memmove is a small part of writing them). */
	memmove(w.buf, w.buf + w.pos, *len);
	return w.buf;
}
