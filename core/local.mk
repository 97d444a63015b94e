# core/local.mk: libtfc's core (status, dtypes, tensors, the op registry and its
# records, graphs, GraphDef and MetaGraphDef I/O, the protobuf text format).

pkginclude_HEADERS += core/tfc.h
noinst_HEADERS += core/internal.h core/pbtext.h core/kernel.h core/device_iface.h core/session_internal.h core/graph_opt.h core/rendezvous.h core/sstable.h core/threadpool.h core/ops/ops.h core/ops/shape_fns.h core/ops/shape_util.h

# Everything hand-written, symbols tfc__ included. libtfccore.la, for the tests and
# tools of this tree, is this plus the op helpers generated from it (core/gen.mk).
noinst_LTLIBRARIES += libtfcbase.la
libtfcbase_la_SOURCES = \
	core/status.c \
	core/strmap.c \
	core/arena.c \
	core/pb_pack.c \
	core/placer.c \
	core/replica_device_setter.c \
	core/dtype.c \
	core/shape.c \
	core/tensor.c \
	core/tensor_proto.c \
	core/attr.c \
	core/pbtext.c \
	core/op_registry.c \
	core/graph.c \
	core/op_build.c \
	core/op_attrs.c \
	core/device.c \
	core/graphdef.c \
	core/meta_graph.c \
	core/model_file.c \
	core/tensor_bundle.c core/tensor_bundle.h \
	core/sstable.c \
	core/session.c \
	core/saved_model.c \
	core/executor.c \
	core/executor_cf.c \
	core/step_resources.c \
	core/workq.c \
	core/workq.h \
	core/executor_internal.h \
	core/graph_copy.c \
	core/graph_opt.c \
	core/partition.c \
	core/rendezvous.c \
	core/threadpool.c \
	core/device_cpu.c \
	core/device_memory.c \
	core/step_stats.c \
	core/ops/array_ops.c \
	core/ops/control_flow_ops.c \
	core/ops/data_flow_ops.c \
	core/ops/io_ops.c \
	core/ops/math_ops.c \
	core/ops/nn_ops.c \
	core/ops/parsing_ops.c \
	core/ops/random_ops.c \
	core/ops/sendrecv_ops.c \
	core/ops/set_ops.c \
	core/ops/state_ops.c \
	core/ops/summary_ops.c \
	core/ops/training_ops.c \
	core/ops/shape_fns.c \
	core/ops/shape_fns_array.c \
	core/ops/shape_fns_math.c \
	core/ops/shape_fns_nn.c \
	core/ops/shape_fns_misc.c \
	core/ops/shape_eval.c \
	core/ops/shape_util.c
libtfcbase_la_LIBADD = libtfcproto.la $(PROTOBUF_C_LIBS)

include $(top_srcdir)/core/gen.mk

# The installed library exports the public tfc_* names only.
lib_LTLIBRARIES += libtfc.la
libtfc_la_SOURCES =
libtfc_la_LIBADD = libtfccore.la
libtfc_la_LDFLAGS = -export-symbols-regex '^tfc_[a-z]' -version-info 0:0:0

# Tensors as JSON, text and .npy files (tfc_io.h).
pkginclude_HEADERS += core/tfc_io.h
libtfcbase_la_SOURCES += core/tensor_io.c core/tensor_json.c core/tensor_text.c core/tensor_npy.c
noinst_HEADERS += core/tensor_io_internal.h

# Building training graphs from C (tfc_train.h): gradients, initializers, optimizers.
pkginclude_HEADERS += core/tfc_train.h
noinst_HEADERS += core/grad_internal.h
libtfcbase_la_SOURCES += core/grad_build.c core/gradients.c core/grad_math.c core/grad_nn.c \
	core/grad_array.c core/initializers.c core/optimizers.c
