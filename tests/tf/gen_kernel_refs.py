#!/usr/bin/env python3
"""gen_kernel_refs.py: writes the reference cases of tfc's CPU kernel tests
(tests/data/kernels/*.txt, read by tests/kernel_ref.h) by running each op with real
TensorFlow (tf.raw_ops, eager). Run with a Python that has TensorFlow 2.x:
    python3 tests/tf/gen_kernel_refs.py tests/data/kernels
TensorFlow is only needed to regenerate the files; the tests read the committed
output. Inputs come from a fixed NumPy seed per file, so reruns give the same files."""
import sys, os, zlib
import numpy as np
import tensorflow as tf
from tensorflow.python.framework import op_def_registry

rng = np.random.RandomState(1234)
F32, F64, I32, I64, B = np.float32, np.float64, np.int32, np.int64, np.bool_
DT = {np.dtype(F32): 'float', np.dtype(F64): 'double', np.dtype(I32): 'int32',
      np.dtype(I64): 'int64', np.dtype(B): 'bool', np.dtype(np.uint8): 'uint8',
      np.dtype(np.int8): 'int8', np.dtype(np.int16): 'int16'}
TFDT = {tf.float32: 'float', tf.float64: 'double', tf.int32: 'int32', tf.int64: 'int64',
        tf.bool: 'bool', tf.uint8: 'uint8', tf.int8: 'int8', tf.int16: 'int16'}


def r(*shape, dt=F32, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, size=shape).astype(dt)


def ri(*shape, dt=I32, lo=-5, hi=6):
    return rng.randint(lo, hi, size=shape).astype(dt)


def fmt_tensor(a):
    a = np.asarray(a)
    words = [DT[a.dtype], str(a.ndim)] + [str(d) for d in a.shape]
    flat = a.reshape(-1)
    if a.dtype == F32:  # the shortest text that reads back as the same float
        words += [np.format_float_positional(v, unique=True, trim='-') if np.isfinite(v) else str(v)
                  for v in flat]
    elif a.dtype == F64:
        words += [repr(float(v)) for v in flat]
    elif a.dtype == B:
        words += ['1' if v else '0' for v in flat]
    else:
        words += [str(int(v)) for v in flat]
    return ' '.join(words)


class Writer:
    def __init__(self, path):
        self.f = open(path, 'w')
        self.names = set()
        self.n = 0

    def case(self, name, op, inputs, attrs=None, tol=None, via=None):
        """via: a function of the same arguments computing the outputs another way
        (TensorFlow's CPU kernels lack NCHW convolutions: they are computed as NHWC
        ones between transposes)."""
        attrs = attrs or {}
        assert name not in self.names, name
        self.names.add(name)
        od = op_def_registry.get(op)
        kw = {}
        import inspect
        pnames = list(inspect.signature(getattr(tf.raw_ops, op)).parameters)
        for arg, v in zip(pnames, inputs):
            kw[arg] = [tf.constant(x) for x in v] if isinstance(v, list) else tf.constant(v)
        alias = {'squeeze_dims': 'axis'}  # Python spellings of OpDef attr names
        kw.update({(alias.get(k, k) if k not in pnames else k): v for k, v in attrs.items()})
        res = via(**kw) if via else getattr(tf.raw_ops, op)(**kw)
        if isinstance(res, tf.Tensor):
            outs = [res]
        elif isinstance(res, np.ndarray):
            outs = [tf.constant(res)]
        elif isinstance(res, (list, tuple)) and len(res) and isinstance(res[0], list):
            outs = list(res[0])
        else:
            outs = list(res) if res is not None else []
        w = self.f.write
        w('case %s %s\n' % (name, op))
        kinds = {a.name: a.type for a in od.attr}
        for k, v in attrs.items():
            t = kinds[k]
            if t == 'bool':
                w('attr %s b %d\n' % (k, 1 if v else 0))
            elif t == 'int':
                w('attr %s i %d\n' % (k, v))
            elif t == 'float':
                w('attr %s f %r\n' % (k, float(v)))
            elif t == 'string':
                w('attr %s s %s\n' % (k, v.decode() if isinstance(v, bytes) else v))
            elif t == 'type':
                w('attr %s t %s\n' % (k, TFDT[tf.as_dtype(v)]))
            elif t == 'list(int)':
                w('attr %s li %d %s\n' % (k, len(v), ' '.join(str(x) for x in v)))
            else:
                raise ValueError('attr kind ' + t)
        for v in inputs:
            if isinstance(v, list):
                w('inlist %d\n' % len(v))
                for x in v:
                    w('in %s\n' % fmt_tensor(x))
            else:
                w('in %s\n' % fmt_tensor(v))
        for o in outs:
            w('out %s\n' % fmt_tensor(o.numpy()))
        if tol:
            w('tol %r %r\n' % tol)
        w('end\n')
        self.n += 1


