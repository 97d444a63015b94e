# tests/local.mk: TAP tests (automake's tap-driver), benchmarks and fuzz targets.

LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
SH_LOG_DRIVER = $(LOG_DRIVER)
TEST_EXTENSIONS = .sh
AM_TESTS_ENVIRONMENT = top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	TFC_FIXTURES=$${TFC_FIXTURES:-$(abs_top_srcdir)/../shared/fixtures}; \
	export top_srcdir top_builddir TFC_FIXTURES; MALLOC_PERTURB_=165; export MALLOC_PERTURB_;
noinst_HEADERS += tests/tap.h tests/test_util.h tests/cf_graphs.h tests/bench/bench_util.h tests/gpu_test_util.h
EXTRA_DIST += tests/valgrind.supp

TAP_TESTS = \
	tests/test_basics \
	tests/test_naming \
	tests/test_op_build \
	tests/test_graphdef_fixtures \
	tests/test_graphdef_errors \
	tests/test_pbtext \
	tests/test_shape_fns \
	tests/test_op_records \
	tests/test_kernels
check_PROGRAMS += $(TAP_TESTS)
TESTS += $(TAP_TESTS) tests/test_tfc_run.sh
EXTRA_DIST += tests/test_tfc_run.sh

tests_test_basics_LDADD = libtfccore.la
tests_test_naming_LDADD = libtfccore.la
tests_test_op_build_LDADD = libtfccore.la
tests_test_graphdef_fixtures_LDADD = libtfccore.la
tests_test_graphdef_errors_LDADD = libtfccore.la
tests_test_pbtext_LDADD = libtfccore.la
tests_test_shape_fns_LDADD = libtfccore.la
tests_test_op_records_LDADD = libtfccore.la
tests_test_kernels_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_test_kernels_LDADD = libtfccore.la

# Benchmarks: built by `make bench`, never part of `make check`.
EXTRA_PROGRAMS += tests/bench/bench_graph tests/bench/bench_session
tests_bench_bench_graph_SOURCES = tests/bench/bench_graph.c
tests_bench_bench_graph_LDADD = libtfccore.la
tests_bench_bench_session_SOURCES = tests/bench/bench_session.c
tests_bench_bench_session_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_bench_bench_session_LDADD = libtfccore.la
CLEANFILES += tests/bench/bench_graph tests/bench/bench_session

bench: tests/bench/bench_graph tests/bench/bench_session
	tests/bench/bench_graph
	tests/bench/bench_session

# Sanitizer runs build a clean copy of the tree (make distdir) under _check/NAME, so
# they work beside an in-tree build; the tests there read the fixtures from here.
FIXTURES_HERE = $${TFC_FIXTURES:-$(abs_top_srcdir)/../shared/fixtures}
SUBCHECK = rm -rf _check/$(1) && $(MKDIR_P) _check/$(1) && \
	$(MAKE) distdir distdir=_check/$(1)/src >/dev/null && \
	cd _check/$(1)/src && TFC_FIXTURES=$(FIXTURES_HERE) && export TFC_FIXTURES && \
	{ ./configure -q $(2) 2>&1 | grep -v "cannot remove .core." || true; } && \
	test -f Makefile && $(MAKE) -j$$(nproc) check $(3)

check-sanitizers:
	$(call SUBCHECK,asan,--enable-sanitizers,ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)

# TSan builds leave CUDA out: the CUDA runtime's own threads are uninstrumented. The
# ASan build keeps it when configure finds it, so the GPU host code is checked too.
check-tsan:
	$(call SUBCHECK,tsan,--enable-tsan --without-cuda,TSAN_OPTIONS=halt_on_error=1)

