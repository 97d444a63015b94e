/*
 * test_pb_pack.c: tfc__pb_pack (core/pb_pack.c) writes exactly the bytes of
 * protobuf_c_message_pack: on messages built here to reach every field kind (negative
 * int32 and enums, zigzag, fixed, -0.0 floats in and out of oneofs, packed repeated
 * fields, maps, empty strings and sub-messages, unknown fields), on the RunMetadata of
 * a traced step, and on every binary fixture read as each of several message types
 * (a file read as the wrong type is a message full of unknown fields: more cases).
 */
#include <dirent.h>
#include <math.h>
#include <sys/stat.h>

#include "internal.h"
#include "config.pb-c.h"
#include "event.pb-c.h"
#include "saved_model.pb-c.h"
#include "step_stats.pb-c.h"
#include "tensor.pb-c.h"
#include "tfc_ops.h"
#include "test_util.h"

/* Whether both packers agree on m; says where they differ when they do not. */
static bool same_bytes(const ProtobufCMessage *m, size_t hint)
{
	size_t want_len = protobuf_c_message_get_packed_size(m);
	uint8_t *want = malloc(want_len + 1);
	protobuf_c_message_pack(m, want);
	size_t len;
	uint8_t *got = tfc__pb_pack(m, hint, &len);
	bool same = len == want_len && memcmp(got, want, len) == 0;
	if (!same) {
		size_t i = 0;
		while (i < len && i < want_len && got[i] == want[i])
			i++;
		diag("%s: %zu bytes, protobuf-c %zu; first difference at %zu", m->descriptor->name, len,
		     want_len, i);
	}
	free(got);
	free(want);
	return same;
}

static void test_built(void)
{
	/* A TensorProto: enum, packed floats with -0.0 and NaN, negative int32s, int64s,
	 * strings (bytes), a shape with an unknown (-1) dim. */
	Tensorflow__TensorProto t;
	tensorflow__tensor_proto__init(&t);
	t.dtype = TENSORFLOW__DATA_TYPE__DT_FLOAT;
	float fv[] = {1.5f, -0.0f, NAN, -3e38f};
	t.float_val = fv;
	t.n_float_val = 4;
	int32_t iv[] = {-1, 0, 2147483647, -2147483647 - 1};
	t.int_val = iv;
	t.n_int_val = 4;
	int64_t lv[] = {-1, 1LL << 62};
	t.int64_val = lv;
	t.n_int64_val = 2;
	ProtobufCBinaryData sv[] = {{3, (uint8_t *)"abc"}, {0, NULL}};
	t.string_val = sv;
	t.n_string_val = 2;
	Tensorflow__TensorShapeProto shape;
	tensorflow__tensor_shape_proto__init(&shape);
	Tensorflow__TensorShapeProto__Dim d0, d1;
	tensorflow__tensor_shape_proto__dim__init(&d0);
	tensorflow__tensor_shape_proto__dim__init(&d1);
	d0.size = -1;
	d1.size = 7;
	d1.name = "seven";
	Tensorflow__TensorShapeProto__Dim *dims[] = {&d0, &d1};
	shape.dim = dims;
	shape.n_dim = 2;
	t.tensor_shape = &shape;
	t.version_number = -5;
	ok(same_bytes(&t.base, 0), "TensorProto with every kind of scalar field");

	/* proto3 defaults are left out: an all-zero message is empty. */
	Tensorflow__TensorProto z;
	tensorflow__tensor_proto__init(&z);
	size_t len;
	uint8_t *b = tfc__pb_pack(&z.base, 0, &len);
	is_int((long long)len, 0, "a message of defaults packs to nothing");
	free(b);
	float negzero = -0.0f;
	z.n_float_val = 1;
	z.float_val = &negzero;
	ok(same_bytes(&z.base, 0), "a repeated -0.0 is written");

	/* AttrValue oneofs: a zero or -0.0 in a oneof is still written. */
	Tensorflow__AttrValue a;
	tensorflow__attr_value__init(&a);
	a.value_case = TENSORFLOW__ATTR_VALUE__VALUE_F;
	a.f = -0.0f;
	ok(same_bytes(&a.base, 0), "oneof float -0.0");
	a.value_case = TENSORFLOW__ATTR_VALUE__VALUE_I;
	a.i = 0;
	ok(same_bytes(&a.base, 0), "oneof int 0");
	a.value_case = TENSORFLOW__ATTR_VALUE__VALUE_S;
	a.s = (ProtobufCBinaryData){0, NULL};
	ok(same_bytes(&a.base, 0), "oneof empty bytes");
	a.value_case = TENSORFLOW__ATTR_VALUE__VALUE_SHAPE;
	a.shape = &shape;
	ok(same_bytes(&a.base, 0), "oneof message");

	/* ConfigProto: a map, nested messages, bools, doubles. */
	Tensorflow__ConfigProto c;
	tensorflow__config_proto__init(&c);
	Tensorflow__ConfigProto__DeviceCountEntry e1, e2;
	tensorflow__config_proto__device_count_entry__init(&e1);
	tensorflow__config_proto__device_count_entry__init(&e2);
	e1.key = "CPU";
	e1.value = 2;
	e2.key = "GPU";
	e2.value = 0;
	Tensorflow__ConfigProto__DeviceCountEntry *ents[] = {&e1, &e2};
	c.device_count = ents;
	c.n_device_count = 2;
	c.allow_soft_placement = 1;
	c.operation_timeout_in_ms = -1;
	Tensorflow__GPUOptions gpu;
	tensorflow__gpuoptions__init(&gpu);
	gpu.per_process_gpu_memory_fraction = 0.25;
	gpu.allow_growth = 1;
	c.gpu_options = &gpu;
	ok(same_bytes(&c.base, 1), "ConfigProto with a map and nested options (buffer grows from 64)");

	/* Unknown fields are written after the known ones. */
	uint8_t raw[] = {0x03, 'x', 'y', 'z'};
	ProtobufCMessageUnknownField u[2] = {
		{.tag = 99, .wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED, .len = 4, .data = raw},
		{.tag = 98, .wire_type = PROTOBUF_C_WIRE_TYPE_VARINT, .len = 1, .data = raw + 1},
	};
	t.base.unknown_fields = u;
	t.base.n_unknown_fields = 2;
	ok(same_bytes(&t.base, 0), "unknown fields");
	t.base.unknown_fields = NULL;
	t.base.n_unknown_fields = 0;
}