def cwise(w):
    pos = lambda *s, dt=F32: r(*s, dt=dt, lo=0.1, hi=3.0)
    unit = lambda *s, dt=F32: r(*s, dt=dt, lo=-0.9, hi=0.9)
    for dt, sfx in ((F32, 'f32'), (F64, 'f64')):
        x = r(2, 3, dt=dt)
        for op in ('Abs', 'Neg', 'Sign', 'Square', 'Exp', 'Expm1', 'Sin', 'Cos', 'Tan', 'Tanh',
                   'Sigmoid', 'Floor', 'Ceil', 'Relu', 'Relu6', 'Elu', 'Selu', 'Softplus',
                   'Softsign', 'IsFinite', 'Rint'):
            w.case('%s_%s' % (op, sfx), op, [r(2, 3, dt=dt, lo=-8, hi=8) if op == 'Relu6' else x])
        for op in ('Reciprocal', 'Sqrt', 'Rsqrt', 'Log', 'Log1p', 'Inv'):
            w.case('%s_%s' % (op, sfx), op, [pos(5, dt=dt)])
        w.case('Round_%s' % sfx, 'Round', [np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.6, -0.2], dt)])
        w.case('IsNan_%s' % sfx, 'IsNan', [np.array([0, np.nan, np.inf, -1], dt)])
        w.case('IsInf_%s' % sfx, 'IsInf', [np.array([0, np.nan, np.inf, -np.inf], dt)])
        w.case('IsFinite_special_%s' % sfx, 'IsFinite', [np.array([0, np.nan, np.inf, -np.inf], dt)])
        w.case('LeakyRelu_%s' % sfx, 'LeakyRelu', [x], {'alpha': 0.3})
        for op in ('SqrtGrad', 'RsqrtGrad', 'TanhGrad', 'SigmoidGrad', 'ReciprocalGrad', 'InvGrad'):
            w.case('%s_%s' % (op, sfx), op, [pos(2, 3, dt=dt), r(2, 3, dt=dt)])
        for op in ('ReluGrad', 'Relu6Grad', 'SoftplusGrad', 'SoftsignGrad'):
            w.case('%s_%s' % (op, sfx), op, [r(2, 3, dt=dt), r(2, 3, dt=dt, lo=-7, hi=7)])
        w.case('EluGrad_%s' % sfx, 'EluGrad', [r(2, 3, dt=dt), r(2, 3, dt=dt, lo=-0.9, hi=2)])
        w.case('SeluGrad_%s' % sfx, 'SeluGrad', [r(2, 3, dt=dt), r(2, 3, dt=dt, lo=-1.7, hi=2)])
        w.case('LeakyReluGrad_%s' % sfx, 'LeakyReluGrad', [r(2, 3, dt=dt), x], {'alpha': 0.1})
    for dt, sfx in ((I32, 'i32'), (I64, 'i64')):
        x = ri(7, dt=dt, lo=-9, hi=10)
        for op in ('Abs', 'Neg', 'Sign', 'Square', 'Relu', 'Relu6'):
            w.case('%s_%s' % (op, sfx), op, [x])
        w.case('ReluGrad_%s' % sfx, 'ReluGrad', [ri(7, dt=dt), x])
    w.case('LogicalNot', 'LogicalNot', [np.array([True, False, True])])
    # binary, with broadcasting
    shapes = [((2, 3), (2, 3)), ((2, 3), (3,)), ((3, 1), (1, 4)), ((), (2, 2)), ((2, 1, 3), (4, 1)),
              ((2, 3, 4), (2, 1, 4))]
    for dt, sfx in ((F32, 'f32'), (F64, 'f64')):
        for op in ('Add', 'AddV2', 'Sub', 'Mul', 'RealDiv', 'Div', 'Maximum', 'Minimum',
                   'SquaredDifference', 'FloorDiv', 'FloorMod', 'Pow', 'DivNoNan', 'Mod',
                   'Less', 'LessEqual', 'Greater', 'GreaterEqual', 'Equal', 'NotEqual'):
            for k, (sa, sb) in enumerate(shapes if op in ('Add', 'Mul', 'Less') else shapes[:3]):
                a = r(*sa, dt=dt)
                b = r(*sb, dt=dt)
                if op == 'Pow':
                    a = np.abs(a) + 0.1
                if op in ('Equal', 'NotEqual', 'LessEqual', 'GreaterEqual'):
                    b = np.broadcast_to(a, np.broadcast(a, b).shape)[tuple(0 for _ in sb)] * np.ones(sb, dt) if k == 0 else b
                    b = np.array(b, dt)
                    if k == 0:
                        b = a.copy(); b.flat[0] += 1
                if op == 'DivNoNan' and b.size > 1:
                    b.flat[1] = 0
                w.case('%s_%s_%d' % (op, sfx, k), op, [a, b])
    for dt, sfx in ((I32, 'i32'), (I64, 'i64')):
        for op in ('Add', 'AddV2', 'Sub', 'Mul', 'Maximum', 'Minimum', 'SquaredDifference',
                   'FloorDiv', 'FloorMod', 'TruncateDiv', 'Div', 'Mod', 'Pow', 'Less', 'Equal',
                   'NotEqual', 'GreaterEqual'):
            a = ri(2, 3, dt=dt, lo=-9, hi=10)
            b = ri(3, dt=dt, lo=1, hi=5) * np.array([1, -1, 1], dt)
            if op == 'Pow':
                b = np.abs(b)
            w.case('%s_%s' % (op, sfx), op, [a, b])
    for op in ('LogicalAnd', 'LogicalOr', 'Equal', 'NotEqual'):
        w.case('%s_bool' % op, op, [np.array([[True, False], [False, False]]), np.array([True, False])])
    # AddN, Cast, Select
    for dt, sfx in ((F32, 'f32'), (F64, 'f64'), (I32, 'i32'), (I64, 'i64')):
        w.case('AddN_%s' % sfx, 'AddN', [[ri(2, 2, dt=dt), ri(2, 2, dt=dt), ri(2, 2, dt=dt)]])
    w.case('AddN_one', 'AddN', [[r(3)]])
    src = {'f32': r(6, lo=-300, hi=300), 'f64': r(6, dt=F64, lo=-3e9, hi=3e9),
           'i32': ri(6, lo=-300, hi=300), 'i64': ri(6, dt=I64, lo=-2**40, hi=2**40),
           'bool': np.array([True, False, True, True, False, False])}
    for s, x in src.items():
        for d in (tf.float32, tf.float64, tf.int32, tf.int64, tf.bool, tf.uint8):
            if s == 'f64' and d in (tf.int32, tf.uint8):
                continue  # out of range: TensorFlow's result is platform-defined
            if s == 'f32' and d == tf.uint8:
                continue
            w.case('Cast_%s_%s' % (s, TFDT[d]), 'Cast', [x], {'DstT': d})
    c = np.array([True, False, True])
    w.case('Select_same', 'Select', [np.array([[True, False], [False, True]]), r(2, 2), r(2, 2)])
    w.case('Select_vec', 'Select', [c, r(3, 2), r(3, 2)])
    w.case('Select_scalar', 'Select', [np.array(False), ri(3, 2), ri(3, 2)])
    w.case('SelectV2_bcast', 'SelectV2', [np.array([True, False]), r(3, 1), r(1, 2)])
    w.case('SelectV2_bcast2', 'SelectV2', [np.array([[True], [False]]), r(2, 3, dt=F64), r(3, dt=F64)])


