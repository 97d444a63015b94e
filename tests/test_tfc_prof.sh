#!/bin/sh
# test_tfc_prof.sh: tfc-prof from the command line (contract 5 of docs/DESIGN.md,
# issue 6): --help, --version, usage errors (exit 2); databases written by
# `tfc-run --trace full` on the example graphs: every view in every format, numbers
# that add up (self to total, percentages to 100, counts to the node stats run), JSON
# and CSV that parse, --step/--run/--top/--match/--hide/--order-by/--device, the
# timeline JSON with one event per node stat, the chart and step plot (PNG not
# blank, SVG complete), --compare (a run id and another database), --advise; the
# fixture RunMetadata files (TensorFlow's profiler testdata with its graph: DW 162
# params, DW2 288, 451 in all, Conv2D 5832 FLOPs; the CPU-only contrib one; a text
# one), --save-db; and bad input (not a database, an empty one, no such run or step,
# a bad regex, an unwritable output): one clear error line, exit 1, no output file.
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
prof="$top_builddir/tools/tfc-prof"
run="$top_builddir/tools/tfc-run"
sm="$top_srcdir/share/examples/graphs/softmax_regression.pbtxt"
foo="$top_srcdir/share/examples/graphs/variable_foo.pbtxt"
fx="${TFC_FIXTURES:-$top_srcdir/../shared/fixtures}"
pngcheck="$top_srcdir/tests/prof/png_check.py"
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
py() { python3 -c "$@"; }
have_py=no
command -v python3 >/dev/null 2>&1 && have_py=yes
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
TMPDIR=$tmp; export TMPDIR # where tfc-prof puts the databases it imports into

# ---- help, version, usage
"$prof" --help >"$tmp/out" 2>&1; rc=$?
t "--help exits 0" test $rc -eq 0
te "--help names every option" 'for o in --by --max-depth --order-by --top --min-us --match --hide --run --step --device --format --compare --advise --timeline --plot --graph --save-db; do grep -q -- "$o" "$tmp/out" || exit 1; done'
"$prof" --version >"$tmp/out" 2>&1; rc=$?
te "--version prints 'tfc-prof (tfc) VERSION'" 'test $rc -eq 0 && grep -qE "^tfc-prof \(tfc\) [0-9]" "$tmp/out"'
for args in "" "--bogus x.db" "--by color x.db" "--format xml x.db" "--top 0 x.db" "--top x x.db" \
    "--step 3..1 x.db" "--step a x.db" "--run 0 x.db" "--min-us -1 x.db" "--order-by nothing x.db" \
    "--max-depth 2 x.db" "--timeline out.txt x.db" "--plot bars x.db" "x.db y.db" "--top"; do
  # shellcheck disable=SC2086
  "$prof" $args >/dev/null 2>"$tmp/err"; rc=$?
  t "usage error exits 2: tfc-prof $args" test $rc -eq 2
  t "  with one line InvalidArgumentError: ..." one_line "$tmp/err" '^InvalidArgumentError: '
done

# ---- databases made by tfc-run
db="$tmp/sm.db"
"$run" --trace full --steps 4 --db "$db" --init init --feed 'input/x=[[1,2,3,4],[5,6,7,8]]' \
  --run output/y:0 "$sm" >/dev/null 2>&1
t "tfc-run traces softmax_regression, 4 steps" test -s "$db"
"$run" --trace full --steps 3 --db "$db" --init init --feed 'input/x=[[1,2,3,4]]' \
  --run output/y:0 "$sm" >/dev/null 2>&1
db2="$tmp/foo.db"
"$run" --trace full --steps 2 --db "$db2" --init init --run assign --run foo:0 "$foo" >/dev/null 2>&1
t "tfc-run traces variable_foo" test -s "$db2"

