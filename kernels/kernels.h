/*
 * kernels.h: what the CPU kernel files of kernels/ share among themselves: the
 * per-family kernel tables that kernels/registry.c indexes, and small helpers that are
 * not part of the executor contract (core/kernel.h). Nothing here is API.
 */
#ifndef TFC_KERNELS_H
#define TFC_KERNELS_H

#include "kernel.h"

/* One table per op family; each ends with an entry whose op is NULL. */
extern const struct tfc_kernel_def tfc__const_kernels[];
extern const struct tfc_kernel_def tfc__control_flow_kernels[];
extern const struct tfc_kernel_def tfc__tensor_array_kernels[];
extern const struct tfc_kernel_def tfc__summary_kernels[];
extern const struct tfc_kernel_def tfc__functional_kernels[];
extern const struct tfc_kernel_def tfc__math_kernels[];
extern const struct tfc_kernel_def tfc__matmul_kernels[];
extern const struct tfc_kernel_def tfc__nn_kernels[];
extern const struct tfc_kernel_def tfc__array_kernels[];
extern const struct tfc_kernel_def tfc__random_kernels[];
extern const struct tfc_kernel_def tfc__string_kernels[];
extern const struct tfc_kernel_def tfc__state_kernels[];
extern const struct tfc_kernel_def tfc__io_kernels[];
extern const struct tfc_kernel_def tfc__cwise_unary_kernels[];
extern const struct tfc_kernel_def tfc__cwise_misc_kernels[];
extern const struct tfc_kernel_def tfc__reduction_kernels[];
extern const struct tfc_kernel_def tfc__array_shape_kernels[];
extern const struct tfc_kernel_def tfc__array_slice_kernels[];
extern const struct tfc_kernel_def tfc__array_gather_kernels[];
extern const struct tfc_kernel_def tfc__conv_kernels[];
extern const struct tfc_kernel_def tfc__pooling_kernels[];
extern const struct tfc_kernel_def tfc__batchnorm_kernels[];
extern const struct tfc_kernel_def tfc__training_kernels[];
extern const struct tfc_kernel_def tfc__lrn_kernels[];
extern const struct tfc_kernel_def tfc__misc_kernels[];
extern const struct tfc_kernel_def tfc__scatter_kernels[];
extern const struct tfc_kernel_def tfc__sendrecv_kernels[];
/* The GPU's (cuda/cwise_gpu.c, cuda/matmul_gpu.c, cuda/conv_gpu.c, cuda/nn_gpu.c,
 * cuda/training_gpu.c, cuda/state_gpu.c; empty in a build without CUDA, cuda/gpu_none.c, and the
 * convolutions empty in one without cuDNN, cuda/dnn_none.c). */
extern const struct tfc_kernel_def tfc__gpu_cwise_kernels[];
extern const struct tfc_kernel_def tfc__gpu_matmul_kernels[];
extern const struct tfc_kernel_def tfc__gpu_conv_kernels[];
extern const struct tfc_kernel_def tfc__gpu_nn_kernels[];
extern const struct tfc_kernel_def tfc__gpu_training_kernels[];
/* (cuda/pool_gpu.c, cuda/batchnorm_gpu.c) */
extern const struct tfc_kernel_def tfc__gpu_pool_kernels[];
extern const struct tfc_kernel_def tfc__gpu_batchnorm_kernels[];
extern const struct tfc_kernel_def tfc__gpu_state_kernels[];
extern const struct tfc_kernel_def tfc__gpu_sendrecv_kernels[];
/* A transfer node's state (_Send, _Recv: its tensor_name), for the CPU kernels
 * (kernels/sendrecv_kernels.c) and the GPU's _Recv (cuda/sendrecv_gpu.c). */