def reductions(w):
    ax = lambda *a: np.array(a, I32)
    for dt, sfx in ((F32, 'f32'), (F64, 'f64'), (I32, 'i32'), (I64, 'i64')):
        x = r(2, 3, 4, dt=dt) if dt in (F32, F64) else ri(2, 3, 4, dt=dt)
        for op in ('Sum', 'Mean', 'Max', 'Min', 'Prod'):
            for k, (axes, keep) in enumerate(((ax(1), False), (ax(0, 2), True), (ax(-1), False),
                                              (ax(0, 1, 2), False), (ax(), False), (np.array(2, I32), True),
                                              (ax(0), False), (ax(1, 2), False), (ax(0, 1), True),
                                              (np.array([-3, 2], I64), False))):
                w.case('%s_%s_%d' % (op, sfx, k), op, [x, axes], {'keep_dims': keep})
        for op in ('ArgMax', 'ArgMin'):
            for k, d in enumerate((0, 1, -1)):
                w.case('%s_%s_%d' % (op, sfx, k), op, [x, np.array(d, I32)])
            w.case('%s_%s_i32out' % (op, sfx), op, [x, np.array(2, I64)], {'output_type': tf.int32})
    w.case('Sum_empty', 'Sum', [np.zeros((0, 3), F32), ax(0)])
    w.case('Max_empty_f32', 'Max', [np.zeros((2, 0), F32), ax(1)])
    w.case('Sum_big_rows', 'Sum', [r(32, 300), ax(1)], tol=(1e-4, 1e-4))
    w.case('Sum_big_cols', 'Sum', [r(300, 32), ax(0)], tol=(1e-4, 1e-4))
    w.case('Mean_4d', 'Mean', [r(2, 3, 4, 5), ax(0, 2)])
    w.case('Max_4d', 'Max', [r(2, 3, 4, 5), ax(1, 3)], {'keep_dims': True})
    b = rng.rand(3, 4) > 0.3
    for op in ('All', 'Any'):
        for k, (axes, keep) in enumerate(((ax(1), False), (ax(0), True), (ax(0, 1), False), (ax(), False))):
            w.case('%s_%d' % (op, k), op, [b, axes], {'keep_dims': keep})


