/*
 * session.c: sessions: options (target, ConfigProto, fields set by path), devices,
 * the resources a session owns (variables, by name), the per-signature cache of
 * executables, feed checks, and tfc_session_run.
 */
#include <time.h>
#include <unistd.h>

#include "gpu.h"
#include "gpu_activity.h"
#include "pbtext.h"
#include "session_internal.h"


/* ---- options */

tfc_session_options *tfc_session_options_new(void)
{
	tfc_session_options *o = tfc__calloc(1, sizeof(*o));
	o->target = tfc__strdup("");
	o->config = tfc__malloc(sizeof(*o->config));
	tensorflow__config_proto__init(o->config);
	return o;
}

void tfc_session_options_free(tfc_session_options *o)
{
	if (!o)
		return;
	free(o->target);
	protobuf_c_message_free_unpacked(&o->config->base, NULL);
	free(o);
}

void tfc_session_options_set_target(tfc_session_options *o, const char *target)
{
	free(o->target);
	o->target = tfc__strdup(target ? target : "");
}

static Tensorflow__ConfigProto *config_copy(const Tensorflow__ConfigProto *c)
{
	size_t n = protobuf_c_message_get_packed_size(&c->base);
	uint8_t *buf = tfc__malloc(n + 1);
	protobuf_c_message_pack(&c->base, buf);
	Tensorflow__ConfigProto *d = tensorflow__config_proto__unpack(NULL, n, buf);
	free(buf);
	TFC_ASSERT(d);
	return d;
}

void tfc_session_options_set_config(tfc_session_options *o, const void *proto, size_t len,
				    tfc_status *st)
{
	Tensorflow__ConfigProto *c = tensorflow__config_proto__unpack(NULL, len, proto);
	if (!c) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "Could not parse the ConfigProto (%zu bytes)", len);
		return;
	}
	protobuf_c_message_free_unpacked(&o->config->base, NULL);
	o->config = c;
	tfc_status_set(st, TFC_OK, NULL);
}

/* Merges `text` (ConfigProto text format) into the options' config. Protobuf's
 * binary form merges by concatenation, so the merge is: pack both, join, unpack. */
static void merge_text(tfc_session_options *o, const char *text, tfc_status *st)
{
	ProtobufCMessage *m = tfc__text_parse(&tensorflow__config_proto__descriptor, text,
					      strlen(text), st);
	if (!m)
		return;
	size_t a = protobuf_c_message_get_packed_size(&o->config->base);
	size_t b = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = tfc__malloc(a + b + 1);
	protobuf_c_message_pack(&o->config->base, buf);
	protobuf_c_message_pack(m, buf + a);
	Tensorflow__ConfigProto *c = tensorflow__config_proto__unpack(NULL, a + b, buf);
	free(buf);
	protobuf_c_message_free_unpacked(m, NULL);
	TFC_ASSERT(c);
	protobuf_c_message_free_unpacked(&o->config->base, NULL);
	o->config = c;
	tfc_status_set(st, TFC_OK, NULL);
}

void tfc_session_options_set_config_value(tfc_session_options *o, const char *path,
					  const char *value, tfc_status *st)
{
	/* "a.b.c" = v becomes "a { b { c: v } }"; a map field (device_count.CPU) becomes
	 * "device_count { key: "CPU" value: v }". Strings that are not numbers, bools or
	 * enum names are quoted. */
	size_t cap = strlen(path) * 4 + strlen(value) * 2 + 64;
	char *text = tfc__malloc(cap);
	size_t n = 0;
	int depth = 0;
	const char *p = path;
	bool ok = *p != '\0';
	while (ok) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (len == 0) {
			ok = false;
			break;
		}
		if (dot && strncmp(p, "device_count", len) == 0 && len == 12) {
			n += (size_t)snprintf(text + n, cap - n, "device_count { key: \"%s\" value: %s }",
					      dot + 1, value);
			break;
		}
		if (dot) {
			n += (size_t)snprintf(text + n, cap - n, "%.*s { ", (int)len, p);
			depth++;
			p = dot + 1;
			continue;
		}
		bool bare = true;
		for (const char *v = value; *v && bare; v++)
			bare = (*v >= '0' && *v <= '9') || (*v >= 'a' && *v <= 'z') ||
			       (*v >= 'A' && *v <= 'Z') || *v == '_' || *v == '.' || *v == '-';
		if (bare && *value)
			n += (size_t)snprintf(text + n, cap - n, "%.*s: %s", (int)len, p, value);
		else
			n += (size_t)snprintf(text + n, cap - n, "%.*s: \"%s\"", (int)len, p, value);
		break;
	}
	while (ok && depth-- > 0)
		n += (size_t)snprintf(text + n, cap - n, " }");
	if (!ok) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "Bad ConfigProto path '%s'", path);
	} else {
		merge_text(o, text, st);
		if (tfc_status_code(st) != TFC_OK)
			tfc__status_prefix(st, "--config %s=%s: ", path, value);
	}
	free(text);
}

