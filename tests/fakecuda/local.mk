# tests/fakecuda/local.mk: the GPU's host code (cuda/*.c) run on a fake CUDA runtime,
# cuBLAS and device code (tests/fakecuda), so `make check` exercises it on machines
# without a GPU. libtfc_fakegpu.la is libtfccore.la made of the same objects (no
# per-target flags, so make compiles none of them twice) with libtfcnvidia.la (the
# .cu objects, CUPTI, cuDNN and NVIDIA's libraries, cuda/local.mk) replaced by the
# fake, CUPTI's tracer (cuda/cupti_tracer.c, cuda/cupti_records.c) on a fake CUPTI
# (fake_cupti.c), and cuda/dnn_none.c (convolutions stay on the CPU).
# The GPU tests are built against it a second time. Only with CUDA (HAVE_CUDA): the
# fake compiles against the toolkit's headers, so its signatures are CUDA's own.
# Included last from Makefile.am, after every fragment that adds to libtfcbase.la.

EXTRA_DIST += tests/fakecuda/fake.h tests/fakecuda/fake_cuda.c tests/fakecuda/fake_cublas.c \
	tests/fakecuda/launch.c tests/fakecuda/launch_pool.c tests/fakecuda/fake_cupti.c tests/fakecuda/test_fakecuda.c

if HAVE_CUDA
check_LTLIBRARIES += libtfc_fakegpu.la
libtfc_fakegpu_la_SOURCES = $(libtfcbase_la_SOURCES) cuda/dnn_none.c tests/fakecuda/fake.h \
	tests/fakecuda/fake_cuda.c tests/fakecuda/fake_cublas.c tests/fakecuda/launch.c tests/fakecuda/launch_pool.c \
	tests/fakecuda/launch_train.c tests/fakecuda/fake_cupti.c cuda/cupti_tracer.c cuda/cupti_records.c
libtfc_fakegpu_la_SOURCES += tests/fakecuda/launch_array.c
libtfc_fakegpu_la_SOURCES += tests/fakecuda/launch_gather.c
nodist_libtfc_fakegpu_la_SOURCES = $(nodist_libtfcbase_la_SOURCES) $(nodist_libtfccore_la_SOURCES)
# libtfcbase.la's libraries less libtfcnvidia.la: no NVIDIA library is linked, so the
# fake's are the only cuda*, cublas* and cupti* symbols.
libtfc_fakegpu_la_LIBADD = libtfcproto.la $(PROTOBUF_C_LIBS) $(OPENBLAS_LIBS) $(SQLITE_LIBS)
$(libtfc_fakegpu_la_OBJECTS): $(PROTO_GEN_H)

# The fake itself: memory, its guards, cuBLAS's column-major contract.
check_PROGRAMS += tests/fakecuda/test_fakecuda
TESTS += tests/fakecuda/test_fakecuda
tests_fakecuda_test_fakecuda_LDADD = libtfc_fakegpu.la

check_PROGRAMS += tests/test_gpu_session_fake tests/test_gpu_kernels_fake
TESTS += tests/test_gpu_session_fake tests/test_gpu_kernels_fake
tests_test_gpu_session_fake_SOURCES = tests/test_gpu_session.c
tests_test_gpu_session_fake_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core $(SQLITE_CFLAGS)
tests_test_gpu_session_fake_LDADD = libtfcprof_fake.la $(SQLITE_LIBS)
# tfc-prof's library (trace/prof.mk) on the fake, for test_gpu_session_fake's check
# of the GPU report: the same sources, compiled a second time for its own target.
check_LTLIBRARIES += libtfcprof_fake.la
libtfcprof_fake_la_SOURCES = $(libtfcprof_la_SOURCES)
libtfcprof_fake_la_CPPFLAGS = $(libtfcprof_la_CPPFLAGS)
libtfcprof_fake_la_LIBADD = libtfc_fakegpu.la $(CAIRO_LIBS) $(SQLITE_LIBS) -lm
tests_test_gpu_kernels_fake_SOURCES = tests/test_gpu_kernels.c
tests_test_gpu_kernels_fake_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
tests_test_gpu_kernels_fake_LDADD = libtfc_fakegpu.la $(SQLITE_LIBS)
check_PROGRAMS += tests/test_gpu_pool_fake
TESTS += tests/test_gpu_pool_fake
tests_test_gpu_pool_fake_SOURCES = tests/test_gpu_pool.c
tests_test_gpu_pool_fake_CPPFLAGS = $(AM_CPPFLAGS)
tests_test_gpu_pool_fake_LDADD = libtfc_fakegpu.la
check_PROGRAMS += tests/test_gpu_state_fake
TESTS += tests/test_gpu_state_fake
tests_test_gpu_state_fake_SOURCES = tests/test_gpu_state.c
tests_test_gpu_state_fake_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_test_gpu_state_fake_LDADD = libtfc_fakegpu.la
check_PROGRAMS += tests/test_gpu_array_fake
TESTS += tests/test_gpu_array_fake
tests_test_gpu_array_fake_SOURCES = tests/test_gpu_array.c
tests_test_gpu_array_fake_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_test_gpu_array_fake_LDADD = libtfc_fakegpu.la
check_PROGRAMS += tests/test_gpu_more_fake
TESTS += tests/test_gpu_more_fake
tests_test_gpu_more_fake_SOURCES = tests/test_gpu_more.c
tests_test_gpu_more_fake_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core
tests_test_gpu_more_fake_LDADD = libtfc_fakegpu.la
endif
