/*
 * graph_opt.h: the private graph of an executable and the passes that run on it
 * before execution, shared by core/executor.c (which builds the executable),
 * core/graph_copy.c (the copy of the pruned node set, compaction), core/graph_opt.c
 * (constant folding, common-subexpression elimination, dead-node removal) and
 * core/partition.c (_Send/_Recv pairs between devices). Internal.
 *
 * The private graph holds copies of the nodes a run signature needs, with the same
 * names, so feeds, fetches, targets and per-node kernel state (keyed by name) map
 * into it by name. Copies borrow their attrs from the session's graph (which
 * outlives every executable); nodes the passes add own theirs.
 */
#ifndef TFC_GRAPH_OPT_H
#define TFC_GRAPH_OPT_H

#include "session_internal.h"

/* Per-node flags of a private graph. */
#define TFC__PG_STANDIN 0x1u   /* stands for the producer of a fed tensor: never runs */
#define TFC__PG_DEAD 0x2u      /* removed by a pass; dropped by tfc__pgraph_compact */
#define TFC__PG_BORROWED 0x4u  /* attrs borrowed from the session's graph */

struct tfc__pgraph {
	tfc_graph *g;          /* the private graph (owned) */
	size_t cap;            /* capacity of dev and flags */
	int *dev;              /* per op id: index into the session's devices (-1: stand-in) */
	unsigned *flags;       /* per op id: TFC__PG_* */
	const struct tfc__strmap *fed; /* borrowed: "name:index" -> feed index + 1 */
	int n_fetches;
	tfc_output *fetches;   /* owned array, into g; oper NULL where a feed answers */
	int n_targets;
	tfc_operation **targets; /* owned array, into g */
	int name_counter;      /* the N of the next "<prefix>/_N" (TensorFlow's NewName) */
	int n_folded, n_cse, n_removed; /* what the passes did (for tests and logs) */
	int n_send;            /* _Send nodes the partitioner added */
};

/* Makes p's private graph from ops[0..n) of the session's graph, placed on dev[i].
 * Inputs that are fed (in `fed`) and whose producer is not among ops read a
 * stand-in of that producer; control inputs from nodes outside ops (fed ones) are
 * dropped, as the executor drops them. fetch_feed[i] >= 0 marks a fetch a feed
 * answers. Borrows fed until tfc__pgraph_free. */
void tfc__pgraph_init(struct tfc__pgraph *p, tfc_operation *const *ops, int n, const int *dev,
		      const struct tfc__strmap *fed, const tfc_output *fetches, int n_fetches,
		      const int *fetch_feed, tfc_operation *const *targets, int n_targets);
void tfc__pgraph_free(struct tfc__pgraph *p);
/* Grows the per-op arrays to cover every op of p->g (call after adding ops). */
void tfc__pgraph_grow(struct tfc__pgraph *p);
/* "<prefix>/_N" with a fresh N that names no node yet. Caller frees. */
char *tfc__pgraph_new_name(struct tfc__pgraph *p, const char *prefix);
/* Whether tensor (op, index) is fed. */
bool tfc__pgraph_is_fed(const struct tfc__pgraph *p, const tfc_operation *op, int index);
/* Points input k of op at `src`, keeping consumer counts right. */
void tfc__pgraph_set_input(tfc_operation *op, int k, tfc_output src);
/* Frees the ops flagged dead and renumbers the rest (ids stay dense). */
void tfc__pgraph_compact(struct tfc__pgraph *p);
/* A topological order of p's live ops (inputs and control inputs first; edges out
 * of NextIteration ops, the back edges of loops, are not followed). Writes ids into
 * order (g->n_ops entries) and returns how many were ordered. */
int tfc__pgraph_topo_order(const struct tfc__pgraph *p, int *order);

/* Constant folding, common-subexpression elimination and dead-node removal as the
 * session's OptimizerOptions ask (L1, the default: all on; L0: only the passes
 * whose do_* flag is set). Never fails: a subgraph whose evaluation fails is left
 * to fail at run time, naming its node. */
void tfc__graph_optimize(struct tfc_session *s, struct tfc__pgraph *p);

/* Joins the devices: each data edge between devices becomes _Send (on the
 * producer's device) -> _Recv (on the consumer's), one pair per tensor and
 * destination device; a control edge between devices becomes a dummy Const with
 * the source as control input -> _Send -> _Recv -> control edge, as TensorFlow's
 * graph partitioner carries them. Each _Recv also gets a control input from its
 * _Send, which only the executor sees (partition graphs leave it out): a _Recv then
 * never waits. False with st set on failure. */
bool tfc__partition(const struct tfc_session *s, struct tfc__pgraph *p, tfc_status *st);

/* Whether op is one of TensorFlow's v1 control-flow ops (Switch, Merge, Enter,
 * Exit, NextIteration, LoopCond and their Ref forms, ControlTrigger). */
bool tfc__is_control_flow(const tfc_operation *op);
/* _Send/_HostSend and _Recv/_HostRecv. */
bool tfc__is_send(const tfc_operation *op);
bool tfc__is_recv(const tfc_operation *op);

#endif /* TFC_GRAPH_OPT_H */