# valgrind over the C tests and the tools (memcheck; definite leaks are errors).
VALGRIND = $(LIBTOOL) --mode=execute valgrind -q --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --suppressions=$(srcdir)/tests/valgrind.supp
check-valgrind: all $(check_PROGRAMS)
	@fail=0; export top_srcdir='$(abs_top_srcdir)'; \
	export TFC_FIXTURES=$(FIXTURES_HERE); \
	for t in $(TAP_TESTS) tests/test_op_helpers tests/test_session tests/test_fixture_runs; do \
	  echo "valgrind $$t"; $(VALGRIND) $$t >/dev/null || fail=1; \
	done; \
	for a in $(srcdir)/share/examples/graphs/softmax_regression.pbtxt \
	    "$$TFC_FIXTURES/TensorFlow.NET/graph/xor.meta" \
	    "$$TFC_FIXTURES/serving/tensorflow_serving/servables/tensorflow/testdata/saved_model_half_plus_two_cpu/00000123"; do \
	  test -e "$$a" || continue; echo "valgrind tools/tfc-run $$a"; \
	  $(VALGRIND) tools/tfc-run "$$a" >/dev/null || fail=1; \
	  $(VALGRIND) tools/tfc-run --json "$$a" >/dev/null || fail=1; \
	done; \
	echo "valgrind tools/tfc-run running graphs"; \
	$(VALGRIND) tools/tfc-run --init init --run assign --run foo:0 --json \
	  $(srcdir)/share/examples/graphs/variable_foo.pbtxt >/dev/null || fail=1; \
	$(VALGRIND) tools/tfc-run --run foo:0 $(srcdir)/share/examples/graphs/variable_foo.pbtxt \
	  >/dev/null 2>&1; test $$? = 1 || fail=1; \
	sm="$$TFC_FIXTURES/serving/tensorflow_serving/servables/tensorflow/testdata/saved_model_half_plus_two_cpu/00000123"; \
	if test -d "$$sm"; then $(VALGRIND) tools/tfc-run --signature serving_default --feed 'x=[1,2,5]' \
	  --run y "$$sm" >/dev/null || fail=1; fi; \
	echo "valgrind tools/tfc-run on a bad file"; \
	$(VALGRIND) tools/tfc-run /nonexistent.pb >/dev/null 2>&1; test $$? = 1 || fail=1; \
	vd=$$(mktemp -d) && \
	tools/tfc-run --trace full --db $$vd/t.db --init init --run assign --run foo:0 \
	  $(srcdir)/share/examples/graphs/variable_foo.pbtxt >/dev/null && \
	for out in a.svg a.png a.pdf a.dot; do \
	  echo "valgrind tools/tfc-viz -o $$out"; \
	  $(VALGRIND) tools/tfc-viz $$vd/t.db --color compute_time --expand-all -o $$vd/$$out || fail=1; \
	done; \
	$(VALGRIND) tools/tfc-viz /nonexistent.pb -o $$vd/x.svg 2>/dev/null; test $$? = 1 || fail=1; \
	for args in "--by type" "--by scope --format json" "--by node --format csv" "--advise" \
	    "--timeline $$vd/t.json" "--timeline $$vd/t.png" "--timeline $$vd/t.svg"; do \
	  echo "valgrind tools/tfc-prof $$args"; \
	  $(VALGRIND) tools/tfc-prof $$vd/t.db $$args >/dev/null || fail=1; \
	done; \
	$(VALGRIND) tools/tfc-prof /nonexistent.db 2>/dev/null; test $$? = 1 || fail=1; \
	rm -rf $$vd; \
	test $$fail = 0 && echo "valgrind: no errors"

# libFuzzer targets, built with clang in _check/fuzz; FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz:
	rm -rf _check/fuzz && $(MKDIR_P) _check/fuzz && \
	$(MAKE) distdir distdir=_check/fuzz/src >/dev/null && \
	cd _check/fuzz/src && TFC_FIXTURES=$(FIXTURES_HERE) && export TFC_FIXTURES && \
	{ ./configure -q --enable-fuzzing --without-cuda CC=clang 2>&1 | grep -v "cannot remove .core." || true; } && \
	test -f Makefile && $(MAKE) -j$$(nproc) fuzz-run FUZZ_SECONDS=$(FUZZ_SECONDS)