"$prof" "$db" >"$tmp/out" 2>"$tmp/err"; rc=$?
te "default view: exit 0, quiet" 'test $rc -eq 0 && test ! -s "$tmp/err"'
te "  newest run (2), 3 steps, by op type" 'head -1 "$tmp/out" | grep -q "^run 2 .*3 steps.*by op type"'
te "  columns: name count total % step% mean median p90 p99 params FLOPs" 'sed -n 2p "$tmp/out" | grep -qE "^name +count +total +% +step% +mean +median +p90 +p99 +params +FLOPs"'
te "  MatMul and Softmax rows" 'grep -q "^MatMul " "$tmp/out" && grep -q "^Softmax " "$tmp/out"'
te "  numbers right-aligned (columns end together)" 'test "$(sed -n "2,\$p" "$tmp/out" | awk "{print index(\$0, \$2) + length(\$2)}" | sort -u | wc -l)" -eq 1'
COLUMNS=50 "$prof" "$db" --by node >"$tmp/out" 2>&1
te "COLUMNS=50: the table fits in 50 columns" 'test "$(awk "length > 50" "$tmp/out" | sed 1d | wc -l)" -eq 0'
COLUMNS=200 "$prof" "$db" --by node >"$tmp/out" 2>&1
te "COLUMNS=200: all columns" 'grep -q "out bytes" "$tmp/out"'

