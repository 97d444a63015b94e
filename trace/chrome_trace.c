/*
 * chrome_trace.c: Chrome trace JSON ({"traceEvents": [...]}) from RunMetadata's
 * StepStats, in the shape of TensorFlow's python/client/timeline.py: one process per
 * device, greedy non-overlapping lanes as tids, an "X" event per NodeExecStats named
 * by its op type, "s"/"t" data-flow arrows between devices, optional allocator
 * counters. Several steps share processes and lanes and keep absolute timestamps.
 * Output is compact and strictly valid JSON (strings escaped, bad UTF-8 replaced).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "config.pb-c.h"
#include "graph.pb-c.h"
#include "step_stats.pb-c.h"
#include "tfc_export.h"

/* ---------------------------------------------------------------- output buffer */

struct sbuf {
	char *p;    /* owned; NUL-terminated once finished */
	size_t len; /* bytes written */
	size_t cap; /* bytes allocated */
};

static void sb_reserve(struct sbuf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	b->p = tfc__realloc(b->p, cap);
	b->cap = cap;
}

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
	sb_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void sb_puts(struct sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	TFC_ASSERT(n >= 0);
	sb_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t k;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		k = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		k = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
	else if (c >= 0xF0 && c <= 0xF4)
		k = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
	else
		return 0;
	if (n < k || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < k; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return k;
}

/* s (n bytes) as a JSON string: quotes, escapes, invalid UTF-8 as U+FFFD. */
static void sb_json_strn(struct sbuf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	sb_reserve(b, n + 2);
	b->p[b->len++] = '"';
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			sb_putn(b, e, 2);
			i++;
		} else if (c < 0x20) {
			switch (c) {
			case '\n': sb_putn(b, "\\n", 2); break;
			case '\t': sb_putn(b, "\\t", 2); break;
			case '\r': sb_putn(b, "\\r", 2); break;
			default: sb_printf(b, "\\u%04x", c); break;
			}
			i++;
		} else {
			size_t k = utf8_len(u + i, n - i);
			if (k == 0) {
				sb_putn(b, "\\ufffd", 6);
				i++;
			} else {
				sb_putn(b, s + i, k);
				i += k;
			}
		}
	}
	sb_putn(b, "\"", 1);
}

static void sb_json_str(struct sbuf *b, const char *s) { sb_json_strn(b, s ? s : "", s ? strlen(s) : 0); }

/* ---------------------------------------------------------------- conversion state */

/* One device (one DeviceStepStats name) across all steps. */
struct dev {
	const char *name;  /* borrowed from the first RunMetadata that names it */
	bool pseudo;       /* a GPU tracer row ("/stream:", "/memcpy"): no flows, no tensors */
	int pid;           /* its process */
	int64_t *lane_end; /* owned; per lane, the end of the lane's last event */
	int n_lanes;       /* lanes in use */
	int cap_lanes;     /* entries allocated in lane_end */
};

/* An output tensor of the step being converted, keyed by "node" / "node:k". */
struct tensor {
	char *name;            /* owned: "node" or "node:k" */
	int pid, tid;          /* where its producer ran */
	int64_t create;        /* producer's start */
	int64_t produced;      /* producer's end: where flows start */
	int64_t last_unref;    /* latest end of producer or consumer (consumers: end - 1) */
	const char *allocator; /* borrowed from the step's message; NULL: not counted */
	int64_t bytes;         /* requested_bytes */
};

/* An op's type and inputs, as resolved for one NodeExecStats. */
struct opinfo {
	char *name;    /* owned: the node name shown in args.name */
	char *op;      /* owned: the op type (event name) */
	char **inputs; /* owned, n_inputs owned strings */
	int n_inputs;
	bool details;  /* a GPU tracer row: show the timeline_label in args.details */
};

struct conv {
	struct sbuf out;          /* the JSON being written */
	bool any;                 /* an event was written (a ',' goes before the next) */
	int flags;                /* TFC_CHROME_TRACE_* */
	struct dev *devs;         /* owned, n_devs, sorted; pid = 1 + index */
	int n_devs;
	struct tfc__strmap by_dev;   /* device name -> struct dev * */
	struct tfc__strmap nodes;    /* graphdef node name -> Tensorflow__NodeDef * */
	int64_t next_flow;        /* next flow id */
};

