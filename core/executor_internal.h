/*
 * executor_internal.h: what the two halves of the executor share: the executable's
 * layout (core/executor.c builds it) and the run-time helpers that the dataflow
 * runner (executor.c) and the control-flow runner (executor_cf.c, frames and
 * iterations for v1 while loops and conds) both use. Internal.
 */
#ifndef TFC_EXECUTOR_INTERNAL_H
#define TFC_EXECUTOR_INTERNAL_H

#include <time.h>

#include "graph_opt.h"
#include "session_internal.h"

struct xcf;

struct xedge {
	int node; /* consumer node */
	int slot; /* its global input slot */
};

struct xnode {
	tfc_operation *op;
	const struct tfc_kernel_def *k;
	void *state;
	int n_in, in_base;  /* input slots [in_base, in_base + n_in) */
	int n_out, out_base; /* this node's outputs in a step's output arrays */
	int device;         /* index into the session's devices */
	int *out_first;     /* n_out + 1 offsets into edges */
	struct xedge *edges;
	int *fetch_first;   /* n_out + 1 offsets into fetch_of */
	int *fetch_of;      /* fetch indices filled by each output */
	int n_ctrl, *ctrl;  /* control successors */
	int pending0;       /* data + control predecessors that run */
	bool *ref_arg;      /* per input: the argument is a reference */
	bool allows_uninit; /* op reads refs that may be uninitialized */
	bool shared_state;  /* state belongs to the session (stateful kernels) */
};

struct tfc__executable {
	int n_nodes;
	struct xnode *nodes;
	int n_slots;
	int n_outs;      /* outputs of all nodes */
	int n_feeds;
	int *feed_first; /* n_feeds + 1 offsets into feed_slots */
	int *feed_slots;
	int n_fetches;
	int *fetch_feed; /* per fetch: the feed that answers it, or -1 */
	int n_roots, *roots;
	/* The private graph the nodes' ops live in (owned; see core/graph_opt.h), and
	 * whether it has _Send/_Recv nodes (a step then gets a rendezvous). */
	struct tfc__pgraph pg;
	bool has_rendezvous;
	bool has_step_objects; /* makes TensorArrays or stacks: a step gets a container */
	/* The scratch of the last traced step, for the next one; NULL before the first
	 * and while a traced step holds it. Taken and given back by atomic exchange, so
	 * concurrent traced steps each have their own (no lock). */
	_Atomic(struct tfc__trace_scratch *) scratch;
	struct xcf *cf;  /* v1 control flow (executor_cf.c), or NULL for plain dataflow */
};

/* A value in flight: a tensor, or for ref edges the variable slot. */
struct slot {
	tfc_tensor *t;      /* owned reference, or NULL */
	struct tfc_ref *ref; /* for ref edges: the variable slot */
};

/* The value behind a slot: the tensor, or a snapshot of a ref's current value (a new
 * reference; NULL for an uninitialized variable). */
static inline tfc_tensor *tfc__slot_value(const struct slot *sl)
{
	if (!sl->ref)
		return tfc_tensor_ref(sl->t);
	pthread_mutex_lock(&sl->ref->mu);
	tfc_tensor *v = tfc_tensor_ref(sl->ref->value);
	pthread_mutex_unlock(&sl->ref->mu);
	return v;
}

/* The value behind a slot for a fetch: as tfc__slot_value, in host memory (a copy
 * when a device kernel left it in its memory). NULL with st set when that copy
 * fails; NULL with st OK for an uninitialized variable. */
static inline tfc_tensor *tfc__fetch_value(const struct slot *sl, tfc_status *st)
{
	tfc_tensor *v = tfc__slot_value(sl);
	st->code = TFC_OK;
	if (!v || !tfc__tensor_device(v))
		return v;
	tfc_tensor *h = tfc__tensor_to_host(v, st);
	tfc_tensor_free(v);
	return h;
}

static inline int64_t tfc__now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The kernel context of one execution of node xn: its argument arrays, the step's
 * identity, rendezvous, per-step objects and loop position; kst receives the
 * kernel's status. */
static inline struct tfc_kernel_ctx tfc__node_ctx(const struct tfc_session *s, const struct xnode *xn,
						  tfc_tensor **in, struct tfc_ref **inref,
						  tfc_tensor **out, struct tfc_ref **outref,
						  int64_t step_id, struct tfc__rendezvous *rv,
						  struct tfc__step_resources *sr, uint64_t frame_id,
						  int64_t iter, tfc_status *kst)
{
	return (struct tfc_kernel_ctx){
		.op = xn->op,
		.state = xn->state,
		.n_inputs = xn->n_in,
		.inputs = in,
		.input_refs = inref,
		.n_outputs = xn->n_out,
		.outputs = out,
		.output_refs = outref,
		.resources = (struct tfc_resources *)&s->res,
		.step_id = step_id,
		.intra_op_threads = s->intra_op_threads,
		.rendezvous = rv,
		.step_res = sr,
		.frame_id = frame_id,
		.iter = iter,
		.st = kst,
	};
}

/* A small number per thread, for step stats' thread_id. */
uint32_t tfc__exec_thread_id(void);

/* Control flow (executor_cf.c). The build half: when the executable holds v1
 * control-flow ops, works out each node's frame and the per-frame counts, checks
 * the graph (cycles only through NextIteration -> Merge, consistent frames) and sets
 * x->cf; false with st set otherwise. */
bool tfc__cf_build(struct tfc__executable *x, tfc_status *st);
void tfc__cf_free(struct xcf *cf);
/* Whether op is one of the v1 control-flow ops the frame machinery handles. */
bool tfc__cf_is_control_flow(const tfc_operation *op);
/* Runs one step of an executable with control flow (same contract as
 * tfc__executable_run, which calls it). */
void tfc__cf_run(struct tfc_session *s, struct tfc__executable *x, tfc_tensor *const *feed_values,
		 tfc_tensor **out_values, int64_t deadline_ns, struct tfc__run_trace *trace,
		 tfc_status *st);
/* Shared by both runners: start a traced step (take or make the scratch, note the
 * clocks), and wait for a pool-run step's outstanding work with a deadline (on
 * timeout err gets DeadlineExceeded and *failed is set, then in-flight work is still
 * waited for). mu must be held by the caller of wait. */
void tfc__trace_begin(struct tfc__executable *x, struct tfc__run_trace *trace);
/* The end of a step: err (the step's first error, its message freed here) becomes
 * st; a fetch left unanswered is Internal; on error every fetched value is freed. */
void tfc__step_result(const struct tfc__executable *x, tfc_tensor **out_values, tfc_status *err,
		      tfc_status *st);
void tfc__wait_outstanding(pthread_mutex_t *mu, pthread_cond_t *cv, atomic_int *outstanding,
			   int64_t deadline_ns, tfc_status *err, atomic_bool *failed);

#endif /* TFC_EXECUTOR_INTERNAL_H */
