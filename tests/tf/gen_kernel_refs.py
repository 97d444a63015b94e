#!/usr/bin/env python3
"""gen_kernel_refs.py: writes the reference cases of tfc's CPU kernel tests
(tests/data/kernels/*.txt, read by tests/kernel_ref.h) by running each op with real
TensorFlow (tf.raw_ops, eager). Run with a Python that has TensorFlow 2.x:
    python3 tests/tf/gen_kernel_refs.py tests/data/kernels
TensorFlow is only needed to regenerate the files; the tests read the committed
output. Inputs come from a fixed NumPy seed, so reruns give the same files."""
import sys, os
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
    if a.dtype in (F32, F64):
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

    def case(self, name, op, inputs, attrs=None, tol=None):
        attrs = attrs or {}
        assert name not in self.names, name
        self.names.add(name)
        od = op_def_registry.get(op)
        kw = {}
        import inspect
        pnames = list(inspect.signature(getattr(tf.raw_ops, op)).parameters)
        for arg, v in zip(pnames, inputs):
            kw[arg] = [tf.constant(x) for x in v] if isinstance(v, list) else tf.constant(v)
        kw.update(attrs)
        res = getattr(tf.raw_ops, op)(**kw)
        if isinstance(res, tf.Tensor):
            outs = [res]
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


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else 'tests/data/kernels'
    os.makedirs(out, exist_ok=True)
    for name, fn in (('cwise', cwise),):
        w = Writer(os.path.join(out, name + '.txt'))
        fn(w)
        w.f.close()
        print('%s: %d cases' % (name, w.n))


if __name__ == '__main__':
    main()
