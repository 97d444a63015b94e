# kernels/local.mk: CPU kernels, one file per op family, as tables of struct
# tfc_kernel_def (core/kernel.h) that kernels/registry.c indexes. They are part of the
# core's library (libtfcbase.la, core/local.mk, included before this file).

noinst_HEADERS += kernels/kernels.h kernels/broadcast.h

libtfcbase_la_SOURCES += \
	kernels/registry.c \
	kernels/kernel_util.c \
	kernels/broadcast.c \
	kernels/const_kernels.c \
	kernels/control_flow.c \
	kernels/tensor_array.c \
	kernels/summary_kernels.c \
	kernels/functional.c \
	kernels/math_kernels.c \
	kernels/matmul_kernels.c \
	kernels/nn_kernels.c \
	kernels/array_kernels.c \
	kernels/random_kernels.c \
	kernels/string_kernels.c \
	kernels/state_kernels.c \
	kernels/io_kernels.c \
	kernels/parallel.c \
	kernels/cwise_unary.c \
	kernels/cwise_misc.c \
	kernels/reduction_kernels.c \
	kernels/array_shape_kernels.c \
	kernels/array_slice_kernels.c \
	kernels/array_gather_kernels.c \
	kernels/conv_kernels.c \
	kernels/gemm.c \
	kernels/pooling.c \
	kernels/training_kernels.c \
	kernels/batchnorm.c \
	kernels/lrn.c \
	kernels/misc_kernels.c \
	kernels/scatter_kernels.c \
	kernels/sendrecv_kernels.c
libtfcbase_la_LIBADD += $(OPENBLAS_LIBS)

# <cblas.h> of OpenBLAS (and openblas_set_num_threads) for kernels/gemm.c;
# kernels.h for the tests that drive kernels directly.
AM_CPPFLAGS += $(OPENBLAS_CFLAGS) -I$(top_srcdir)/kernels

# Kernel tests: reference values from TensorFlow (tests/tf/gen_kernel_refs.py writes
# tests/data/kernels/), bad input, threads.
KERNEL_TESTS = tests/test_kernels_cwise tests/test_kernels_array tests/test_kernels_nn tests/test_kernels_train \
	tests/test_kernels_random tests/test_gemm
check_PROGRAMS += $(KERNEL_TESTS)
TESTS += $(KERNEL_TESTS)
noinst_HEADERS += tests/kernel_ref.h
EXTRA_DIST += tests/tf/gen_kernel_refs.py tests/data/kernels
tests_test_kernels_cwise_LDADD = libtfccore.la
tests_test_kernels_array_LDADD = libtfccore.la
tests_test_kernels_nn_LDADD = libtfccore.la
tests_test_kernels_train_LDADD = libtfccore.la
tests_test_kernels_random_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_test_kernels_random_LDADD = libtfccore.la
tests_test_gemm_LDADD = libtfccore.la -lm

# The op benchmark (make bench-ops): MatMul against raw cblas_sgemm, Conv2D, a large
# element-wise op and reductions at 1 and 2 intra-op threads.
EXTRA_PROGRAMS += tests/bench/bench_ops
tests_bench_bench_ops_SOURCES = tests/bench/bench_ops.c
tests_bench_bench_ops_LDADD = libtfccore.la $(OPENBLAS_LIBS)
CLEANFILES += tests/bench/bench_ops

bench-ops: tests/bench/bench_ops
	tests/bench/bench_ops
.PHONY: bench-ops
