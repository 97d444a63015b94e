/*
 * partition.c: cuts an executable's placed private graph (core/graph_opt.h) into
 * devices joined by _Send/_Recv pairs, as TensorFlow's graph partitioner does: one
 * pair per (tensor, destination device), named "<source node>/_N", with the attrs
 * tensor_name ("edge_<edge id>_<source node>"), send_device,
 * send_device_incarnation, recv_device, client_terminated = false and the dtype (T on
 * _Send, tensor_type on _Recv); a control edge between devices travels as a dummy
 * float Const of shape [0] on the source's device (with the source as control
 * input), sent and received, the _Recv becoming the control input. All devices run
 * in one executor, so each _Recv also waits on its _Send through a control edge that
 * partition graphs leave out (core/step_stats.c).
 */
#include "graph_opt.h"

/* A device's incarnation: a fixed nonzero number per device name (TensorFlow draws
 * one at random per device; one process here, so any stable number serves). */
static int64_t incarnation(const char *device)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *c = device; *c; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3ull;
	h &= 0x7fffffffffffffffull;
	return h ? (int64_t)h : 1;
}

static void transfer_attrs(tfc_op_desc *d, const char *tensor_name, const char *send_dev,
			   const char *recv_dev)
{
	tfc_op_set_attr_string(d, "tensor_name", tensor_name, strlen(tensor_name));
	tfc_op_set_attr_string(d, "send_device", send_dev, strlen(send_dev));
	tfc_op_set_attr_int(d, "send_device_incarnation", incarnation(send_dev));
	tfc_op_set_attr_string(d, "recv_device", recv_dev, strlen(recv_dev));
	tfc_op_set_attr_bool(d, "client_terminated", false);
}

static tfc_operation *finish(struct tfc__pgraph *p, tfc_op_desc *d, int dev, tfc_status *st)
{
	tfc_operation *op = tfc_op_finish(d, st);
	if (!op)
		return NULL;
	tfc__pgraph_grow(p);
	p->dev[op->id] = dev;
	return op;
}

/* The _Recv on device `to` of output `index` of src (index -1: src's control
 * signal), made with its _Send (and dummy Const) on device `from` on first use. */
static tfc_operation *recv_for(const struct tfc_session *s, struct tfc__pgraph *p,
			       struct tfc__strmap *made, tfc_operation *src, int index, int from, int to,
			       int edge_id, tfc_status *st)
{
	char *key = tfc__asprintf("%s:%d@%d", src->name, index, to);
	void **slot = tfc__strmap_put(made, key);
	free(key);
	if (*slot)
		return *slot;
	const char *send_dev = s->devices[from], *recv_dev = s->devices[to];
	tfc_output value = {src, index};
	tfc_dtype dt = index >= 0 ? tfc_dtype_base(src->outs[index].dtype) : TFC_FLOAT;
	if (index < 0) {
		char *name = tfc__pgraph_new_name(p, src->name);
		tfc_op_desc *d = tfc_op_new_exact(p->g, "Const", name);
		free(name);
		int64_t zero = 0;
		tfc_tensor *t = tfc_tensor_new(TFC_FLOAT, &zero, 1, st);
		tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
		tfc_op_set_attr_tensor(d, "value", t, st);
		tfc_tensor_free(t);
		tfc_op_set_device(d, send_dev);
		tfc_op_add_control_input(d, src);
		value.oper = finish(p, d, from, st);
		value.index = 0;
		if (!value.oper)
			return NULL;
	}
	char *tensor_name = tfc__asprintf("edge_%d_%s", edge_id, src->name);
	char *name = tfc__pgraph_new_name(p, src->name);
	tfc_op_desc *d = tfc_op_new_exact(p->g, "_Send", name);
	free(name);
	tfc_op_add_input(d, value);
	tfc_op_set_attr_type(d, "T", dt);
	transfer_attrs(d, tensor_name, send_dev, recv_dev);
	tfc_op_set_device(d, send_dev);
	tfc_operation *send = finish(p, d, from, st);
	tfc_operation *recv = NULL;
	if (send) {
		name = tfc__pgraph_new_name(p, src->name);
		d = tfc_op_new_exact(p->g, "_Recv", name);
		free(name);
		tfc_op_set_attr_type(d, "tensor_type", dt);
		transfer_attrs(d, tensor_name, send_dev, recv_dev);
		tfc_op_set_device(d, recv_dev);
		tfc_op_add_control_input(d, send); /* the executor's edge only */
		recv = finish(p, d, to, st);
		p->n_send++;
	}
	free(tensor_name);
	*slot = recv;
	return recv;
}

bool tfc__partition(const struct tfc_session *s, struct tfc__pgraph *p, tfc_status *st)
{
	tfc_graph *g = p->g;
	size_t n = g->n_ops; /* the nodes added below are already joined */
	struct tfc__strmap made;
	tfc__strmap_init(&made, false);
	bool ok = false;
	int edge_id = 0;
	for (size_t i = 0; i < n; i++) {
		tfc_operation *op = g->ops[i];
		if (p->flags[i] & (TFC__PG_DEAD | TFC__PG_STANDIN)) {
			edge_id += op->n_inputs + op->n_control;
			continue;
		}
		int to = p->dev[i];
		for (int k = 0; k < op->n_inputs; k++, edge_id++) {
			tfc_output in = op->inputs[k];
			/* A fed tensor reaches its consumers as it is, on any device, except on
			 * a device with memory of its own (a GPU): there it comes through one
			 * _Recv, which puts it in that memory once for all its consumers. */
			bool fed = (p->flags[in.oper->id] & TFC__PG_STANDIN) || tfc__pgraph_is_fed(p, in.oper, in.index);
			int from = p->dev[in.oper->id];
			if (fed) {
				if (to == 0 || !s->device_impls[to]->alloc_name)
					continue;
				from = 0; /* the client's device, CPU:0, holds what is fed */
			} else if (from == to) {
				continue;
			}
			tfc_dtype want = op->input_types ? op->input_types[k] : TFC_DTYPE_INVALID;
			if (tfc_dtype_is_ref(want) || want == TFC_RESOURCE) {
				tfc_status_set(st, TFC_INVALID_ARGUMENT,
					       "Node '%s' reads the %s input '%s:%d' from another device (%s, it runs "
					       "on %s); such inputs must stay on their producer's device\n\t [[{{node %s}}]]",
					       op->name, want == TFC_RESOURCE ? "resource" : "reference",
					       in.oper->name, in.index, s->devices[p->dev[in.oper->id]],
					       s->devices[to], op->name);
				goto out;
			}
			tfc_operation *recv = recv_for(s, p, &made, in.oper, in.index, from, to, edge_id, st);
			if (!recv)
				goto out;
			tfc__pgraph_set_input(op, k, (tfc_output){recv, 0});
		}
		int w = 0;
		for (int k = 0; k < op->n_control; k++, edge_id++) {
			tfc_operation *c = op->control[k];
			if (p->dev[c->id] != to) {
				c = recv_for(s, p, &made, c, -1, p->dev[c->id], to, edge_id, st);
				if (!c)
					goto out;
			}
			bool dup = false;
			for (int j = 0; j < w && !dup; j++)
				dup = op->control[j] == c;
			if (!dup)
				op->control[w++] = c;
		}
		op->n_control = w;
	}
	ok = true;
	tfc_status_set(st, TFC_OK, NULL);
out:
	tfc__strmap_clear(&made);
	return ok;
}
