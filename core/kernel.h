/*
 * kernel.h: the contract between the executor (core/executor.c) and kernels
 * (kernels/, cuda/). A kernel is a record of data: the op type and device it serves,
 * an optional create/destroy pair for per-node state (parsed attrs, constant values),
 * and a compute function that reads inputs from a context and sets outputs. Kernels
 * never reach into the session; what they may use of it is in this header.
 */
#ifndef TFC_KERNEL_H
#define TFC_KERNEL_H

#include <pthread.h>

#include "internal.h"

/* A reference-typed value: the slot of a VariableV2 (a ref edge carries the slot, so
 * Assign writes where the variable lives) or the variable behind a resource handle.
 * Owned by the session's resource table; lives as long as the session. */
struct tfc_ref {
	pthread_mutex_t mu;  /* guards value */
	tfc_tensor *value;   /* owned; NULL while uninitialized */
	char *name;          /* the variable's name, for error messages */
	tfc_dtype dtype;     /* base dtype (resource variables: set by the first assign) */
	tfc_shape shape;     /* declared shape (may be partial) */
};

/* The session's resources that kernels may look up: variables by name. */
struct tfc_resources;
/* The ref named `name`, made uninitialized on first use. Never NULL. */
struct tfc_ref *tfc_resources_ref(struct tfc_resources *r, const char *name, tfc_dtype dtype,
				  const tfc_shape *shape);

/* What a kernel sees of one execution of its node. */
struct tfc_kernel_ctx {
	const tfc_operation *op;    /* the node (attrs, name, input types) */
	void *state;                /* what create() returned, or NULL */
	int n_inputs;
	tfc_tensor *const *inputs;  /* borrowed; a ref input is its current value (NULL if
				     * the variable is uninitialized) */
	struct tfc_ref *const *input_refs; /* per input: the ref behind a ref input, else NULL */
	int n_outputs;
	tfc_tensor **outputs;       /* the kernel sets each (ownership passes to the executor) */
	struct tfc_ref **output_refs; /* ref outputs: the kernel sets the ref to forward */
	struct tfc_resources *resources;
	int64_t step_id;
	int intra_op_threads;       /* threads a kernel may use for itself (OpenBLAS) */
	/* The step's rendezvous for _Send/_Recv (core/rendezvous.c; NULL when the
	 * executable has no cross-device edges), and the loop frame instance and
	 * iteration this execution of the node belongs to (0, 0 outside loops); the
	 * pair is part of a rendezvous key, as in TensorFlow. */
	struct tfc__rendezvous *rendezvous;
	uint64_t frame_id;
	int64_t iter;
	/* Objects that live for one step (TensorArrays, stacks): see tfc__step_res_add. */
	struct tfc__step_resources *step_res;
	tfc_status *st;             /* set on error; the executor adds the node's name */
};

/* ---- per-step resources (core/step_resources.c)
 *
 * A kernel that makes an object living for the rest of the step (a TensorArray, a
 * stack) embeds a struct tfc__step_obj first in it and adds it to the step's
 * container, which owns it from then on and destroys it when the step ends. A
 * resource handle holds the object's address; tfc__step_res_find only returns an
 * object that is in this step's container and of the wanted kind, so a handle from
 * another step (fetched and fed back) is an error, never a dangling pointer. */
struct tfc__step_obj {
	uint32_t kind;                 /* a tag of the object's type */
	struct tfc__step_obj *next;    /* the container's list */
	void (*destroy)(struct tfc__step_obj *obj);
};
struct tfc__step_resources;
struct tfc__step_resources *tfc__step_res_new(void);
/* Destroys every object added (NULL is fine). */
void tfc__step_res_free(struct tfc__step_resources *sr);
/* Hands obj to the container. */
void tfc__step_res_add(struct tfc__step_resources *sr, struct tfc__step_obj *obj);
/* The object whose address handle input k of ctx holds, when it is in the step's
 * container with this kind; else NULL with InvalidArgument in ctx->st naming `what`. */
struct tfc__step_obj *tfc__step_res_find(struct tfc_kernel_ctx *ctx, int k, uint32_t kind,
					 const char *what);

/* Kernel flags. */
#define TFC_KF_STATEFUL 0x1u /* never cached or folded (random, variables) */
/* Takes inputs that live in its device's memory and may make outputs there (GPU
 * kernels; see takes_resident in core/device_iface.h). */
#define TFC_KF_DEVICE_MEMORY 0x2u

struct tfc_kernel_def {
	const char *op;     /* op type */
	const char *device; /* "CPU", "GPU" (GPU kernels live in cuda/, but for the few that
			     * need no CUDA: _Send, _Recv, Const, Identity, NoOp) */
	/* (optional) Checks the node's attrs and dtypes, returns per-node state (NULL is
	 * fine). An error here (e.g. an unsupported dtype: Unimplemented) fails the run
	 * before anything executes. */
	void *(*create)(const tfc_operation *op, tfc_status *st);
	void (*destroy)(void *state); /* (optional) */
	void (*compute)(struct tfc_kernel_ctx *ctx);
	unsigned flags;
	/* (optional) Whether the kernel handles this node (its dtypes, say); the placer
	 * puts a node only on devices whose kernel says yes. NULL: every node. GPU kernels
	 * use it, so an int32 Add stays on the CPU. */
	bool (*supports)(const tfc_operation *op);
	/* Bit k set: input k is read on the host (shapes, axes, sizes), TensorFlow's
	 * HostMemory: the executor hands the kernel a host copy even when its device
	 * takes device-resident inputs (core/device_iface.h). Inputs past 31 never are. */
	uint32_t host_inputs;
};

/* The kernel of op type `op` on `device`, or NULL. (GPU kernels are in cuda/, and
 * none exist in a build without CUDA.) */
const struct tfc_kernel_def *tfc_kernel_lookup(const char *op, const char *device);

/* ---- helpers for kernels */

/* A new output tensor i of dtype and dims, zero-filled, stored in ctx->outputs[i]
 * (returned, borrowed). NULL with ctx->st set on failure. */
tfc_tensor *tfc_kernel_alloc_output(struct tfc_kernel_ctx *ctx, int i, tfc_dtype dtype,
				    const int64_t *dims, int rank);
/* Output i is input k itself (a new reference; no copy). */
void tfc_kernel_forward_input(struct tfc_kernel_ctx *ctx, int k, int i);
/* Sets ctx->st to `code` with a formatted message. */
void tfc_kernel_error(struct tfc_kernel_ctx *ctx, tfc_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The dtype of attr `name` of the node (TFC_DTYPE_INVALID if absent). */
tfc_dtype tfc_kernel_attr_type(const tfc_operation *op, const char *name);

/* ---- intra-op parallelism (kernels/parallel.c) */

/* Runs fn(arg, begin, end) over contiguous chunks that cover [0, n), on up to
 * `threads` threads (the caller's included) of a process-wide worker pool whose
 * threads are created on first need. Chunks hold at least min_chunk items, so work
 * below 2 * min_chunk runs on the calling thread alone; threads <= 1 does too.
 * Returns when every chunk has run. fn must not call tfc_parallel_for itself. */
typedef void (*tfc_parallel_fn)(void *arg, int64_t begin, int64_t end);
void tfc_parallel_for(int threads, int64_t n, int64_t min_chunk, tfc_parallel_fn fn, void *arg);

#endif /* TFC_KERNEL_H */