def arrays(w):
    x = r(2, 3, 4)
    xi = ri(2, 3, 4)
    for dt, sfx, v in ((F32, 'f32', x), (I32, 'i32', xi), (F64, 'f64', x.astype(F64)), (I64, 'i64', xi.astype(I64)), (B, 'bool', xi > 0)):
        w.case('Transpose_%s' % sfx, 'Transpose', [v, np.array([2, 0, 1], I32)])
        w.case('ConcatV2_%s' % sfx, 'ConcatV2', [[v, v[:, :2]], np.array(1, I32)])
        w.case('Slice_%s' % sfx, 'Slice', [v, np.array([1, 0, 1], I32), np.array([1, -1, 2], I32)])
        w.case('Tile_%s' % sfx, 'Tile', [v[:, :2, :2], np.array([2, 1, 3], I32)])
        w.case('Pad_%s' % sfx, 'Pad', [v, np.array([[1, 0], [0, 2], [1, 1]], I32)])
    w.case('Transpose_2d', 'Transpose', [r(3, 5), np.array([1, 0], I64)])
    w.case('Transpose_4d', 'Transpose', [r(2, 3, 4, 5), np.array([0, 3, 1, 2], I32)])
    w.case('Transpose_id', 'Transpose', [r(2, 3), np.array([0, 1], I32)])
    w.case('ConcatV2_neg', 'ConcatV2', [[r(2, 2), r(2, 3), r(2, 1)], np.array(-1, I32)])
    w.case('ConcatV2_0', 'ConcatV2', [[r(1, 2), r(2, 2)], np.array(0, I64)])
    w.case('Concat_v1', 'Concat', [np.array(0, I32), [r(1, 2), r(3, 2)]])
    w.case('ConcatOffset', 'ConcatOffset', [np.array(1, I32), [np.array([2, 3, 5], I32), np.array([2, 4, 5], I32), np.array([2, 1, 5], I32)]])
    for k, (shape, axis) in enumerate((((3, 2), 0), ((2, 3, 2), 1), ((2, 4), -1))):
        v = r(*shape)
        w.case('Unpack_%d' % k, 'Unpack', [v], {'num': v.shape[axis], 'axis': axis})
        w.case('Pack_%d' % k, 'Pack', [[v, v + 1]], {'axis': axis})
    w.case('Split_0', 'Split', [np.array(1, I32), r(2, 6)], {'num_split': 3})
    w.case('Split_neg', 'Split', [np.array(-3, I32), r(4, 2, 3)], {'num_split': 2})
    w.case('SplitV_0', 'SplitV', [r(2, 6), np.array([1, 3, 2], I64), np.array(1, I32)], {'num_split': 3})
    w.case('SplitV_unknown', 'SplitV', [r(5, 2), np.array([1, -1, 2], I32), np.array(0, I32)], {'num_split': 3})
    w.case('Slice_all', 'Slice', [r(3, 4), np.array([0, 0], I64), np.array([-1, -1], I64)])
    w.case('Slice_empty', 'Slice', [r(3, 4), np.array([1, 4], I32), np.array([2, 0], I32)])
    v = r(4, 5, 6)
    ss = [  # begin, end, strides, masks
        ([1, 0, 0], [3, 5, 6], [1, 1, 1], {}),
        ([0, 0, 0], [4, 5, 6], [2, 2, 3], {}),
        ([-1, 0, 0], [0, 5, 6], [-1, 1, 1], {'begin_mask': 0, 'end_mask': 1}),
        ([3, 4, 5], [0, 0, 0], [-1, -2, -1], {'end_mask': 7}),
        ([1, 2], [2, 4], [1, 1], {'shrink_axis_mask': 1}),
        ([0, 1], [0, 3], [1, 1], {'ellipsis_mask': 1}),
        ([0, 0, 1], [0, 0, 2], [1, 1, 1], {'new_axis_mask': 2, 'begin_mask': 1, 'end_mask': 1}),
        ([2], [3], [1], {'shrink_axis_mask': 1}),
        ([0, 1, 0], [0, 2, 0], [1, 1, 1], {'ellipsis_mask': 1, 'shrink_axis_mask': 2, 'new_axis_mask': 4}),
        ([-3, -100], [100, -1], [1, 1], {}),
        ([0, 0, -1], [0, 0, -7], [1, 1, -1], {'begin_mask': 3, 'end_mask': 3}),
        ([1, 1, 1], [1, 1, 1], [1, 1, 1], {}),
    ]
    for k, (b_, e_, s_, m) in enumerate(ss):
        w.case('StridedSlice_%d' % k, 'StridedSlice', [v, np.array(b_, I32), np.array(e_, I32), np.array(s_, I32)], m)
    for k, (b_, e_, s_, m) in enumerate(ss):
        y = tf.raw_ops.StridedSlice(input=v, begin=np.array(b_, I32), end=np.array(e_, I32), strides=np.array(s_, I32), **m).numpy()
        w.case('StridedSliceGrad_%d' % k, 'StridedSliceGrad', [np.array(v.shape, I32), np.array(b_, I32), np.array(e_, I32), np.array(s_, I32), r(*y.shape)], m)
    w.case('UnsortedSegmentSum_0', 'UnsortedSegmentSum', [r(5, 3), np.array([0, 2, 0, -1, 3], I32), np.array(4, I32)])
    w.case('UnsortedSegmentSum_1', 'UnsortedSegmentSum', [ri(2, 3, 2), np.array([[1, 1, 0], [2, 0, 1]], I64), np.array(3, I64)])
    w.case('UnsortedSegmentSum_f64', 'UnsortedSegmentSum', [r(4, dt=F64), np.array([1, 1, 1, 0], I32), np.array(2, I32)])
    w.case('ScatterNd_0', 'ScatterNd', [np.array([[4], [3], [1], [7], [1]], I32), r(5), np.array([8], I32)])
    w.case('ScatterNd_1', 'ScatterNd', [np.array([[0], [2]], I64), r(2, 4, 2), np.array([4, 4, 2], I64)])
    w.case('ScatterNd_2', 'ScatterNd', [np.array([[0, 1], [2, 2], [0, 1]], I32), ri(3, 3), np.array([3, 3, 3], I32)])
    w.case('StridedSlice_i64', 'StridedSlice', [ri(5, dt=I64), np.array([4], I64), np.array([0], I64), np.array([-2], I64)])
    w.case('Tile_zero', 'Tile', [r(2, 2), np.array([0, 2], I32)])
    w.case('Tile_1d', 'Tile', [ri(3), np.array([4], I64)])
    w.case('PadV2', 'PadV2', [r(2, 2), np.array([[1, 1], [2, 0]], I64), np.array(7.5, F32)])
    w.case('Pad_scalar0', 'Pad', [r(3), np.array([[0, 0]], I32)])
    w.case('BroadcastTo_0', 'BroadcastTo', [r(3), np.array([2, 3], I32)])
    w.case('BroadcastTo_1', 'BroadcastTo', [ri(2, 1), np.array([3, 2, 4], I64)])
    w.case('BroadcastTo_same', 'BroadcastTo', [r(2, 2), np.array([2, 2], I32)])
    p = r(5, 3)
    w.case('Gather_0', 'Gather', [p, np.array([4, 0, 2, 2], I32)])
    w.case('Gather_2d', 'Gather', [p, np.array([[1, 0], [3, 4]], I64)])
    w.case('GatherV2_ax1', 'GatherV2', [r(2, 4, 3), np.array([3, 1], I32), np.array(1, I32)])
    w.case('GatherV2_neg', 'GatherV2', [ri(2, 4, 3), np.array([[2], [0]], I32), np.array(-1, I64)])
    w.case('GatherV2_scalar', 'GatherV2', [r(4, 2), np.array(3, I32), np.array(0, I32)])
    w.case('GatherNd_0', 'GatherNd', [r(3, 4), np.array([[0, 1], [2, 3]], I32)])
    w.case('GatherNd_1', 'GatherNd', [r(3, 4, 2), np.array([[2], [0]], I64)])
    w.case('GatherNd_2', 'GatherNd', [ri(3, 4), np.array([[[1, 1]], [[0, 0]]], I32)])
    w.case('OneHot_0', 'OneHot', [np.array([0, 2, -1, 1], I64), np.array(3, I32), np.array(1.0, F32), np.array(0.0, F32)])
    w.case('OneHot_ax0', 'OneHot', [np.array([[0, 2], [1, 5]], I32), np.array(4, I32), np.array(5, I32), np.array(-1, I32)], {'axis': 0})
    w.case('OneHot_ax1', 'OneHot', [np.array([[0, 2], [1, 3]], I32), np.array(4, I32), np.array(2.0, F64), np.array(0.5, F64)], {'axis': 1})
    w.case('DynamicStitch_0', 'DynamicStitch', [[np.array([0, 2], I32), np.array([1, 3], I32)], [r(2, 3), r(2, 3)]])
    w.case('DynamicStitch_overlap', 'DynamicStitch', [[np.array(1, I32), np.array([[0], [1]], I32)], [ri(2), ri(2, 1, 2)]])
    w.case('Range_i32', 'Range', [np.array(3, I32), np.array(18, I32), np.array(4, I32)])
    w.case('Range_neg', 'Range', [np.array(10, I64), np.array(2, I64), np.array(-3, I64)])
    w.case('Range_f32', 'Range', [np.array(0.5, F32), np.array(2.0, F32), np.array(0.25, F32)])
    w.case('Range_f64', 'Range', [np.array(1.0, F64), np.array(-1.0, F64), np.array(-0.3, F64)])
    w.case('InvertPermutation', 'InvertPermutation', [np.array([2, 0, 3, 1], I32)])
    for k, (a, b) in enumerate((([2, 3], [3]), ([2, 1, 3], [4, 1]), ([1], [2, 1]), ([], [3]), ([1, 1], [1, 1]), ([5, 4], [5, 4]))):
        w.case('BroadcastGradientArgs_%d' % k, 'BroadcastGradientArgs', [np.array(a, I32), np.array(b, I32)])
    w.case('ShapeN', 'ShapeN', [[r(2, 3), r(4)]])
    w.case('ShapeN_i64', 'ShapeN', [[r(2, 3), r()]], {'out_type': tf.int64})
    w.case('Size', 'Size', [r(2, 3)])
    w.case('Size_i64', 'Size', [r(2, 0)], {'out_type': tf.int64})
    w.case('Rank', 'Rank', [r(2, 3, 1)])
    w.case('ExpandDims_0', 'ExpandDims', [r(2, 3), np.array(0, I32)])
    w.case('ExpandDims_neg', 'ExpandDims', [r(2, 3), np.array(-1, I64)])
    w.case('Squeeze_all', 'Squeeze', [r(1, 2, 1, 3)])
    w.case('Squeeze_some', 'Squeeze', [r(1, 2, 1, 3)], {'squeeze_dims': [-2]})
    w.case('OnesLike', 'OnesLike', [ri(2, 2)])
    w.case('OnesLike_f', 'OnesLike', [r(3)])
    w.case('ZerosLike', 'ZerosLike', [r(3)])
    w.case('Fill', 'Fill', [np.array([2, 3], I32), np.array(1.5, F32)])
    w.case('Reshape', 'Reshape', [r(2, 6), np.array([3, -1], I32)])
    w.case('Snapshot', 'Snapshot', [r(3)])
    w.case('StopGradient', 'StopGradient', [r(3)])
    w.case('PreventGradient', 'PreventGradient', [r(3)])


