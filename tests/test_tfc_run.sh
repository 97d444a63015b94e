#!/bin/sh
# test_tfc_run.sh: tfc-run's summary mode, --help, --version, --json, exit codes and
# one-line errors, on the example graph and on fixtures; then running graphs:
# --run, --feed (JSON and .npy), --init, --steps, --json, --save, --config, SavedModel
# restore and --signature, tracing (--trace, --db, --run-metadata, --partition-graphs)
# into the trace database, and the errors of each (contract 2 of docs/DESIGN.md).
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
run="$top_builddir/tools/tfc-run"
ex="$top_srcdir/share/examples/graphs/softmax_regression.pbtxt"
foo="$top_srcdir/share/examples/graphs/variable_foo.pbtxt"
fx="${TFC_FIXTURES:-$top_srcdir/../shared/fixtures}"
n=0
fails=0
t() { # t DESCRIPTION COMMAND...: ok if the command succeeds
  n=$((n + 1)); d=$1; shift
  if "$@" >/dev/null 2>&1; then echo "ok $n - $d"; else echo "not ok $n - $d"; fails=$((fails + 1)); fi
}
skip() { # skip COUNT REASON
  i=0; while [ $i -lt "$1" ]; do n=$((n + 1)); i=$((i + 1)); echo "ok $n # SKIP $2"; done
}
one_line() { # one_line FILE PATTERN: FILE is exactly one line, matching PATTERN (grep -E)
  test "$(wc -l <"$1")" -eq 1 && grep -qE "$2" "$1"
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# ---- summary mode
"$run" "$ex" >"$tmp/out" 2>"$tmp/err"; rc=$?
t "summary of the example graph exits 0" test $rc -eq 0
t "it counts 13 nodes" grep -q "GraphDef, 13 nodes" "$tmp/out"
t "it lists the placeholder with dtype and shape" grep -q "input/x:0  float \[?,4\]" "$tmp/out"
t "it names the likely output" grep -q "output/y:0  float \[?,3\]  (Softmax)" "$tmp/out"
t "op types come with counts" grep -q " 2  VariableV2" "$tmp/out"
"$run" --json "$ex" >"$tmp/json"
t "--json prints one JSON object" python3 -c "import json,sys; d=json.load(open('$tmp/json')); assert d['nodes']==13 and d['outputs']==['output/y'] and d['placeholders'][0]['shape']=='[?,4]'"
t "--help exits 0 and shows usage" sh -c "'$run' --help | grep -q '^Usage: tfc-run'"
t "--help lists --run and --feed" sh -c "'$run' --help | grep -q -- '--feed NAME=VALUE'"
t "--version prints the version" sh -c "'$run' --version | grep -q '^tfc-run (tfc) '"
"$run" >/dev/null 2>"$tmp/err"; rc=$?
t "no GRAPH is a usage error (exit 2)" test $rc -eq 2
t "with one InvalidArgumentError line" one_line "$tmp/err" '^InvalidArgumentError: expected exactly one GRAPH'
"$run" --bogus "$ex" >/dev/null 2>"$tmp/err"; rc=$?
t "an unknown option is a usage error (exit 2)" test $rc -eq 2
t "named in one line" one_line "$tmp/err" "^InvalidArgumentError: unrecognized option '--bogus'"
"$run" /nonexistent.pb >/dev/null 2>"$tmp/err"; rc=$?
t "a missing file exits 1" test $rc -eq 1
t "with one NotFoundError line" sh -c "test \$(wc -l <'$tmp/err') -eq 1 && grep -q '^NotFoundError: /nonexistent.pb' '$tmp/err'"
printf 'node { name: "a" op: "NoOp" \n' >"$tmp/bad.pbtxt"
"$run" "$tmp/bad.pbtxt" >/dev/null 2>"$tmp/err"; rc=$?
t "a malformed text graph exits 1" test $rc -eq 1
t "with an InvalidArgumentError line" grep -q '^InvalidArgumentError: .*bad.pbtxt: Could not parse GraphDef text' "$tmp/err"
t "a graph on stdin" sh -c "'$run' - <'$ex' | grep -q '13 nodes'"

# ---- usage errors of the run options (exit 2, one line, nothing on stdout)
usage_case() { # usage_case DESCRIPTION PATTERN ARGS...
  d=$1; p=$2; shift 2
  "$run" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
  t "$d: exit 2" test $rc -eq 2
  t "$d: one line" one_line "$tmp/err" "$p"
  t "$d: nothing on stdout" test ! -s "$tmp/out"
}
usage_case "--feed without =" "^InvalidArgumentError: --feed 'x': expected NAME=VALUE$" --feed x --run foo:0 "$foo"
usage_case "--feed with an empty name" "^InvalidArgumentError: --feed '=1': expected NAME=VALUE$" --feed =1 --run foo:0 "$foo"
usage_case "--feed without --run" "^InvalidArgumentError: --feed needs --run or --init$" --feed foo=1 "$foo"
usage_case "--run with an empty name" "^InvalidArgumentError: --run 'a,,b': expected comma-separated names$" --run a,,b "$foo"
usage_case "--steps 0" "^InvalidArgumentError: --steps '0': expected a positive whole number$" --steps 0 --run foo:0 "$foo"
usage_case "--steps x" "^InvalidArgumentError: --steps 'x': expected a positive whole number$" --steps x --run foo:0 "$foo"
usage_case "--config without =" "^InvalidArgumentError: --config 'x': expected KEY=VALUE$" --config x --run foo:0 "$foo"
usage_case "--config with an unknown field" "^InvalidArgumentError: --config no_such_field=1: .*no_such_field" --config no_such_field=1 --run foo:0 "$foo"
usage_case "--run without its argument" "^InvalidArgumentError: option '--run' needs an argument" "$foo" --run
usage_case "unparseable JSON" "^InvalidArgumentError: --feed foo: Invalid JSON at offset 2: expected ',' or ']', found the end of the text$" --feed 'foo=[1' --run foo:0 "$foo"
usage_case "ragged JSON" "^InvalidArgumentError: --feed foo: JSON value is not rectangular at \[1\] \(offset 7\): expected 2 elements, found 1$" --feed 'foo=[[1,2],[3]]' --run foo:0 "$foo"
usage_case "1.5 fed as int32" "^InvalidArgumentError: --feed foo: Value 1.5 does not fit in int32$" --feed foo=1.5 --run foo:0 "$foo"
usage_case "a missing @FILE.npy" "^NotFoundError: --feed foo: $tmp/none.npy: No such file or directory$" --feed "foo=@$tmp/none.npy" --run foo:0 "$foo"
usage_case "--trace with a bad level" "^InvalidArgumentError: --trace 'most': expected none, software, hardware or full$" --trace most --run foo:0 "$foo"
usage_case "--trace without --run" "^InvalidArgumentError: --trace needs --run$" --trace full "$foo"
usage_case "--db without --run" "^InvalidArgumentError: --db needs --run$" --db "$tmp/x.db" "$foo"
usage_case "--run-metadata without --run" "^InvalidArgumentError: --run-metadata needs --run$" --run-metadata "$tmp/md.pb" --init init "$foo"
usage_case "--db with --trace none" "^InvalidArgumentError: --db needs --trace software, hardware or full" --trace none --db "$tmp/x.db" --run foo:0 "$foo"
t "and no database was made" test ! -e "$tmp/x.db"
printf 'not numpy' >"$tmp/bad.npy"
usage_case "a file that is not .npy" "^InvalidArgumentError: --feed foo: .*bad.npy: Not a .npy file" --feed "foo=@$tmp/bad.npy" --run foo:0 "$foo"

# ---- running: the variable of "What is a TensorFlow Session?"
"$run" --init init --run assign --run foo:0 "$foo" >"$tmp/out" 2>"$tmp/err"; rc=$?
t "init, assign 13, read foo: exit 0" test $rc -eq 0
printf 'foo:0  int32 []\n13\n' >"$tmp/want"
t "prints foo:0's name, dtype, shape and 13" cmp -s "$tmp/want" "$tmp/out"
t "and nothing on stderr" test ! -s "$tmp/err"
"$run" --run foo:0 "$foo" >"$tmp/out" 2>"$tmp/err"; rc=$?
t "a new process that only reads foo: exit 1" test $rc -eq 1
t "with one line: FailedPreconditionError: Attempting to use uninitialized value foo" one_line "$tmp/err" '^FailedPreconditionError: Attempting to use uninitialized value foo$'
t "and nothing on stdout" test ! -s "$tmp/out"
t "init then read: 42" sh -c "'$run' --init init --run foo:0 '$foo' | tail -n 1 | grep -qx 42"
"$run" --init init --run assign --run foo:0 --json "$foo" >"$tmp/out" 2>"$tmp/err"; rc=$?
printf '%s\n' '{"fetches":[{"name":"init","value":null}]}' '{"fetches":[{"name":"assign","value":null}]}' \
  '{"fetches":[{"name":"foo:0","dtype":"int32","shape":[],"value":13}]}' >"$tmp/want"
t "--json: one object per run, ops with value null, a scalar bare" cmp -s "$tmp/want" "$tmp/out"
t "--json: each line parses" python3 -c "import json; [json.loads(l) for l in open('$tmp/out')]"
"$run" --init init --run foo:0,foo/read:0,init "$foo" --json >"$tmp/out"
t "several names in one --run, in order" grep -qxF '{"fetches":[{"name":"foo:0","dtype":"int32","shape":[],"value":42},{"name":"foo/read:0","dtype":"int32","shape":[],"value":42},{"name":"init","value":null}]}' "$tmp/out"
"$run" --init init --run assign --run foo:0 --steps 3 --json "$foo" >"$tmp/out" 2>"$tmp/err"; rc=$?
t "--steps 3 --json: 1 + 3 x 2 objects" sh -c "test $rc -eq 0 && test \$(wc -l <'$tmp/out') -eq 7"
t "--steps: no progress bar when stderr is not a terminal" test ! -s "$tmp/err"
"$run" --init init --run assign --run foo:0 --steps 3 "$foo" >"$tmp/out"
t "--steps in text: only the last repetition is printed" sh -c "test \$(grep -c '^foo:0' '$tmp/out') -eq 1"
"$run" --run nope:0 "$foo" >/dev/null 2>"$tmp/err"; rc=$?
t "a tensor that is not in the graph: exit 1" test $rc -eq 1
t "with TensorFlow's words" one_line "$tmp/err" "^NotFoundError: The name 'nope:0' refers to a Tensor which does not exist. The operation, 'nope', does not exist in the graph.$"
"$run" --run foo:3 "$foo" >/dev/null 2>"$tmp/err"; rc=$?
t "an output index out of range: exit 1" sh -c "test $rc -eq 1 && grep -q \"exists but only has 1 outputs\" '$tmp/err'"
"$run" --run nope "$foo" >/dev/null 2>"$tmp/err"; rc=$?
t "an op that is not in the graph: exit 1" sh -c "test $rc -eq 1 && grep -q \"^NotFoundError: The name 'nope' refers to an Operation not in the graph.\" '$tmp/err'"
t "--config KEY=VALUE is taken" sh -c "'$run' --config inter_op_parallelism_threads=2 --config device_count.CPU=2 --config allow_soft_placement=true --init init --run foo:0 '$foo' | tail -n 1 | grep -qx 42"
t "a graph on stdin runs too" sh -c "'$run' --init init --run foo:0 - <'$foo' | tail -n 1 | grep -qx 42"

# ---- tracing: RunOptions.trace_level, the trace database, --run-metadata
sq() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$@"; }
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
arun=$(abs "$run"); afoo=$(abs "$foo")
( cd "$tmp" && "$arun" --trace full --init init --run assign --run foo:0 --steps 3 "$afoo" >out 2>err ); rc=$?
t "--trace full: exit 0, results as without it" sh -c "test $rc -eq 0 && tail -n 1 '$tmp/out' | grep -qx 13"
t "--trace full: the database defaults to tfc-trace.db" test -s "$tmp/tfc-trace.db"
v=$(sq "$tmp/tfc-trace.db" 'SELECT count(*) FROM runs r JOIN graphs g ON g.run_id = r.id')
t "one run, holding the graph" test "$v" = 1
v=$(sq "$tmp/tfc-trace.db" "SELECT graph_name || ' ' || command_line FROM runs")
t "the command line and graph name are kept" sh -c "echo '$v' | grep -q 'variable_foo.pbtxt .*--trace full'"
v=$(sq "$tmp/tfc-trace.db" "SELECT count(*) || ' ' || min(step) || ' ' || max(step) FROM steps")
t "a step row per traced Session.run (3 steps x 2 runs; --init untraced)" test "$v" = "6 0 5"
v=$(sq "$tmp/tfc-trace.db" 'SELECT count(*) FROM steps s WHERE node_count != (SELECT count(*) FROM node_stats n WHERE n.run_id = s.run_id AND n.step = s.step)')
t "every step holds as many node_stats as it says" test "$v" = 0
v=$(sq "$tmp/tfc-trace.db" 'SELECT count(*) FROM node_stats')
t "and there are node stats ($v)" test "$v" -gt 0
t "integrity_check is ok" test "$(sq "$tmp/tfc-trace.db" 'PRAGMA integrity_check')" = ok
"$run" --trace software --db "$tmp/t.db" --run-metadata "$tmp/md.pb" --init init --run foo:0 --steps 2 "$foo" >/dev/null 2>"$tmp/err"; rc=$?
t "--trace software --db FILE --run-metadata FILE: exit 0" sh -c "test $rc -eq 0 && test ! -s '$tmp/err'"
t "--db FILE is used" test "$(sq "$tmp/t.db" 'SELECT count(*) FROM steps')" = 2
t "--run-metadata writes a RunMetadata" sh -c "protoc-c --decode=tensorflow.RunMetadata -I'$top_srcdir/share/proto' '$top_srcdir/share/proto/config.proto' <'$tmp/md.pb' >/dev/null 2>&1 || protoc --decode=tensorflow.RunMetadata -I'$top_srcdir/share/proto' '$top_srcdir/share/proto/config.proto' <'$tmp/md.pb' >/dev/null"
"$run" --trace full --db "$tmp/t.db" --init init --run foo:0 "$foo" >/dev/null 2>&1
t "a second traced process adds a second run to the same database" test "$(sq "$tmp/t.db" 'SELECT count(*) FROM runs')" = 2
mkdir "$tmp/nodb"
( cd "$tmp/nodb" && "$arun" --run-metadata md0.pb --init init --run foo:0 "$afoo" >/dev/null 2>err ); rc=$?
t "--run-metadata without --trace: exit 0, a RunMetadata file, no database" sh -c "test $rc -eq 0 && test -e '$tmp/nodb/md0.pb' && test ! -e '$tmp/nodb/tfc-trace.db'"
"$run" --trace full --partition-graphs --db "$tmp/p.db" --init init --run foo:0 "$foo" >/dev/null 2>"$tmp/err"; rc=$?
t "--partition-graphs: exit 0" test $rc -eq 0
t "--partition-graphs: the partition graphs are in the database" test "$(sq "$tmp/p.db" 'SELECT count(*) FROM partition_graphs WHERE length(graph_def) > 0')" -ge 1
t "--trace none --partition-graphs --db: allowed" sh -c "'$run' --trace none --partition-graphs --db '$tmp/p2.db' --init init --run foo:0 '$foo' >/dev/null"
# Two CPU devices: one partition graph each, joined by a _Send/_Recv pair.
cat >"$tmp/two.pbtxt" <<'EOF2'
node { name: "x" op: "Placeholder" device: "/device:CPU:0" attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "shape" value { shape { } } } }
node { name: "sq" op: "Square" input: "x" device: "/device:CPU:0" attr { key: "T" value { type: DT_FLOAT } } }
node { name: "out" op: "Neg" input: "sq" device: "/device:CPU:1" attr { key: "T" value { type: DT_FLOAT } } }
EOF2
"$run" --config device_count.CPU=2 --feed x=3 --partition-graphs --run-metadata "$tmp/two.md" --run out:0 "$tmp/two.pbtxt" >"$tmp/out" 2>"$tmp/err"; rc=$?
t "two CPU devices: out = -9" sh -c "test $rc -eq 0 && tail -n 1 '$tmp/out' | grep -qx -- -9.0"
t "--partition-graphs --run-metadata: a _Send and a _Recv for sq" sh -c "grep -qa '_Send' '$tmp/two.md' && grep -qa '_Recv' '$tmp/two.md' && grep -qa 'edge_[0-9]*_sq' '$tmp/two.md'"
"$run" --trace full --db "$tmp" --init init --run foo:0 "$foo" >/dev/null 2>"$tmp/err"; rc=$?
t "a --db that cannot be opened: exit 1, one line naming it" sh -c "test $rc -eq 1 && test \$(wc -l <'$tmp/err') -eq 1 && grep -q '$tmp' '$tmp/err'"
printf 'garbage%.0s' $(seq 1 1000) >"$tmp/bad.db"
"$run" --trace full --db "$tmp/bad.db" --init init --run foo:0 "$foo" >/dev/null 2>"$tmp/err"; rc=$?
t "a --db that is not a database: exit 1" test $rc -eq 1
t "with one DataLossError line naming it" one_line "$tmp/err" '^DataLossError: trace database .*bad.db: file is not a database'

