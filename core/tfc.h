/*
 * tfc.h: the public C API of libtfc, TensorFlow 1.x graphs and sessions in C.
 *
 * A graph only describes computation: creating an operation records a node and
 * computes nothing. Build one like this:
 *
 *     tfc_status *st = tfc_status_new();
 *     tfc_graph *g = tfc_graph_new();
 *     tfc_shape s = tfc_shape_make(1, (int64_t[]){3});
 *     tfc_op_desc *d = tfc_op_new(g, "Placeholder", "x");
 *     tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
 *     tfc_op_set_attr_shape(d, "shape", &s);
 *     tfc_operation *x = tfc_op_finish(d, st);
 *     tfc_graph_push_name_scope(g, "model");
 *     d = tfc_op_new(g, "Square", NULL);                // named "model/Square"
 *     tfc_op_add_input(d, (tfc_output){x, 0});          // T is inferred: float
 *     tfc_operation *y = tfc_op_finish(d, st);
 *     tfc_graph_pop_name_scope(g);
 *     if (tfc_status_code(st) != TFC_OK) fprintf(stderr, "%s\n", tfc_status_message(st));
 *     tfc_buffer_t *pb = tfc_graph_to_graphdef(g, TFC_FORMAT_BINARY, st); // a GraphDef
 *     ...
 *     tfc_graph_free(g);
 *     tfc_status_free(st);
 *
 * tfc_ops.h (generated from the op registry) has one helper per registered op, e.g.
 * tfc_square(g, name, x, st), so attrs need not be spelled by hand.
 *
 * Conventions (the same for every call in this header):
 *  1. Objects are opaque handles made by tfc_<object>_new and released by
 *     tfc_<object>_free; every _free accepts NULL.
 *  2. A call that can fail takes a tfc_status * as its last argument. It clears the
 *     status on success and sets a code and a message on failure; pointer results are
 *     NULL on failure. The op helpers of tfc_ops.h also do nothing when handed a
 *     status that already holds an error, so a chain of them can be checked once at
 *     its end.
 *  3. Each function's comment says who owns what: "borrowed" pointers stay the
 *     caller's, "owned by the graph" ones live as long as the graph, "caller frees"
 *     results must be released by the caller.
 *  4. Error codes and classes are TensorFlow's; messages name the node at fault.
 */
#ifndef TFC_H
#define TFC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- status */

/* TensorFlow's error codes (error_codes.proto); append-only. */
typedef enum tfc_code {
	TFC_OK = 0,
	TFC_CANCELLED = 1,
	TFC_UNKNOWN = 2,
	TFC_INVALID_ARGUMENT = 3,
	TFC_DEADLINE_EXCEEDED = 4,
	TFC_NOT_FOUND = 5,
	TFC_ALREADY_EXISTS = 6,
	TFC_PERMISSION_DENIED = 7,
	TFC_RESOURCE_EXHAUSTED = 8,
	TFC_FAILED_PRECONDITION = 9,
	TFC_ABORTED = 10,
	TFC_OUT_OF_RANGE = 11,
	TFC_UNIMPLEMENTED = 12,
	TFC_INTERNAL = 13,
	TFC_UNAVAILABLE = 14,
	TFC_DATA_LOSS = 15,
	TFC_UNAUTHENTICATED = 16,
	TFC_CODE_COUNT
} tfc_code;

typedef struct tfc_status tfc_status;

