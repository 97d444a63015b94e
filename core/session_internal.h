/*
 * session_internal.h: what core/session.c and core/executor.c share: the session,
 * its resources (variables), and the executable built per run signature. Internal.
 */
#ifndef TFC_SESSION_INTERNAL_H
#define TFC_SESSION_INTERNAL_H

#include <pthread.h>

#include "config.pb-c.h"
#include "device_iface.h"
#include "kernel.h"
#include "threadpool.h"

struct tfc_resources {
	pthread_mutex_t mu;   /* guards refs (the map, not the refs' values) */
	struct tfc__strmap refs; /* name -> struct tfc_ref * (owned) */
};

struct tfc_session_options {
	char *target;
	Tensorflow__ConfigProto *config; /* owned; never NULL */
};

struct tfc__executable;

struct tfc_session {
	tfc_graph *graph;          /* borrowed */
	Tensorflow__ConfigProto *config; /* owned copy */
	int n_devices;
	char **devices;            /* their names (owned) */
	struct tfc_device **device_impls; /* owned, n_devices */
	bool has_async_device;     /* some device computes asynchronously */
	int n_gpus;                /* GPU devices among them (after the CPUs) */
	int inter_op_threads;
	int intra_op_threads;
	struct tfc_threadpool *pool; /* NULL when inter_op_threads == 1 */
	struct tfc_resources res;
	pthread_mutex_t mu;        /* guards cache, closed, and building executables (which
				    * reads the graph) */
	struct tfc__strmap cache;  /* signature -> struct tfc__executable * (owned) */
	struct tfc__strmap kernel_state; /* node name -> state of its stateful kernel (owned;
				    * freed with the kernel's destroy, found through the
				    * graph) */
	bool closed;
	atomic_llong next_step;
};

/* Tests of the executor's asynchronous path: device 0 becomes a CPU device that runs
 * kernels on a thread of its own and finishes them through callbacks, like a GPU
 * stream; with own_memory, its outputs also live in memory of its own, like a GPU's
 * (tfc__device_cpu_memory_new). Call before the first run. */
void tfc__session_use_async_test_device(struct tfc_session *s, bool own_memory);

/* Places nodes ops[0..n) on the session's devices (core/placer.c): dev[i] gets an
 * index into s->devices. False with st set (InvalidArgument naming the node) when a
 * request cannot be met. */
bool tfc__place(const struct tfc_session *s, tfc_operation *const *ops, int n, int *dev,
		tfc_status *st);

/* Builds the executable for one signature (pruned, ordered, kernels created). NULL
 * with st set on failure. Called with s->mu held. */
struct tfc__executable *tfc__executable_build(struct tfc_session *s, const tfc_output *feeds,
					      int n_feeds, const tfc_output *fetches, int n_fetches,
					      tfc_operation *const *targets, int n_targets,
					      tfc_status *st);
void tfc__executable_free(struct tfc__executable *x);
/* What tracing records of one node in one step (CLOCK_MONOTONIC nanoseconds). */
struct tfc__out_stat {
	tfc_dtype dtype;
	tfc_shape shape;
	int64_t bytes;
	const char *allocator; /* the device allocator holding it (borrowed), NULL: "cpu" */
};
struct tfc__node_stat {
	int64_t sched_ns, all_start_ns, op_start_ns, op_end_ns, all_end_ns;
	uint32_t thread_id;
	bool ran;
	struct tfc__out_stat *outs; /* one per output (into tfc__run_trace.out_buf) */
};
/* A traced step's memory, kept by the executable from one traced step to the next
 * (see tfc__run_trace_done): the node stats, the output descriptions, and the arena
 * step_stats.c builds RunMetadata in. Reusing it spares a 10,000-node step a few MB
 * of fresh pages each time. */
struct tfc__trace_scratch {
	struct tfc__node_stat *stats;  /* n_nodes + 1 */
	struct tfc__out_stat *out_buf; /* n_outs + 1 */
	struct tfc__arena arena;
};
/* A traced step: filled by the executor, turned into RunMetadata by step_stats.c. */
struct tfc__run_trace {
	struct tfc__trace_scratch *scratch; /* owned during the step; stats/out_buf are its */
	int level;                  /* RunOptions.TraceLevel; > 0 records */
	bool partition_graphs;      /* RunOptions.output_partition_graphs */
	int64_t real_minus_mono_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC at step start */
	int64_t step_start_ns;
	struct tfc__node_stat *stats;   /* one per executable node */
	struct tfc__out_stat *out_buf;
	/* Executions of a node after its first (a node in a while loop runs once per
	 * iteration): filled by the control-flow runner, each with its own outs
	 * (malloc'd, freed by tfc__run_trace_done), in the order they finished. */
	struct tfc__extra_stat {
		int node;
		struct tfc__node_stat st;
	} *extra;
	int n_extra, cap_extra;
	/* HARDWARE_TRACE and FULL_TRACE on a session with GPUs: what CUPTI recorded
	 * (owned by tfc_session_run; NULL otherwise). step_stats.c adds its
	 * pseudo-devices. */
	struct tfc__gpu_activity *gpu;
};

/* Runs one step of x. Fills out_values (n_fetches) or sets st. deadline_ns is an
 * absolute CLOCK_MONOTONIC time, 0 for none. trace (may be NULL) is filled when its
 * level is above NO_TRACE. */
void tfc__executable_run(struct tfc_session *s, struct tfc__executable *x,
			 tfc_tensor *const *feed_values, tfc_tensor **out_values, int64_t deadline_ns,
			 struct tfc__run_trace *trace, tfc_status *st);
int tfc__executable_num_nodes(const struct tfc__executable *x);
const tfc_operation *tfc__executable_node_op(const struct tfc__executable *x, int i);
int tfc__executable_node_device(const struct tfc__executable *x, int i);
/* Gives a traced step's scratch back to x for the next one (or frees it when
 * another step gave one back first). Call once per tfc__executable_run, traced or
 * not, after the RunMetadata is built. */
void tfc__run_trace_done(struct tfc__executable *x, struct tfc__run_trace *trace);
/* The RunMetadata of a traced step (step stats, cost graph, partition graphs when
 * asked), serialized. Caller frees. */
/* The tag the GPU device puts on what it launches for op (CUPTI's external
 * correlation id), which step_stats.c maps back to op: its graph's serial number and
 * its id there + 1. */
uint64_t tfc__gpu_activity_tag(const tfc_operation *op);
tfc_buffer_t *tfc__run_metadata_build(const struct tfc_session *s, const struct tfc__executable *x,
				      const struct tfc__run_trace *trace);

#endif /* TFC_SESSION_INTERNAL_H */