# ---- --save
"$run" --init init --run foo:0,foo/read:0,init --save "$tmp/save/deep" "$foo" >/dev/null 2>"$tmp/err"; rc=$?
t "--save: exit 0, the folder made" sh -c "test $rc -eq 0 && test -d '$tmp/save/deep'"
t "--save: one .npy per fetched tensor, '/' and ':' as '_'" sh -c "cd '$tmp/save/deep' && test \"\$(ls | tr '\n' ' ')\" = 'foo_0.npy foo_read_0.npy '"
t "--save: numpy.save's bytes (header and int32 42)" python3 -c "
b = open('$tmp/save/deep/foo_0.npy', 'rb').read()
h = b\"\\x93NUMPY\\x01\\x00v\\x00{'descr': '<i4', 'fortran_order': False, 'shape': (), }\"
assert b[:len(h)] == h and len(b) == 132 and b[127:128] == b'\\n' and b[128:] == (42).to_bytes(4, 'little'), b"
t "--feed @FILE.npy reads a saved tensor back" sh -c "'$run' --feed 'foo=@$tmp/save/deep/foo_0.npy' --run foo/read:0 --json '$foo' | grep -qF '\"value\":42'"
"$run" --init init --run foo:0 --save "$foo" "$foo" >/dev/null 2>"$tmp/err"; rc=$?
t "--save into a file that is no folder: exit 1" sh -c "test $rc -eq 1 && grep -q 'not a directory' '$tmp/err'"
cat >"$tmp/strings.pbtxt" <<'EOF'
node { name: "f" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
  attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 2 } } float_val: 0.5 float_val: 1e20 } } } }
