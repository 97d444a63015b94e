# viz/local.mk: scope hierarchy, layout and rendering for tfc-viz (visualizer issue).
# libtfcviz.la: the hierarchy (viz/hierarchy.c), edge bundles and auxiliary nodes
# (viz/bundle.c), Graphviz layout (viz/layout.c), colours (viz/style.c), the scene
# and its SVG, cairo (PNG/PDF) and DOT renderers, and the pipeline (viz/viz.c).
noinst_LTLIBRARIES += libtfcviz.la
libtfcviz_la_SOURCES = \
	viz/strbuf.c viz/strbuf.h \
	viz/vgraph.c viz/vgraph.h \
	viz/hierarchy.c viz/hierarchy.h \
	viz/bundle.c viz/bundle.h \
	viz/stats.c viz/stats.h \
	viz/layout.c viz/layout.h \
	viz/style.c viz/style.h \
	viz/scene.c viz/scene.h \
	viz/render.h viz/render_svg.c viz/render_cairo.c viz/render_dot.c \
	viz/viz.c viz/viz.h
libtfcviz_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/viz -I$(top_srcdir)/trace \
	$(CAIRO_CFLAGS) $(GVC_CFLAGS) $(SQLITE_CFLAGS)
libtfcviz_la_LIBADD = libtfccore.la $(CAIRO_LIBS) $(GVC_LIBS) $(SQLITE_LIBS) -lm

VIZ_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/viz $(CAIRO_CFLAGS) $(GVC_CFLAGS)

bin_PROGRAMS += tools/tfc-viz
tools_tfc_viz_SOURCES = tools/tfc_viz.c tools/tool_common.c
tools_tfc_viz_CPPFLAGS = $(VIZ_CPPFLAGS)
tools_tfc_viz_LDADD = libtfcviz.la
dist_man_MANS += share/man/tfc-viz.1

# Tests: the hierarchy on small graphs (C), the command line on fixtures (shell).
check_PROGRAMS += tests/test_viz_hierarchy
TESTS += tests/test_viz_hierarchy tests/test_tfc_viz.sh
EXTRA_DIST += tests/test_tfc_viz.sh tests/viz/name_scopes.pbtxt
# Not in CI: a headless Chromium screenshot of an SVG must not be blank.
EXTRA_DIST += tests/viz/browser_check.sh
tests_test_viz_hierarchy_CPPFLAGS = $(VIZ_CPPFLAGS)
tests_test_viz_hierarchy_LDADD = libtfcviz.la

# Benchmark: render time and peak RSS on InceptionV3 and ResNet-50. Built and run by
# `make bench-viz`, never part of `make check`.
EXTRA_PROGRAMS += tests/bench/bench_viz
tests_bench_bench_viz_SOURCES = tests/bench/bench_viz.c
tests_bench_bench_viz_CPPFLAGS = $(VIZ_CPPFLAGS)
tests_bench_bench_viz_LDADD = libtfcviz.la
CLEANFILES += tests/bench/bench_viz
bench-viz: tests/bench/bench_viz
	TFC_FIXTURES=$${TFC_FIXTURES:-$(abs_top_srcdir)/../shared/fixtures} tests/bench/bench_viz
.PHONY: bench-viz
