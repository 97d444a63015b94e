#!/bin/sh
# test_tfc_viz.sh: tfc-viz from the command line (contract 4 of docs/DESIGN.md):
# --help, --version, usage errors (exit 2), the name-scope example's groups and
# what expanding and collapsing changes in the SVG's titles, every fixture graph
# drawn as SVG, PNG and PDF (the SVG well-formed XML), DOT output, --focus,
# --hide-op, --rankdir, colouring from a trace database written by tfc-run
# (--db, --run, --step, --partition, a database as GRAPH), and bad input (an
# unreadable graph, an unknown scope, an empty graph): one clear error line, exit 1,
# no output file left behind.
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
viz="$top_builddir/tools/tfc-viz"
run="$top_builddir/tools/tfc-run"
ns="$top_srcdir/tests/viz/name_scopes.pbtxt"
foo="$top_srcdir/share/examples/graphs/variable_foo.pbtxt"
sm="$top_srcdir/share/examples/graphs/softmax_regression.pbtxt"
fx="${TFC_FIXTURES:-$top_srcdir/../shared/fixtures}"
n=0
fails=0
t() { # t DESCRIPTION COMMAND...: ok if the command succeeds
  n=$((n + 1)); d=$1; shift
  if "$@" >/dev/null 2>&1; then echo "ok $n - $d"; else echo "not ok $n - $d"; fails=$((fails + 1)); fi
}
te() { # te DESCRIPTION SHELL-CODE: ok if the code, run in this shell, succeeds
  n=$((n + 1))
  if eval "$2" >/dev/null 2>&1; then echo "ok $n - $1"; else echo "not ok $n - $1"; fails=$((fails + 1)); fi
}
skip() { # skip COUNT REASON
  i=0; while [ $i -lt "$1" ]; do n=$((n + 1)); i=$((i + 1)); echo "ok $n # SKIP $2"; done
}
one_line() { # one_line FILE PATTERN: FILE is exactly one line, matching PATTERN (grep -E)
  test "$(wc -l <"$1")" -eq 1 && grep -qE "$2" "$1"
}
# titles FILE CLASS: the <title>s of the <g class="CLASS"> items, one per line, sorted
titles() {
  grep -o "<g class=\"$2\"[^>]*><title>[^<]*</title>" "$1" | sed 's/.*<title>//; s/<\/title>//' | sort
}
# well_formed FILE: xmllint when present, else a check that every <g> closes
well_formed() {
  if command -v xmllint >/dev/null 2>&1; then
    xmllint --noout "$1"
  else
    grep -q '^<?xml' "$1" && grep -q '</svg>' "$1" &&
      test "$(grep -o '<g[ >]' "$1" | wc -l)" -eq "$(grep -o '</g>' "$1" | wc -l)"
  fi
}
# svg_items FILE: every <g class="node|series|scope"> has <title> as its first child
svg_items() {
  ! grep -E '<g class="(node|series|scope)"' "$1" | grep -vqE '^<g class="(node|series|scope)"( data-expanded="true")?><title>[^<]+</title>$'
}
png_ok() { # png_ok FILE: a PNG
  test "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a
}
pdf_ok() { # pdf_ok FILE: a complete PDF
  head -c 5 "$1" | grep -q '%PDF-' && tail -c 1024 "$1" | grep -q '%%EOF'
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# ---- help, version, usage
"$viz" --help >"$tmp/out" 2>&1; rc=$?
t "--help exits 0" test $rc -eq 0
te "--help names every option" 'grep -q -- "--expand-all" "$tmp/out" && grep -q -- "--partition" "$tmp/out" && grep -q -- "--series-min" "$tmp/out" && grep -q -- "--out-degree-iqr" "$tmp/out"'
"$viz" --version >"$tmp/out" 2>&1; rc=$?
te "--version prints 'tfc-viz (tfc) VERSION'" 'test $rc -eq 0 && grep -qE "^tfc-viz \(tfc\) [0-9]" "$tmp/out"'
for args in "" "$ns" "$ns -o $tmp/x.txt" "--bogus $ns -o $tmp/x.svg" "--depth abc $ns -o $tmp/x.svg" \
    "--color rainbow $ns -o $tmp/x.svg" "--rankdir XY $ns -o $tmp/x.svg" "$ns $ns -o $tmp/x.svg" \
    "--run 1 $ns -o $tmp/x.svg"; do
  # shellcheck disable=SC2086
  "$viz" $args >/dev/null 2>"$tmp/err"; rc=$?
  t "usage error exits 2: tfc-viz $args" test $rc -eq 2
  t "  with one line InvalidArgumentError: ..." one_line "$tmp/err" '^InvalidArgumentError: '
done
te "no output file after usage errors" '! ls "$tmp"/x.* 2>/dev/null | grep -q .'

# ---- the name-scope example (../shared/seeds/003_f90786f8ec59682f.txt)
"$viz" "$ns" -o "$tmp/ns.svg" 2>"$tmp/err"; rc=$?
te "name scopes: draws, exit 0, quiet" 'test $rc -eq 0 && test ! -s "$tmp/err"'
t "  well-formed XML" well_formed "$tmp/ns.svg"
t "  every node/series/scope <g> opens with its <title>" svg_items "$tmp/ns.svg"
te "  collapsed: scope outer, ops c and c_1" 'test "$(titles "$tmp/ns.svg" scope)" = outer && test "$(titles "$tmp/ns.svg" node | tr "\n" " ")" = "c c_1 "'
t "  labels are <text>" grep -q '<text[^>]*>outer</text>' "$tmp/ns.svg"
"$viz" --expand-all "$ns" -o "$tmp/nsx.svg"
t "expand-all: scopes outer, outer/inner, outer/inner_1" test "$(titles "$tmp/nsx.svg" scope | tr '\n' ' ')" = "outer outer/inner outer/inner_1 "
t "  and all six ops" test "$(titles "$tmp/nsx.svg" node | tr '\n' ' ')" = "c c_1 outer/c outer/c_1 outer/inner/c outer/inner_1/c "
t "  well-formed XML" well_formed "$tmp/nsx.svg"
"$viz" --expand-all - -o "$tmp/stdin.svg" <"$ns"; rc=$?
te "GRAPH '-' reads a GraphDef on standard input" 'test $rc -eq 0 && test "$(titles "$tmp/stdin.svg" node)" = "$(titles "$tmp/nsx.svg" node)"'
"$viz" --expand outer "$ns" -o "$tmp/ns1.svg"
te "--expand outer: outer's ops drawn, inner groups closed" 'titles "$tmp/ns1.svg" node | grep -qx outer/c && ! titles "$tmp/ns1.svg" node | grep -qx outer/inner/c && titles "$tmp/ns1.svg" scope | grep -qx outer/inner'
"$viz" --expand outer/inner_1 "$ns" -o "$tmp/ns2.svg"
te "--expand outer/inner_1: opens outer, not outer/inner" 'titles "$tmp/ns2.svg" node | grep -qx outer/inner_1/c && ! titles "$tmp/ns2.svg" node | grep -qx outer/inner/c'
"$viz" --depth 1 "$ns" -o "$tmp/ns3.svg"
te "--depth 1 is --expand outer" 'test "$(titles "$tmp/ns3.svg" node)" = "$(titles "$tmp/ns1.svg" node)"'
"$viz" --depth 2 "$ns" -o "$tmp/ns4.svg"
t "--depth 2 is --expand-all here" test "$(titles "$tmp/ns4.svg" node)" = "$(titles "$tmp/nsx.svg" node)"
fill1=$(grep -A1 '<title>outer/inner</title>' "$tmp/nsx.svg" | grep -o 'fill="#[0-9a-f]*"' | head -1)
fill2=$(grep -A1 '<title>outer/inner_1</title>' "$tmp/nsx.svg" | grep -o 'fill="#[0-9a-f]*"' | head -1)
fill0=$(grep -A1 '<title>outer</title>' "$tmp/nsx.svg" | grep -o 'fill="#[0-9a-f]*"' | head -1)
te "same-structure scopes share a fill ($fill1), unlike outer ($fill0)" 'test -n "$fill1" && test "$fill1" = "$fill2" && test "$fill1" != "$fill0"'
for r in TB LR; do
  "$viz" --rankdir $r --expand-all "$ns" -o "$tmp/ns$r.svg"; rc=$?
  te "--rankdir $r draws" 'test $rc -eq 0 && well_formed "$tmp/ns$r.svg" && test "$(titles "$tmp/ns$r.svg" node | wc -l)" -eq 6'
done
"$viz" --expand-all "$ns" -o "$tmp/ns.dot"; rc=$?
te "DOT output: clusters for outer and outer/inner" 'test $rc -eq 0 && grep -q "^digraph" "$tmp/ns.dot" && grep -q "subgraph .cluster:outer. " "$tmp/ns.dot" && grep -q "subgraph .cluster:outer/inner. " "$tmp/ns.dot"'
if command -v dot >/dev/null 2>&1; then
  t "  which dot reads" dot -Tsvg -o "$tmp/ns.dot.svg" "$tmp/ns.dot"
else
  skip 1 "no dot"
fi
"$viz" --expand-all "$ns" -o "$tmp/ns.png"; rc=$?
te "PNG output" 'test $rc -eq 0 && png_ok "$tmp/ns.png"'
"$viz" --expand-all "$ns" -o "$tmp/ns.pdf"; rc=$?
te "PDF output" 'test $rc -eq 0 && pdf_ok "$tmp/ns.pdf"'
te "outputs are readable by others (not 0600)" 'test "$(stat -c %a "$tmp/ns.png")" = "$(stat -c %a "$tmp/ns.svg")"'

# ---- the example graphs: filters
"$viz" --expand-all "$sm" -o "$tmp/sm.svg"; rc=$?
t "softmax example draws" test $rc -eq 0
"$viz" --expand-all --hide-op Const,Identity "$sm" -o "$tmp/smh.svg"
te "--hide-op Const,Identity: fewer ops, none of them Const" 'test $(titles "$tmp/smh.svg" node | wc -l) -lt $(titles "$tmp/sm.svg" node | wc -l) && ! grep -q "op: Const&#10;" "$tmp/smh.svg"'
"$viz" --focus assign --radius 1 "$foo" -o "$tmp/focus.svg"; rc=$?
te "--focus assign --radius 1: assign and its neighbours" 'test $rc -eq 0 && titles "$tmp/focus.svg" node | grep -qx assign && titles "$tmp/focus.svg" node | grep -qx foo'
te "  and not the ops two hops away" 'test $(titles "$tmp/focus.svg" node | wc -l) -lt $("$viz" --expand-all "$foo" -o "$tmp/all.svg" && titles "$tmp/all.svg" node | wc -l)'

# Names with characters XML and DOT must escape ('>' is legal in TensorFlow names).
printf 'node { name: "a>b" op: "Foo" }\nnode { name: "s&t/c" op: "Foo" input: "a>b" }\n' >"$tmp/esc.pbtxt"
"$viz" --expand-all "$tmp/esc.pbtxt" -o "$tmp/esc.svg"; rc=$?
te "names with > and &: well-formed SVG titled a&gt;b and s&amp;t/c" 'test $rc -eq 0 && well_formed "$tmp/esc.svg" && grep -q "<title>a&gt;b</title>" "$tmp/esc.svg" && grep -q "<title>s&amp;t/c</title>" "$tmp/esc.svg"'
"$viz" --expand-all "$tmp/esc.pbtxt" -o "$tmp/esc.dot"; rc=$?
if command -v dot >/dev/null 2>&1; then
  te "  and DOT that dot reads" 'test $rc -eq 0 && dot -Tsvg -o "$tmp/esc.dot.svg" "$tmp/esc.dot"'
else
  skip 1 "no dot"
fi
"$viz" --color op --expand-all "$sm" -o "$tmp/op.svg"; rc=$?
te "--color op: the legend lists op types with their counts" 'test $rc -eq 0 && grep -q ">MatMul (1)<" "$tmp/op.svg" && grep -q ">op type<" "$tmp/op.svg"'

# ---- colours from a trace database made by tfc-run
if "$run" --trace full --db "$tmp/t.db" --init init --run assign --run foo:0 "$foo" >/dev/null 2>&1; then
  "$viz" --db "$tmp/t.db" --color compute_time "$foo" -o "$tmp/ct.svg" 2>"$tmp/err"; rc=$?
  t "--color compute_time from the trace: exit 0" test $rc -eq 0
  t "  tooltips carry the time" grep -q 'time: [0-9]' "$tmp/ct.svg"
  t "  legend names compute time" grep -q 'compute time' "$tmp/ct.svg"
  "$viz" --db "$tmp/t.db" --step 0 --color memory --expand-all "$foo" -o "$tmp/mem.svg"; rc=$?
  te "--color memory --step 0: assign/value's 4 bytes in its tooltip" 'test $rc -eq 0 && grep -q "memory: 4 B" "$tmp/mem.svg"'
  te "  the op with the most memory is the reddest (#fb6a4a)" 'grep -A1 "<title>assign/value</title>" "$tmp/mem.svg" | grep -q "fill=.#fb6a4a"'
  "$viz" --db "$tmp/t.db" --color memory --expand-all "$foo" -o "$tmp/mem0.svg"; rc=$?
  te "no --step: the fullest step (step 0, three ops traced, not step 1's one)" 'test $rc -eq 0 && grep -q "memory: 4 B" "$tmp/mem0.svg" && test $(grep -c "time: " "$tmp/mem0.svg") -ge 3'
  "$viz" --db "$tmp/t.db" --color device "$foo" -o "$tmp/dev.svg"; rc=$?
  te "--color device: legend lists the CPU device" 'test $rc -eq 0 && grep -q "device:CPU:0" "$tmp/dev.svg"'
  "$viz" "$tmp/t.db" --color compute_time --expand-all -o "$tmp/db.svg"; rc=$?
  te "a trace database as GRAPH: its run's graph, coloured" 'test $rc -eq 0 && titles "$tmp/db.svg" node | grep -qx foo && grep -q "time: " "$tmp/db.svg"'
  "$viz" "$tmp/t.db" --run 1 --step 1 -o "$tmp/db1.png"; rc=$?
  t "  --run 1 --step 1 as PNG" test $rc -eq 0
  "$viz" --db "$tmp/t.db" --partition /device:CPU:0 --expand-all "$foo" -o "$tmp/part.svg"; rc=$?
  te "--partition /device:CPU:0: the ops that ran there" 'test $rc -eq 0 && titles "$tmp/part.svg" node | grep -qx foo && ! titles "$tmp/part.svg" node | grep -qx init'
  "$viz" --db "$tmp/t.db" --partition /device:GPU:7 "$foo" -o "$tmp/p7.svg" 2>"$tmp/err"; rc=$?
  te "--partition of a device nothing ran on: NotFoundError, exit 1, no file" 'test $rc -eq 1 && grep -q "^NotFoundError: " "$tmp/err" && test ! -e "$tmp/p7.svg"'
  "$viz" --db "$tmp/t.db" --run 99 "$foo" -o "$tmp/r99.svg" 2>"$tmp/err"; rc=$?
  te "--run 99: NotFoundError, exit 1, no file" 'test $rc -eq 1 && one_line "$tmp/err" "NotFoundError: .*run 99" && test ! -e "$tmp/r99.svg"'
else
  skip 12 "tfc-run could not trace"
fi

demo="$fx/tensorboard/tensorboard/plugins/graph/tf_graph/demo/data/graph.pbtxt"
if [ -e "$demo" ]; then
  "$viz" --partition /device:XLA_CPU:0 --expand-all "$demo" -o "$tmp/xla.svg"; rc=$?
  te "--partition without a trace: the 96 ops that ask for XLA_CPU:0" 'test $rc -eq 0 && test $(grep -c "<g class=.node." "$tmp/xla.svg") -eq 96'
  "$viz" --color device "$demo" -o "$tmp/devd.svg"; rc=$?
  te "--color device without a trace: requested devices in the legend" 'test $rc -eq 0 && grep -q ">/job:localhost/replica:0/task:0/device:XLA_CPU:0 (96)<" "$tmp/devd.svg"'
else
  skip 2 "no TensorBoard demo graph"
fi

# ---- bad input: one clear line, exit 1, nothing left behind
: >"$tmp/empty.pbtxt"
printf 'not a graph at all %%%%\n' >"$tmp/bad.pb"
for c in "/nonexistent/g.pb:NotFoundError" "$tmp/bad.pb:InvalidArgumentError" \
    "$tmp/empty.pbtxt:InvalidArgumentError"; do
  g=${c%:*}; cls=${c##*:}
  "$viz" "$g" -o "$tmp/bad.svg" 2>"$tmp/err"; rc=$?
  t "bad graph $(basename "$g"): exit 1" test $rc -eq 1
  t "  one line $cls" one_line "$tmp/err" "^$cls: "
  t "  no output file" test ! -e "$tmp/bad.svg"
done
t "the empty graph's error says so" grep -q 'empty' "$tmp/err"
"$viz" --expand nosuchscope "$ns" -o "$tmp/bad.png" 2>"$tmp/err"; rc=$?
te "--expand of an unknown scope: exit 1, NotFoundError naming it" 'test $rc -eq 1 && one_line "$tmp/err" "^NotFoundError: .*nosuchscope"'
te "  no output file, no temporary file" '! ls "$tmp" | grep -q "^bad\.png"'
"$viz" --focus nosuchop "$ns" -o "$tmp/bad.svg" 2>"$tmp/err"; rc=$?
te "--focus of an unknown op: exit 1, NotFoundError" 'test $rc -eq 1 && grep -q "^NotFoundError: " "$tmp/err" && test ! -e "$tmp/bad.svg"'
echo "old" >"$tmp/keep.svg"
"$viz" "$tmp/empty.pbtxt" -o "$tmp/keep.svg" 2>/dev/null
t "a failed run leaves an existing output as it was" test "$(cat "$tmp/keep.svg")" = old
"$viz" "$ns" -o "$tmp/nodir/x.pdf" 2>"$tmp/err"; rc=$?
te "an output folder that does not exist: exit 1, one line" 'test $rc -eq 1 && test $(wc -l <"$tmp/err") -eq 1'

# ---- every fixture graph, as SVG, PNG and PDF
if [ -d "$fx" ]; then
  for f in \
      TensorFlow.NET/graph/cond_test.meta TensorFlow.NET/graph/lstm_crf_ner.meta TensorFlow.NET/graph/xor.meta \
      TensorFlow.NET/graph/InceptionV3.meta \
      rust/examples/addition/model.pb rust/examples/regression/model.pb \
      rust/tensorflow-sys/examples/assets/multiplication.pb rust/test_resources/regression-model \
      serving/tensorflow_serving/batching/testdata/matrix_half_plus_two/1 \
      serving/tensorflow_serving/servables/tensorflow/testdata/saved_model_counter/00000123 \
      serving/tensorflow_serving/servables/tensorflow/testdata/saved_model_half_plus_two_cpu/00000123 \
      serving/tensorflow_serving/servables/tensorflow/testdata/saved_model_half_plus_two_tf2_cpu/00000123 \
      serving/tensorflow_serving/session_bundle/testdata/half_plus_two/00000123/export.meta \
      tensorboard/tensorboard/plugins/graph/tf_graph/demo/data/graph.pbtxt \
      tensorflow-onnx/tests/models/lstm/frozen.pb tensorflow-onnx/tests/models/regression/graphdef/frozen.pb \
      tensorflow/tensorflow/cc/saved_model/testdata/half_plus_two/00000123 \
      tensorflow/tensorflow/cc/saved_model/testdata/half_plus_two_pbtxt/00000123 \
      tensorflow/tensorflow/cc/saved_model/testdata/x_plus_y_v2_debuginfo \
      tensorflow/tensorflow/compiler/aot/test_graph_tfadd.pbtxt \
      tensorflow/tensorflow/compiler/jit/tests/keras_imagenet_main_graph_mode.pbtxt \
      tensorflow/tensorflow/compiler/mlir/tensorflow/tests/graphdef2mlir/graph-while-loop.pbtxt \
      tensorflow/tensorflow/compiler/mlir/tensorflow/tests/graphdef2mlir/functional-if-ops.pbtxt \
      tensorflow/tensorflow/compiler/tests/lstm_layer_inference.pbtxt \
      tensorflow/tensorflow/contrib/tfprof/tools/tfprof/internal/testdata/graph.pbtxt \
      tensorflow/tensorflow/core/grappler/costs/graph_properties_testdata/function_functional_while.pbtxt \
      tensorflow/tensorflow/core/grappler/costs/graph_properties_testdata/loops_and_resource_vars.pbtxt \
      tensorflow/tensorflow/core/grappler/costs/graph_properties_testdata/nested_loop.pbtxt \
      tensorflow/tensorflow/core/grappler/costs/graph_properties_testdata/while_loop.pbtxt \
      tensorflow/tensorflow/core/profiler/internal/testdata/ckpt.meta \
      tensorflow/tensorflow/core/profiler/internal/testdata/graph.pbtxt \
      tensorflow/tensorflow/python/framework/testdata/metrics_export_meta_graph.pb \
      wandb/tests/assets/events.out.tfevents.1585769947.cvp; do
    if [ ! -e "$fx/$f" ]; then skip 4 "$f missing"; continue; fi
    b=$(echo "$f" | tr '/' '_')
    "$viz" "$fx/$f" -o "$tmp/$b.svg" 2>"$tmp/err"; rc=$?
    te "fixture $f: SVG" 'test $rc -eq 0 && test ! -s "$tmp/err" && grep -q "<g class=.node.><title>" "$tmp/$b.svg" && svg_items "$tmp/$b.svg"'
    t "  well-formed XML" well_formed "$tmp/$b.svg"
    "$viz" "$fx/$f" -o "$tmp/$b.png" 2>/dev/null && png_ok "$tmp/$b.png"; rc=$?
    t "  PNG" test $rc -eq 0
    "$viz" "$fx/$f" -o "$tmp/$b.pdf" 2>/dev/null && pdf_ok "$tmp/$b.pdf"; rc=$?
    t "  PDF" test $rc -eq 0
    rm -f "$tmp/$b".*
  done
  inc="$fx/TensorFlow.NET/graph/InceptionV3.meta"
  if [ -e "$inc" ]; then
    "$viz" "$inc" -o "$tmp/inc.svg"
    t "InceptionV3: 376 checkpoint_initializer scopes fold into one series" \
      grep -q '<g class="series"><title>checkpoint_initializer_\[0-375\]</title>' "$tmp/inc.svg"
    t "  and 376 Identity ops into another" \
      grep -q '<g class="series"><title>Identity_\[0-375\]</title>' "$tmp/inc.svg"
    t "  collapsed: at most 20 items at the top level" test "$(grep -c '<g class="\(node\|series\|scope\)"' "$tmp/inc.svg")" -le 20
    "$viz" --expand-all "$inc" -o "$tmp/incx.svg"; rc=$?
    te "  --expand-all: all 11,040 ops drawn" 'test $rc -eq 0 && test $(grep -c "<g class=.node." "$tmp/incx.svg") -eq 11040'
    t "  well-formed XML" well_formed "$tmp/incx.svg"
  else
    skip 5 "no InceptionV3 fixture"
  fi
  ev="$fx/wandb/tests/fixtures/events.out.tfevents.111.simple.localdomain"
  if [ -e "$ev" ]; then
    "$viz" "$ev" -o "$tmp/ev.svg" 2>"$tmp/err"; rc=$?
    te "an events file with no graph: exit 1, says so, no file" 'test $rc -eq 1 && grep -q "no graph" "$tmp/err" && test ! -e "$tmp/ev.svg"'
  else
    skip 1 "no scalar-only events file"
  fi
else
  skip 1 "no fixtures (TFC_FIXTURES)"
fi

echo "1..$n"
test $fails -eq 0