node { name: "s" op: "Const" attr { key: "dtype" value { type: DT_STRING } }
  attr { key: "value" value { tensor { dtype: DT_STRING tensor_shape { dim { size: 2 } } string_val: "a\"b" string_val: "\303\251\377" } } } }
EOF
"$run" --run f:0,s:0 --json "$tmp/strings.pbtxt" >"$tmp/out" 2>"$tmp/err"
t "--json: floats shortest, strings escaped, non-UTF-8 bytes as \\u00XX" grep -qxF '{"fetches":[{"name":"f:0","dtype":"float32","shape":[2],"value":[0.5,1e+20]},{"name":"s:0","dtype":"object","shape":[2],"value":["a\"b","é\u00ff"]}]}' "$tmp/out"
"$run" --run f:0,s:0 "$tmp/strings.pbtxt" >"$tmp/out" 2>"$tmp/err"
printf "f:0  float32 [2]\n[5.e-01 1.e+20]\ns:0  object [2]\n[b'a\"b' b'\\\\xc3\\\\xa9\\\\xff']\n" >"$tmp/want"
t "text: values printed as NumPy prints them" cmp -s "$tmp/want" "$tmp/out"
"$run" --run f:0,s:0 --save "$tmp/save2" "$tmp/strings.pbtxt" >/dev/null 2>"$tmp/err"; rc=$?
t "--save of a string tensor: exit 1" test $rc -eq 1
t "with one UnimplementedError line" one_line "$tmp/err" '^UnimplementedError: --save: s:0: A string tensor cannot be written as .npy$'
t "and no file at all (not even f_0.npy)" sh -c "test -z \"\$(ls '$tmp/save2')\""

