/*
 * test_util.h: small helpers shared by tfc's C tests: building common ops through
 * the phased API without repeating attrs, reading fixture files, and catching what
 * a call writes to stderr.
 */
#ifndef TFC_TEST_UTIL_H
#define TFC_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "tfc.h"

static inline tfc_operation *t_const_f(tfc_graph *g, const char *name, float v, tfc_status *st)
{
	tfc_tensor *t = tfc_tensor_new_scalar_float(v);
	tfc_op_desc *d = tfc_op_new(g, "Const", name);
	tfc_op_set_attr_tensor(d, "value", t, st);
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_tensor_free(t);
	return tfc_op_finish(d, st);
}

static inline tfc_operation *t_const_i(tfc_graph *g, const char *name, int32_t v, tfc_status *st)
{
	tfc_tensor *t = tfc_tensor_new_scalar_int32(v);
	tfc_op_desc *d = tfc_op_new(g, "Const", name);
	tfc_op_set_attr_tensor(d, "value", t, st);
	tfc_op_set_attr_type(d, "dtype", TFC_INT32);
	tfc_tensor_free(t);
	return tfc_op_finish(d, st);
}

static inline tfc_operation *t_placeholder(tfc_graph *g, const char *name, tfc_dtype dt, int rank,
					   const int64_t *dims, tfc_status *st)
{
	tfc_op_desc *d = tfc_op_new(g, "Placeholder", name);
	tfc_op_set_attr_type(d, "dtype", dt);
	tfc_shape s = rank < 0 ? tfc_shape_unknown() : tfc_shape_make(rank, dims);
	tfc_op_set_attr_shape(d, "shape", &s);
	return tfc_op_finish(d, st);
}

static inline tfc_operation *t_binary(tfc_graph *g, const char *type, const char *name,
				      tfc_operation *a, tfc_operation *b, tfc_status *st)
{
	tfc_op_desc *d = tfc_op_new(g, type, name);
	tfc_op_add_input(d, (tfc_output){a, 0});
	tfc_op_add_input(d, (tfc_output){b, 0});
	return tfc_op_finish(d, st);
}

static inline tfc_operation *t_noop(tfc_graph *g, const char *name, tfc_status *st)
{
	return tfc_op_finish(tfc_op_new(g, "NoOp", name), st);
}

/* The path of a fixture (static buffer). */
static inline const char *fixture(const char *rel)
{
	static char buf[4096];
	int n = snprintf(buf, sizeof(buf), "%s/%s", tap_fixtures_dir(), rel);
	if (n < 0 || (size_t)n >= sizeof(buf))
		buf[0] = '\0'; /* too long: no such file */
	return buf;
}

static inline int fixture_exists(const char *rel)
{
	FILE *f = fopen(fixture(rel), "rb");
	if (!f)
		return 0;
	fclose(f);
	return 1;
}

/* Runs fn(arg) with stderr going to a temporary file; returns what it wrote (the
 * first 64 KiB; a static buffer, overwritten by the next call). */
static inline const char *t_capture_stderr(void (*fn)(void *), void *arg)
{
	static char buf[65536];
	char path[] = "/tmp/tfc-test-stderr-XXXXXX";
	int fd = mkstemp(path);
	buf[0] = '\0';
	if (fd < 0)
		return buf;
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

#endif /* TFC_TEST_UTIL_H */