/* ---- resources */

struct tfc_ref *tfc_resources_ref(struct tfc_resources *r, const char *name, tfc_dtype dtype,
				  const tfc_shape *shape)
{
	pthread_mutex_lock(&r->mu);
	void **slot = tfc__strmap_put(&r->refs, name);
	if (!*slot) {
		struct tfc_ref *ref = tfc__calloc(1, sizeof(*ref));
		pthread_mutex_init(&ref->mu, NULL);
		ref->name = tfc__strdup(name);
		ref->dtype = tfc_dtype_base(dtype);
		ref->shape = shape ? *shape : tfc_shape_unknown();
		*slot = ref;
	}
	struct tfc_ref *ref = *slot;
	pthread_mutex_unlock(&r->mu);
	return ref;
}

static void resources_free(struct tfc_resources *r)
{
	for (size_t i = 0; i < r->refs.cap; i++) {
		struct tfc_ref *ref = r->refs.slots[i].key ? r->refs.slots[i].value : NULL;
		if (!ref)
			continue;
		tfc_tensor_free(ref->value);
		free(ref->name);
		pthread_mutex_destroy(&ref->mu);
		free(ref);
	}
	tfc__strmap_clear(&r->refs);
	pthread_mutex_destroy(&r->mu);
}

/* ---- sessions */

static int cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

/* The GPUs the CUDA runtime finds, as devices after the CPUs (device_count.GPU caps
 * them; 0 turns them off). Finding none is not an error: with log_device_placement a
 * line says why, and the session runs on the CPU. GPU devices are asynchronous, so
 * the session gets a pool if it had none. */
static void add_gpus(tfc_session *s)
{
	const Tensorflow__ConfigProto *c = s->config;
	int want = -1;
	for (size_t i = 0; i < c->n_device_count; i++)
		if (!strcmp(c->device_count[i]->key, "GPU"))
			want = c->device_count[i]->value;
	if (want == 0)
		return;
	char why[256], desc[256];
	int n = tfc__gpu_count(why, sizeof(why));
	if (want > 0 && n > want)
		n = want;
	if (n == 0) {
		if (c->log_device_placement)
			fprintf(stderr, "No GPU devices (%s): running on the CPU only.\n", why);
		return;
	}
	s->devices = tfc__realloc(s->devices, (size_t)(s->n_devices + n) * sizeof(char *));
	s->device_impls = tfc__realloc(s->device_impls, (size_t)(s->n_devices + n) * sizeof(*s->device_impls));
	if (c->log_device_placement)
		fprintf(stderr, "Device mapping:\n");
	for (int i = 0; i < n; i++) {
		char *name = tfc__asprintf("/job:localhost/replica:0/task:0/device:GPU:%d", i);
		tfc_status dst = {0};
		struct tfc_device *d = tfc__gpu_device_new(name, i, c->gpu_options, &dst);
		if (!d) {
			if (c->log_device_placement)
				fprintf(stderr, "Ignoring GPU %d: %s\n", i, dst.msg ? dst.msg : "?");
			free(dst.msg);
			free(name);
			continue;
		}
		if (c->log_device_placement) {
			tfc__gpu_describe(i, desc, sizeof(desc));
			fprintf(stderr, "%s -> %s\n", name, desc);
		}
		s->devices[s->n_devices] = name;
		s->device_impls[s->n_devices++] = d;
		s->n_gpus++;
	}
	if (s->n_gpus) {
		s->has_async_device = true;
		if (!s->pool)
			s->pool = tfc__threadpool_new(s->inter_op_threads > 1 ? s->inter_op_threads : 2);
	}
}

