/*
 * placer.c: chooses a device of the session for each node of an executable, the
 * way TensorFlow's placer does:
 *  - colocation groups: a node's `_class` attr ("loc:@x") and every reference or
 *    resource input (an Assign goes where its variable lives) put nodes together,
 *    and a group's requested devices are merged (conflicting ones are an error);
 *  - a group goes on the first device (GPUs before CPUs, then by number) that matches
 *    its merged request and has a kernel for every member;
 *  - with allow_soft_placement a request no device can meet falls back to the
 *    first device that has the kernels; without it, it is InvalidArgument naming the
 *    node, what it asked for and the devices that exist;
 *  - log_device_placement prints "name: (Op): device" per node on stderr, as
 *    TensorFlow 1.x does.
 * Nodes of a group outside the executable still count with their requests.
 */
#include <ctype.h>
#include <strings.h>

#include "kernel.h"
#include "session_internal.h"

/* Union-find over the executable's nodes. */
static int find(int *parent, int i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

static void unite(int *parent, int a, int b)
{
	a = find(parent, a);
	b = find(parent, b);
	if (a != b)
		parent[a < b ? b : a] = a < b ? a : b; /* the smaller index leads the group */
}

/* Whether device d meets request r (unset fields match anything). */
static bool matches(const struct tfc__device_spec *d, const struct tfc__device_spec *r)
{
	if (r->has_job && r->job[0] && strcmp(r->job, d->job) != 0)
		return false;
	if (r->has_replica && r->replica >= 0 && r->replica != d->replica)
		return false;
	if (r->has_task && r->task >= 0 && r->task != d->task)
		return false;
	if (r->has_type && r->type[0] && strcasecmp(r->type, d->type) != 0)
		return false;
	if (r->has_id && r->id >= 0 && r->id != d->id)
		return false;
	return true;
}

/* Merges request b into a; false when they disagree on a field both set. */
static bool merge_request(struct tfc__device_spec *a, const struct tfc__device_spec *b)
{
	if (b->has_job && b->job[0]) {
		if (a->has_job && a->job[0] && strcmp(a->job, b->job) != 0)
			return false;
		a->has_job = true;
		snprintf(a->job, sizeof(a->job), "%s", b->job);
	}
	if (b->has_replica && b->replica >= 0) {
		if (a->has_replica && a->replica >= 0 && a->replica != b->replica)
			return false;
		a->has_replica = true;
		a->replica = b->replica;
	}
	if (b->has_task && b->task >= 0) {
		if (a->has_task && a->task >= 0 && a->task != b->task)
			return false;
		a->has_task = true;
		a->task = b->task;
	}
	if (b->has_type && b->type[0]) {
		if (a->has_type && a->type[0] && strcasecmp(a->type, b->type) != 0)
			return false;
		a->has_type = true;
		snprintf(a->type, sizeof(a->type), "%s", b->type);
	}
	if (b->has_id && b->id >= 0) {
		if (a->has_id && a->id >= 0 && a->id != b->id)
			return false;
		a->has_id = true;
		a->id = b->id;
	}
	return true;
}

static void empty_request(struct tfc__device_spec *r)
{
	memset(r, 0, sizeof(*r));
	r->replica = r->task = r->id = -1;
}

/* The request of op (its device field); false with st set when it does not parse. */
static bool request_of(const tfc_operation *op, struct tfc__device_spec *r, tfc_status *st)
{
	empty_request(r);
	if (!op->device[0])
		return true;
	if (!tfc__device_parse(op->device, r)) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT,
			       "Malformed device specification '%s' in node: {{node %s}}", op->device,
			       op->name);
		return false;
	}
	return true;
}

/* Whether a device of type `type` has a kernel that takes op (its dtypes too, when
 * the kernel says: a GPU kernel of float ops leaves an int32 Add to the CPU). */
static bool kernel_for(const tfc_operation *op, const char *type)
{
	const struct tfc_kernel_def *k = tfc_kernel_lookup(op->type, type);
	return k && (!k->supports || k->supports(op));
}

/* Whether session device d has a kernel for op (ops no device has a kernel for are
 * left to the executable's own "No OpKernel" error). */
