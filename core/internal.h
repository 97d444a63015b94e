/*
 * internal.h: the structures behind libtfc's opaque handles, shared by the files of
 * core/ (and later kernels/, trace/, viz/). Nothing here is API; names are tfc__.
 */
#ifndef TFC_INTERNAL_H
#define TFC_INTERNAL_H

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfc.h"
#include "attr_value.pb-c.h"
#include "graph.pb-c.h"
#include "meta_graph.pb-c.h"
#include "node_def.pb-c.h"
#include "op_def.pb-c.h"
#include "tensor.pb-c.h"
#include "tensor_shape.pb-c.h"

#define TFC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Programmer errors: print where and abort. Runtime errors go into a tfc_status. */
#define TFC_ASSERT(x)                                                                       \
	do {                                                                                \
		if (!(x))                                                                   \
			tfc__assert_fail(#x, __FILE__, __LINE__);                           \
	} while (0)
_Noreturn void tfc__assert_fail(const char *expr, const char *file, int line);

/* Allocation that never returns NULL (out of memory aborts, as in TensorFlow). */
void *tfc__malloc(size_t n);
void *tfc__calloc(size_t n, size_t size);
void *tfc__realloc(void *p, size_t n);
char *tfc__strdup(const char *s);
char *tfc__strndup(const char *s, size_t n);
char *tfc__asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct tfc_status {
	tfc_code code;
	char *msg; /* owned; NULL when OK */
};
static inline bool tfc__ok(const tfc_status *st) { return st == NULL || st->code == TFC_OK; }
/* Prepends "prefix" to an error message already in st. */
void tfc__status_prefix(tfc_status *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- arena (arena.c): many small allocations released at once */

struct tfc__arena {
	struct tfc__arena_chunk *head; /* every chunk, in the order they are used */
	struct tfc__arena_chunk *cur;  /* the one allocations come from; NULL before the first */
	size_t used;        /* bytes of cur in use */
};
/* n bytes, 16-aligned, valid until tfc__arena_reset or _free. Aborts on out of memory. */
void *tfc__arena_alloc(struct tfc__arena *a, size_t n);
void *tfc__arena_calloc(struct tfc__arena *a, size_t n, size_t size);
/* Forgets every allocation but keeps the memory for the next ones. */
void tfc__arena_reset(struct tfc__arena *a);
/* Releases everything; the arena may be used again. */
void tfc__arena_free(struct tfc__arena *a);
/* True when the arena holds no memory. */
bool tfc__arena_empty(const struct tfc__arena *a);
/* A protobuf-c allocator drawing from a (borrowed): messages unpacked with it are
 * released by tfc__arena_free, never by protobuf_c_message_free_unpacked. */
ProtobufCAllocator tfc__arena_allocator(struct tfc__arena *a);

/* ---- serializing (pb_pack.c) */

/* m serialized exactly as protobuf_c_message_pack would, in one pass; size_hint is
 * a first guess of the size (0: small). Returns a new buffer (caller frees) and its
 * length in *len. */
uint8_t *tfc__pb_pack(const ProtobufCMessage *m, size_t size_hint, size_t *len);

/* ---- string map: open addressing, keys owned by the map, values are void * */

struct tfc__strmap_slot {
	char *key;   /* owned; NULL = empty */
	uint64_t hash;
	void *value;
};
struct tfc__strmap {
	struct tfc__strmap_slot *slots;
	size_t cap;  /* power of two */
	size_t size;
	bool nocase; /* keys compare case-insensitively */
};
void tfc__strmap_init(struct tfc__strmap *m, bool nocase);
void tfc__strmap_clear(struct tfc__strmap *m);
/* The slot of key, or NULL. */
void **tfc__strmap_find(const struct tfc__strmap *m, const char *key);
/* The slot of key, made (value NULL) when missing. */
void **tfc__strmap_put(struct tfc__strmap *m, const char *key);
void tfc__strmap_remove(struct tfc__strmap *m, const char *key);

/* ---- tensors */

struct tfc_device;

struct tfc__buffer {
	atomic_int refs;
	void *data;   /* 64-byte aligned host memory, or device memory (below) */
	size_t size;
	tfc_dtype dtype; /* for string buffers: free the elements too */
	int64_t n;       /* elements (string buffers) */
	/* NULL: data is host memory. Otherwise the device whose memory data is (a GPU's,
	 * say): the host must not touch it; it goes back through dev's dealloc. Only
	 * kernels of that device make such buffers, and the executor copies them to the
	 * host before anything else sees them (core/device.c). */
	struct tfc_device *dev;
};

struct tfc_tensor {
	atomic_int refs;
	tfc_dtype dtype;
	tfc_shape shape;     /* fully defined */
	int64_t n_elems;
	struct tfc__buffer *buf;
};

/* A tensor in the memory of device d (borrowed; it must outlive the tensor), of a
 * numeric dtype, contents undefined; NULL with st set (ResourceExhausted) when the
 * device has no room. Freed with tfc_tensor_free, which gives the memory back. */
tfc_tensor *tfc__tensor_new_on_device(struct tfc_device *d, tfc_dtype dt, const int64_t *dims, int rank,
				      tfc_status *st);
/* The device whose memory holds t's data, or NULL for host memory. */
static inline struct tfc_device *tfc__tensor_device(const tfc_tensor *t) { return t->buf->dev; }

/* ---- op definitions (parsed from the registry's records) */

struct tfc__arg_def {
	char *name;
	tfc_dtype type;       /* fixed type, or TFC_DTYPE_INVALID */
	char *type_attr;      /* "T", or NULL */
	char *number_attr;    /* "N": N copies of type/type_attr, or NULL */
	char *type_list_attr; /* "Tlist": a list of types, or NULL */
	bool is_ref;
};

struct tfc__attr_def {
	char *name;
	char *type;                  /* "int", "list(type)", "type", "shape", ... */
	Tensorflow__AttrValue *dflt; /* owned; NULL if none */
	Tensorflow__AttrValue *allowed; /* owned list of allowed values; NULL = any */
	bool has_minimum;
	int64_t minimum;
};

struct tfc__shape_ctx;
typedef void (*tfc__shape_fn)(struct tfc__shape_ctx *c);

struct tfc__op_def {
	char *name;
	int n_in, n_out, n_attr;
	struct tfc__arg_def *in, *out;
	struct tfc__attr_def *attr;
	tfc__shape_fn shape_fn;
	unsigned flags; /* TFC_OPF_* */
	Tensorflow__OpDef *proto; /* owned; the OpDef form, made at registration */
};

/* ---- graph nodes */

struct tfc__attr {
	char *name;                   /* owned */
	Tensorflow__AttrValue *value; /* owned (protobuf_c_message_free_unpacked) */
};

struct tfc__out_info {
	tfc_dtype dtype;
	int32_t rank;  /* -1 unknown */
	int64_t *dims; /* owned; rank entries */
	int n_consumers;
};

struct tfc_operation {
	tfc_graph *graph;
	size_t id;                  /* index in graph->ops */
	char *name;                 /* owned */
	char *type;                 /* owned */
	char *device;               /* owned, requested device ("" if none) */
	const struct tfc__op_def *def; /* NULL when the op type is unknown */
	int n_inputs;
	tfc_output *inputs;         /* owned */
	tfc_dtype *input_types;     /* owned; expected type per input (INVALID if unknown) */
	int n_control;
	tfc_operation **control;    /* owned array */
	int n_attrs;
	struct tfc__attr *attrs;    /* owned, sorted by name */
	int n_outputs;
	struct tfc__out_info *outs; /* owned */
	Tensorflow__NodeDef__ExperimentalDebugInfo *debug_info; /* owned, or NULL */
};

struct tfc__collection {
	char *key;
	int n, cap;
	char **names; /* node names (owned), so imports keep names of missing ops too */
	Tensorflow__CollectionDef *raw; /* owned; non-node collections kept as read */
};

struct tfc__device_frame {
	char *device; /* merged spec, owned */
	tfc_device_fn fn;
	void *fn_ctx;
};

struct tfc_graph {
	uint32_t serial;              /* unique in the process (tags GPU activity: step_stats.c) */
	size_t n_ops, cap_ops;
	tfc_operation **ops;          /* owned, creation order */
	struct tfc__strmap by_name;   /* name -> tfc_operation * */
	struct tfc__strmap names_used;/* lower-cased name -> use count (intptr_t) */
	int n_scopes, cap_scopes;
	char **scopes;                /* owned name-scope stack, full names without '/' */
	int n_dev, cap_dev;
	struct tfc__device_frame *dev;/* device scope stack */
	int n_coll, cap_coll;
	struct tfc__collection *coll;
	int producer, min_consumer;
	int n_bad_consumers;
	int32_t *bad_consumers;
	Tensorflow__FunctionDefLibrary *library; /* owned, kept intact; NULL if none */
	void *meta;                   /* owned MetaGraphDef parts kept as read (meta_graph.c) */
	void (*meta_free)(void *);
};

/* ---- op descriptions under construction */

struct tfc_op_desc {
	tfc_graph *g;
	char *name;
	char *req;   /* the requested name inside its scope, before any _N suffix */
	char *type;
	char *device;
	bool device_set;
	bool exact_name;
	int n_inputs, cap_inputs;
	tfc_output *inputs;
	/* input argument boundaries: arg i covers inputs[arg_start[i] .. arg_start[i+1]) */
	int n_args, cap_args;
	int *arg_start;
	bool *arg_is_list;
	int n_control, cap_control;
	tfc_operation **control;
	int n_attrs, cap_attrs;
	struct tfc__attr *attrs;
	Tensorflow__NodeDef__ExperimentalDebugInfo *debug_info;
	/* Import only: output types/shapes recorded for unknown ops. */
	tfc_status err;                 /* first error met while building */
};

/* ---- attrs */

Tensorflow__AttrValue *tfc__attr_new(void);
void tfc__attr_free(Tensorflow__AttrValue *v);
Tensorflow__AttrValue *tfc__attr_copy(const Tensorflow__AttrValue *v);
bool tfc__attr_equal(const Tensorflow__AttrValue *a, const Tensorflow__AttrValue *b);
/* A human-readable value ("DT_FLOAT", "[1, 2]", "\"abc\"") for messages. Caller frees. */
char *tfc__attr_summary(const Tensorflow__AttrValue *v);
/* The attr named `name` of op (NULL if absent). */
const Tensorflow__AttrValue *tfc__op_attr(const tfc_operation *op, const char *name);
/* Sets (replacing) an attr in a sorted attr array; takes ownership of v. */
void tfc__attrs_set(struct tfc__attr **attrs, int *n, int *cap, const char *name,
		    Tensorflow__AttrValue *v);
const Tensorflow__AttrValue *tfc__attrs_get(const struct tfc__attr *attrs, int n, const char *name);

/* A message of type desc from binary or text (fmt, or detected by content when
 * TFC_FORMAT_AUTO). Caller frees with protobuf_c_message_free_unpacked; NULL with
 * InvalidArgument ("Could not parse <what>...") when it does not parse. */
ProtobufCMessage *tfc__parse_message(const ProtobufCMessageDescriptor *desc, const void *data,
				     size_t len, tfc_format fmt, const char *what, tfc_status *st);

/* ---- shapes <-> TensorShapeProto */

tfc_shape tfc__shape_from_proto(const Tensorflow__TensorShapeProto *p);
/* Whether a concrete shape `got` fits a partial shape `want` (unknown rank or -1
 * dimensions match anything). */
bool tfc__shape_compatible(const tfc_shape *want, const tfc_shape *got);
Tensorflow__TensorShapeProto *tfc__shape_to_proto(const tfc_shape *s);

/* ---- tensors <-> TensorProto */

tfc_tensor *tfc__tensor_from_proto(const Tensorflow__TensorProto *p, tfc_status *st);
Tensorflow__TensorProto *tfc__tensor_to_proto(const tfc_tensor *t);

/* ---- the op registry */

#define TFC_OPF_STATEFUL 0x1u
#define TFC_OPF_COMMUTATIVE 0x2u
#define TFC_OPF_AGGREGATE 0x4u
#define TFC_OPF_ALLOWS_UNINITIALIZED_INPUT 0x8u

/* One record of the registry: TensorFlow's op signature written as data.
 * inputs/outputs: "x: T; y: T", "values: N * T", "ref: Ref(T)", "out: float";
 * attrs: "T: {float, double}; N: int >= 1; transpose_a: bool = false". */
struct tfc_op_record {
	const char *name;
	const char *inputs;
	const char *outputs;
	const char *attrs;
	tfc__shape_fn shape_fn;
	unsigned flags;
};

/* The definition of op type `name`, or NULL. Thread-safe after first use. */
const struct tfc__op_def *tfc__op_lookup(const char *name);
/* Parses one record into a definition. Caller frees with tfc__op_def_free. */
struct tfc__op_def *tfc__op_def_parse(const struct tfc_op_record *r, tfc_status *st);
void tfc__op_def_free(struct tfc__op_def *d);

/* ---- shape inference context (shape_fns.c) */

struct tfc__shape_ctx {
	const tfc_operation *op;  /* op being finished (inputs, attrs set; outs typed) */
	int n_in;
	tfc_shape *in;            /* input shapes */
	const tfc_tensor *const *in_value; /* constant input values where known, else NULL */
	int n_out;
	tfc_shape *out;           /* to fill; start unknown */
	tfc_status *st;           /* set InvalidArgument on incompatible shapes */
};
/* Integer value of attr (0 if absent). */
int64_t tfc__ctx_attr_int(struct tfc__shape_ctx *c, const char *name, int64_t dflt);
bool tfc__ctx_attr_bool(struct tfc__shape_ctx *c, const char *name, bool dflt);
/* Known values of input i as int64 (for shapes/axes given by Const); -1 rank if unknown. */
tfc_shape tfc__ctx_input_as_shape(struct tfc__shape_ctx *c, int i);

/* ---- graph internals */

/* Adds a finished op; takes ownership of op. */
void tfc__graph_add_op(tfc_graph *g, tfc_operation *op);
/* Frees an op that is not (or no longer) in a graph. */
void tfc__op_free(tfc_operation *op);
/* Validates desc against its definition and makes the op (not yet added). On
 * failure returns NULL, sets st and leaves desc intact. */
tfc_operation *tfc__op_build(tfc_op_desc *d, bool infer_shapes, tfc_status *st);
void tfc__op_desc_free(tfc_op_desc *d);
/* Marks a name as used (lower-cased key), as ops built elsewhere need. */
void tfc__graph_mark_name(tfc_graph *g, const char *name);
/* Parses "op", "op:3", "^op". *index gets -1 for control inputs. Returns the length
 * of the op-name part; name points into s. */
size_t tfc__parse_tensor_name(const char *s, int *index);

/* Device specs (device.c). */
struct tfc__device_spec {
	char job[64];
	int replica, task; /* -1 unset */
	char type[32];     /* "" unset */
	int id;            /* -1 unset or '*' */
	bool has_job, has_replica, has_task, has_type, has_id;
};
bool tfc__device_parse(const char *s, struct tfc__device_spec *d);
/* Fields of `inner` override those of `outer` (TF's device scope merge). */
void tfc__device_merge(struct tfc__device_spec *outer, const struct tfc__device_spec *inner);
void tfc__device_format(const struct tfc__device_spec *d, char *buf, size_t n);

#endif /* TFC_INTERNAL_H */
