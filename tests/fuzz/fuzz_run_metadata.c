/*
 * fuzz_run_metadata.c: a libFuzzer target for what reads a RunMetadata: each input
 * (binary) goes through the Chrome-trace converter and, when protobuf-c accepts it,
 * into an in-memory trace database (tfc_trace_db_import), and is serialized again
 * with tfc__pb_pack, which must give protobuf-c's bytes exactly.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"
#include "tfc_export.h"
#include "tfc_trace.h"
#include "config.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tfc_status *st = tfc_status_new();
	char *json = tfc_chrome_trace_from_run_metadata(data, size, NULL, 0, 0, NULL, st);
	free(json);
	Tensorflow__RunMetadata *md = tensorflow__run_metadata__unpack(NULL, size, data);
	if (md) {
		size_t want = protobuf_c_message_get_packed_size(&md->base), len;
		uint8_t *a = malloc(want + 1);
		protobuf_c_message_pack(&md->base, a);
		uint8_t *b = tfc__pb_pack(&md->base, 0, &len);
		if (len != want || memcmp(a, b, len) != 0)
			__builtin_trap();
		free(a);
		free(b);
		tensorflow__run_metadata__free_unpacked(md, NULL);
		tfc_trace_db *db = tfc_trace_db_open(":memory:", st);
		if (db) {
			tfc_trace_db_import(db, NULL, 0, data, size, TFC_FORMAT_BINARY, st);
			tfc_trace_db_close(db, st);
		}
	}
	tfc_status_free(st);
	return 0;
}
