/*
 * replica_device_setter.c: tf.train.replica_device_setter as a device function:
 * parameter-server ops (variables, hash tables) round-robin over the ps tasks,
 * everything else on the worker, merged with the device an op already has the way
 * TensorFlow's _ReplicaDeviceChooser merges DeviceSpecs.
 */
#include "internal.h"

/* TensorFlow's STANDARD_PS_OPS (training/device_setter.py). */
static const char *const standard_ps_ops[] = {
	"Variable", "VariableV2", "AutoReloadVariable", "MutableHashTable",
	"MutableHashTableV2", "MutableHashTableOfTensors", "MutableHashTableOfTensorsV2",
	"MutableDenseHashTable", "MutableDenseHashTableV2", "VarHandleOp",
	"BoostedTreesEnsembleResourceHandleOp", "BoostedTreesQuantileStreamResourceHandleOp",
	"ResourceConditionalAccumulator", "DecisionTreeResource",
};

struct tfc_replica_device_setter {
	int ps_tasks;
	struct tfc__device_spec ps, worker; /* parsed ps_device and worker_device */
	bool merge_devices;
	int n_ps_ops;
	char **ps_ops;   /* owned */
	/* The round-robin strategy's next task. Device functions run while a graph is
	 * being built, which is single-threaded per graph (like tf.Graph); a setter
	 * shared by graphs built on several threads counts atomically. */
	atomic_uint next;
};

tfc_replica_device_setter *tfc_replica_device_setter_new(int ps_tasks, const char *ps_device,
							 const char *worker_device, bool merge_devices,
							 tfc_status *st)
{
	struct tfc__device_spec ps, worker;
	if (!ps_device)
		ps_device = "/job:ps";
	if (!worker_device)
		worker_device = "/job:worker";
	if (ps_tasks < 0) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "replica_device_setter: ps_tasks must be >= 0, got %d",
			       ps_tasks);
		return NULL;
	}
	if (!tfc__device_parse(ps_device, &ps)) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "Malformed device specification '%s' (ps_device)", ps_device);
		return NULL;
	}
	if (!tfc__device_parse(worker_device, &worker)) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "Malformed device specification '%s' (worker_device)",
			       worker_device);
		return NULL;
	}
	tfc_replica_device_setter *r = tfc__calloc(1, sizeof(*r));
	r->ps_tasks = ps_tasks;
	r->ps = ps;
	r->worker = worker;
	r->merge_devices = merge_devices;
	atomic_init(&r->next, 0);
	tfc_replica_device_setter_set_ps_ops(r, standard_ps_ops, (int)TFC_ARRAY_LEN(standard_ps_ops));
	tfc_status_set(st, TFC_OK, NULL);
	return r;
}

void tfc_replica_device_setter_free(tfc_replica_device_setter *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->n_ps_ops; i++)
		free(r->ps_ops[i]);
	free(r->ps_ops);
	free(r);
}

void tfc_replica_device_setter_set_ps_ops(tfc_replica_device_setter *r, const char *const *ops, int n)
{
	for (int i = 0; i < r->n_ps_ops; i++)
		free(r->ps_ops[i]);
	free(r->ps_ops);
	r->n_ps_ops = n > 0 ? n : 0;
	r->ps_ops = tfc__calloc((size_t)r->n_ps_ops + 1, sizeof(char *));
	for (int i = 0; i < r->n_ps_ops; i++)
		r->ps_ops[i] = tfc__strdup(ops[i]);
}

static bool is_ps_op(const tfc_replica_device_setter *r, const char *type)
{
	for (int i = 0; i < r->n_ps_ops; i++)
		if (!strcmp(r->ps_ops[i], type))
			return true;
	return false;
}

void tfc_replica_device_setter_fn(void *ctx, const char *op_type, const char *op_name,
				  const char *device, char *out, size_t n)
{
	tfc_replica_device_setter *r = ctx;
	(void)op_name;
	if (r->ps_tasks == 0)
		return; /* no device function at all */
	if (!r->merge_devices && device && *device)
		return; /* the op keeps the device it has */
	struct tfc__device_spec cur, chosen;
	if (!tfc__device_parse(device, &cur))
		return; /* left to the placer, which names the malformed spec */
	if (is_ps_op(r, op_type)) {
		chosen = r->ps;
		if (chosen.has_job && (!cur.has_job || !strcmp(cur.job, chosen.job))) {
			chosen.task = (int)(atomic_fetch_add(&r->next, 1) % (unsigned)r->ps_tasks);
			chosen.has_task = true;
		}
	} else {
		chosen = r->worker;
	}
	tfc__device_merge(&chosen, &cur);
	tfc__device_format(&chosen, out, n);
}

void tfc_graph_push_replica_device_setter(tfc_graph *g, tfc_replica_device_setter *r)
{
	tfc_graph_push_device_fn(g, tfc_replica_device_setter_fn, r);
}