def nchw(t):
    return tf.transpose(t, [0, 3, 1, 2])


def nhwc(t):
    return tf.transpose(t, [0, 2, 3, 1])


def perm4(v):  # an NCHW-ordered attr list as NHWC
    return [v[0], v[2], v[3], v[1]]


def via_nchw(op, in_idx, sizes_idx=None):
    """Runs op in NHWC: the NCHW inputs named in in_idx transposed, output back."""
    def f(**kw):
        kw = dict(kw)
        for k in in_idx:
            kw[k] = nhwc(kw[k])
        if sizes_idx:
            kw[sizes_idx] = tf.constant(perm4(list(kw[sizes_idx].numpy())), kw[sizes_idx].dtype)
        for a in ('strides', 'dilations', 'ksize'):
            if a in kw:
                kw[a] = perm4(kw[a])
        if 'explicit_paddings' in kw and kw['explicit_paddings']:
            p = kw['explicit_paddings']
            kw['explicit_paddings'] = p[0:2] + p[4:8] + p[2:4]
        kw['data_format'] = 'NHWC'
        out = getattr(tf.raw_ops, op)(**kw)
        return nchw(out) if op not in ('Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter') else out
    return f


def dilate(f, dh, dw):
    kh, kw = f.shape[0], f.shape[1]
    g = np.zeros(((kh - 1) * dh + 1, (kw - 1) * dw + 1) + f.shape[2:], f.dtype)
    g[::dh, ::dw] = f
    return g


def via_dilated(op):
    """TensorFlow's CPU backprops lack dilations: a dilated filter is the undilated
    one with zeros between its taps."""
    def f(**kw):
        kw = dict(kw)
        dh, dw = kw['dilations'][1], kw['dilations'][2]
        kw['dilations'] = [1, 1, 1, 1]
        if op == 'Conv2DBackpropInput':
            kw['filter'] = tf.constant(dilate(kw['filter'].numpy(), dh, dw))
            return tf.raw_ops.Conv2DBackpropInput(**kw)
        fs = kw['filter_sizes'].numpy()
        kw['filter_sizes'] = tf.constant([(fs[0] - 1) * dh + 1, (fs[1] - 1) * dw + 1, fs[2], fs[3]], tf.int32)
        return tf.raw_ops.Conv2DBackpropFilter(**kw).numpy()[::dh, ::dw]
    return f