if [ $have_py = yes ]; then
  # count node stats with sqlite3 from Python
  rows=$(py "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('select count(*) from node_stats where run_id=2').fetchone()[0])" "$db")
  for by in type node scope device step; do
    "$prof" "$db" --by $by --format json >"$tmp/$by.json" 2>"$tmp/err"; rc=$?
    t "--by $by --format json: exit 0" test $rc -eq 0
    te "  parses; rows carry name, count, total_us, self_us, mean_us" "py 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"rows\"]; assert all(k in r for r in d[\"rows\"] for k in (\"name\",\"count\",\"total_us\",\"self_us\",\"mean_us\"))' '$tmp/$by.json'"
    te "  self adds up to the total, percentages to 100" "py 'import json,sys; d=json.load(open(sys.argv[1])); r=d[\"rows\"]; assert abs(sum(x[\"self_us\"] for x in r) - d[\"total_us\"]) < 0.01 * len(r) + 0.01, (sum(x[\"self_us\"] for x in r), d[\"total_us\"]); assert abs(sum(x[\"pct\"] for x in r) - 100) < 0.01' '$tmp/$by.json'"
    if [ $by != scope ]; then
      te "  counts add up to the node stats run ($rows)" "py 'import json,sys; d=json.load(open(sys.argv[1])); assert sum(x[\"count\"] for x in d[\"rows\"]) == int(sys.argv[2])' '$tmp/$by.json' $rows"
    else
      te "  top-level totals add up; counts of top-level scopes add up to $rows" "py 'import json,sys; d=json.load(open(sys.argv[1])); r=[x for x in d[\"rows\"] if x[\"depth\"]==0]; assert abs(sum(x[\"total_us\"] for x in r) - d[\"total_us\"]) < 0.01*len(r)+0.01; assert sum(x[\"count\"] for x in r) == int(sys.argv[2])' '$tmp/$by.json' $rows"
    fi
    "$prof" "$db" --by $by --format csv >"$tmp/$by.csv" 2>"$tmp/err"; rc=$?
    te "  --format csv parses, the same rows as JSON" "test $rc -eq 0 && py 'import csv,json,sys; r=list(csv.DictReader(open(sys.argv[1]))); j=json.load(open(sys.argv[2]))[\"rows\"]; assert [x[\"name\"] for x in r] == [x[\"name\"] for x in j]; assert all(abs(float(a[\"total_us\"]) - b[\"total_us\"]) < 0.001 for a, b in zip(r, j))' '$tmp/$by.csv' '$tmp/$by.json'"
  done
  te "by node: every node ran once a step (count 3)" "py 'import json,sys; d=json.load(open(sys.argv[1])); assert all(x[\"count\"] == 3 for x in d[\"rows\"])' '$tmp/node.json'"
  te "by node: MatMul FLOPs 2*K*|out| = 2*4*3 = 24 a run" "py 'import json,sys; d=json.load(open(sys.argv[1])); m=[x for x in d[\"rows\"] if x[\"name\"]==\"model/MatMul\"][0]; assert m[\"flops\"] == 3*24, m' '$tmp/node.json'"
  te "by scope: model has the 15 parameters of W [4,3] and b [3]" "py 'import json,sys; d=json.load(open(sys.argv[1])); m=[x for x in d[\"rows\"] if x[\"name\"]==\"model\"][0]; assert m[\"params\"] == 15, m' '$tmp/scope.json'"
  te "by step: 3 rows, steps 0 1 2" "py 'import json,sys; d=json.load(open(sys.argv[1])); assert [x[\"name\"] for x in d[\"rows\"]] == [\"0\",\"1\",\"2\"]' '$tmp/step.json'"

  "$prof" "$db" --run 1 --step 1..2 --by step --format json >"$tmp/o.json" 2>&1
  te "--run 1 --step 1..2: steps 1 and 2 of run 1" "py 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"run\"] == 1 and [x[\"name\"] for x in d[\"rows\"]] == [\"1\",\"2\"]' '$tmp/o.json'"
  "$prof" "$db" --step 0 --by node --format json >"$tmp/o.json" 2>&1
  te "--step 0: one step, count 1 each" "py 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"steps\"] == 1 and all(x[\"count\"] == 1 for x in d[\"rows\"])' '$tmp/o.json'"
  "$prof" "$db" --by node --top 2 --order-by name --format json >"$tmp/o.json" 2>&1
  te "--top 2 --order-by name: the first two names" "py 'import json,sys; d=json.load(open(sys.argv[1])); assert [x[\"name\"] for x in d[\"rows\"]] == [\"model/MatMul\", \"model/W\"], d' '$tmp/o.json'"
  "$prof" "$db" --by node --order-by count:asc --match '^model/' --hide 'read$' --format json >"$tmp/o.json" 2>&1
  te "--match ^model/ --hide read\$" "py 'import json,sys; d=json.load(open(sys.argv[1])); n=sorted(x[\"name\"] for x in d[\"rows\"]); assert n == [\"model/MatMul\",\"model/W\",\"model/b\",\"model/logits\"], n' '$tmp/o.json'"
  "$prof" "$db" --by node --min-us 1000000 --format json >"$tmp/o.json" 2>&1
  te "--min-us 1000000: no rows" "py 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"rows\"] == []' '$tmp/o.json'"
  "$prof" "$db" --device 'GPU' --by node --format json >"$tmp/o.json" 2>&1
  te "--device GPU on a CPU run: no rows" "py 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"rows\"] == []' '$tmp/o.json'"
  "$prof" "$db" --by scope --max-depth 1 --format json >"$tmp/o.json" 2>&1
  te "--by scope --max-depth 1: top level only, self = total" "py 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"rows\"] and all(x[\"depth\"]==0 and x[\"self_us\"]==x[\"total_us\"] for x in d[\"rows\"])' '$tmp/o.json'"

  # timeline
  "$prof" "$db" --timeline "$tmp/tl.json" >"$tmp/out" 2>"$tmp/err"; rc=$?
  te "--timeline OUT.json: exit 0, nothing on stdout" 'test $rc -eq 0 && test ! -s "$tmp/out"'
  te "  Chrome trace: traceEvents, one X event (cat Op) per node stat ($rows)" "py 'import json,sys; e=json.load(open(sys.argv[1]))[\"traceEvents\"]; x=[v for v in e if v[\"ph\"]==\"X\" and v[\"cat\"]==\"Op\"]; assert len(x) == int(sys.argv[2]); assert all(\"name\" in v[\"args\"] and v[\"dur\"] >= 0 for v in x)' '$tmp/tl.json' $rows"
  te "  process and thread names for every pid and tid used" "py 'import json,sys; e=json.load(open(sys.argv[1]))[\"traceEvents\"]; p={v[\"pid\"] for v in e if v[\"ph\"]==\"M\" and v[\"name\"]==\"process_name\"}; t={(v[\"pid\"],v[\"tid\"]) for v in e if v[\"ph\"]==\"M\" and v[\"name\"]==\"thread_name\"}; x=[v for v in e if v[\"ph\"]==\"X\"]; assert all(v[\"pid\"] in p for v in x); assert all((v[\"pid\"],v[\"tid\"]) in t for v in x if v[\"cat\"]==\"Op\")' '$tmp/tl.json'"
  te "  events of one lane never overlap" "py 'import json,sys; e=json.load(open(sys.argv[1]))[\"traceEvents\"]; x=sorted((v[\"pid\"],v[\"tid\"],v[\"ts\"],v[\"dur\"]) for v in e if v[\"ph\"]==\"X\" and v[\"cat\"]==\"Op\"); assert all(not (a[:2]==b[:2] and b[2] < a[2]+a[3]) for a,b in zip(x,x[1:]))' '$tmp/tl.json'"
  te "  3 Step events" "py 'import json,sys; e=json.load(open(sys.argv[1]))[\"traceEvents\"]; assert len([v for v in e if v.get(\"cat\")==\"Step\"]) == 3' '$tmp/tl.json'"
