/*
 * test_step_stats.c: what a traced run records. With FULL_TRACE the RunMetadata holds
 * one DeviceStepStats for CPU:0 with a NodeExecStats per node that ran (and only
 * those), in start order, each with start <= op start <= op end <= end inside the
 * step, TensorFlow's timeline label and output descriptions; a cost graph; the
 * partition graphs only when asked; nothing recorded with NO_TRACE.
 */
#include <pthread.h>
#include <time.h>

#include "config.pb-c.h"
#include "tfc_ops.h"
#include "test_util.h"

static tfc_buffer_t *run_traced(tfc_session *s, tfc_output fetch, int level, bool partitions,
				tfc_status *st)
{
	Tensorflow__RunOptions ro;
	tensorflow__run_options__init(&ro);
	ro.trace_level = (Tensorflow__RunOptions__TraceLevel)level;
	ro.output_partition_graphs = partitions;
	size_t n = protobuf_c_message_get_packed_size(&ro.base);
	uint8_t buf[64];
	protobuf_c_message_pack(&ro.base, buf);
	tfc_tensor *out = NULL;
	tfc_buffer_t *md = NULL;
	tfc_session_run(s, buf, n, NULL, NULL, 0, &fetch, &out, 1, NULL, 0, &md, st);
	tfc_tensor_free(out);
	return md;
}

static int64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Node stats a RunMetadata holds (-1 if it does not parse). */
static int count_nodes(const tfc_buffer_t *b)
{
	Tensorflow__RunMetadata *md = b ? tensorflow__run_metadata__unpack(NULL, b->length, b->data) : NULL;
	if (!md)
		return -1;
	int n = 0;
	for (size_t d = 0; md->step_stats && d < md->step_stats->n_dev_stats; d++)
		n += (int)md->step_stats->dev_stats[d]->n_node_stats;
	protobuf_c_message_free_unpacked(&md->base, NULL);
	return n;
}

struct traced_args {
	tfc_session *s;
	tfc_output fetch;
	int runs, good;
};

/* Traced steps of one executable from several threads at once: each must get a
 * scratch of its own (the executable keeps one between steps). */
static void *traced_thread(void *arg)
{
	struct traced_args *a = arg;
	tfc_status *st = tfc_status_new();
	for (int i = 0; i < a->runs; i++) {
		tfc_buffer_t *b = run_traced(a->s, a->fetch, 3, false, st);
		if (tfc_status_code(st) == TFC_OK && count_nodes(b) == 9)
			a->good++;
		tfc_buffer_free(b);
	}
	tfc_status_free(st);
	return NULL;
}