# ---- fixtures
if [ -d "$fx/serving" ]; then
  sm="$fx/serving/tensorflow_serving/servables/tensorflow/testdata/saved_model_half_plus_two_cpu/00000123"
  "$run" "$sm" >"$tmp/sm" 2>&1
  t "a SavedModel directory: tags" grep -q "tags: serve" "$tmp/sm"
  t "and signatures" grep -q "signature 'serving_default'" "$tmp/sm"
  t "InceptionV3.meta loads (11040 nodes)" sh -c "'$run' '$fx/TensorFlow.NET/graph/InceptionV3.meta' | grep -q 'MetaGraphDef, 11040 nodes'"
  t "metrics_export_meta_graph.pb (text under a .pb name) loads" sh -c "'$run' '$fx/tensorflow/tensorflow/python/framework/testdata/metrics_export_meta_graph.pb' | grep -q '35 nodes'"

  mh="$fx/serving/tensorflow_serving/batching/testdata/matrix_half_plus_two/1"
  "$run" --feed 'x=[[[1,2,3],[4,5,6],[7,8,9]]]' --run y:0 --json "$mh" >"$tmp/out" 2>"$tmp/err"; rc=$?
  t "matrix_half_plus_two: y = 0.5x + 2 (exit 0)" test $rc -eq 0
  t "matrix_half_plus_two: the values" grep -qxF '{"fetches":[{"name":"y:0","dtype":"float32","shape":[1,3,3],"value":[[[2.5,3,3.5],[4,4.5,5],[5.5,6,6.5]]]}]}' "$tmp/out"
  "$run" --signature serving_default --feed 'x=[[[1,2,3],[4,5,6],[7,8,9]]]' --run y "$mh" >"$tmp/out" 2>"$tmp/err"; rc=$?
  printf 'y:0  float32 [1,3,3]\n[[[2.5 3.  3.5]\n  [4.  4.5 5. ]\n  [5.5 6.  6.5]]]\n' >"$tmp/want"
  t "matrix_half_plus_two by signature keys x and y, as text" sh -c "test $rc -eq 0 && cmp -s '$tmp/want' '$tmp/out'"
  "$run" --signature nope --run y "$mh" >/dev/null 2>"$tmp/err"; rc=$?
  t "an unknown --signature: exit 1" sh -c "test $rc -eq 1 && grep -q \"^NotFoundError: The graph has no signature 'nope' (it has 'serving_default')\$\" '$tmp/err'"
  "$run" --feed 'x=[1,2,3]' --run y:0 "$mh" >/dev/null 2>"$tmp/err"; rc=$?
  t "a feed of the wrong shape: exit 1, one InvalidArgumentError line" sh -c "test $rc -eq 1 && test \$(wc -l <'$tmp/err') -eq 1 && grep -q '^InvalidArgumentError: ' '$tmp/err'"
  "$run" --signature serving_default --feed 'x=[1,2,5]' --run y --json "$sm" >"$tmp/out" 2>"$tmp/err"; rc=$?
  t "half_plus_two_cpu (SavedModel, restored): x = [1,2,5] -> y = [2.5,3,4.5]" sh -c "test $rc -eq 0 && grep -qxF '{\"fetches\":[{\"name\":\"y:0\",\"dtype\":\"float32\",\"shape\":[3],\"value\":[2.5,3,4.5]}]}' '$tmp/out'"
  hp="$fx/tensorflow/tensorflow/cc/saved_model/testdata/half_plus_two/00000123"
  "$run" --feed 'x:0=[[0],[1],[2],[3]]' --run y:0,y2:0 --json "$hp" >"$tmp/out" 2>"$tmp/err"; rc=$?
  t "half_plus_two (SavedModel, restored): y and y2" sh -c "test $rc -eq 0 && grep -qxF '{\"fetches\":[{\"name\":\"y:0\",\"dtype\":\"float32\",\"shape\":[4,1],\"value\":[[2],[2.5],[3],[3.5]]},{\"name\":\"y2:0\",\"dtype\":\"float32\",\"shape\":[4,1],\"value\":[[3],[3.5],[4],[4.5]]}]}' '$tmp/out'"
  cn="$fx/serving/tensorflow_serving/servables/tensorflow/testdata/saved_model_counter/00000123"
  "$run" --signature incr_counter --run output --steps 3 --json "$cn" >"$tmp/out" 2>"$tmp/err"; rc=$?
  t "saved_model_counter: state kept across runs (1, 2, 3)" sh -c "test $rc -eq 0 && test \"\$(sed 's/.*\"value\":\([0-9]*\)}.*/\1/' '$tmp/out' | tr '\n' ' ')\" = '1 2 3 '"