else
  skip 41 "python3 not found"
fi

"$prof" "$db" --timeline "$tmp/tl.png" 2>"$tmp/err"; rc=$?
te "--timeline OUT.png: exit 0" 'test $rc -eq 0 && test -s "$tmp/tl.png"'
if [ $have_py = yes ]; then
  t "  the chart is not blank" python3 "$pngcheck" "$tmp/tl.png" 200
else
  skip 1 "python3 not found"
fi
"$prof" "$db" --timeline "$tmp/tl.svg" 2>"$tmp/err"; rc=$?
te "--timeline OUT.svg: a complete SVG" 'test $rc -eq 0 && grep -q "<svg" "$tmp/tl.svg" && tail -c 100 "$tmp/tl.svg" | grep -q "</svg>"'
"$prof" "$db" --plot steps "$tmp/steps.png" 2>"$tmp/err"; rc=$?
te "--plot steps OUT.png: exit 0" 'test $rc -eq 0 && test -s "$tmp/steps.png"'
if [ $have_py = yes ]; then
  t "  the plot is not blank" python3 "$pngcheck" "$tmp/steps.png" 100
else
  skip 1 "python3 not found"
fi

# compare, advise
"$prof" "$db" --compare 1 >"$tmp/out" 2>"$tmp/err"; rc=$?
te "--compare 1 (a run of the same database): before, after, change, ratio" 'test $rc -eq 0 && grep -qE "^name +before +after +change +ratio" "$tmp/out" && grep -q "^Softmax " "$tmp/out"'
"$prof" "$db" --compare "$db2" --format json >"$tmp/o.json" 2>"$tmp/err"; rc=$?
if [ $have_py = yes ]; then
  te "--compare OTHER.db --format json: rows by the largest change" "test $rc -eq 0 && py 'import json,sys; r=json.load(open(sys.argv[1]))[\"rows\"]; ch=[abs(x[\"delta_us\"]) for x in r]; assert r and ch == sorted(ch, reverse=True); assert any(x[\"before_us\"] is None or x[\"after_us\"] is None for x in r)' '$tmp/o.json'"
else
  skip 1 "python3 not found"
fi
"$prof" "$db" --advise >"$tmp/out" 2>"$tmp/err"; rc=$?
te "--advise: top op types and nodes, utilization" 'test $rc -eq 0 && grep -q "top op types by time" "$tmp/out" && grep -q "top nodes by time" "$tmp/out" && grep -q "utilization" "$tmp/out"'
if [ $have_py = yes ]; then
  "$prof" "$db" --advise --format json >"$tmp/o.json" 2>&1
  te "--advise --format json parses" "py 'import json,sys; f=json.load(open(sys.argv[1]))[\"findings\"]; assert f and all(\"checker\" in x and \"message\" in x for x in f)' '$tmp/o.json'"
else
  skip 1 "python3 not found"
fi