tfc_status *tfc_status_new(void);
void tfc_status_free(tfc_status *st);
/* Sets code and a printf-style message; TFC_OK clears. */
void tfc_status_set(tfc_status *st, tfc_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
tfc_code tfc_status_code(const tfc_status *st);
/* Borrowed; valid until the status is next changed. "" when OK. */
const char *tfc_status_message(const tfc_status *st);
/* "InvalidArgument", "FailedPrecondition", ... (static strings). */
const char *tfc_code_name(tfc_code code);
/* Python's exception class: "InvalidArgumentError", ... (static strings). */
const char *tfc_code_error_class(tfc_code code);

/* ---------------------------------------------------------------- dtypes */

/* TensorFlow's DataType numbers (types.proto); a reference type is base + 100. */
typedef enum tfc_dtype {
	TFC_DTYPE_INVALID = 0,
	TFC_FLOAT = 1,
	TFC_DOUBLE = 2,
	TFC_INT32 = 3,
	TFC_UINT8 = 4,
	TFC_INT16 = 5,
	TFC_INT8 = 6,
	TFC_STRING = 7,
	TFC_COMPLEX64 = 8,
	TFC_INT64 = 9,
	TFC_BOOL = 10,
	TFC_QINT8 = 11,
	TFC_QUINT8 = 12,
	TFC_QINT32 = 13,
	TFC_BFLOAT16 = 14,
	TFC_QINT16 = 15,
	TFC_QUINT16 = 16,
	TFC_UINT16 = 17,
	TFC_COMPLEX128 = 18,
	TFC_HALF = 19,
	TFC_RESOURCE = 20,
	TFC_VARIANT = 21,
	TFC_UINT32 = 22,
	TFC_UINT64 = 23,
	TFC_DTYPE_REF_OFFSET = 100
} tfc_dtype;

/* Bytes per element; 0 for string, resource, variant and invalid types. */
size_t tfc_dtype_size(tfc_dtype t);
/* TensorFlow's name: "float", "int32", "float_ref" (static; "unknown" if invalid). */
const char *tfc_dtype_name(tfc_dtype t);
/* NumPy's name: "float32", "int32", "bool", "object" for strings (static). */
const char *tfc_dtype_numpy_name(tfc_dtype t);
/* The enum name used by the text format: "DT_FLOAT" (static). */
const char *tfc_dtype_enum_name(tfc_dtype t);
/* Parses "float", "float32", "DT_FLOAT", "tf.float32"; TFC_DTYPE_INVALID if unknown. */
tfc_dtype tfc_dtype_from_name(const char *name);
bool tfc_dtype_is_ref(tfc_dtype t);
tfc_dtype tfc_dtype_base(tfc_dtype t);
tfc_dtype tfc_dtype_make_ref(tfc_dtype t);

/* ---------------------------------------------------------------- shapes */

/* The most dimensions a shape may have in tfc. */
#define TFC_MAX_RANK 32

/* A shape value. rank -1 = unknown rank; a dimension -1 = unknown size. */
typedef struct tfc_shape {
	int32_t rank;
	int64_t dims[TFC_MAX_RANK];
} tfc_shape;

tfc_shape tfc_shape_unknown(void);
tfc_shape tfc_shape_scalar(void);
/* Copies dims (borrowed); a rank above TFC_MAX_RANK gives an unknown shape. */
tfc_shape tfc_shape_make(int rank, const int64_t *dims);
/* Number of elements, or -1 if not fully known. */
int64_t tfc_shape_num_elements(const tfc_shape *s);
bool tfc_shape_is_fully_defined(const tfc_shape *s);
/* Writes "[2,?,3]" or "<unknown>" into buf (at most n bytes, NUL-terminated). */
void tfc_shape_format(const tfc_shape *s, char *buf, size_t n);

/* ---------------------------------------------------------------- tensors */

/* A dense tensor with a reference-counted, 64-byte aligned buffer. */
typedef struct tfc_tensor tfc_tensor;

/* New zero-filled tensor. dims borrowed. Caller frees (tfc_tensor_free). */
tfc_tensor *tfc_tensor_new(tfc_dtype t, const int64_t *dims, int rank, tfc_status *st);
/* New scalar tensors. Caller frees. */
tfc_tensor *tfc_tensor_new_scalar_float(float v);
tfc_tensor *tfc_tensor_new_scalar_int32(int32_t v);
tfc_tensor *tfc_tensor_new_scalar_int64(int64_t v);
tfc_tensor *tfc_tensor_new_scalar_double(double v);
tfc_tensor *tfc_tensor_new_scalar_bool(bool v);
/* A scalar string tensor holding a copy of the n bytes at s. Caller frees. */
tfc_tensor *tfc_tensor_new_scalar_string(const char *s, size_t n);
/* Adds a reference; the same pointer comes back. */
tfc_tensor *tfc_tensor_ref(tfc_tensor *t);
/* Drops a reference; the last one frees the tensor. */
void tfc_tensor_free(tfc_tensor *t);
tfc_dtype tfc_tensor_dtype(const tfc_tensor *t);
int tfc_tensor_rank(const tfc_tensor *t);
int64_t tfc_tensor_dim(const tfc_tensor *t, int i);
tfc_shape tfc_tensor_shape(const tfc_tensor *t);
int64_t tfc_tensor_num_elements(const tfc_tensor *t);
/* Bytes of element data (for strings: of the tfc_tstring array). */
size_t tfc_tensor_byte_size(const tfc_tensor *t);
/* The element data, owned by the tensor (mutable: tensors are values until shared). */
void *tfc_tensor_data(const tfc_tensor *t);

/* One element of a DT_STRING tensor, owned by the tensor. */
typedef struct tfc_tstring {
	size_t len;
	char *ptr;
} tfc_tstring;
/* Replaces element i of a string tensor with a copy of n bytes at s. */
void tfc_tensor_set_string(tfc_tensor *t, int64_t i, const char *s, size_t n, tfc_status *st);
/* Element i of a string tensor (borrowed; NULL if t is no string tensor). */
const tfc_tstring *tfc_tensor_string(const tfc_tensor *t, int64_t i);
/* True when both have the same dtype, shape and element values (bytewise; NaN == NaN). */
bool tfc_tensor_equal(const tfc_tensor *a, const tfc_tensor *b);

/* ---------------------------------------------------------------- buffers */

/* A byte buffer returned by serializers. Caller frees (tfc_buffer_free). */
typedef struct tfc_buffer_t {
	void *data;
	size_t length;
} tfc_buffer_t;
void tfc_buffer_free(tfc_buffer_t *b);

/* ---------------------------------------------------------------- graphs */

typedef struct tfc_graph tfc_graph;
typedef struct tfc_operation tfc_operation;
typedef struct tfc_op_desc tfc_op_desc;

/* One output of an operation: "op:index". A value, not a handle. */
typedef struct tfc_output {
	tfc_operation *oper;
	int index;
} tfc_output;

/* New empty graph. Caller frees (tfc_graph_free). */
tfc_graph *tfc_graph_new(void);
/* Frees the graph and every operation in it. */
void tfc_graph_free(tfc_graph *g);

/* The calling thread's default graph, made on first use; owned by the thread's
 * default-graph slot and freed by tfc_graph_reset_default(). */
tfc_graph *tfc_graph_default(void);
/* Makes g (borrowed; NULL restores the thread's own) the calling thread's default
 * and returns the previous one, like `with g.as_default():`. */
tfc_graph *tfc_graph_set_default(tfc_graph *g);
/* Frees the thread's own default graph (if it was made) and forgets it. */
void tfc_graph_reset_default(void);

/* Name scopes. push uniquifies like tf.name_scope ("inner" twice → "inner_1") and
 * returns the full scope (owned by the graph, valid until popped). A name ending in
 * '/' is taken as an absolute scope as it is; "" or "/" resets to the root. */
const char *tfc_graph_push_name_scope(tfc_graph *g, const char *name);
void tfc_graph_pop_name_scope(tfc_graph *g);
/* The current scope ("" at the root; borrowed). */
const char *tfc_graph_name_scope(const tfc_graph *g);
/* The name an op called `name` would get now, and reserves it when mark_used
 * (tf.Graph.unique_name). Caller frees. */
char *tfc_graph_unique_name(tfc_graph *g, const char *name, bool mark_used);

/* Device scopes: a partial device spec merged into the enclosing one, like nested
 * tf.device() calls ("/job:ps" then "/task:1" → "/job:ps/task:1"); spec borrowed.
 * NULL or "" pushes a scope that clears the device. */
void tfc_graph_push_device(tfc_graph *g, const char *spec, tfc_status *st);
void tfc_graph_pop_device(tfc_graph *g);
/* The merged device of the current scope ("" if none; borrowed). */
const char *tfc_graph_device_scope(const tfc_graph *g);

/* A device function chooses each new op's device, like tf.device(fn). It sees the
 * op's type, name and the device merged so far, and writes its choice into out
 * (at most n bytes, NUL-terminated; leaving it unchanged keeps the device). */
typedef void (*tfc_device_fn)(void *ctx, const char *op_type, const char *op_name,
			      const char *device, char *out, size_t n);
void tfc_graph_push_device_fn(tfc_graph *g, tfc_device_fn fn, void *ctx);

/* tf.train.replica_device_setter: ops whose type is a parameter-server op (by
 * default TensorFlow's STANDARD_PS_OPS: Variable, VariableV2, VarHandleOp,
 * AutoReloadVariable, the MutableHashTable family, ...) go round-robin over
 * "<ps_device>/task:K", K = 0, 1, ... ps_tasks - 1, 0, ...; every other op goes to
 * worker_device. With merge_devices the fields of the device an op already has
 * (from device scopes or set on it) override the chosen ones, as DeviceSpec's
 * make_merged_spec does, and the task is chosen only when that device names no job
 * or the ps job; without it an op that has a device keeps it. ps_tasks 0 leaves
 * every device as it is (TensorFlow then gives no device function). ps_device and
 * worker_device (borrowed, copied; NULL for "/job:ps" and "/job:worker") must
 * parse as device specs. Caller frees; the setter must outlive the device scope it
 * is pushed as. */
typedef struct tfc_replica_device_setter tfc_replica_device_setter;
tfc_replica_device_setter *tfc_replica_device_setter_new(int ps_tasks, const char *ps_device,
							 const char *worker_device, bool merge_devices,
							 tfc_status *st);
void tfc_replica_device_setter_free(tfc_replica_device_setter *r);
/* Replaces the op types that go to the parameter servers (ops borrowed, copied). */
void tfc_replica_device_setter_set_ps_ops(tfc_replica_device_setter *r, const char *const *ops,
					  int n);
/* The device function itself (ctx: the setter), for tfc_graph_push_device_fn. */
void tfc_replica_device_setter_fn(void *ctx, const char *op_type, const char *op_name,
				  const char *device, char *out, size_t n);
/* Pushes r as a device function on g: tfc_graph_push_device_fn(g, fn, r); pop with
 * tfc_graph_pop_device. */
void tfc_graph_push_replica_device_setter(tfc_graph *g, tfc_replica_device_setter *r);

/* Operation lookup and iteration. Results are owned by the graph. */
tfc_operation *tfc_graph_operation_by_name(const tfc_graph *g, const char *name);
/* Parses "op", "op:1" and returns that output; oper NULL if not found. */
tfc_output tfc_graph_output_by_name(const tfc_graph *g, const char *name);
size_t tfc_graph_num_operations(const tfc_graph *g);
/* Operations in creation order: start with *pos = 0; NULL at the end. */
tfc_operation *tfc_graph_next_operation(const tfc_graph *g, size_t *pos);
/* The graph's GraphDef versions (producer, min_consumer). */
int tfc_graph_producer(const tfc_graph *g);
void tfc_graph_set_producer(tfc_graph *g, int producer, int min_consumer);

/* Collections (tf.add_to_collection): lists of operations by key. */
#define TFC_GLOBAL_VARIABLES "variables"
#define TFC_TRAINABLE_VARIABLES "trainable_variables"
#define TFC_LOCAL_VARIABLES "local_variables"
#define TFC_TRAIN_OP "train_op"
#define TFC_SUMMARIES "summaries"
#define TFC_UPDATE_OPS "update_ops"
void tfc_graph_add_to_collection(tfc_graph *g, const char *key, tfc_operation *op, tfc_status *st);
/* Writes up to max ops of collection key into out (may be NULL) and returns how many
 * the collection holds. */
int tfc_graph_get_collection(const tfc_graph *g, const char *key, tfc_operation **out, int max);
/* Collection keys in first-use order: *pos from 0; NULL at the end. */
const char *tfc_graph_next_collection(const tfc_graph *g, size_t *pos);

/* ---------------------------------------------------------------- building ops */

/* Starts a new operation of type op_type. `name` (borrowed) is taken inside the
 * current name scope and uniquified as TensorFlow does; NULL means the op type.
 * The description is always consumed by tfc_op_finish. */
tfc_op_desc *tfc_op_new(tfc_graph *g, const char *op_type, const char *name);
/* Like tfc_op_new but takes `name` as the full, final name (no scope, no suffix);
 * finish fails with AlreadyExists if it is taken. */
tfc_op_desc *tfc_op_new_exact(tfc_graph *g, const char *op_type, const char *name);
void tfc_op_add_input(tfc_op_desc *d, tfc_output in);
/* One list-typed input argument (AddN's inputs, Pack's values). ins borrowed. */
void tfc_op_add_input_list(tfc_op_desc *d, const tfc_output *ins, int n);
void tfc_op_add_control_input(tfc_op_desc *d, tfc_operation *op);
void tfc_op_set_device(tfc_op_desc *d, const char *device);
/* Adds "loc:@<op's name>" to the _class attr. */
void tfc_op_colocate_with(tfc_op_desc *d, tfc_operation *op);
void tfc_op_set_attr_string(tfc_op_desc *d, const char *name, const void *s, size_t n);
void tfc_op_set_attr_int(tfc_op_desc *d, const char *name, int64_t v);
void tfc_op_set_attr_float(tfc_op_desc *d, const char *name, float v);
void tfc_op_set_attr_bool(tfc_op_desc *d, const char *name, bool v);
void tfc_op_set_attr_type(tfc_op_desc *d, const char *name, tfc_dtype v);
void tfc_op_set_attr_shape(tfc_op_desc *d, const char *name, const tfc_shape *v);
/* The tensor is copied into the attr (t borrowed). */
void tfc_op_set_attr_tensor(tfc_op_desc *d, const char *name, const tfc_tensor *t, tfc_status *st);
void tfc_op_set_attr_int_list(tfc_op_desc *d, const char *name, const int64_t *v, int n);
void tfc_op_set_attr_float_list(tfc_op_desc *d, const char *name, const float *v, int n);
void tfc_op_set_attr_type_list(tfc_op_desc *d, const char *name, const tfc_dtype *v, int n);
void tfc_op_set_attr_string_list(tfc_op_desc *d, const char *name, const char *const *v, int n);
void tfc_op_set_attr_shape_list(tfc_op_desc *d, const char *name, const tfc_shape *v, int n);
void tfc_op_set_attr_func(tfc_op_desc *d, const char *name, const char *func_name);
/* An AttrValue in protobuf binary form (any kind of attr); proto borrowed. */
void tfc_op_set_attr_value_proto(tfc_op_desc *d, const char *name, const void *proto, size_t n,
				 tfc_status *st);
/* Validates the op against its definition (attr types and defaults, type
 * constraints, input dtypes), infers output types and shapes, and adds it to the
 * graph. Consumes d. Returns the new op (owned by the graph) or NULL with st set;
 * on failure the graph is unchanged. */
tfc_operation *tfc_op_finish(tfc_op_desc *d, tfc_status *st);

/* ---------------------------------------------------------------- reading ops */

/* All strings are owned by the graph. */
const char *tfc_operation_name(const tfc_operation *op);
const char *tfc_operation_type(const tfc_operation *op);
/* The requested device ("" if none). */
const char *tfc_operation_device(const tfc_operation *op);
tfc_graph *tfc_operation_graph(const tfc_operation *op);
/* False for ops imported whose type the registry does not know. */
bool tfc_operation_is_known(const tfc_operation *op);
int tfc_operation_num_inputs(const tfc_operation *op);
tfc_output tfc_operation_input(const tfc_operation *op, int i);
int tfc_operation_num_control_inputs(const tfc_operation *op);
tfc_operation *tfc_operation_control_input(const tfc_operation *op, int i);
int tfc_operation_num_outputs(const tfc_operation *op);
tfc_dtype tfc_operation_output_type(const tfc_operation *op, int i);
/* The inferred (or _output_shapes-given) shape of an output. */
tfc_shape tfc_operation_output_shape(const tfc_operation *op, int i);
/* How many inputs of other ops read output i. */
int tfc_operation_output_num_consumers(const tfc_operation *op, int i);
int tfc_operation_num_attrs(const tfc_operation *op);
/* Attr name i, in sorted order (owned by the graph). */
const char *tfc_operation_attr_name(const tfc_operation *op, int i);
bool tfc_operation_has_attr(const tfc_operation *op, const char *name);
/* Typed attr getters; on a missing attr or a wrong kind they set st (NotFound /
 * InvalidArgument) and return 0/false/NULL. */
int64_t tfc_operation_get_attr_int(const tfc_operation *op, const char *name, tfc_status *st);
float tfc_operation_get_attr_float(const tfc_operation *op, const char *name, tfc_status *st);
bool tfc_operation_get_attr_bool(const tfc_operation *op, const char *name, tfc_status *st);
tfc_dtype tfc_operation_get_attr_type(const tfc_operation *op, const char *name, tfc_status *st);
tfc_shape tfc_operation_get_attr_shape(const tfc_operation *op, const char *name, tfc_status *st);
/* The bytes are owned by the graph; *len receives their count. */
const char *tfc_operation_get_attr_string(const tfc_operation *op, const char *name, size_t *len,
					  tfc_status *st);
/* A new tensor from a tensor attr. Caller frees. */
tfc_tensor *tfc_operation_get_attr_tensor(const tfc_operation *op, const char *name, tfc_status *st);
/* Writes at most max values, returns the list's length (-1 with st set on error). */
int tfc_operation_get_attr_int_list(const tfc_operation *op, const char *name, int64_t *out,
				    int max, tfc_status *st);
int tfc_operation_get_attr_type_list(const tfc_operation *op, const char *name, tfc_dtype *out,
				     int max, tfc_status *st);
/* The attr as a protobuf AttrValue. Caller frees. */
tfc_buffer_t *tfc_operation_get_attr_value_proto(const tfc_operation *op, const char *name,
						 tfc_status *st);
/* The op as a NodeDef (binary protobuf). Caller frees. */
tfc_buffer_t *tfc_operation_to_nodedef(const tfc_operation *op, tfc_status *st);

/* ---------------------------------------------------------------- GraphDef I/O */

typedef enum tfc_format {
	TFC_FORMAT_AUTO = 0,   /* on read: detected by content */
	TFC_FORMAT_BINARY = 1, /* protobuf wire format (.pb) */
	TFC_FORMAT_TEXT = 2    /* protobuf text format (.pbtxt) */
} tfc_format;

/* Options for importing a GraphDef into a graph. Caller frees. */
typedef struct tfc_import_options tfc_import_options;
tfc_import_options *tfc_import_options_new(void);
void tfc_import_options_free(tfc_import_options *o);
/* Prefix every imported name with "prefix/" (borrowed, copied). */
void tfc_import_options_set_prefix(tfc_import_options *o, const char *prefix);
/* Inputs of the GraphDef that name src ("op" or "op:1") read dst instead; src need
 * not exist in the GraphDef (borrowed, copied). */
void tfc_import_options_add_input_mapping(tfc_import_options *o, const char *src, tfc_output dst);
/* Apply the current name scope and device scope of the target graph (default off). */
void tfc_import_options_set_use_scopes(tfc_import_options *o, bool on);

/* Imports a serialized GraphDef (binary or text; TFC_FORMAT_AUTO detects) into g.
 * On failure g is unchanged. Ops whose type is unknown are kept (see
 * tfc_operation_is_known) and counted in *n_unknown when it is non-NULL. */
void tfc_graph_import(tfc_graph *g, const void *data, size_t len, tfc_format fmt,
		      const tfc_import_options *opts, int *n_unknown, tfc_status *st);
/* Reads a GraphDef file into a new graph. Caller frees. */
tfc_graph *tfc_graph_load(const char *path, tfc_status *st);
/* Serializes the graph as a GraphDef. Caller frees. */
tfc_buffer_t *tfc_graph_to_graphdef(const tfc_graph *g, tfc_format fmt, tfc_status *st);
/* Writes a GraphDef file atomically (temp file then rename). */
void tfc_graph_save(const tfc_graph *g, const char *path, tfc_format fmt, tfc_status *st);

/* MetaGraphDef: graph plus collections (and saver, signatures, meta info kept as
 * they were read). Reads into an empty graph g; writes g's collections. */
void tfc_graph_import_meta_graph(tfc_graph *g, const void *data, size_t len, tfc_format fmt,
				 tfc_status *st);
tfc_buffer_t *tfc_graph_to_meta_graph(const tfc_graph *g, tfc_format fmt, tfc_status *st);
/* True when data looks like protobuf text rather than binary. */
bool tfc_looks_like_text(const void *data, size_t len);
/* Reads a whole file. Caller frees. */
tfc_buffer_t *tfc_read_file(const char *path, tfc_status *st);
/* Writes a whole file atomically (temp file in the same folder, then rename). */
void tfc_write_file(const char *path, const void *data, size_t len, tfc_status *st);

/* ---------------------------------------------------------------- the op registry */

/* Is op_type registered? */
bool tfc_op_is_registered(const char *op_type);
/* Number of registered ops and their names in sorted order (static strings). */
int tfc_op_registry_count(void);
const char *tfc_op_registry_name(int i);
/* The registered definition as a binary OpDef. Caller frees. */
tfc_buffer_t *tfc_op_registry_opdef(const char *op_type, tfc_status *st);

/* ---------------------------------------------------------------- model files */

typedef enum tfc_file_kind {
	TFC_FILE_UNKNOWN = 0,
	TFC_FILE_GRAPHDEF = 1,    /* GraphDef, binary or text */
	TFC_FILE_META_GRAPH = 2,  /* MetaGraphDef (.meta), binary or text */
	TFC_FILE_SAVED_MODEL = 3  /* SavedModel: a directory, saved_model.pb or .pbtxt */
} tfc_file_kind;

/* Loads whatever TensorFlow file `path` holds into a new graph: a GraphDef, a
 * MetaGraphDef or a SavedModel (detected by name and content). For a SavedModel, the
 * meta graph whose tags include `tag` is taken (NULL: "serve" if present, else the
 * first). *kind (if non-NULL) tells what was found. Caller frees the graph. */
tfc_graph *tfc_graph_load_model(const char *path, const char *tag, tfc_file_kind *kind,
				tfc_status *st);

/* MetaGraphDef facts kept with a graph loaded from a MetaGraphDef or SavedModel.
 * Strings are owned by the graph. */
int tfc_graph_num_tags(const tfc_graph *g);
const char *tfc_graph_tag(const tfc_graph *g, int i);
int tfc_graph_num_signatures(const tfc_graph *g);
const char *tfc_graph_signature_name(const tfc_graph *g, int i);
const char *tfc_graph_signature_method(const tfc_graph *g, int i);
/* Inputs (outputs false) or outputs of signature i: writes up to max keys and tensor
 * names, returns how many the signature has (-1 if i is out of range). */
int tfc_graph_signature_io(const tfc_graph *g, int i, bool outputs, const char **keys,
			   const char **tensors, int max);
/* The TensorFlow version that wrote the meta graph ("" if unknown). */
const char *tfc_graph_tf_version(const tfc_graph *g);

/* ---------------------------------------------------------------- sessions */

/* Options for a new session: the target ("" = this process) and a ConfigProto. */
typedef struct tfc_session_options tfc_session_options;
tfc_session_options *tfc_session_options_new(void);
void tfc_session_options_free(tfc_session_options *o);
void tfc_session_options_set_target(tfc_session_options *o, const char *target);
/* A serialized ConfigProto (binary); proto borrowed, copied. */
void tfc_session_options_set_config(tfc_session_options *o, const void *proto, size_t len,
				    tfc_status *st);
/* One ConfigProto field by its TensorFlow path, as text:
 * "inter_op_parallelism_threads" "2", "allow_soft_placement" "true",
 * "device_count.CPU" "2", "gpu_options.allow_growth" "true". */
void tfc_session_options_set_config_value(tfc_session_options *o, const char *path,
					  const char *value, tfc_status *st);

/* A session runs a graph and holds the state of its runs: variable values, caches
 * of what it learned about each (feeds, fetches, targets) signature. The graph is
 * borrowed and must outlive the session; ops added to it later are visible to later
 * runs. Sessions on one graph share nothing. Caller frees (tfc_session_free). */
typedef struct tfc_session tfc_session;
tfc_session *tfc_session_new(tfc_graph *g, const tfc_session_options *o, tfc_status *st);
/* Ends the session (runs after it fail with Cancelled); free still needed. */
void tfc_session_close(tfc_session *s, tfc_status *st);
void tfc_session_free(tfc_session *s);
tfc_graph *tfc_session_graph(const tfc_session *s);
/* Devices: "/job:localhost/replica:0/task:0/device:CPU:0", ... (owned by the session). */
int tfc_session_num_devices(const tfc_session *s);
const char *tfc_session_device_name(const tfc_session *s, int i);

/* Runs the subgraph that the fetches and targets need, once.
 *   run_options:    a serialized RunOptions (binary) or NULL; borrowed.
 *   feeds:          tensors to substitute (any output, not only placeholders); values
 *                   borrowed (a reference is taken for the run).
 *   fetches:        outputs wanted; out_values[i] receives a new reference to each
 *                   result (caller frees each), all NULL on failure.
 *   targets:        operations to run whose outputs are not wanted.
 *   run_metadata:   if non-NULL, receives a serialized RunMetadata (caller frees).
 * May be called from many threads at once. */
void tfc_session_run(tfc_session *s, const void *run_options, size_t run_options_len,
		     const tfc_output *feeds, tfc_tensor *const *feed_values, int n_feeds,
		     const tfc_output *fetches, tfc_tensor **out_values, int n_fetches,
		     tfc_operation *const *targets, int n_targets, tfc_buffer_t **run_metadata,
		     tfc_status *st);

/* ---------------------------------------------------------------- SavedModel */

/* The SaverDef kept with a graph loaded from a MetaGraphDef or SavedModel: the tensor
 * to feed a checkpoint prefix into, and the ops to run to restore and save (owned by
 * the graph; NULL when the graph has no saver). */
const char *tfc_graph_saver_filename_tensor(const tfc_graph *g);
const char *tfc_graph_saver_restore_op(const tfc_graph *g);
const char *tfc_graph_saver_save_tensor(const tfc_graph *g);

/* Loads a SavedModel as TensorFlow's loader does: the meta graph with `tag` (NULL:
 * "serve", else the first) into a new graph, a session on it (options may be NULL),
 * the variables restored from <dir>/variables/variables when the meta graph has a
 * saver and that checkpoint exists, then the main op (collection
 * "saved_model_main_op", else "legacy_init_op") run, with every asset tensor fed
 * its file's path. Returns the session and, in *graph, the graph (caller frees both:
 * the session first). */
tfc_session *tfc_saved_model_load(const char *dir, const char *tag, const tfc_session_options *o,
				  tfc_graph **graph, tfc_status *st);

#ifdef __cplusplus
}
#endif

#endif /* TFC_H */
