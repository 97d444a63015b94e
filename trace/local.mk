# trace/local.mk: step stats, RunMetadata and the SQLite trace store (tracing issue).

pkginclude_HEADERS += trace/tfc_trace.h
noinst_HEADERS += trace/trace_schema.h trace/gpu_activity.h
libtfcbase_la_SOURCES += trace/trace_db.c trace/gpu_activity.c
libtfcbase_la_LIBADD += $(SQLITE_LIBS)
AM_CPPFLAGS += $(SQLITE_CFLAGS) -I$(top_srcdir)/trace

# The schema's one source is share/sql/trace_schema.sql (installed, for anyone who
# wants to read it); the library gets it as a C string generated at build time.
dist_pkgdata_DATA = share/sql/trace_schema.sql
nodist_libtfcbase_la_SOURCES = trace/trace_schema.c
BUILT_SOURCES += trace/trace_schema.c
CLEANFILES += trace/trace_schema.c trace/trace_schema.c-t
EXTRA_DIST += trace/sql_to_c.awk
trace/trace_schema.c: $(srcdir)/share/sql/trace_schema.sql $(srcdir)/trace/sql_to_c.awk
	$(AM_V_GEN)$(MKDIR_P) trace && rm -f $@-t && \
	$(AWK) -f $(srcdir)/trace/sql_to_c.awk $(srcdir)/share/sql/trace_schema.sql >$@-t && \
	mv -f $@-t $@

# Tests: the database API, and a writer killed with SIGKILL (tests/trace_writer is
# the process that gets killed, and the checker afterwards).
check_PROGRAMS += tests/test_trace_db tests/trace_writer
TESTS += tests/test_trace_db tests/test_trace_kill.sh
EXTRA_DIST += tests/test_trace_kill.sh tests/data/trace_schema_v1.sql tests/data/trace_schema_v2.sql
noinst_HEADERS += tests/trace_synth.h
tests_test_trace_db_LDADD = libtfccore.la $(SQLITE_LIBS)
tests_trace_writer_LDADD = libtfccore.la $(SQLITE_LIBS)

# Benchmark: node stats per second into the database, bytes per node stat. Built by
# `make bench-trace`, never part of `make check`.
EXTRA_PROGRAMS += tests/bench/bench_trace_db
tests_bench_bench_trace_db_SOURCES = tests/bench/bench_trace_db.c
tests_bench_bench_trace_db_LDADD = libtfccore.la $(SQLITE_LIBS)
CLEANFILES += tests/bench/bench_trace_db
EXTRA_PROGRAMS += tests/bench/bench_trace_step
tests_bench_bench_trace_step_SOURCES = tests/bench/bench_trace_step.c
tests_bench_bench_trace_step_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_bench_bench_trace_step_LDADD = libtfccore.la
CLEANFILES += tests/bench/bench_trace_step
bench-trace: tests/bench/bench_trace_db tests/bench/bench_trace_step
	tests/bench/bench_trace_db
	tests/bench/bench_trace_step
.PHONY: bench-trace

# Export: Chrome trace JSON and TensorBoard events files (trace/tfc_export.h),
# trace/chrome_trace.c and trace/events_writer.c.
libtfcbase_la_SOURCES += trace/chrome_trace.c trace/events_writer.c
pkginclude_HEADERS += trace/tfc_export.h
check_PROGRAMS += tests/test_chrome_trace tests/test_events_writer
TESTS += tests/test_chrome_trace tests/test_events_writer
tests_test_chrome_trace_LDADD = libtfccore.la
tests_test_events_writer_LDADD = libtfccore.la
EXTRA_DIST += tests/tf/check_events_with_tensorboard.py
include $(top_srcdir)/trace/prof.mk