# ---- fixtures: TensorFlow's RunMetadata files
pm="$fx/tensorflow/tensorflow/core/profiler/internal/testdata"
cm="$fx/tensorflow/tensorflow/contrib/tfprof/tools/tfprof/internal/testdata"
tb="$fx/tensorflow/tensorflow/tensorboard/components/tf-backend/test/data/run_metadata_run_step99_tag_train.pbtxt"
if [ -f "$pm/run_meta" ] && [ -f "$cm/run_meta" ] && [ $have_py = yes ]; then
  "$prof" "$pm/run_meta" --graph "$pm/graph.pbtxt" --by scope --format json --save-db "$tmp/pm.db" >"$tmp/o.json" 2>"$tmp/err"; rc=$?
  te "profiler run_meta + graph: exit 0, quiet" 'test $rc -eq 0 && test ! -s "$tmp/err"'
  te "  scope view: DW 162 params, DW2 288, 451 in all (tfprof's tests)" "py 'import json,sys; r=json.load(open(sys.argv[1]))[\"rows\"]; p={x[\"name\"]: x[\"params\"] for x in r}; assert p[\"DW\"] == 162 and p[\"DW2\"] == 288, p; assert sum(x[\"params\"] for x in r if x[\"depth\"]==0) == 451' '$tmp/o.json'"
  te "  --save-db kept the database" 'test -s "$tmp/pm.db"'
  "$prof" "$tmp/pm.db" --by node --format json >"$tmp/o.json" 2>&1
  te "  Conv2D 5832 FLOPs, Conv2D_1 4608 (tfprof_log's float_ops)" "py 'import json,sys; r={x[\"name\"]: x for x in json.load(open(sys.argv[1]))[\"rows\"]}; assert r[\"Conv2D\"][\"flops\"] == 5832 and r[\"Conv2D_1\"][\"flops\"] == 4608; assert r[\"Conv2D\"][\"count\"] == 1' '$tmp/o.json'"
  "$prof" "$tmp/pm.db" --by device --format json >"$tmp/o.json" 2>&1
  te "  devices: 6 (gpu:0, cpu:0, streams 12/7/14, memcpy; stream:all left out)" "py 'import json,sys; r=json.load(open(sys.argv[1]))[\"rows\"]; n=[x[\"name\"] for x in r]; assert len(n) == 6 and not any(\"stream:all\" in x for x in n), n' '$tmp/o.json'"
  "$prof" "$tmp/pm.db" --device 'stream:all' --by device --format json >"$tmp/o.json" 2>&1
  te "  --device stream:all asks for the combined stream" "py 'import json,sys; r=json.load(open(sys.argv[1]))[\"rows\"]; assert [x[\"name\"] for x in r] == [\"/gpu:0/stream:all\"]' '$tmp/o.json'"
  "$prof" "$tmp/pm.db" --advise >"$tmp/out" 2>&1
  te "  --advise: NHWC convolutions on the GPU" 'grep -q "data_format NHWC ran on a GPU" "$tmp/out" && grep -q "  Conv2D (Conv2D) on /job:localhost/replica:0/task:0/gpu:0" "$tmp/out"'
  "$prof" "$tmp/pm.db" --timeline "$tmp/pm.json" 2>&1
  te "  timeline: 33 op events on 6 devices" "py 'import json,sys; e=json.load(open(sys.argv[1]))[\"traceEvents\"]; assert len([v for v in e if v.get(\"cat\")==\"Op\"]) == 33; assert len([v for v in e if v[\"ph\"]==\"M\" and v[\"name\"]==\"process_name\"]) == 7' '$tmp/pm.json'"
  "$prof" "$pm/run_meta" --timeline "$tmp/pm.png" 2>&1
  t "  chart of the GPU step (without the graph) is not blank" python3 "$pngcheck" "$tmp/pm.png" 200
  "$prof" "$cm/run_meta" --graph "$cm/graph.pbtxt" --by node --format json >"$tmp/o.json" 2>"$tmp/err"; rc=$?
  te "contrib run_meta (CPU only): 9 node stats, Conv2D 5832 FLOPs, DW 162 params" "test $rc -eq 0 && py 'import json,sys; r={x[\"name\"]: x for x in json.load(open(sys.argv[1]))[\"rows\"]}; assert sum(x[\"count\"] for x in r.values()) == 9; assert r[\"Conv2D\"][\"flops\"] == 5832 and r[\"DW\"][\"params\"] == 162' '$tmp/o.json'"
  "$prof" "$cm/run_meta" --by device >"$tmp/out" 2>&1
  te "  one device, the CPU" 'test "$(grep -c "^/job:localhost/replica:0/task:0/cpu:0 " "$tmp/out")" -eq 1 && test "$(wc -l <"$tmp/out")" -eq 3'
  "$prof" "$tb" --by node >"$tmp/out" 2>"$tmp/err"; rc=$?
  te "a text RunMetadata: _SOURCE (NoOp)" 'test $rc -eq 0 && grep -qE "^_SOURCE +NoOp +1 " "$tmp/out"'
  "$prof" "$tmp/pm.db" --compare "$cm/run_meta" >"$tmp/out" 2>"$tmp/err"; rc=$?
  te "--compare with a RunMetadata file" 'test $rc -eq 0 && grep -q "^Conv2D " "$tmp/out"'
