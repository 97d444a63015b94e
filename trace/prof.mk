# trace/prof.mk: tfc-prof (issue 6), included from trace/local.mk. libtfcprof.la: the
# report library (trace/prof.h): reading a run (prof_query.c), views and formats
# (prof_report.c), timelines and charts (prof_timeline.c), advice (prof_advise.c).
noinst_LTLIBRARIES += libtfcprof.la
libtfcprof_la_SOURCES = \
	trace/prof.h trace/prof_internal.h \
	trace/prof_util.c trace/prof_query.c trace/prof_report.c \
	trace/prof_timeline.c trace/prof_advise.c trace/prof_gpu.c
libtfcprof_la_CPPFLAGS = $(AM_CPPFLAGS) $(CAIRO_CFLAGS) $(SQLITE_CFLAGS)
libtfcprof_la_LIBADD = libtfccore.la $(CAIRO_LIBS) $(SQLITE_LIBS) -lm

bin_PROGRAMS += tools/tfc-prof
tools_tfc_prof_SOURCES = tools/tfc_prof.c tools/tool_common.c
tools_tfc_prof_LDADD = libtfcprof.la
dist_man_MANS += share/man/tfc-prof.1

# Tests: the library on a crafted database (C), the command line on tfc-run
# databases and the fixture RunMetadata files (shell).
check_PROGRAMS += tests/test_prof
TESTS += tests/test_prof tests/test_tfc_prof.sh
EXTRA_DIST += tests/test_tfc_prof.sh tests/prof/png_check.py
tests_test_prof_CPPFLAGS = $(AM_CPPFLAGS) $(CAIRO_CFLAGS)
tests_test_prof_LDADD = libtfcprof.la

# Benchmark: reports over 1,000,000 node stats and a timeline of 100,000. Built and
# run by `make bench-prof`, never part of `make check`.
EXTRA_PROGRAMS += tests/bench/bench_prof
tests_bench_bench_prof_SOURCES = tests/bench/bench_prof.c
tests_bench_bench_prof_LDADD = libtfcprof.la
CLEANFILES += tests/bench/bench_prof
bench-prof: tests/bench/bench_prof
	tests/bench/bench_prof
.PHONY: bench-prof