static void ev_begin(struct conv *c)
{
	if (c->any)
		sb_putn(&c->out, ",", 1);
	c->any = true;
}

static void emit_process(struct conv *c, int pid, const char *name, int sort_index)
{
	ev_begin(c);
	sb_printf(&c->out, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"args\":{\"name\":", pid);
	sb_json_str(&c->out, name);
	sb_puts(&c->out, "}}");
	ev_begin(c);
	sb_printf(&c->out,
		  "{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":%d,\"args\":{\"sort_index\":%d}}",
		  pid, sort_index);
}

static bool is_pseudo_device(const char *name)
{
	return strstr(name, "/stream:") != NULL || strstr(name, "/memcpy") != NULL ||
	       strstr(name, "/cuda_api") != NULL;
}

/* Compares names with digit runs as numbers ("gpu:2" < "gpu:10"). */
static int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			size_t na = strspn(a, "0123456789"), nb = strspn(b, "0123456789");
			if (na != nb)
				return na < nb ? -1 : 1;
			int r = strncmp(a, b, na);
			if (r)
				return r;
			a += na, b += nb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++, b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

/* Where a device sorts among its kind: real devices, then per GPU its tracer rows
 * "stream:all", "stream:N" (by N), "memcpy", "cuda_api". */
static int pseudo_rank(const char *name, size_t *parent_len)
{
	const char *p = strstr(name, "/stream:");
	const char *m = strstr(name, "/memcpy");
	*parent_len = strlen(name);
	if (p && strcmp(p, "/stream:all") == 0) {
		*parent_len = (size_t)(p - name);
		return 1;
	}
	if (p) {
		*parent_len = (size_t)(p - name);
		return 2;
	}
	if (m) {
		*parent_len = (size_t)(m - name);
		return 3;
	}
	if ((m = strstr(name, "/cuda_api")) != NULL) { /* tfc's CUDA API calls, last */
		*parent_len = (size_t)(m - name);
		return 4;
	}
	return 0;
}

static int dev_cmp(const void *x, const void *y)
{
	const struct dev *a = x, *b = y;
	if (a->pseudo != b->pseudo)
		return a->pseudo ? 1 : -1;
	size_t pa, pb;
	int ra = pseudo_rank(a->name, &pa), rb = pseudo_rank(b->name, &pb);
	char *ka = tfc__strndup(a->name, pa), *kb = tfc__strndup(b->name, pb);
	int r = natural_cmp(ka, kb);
	free(ka);
	free(kb);
	if (r)
		return r;
	if (ra != rb)
		return ra < rb ? -1 : 1;
	r = natural_cmp(a->name, b->name);
	return r ? r : strcmp(a->name, b->name);
}

struct by_start {
	int64_t start;
	size_t index;
};