tfc_session *tfc_session_new(tfc_graph *g, const tfc_session_options *o, tfc_status *st)
{
	if (!g) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "A session needs a graph");
		return NULL;
	}
	if (o && o->target && *o->target) {
		tfc_status_set(st, TFC_UNIMPLEMENTED,
			       "Session target '%s': only in-process sessions (target \"\") exist yet",
			       o->target);
		return NULL;
	}
	tfc_session *s = tfc__calloc(1, sizeof(*s));
	s->graph = g;
	if (o) {
		s->config = config_copy(o->config);
	} else {
		s->config = tfc__malloc(sizeof(*s->config));
		tensorflow__config_proto__init(s->config);
	}
	int n_cpu = 1;
	for (size_t i = 0; i < s->config->n_device_count; i++)
		if (!strcmp(s->config->device_count[i]->key, "CPU") && s->config->device_count[i]->value > 0)
			n_cpu = s->config->device_count[i]->value;
	s->n_devices = n_cpu;
	s->devices = tfc__calloc((size_t)n_cpu, sizeof(char *));
	s->device_impls = tfc__calloc((size_t)n_cpu, sizeof(*s->device_impls));
	for (int i = 0; i < n_cpu; i++) {
		s->devices[i] = tfc__asprintf("/job:localhost/replica:0/task:0/device:CPU:%d", i);
		s->device_impls[i] = tfc__device_cpu_new(s->devices[i], i);
	}
	s->inter_op_threads = s->config->inter_op_parallelism_threads > 0
				      ? s->config->inter_op_parallelism_threads : cpu_count();
	s->intra_op_threads = s->config->intra_op_parallelism_threads > 0
				      ? s->config->intra_op_parallelism_threads : cpu_count();
	if (s->inter_op_threads > 1)
		s->pool = tfc__threadpool_new(s->inter_op_threads);
	add_gpus(s);
	pthread_mutex_init(&s->res.mu, NULL);
	tfc__strmap_init(&s->res.refs, false);
	pthread_mutex_init(&s->mu, NULL);
	tfc__strmap_init(&s->cache, false);
	tfc__strmap_init(&s->kernel_state, false);
	atomic_init(&s->next_step, 1);
	tfc_status_set(st, TFC_OK, NULL);
	return s;
}

void tfc__session_use_async_test_device(struct tfc_session *s, bool own_memory)
{
	struct tfc_device *d = own_memory ? tfc__device_cpu_memory_new(s->devices[0], 0)
					  : tfc__device_cpu_async_new(s->devices[0], 0);
	if (!d)
		return; /* no thread for it: the session keeps its synchronous device */
	tfc__device_free(s->device_impls[0]);
	s->device_impls[0] = d;
	s->has_async_device = true;
	if (!s->pool)
		s->pool = tfc__threadpool_new(2);
}

void tfc_session_close(tfc_session *s, tfc_status *st)
{
	pthread_mutex_lock(&s->mu);
	s->closed = true;
	pthread_mutex_unlock(&s->mu);
	tfc_status_set(st, TFC_OK, NULL);
}