void *tfc__transfer_create(const tfc_operation *op, tfc_status *st);
void tfc__transfer_destroy(void *state);
/* (cuda/array_gpu.c: AddN, Cast, Fill, ZerosLike, OnesLike, Tile, ConcatV2, Pack,
 * Transpose, Slice, StridedSlice, the comparisons, Select(V2), ArgMax/ArgMin) */
extern const struct tfc_kernel_def tfc__gpu_array_kernels[];
/* Gather, GatherV2, ResourceGather, UnsortedSegmentSum, OneHot (cuda/gather_gpu.c). */
extern const struct tfc_kernel_def tfc__gpu_gather_kernels[];

/* Bytes per element as tensors store them (strings: a tfc_tstring; resources: a
 * pointer). */
static inline size_t tfc__elem_size(tfc_dtype dt)
{
	if (dt == TFC_STRING)
		return sizeof(tfc_tstring);
	if (dt == TFC_RESOURCE)
		return sizeof(void *);
	return tfc_dtype_size(dt);
}

/* The general copy of the array kernels: for every index (i0..i{rank-1}) of dims,
 * dst[dst_off + sum i_d * dstr[d]] = src[src_off + sum i_d * sstr[d]] (element
 * offsets and strides, which may be 0; strings are deep-copied). dst and src have one
 * dtype. Runs where both innermost strides are 1 are copied with memcpy. */
void tfc__copy_strided(tfc_tensor *dst, int64_t dst_off, const tfc_tensor *src, int64_t src_off,
		       int rank, const int64_t *dims, const int64_t *dstr, const int64_t *sstr);
/* Row-major element strides of shape s into str. */
void tfc__strides(const tfc_shape *s, int64_t *str);

/* True when the kernel may write its output into input k's buffer: input k is a plain
 * (non-ref) dense tensor whose only reference is the one the executor handed this
 * kernel, and whose buffer nobody else shares (see kernels/kernel_util.c). */
bool tfc_kernel_can_reuse(struct tfc_kernel_ctx *ctx, int k);

/* Sets ctx->st to Unimplemented "No CPU kernel for op <Op> with <attr>=<dtype> (node
 * '<name>')" and returns NULL, for create() hooks that meet an unsupported dtype. */
void *tfc__kernel_unsupported(const tfc_operation *op, const char *attr, tfc_dtype dt,
			      tfc_status *st);

/* Makes output i a new tensor of the given dims that shares input k's buffer (no copy;
 * the element count must match). Returns it (borrowed) or NULL with ctx->st set. */
tfc_tensor *tfc__kernel_share_input(struct tfc_kernel_ctx *ctx, int k, int i,
				    const int64_t *dims, int rank);