if ENABLE_FUZZING
FUZZERS = tests/fuzz/fuzz_graphdef_binary tests/fuzz/fuzz_graphdef_text tests/fuzz/fuzz_pbtext \
	tests/fuzz/fuzz_run_metadata
EXTRA_PROGRAMS += $(FUZZERS)
tests_fuzz_fuzz_graphdef_binary_SOURCES = tests/fuzz/fuzz_graphdef.c
tests_fuzz_fuzz_graphdef_binary_CFLAGS = $(AM_CFLAGS) -DFUZZ_FORMAT=TFC_FORMAT_BINARY
tests_fuzz_fuzz_graphdef_binary_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_graphdef_binary_LDADD = libtfccore.la
tests_fuzz_fuzz_graphdef_text_SOURCES = tests/fuzz/fuzz_graphdef.c
tests_fuzz_fuzz_graphdef_text_CFLAGS = $(AM_CFLAGS) -DFUZZ_FORMAT=TFC_FORMAT_TEXT
tests_fuzz_fuzz_graphdef_text_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_graphdef_text_LDADD = libtfccore.la
tests_fuzz_fuzz_pbtext_SOURCES = tests/fuzz/fuzz_pbtext.c
tests_fuzz_fuzz_pbtext_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_pbtext_LDADD = libtfccore.la
tests_fuzz_fuzz_run_metadata_SOURCES = tests/fuzz/fuzz_run_metadata.c
tests_fuzz_fuzz_run_metadata_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_fuzz_fuzz_run_metadata_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_run_metadata_LDADD = libtfccore.la
fuzz-run: $(FUZZERS)
	@for f in $(FUZZERS); do \
	  n=$$(basename $$f); mkdir -p corpus/$$n; \
	  $(srcdir)/tests/fuzz/seed-corpus.sh $$n corpus/$$n; \
	  ( ./$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -max_len=65536 \
	      -artifact_prefix=$$n- corpus/$$n >$$n.log 2>&1; echo "exit $$?" >>$$n.log ) & \
	done; wait; \
	for f in $(FUZZERS); do n=$$(basename $$f); echo "== $$n"; \
	  grep -E "^stat::|^exit|ERROR|SUMMARY|crash-|Done " $$n.log; done; \
	! grep -qE "^exit [^0]|^SUMMARY" $$(for f in $(FUZZERS); do basename $$f; done | sed 's/$$/.log/')
endif
EXTRA_DIST += tests/fuzz/fuzz_graphdef.c tests/fuzz/fuzz_pbtext.c tests/fuzz/fuzz_run_metadata.c \
	tests/fuzz/seed-corpus.sh
.PHONY: bench check-sanitizers check-tsan check-valgrind fuzz fuzz-run
EXTRA_DIST += tests/tf/verify_with_tensorflow.py tests/tf/tfc_export.c

# Sessions (uses the generated op helpers of tfc_ops.h, in the build tree).
check_PROGRAMS += tests/test_session
TESTS += tests/test_session
tests_test_session_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_test_session_LDADD = libtfccore.la
TAP_TESTS += tests/test_tensor_bundle
tests_test_tensor_bundle_LDADD = libtfccore.la

# Tensors as JSON, text and .npy files (tfc_io.h).
TAP_TESTS += tests/test_tensor_io
tests_test_tensor_io_LDADD = libtfccore.la

# Fixtures with known answers, run through sessions.
check_PROGRAMS += tests/test_fixture_runs
TESTS += tests/test_fixture_runs
tests_test_fixture_runs_LDADD = libtfccore.la -lm

# What traced runs record (RunMetadata).
check_PROGRAMS += tests/test_step_stats
TESTS += tests/test_step_stats
tests_test_step_stats_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_test_step_stats_LDADD = libtfccore.la

# tfc__pb_pack against protobuf-c (core/pb_pack.c).
check_PROGRAMS += tests/test_pb_pack
TESTS += tests/test_pb_pack
tests_test_pb_pack_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_test_pb_pack_LDADD = libtfccore.la -lm

# The placer (core/placer.c) over two CPU devices.
check_PROGRAMS += tests/test_placement
TESTS += tests/test_placement
tests_test_placement_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_test_placement_LDADD = libtfccore.la