void tfc_session_free(tfc_session *s)
{
	if (!s)
		return;
	tfc__threadpool_free(s->pool);
	for (size_t i = 0; i < s->cache.cap; i++)
		if (s->cache.slots[i].key)
			tfc__executable_free(s->cache.slots[i].value);
	tfc__strmap_clear(&s->cache);
	for (size_t i = 0; i < s->kernel_state.cap; i++) {
		if (!s->kernel_state.slots[i].key || !s->kernel_state.slots[i].value)
			continue;
		tfc_operation *op = tfc_graph_operation_by_name(s->graph, s->kernel_state.slots[i].key);
		const struct tfc_kernel_def *k = op ? tfc_kernel_lookup(op->type, "CPU") : NULL;
		if (k && k->destroy)
			k->destroy(s->kernel_state.slots[i].value);
	}
	tfc__strmap_clear(&s->kernel_state);
	resources_free(&s->res);
	for (int i = 0; i < s->n_devices; i++) {
		tfc__device_free(s->device_impls[i]);
		free(s->devices[i]);
	}
	free(s->device_impls);
	free(s->devices);
	protobuf_c_message_free_unpacked(&s->config->base, NULL);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

tfc_graph *tfc_session_graph(const tfc_session *s) { return s->graph; }
int tfc_session_num_devices(const tfc_session *s) { return s->n_devices; }

const char *tfc_session_device_name(const tfc_session *s, int i)
{
	return i >= 0 && i < s->n_devices ? s->devices[i] : NULL;
}

/* ---- run */

/* The cache key: feeds, fetches and targets, each list as given (order matters for
 * where results go), separated so that no two signatures collide. */
static char *signature(const tfc_output *feeds, int n_feeds, const tfc_output *fetches,
		       int n_fetches, tfc_operation *const *targets, int n_targets)
{
	size_t cap = 64, n = 0;
	char *k = tfc__malloc(cap);
	k[0] = '\0';
#define ADD(...)                                                                            \
	do {                                                                                \
		int w_ = snprintf(k + n, cap - n, __VA_ARGS__);                             \
		while ((size_t)w_ >= cap - n) {                                             \
			cap *= 2;                                                           \
			k = tfc__realloc(k, cap);                                           \
			w_ = snprintf(k + n, cap - n, __VA_ARGS__);                         \
		}                                                                           \
		n += (size_t)w_;                                                            \
	} while (0)
	for (int i = 0; i < n_feeds; i++)
		ADD("%s:%d,", feeds[i].oper->name, feeds[i].index);
	ADD("|");
	for (int i = 0; i < n_fetches; i++)
		ADD("%s:%d,", fetches[i].oper->name, fetches[i].index);
	ADD("|");
	for (int i = 0; i < n_targets; i++)
		ADD("%s,", targets[i]->name);
#undef ADD
	return k;
}

/* A feed must match the dtype of the tensor it replaces, and the shape of a
 * placeholder it feeds. */
static bool check_feed(tfc_output f, const tfc_tensor *v, tfc_status *st)
{
	char want_s[256], got_s[256];
	tfc_dtype want = tfc_dtype_base(tfc_operation_output_type(f.oper, f.index));
	if (!v) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "The value fed for '%s:%d' is NULL",
			       f.oper->name, f.index);
		return false;
	}
	tfc_shape got = tfc_tensor_shape(v);
	tfc_shape_format(&got, got_s, sizeof(got_s));
	if (want != TFC_DTYPE_INVALID && v->dtype != want) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT,
			       "Cannot feed a value of dtype %s and shape %s for Tensor '%s:%d', which "
			       "has dtype %s",
			       tfc_dtype_name(v->dtype), got_s, f.oper->name, f.index, tfc_dtype_name(want));
		return false;
	}
	if (!strcmp(f.oper->type, "Placeholder") || !strcmp(f.oper->type, "PlaceholderV2") ||
	    !strcmp(f.oper->type, "PlaceholderWithDefault")) {
		tfc_shape ws = tfc_operation_output_shape(f.oper, f.index);
		if (!tfc__shape_compatible(&ws, &got)) {
			tfc_shape_format(&ws, want_s, sizeof(want_s));
			tfc_status_set(st, TFC_INVALID_ARGUMENT,
				       "Cannot feed value of shape %s for Tensor '%s:%d', which has "
				       "shape %s",
				       got_s, f.oper->name, f.index, want_s);
			return false;
		}
	}
	return true;
}

/* What a run takes from its RunOptions: a deadline (absolute CLOCK_MONOTONIC ns, 0
 * for none), the trace level and whether partition graphs are wanted. */
static bool parse_run_options(const void *proto, size_t len, int64_t *deadline, int *trace_level,
			bool *partitions, tfc_status *st)
{
	*deadline = 0;
	*trace_level = 0;
	*partitions = false;
	if (!proto || !len)
		return true;
	Tensorflow__RunOptions *ro = tensorflow__run_options__unpack(NULL, len, proto);
	if (!ro) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "Could not parse the RunOptions (%zu bytes)", len);
		return false;
	}
	int64_t ms = ro->timeout_in_ms;
	*trace_level = (int)ro->trace_level;
	*partitions = ro->output_partition_graphs;
	protobuf_c_message_free_unpacked(&ro->base, NULL);
	if (ms > 0) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		*deadline = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + ms * 1000000;
	}
	return true;
}