static void test_traced(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	int64_t d[] = {2, 3};
	tfc_tensor *m = tfc_tensor_new(TFC_FLOAT, d, 2, st);
	tfc_operation *c = tfc_const(g, "scope/c", m, TFC_FLOAT, st);
	tfc_output cur = {c, 0};
	for (int i = 0; i < 50; i++)
		cur = (tfc_output){tfc_add(g, NULL, cur, (tfc_output){c, 0}, st), 0};
	tfc_session *s = tfc_session_new(g, NULL, st);
	Tensorflow__RunOptions ro;
	tensorflow__run_options__init(&ro);
	ro.trace_level = TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__FULL_TRACE;
	ro.output_partition_graphs = 1;
	uint8_t rb[64];
	size_t rl = protobuf_c_message_get_packed_size(&ro.base);
	protobuf_c_message_pack(&ro.base, rb);
	tfc_tensor *out = NULL;
	tfc_buffer_t *md = NULL;
	tfc_session_run(s, rb, rl, NULL, NULL, 0, &cur, &out, 1, NULL, 0, &md, st);
	is_int(tfc_status_code(st), TFC_OK, "a traced run: %s", tfc_status_message(st));
	Tensorflow__RunMetadata *rm = md ? tensorflow__run_metadata__unpack(NULL, md->length, md->data) : NULL;
	ok(rm && rm->step_stats && rm->cost_graph && rm->n_partition_graphs == 1,
	   "its RunMetadata has step stats, a cost graph and a partition graph");
	if (rm) {
		ok(same_bytes(&rm->base, 0), "and packs the same (%zu bytes)", md->length);
		tensorflow__run_metadata__free_unpacked(rm, NULL);
	}
	tfc_buffer_free(md);
	tfc_tensor_free(out);
	tfc_tensor_free(m);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* Every binary fixture, read as each of these types where it parses. */
static const ProtobufCMessageDescriptor *const types[] = {
	&tensorflow__graph_def__descriptor, &tensorflow__meta_graph_def__descriptor,
	&tensorflow__saved_model__descriptor, &tensorflow__run_metadata__descriptor,
	&tensorflow__event__descriptor};

static int fixtures_checked, fixtures_differ;

static void walk(const char *dir)
{
	DIR *dp = opendir(dir);
	if (!dp)
		return;
	struct dirent *e;
	while ((e = readdir(dp))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct stat sb;
		if (stat(path, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			walk(path);
			continue;
		}
		const char *dot = strrchr(e->d_name, '.');
		bool candidate = (dot && (!strcmp(dot, ".pb") || !strcmp(dot, ".meta"))) ||
				 strstr(e->d_name, "run_meta") || strstr(e->d_name, "tfevents");
		if (!candidate || sb.st_size == 0 || sb.st_size > (64 << 20))
			continue;
		tfc_status *st = tfc_status_new();
		tfc_buffer_t *b = tfc_read_file(path, st);
		if (b && !tfc_looks_like_text(b->data, b->length)) {
			for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
				ProtobufCMessage *m = protobuf_c_message_unpack(types[t], NULL, b->length, b->data);
				if (!m)
					continue;
				fixtures_checked++;
				if (!same_bytes(m, b->length)) {
					fixtures_differ++;
					diag("%s as %s", path, types[t]->name);
				}
				protobuf_c_message_free_unpacked(m, NULL);
			}
		}
		tfc_buffer_free(b);
		tfc_status_free(st);
	}
	closedir(dp);
}

static void test_fixtures(void)
{
	DIR *dp = opendir(tap_fixtures_dir());
	if (!dp) {
		skip(1, "no fixtures at %s", tap_fixtures_dir());
		return;
	}
	closedir(dp);
	walk(tap_fixtures_dir());
	ok(fixtures_checked >= 20, "%d fixture messages checked", fixtures_checked);
	is_int(fixtures_differ, 0, "every fixture packs the same as with protobuf-c");
}

int main(void)
{
	plan_lazy();
	test_built();
	test_traced();
	test_fixtures();
	done_testing();
	return exit_status();
}