else
  skip 12 "fixtures not found"
fi
if [ -d "$fx/rust" ]; then
  mul="$fx/rust/tensorflow-sys/examples/assets/multiplication.pb"
  "$run" --feed 'a=[1,2,3]' --feed 'b=[4,5,6]' --run c:0 --json "$mul" >"$tmp/out" 2>"$tmp/err"; rc=$?
  t "multiplication.pb: [1,2,3] * [4,5,6] fed as float (the placeholders' dtype)" sh -c "test $rc -eq 0 && grep -qxF '{\"fetches\":[{\"name\":\"c:0\",\"dtype\":\"float32\",\"shape\":[3],\"value\":[4,10,18]}]}' '$tmp/out'"
  "$run" --feed 'a=[1,2,3]' --feed 'b=[4,5,6]' --run c --save "$tmp/mul" "$mul" >"$tmp/out" 2>"$tmp/err"
  t "a bare op name is a target: nothing printed, nothing saved" sh -c "test ! -s '$tmp/out' && test -d '$tmp/mul' && test -z \"\$(ls '$tmp/mul')\""
  "$run" --feed 'a=[1,2,3]' --feed 'b=[4,5,6]' --run c:0 --save "$tmp/mul" "$mul" >/dev/null 2>&1
  t "--save then --feed @c_0.npy: the product fed back" sh -c "'$run' --feed 'a=@$tmp/mul/c_0.npy' --feed 'b=[1,1,1]' --run c:0 --json '$mul' | grep -qF '\"value\":[4,10,18]'"
  add="$fx/rust/examples/addition/model.pb"
  "$run" --feed x=2 --feed y=40 --run z:0 --json "$add" >"$tmp/out" 2>"$tmp/err"; rc=$?
  t "addition/model.pb: x = 2, y = 40 (int32) -> z = 42" sh -c "test $rc -eq 0 && grep -qxF '{\"fetches\":[{\"name\":\"z:0\",\"dtype\":\"int32\",\"shape\":[],\"value\":42}]}' '$tmp/out'"
  t "addition/model.pb on stdin" sh -c "'$run' --feed x=2 --feed y=40 --run z:0 - <'$add' | tail -n 1 | grep -qx 42"
  "$run" --feed x=2 --run z:0 "$add" >/dev/null 2>"$tmp/err"; rc=$?
  t "a placeholder left unfed: exit 1, one line naming it" sh -c "test $rc -eq 1 && test \$(wc -l <'$tmp/err') -eq 1 && grep -q \"^InvalidArgumentError: You must feed a value for placeholder tensor 'y'\" '$tmp/err'"
else
  skip 6 "fixtures not found"
fi
echo "1..$n"
exit $fails