def nn(w):
    for dt, sfx in ((F32, 'f32'), (F64, 'f64')):
        a, b = r(3, 4, dt=dt), r(4, 5, dt=dt)
        w.case('MatMul_%s' % sfx, 'MatMul', [a, b])
        w.case('MatMul_ta_%s' % sfx, 'MatMul', [a.T.copy(), b], {'transpose_a': True})
        w.case('MatMul_tb_%s' % sfx, 'MatMul', [a, b.T.copy()], {'transpose_b': True})
        w.case('MatMul_tab_%s' % sfx, 'MatMul', [a.T.copy(), b.T.copy()], {'transpose_a': True, 'transpose_b': True})
        w.case('BatchMatMul_%s' % sfx, 'BatchMatMul', [r(2, 3, 4, dt=dt), r(2, 4, 2, dt=dt)])
        w.case('BatchMatMul_adj_%s' % sfx, 'BatchMatMul', [r(2, 4, 3, dt=dt), r(2, 2, 4, dt=dt)], {'adj_x': True, 'adj_y': True})
        w.case('BatchMatMulV2_bcast_%s' % sfx, 'BatchMatMulV2', [r(2, 1, 3, 4, dt=dt), r(3, 4, 2, dt=dt)])
        w.case('BatchMatMulV2_2d_%s' % sfx, 'BatchMatMulV2', [r(3, 4, dt=dt), r(2, 4, 5, dt=dt)])
        w.case('BiasAdd_%s' % sfx, 'BiasAdd', [r(2, 3, 4, dt=dt), r(4, dt=dt)])
        w.case('BiasAdd_nchw_%s' % sfx, 'BiasAdd', [r(2, 3, 2, 2, dt=dt), r(3, dt=dt)], {'data_format': 'NCHW'})
        w.case('BiasAddV1_%s' % sfx, 'BiasAddV1', [r(5, 2, dt=dt), r(2, dt=dt)])
        w.case('BiasAddGrad_%s' % sfx, 'BiasAddGrad', [r(2, 3, 4, dt=dt)])
        w.case('BiasAddGrad_nchw_%s' % sfx, 'BiasAddGrad', [r(2, 3, 2, 2, dt=dt)], {'data_format': 'NCHW'})
        w.case('Softmax_%s' % sfx, 'Softmax', [r(2, 3, 5, dt=dt, lo=-10, hi=10)])
        w.case('LogSoftmax_%s' % sfx, 'LogSoftmax', [r(4, 5, dt=dt, lo=-10, hi=10)])
        lab = rng.dirichlet(np.ones(5), size=4).astype(dt)
        w.case('SoftmaxXent_%s' % sfx, 'SoftmaxCrossEntropyWithLogits', [r(4, 5, dt=dt, lo=-5, hi=5), lab])
        w.case('SparseSoftmaxXent_%s' % sfx, 'SparseSoftmaxCrossEntropyWithLogits', [r(4, 5, dt=dt, lo=-5, hi=5), np.array([0, 4, 2, 2], I32)])
        w.case('SparseSoftmaxXent64_%s' % sfx, 'SparseSoftmaxCrossEntropyWithLogits', [r(3, 2, dt=dt), np.array([1, 0, 1], I64)])
        w.case('L2Loss_%s' % sfx, 'L2Loss', [r(3, 4, dt=dt)])
    # convolutions
    convs = [  # input NHWC, filter HWIO, strides, padding, dilations, explicit
        ((2, 5, 5, 3), (3, 3, 3, 4), [1, 1, 1, 1], 'SAME', [1, 1, 1, 1], []),
        ((1, 6, 7, 2), (2, 3, 2, 3), [1, 2, 2, 1], 'VALID', [1, 1, 1, 1], []),
        ((2, 7, 6, 2), (3, 2, 2, 2), [1, 2, 1, 1], 'SAME', [1, 1, 1, 1], []),
        ((1, 5, 5, 1), (1, 1, 1, 3), [1, 1, 1, 1], 'VALID', [1, 1, 1, 1], []),
        ((1, 8, 8, 2), (3, 3, 2, 2), [1, 1, 1, 1], 'VALID', [1, 2, 2, 1], []),
        ((1, 6, 6, 2), (3, 3, 2, 3), [1, 2, 2, 1], 'EXPLICIT', [1, 1, 1, 1], [0, 0, 1, 2, 0, 1, 0, 0]),
        ((2, 4, 4, 3), (2, 2, 3, 2), [1, 1, 1, 1], 'SAME', [1, 1, 1, 1], []),
    ]
    for k, (xs, fs, st, pad, dil, ex) in enumerate(convs):
        for dt, sfx in ((F32, 'f32'), (F64, 'f64')):
            x, f = r(*xs, dt=dt), r(*fs, dt=dt)
            attrs = {'strides': st, 'padding': pad, 'dilations': dil}
            if ex:
                attrs['explicit_paddings'] = ex
            y = tf.raw_ops.Conv2D(input=x, filter=f, **attrs).numpy()
            dy = r(*y.shape, dt=dt)
            w.case('Conv2D_%d_%s' % (k, sfx), 'Conv2D', [x, f], attrs, tol=(1e-4, 1e-5))
            dv = lambda o: via_dilated(o) if dil[1] > 1 else None
            w.case('Conv2DBackpropInput_%d_%s' % (k, sfx), 'Conv2DBackpropInput', [np.array(xs, I32), f, dy], attrs, tol=(1e-4, 1e-5), via=dv('Conv2DBackpropInput'))
            w.case('Conv2DBackpropFilter_%d_%s' % (k, sfx), 'Conv2DBackpropFilter', [x, np.array(fs, I32), dy], attrs, tol=(1e-4, 1e-5), via=dv('Conv2DBackpropFilter'))
            if sfx == 'f32' and dil[1] == 1:
                # NCHW
                n_st = [st[0], st[3], st[1], st[2]]
                n_dil = [dil[0], dil[3], dil[1], dil[2]]
                na = {'strides': n_st, 'padding': pad, 'dilations': n_dil, 'data_format': 'NCHW'}
                if ex:
                    na['explicit_paddings'] = ex[0:2] + ex[6:8] + ex[2:6]
                xn = np.transpose(x, [0, 3, 1, 2]).copy()
                dyn = np.transpose(dy, [0, 3, 1, 2]).copy()
                w.case('Conv2D_nchw_%d' % k, 'Conv2D', [xn, f], na, tol=(1e-4, 1e-5), via=via_nchw('Conv2D', ['input']))
                w.case('Conv2DBackpropInput_nchw_%d' % k, 'Conv2DBackpropInput', [np.array([xs[0], xs[3], xs[1], xs[2]], I32), f, dyn], na, tol=(1e-4, 1e-5), via=via_nchw('Conv2DBackpropInput', ['out_backprop'], 'input_sizes'))
                w.case('Conv2DBackpropFilter_nchw_%d' % k, 'Conv2DBackpropFilter', [xn, np.array(fs, I32), dyn], na, tol=(1e-4, 1e-5), via=via_nchw('Conv2DBackpropFilter', ['input', 'out_backprop']))
    dws = [((2, 5, 5, 3), (3, 3, 3, 2), [1, 1, 1, 1], 'SAME'), ((1, 6, 7, 2), (2, 2, 2, 1), [1, 2, 2, 1], 'VALID')]
    for k, (xs, fs, st, pad) in enumerate(dws):
        x, f = r(*xs), r(*fs)
        attrs = {'strides': st, 'padding': pad}
        y = tf.raw_ops.DepthwiseConv2dNative(input=x, filter=f, **attrs).numpy()
        dy = r(*y.shape)
        w.case('Depthwise_%d' % k, 'DepthwiseConv2dNative', [x, f], attrs, tol=(1e-4, 1e-5))
        w.case('DepthwiseBackpropInput_%d' % k, 'DepthwiseConv2dNativeBackpropInput', [np.array(xs, I32), f, dy], attrs, tol=(1e-4, 1e-5))
        w.case('DepthwiseBackpropFilter_%d' % k, 'DepthwiseConv2dNativeBackpropFilter', [x, np.array(fs, I32), dy], attrs, tol=(1e-4, 1e-5))
    pools = [((2, 5, 5, 3), [1, 2, 2, 1], [1, 2, 2, 1], 'VALID'), ((1, 5, 6, 2), [1, 3, 3, 1], [1, 2, 2, 1], 'SAME'),
             ((1, 4, 4, 1), [1, 2, 3, 1], [1, 1, 2, 1], 'SAME')]
    for k, (xs, ks, st, pad) in enumerate(pools):
        for dt, sfx in ((F32, 'f32'), (F64, 'f64')):
            x = r(*xs, dt=dt)
            attrs = {'ksize': ks, 'strides': st, 'padding': pad}
            w.case('MaxPool_%d_%s' % (k, sfx), 'MaxPool', [x], attrs)
            w.case('AvgPool_%d_%s' % (k, sfx), 'AvgPool', [x], attrs)
            y = tf.raw_ops.MaxPool(input=x, **attrs).numpy()
            dy = r(*y.shape, dt=dt)
            if dt == F32:  # (raw_ops.MaxPoolGrad refuses double here)
                w.case('MaxPoolGrad_%d_%s' % (k, sfx), 'MaxPoolGrad', [x, y, dy], attrs)
            w.case('AvgPoolGrad_%d_%s' % (k, sfx), 'AvgPoolGrad', [np.array(xs, I32), dy], attrs)
            if dt == F32:
                w.case('MaxPoolV2_%d' % k, 'MaxPoolV2', [x, np.array(ks, I32), np.array(st, I32)], {'padding': pad})
                w.case('MaxPoolGradV2_%d' % k, 'MaxPoolGradV2', [x, y, dy, np.array(ks, I32), np.array(st, I32)], {'padding': pad})
        x = r(*xs)
        na = {'ksize': [ks[0], ks[3], ks[1], ks[2]], 'strides': [st[0], st[3], st[1], st[2]], 'padding': pad, 'data_format': 'NCHW'}
        xn = np.transpose(x, [0, 3, 1, 2]).copy()
        w.case('MaxPool_nchw_%d' % k, 'MaxPool', [xn], na, via=via_nchw('MaxPool', ['input']))
        w.case('AvgPool_nchw_%d' % k, 'AvgPool', [xn], na, via=via_nchw('AvgPool', ['value']))