int main(void)
{
	plan_lazy();
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	int64_t d[] = {2, 2};
	tfc_tensor *m = tfc_tensor_new(TFC_FLOAT, d, 2, st);
	tfc_operation *a = tfc_const(g, "a", m, TFC_FLOAT, st);
	tfc_operation *mm = tfc_mat_mul(g, "layer/mm", (tfc_output){a, 0}, (tfc_output){a, 0}, st);
	tfc_operation *y = tfc_add(g, "layer/y", (tfc_output){mm, 0}, (tfc_output){a, 0}, st);
	tfc_operation *unused = tfc_neg(g, "unused", (tfc_output){a, 0}, st);
	(void)unused;
	/* The graph is all constants, which the default optimizations (L1) fold into
	 * one Const: these tests look at the nodes as built, so they run at L0. */
	tfc_session_options *o0 = tfc_session_options_new();
	tfc_session_options_set_config_value(o0, "graph_options.optimizer_options.opt_level", "L0", st);
	tfc_session *s = tfc_session_new(g, o0, st);
	tfc_session_options_free(o0);

	int64_t before = wall_us();
	tfc_buffer_t *b = run_traced(s, (tfc_output){y, 0}, 3, false, st);
	int64_t after = wall_us();
	Tensorflow__RunMetadata *md = b ? tensorflow__run_metadata__unpack(NULL, b->length, b->data) : NULL;
	ok(md && md->step_stats && md->step_stats->n_dev_stats == 1, "FULL_TRACE: step stats for one device");
	if (md && md->step_stats && md->step_stats->n_dev_stats == 1) {
		Tensorflow__DeviceStepStats *ds = md->step_stats->dev_stats[0];
		is_string(ds->device, "/job:localhost/replica:0/task:0/device:CPU:0", "the device is CPU:0");
		is_int(ds->n_node_stats, 3, "one NodeExecStats per node that ran (a, layer/mm, layer/y; not unused)");
		bool ordered = true, inside = true, sorted = true, labels = true;
		for (size_t i = 0; i < ds->n_node_stats; i++) {
			Tensorflow__NodeExecStats *n = ds->node_stats[i];
			ordered = ordered && 0 <= n->op_start_rel_nanos && n->op_start_rel_nanos <= n->op_end_rel_nanos &&
				  n->op_end_rel_nanos <= n->all_end_rel_nanos && n->op_start_rel_micros <= n->op_end_rel_micros;
			inside = inside && n->all_start_micros >= before && n->all_start_micros + n->all_end_rel_micros <= after;
			if (i)
				sorted = sorted && ds->node_stats[i - 1]->all_start_nanos <= n->all_start_nanos;
			labels = labels && n->timeline_label && strstr(n->timeline_label, " = ");
		}
		ok(ordered, "start <= op start <= op end <= end for every node");
		ok(inside, "every node lies inside the step");
		ok(sorted, "nodes come in start order");
		ok(labels, "every node has a timeline label");
		Tensorflow__NodeExecStats *last = ds->node_stats[ds->n_node_stats - 1];
		is_string(last->node_name, "layer/y", "the last node is layer/y");
		is_string(last->timeline_label, "layer/y = Add(layer/mm, a)", "its label is TensorFlow's: name = Op(inputs)");
		ok(last->n_output == 1 && last->output[0]->tensor_description &&
			   last->output[0]->tensor_description->dtype == TENSORFLOW__DATA_TYPE__DT_FLOAT &&
			   last->output[0]->tensor_description->shape->n_dim == 2 &&
			   last->output[0]->tensor_description->allocation_description->requested_bytes == 16,
		   "its output is described: float [2,2], 16 bytes");
		ok(last->n_memory == 1 && last->memory[0]->total_bytes == 16, "with its memory per allocator");
		ok(last->thread_id > 0, "and the thread it ran on");
		ok(md->cost_graph && md->cost_graph->n_node == 3, "a cost graph of the 3 nodes");
		is_int(md->n_partition_graphs, 0, "no partition graphs unless asked");
	}
	if (md)
		protobuf_c_message_free_unpacked(&md->base, NULL);
	tfc_buffer_free(b);

	b = run_traced(s, (tfc_output){y, 0}, 0, true, st);
	md = b ? tensorflow__run_metadata__unpack(NULL, b->length, b->data) : NULL;
	ok(md && !md->step_stats && md->n_partition_graphs == 1 && md->partition_graphs[0]->n_node == 3,
	   "output_partition_graphs alone: one partition graph of 3 nodes, no step stats");
	ok(md && md->n_partition_graphs == 1 &&
		   !strcmp(md->partition_graphs[0]->node[0]->device, "/job:localhost/replica:0/task:0/device:CPU:0"),
	   "its nodes carry their assigned device");
	if (md)
		protobuf_c_message_free_unpacked(&md->base, NULL);
	tfc_buffer_free(b);

	b = run_traced(s, (tfc_output){y, 0}, 0, false, st);
	md = b ? tensorflow__run_metadata__unpack(NULL, b->length, b->data) : NULL;
	ok(md && !md->step_stats && !md->cost_graph && md->n_partition_graphs == 0, "NO_TRACE records nothing");
	if (md)
		protobuf_c_message_free_unpacked(&md->base, NULL);
	tfc_buffer_free(b);

	/* Traced runs from a pool (4+ nodes, 2 threads). */
	tfc_session_options *o = tfc_session_options_new();
	tfc_session_options_set_config_value(o, "inter_op_parallelism_threads", "2", st);
	tfc_session_options_set_config_value(o, "graph_options.optimizer_options.opt_level", "L0", st);
	tfc_session *s2 = tfc_session_new(g, o, st);
	tfc_output cur = {y, 0};
	for (int i = 0; i < 6; i++)
		cur = (tfc_output){tfc_add(g, NULL, cur, (tfc_output){a, 0}, st), 0};
	b = run_traced(s2, cur, 3, false, st);
	md = b ? tensorflow__run_metadata__unpack(NULL, b->length, b->data) : NULL;
	ok(md && md->step_stats && md->step_stats->dev_stats[0]->n_node_stats == 9,
	   "a pooled traced run records all 9 nodes");
	if (md)
		protobuf_c_message_free_unpacked(&md->base, NULL);
	tfc_buffer_free(b);

	/* The executable's scratch is reused: step after step, and with an untraced step
	 * between, every step records the same nodes and no stale ones. */
	int same = 0;
	for (int i = 0; i < 5; i++) {
		b = run_traced(s2, cur, i == 2 ? 0 : 3, false, st);
		same += count_nodes(b) == (i == 2 ? 0 : 9);
		tfc_buffer_free(b);
	}
	is_int(same, 5, "five steps in a row (one untraced) each record exactly their nodes");
	struct traced_args args[3];
	pthread_t th[3];
	for (int i = 0; i < 3; i++) {
		args[i] = (struct traced_args){s2, cur, 20, 0};
		pthread_create(&th[i], NULL, traced_thread, &args[i]);
	}
	int good = 0;
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		good += args[i].good;
	}
	is_int(good, 60, "60 traced steps from 3 threads at once: each RunMetadata has its 9 nodes");
	tfc_session_free(s2);
	tfc_session_options_free(o);
	tfc_session_free(s);
	tfc_tensor_free(m);
	tfc_graph_free(g);
	tfc_status_free(st);
	done_testing();
	return exit_status();
}