void tfc_session_run(tfc_session *s, const void *run_options, size_t run_options_len,
		     const tfc_output *feeds, tfc_tensor *const *feed_values, int n_feeds,
		     const tfc_output *fetches, tfc_tensor **out_values, int n_fetches,
		     tfc_operation *const *targets, int n_targets, tfc_buffer_t **run_metadata,
		     tfc_status *st)
{
	for (int i = 0; i < n_fetches; i++)
		out_values[i] = NULL;
	if (run_metadata)
		*run_metadata = NULL;
	for (int i = 0; i < n_feeds; i++) {
		if (!feeds[i].oper || feeds[i].index < 0 || feeds[i].index >= feeds[i].oper->n_outputs ||
		    feeds[i].oper->graph != s->graph) {
			tfc_status_set(st, TFC_INVALID_ARGUMENT, "Feed %d is not a tensor of this session's graph", i);
			return;
		}
		if (!check_feed(feeds[i], feed_values[i], st))
			return;
	}
	for (int i = 0; i < n_fetches; i++) {
		if (!fetches[i].oper || fetches[i].index < 0 ||
		    fetches[i].index >= fetches[i].oper->n_outputs || fetches[i].oper->graph != s->graph) {
			tfc_status_set(st, TFC_INVALID_ARGUMENT, "Fetch %d is not a tensor of this session's graph", i);
			return;
		}
	}
	for (int i = 0; i < n_targets; i++) {
		if (!targets[i] || targets[i]->graph != s->graph) {
			tfc_status_set(st, TFC_INVALID_ARGUMENT, "Target %d is not an operation of this session's graph", i);
			return;
		}
	}
	if (n_fetches + n_targets == 0) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "Must specify at least one target to fetch or execute.");
		return;
	}
	int64_t deadline;
	struct tfc__run_trace trace = {0};
	if (!parse_run_options(run_options, run_options_len, &deadline, &trace.level, &trace.partition_graphs, st))
		return;
	char *key = signature(feeds, n_feeds, fetches, n_fetches, targets, n_targets);
	pthread_mutex_lock(&s->mu);
	if (s->closed) {
		pthread_mutex_unlock(&s->mu);
		free(key);
		tfc_status_set(st, TFC_CANCELLED, "Session has been closed.");
		return;
	}
	void **slot = tfc__strmap_find(&s->cache, key);
	struct tfc__executable *x = slot ? *slot : NULL;
	if (!x) {
		x = tfc__executable_build(s, feeds, n_feeds, fetches, n_fetches, targets, n_targets, st);
		if (x)
			*tfc__strmap_put(&s->cache, key) = x;
	}
	pthread_mutex_unlock(&s->mu);
	free(key);
	if (!x)
		return;
	/* HARDWARE_TRACE and FULL_TRACE record the GPUs' activity through CUPTI. Another
	 * step being traced at the same time (CUPTI has one subscriber per process) leaves
	 * this one without GPU rows, as in TensorFlow. */
	struct tfc__gpu_tracer *tracer = NULL;
	if (trace.level >= 2 && s->n_gpus > 0) {
		tfc_status tst = {0};
		trace.gpu = tfc__gpu_activity_new();
		tracer = tfc__gpu_tracer_start(trace.gpu, &tst);
		free(tst.msg);
		if (!tracer) {
			tfc__gpu_activity_free(trace.gpu);
			trace.gpu = NULL;
		}
	}
	tfc__executable_run(s, x, feed_values, out_values, deadline, &trace, st);
	tfc__gpu_tracer_stop(tracer);
	if (tfc_status_code(st) == TFC_OK && run_metadata) {
		if (trace.level > 0 || trace.partition_graphs) {
			*run_metadata = tfc__run_metadata_build(s, x, &trace);
		} else {
			Tensorflow__RunMetadata md;
			tensorflow__run_metadata__init(&md);
			tfc_buffer_t *b = tfc__malloc(sizeof(*b));
			b->length = protobuf_c_message_get_packed_size(&md.base);
			b->data = tfc__malloc(b->length + 1);
			protobuf_c_message_pack(&md.base, b->data);
			*run_metadata = b;
		}
	}
	tfc__run_trace_done(x, &trace);
	tfc__gpu_activity_free(trace.gpu);
}