/* One Philox4x32-10 block: out = philox(counter, key) (kernels/random_kernels.c). */
void tfc__philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* The shape as "[2,3]" (TensorFlow's TensorShape::DebugString) in buf. */
static inline const char *tfc__kshape(const tfc_shape *s, char *buf, size_t n)
{
	tfc_shape_format(s, buf, n);
	return buf;
}

/* A bool attr of the node, or dflt when absent. */
bool tfc__kernel_attr_bool(const tfc_operation *op, const char *name, bool dflt);
/* An int attr of the node, or dflt when absent. */
int64_t tfc__kernel_attr_int(const tfc_operation *op, const char *name, int64_t dflt);

/* A float attr of the node, or dflt when absent. */
float tfc__kernel_attr_float(const tfc_operation *op, const char *name, float dflt);
/* True when string attr `name` is `want`; dflt when the attr is absent. */
bool tfc__kernel_attr_str_is(const tfc_operation *op, const char *name, const char *want,
			     bool dflt);
/* The int-list attr `name`: up to max values into out; returns the list's length, -1
 * when absent. */
int tfc__kernel_attr_ints(const tfc_operation *op, const char *name, int64_t *out, int max);

/* Reads element i of an int32 or int64 tensor. */
static inline int64_t tfc__kint(const tfc_tensor *t, int64_t i)
{
	if (t->dtype == TFC_INT32)
		return ((const int32_t *)tfc_tensor_data(t))[i];
	return ((const int64_t *)tfc_tensor_data(t))[i];
}

/* Checks that inputs [0, n) are present; when dt is not TFC_DTYPE_INVALID, also that
 * each is of dtype dt. False with ctx->st set (InvalidArgument for a wrong dtype). */
bool tfc__kernel_inputs_ok(struct tfc_kernel_ctx *ctx, int n, tfc_dtype dt);

/* Output i of the given dtype and dims: input k's buffer when it may be reused
 * (tfc_kernel_can_reuse) and matches in dtype and element count, else a new tensor. */
tfc_tensor *tfc__kernel_output_like(struct tfc_kernel_ctx *ctx, int k, int i, tfc_dtype dtype,
				    const int64_t *dims, int rank);

/* Normalizes axis against rank (negative counts from the end). False with ctx->st set
 * to InvalidArgument "Expected dimension in the range [-r, r), but got a" if out of
 * range. */
bool tfc__kernel_axis(struct tfc_kernel_ctx *ctx, int64_t axis, int rank, int *out);

/* C = op(A) op(B) + beta C for float or double, row-major, op = transpose when ta/tb
 * (kernels/gemm.c): OpenBLAS on one thread per call, the product split over up to
 * `threads` intra-op threads. */
void tfc__gemm(int threads, tfc_dtype t, bool ta, bool tb, int64_t m, int64_t n, int64_t k,
	       const void *a, int64_t lda, const void *b, int64_t ldb, double beta, void *c,
	       int64_t ldc);

/* ---- 2-D windows (convolutions and pooling; kernels/conv_kernels.c) */

/* The node's 2-D window attrs, in NHWC order whatever data_format says. */
struct tfc__window {
	bool nchw;                  /* data_format NCHW */
	int64_t stride[2], dil[2];  /* rows, cols */
	int64_t ksize[2];           /* pooling: ksize attr (rows, cols) */
	int padding;                /* 0 VALID, 1 SAME, 2 EXPLICIT */
	int64_t pad_attr[4];        /* EXPLICIT: top, bottom, left, right */
};

/* Reads strides, dilations (when present), ksize (pool), padding, explicit_paddings
 * and data_format. False with st set (InvalidArgument, TensorFlow's words) when they
 * are malformed or ask for strides/dilations/windows over batch or depth. */
bool tfc__window_parse(const tfc_operation *op, bool pool, struct tfc__window *w,
		       tfc_status *st);

/* The argument checks of SoftmaxCrossEntropyWithLogits and
 * SparseSoftmaxCrossEntropyWithLogits (the latter's labels in range too), shared by
 * the CPU kernels (kernels/nn_kernels.c) and the GPU ones (cuda/nn_gpu.c): false with
 * InvalidArgument in ctx->st, TensorFlow's words. */
bool tfc__xent_args_ok(struct tfc_kernel_ctx *ctx);
bool tfc__sparse_xent_args_ok(struct tfc_kernel_ctx *ctx);

/* A convolution node's state, shared by the CPU kernels (kernels/conv_kernels.c) and
 * the GPU ones (cuda/conv_gpu.c): T (float or double, else Unimplemented) and the
 * window attrs. tfc__conv_create returns it (NULL with st set); tfc__conv_destroy
 * frees it. */
struct tfc__conv_state {
	struct tfc__window w;
	tfc_dtype dtype;
};
void *tfc__conv_create(const tfc_operation *op, tfc_status *st);
void tfc__conv_destroy(void *state);

/* The output size along one spatial dimension of size in, window k (dilated),
 * stride, and the padding before it; false when the window does not fit (out < 0). */
bool tfc__window_out(const struct tfc__window *w, int dim, int64_t in, int64_t k,
		     int64_t *out, int64_t *pad_before);

/* x (rank 4, NCHW) as a new NHWC tensor, or the reverse (to_nchw); NULL with st set. */
tfc_tensor *tfc__to_layout(const tfc_tensor *x, bool to_nchw, tfc_status *st);

/* ---- pooling and batch normalization: what the CPU kernels (kernels/pooling.c,
 * kernels/batchnorm.c) share with the GPU ones (cuda/pool_gpu.c, cuda/batchnorm_gpu.c) */

/* A pooling node's state: T (float or double; absent is float) and its window. Made
 * by tfc__pool_create (NULL with st set: Unimplemented for another T, InvalidArgument
 * for malformed window attrs), freed by tfc__pool_destroy. */
struct tfc__pool_state {
	struct tfc__window w;
	tfc_dtype dtype;
};
void *tfc__pool_create(const tfc_operation *op, tfc_status *st);
void tfc__pool_destroy(void *state);

/* A 2-D pooling in NHWC terms whatever the data format: input [n, ih, iw, c], window
 * kh x kw moved by sh, sw, output [n, oh, ow, c]; pt and pl are the rows and columns
 * of padding before the image (TensorFlow's SAME puts the odd one after). */
struct tfc__pool_geom {
	int64_t n, ih, iw, c, oh, ow, kh, kw, sh, sw, pt, pl;
};
enum tfc__pool_kind { TFC_POOL_FORWARD, TFC_POOL_MAX_GRAD, TFC_POOL_AVG_GRAD };
/* The argument checks of MaxPool and AvgPool (TFC_POOL_FORWARD: input), MaxPoolGrad
 * (orig_input, orig_output, grad) and AvgPoolGrad (orig_input_shape, read on the
 * host, and grad) with the window of s: inputs present, 4-D tensors of s's dtype, a
 * window that fits, grad of the output's shape. Fills g; false with InvalidArgument in
 * ctx->st, in the CPU kernels' words. */
bool tfc__pool_args_ok(struct tfc_kernel_ctx *ctx, const struct tfc__pool_state *s, enum tfc__pool_kind kind,
		       struct tfc__pool_geom *g);

/* A fused batch normalization node's state (T and U float, else Unimplemented):
 * made by tfc__bn_create, freed by tfc__bn_destroy. */
struct tfc__bn_state {
	float epsilon, avg_factor; /* avg_factor: exponential_avg_factor (1 when absent) */
	bool training, nchw, v3;   /* is_training, data_format NCHW, FusedBatchNormV3 */
};
void *tfc__bn_create(const tfc_operation *op, tfc_status *st);
void tfc__bn_destroy(void *state);
/* Whether the node reads its mean and variance inputs: inference, or training that
 * mixes the running values by exponential_avg_factor. */
bool tfc__bn_needs_running(const struct tfc__bn_state *s);
/* The argument checks of FusedBatchNorm* (grad false: x, scale, offset, and mean and
 * variance when read) and FusedBatchNormGrad* (grad true: y_backprop and x of one
 * shape, scale, reserve_space_1 and _2): 4-D float x, [C] float vectors. Sets *c to
 * the channels and *rows to the elements per channel; false with InvalidArgument in
 * ctx->st, in the CPU kernels' words. */
bool tfc__bn_args_ok(struct tfc_kernel_ctx *ctx, const struct tfc__bn_state *s, bool grad, int64_t *c,
		     int64_t *rows);
/* With r->mu held: when r's value lives in a device's memory (a GPU kernel of the
 * variable ran in another signature's placement), swaps in a host copy, so that a CPU
 * kernel may read and write it (a reader holding the device value keeps it). False
 * with ctx->st set when the copy fails. (kernels/kernel_util.c) */
bool tfc__ref_value_to_host(struct tfc_kernel_ctx *ctx, struct tfc_ref *r);

/* ---- the variable ops' pieces that the GPU's (cuda/state_gpu.c) share with the CPU
 * kernels (kernels/state_kernels.c). The session frees a stateful kernel's state
 * through the CPU record's destroy (core/session.c), so the GPU records make theirs
 * with these same create functions. */

/* VariableV2, Variable, VarHandleOp: the variable's name, base dtype and declared
 * shape. tfc__variable_create checks the dtype attr; tfc__variable_destroy frees. */
struct tfc__var_state {
	char *name;      /* shared_name, or the node's name */
	tfc_dtype dtype; /* base dtype */
	tfc_shape shape; /* declared (may be partial) */
};
void *tfc__variable_create(const tfc_operation *op, tfc_status *st);
void tfc__variable_destroy(void *state);
/* Assign: its validate_shape attr. */
struct tfc__assign_state {
	bool validate_shape; /* the attr (default true) */
};
void *tfc__assign_create(const tfc_operation *op, tfc_status *st);
void tfc__assign_destroy(void *state);
/* AssignAdd/AssignSub (T), ReadVariableOp/AssignVariableOp (dtype),
 * AssignAdd/SubVariableOp (dtype): dtype checks only, no state (NULL). */
void *tfc__assign_update_create(const tfc_operation *op, tfc_status *st);
void *tfc__typed_resource_create(const tfc_operation *op, tfc_status *st);
void *tfc__assign_update_variable_create(const tfc_operation *op, tfc_status *st);

/* The session's slot of a variable-making node; NULL with ctx->st set. */
struct tfc_ref *tfc__var_lookup(struct tfc_kernel_ctx *ctx, const struct tfc__var_state *s);
/* The ref behind input 0 of a ref-taking op / the slot that resource handle input k
 * points at / value input k; each NULL with ctx->st set when missing. */
struct tfc_ref *tfc__var_input_ref(struct tfc_kernel_ctx *ctx);
struct tfc_ref *tfc__var_handle_ref(struct tfc_kernel_ctx *ctx, int k);
const tfc_tensor *tfc__var_value_input(struct tfc_kernel_ctx *ctx, int k);
/* The checks each op makes with ref->mu held before it changes or reads the value,
 * in TensorFlow's words: false with ctx->st set when the op must not go on. Assign
 * (validate_shape), AssignAdd/Sub (initialized, dtype, shape), AssignVariableOp
 * (dtype), AssignAdd/SubVariableOp (exists, dtype, shape), ReadVariableOp (exists,
 * the dtype attr). */
bool tfc__assign_ok(struct tfc_kernel_ctx *ctx, const struct tfc__assign_state *s, const struct tfc_ref *ref,
		    const tfc_tensor *v);
bool tfc__assign_update_ok(struct tfc_kernel_ctx *ctx, const struct tfc_ref *ref, const tfc_tensor *v);
bool tfc__assign_variable_ok(struct tfc_kernel_ctx *ctx, const struct tfc_ref *ref, const tfc_tensor *v);
bool tfc__assign_update_variable_ok(struct tfc_kernel_ctx *ctx, const struct tfc_ref *ref, const tfc_tensor *v);
bool tfc__read_variable_ok(struct tfc_kernel_ctx *ctx, const struct tfc_ref *ref);

/* ---- the optimizer updates' pieces shared by the CPU kernels
 * (kernels/training_kernels.c) and the GPU ones (cuda/training_gpu.c). */

#define TFC_TRAIN_MAX_SLOTS 3
#define TFC_TRAIN_MAX_SCALARS 6

/* A node's state (the op's record, T, the use_nesterov/update_slots attr), made by
 * tfc__train_create (Unimplemented for a T other than float and double) and freed by
 * tfc__train_destroy. */
void *tfc__train_create(const tfc_operation *op, tfc_status *st);
void tfc__train_destroy(void *state);

/* One update, checked and locked by tfc__train_begin. */
struct tfc__train_args {
	int n_slots;                                 /* the variable and its slots */
	struct tfc_ref *refs[TFC_TRAIN_MAX_SLOTS];   /* in input order */
	bool locked[TFC_TRAIN_MAX_SLOTS];            /* refs[k]->mu held by us (once per ref) */
	const tfc_tensor *grad;
	double scalars[TFC_TRAIN_MAX_SCALARS];       /* the scalar inputs in order (host) */
	int n_scalars;
	tfc_dtype dtype;                             /* T */
	bool flag;                                   /* use_nesterov / update_slots */
	bool resource;                               /* ResourceApply*: no ref output */
	const char *op;                              /* "ApplyMomentum" */
};
/* Checks ctx's inputs (slots, dtypes, scalars, read on the host), locks the slots in
 * input order (a slot given twice once) and checks their values (initialized, dtype,
 * the gradient's shape), with the CPU kernel's texts. True with every slot locked;
 * false with ctx->st set and nothing locked. */
bool tfc__train_begin(struct tfc_kernel_ctx *ctx, struct tfc__train_args *a);
/* Unlocks the slots; when ok, forwards the variable's ref (reference forms). */
void tfc__train_end(struct tfc_kernel_ctx *ctx, struct tfc__train_args *a, bool ok);
/* Whether slot k repeats an earlier one (it is locked, and updated, once). */
static inline int tfc__train_same_as(const struct tfc__train_args *a, int k)
{
	for (int j = 0; j < k; j++)
		if (a->refs[j] == a->refs[k])
			return j;
	return -1;
}

/* ---- the array ops that move blocks of elements (Transpose, ConcatV2, Concat, Pack,
 * Slice, StridedSlice, Tile): their checks, error texts and index computations are
 * shared by the CPU kernels (kernels/array_slice_kernels.c, kernels/array_kernels.c)
 * and the GPU ones (cuda/array_gpu.c), which differ only in where an output lives and
 * how a strided copy is made. */
struct tfc__array_io {
	/* Output i of dtype and dims; its elements need not be set (the ops write every
	 * one). NULL with ctx->st set. */
	tfc_tensor *(*alloc)(struct tfc_kernel_ctx *ctx, int i, tfc_dtype dtype, const int64_t *dims, int rank);
	/* tfc__copy_strided's contract (dst and src of one dtype); false with ctx->st set. */
	bool (*copy)(struct tfc_kernel_ctx *ctx, tfc_tensor *dst, int64_t dst_off, const tfc_tensor *src,
		     int64_t src_off, int rank, const int64_t *dims, const int64_t *dstr, const int64_t *sstr);
	/* Sets every element of t (an output of alloc) to zero; false with ctx->st set.
	 * NULL: alloc's outputs are zero-filled already (the host's). */
	bool (*zero)(struct tfc_kernel_ctx *ctx, tfc_tensor *t);
};
/* Host outputs (tfc_kernel_alloc_output) and tfc__copy_strided. */
extern const struct tfc__array_io tfc__array_io_cpu;
void tfc__transpose_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io);
void tfc__concat_v2_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io);
void tfc__concat_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io);
void tfc__slice_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io);
void tfc__tile_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io);
/* StridedSlice's state (its masks): made by tfc__ss_create, freed by tfc__ss_destroy. */
void *tfc__ss_create(const tfc_operation *op, tfc_status *st);
void tfc__ss_destroy(void *state);
void tfc__strided_slice_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io);
/* Pack's state (its axis): tfc__pack_create, tfc__pack_destroy. */
void *tfc__pack_create(const tfc_operation *op, tfc_status *st);
void tfc__pack_destroy(void *state);
void tfc__pack_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io);
/* Unpack, Split, SplitV, Pad and PadV2, BroadcastTo; StridedSliceGrad (state of
 * tfc__ss_create). Pad and StridedSliceGrad call io->zero on their output. */