else
  skip 13 "fixtures (TFC_FIXTURES) or python3 not found"
fi

# ---- bad input
echo "not a database, not a RunMetadata" >"$tmp/bad.db"
"$prof" "$tmp/bad.db" --timeline "$tmp/bad.json" >/dev/null 2>"$tmp/err"; rc=$?
te "not a database: exit 1, one line InvalidArgumentError" 'test $rc -eq 1 && one_line "$tmp/err" "^InvalidArgumentError: .*bad.db is neither a trace database nor a RunMetadata file"'
t "  no output file" test ! -e "$tmp/bad.json"
if [ $have_py = yes ]; then
  py "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read()); c.commit()" \
    "$tmp/empty.db" "$top_srcdir/share/sql/trace_schema.sql"
  "$prof" "$tmp/empty.db" >/dev/null 2>"$tmp/err"; rc=$?
  te "an empty trace database: exit 1, one line" 'test $rc -eq 1 && one_line "$tmp/err" "^InvalidArgumentError: .*holds no runs"'
  py "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(x)'); c.commit()" "$tmp/other.db"
  "$prof" "$tmp/other.db" >/dev/null 2>"$tmp/err"; rc=$?
  te "an SQLite database of something else: exit 1, one line" 'test $rc -eq 1 && one_line "$tmp/err" "^InvalidArgumentError: .*not a trace database"'
else
  skip 2 "python3 not found"
fi
"$prof" "$tmp/missing.db" >/dev/null 2>"$tmp/err"; rc=$?
te "a missing file: exit 1, one line NotFoundError" 'test $rc -eq 1 && one_line "$tmp/err" "^NotFoundError: "'
"$prof" "$db" --run 99 --timeline "$tmp/r.json" >/dev/null 2>"$tmp/err"; rc=$?
te "no run 99: exit 1, one line NotFoundError" 'test $rc -eq 1 && one_line "$tmp/err" "^NotFoundError: .*has no run 99"'
t "  no output file" test ! -e "$tmp/r.json"
"$prof" "$db" --step 99 >/dev/null 2>"$tmp/err"; rc=$?
te "no step 99: exit 1, one line NotFoundError" 'test $rc -eq 1 && one_line "$tmp/err" "^NotFoundError: .*has no step 99"'
"$prof" "$db" --step 50..60 >/dev/null 2>"$tmp/err"; rc=$?
te "no steps in 50..60: exit 1" 'test $rc -eq 1 && one_line "$tmp/err" "^NotFoundError: .*no steps in 50..60"'
"$prof" "$db" --match '(' >/dev/null 2>"$tmp/err"; rc=$?
te "a bad --match regex: exit 1, one line" 'test $rc -eq 1 && one_line "$tmp/err" "^InvalidArgumentError: bad --match regex"'
"$prof" "$db" --hide '[' >/dev/null 2>"$tmp/err"; rc=$?
te "a bad --hide regex: exit 1, one line" 'test $rc -eq 1 && one_line "$tmp/err" "^InvalidArgumentError: bad --hide regex"'
"$prof" "$db" --compare 42 >/dev/null 2>"$tmp/err"; rc=$?
te "--compare with no such run: exit 1" 'test $rc -eq 1 && one_line "$tmp/err" "^NotFoundError: .*no run 42"'
"$prof" "$db" --timeline "$tmp/no/such/dir/t.json" >/dev/null 2>"$tmp/err"; rc=$?
te "an unwritable output: exit 1, one line" 'test $rc -eq 1 && test "$(wc -l <"$tmp/err")" -eq 1'
te "no temporary databases left behind" '! ls "$tmp"/tfc-prof-* 2>/dev/null | grep -q .'

echo "1..$n"
test $fails -eq 0