static int cmp_by_start(const void *pa, const void *pb)
{
	const struct by_start *a = pa, *b = pb;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* The lane (tid) for an event [start, end] on d: the first whose last event ended
 * strictly before start, else a new one. */
static int lane_take(struct dev *d, int64_t start, int64_t end)
{
	for (int i = 0; i < d->n_lanes; i++)
		if (d->lane_end[i] < start) {
			d->lane_end[i] = end;
			return i;
		}
	if (d->n_lanes == d->cap_lanes) {
		d->cap_lanes = d->cap_lanes ? 2 * d->cap_lanes : 8;
		d->lane_end = tfc__realloc(d->lane_end, (size_t)d->cap_lanes * sizeof(int64_t));
	}
	d->lane_end[d->n_lanes] = end;
	return d->n_lanes++;
}

/* ---------------------------------------------------------------- op labels */

static void opinfo_free(struct opinfo *o)
{
	free(o->name);
	free(o->op);
	for (int i = 0; i < o->n_inputs; i++)
		free(o->inputs[i]);
	free(o->inputs);
	memset(o, 0, sizeof(*o));
}

static void opinfo_add_input(struct opinfo *o, const char *s, size_t n)
{
	o->inputs = tfc__realloc(o->inputs, (size_t)(o->n_inputs + 1) * sizeof(char *));
	o->inputs[o->n_inputs++] = tfc__strndup(s, n);
}

/* timeline.py's `(.*) = (.*)\((.*)\)` on a label: false when it does not match. The
 * greedy groups mean: the last " = " that still has "(...)" after it, the op up to the
 * last '(' before the last ')', the inputs split on ", ". */
static bool parse_label(const char *label, struct opinfo *o)
{
	const char *eq = NULL;
	for (const char *p = strstr(label, " = "); p; p = strstr(p + 1, " = ")) {
		const char *rp = strrchr(p + 3, ')');
		const char *lp = rp ? memchr(p + 3, '(', (size_t)(rp - (p + 3))) : NULL;
		if (lp && !strchr(p + 3, '\n'))
			eq = p;
	}
	if (!eq)
		return false;
	const char *rest = eq + 3;
	const char *rp = strrchr(rest, ')');
	const char *lp = rp;
	while (lp > rest && lp[-1] != '(')
		lp--;
	lp--; /* at the '(' */
	o->op = tfc__strndup(rest, (size_t)(lp - rest));
	const char *s = lp + 1;
	if (s == rp)
		return true;
	for (;;) {
		const char *sep = strstr(s, ", ");
		if (!sep || sep > rp) {
			opinfo_add_input(o, s, (size_t)(rp - s));
			break;
		}
		opinfo_add_input(o, s, (size_t)(sep - s));
		s = sep + 2;
	}
	return true;
}

/* A GPU tracer row: "name:op" from "@@name:op#" in the label, else from the node name,
 * else from the label's first word ("Conv2D:Conv2D regs:17 ..."). memcpy rows are
 * typed by their node name (MEMCPYHtoD, ...). */
static void resolve_gputrace(const Tensorflow__NodeExecStats *ns, struct opinfo *o)
{
	const char *label = ns->timeline_label ? ns->timeline_label : "";
	const char *src = NULL;
	size_t n = 0;
	const char *at = strstr(label, "@@");
	const char *hash = at ? strchr(at + 2, '#') : NULL;
	if (at && hash && hash > at + 2) {
		src = at + 2;
		n = (size_t)(hash - src);
	} else if (strchr(ns->node_name, ':')) {
		src = ns->node_name;
		n = strlen(src);
	} else {
		n = strcspn(label, " ");
		if (memchr(label, ':', n))
			src = label;
	}
	o->details = label[0] != '\0';
	if (!src) {
		o->name = tfc__strdup(ns->node_name);
		o->op = tfc__strdup(strncmp(ns->node_name, "MEMCPY", 6) == 0 ? ns->node_name : "unknown");
		return;
	}
	const char *colon = memchr(src, ':', n);
	if (!colon) {
		o->name = tfc__strndup(src, n);
		o->op = tfc__strdup("unknown");
	} else {
		o->name = tfc__strndup(src, (size_t)(colon - src));
		const char *op = colon + 1;
		size_t on = strcspn(op, ":");
		if (on > n - (size_t)(op - src))
			on = n - (size_t)(op - src);
		o->op = tfc__strndup(op, on);
	}
	if (strncmp(ns->node_name, "MEMCPY", 6) == 0) {
		free(o->op);
		o->op = tfc__strdup(ns->node_name);
	}
}

static void resolve_op(struct conv *c, const struct dev *d, const Tensorflow__NodeExecStats *ns,
		       struct opinfo *o)
{
	memset(o, 0, sizeof(*o));
	if (d->pseudo) {
		resolve_gputrace(ns, o);
		return;
	}
	o->name = tfc__strdup(ns->node_name);
	if (strcmp(ns->node_name, "RecvTensor") == 0) {
		o->op = tfc__strdup("RecvTensor");
		return;
	}
	void **slot = c->nodes.size ? tfc__strmap_find(&c->nodes, ns->node_name) : NULL;
	if (slot) {
		const Tensorflow__NodeDef *nd = *slot;
		o->op = tfc__strdup(nd->op);
		for (size_t i = 0; i < nd->n_input; i++)
			opinfo_add_input(o, nd->input[i], strlen(nd->input[i]));
		return;
	}
	if (!ns->timeline_label || !parse_label(ns->timeline_label, o)) {
		opinfo_free(o);
		o->name = tfc__strdup(ns->node_name);
		o->op = tfc__strdup("unknown");
	}
}

/* ---------------------------------------------------------------- one step */

struct alloc_event {
	int allocator; /* index into the step's allocator names */
	int64_t time;
	int64_t delta; /* bytes, negative for a free */
};

static int alloc_event_cmp(const void *x, const void *y)
{
	const struct alloc_event *a = x, *b = y;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	if (a->delta != b->delta)
		return a->delta < b->delta ? -1 : 1;
	return 0;
}

static struct tensor *find_tensor(const struct tfc__strmap *tensors, const char *input)
{
	if (input[0] == '^' || tensors->size == 0)
		return NULL;
	size_t n = strlen(input);
	char *key = tfc__strndup(input, n);
	if (n > 2 && strcmp(key + n - 2, ":0") == 0)
		key[n - 2] = '\0';
	void **slot = tfc__strmap_find(tensors, key);
	if (!slot) {
		/* A partitioner's Send/Recv ("x/_3"): the arrow comes from x. */
		char *us = NULL;
		for (char *p = strstr(key, "/_"); p; p = strstr(p + 1, "/_"))
			us = p;
		if (us && us > key) {
			*us = '\0';
			slot = tfc__strmap_find(tensors, key);
		}
	}
	free(key);
	return slot ? *slot : NULL;
}

static void emit_memory(struct conv *c, struct tfc__strmap *tensors)
{
	const char **names = NULL;
	int n_names = 0;
	struct alloc_event *evs = NULL;
	size_t n_evs = 0;
	for (size_t i = 0; i < tensors->cap; i++) {
		if (!tensors->slots[i].key)
			continue;
		const struct tensor *t = tensors->slots[i].value;
		if (!t->allocator)
			continue;
		int a = 0;
		while (a < n_names && strcmp(names[a], t->allocator) != 0)
			a++;
		if (a == n_names) {
			names = tfc__realloc(names, (size_t)(n_names + 1) * sizeof(*names));
			names[n_names++] = t->allocator;
		}
		evs = tfc__realloc(evs, (n_evs + 2) * sizeof(*evs));
		evs[n_evs++] = (struct alloc_event){a, t->create, t->bytes};
		evs[n_evs++] = (struct alloc_event){a, t->last_unref, -t->bytes};
	}
	if (n_evs)
		qsort(evs, n_evs, sizeof(*evs), alloc_event_cmp);
	int64_t *total = tfc__calloc((size_t)n_names + 1, sizeof(int64_t));
	for (size_t i = 0; i < n_evs; i++) {
		const struct alloc_event *e = &evs[i];
		total[e->allocator] += e->delta;
		/* One sample per allocator and time: the value after all its changes. */
		bool later = false;
		for (size_t k = i + 1; k < n_evs && evs[k].time == e->time && !later; k++)
			later = evs[k].allocator == e->allocator;
		if (later)
			continue;
		ev_begin(c);
		sb_puts(&c->out, "{\"ph\":\"C\",\"cat\":\"Memory\",\"name\":");
		sb_json_str(&c->out, names[e->allocator]);
		sb_printf(&c->out, ",\"pid\":0,\"tid\":0,\"ts\":%" PRId64 ",\"args\":{", e->time);
		sb_json_str(&c->out, names[e->allocator]);
		sb_printf(&c->out, ":%" PRId64 "}}", total[e->allocator]);
	}
	free(total);
	free(evs);
	free(names);
}

/* Converts one step; *first and *last get its time span (unchanged when it has no node). */
static void convert_step(struct conv *c, const Tensorflow__RunMetadata *rm, int64_t *first,
			 int64_t *last)
{
	const Tensorflow__StepStats *ss = rm->step_stats;
	if (!ss)
		return;
	struct tfc__strmap tensors; /* "node[:k]" -> struct tensor * (owned) */
	tfc__strmap_init(&tensors, false);
	int **lanes = tfc__calloc(ss->n_dev_stats + 1, sizeof(int *));

	/* Lanes, by start time within each device; then every output tensor. */
	for (size_t di = 0; di < ss->n_dev_stats; di++) {
		const Tensorflow__DeviceStepStats *ds = ss->dev_stats[di];
		struct dev *d = *tfc__strmap_find(&c->by_dev, ds->device);
		size_t n = ds->n_node_stats;
		lanes[di] = tfc__calloc(n + 1, sizeof(int));
		/* By start, ties in list order (a sort, not insertion: a file may list
		 * its nodes in any order, and that must not take quadratic time). */
		struct by_start *order = tfc__malloc((n + 1) * sizeof(*order));
		for (size_t i = 0; i < n; i++)
			order[i] = (struct by_start){ds->node_stats[i]->all_start_micros, i};
		qsort(order, n, sizeof(*order), cmp_by_start);
		for (size_t i = 0; i < n; i++) {
			const Tensorflow__NodeExecStats *ns = ds->node_stats[order[i].index];
			int64_t start = ns->all_start_micros;
			int64_t end = (int64_t)((uint64_t)start + (uint64_t)ns->all_end_rel_micros); /* wraps, no UB */
			lanes[di][order[i].index] = lane_take(d, start, end);
			if (start < *first)
				*first = start;
			if (end > *last)
				*last = end;
		}
		free(order);
		if (d->pseudo)
			continue;
		for (size_t i = 0; i < n; i++) {
			const Tensorflow__NodeExecStats *ns = ds->node_stats[i];
			int64_t start = ns->all_start_micros;
			int64_t end = (int64_t)((uint64_t)start + (uint64_t)ns->all_end_rel_micros); /* wraps, no UB */
			for (size_t k = 0; k < ns->n_output; k++) {
				char *key = k ? tfc__asprintf("%s:%zu", ns->node_name, k)
					      : tfc__strdup(ns->node_name);
				void **slot = tfc__strmap_put(&tensors, key);
				free(key);
				struct tensor *t = *slot ? *slot : tfc__calloc(1, sizeof(*t));
				*slot = t;
				const Tensorflow__TensorDescription *td = ns->output[k]->tensor_description;
				const Tensorflow__AllocationDescription *ad =
					td ? td->allocation_description : NULL;
				free(t->name);
				*t = (struct tensor){.name = k ? tfc__asprintf("%s:%zu", ns->node_name, k)
							       : tfc__strdup(ns->node_name),
						     .pid = d->pid, .tid = lanes[di][i], .create = start,
						     .produced = end, .last_unref = end,
						     .allocator = ad && ad->allocator_name[0] ? ad->allocator_name : NULL,
						     .bytes = ad ? ad->requested_bytes : 0};
			}
		}
	}

	/* Ops, and arrows from their inputs' producers. */
	for (size_t di = 0; di < ss->n_dev_stats; di++) {
		const Tensorflow__DeviceStepStats *ds = ss->dev_stats[di];
		struct dev *d = *tfc__strmap_find(&c->by_dev, ds->device);
		for (size_t i = 0; i < ds->n_node_stats; i++) {
			const Tensorflow__NodeExecStats *ns = ds->node_stats[i];
			int tid = lanes[di][i];
			int64_t start = ns->all_start_micros;
			int64_t end = (int64_t)((uint64_t)start + (uint64_t)ns->all_end_rel_micros); /* wraps, no UB */
			struct opinfo o;
			resolve_op(c, d, ns, &o);
			ev_begin(c);
			sb_puts(&c->out, "{\"ph\":\"X\",\"cat\":\"Op\",\"name\":");
			sb_json_str(&c->out, o.op);
			sb_printf(&c->out, ",\"pid\":%d,\"tid\":%d,\"ts\":%" PRId64 ",\"dur\":%" PRId64
				  ",\"args\":{\"name\":", d->pid, tid, start, ns->all_end_rel_micros);
			sb_json_str(&c->out, o.name);
			sb_puts(&c->out, ",\"op\":");
			sb_json_str(&c->out, o.op);
			for (int k = 0; k < o.n_inputs; k++) {
				sb_printf(&c->out, ",\"input%d\":", k);
				sb_json_str(&c->out, o.inputs[k]);
			}
			if (o.details) {
				sb_puts(&c->out, ",\"details\":");
				sb_json_str(&c->out, ns->timeline_label);
			}
			sb_puts(&c->out, "}}");
			for (int k = 0; k < o.n_inputs && !d->pseudo; k++) {
				struct tensor *t = find_tensor(&tensors, o.inputs[k]);
				if (!t)
					continue;
				if (end - 1 > t->last_unref)
					t->last_unref = end - 1;
				if (c->flags & TFC_CHROME_TRACE_NO_DATAFLOW)
					continue;
				bool lane_flow = (c->flags & TFC_CHROME_TRACE_LANE_FLOWS) && t->tid != tid;
				if (t->pid == d->pid && !lane_flow)
					continue;
				int64_t id = c->next_flow++;
				const char *tname = t->name; /* as resolved, like timeline.py */
				ev_begin(c);
				sb_puts(&c->out, "{\"ph\":\"s\",\"cat\":\"DataFlow\",\"name\":");
				sb_json_str(&c->out, tname);
				sb_printf(&c->out, ",\"pid\":%d,\"tid\":%d,\"ts\":%" PRId64 ",\"id\":%" PRId64 "}",
					  t->pid, t->tid, t->produced, id);
				ev_begin(c);
				sb_puts(&c->out, "{\"ph\":\"t\",\"cat\":\"DataFlow\",\"name\":");
				sb_json_str(&c->out, tname);
				sb_printf(&c->out, ",\"pid\":%d,\"tid\":%d,\"ts\":%" PRId64 ",\"id\":%" PRId64 "}",
					  d->pid, tid, start, id);
			}
			opinfo_free(&o);
		}
	}

	if (c->flags & TFC_CHROME_TRACE_MEMORY)
		emit_memory(c, &tensors);

	for (size_t i = 0; i < tensors.cap; i++)
		if (tensors.slots[i].key) {
			struct tensor *t = tensors.slots[i].value;
			free(t->name);
			free(t);
		}
	tfc__strmap_clear(&tensors);
	for (size_t di = 0; di < ss->n_dev_stats; di++)
		free(lanes[di]);
	free(lanes);
}

/* ---------------------------------------------------------------- entry points */

static char *convert(const void *const *rms, const size_t *lens, int n, const int64_t *step_ids,
		     bool name_steps, const void *graphdef, size_t gd_len, int flags,
		     size_t *out_len, tfc_status *st)
{
	char *result = NULL;
	struct conv c = {.flags = flags};
	Tensorflow__RunMetadata **msgs = tfc__calloc((size_t)(n > 0 ? n : 1), sizeof(*msgs));
	Tensorflow__GraphDef *gd = NULL;
	tfc__strmap_init(&c.by_dev, false);
	tfc__strmap_init(&c.nodes, false);
	if (out_len)
		*out_len = 0;
	if (n < 0 || (n > 0 && (!rms || !lens))) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "Chrome trace: %d steps given", n);
		goto out_free;
	}

	if (graphdef) {
		gd = (Tensorflow__GraphDef *)tfc__parse_message(&tensorflow__graph_def__descriptor,
								graphdef, gd_len, TFC_FORMAT_AUTO,
								"GraphDef", st);
		if (!gd)
			goto out_free;
		for (size_t i = 0; i < gd->n_node; i++)
			*tfc__strmap_put(&c.nodes, gd->node[i]->name) = gd->node[i];
	}
	for (int s = 0; s < n; s++) {
		msgs[s] = (Tensorflow__RunMetadata *)tfc__parse_message(
			&tensorflow__run_metadata__descriptor, rms[s], lens[s], TFC_FORMAT_AUTO,
			"RunMetadata", st);
		if (!msgs[s]) {
			if (name_steps)
				tfc__status_prefix(st, "step %" PRId64 ": ", step_ids ? step_ids[s] : s);
			goto out_free;
		}
	}

	/* Devices of all steps, sorted; pid 0 is "Allocators", devices 1.., then "Steps". */
	for (int s = 0; s < n; s++) {
		const Tensorflow__StepStats *ss = msgs[s]->step_stats;
		for (size_t di = 0; ss && di < ss->n_dev_stats; di++) {
			const char *name = ss->dev_stats[di]->device;
			void **slot = tfc__strmap_put(&c.by_dev, name);
			if (*slot)
				continue;
			*slot = (void *)1; /* placeholder until the array stops moving */
			c.devs = tfc__realloc(c.devs, (size_t)(c.n_devs + 1) * sizeof(*c.devs));
			c.devs[c.n_devs++] = (struct dev){.name = name, .pseudo = is_pseudo_device(name)};
		}
	}
	if (c.n_devs)
		qsort(c.devs, (size_t)c.n_devs, sizeof(*c.devs), dev_cmp);
	sb_puts(&c.out, "{\"traceEvents\":[");
	if (flags & TFC_CHROME_TRACE_MEMORY)
		emit_process(&c, 0, "Allocators", 0);
	for (int i = 0; i < c.n_devs; i++) {
		c.devs[i].pid = i + 1;
		*tfc__strmap_find(&c.by_dev, c.devs[i].name) = &c.devs[i];
		char *pname = tfc__asprintf("%s Compute", c.devs[i].name);
		emit_process(&c, i + 1, pname, i + 1);
		free(pname);
	}
	int steps_pid = c.n_devs + 1;
	struct dev steps = {.name = "Steps", .pid = steps_pid}; /* lanes for step events */
	if (name_steps)
		emit_process(&c, steps_pid, "Steps", -1);

	for (int s = 0; s < n; s++) {
		int64_t first = INT64_MAX, last = INT64_MIN;
		convert_step(&c, msgs[s], &first, &last);
		if (!name_steps || first > last)
			continue;
		int64_t id = step_ids ? step_ids[s] : s;
		int tid = lane_take(&steps, first, last);
		ev_begin(&c);
		sb_printf(&c.out,
			  "{\"ph\":\"X\",\"cat\":\"Step\",\"name\":\"step %" PRId64 "\",\"pid\":%d,"
			  "\"tid\":%d,\"ts\":%" PRId64 ",\"dur\":%" PRId64 ",\"args\":{\"step\":%" PRId64 "}}",
			  id, steps_pid, tid, first, last - first, id);
	}
	sb_puts(&c.out, "]}");
	c.out.p[c.out.len] = '\0'; /* sb_reserve keeps a byte for it */
	free(steps.lane_end);
	result = c.out.p;
	c.out.p = NULL;
	if (out_len)
		*out_len = c.out.len;
	tfc_status_set(st, TFC_OK, NULL);

out_free:
	free(c.out.p);
	for (int i = 0; i < c.n_devs; i++)
		free(c.devs[i].lane_end);
	free(c.devs);
	tfc__strmap_clear(&c.by_dev);
	tfc__strmap_clear(&c.nodes);
	if (gd)
		protobuf_c_message_free_unpacked(&gd->base, NULL);
	for (int s = 0; s < n; s++)
		if (msgs[s])
			protobuf_c_message_free_unpacked(&msgs[s]->base, NULL);
	free(msgs);
	return result;
}

char *tfc_chrome_trace_from_run_metadata(const void *rm, size_t len, const void *graphdef,
					 size_t gd_len, int flags, size_t *out_len,
					 tfc_status *st)
{
	return convert(&rm, &len, 1, NULL, false, graphdef, gd_len, flags, out_len, st);
}

char *tfc_chrome_trace_from_steps(const void *const *rms, const size_t *lens, int n,
				  const int64_t *step_ids, const void *graphdef, size_t gd_len,
				  int flags, size_t *out_len, tfc_status *st)
{
	return convert(rms, lens, n, step_ids, true, graphdef, gd_len, flags, out_len, st);
}