def training(w):
    """Optimizer updates: each case's inputs are the variable and slot values, then the
    scalars and gradient as the op takes them; its outputs are the variable and slots
    after the update has run twice (TensorFlow's resource form)."""
    specs = [
        ('ResourceApplyGradientDescent', 1, lambda g: [np.array(0.1), g], {}),
        ('ResourceApplyMomentum', 2, lambda g: [np.array(0.1), g, np.array(0.9)], {}),
        ('ResourceApplyMomentum', 2, lambda g: [np.array(0.1), g, np.array(0.9)], {'use_nesterov': True}),
        ('ResourceApplyKerasMomentum', 2, lambda g: [np.array(0.1), g, np.array(0.9)], {}),
        ('ResourceApplyKerasMomentum', 2, lambda g: [np.array(0.1), g, np.array(0.9)], {'use_nesterov': True}),
        ('ResourceApplyAdagrad', 2, lambda g: [np.array(0.1), g], {}),
        ('ResourceApplyAdam', 3, lambda g: [np.array(0.9), np.array(0.999), np.array(0.01), np.array(0.9),
                                           np.array(0.999), np.array(1e-7), g], {}),
        ('ResourceApplyAdam', 3, lambda g: [np.array(0.81), np.array(0.998), np.array(0.01), np.array(0.9),
                                           np.array(0.999), np.array(1e-7), g], {'use_nesterov': True}),
        ('ResourceApplyRMSProp', 3, lambda g: [np.array(0.01), np.array(0.9), np.array(0.5), np.array(1e-6), g], {}),
        ('ResourceApplyAdadelta', 3, lambda g: [np.array(1.0), np.array(0.95), np.array(1e-6), g], {}),
    ]
    for k, (op, nslots, scal, attrs) in enumerate(specs):
        for dt, sfx in ((F32, 'f32'), (F64, 'f64')):
            vals = [r(2, 3, dt=dt)] + [r(2, 3, dt=dt, lo=0.1, hi=1.0) for _ in range(nslots - 1)]
            g = r(2, 3, dt=dt)
            rest = [np.asarray(x, dt) for x in scal(g)]
            vs = [tf.Variable(v) for v in vals]
            names = ['var', 'accum'] if nslots == 2 else ['var', 'm', 'v'] if 'Adam' in op else \
                ['var', 'ms', 'mom'] if 'RMS' in op else ['var', 'accum', 'accum_update'] if nslots == 3 else ['var']
            import inspect
            pnames = list(inspect.signature(getattr(tf.raw_ops, op)).parameters)
            kw = {pn: v.handle for pn, v in zip(pnames, vs)}
            kw.update({pn: tf.constant(x) for pn, x in zip(pnames[nslots:], rest)})
            kw.update(attrs)
            for _ in range(2):
                getattr(tf.raw_ops, op)(**kw)
            wr = w.f.write
            wr('case %s_%d_%s %s\n' % (op, k, sfx, op))
            for a, v in attrs.items():
                wr('attr %s b %d\n' % (a, 1 if v else 0))
            for x in vals + rest:
                wr('in %s\n' % fmt_tensor(x))
            for v in vs:
                wr('out %s\n' % fmt_tensor(v.numpy()))
            wr('end\n')
            w.n += 1