static bool has_kernel(const tfc_operation *op, const struct tfc__device_spec *d, bool any_kernel)
{
	return !any_kernel || kernel_for(op, d->type);
}

/* "a, b, c": the session's devices, for error messages. */
static char *device_list(const struct tfc_session *s)
{
	size_t cap = 16;
	for (int i = 0; i < s->n_devices; i++)
		cap += strlen(s->devices[i]) + 2;
	char *out = tfc__malloc(cap), *p = out;
	*p = '\0';
	for (int i = 0; i < s->n_devices; i++)
		p += sprintf(p, "%s%s", i ? ", " : "", s->devices[i]);
	return out;
}

/* Devices in placement order: GPUs first, then the rest, each by number. */
static int device_rank(const struct tfc__device_spec *d)
{
	return (strcasecmp(d->type, "GPU") == 0 ? 0 : 1) * 1000000 + (d->id >= 0 ? d->id : 0);
}

bool tfc__place(const struct tfc_session *s, tfc_operation *const *ops, int n, int *dev, tfc_status *st)
{
	const Tensorflow__ConfigProto *cfg = s->config;
	bool soft = cfg && cfg->allow_soft_placement;
	bool ok = false;
	size_t n_graph = tfc_graph_num_operations(s->graph);
	int *parent = tfc__malloc(((size_t)n + 1) * sizeof(int));
	int *index = tfc__malloc((n_graph + 1) * sizeof(int)); /* op id -> node, or -1 */
	struct tfc__device_spec *req = tfc__calloc((size_t)n + 1, sizeof(*req));
	struct tfc__device_spec *devs = tfc__calloc((size_t)s->n_devices + 1, sizeof(*devs));
	int *order = tfc__malloc(((size_t)s->n_devices + 1) * sizeof(int));
	int *leader_of = tfc__malloc(((size_t)n + 1) * sizeof(int)); /* first conflicting member */
	char *list = NULL;
	for (size_t i = 0; i < n_graph; i++)
		index[i] = -1;
	for (int i = 0; i < n; i++) {
		parent[i] = i;
		index[ops[i]->id] = i;
		leader_of[i] = -1;
	}
	for (int i = 0; i < s->n_devices; i++) {
		tfc__device_parse(s->devices[i], &devs[i]);
		order[i] = i;
	}
	for (int i = 1; i < s->n_devices; i++) /* insertion sort by rank: few devices */
		for (int j = i; j > 0 && device_rank(&devs[order[j]]) < device_rank(&devs[order[j - 1]]); j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}

	/* Groups: reference and resource inputs, then `_class` attrs. */
	for (int i = 0; i < n; i++) {
		const tfc_operation *op = ops[i];
		for (int k = 0; k < op->n_inputs; k++) {
			tfc_dtype t = op->input_types ? op->input_types[k] : TFC_DTYPE_INVALID;
			const tfc_operation *src = op->inputs[k].oper;
			if (src && (tfc_dtype_is_ref(t) || t == TFC_RESOURCE) && index[src->id] >= 0)
				unite(parent, i, index[src->id]);
		}
	}
	/* Requests outside the executable that a group takes on (by leader, below). */
	struct tfc__device_spec *outside = tfc__calloc((size_t)n + 1, sizeof(*outside));
	for (int i = 0; i < n; i++)
		empty_request(&outside[i]);
	for (int i = 0; i < n; i++) {
		const tfc_operation *op = ops[i];
		const Tensorflow__AttrValue *cls = tfc__attrs_get(op->attrs, op->n_attrs, "_class");
		if (!cls || !cls->list)
			continue;
		for (size_t k = 0; k < cls->list->n_s; k++) {
			const ProtobufCBinaryData *v = &cls->list->s[k];
			if (v->len <= 5 || memcmp(v->data, "loc:@", 5) != 0)
				continue;
			char name[512];
			snprintf(name, sizeof(name), "%.*s", (int)(v->len - 5), (const char *)v->data + 5);
			const tfc_operation *other = tfc_graph_operation_by_name(s->graph, name);
			if (!other)
				continue;
			if (index[other->id] >= 0) {
				unite(parent, i, index[other->id]);
			} else {
				struct tfc__device_spec r;
				if (!request_of(other, &r, st))
					goto out;
				if (!merge_request(&outside[i], &r) && !soft) {
					tfc_status_set(st, TFC_INVALID_ARGUMENT,
						       "Cannot colocate nodes {{colocation_node %s}} and {{colocation_node %s}}: "
						       "they ask for different devices",
						       op->name, other->name);
					goto out;
				}
			}
		}
	}

	/* Each group's merged request. */
	for (int i = 0; i < n; i++)
		empty_request(&req[i]);
	for (int i = 0; i < n; i++) {
		int g = find(parent, i);
		struct tfc__device_spec r;
		if (!request_of(ops[i], &r, st)) {
			free(outside);
			goto out;
		}
		bool merged = merge_request(&req[g], &r) && merge_request(&req[g], &outside[i]);
		if (!merged && !soft) {
			int other = leader_of[g] >= 0 ? leader_of[g] : g;
			tfc_status_set(st, TFC_INVALID_ARGUMENT,
				       "Cannot colocate nodes {{colocation_node %s}} and {{colocation_node %s}}: "
				       "Cannot merge devices with incompatible requests: '%s' and '%s'",
				       ops[other]->name, ops[i]->name, ops[other]->device, ops[i]->device);
			free(outside);
			goto out;
		}
		if (r.has_job || r.has_replica || r.has_task || r.has_type || r.has_id)
			leader_of[g] = leader_of[g] >= 0 ? leader_of[g] : i;
	}
	free(outside);

	/* A device per group: members listed per group, so this is linear in nodes. */
	int *next = tfc__malloc(((size_t)n + 1) * sizeof(int)), *head = tfc__malloc(((size_t)n + 1) * sizeof(int));
	bool *any = tfc__calloc((size_t)n + 1, sizeof(bool)); /* some device has its kernel */
	for (int i = 0; i < n; i++)
		head[i] = -1;
	for (int i = n - 1; i >= 0; i--) {
		int g = find(parent, i);
		next[i] = head[g];
		head[g] = i;
		for (int e = 0; e < s->n_devices && !any[i]; e++)
			any[i] = kernel_for(ops[i], devs[e].type);
	}
	for (int i = 0; i < n; i++)
		dev[i] = -1;
	for (int g = 0; g < n; g++) {
		if (head[g] < 0)
			continue;
		int chosen = -1, fallback = -1;
		for (int oi = 0; oi < s->n_devices && chosen < 0; oi++) {
			int d = order[oi];
			bool kernels = true;
			for (int j = head[g]; j >= 0 && kernels; j = next[j])
				kernels = has_kernel(ops[j], &devs[d], any[j]);
			if (!kernels)
				continue;
			if (fallback < 0)
				fallback = d;
			if (matches(&devs[d], &req[g]))
				chosen = d;
		}
		if (chosen < 0 && soft)
			chosen = fallback;
		if (chosen < 0) {
			int who = leader_of[g] >= 0 ? leader_of[g] : g;
			char want[256];
			tfc__device_format(&req[g], want, sizeof(want));
			list = device_list(s);
			tfc_status_set(st, TFC_INVALID_ARGUMENT,
				       "Cannot assign a device for operation %s: Could not satisfy explicit device "
				       "specification '%s' because no supported kernel or no device matching that "
				       "specification is registered in this process; available devices: %s. "
				       "(Set allow_soft_placement to fall back to one of them.)\n\t [[{{node %s}}]]",
				       ops[who]->name, ops[who]->device[0] ? ops[who]->device : want, list,
				       ops[who]->name);
			break;
		}
		for (int j = head[g]; j >= 0; j = next[j])
			dev[j] = chosen;
	}
	free(next);
	free(head);
	free(any);
	if (list)
		goto out;
	if (cfg && cfg->log_device_placement)
		for (int i = 0; i < n; i++)
			fprintf(stderr, "%s: (%s): %s\n", ops[i]->name, ops[i]->type, s->devices[dev[i]]);
	ok = true;
out:
	free(list);
	free(leader_of);
	free(order);
	free(devs);
	free(req);
	free(index);
	free(parent);
	return ok;
}