void tfc__unpack_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io);
void tfc__split_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io);
void tfc__split_v_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io);
void tfc__pad_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io);
void tfc__broadcast_to_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io);
void tfc__ss_grad_run(struct tfc_kernel_ctx *ctx, const struct tfc__array_io *io);

/* ---- checks the GPU's index kernels (cuda/gather_gpu.c) share with the CPU ones
 * (kernels/array_gather_kernels.c, kernels/scatter_kernels.c). check_indices (ids):
 * also check every index against its dimension, reading them on the host. */
struct tfc__gather_geom {
	int64_t odims[TFC_MAX_RANK];
	int orank;
	int64_t outer, n, inner; /* params viewed as [outer, n, inner] along the axis */
};
/* Gather (v2 false: params, indices) and GatherV2 (params, indices, axis). */
bool tfc__gather_args(struct tfc_kernel_ctx *ctx, bool v2, bool check_indices, struct tfc__gather_geom *g);
/* ResourceGather (resource, indices): the variable's value (a new reference, where it
 * lives), the output's dims and the elements per row; NULL with ctx->st set. */
tfc_tensor *tfc__resource_gather_args(struct tfc_kernel_ctx *ctx, bool check_indices, int64_t *odims, int *orank,
				      int64_t *inner);
/* UnsortedSegmentSum (data, segment_ids, num_segments): the output's dims, rank and
 * elements per segment. */