def norms(w):
    for k, (op, gop) in enumerate((('FusedBatchNorm', 'FusedBatchNormGrad'), ('FusedBatchNormV2', 'FusedBatchNormGradV2'),
                                   ('FusedBatchNormV3', 'FusedBatchNormGradV3'))):
        for training in (True, False):
            for fmt in ('NHWC', 'NCHW'):
                x = r(2, 3, 4, 5, lo=-1, hi=3)
                c = x.shape[3] if fmt == 'NHWC' else x.shape[1]
                scale, offset = r(c, lo=0.5, hi=1.5), r(c)
                mean, var = r(c), r(c, lo=0.5, hi=2)
                attrs = {'is_training': training, 'epsilon': 0.001, 'data_format': fmt}
                name = '%s_%s_%s' % (op, 'train' if training else 'infer', fmt)
                w.case(name, op, [x, scale, offset, mean, var], attrs, tol=(1e-4, 1e-5))
                outs = getattr(tf.raw_ops, op)(x=x, scale=scale, offset=offset, mean=mean, variance=var, **attrs)
                dy = r(*x.shape)
                ins = [dy, x, scale, outs[3].numpy(), outs[4].numpy()]
                if gop.endswith('V3'):
                    ins.append(outs[5].numpy())
                w.case('%s_%s_%s' % (gop, 'train' if training else 'infer', fmt), gop, ins, attrs, tol=(1e-4, 1e-5))
    # (exponential_avg_factor is not in tfc's op records, which follow an older
    # ops.pbtxt: the kernel reads it when present, with 1 as default.)
    for k, (rad, bias, alpha, beta) in enumerate(((2, 1.0, 0.5, 0.75), (5, 2.0, 1e-4, 0.5), (1, 1.0, 1.0, 1.0))):
        x = r(2, 3, 3, 7)
        a = {'depth_radius': rad, 'bias': bias, 'alpha': alpha, 'beta': beta}
        w.case('LRN_%d' % k, 'LRN', [x], a, tol=(1e-4, 1e-5))
        y = tf.raw_ops.LRN(input=x, **a).numpy()
        w.case('LRNGrad_%d' % k, 'LRNGrad', [r(*x.shape), x, y], a, tol=(1e-4, 1e-5))


def misc(w):
    x = r(3, 4)
    w.case('ClipByValue_s', 'ClipByValue', [x, np.array(-0.5, F32), np.array(0.7, F32)])
    w.case('ClipByValue_t', 'ClipByValue', [x, r(3, 4, lo=-2, hi=0), r(3, 4, lo=0, hi=2)])
    w.case('ClipByValue_i', 'ClipByValue', [ri(5), np.array(-2, I32), np.array(3, I32)])
    for k, (ex, rv) in enumerate(((False, False), (True, False), (False, True), (True, True))):
        w.case('Cumsum_%d' % k, 'Cumsum', [r(2, 3, 4), np.array(1, I32)], {'exclusive': ex, 'reverse': rv})
        w.case('Cumprod_%d' % k, 'Cumprod', [r(3, 4, dt=F64), np.array(-1, I64)], {'exclusive': ex, 'reverse': rv})
    w.case('Cumsum_i', 'Cumsum', [ri(6, dt=I64), np.array(0, I32)])
    w.case('ReverseV2_0', 'ReverseV2', [r(2, 3, 4), np.array([1], I32)])
    w.case('ReverseV2_1', 'ReverseV2', [ri(2, 3, 4), np.array([0, -1], I64)])
    w.case('ReverseV2_none', 'ReverseV2', [r(2, 3), np.array([], I32)])
    w.case('ReverseSequence_0', 'ReverseSequence', [r(3, 5, 2), np.array([2, 5, 0], I64)], {'seq_dim': 1, 'batch_dim': 0})
    w.case('ReverseSequence_1', 'ReverseSequence', [ri(4, 3), np.array([1, 4, 3], I32)], {'seq_dim': 0, 'batch_dim': 1})
    w.case('MirrorPad_reflect', 'MirrorPad', [r(3, 4), np.array([[1, 2], [2, 3]], I32)], {'mode': 'REFLECT'})
    w.case('MirrorPad_symmetric', 'MirrorPad', [ri(3, 4), np.array([[3, 2], [0, 4]], I64)], {'mode': 'SYMMETRIC'})
    w.case('Where_bool', 'Where', [rng.rand(3, 4) > 0.5])
    w.case('Where_f', 'Where', [np.array([[0, 1.5], [0, 0], [-2, 0]], F32)])
    w.case('TopKV2_0', 'TopKV2', [r(3, 6), np.array(3, I32)])
    w.case('TopKV2_ties', 'TopKV2', [np.array([[1, 3, 3, 2, 3]], I32), np.array(4, I32)])
    w.case('TopKV2_f64', 'TopKV2', [r(2, 2, 5, dt=F64), np.array(5, I32)])
    w.case('InTopKV2', 'InTopKV2', [r(4, 5), np.array([0, 1, 2, 3], I32), np.array(2, I32)])
    w.case('Unique_i', 'Unique', [np.array([4, 1, 4, 2, 1, 7], I32)])
    w.case('Unique_f64', 'Unique', [np.array([0.5, 0.25, 0.5], F64)], {'out_idx': tf.int64})
    w.case('DynamicPartition_0', 'DynamicPartition', [r(5, 2), np.array([1, 0, 2, 1, 1], I32)], {'num_partitions': 3})
    w.case('DynamicPartition_1', 'DynamicPartition', [ri(2, 3), np.array([[0, 1, 0], [1, 1, 0]], I32)], {'num_partitions': 2})
    w.case('ParallelDynamicStitch', 'ParallelDynamicStitch', [[np.array([0, 2], I32), np.array([1], I32)], [r(2, 2), r(1, 2)]])
    w.case('CheckNumerics', 'CheckNumerics', [r(3)], {'message': 'ok'})


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else 'tests/data/kernels'
    os.makedirs(out, exist_ok=True)
    for name, fn in (('cwise', cwise), ('reductions', reductions), ('arrays', arrays), ('nn', nn), ('training', training), ('norms', norms), ('misc', misc)):
        global rng  # one seed per file, so adding cases to one file leaves the others
        rng = np.random.RandomState(zlib.crc32(name.encode()) & 0x7fffffff)
        w = Writer(os.path.join(out, name + '.txt'))
        fn(w)
        w.f.close()
        print('%s: %d cases' % (name, w.n))


if __name__ == '__main__':
    main()
