#!/usr/bin/env python3
"""gen_lstm_crf_ref.py: reference losses for tests/test_control_flow.c's run of the
TensorFlow.NET lstm_crf_ner.meta training graph (a bi-LSTM over characters and words
with dynamic_rnn while loops, a CRF loss, Adam; its gradients run through the loops
with TensorArrays and stacks).

Every variable's initial value is fed instead of drawn (TensorFlow's and tfc's random
streams differ): element i of a variable numbered v (in GraphDef order of their
Assign ops) is 0.1 * sin(0.37 * i + 0.91 * v + 0.5). The placeholders get the values
below. The script prints the loss (tensor Mean:0) before training and after one and
two Adam steps (train_step/Adam), one per line, as tests/data/lstm_crf_ner_ref.txt
holds them.

Usage: python3 tests/tf/gen_lstm_crf_ref.py FIXTURES > tests/data/lstm_crf_ner_ref.txt
(TensorFlow 2.x with tf.compat.v1, CPU; never a build or test dependency.)
"""
import sys

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_eager_execution()
meta = sys.argv[1] + "/TensorFlow.NET/graph/lstm_crf_ner.meta"
mg = tf.MetaGraphDef()
with open(meta, "rb") as f:
    mg.ParseFromString(f.read())
g = tf.Graph()
with g.as_default():
    tf.train.import_meta_graph(mg)
nodes = {n.name: n for n in mg.graph_def.node}
assigns = [n for n in mg.graph_def.node
           if n.op == "Assign" and n.name.endswith("/Assign")
           and not n.name.startswith("train_step/Adam/")]
init_feeds = {}
for v, n in enumerate(a for a in assigns if nodes[a.input[0]].op == "VariableV2"):
    var = nodes[n.input[0]]
    if var.name.startswith("train_step/"):
        continue  # Adam's slots and powers keep their constant initializers
    shape = [d.size for d in var.attr["shape"].shape.dim]
    count = int(np.prod(shape)) if shape else 1
    i = np.arange(count, dtype=np.float64)
    value = (0.1 * np.sin(0.37 * i + 0.91 * v + 0.5)).astype(np.float32).reshape(shape)
    init_feeds[n.input[1] if ":" in n.input[1] else n.input[1] + ":0"] = value
feeds = {
    "word_ids:0": [[1, 2, 3, 4, 5], [6, 7, 8, 0, 0]],
    "sequence_lengths:0": [5, 3],
    "char_ids:0": [[[1, 2, 3, 0], [4, 5, 0, 0], [6, 7, 8, 9], [1, 1, 0, 0], [2, 0, 0, 0]],
                   [[3, 4, 0, 0], [5, 6, 7, 0], [8, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]],
    "word_lengths:0": [[3, 2, 4, 2, 1], [2, 3, 1, 0, 0]],
    "labels:0": [[1, 2, 3, 4, 5], [6, 7, 8, 0, 0]],
    "dropout:0": 1.0,
    "lr:0": 0.01,
}
with tf.Session(graph=g) as s:
    s.run([a.name for a in assigns], feed_dict=init_feeds)
    for step in range(3):
        print("%.6f" % s.run("Mean:0", feed_dict=feeds))
        if step < 2:
            s.run("train_step/Adam", feed_dict=feeds)