bool tfc__segment_sum_args(struct tfc_kernel_ctx *ctx, bool check_ids, int64_t *odims, int *orank,
			   int64_t *inner);
/* OneHot (indices, depth, on_value, off_value): the output's dims (rank of indices +
 * 1) and the output viewed as [outer, depth, inner]. */
bool tfc__one_hot_args(struct tfc_kernel_ctx *ctx, int64_t *odims, int64_t *outer, int64_t *depth, int64_t *inner);

/* ---- checks the GPU's element-wise array kernels (cuda/array_gpu.c) share with the
 * CPU ones */

/* Fill (kernels/array_kernels.c): inputs present, dims a vector, value a scalar; the
 * output's dims into dims[TFC_MAX_RANK] and *rank. False with ctx->st set. */
bool tfc__fill_args_ok(struct tfc_kernel_ctx *ctx, int64_t *dims, int *rank);
/* AddN (kernels/cwise_misc.c): n >= 1 inputs of dtype T and one shape. */
bool tfc__addn_args_ok(struct tfc_kernel_ctx *ctx);
/* Cast's state: tfc__cast_create (Unimplemented for a SrcT or DstT it cannot
 * convert), freed by tfc__cast_destroy. */
struct tfc__cast_state {
	tfc_dtype src, dst;
};
void *tfc__cast_create(const tfc_operation *op, tfc_status *st);
void tfc__cast_destroy(void *state);
/* Select and SelectV2: a bool condition and t, e of one dtype. */
bool tfc__select_inputs_ok(struct tfc_kernel_ctx *ctx);
/* Select's shapes: t and e alike, the condition of their shape (*inner 1), a scalar
 * (*inner = the element count) or a vector over their first dimension (*inner = the
 * elements per row). */
bool tfc__select_inner(struct tfc_kernel_ctx *ctx, int64_t *inner);
/* ArgMax/ArgMin (kernels/reduction_kernels.c): state made by tfc__arg_create
 * (Unimplemented for T or output_type it does not take), freed by tfc__arg_destroy. */
struct tfc__arg_state {
	bool max;
	tfc_dtype dtype, out;
};
void *tfc__arg_create(const tfc_operation *op, tfc_status *st);
void tfc__arg_destroy(void *state);
/* The input viewed as [outer, n, inner] around the axis, n >= 1, and the output's
 * dims (odims[TFC_MAX_RANK], *orank). False with ctx->st set. */
bool tfc__arg_args_ok(struct tfc_kernel_ctx *ctx, const struct tfc__arg_state *s, int64_t *outer, int64_t *n,
		      int64_t *inner, int64_t *odims, int *orank);

#endif /* TFC_KERNELS_H */