# v1 control flow (core/executor_cf.c): conds, while loops, nested loops, fixtures.
check_PROGRAMS += tests/test_control_flow
TESTS += tests/test_control_flow
tests_test_control_flow_LDADD = libtfccore.la -lm
EXTRA_DIST += tests/tf/gen_lstm_crf_ref.py tests/data/lstm_crf_ner_ref.txt
# Functional control flow: If, While, PartitionedCall (kernels/functional.c).
check_PROGRAMS += tests/test_functional
TESTS += tests/test_functional
tests_test_functional_LDADD = libtfccore.la
# TensorArrayV3 and StackV2 (kernels/tensor_array.c).
check_PROGRAMS += tests/test_tensor_array
TESTS += tests/test_tensor_array
tests_test_tensor_array_LDADD = libtfccore.la

# Building training graphs from C (tfc_train.h): gradients with finite-difference
# checks, initializers, optimizers, training to a stated result, fixture train ops.
check_PROGRAMS += tests/test_gradients tests/test_train
TESTS += tests/test_gradients tests/test_train
tests_test_gradients_LDADD = libtfccore.la -lm
tests_test_train_LDADD = libtfccore.la -lm

# Training steps of an MLP and a LeNet-size convnet built with tfc_train.h, 1 vs 2
# intra-op threads: `make bench-train`, never part of `make check`.
EXTRA_PROGRAMS += tests/bench/bench_train
tests_bench_bench_train_SOURCES = tests/bench/bench_train.c
tests_bench_bench_train_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_bench_bench_train_LDADD = libtfccore.la
CLEANFILES += tests/bench/bench_train
bench-train: tests/bench/bench_train
	tests/bench/bench_train
.PHONY: bench-train

# What v1 control flow costs per iteration and per node against the plain executor:
# `make bench-cf`, never part of `make check`.
EXTRA_PROGRAMS += tests/bench/bench_cf
tests_bench_bench_cf_SOURCES = tests/bench/bench_cf.c
tests_bench_bench_cf_LDADD = libtfccore.la
CLEANFILES += tests/bench/bench_cf
bench-cf: tests/bench/bench_cf
	tests/bench/bench_cf
.PHONY: bench-cf

# replica_device_setter (core/replica_device_setter.c); partitioning into devices
# joined by _Send/_Recv (core/partition.c, core/rendezvous.c); constant folding, CSE
# and dead-node removal (core/graph_opt.c), also L0 against L1 on the fixtures.
check_PROGRAMS += tests/test_device_setter tests/test_partition tests/test_graph_opt
TESTS += tests/test_device_setter tests/test_partition tests/test_graph_opt
tests_test_device_setter_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_test_device_setter_LDADD = libtfccore.la
tests_test_partition_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_test_partition_LDADD = libtfccore.la
tests_test_graph_opt_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_test_graph_opt_LDADD = libtfccore.la -lm

# Two CPU devices joined by _Send/_Recv against one: `make bench-partition`, never
# part of `make check`.
EXTRA_PROGRAMS += tests/bench/bench_partition
tests_bench_bench_partition_SOURCES = tests/bench/bench_partition.c
tests_bench_bench_partition_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_bench_bench_partition_LDADD = libtfccore.la
CLEANFILES += tests/bench/bench_partition
bench-partition: tests/bench/bench_partition
	tests/bench/bench_partition
.PHONY: bench-partition

# Device-resident tensors on the memory test device (core/device_memory.c); no GPU.
TAP_TESTS += tests/test_device_memory
tests_test_device_memory_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_test_device_memory_LDADD = libtfccore.la

# The memory of cuDNN autotuning (plain C, no GPU or CUDA needed).
TAP_TESTS += tests/test_conv_autotune
tests_test_conv_autotune_SOURCES = tests/test_conv_autotune.c cuda/conv_autotune.c
tests_test_conv_autotune_CPPFLAGS = $(AM_CPPFLAGS)
tests_test_conv_autotune_LDADD = -lpthread
