/*
 * test_prof.c: the tfc-prof report library (trace/prof.h) on a crafted trace
 * database whose every number is known: totals, self and total per scope, counts,
 * percentages, median and p90 over steps, FLOPs of MatMul, Conv2D and Add from the
 * recorded shapes, parameters by scope, per-device utilization; the advice it must
 * give (constant folding, NHWC on a GPU, low utilization with its idle gap, a step
 * outlier); compare; the Chrome trace; the critical path; the PNG chart not blank;
 * and the errors (no such run or step, an empty database, not a database).
 */
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph.pb-c.h"
#include "prof.h"
#include "step_stats.pb-c.h"
#include "config.pb-c.h"
#include "tap.h"
#include "tfc.h"
#include "tfc_trace.h"

#define CPU "/job:localhost/replica:0/task:0/device:CPU:0"
#define GPU "/job:localhost/replica:0/task:0/device:GPU:0"

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer: cairo's font caches (fontconfig) live as long as the process;
 * they are cairo's, not tfc's (tools/tfc_prof.c says the same). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\nleak:libcairo.so\n";
}
#endif

static const char graph_text[] =
	"node { name: 'c1' op: 'Const' }\n"
	"node { name: 'c2' op: 'Const' }\n"
	"node { name: 'fold' op: 'Add' input: 'c1' input: 'c2' }\n"
	"node { name: 'input/x' op: 'Const' }\n"
	"node { name: 'layer/w' op: 'VariableV2' attr { key: 'shape' value { shape { dim { size: 8 } dim { size: 16 } } } } }\n"
	"node { name: 'layer/w/read' op: 'Identity' input: 'layer/w' }\n"
	"node { name: 'layer/mm' op: 'MatMul' input: 'input/x' input: 'layer/w/read' }\n"
	"node { name: 'layer/add' op: 'Add' input: 'layer/mm' input: 'fold' }\n"
	"node { name: 'img' op: 'Const' }\n"
	"node { name: 'filt' op: 'Const' }\n"
	"node { name: 'conv' op: 'Conv2D' input: 'img' input: 'filt' attr { key: 'data_format' value { s: 'NHWC' } } }\n"
	"node { name: 'gpu/relu' op: 'Relu' input: 'conv' }\n"
	"node { name: 'unused/v' op: 'VariableV2' attr { key: 'shape' value { shape { dim { size: 5 } } } } }\n";

struct spec {
	const char *dev, *name;
	int start, dur; /* microseconds from the step's start */
	int rank;
	int64_t dims[4];
};

/* One step: mm_dur is layer/mm's time. */
static size_t make_step(int64_t base_us, int mm_dur, uint8_t **out)
{
	const struct spec sp[] = {
		{CPU, "c1", 0, 1, 1, {2}},          {CPU, "c2", 1, 1, 1, {2}},
		{CPU, "fold", 2, 10, 1, {2}},       {CPU, "input/x", 0, 2, 2, {4, 8}},
		{CPU, "layer/w", 3, 1, 2, {8, 16}}, {CPU, "layer/w/read", 4, 1, 2, {8, 16}},
		{CPU, "layer/mm", 12, mm_dur, 2, {4, 16}},
		{CPU, "layer/add", 12 + mm_dur, 5, 2, {4, 16}},
		{GPU, "img", 0, 1, 4, {1, 8, 8, 3}}, {GPU, "filt", 1, 1, 4, {3, 3, 3, 4}},
		{GPU, "conv", 2, 10, 4, {1, 8, 8, 4}}, {GPU, "gpu/relu", 90, 10, 4, {1, 8, 8, 4}},
	};
	enum { N = sizeof(sp) / sizeof(sp[0]) };
	Tensorflow__RunMetadata md = TENSORFLOW__RUN_METADATA__INIT;
	Tensorflow__StepStats ss = TENSORFLOW__STEP_STATS__INIT;
	Tensorflow__DeviceStepStats dev[2], *devp[2];
	Tensorflow__NodeExecStats ns[N], *nsp[N];
	Tensorflow__NodeOutput no[N], *nop[N];
	Tensorflow__TensorDescription td[N];
	Tensorflow__AllocationDescription ad[N];
	Tensorflow__TensorShapeProto shp[N];
	Tensorflow__TensorShapeProto__Dim dim[N][4], *dimp[N][4];
	int n_cpu = 0;
	for (int i = 0; i < N; i++)
		n_cpu += strcmp(sp[i].dev, CPU) == 0;
	for (int d = 0; d < 2; d++) {
		tensorflow__device_step_stats__init(&dev[d]);
		devp[d] = &dev[d];
	}
	dev[0].device = CPU;
	dev[0].n_node_stats = (size_t)n_cpu;
	dev[0].node_stats = nsp;
	dev[1].device = GPU;
	dev[1].n_node_stats = (size_t)(N - n_cpu);
	dev[1].node_stats = nsp + n_cpu;
	for (int i = 0; i < N; i++) {
		Tensorflow__NodeExecStats *n = &ns[i];
		tensorflow__node_exec_stats__init(n);
		nsp[i] = n;
		n->node_name = (char *)sp[i].name;
		n->all_start_micros = base_us + sp[i].start;
		n->all_start_nanos = n->all_start_micros * 1000;
		n->op_start_rel_micros = 0;
		n->op_end_rel_micros = sp[i].dur;
		n->all_end_rel_micros = sp[i].dur;
		n->op_start_rel_nanos = 0;
		n->op_end_rel_nanos = (int64_t)sp[i].dur * 1000;
		n->all_end_rel_nanos = (int64_t)sp[i].dur * 1000;
		n->thread_id = 1;
		tensorflow__tensor_shape_proto__init(&shp[i]);
		int64_t elems = 1;
		for (int k = 0; k < sp[i].rank; k++) {
			tensorflow__tensor_shape_proto__dim__init(&dim[i][k]);
			dim[i][k].size = sp[i].dims[k];
			dimp[i][k] = &dim[i][k];
			elems *= sp[i].dims[k];
		}
		shp[i].n_dim = (size_t)sp[i].rank;
		shp[i].dim = dimp[i];
		tensorflow__allocation_description__init(&ad[i]);
		ad[i].requested_bytes = ad[i].allocated_bytes = elems * 4;
		ad[i].allocator_name = "cpu";
		tensorflow__tensor_description__init(&td[i]);
		td[i].dtype = TENSORFLOW__DATA_TYPE__DT_FLOAT;
		td[i].shape = &shp[i];
		td[i].allocation_description = &ad[i];
		tensorflow__node_output__init(&no[i]);
		no[i].slot = 0;
		no[i].tensor_description = &td[i];
		nop[i] = &no[i];
		n->n_output = 1;
		n->output = &nop[i];
	}
	ss.n_dev_stats = 2;
	ss.dev_stats = devp;
	md.step_stats = &ss;
	size_t len = tensorflow__run_metadata__get_packed_size(&md);
	*out = malloc(len);
	tensorflow__run_metadata__pack(&md, *out);
	return len;
}

static const char *db_path;

/* Run 1: five steps, step 3 with a slow MatMul (2000 us, else 20); run 2: MatMul
 * at 40 us in every step. */
static void make_db(void)
{
	tfc_status *st = tfc_status_new();
	tfc_trace_db *db = tfc_trace_db_open(db_path, st);
	for (int run = 1; run <= 2; run++) {
		int64_t id = tfc_trace_db_begin_run(db, "crafted", graph_text, strlen(graph_text), NULL,
						    "test_prof", st);
		for (int s = 0; s < 5; s++) {
			uint8_t *md;
			int mm = run == 2 ? 40 : s == 3 ? 2000 : 20;
			size_t len = make_step(1000000 + run * 1000000 + s * 10000, mm, &md);
			tfc_trace_db_add_step(db, id, s, md, len, st);
			free(md);
		}
	}
	tfc_trace_db_close(db, st);
	ok(tfc_status_code(st) == TFC_OK, "crafted database written (%s)", tfc_status_message(st));
	tfc_status_free(st);
}

static pf_data *load(int64_t run, tfc_status *st)
{
	pf_select sel = {.run_id = run, .all_steps = true};
	return pf_data_load(db_path, &sel, st);
}

static const pf_stat *row(const pf_table *t, const char *name)
{
	for (int i = 0; i < t->n_rows; i++)
		if (strcmp(t->rows[i].name, name) == 0)
			return &t->rows[i];
	return NULL;
}

static pf_table *view(const pf_data *d, pf_by by, tfc_status *st)
{
	pf_view v = {.by = by, .order_by = -1};
	return pf_table_build(d, &v, st);
}

static void test_views(void)
{
	tfc_status *st = tfc_status_new();
	pf_data *d = load(1, st);
	ok(d != NULL, "run 1 loads");
	if (!d) {
		tfc_status_free(st);
		return;
	}
	is_int(d->n_steps, 5, "5 steps");
	is_int(d->n_rows, 60, "60 node stats");
	is_int(d->n_devices, 2, "2 devices");

	pf_table *t = view(d, PF_BY_TYPE, st);
	is_double(t->grand_total_us, 2295, 1e-6, "op time in all: 2295 us");
	const pf_stat *mm = row(t, "MatMul"), *cst = row(t, "Const"), *add = row(t, "Add");
	ok(mm && cst && add, "type rows MatMul, Const, Add");
	is_string(t->rows[0].name, "MatMul", "sorted by total: MatMul first");
	if (mm && cst && add) {
		is_double(mm->total_us, 2080, 1e-6, "MatMul total");
		is_int(mm->count, 5, "MatMul count");
		is_double(mm->mean_us, 416, 1e-6, "MatMul mean");
		is_double(mm->median_us, 20, 1e-6, "MatMul median over steps");
		is_double(mm->p90_us, 1208, 1e-6, "MatMul p90 over steps (linear)");
		is_double(mm->flops, 5 * 1024.0, 1e-6, "MatMul FLOPs: 2*K*|out| = 1024 a run");
		is_double(mm->gflops, 5 * 1024.0 / 2080e3, 1e-12, "MatMul GFLOP/s");
		is_double(mm->step_pct, 100.0 * 2080 / (4 * 100 + 2017), 1e-9,
			  "MatMul step%%: its time over the steps' wall time");
		is_double(cst->total_us, 30, 1e-6, "Const total");
		is_int(cst->count, 25, "Const count");
		is_double(add->flops, 5 * (2 + 64.0), 1e-6, "Add FLOPs: output elements");
		is_int(mm->out_bytes, 5 * 256, "MatMul output bytes");
	}
	const pf_stat *conv = row(t, "Conv2D");
	ok(conv && conv->flops == 5 * 2.0 * 256 * 27, "Conv2D FLOPs: 2*|out|*kh*kw*cin");
	const pf_stat *var = row(t, "VariableV2");
	ok(var && var->params == 128, "VariableV2 params 128");
	double pct = 0, self = 0;
	int64_t count = 0;
	for (int i = 0; i < t->n_rows; i++) {
		pct += t->rows[i].pct;
		self += t->rows[i].self_us;
		count += t->rows[i].count;
	}
	is_double(pct, 100, 1e-9, "type: percentages add up to 100");
	is_double(self, t->grand_total_us, 1e-9, "type: self adds up to the total");
	is_int(count, d->n_rows, "type: counts add up to the node stats");
	pf_table_free(t);

	t = view(d, PF_BY_SCOPE, st);
	const pf_stat *layer = row(t, "layer"), *lw = row(t, "layer/w"), *top = row(t, "(top level)");
	ok(layer && lw && top, "scope rows layer, layer/w, (top level)");
	if (layer && lw && top) {
		is_double(layer->self_us, 2105, 1e-6, "layer: self = ops directly in it");
		is_double(layer->total_us, 2115, 1e-6, "layer: total with layer/w");
		is_double(lw->self_us, 10, 1e-6, "layer/w: the variable and its read");
		is_int(lw->params, 128, "layer/w: 128 params");
		is_int(layer->params, 128, "layer: 128 params");
		is_int(lw->depth, 1, "layer/w at depth 1");
		is_double(top->self_us, 120, 1e-6, "top level: ops outside any scope");
	}
	const pf_stat *unused = row(t, "unused");
	ok(unused && unused->params == 5 && unused->count == 0, "a variable that never ran: params only");
	self = 0;
	pct = 0;
	double top_total = 0;
	for (int i = 0; i < t->n_rows; i++) {
		self += t->rows[i].self_us;
		pct += t->rows[i].pct;
		if (t->rows[i].depth == 0)
			top_total += t->rows[i].total_us;
	}
	is_double(self, 2295, 1e-6, "scope: self adds up to the total");
	is_double(top_total, 2295, 1e-6, "scope: top-level totals add up to the total");
	is_double(pct, 100, 1e-9, "scope: percentages add up to 100");
	pf_table_free(t);
	/* --max-depth 1: layer folds layer/w in */
	pf_view v = {.by = PF_BY_SCOPE, .order_by = -1, .max_depth = 1};
	t = pf_table_build(d, &v, st);
	layer = row(t, "layer");
	ok(layer && layer->self_us == 2115 && !row(t, "layer/w"), "--max-depth 1 folds sub-scopes into self");
	pf_table_free(t);

	t = view(d, PF_BY_DEVICE, st);
	const pf_stat *gpu = row(t, GPU);
	ok(gpu != NULL, "device row for the GPU");
	if (gpu) {
		is_double(gpu->wall_us, 500, 1e-6, "GPU wall: 100 us a step");
		is_double(gpu->util_pct, 22, 1e-6, "GPU busy 22 %");
	}
	pf_table_free(t);

	t = view(d, PF_BY_STEP, st);
	is_int(t->n_rows, 5, "step view: 5 rows");
	ok(t->n_rows == 5 && strcmp(t->rows[3].name, "3") == 0 && t->rows[3].wall_us == 2017,
	   "step 3: wall 2017 us");
	pf_table_free(t);

	/* filters and ordering */
	v = (pf_view){.by = PF_BY_NODE, .order_by = PF_COL_NAME, .ascending = true, .top = 3,
		      .match = "^(c|l)", .hide = "read"};
	t = pf_table_build(d, &v, st);
	ok(t && t->n_rows == 3 && strcmp(t->rows[0].name, "c1") == 0 &&
	   strcmp(t->rows[2].name, "conv") == 0, "--match, --hide, --order-by name, --top");
	pf_table_free(t);
	v = (pf_view){.by = PF_BY_NODE, .order_by = -1, .min_us = 50};
	t = pf_table_build(d, &v, st);
	bool all = t != NULL;
	for (int i = 0; t && i < t->n_rows; i++)
		all &= t->rows[i].total_us >= 50;
	ok(all && t->n_rows == 4, "--min-us 50: layer/mm, layer/add, fold, conv, relu >= 50 -> 4 (%d)",
	   t ? t->n_rows : -1);
	pf_table_free(t);
	v = (pf_view){.by = PF_BY_NODE, .order_by = -1, .match = "("};
	t = pf_table_build(d, &v, st);
	ok(!t && tfc_status_code(st) == TFC_INVALID_ARGUMENT, "bad regex: InvalidArgument");
	tfc_status_free(st);
	st = tfc_status_new();

	/* formats */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	t = view(d, PF_BY_TYPE, st);
	pf_table_print(t, f, PF_FORMAT_CSV, 0, st);
	fclose(f);
	ok(strncmp(buf, "name,count,total_us,self_us,mean_us,", 36) == 0, "CSV header");
	ok(strstr(buf, "\nMatMul,5,2080.000,2080.000,416.000,") != NULL, "CSV MatMul row");
	free(buf);
	f = open_memstream(&buf, &len);
	pf_table_print(t, f, PF_FORMAT_TABLE, 60, st);
	fclose(f);
	bool fits = true;
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		fits &= (nl ? nl - line : (long)strlen(line)) <= 60;
		line = nl ? nl + 1 : NULL;
	}
	ok(fits, "a table for 60 columns fits in 60 columns");
	free(buf);
	pf_table_free(t);

	/* advice */
	f = open_memstream(&buf, &len);
	pf_advise(d, f, PF_FORMAT_TABLE, st);
	fclose(f);
	ok(strstr(buf, "ConstantFoldingChecker") && strstr(buf, "  fold (Add)"), "advise: fold could be folded");
	ok(strstr(buf, "NHWC") && strstr(buf, "  conv (Conv2D) on " GPU), "advise: NHWC conv on a GPU");
	ok(strstr(buf, GPU ": low utilization 22.0%"), "advise: low GPU utilization");
	ok(strstr(buf, "longest idle gap: 78.0us") && strstr(buf, "after conv, before gpu/relu"),
	   "advise: the GPU's idle gap");
	ok(strstr(buf, "step 3: 2.017ms"), "advise: step 3 is an outlier");
	ok(strstr(buf, "top op types by time") && strstr(buf, "  MatMul: 2.080ms"), "advise: top op types");
	if (!strstr(buf, "step 3: 2.017ms"))
		diag("%s", buf);
	free(buf);

	/* timeline */
	char *json = pf_chrome_trace(d, &len, st);
	ok(json != NULL, "Chrome trace");
	int x = 0, m = 0;
	for (char *p = json; p && (p = strstr(p, "\"ph\":\"X\",\"cat\":\"Op\"")); p++)
		x++;
	for (char *p = json; p && (p = strstr(p, "\"ph\":\"M\",\"name\":\"process_name\"")); p++)
		m++;
	is_int(x, 60, "one X event per node stat");
	is_int(m, 3, "process names: Steps and 2 devices");
	const char *ev = json ? strstr(json, "\"name\":\"MatMul\",\"pid\":1,") : NULL;
	ok(ev && strstr(ev, "\"ts\":12.000,\"dur\":20.000,\"args\":{\"name\":\"layer/mm\""),
	   "MatMul event with its time");
	if (!ev || !strstr(ev, "\"ts\":12.000"))
		diag("%.300s", ev ? ev : "(none)");
	free(json);

	/* critical path: back from the op that ended last along graph edges, to the input
	 * that finished last: step 0 ends with gpu/relu (at 100 us) <- conv <- filt;
	 * step 3 with layer/add <- layer/mm <- layer/w/read <- layer/w */
	int64_t *path = NULL;
	int n = pf_critical_path(d, 0, &path);
	ok(n == 3 && strcmp(d->nodes[d->rows[path[0]].node].name, "filt") == 0 &&
	   strcmp(d->nodes[d->rows[path[1]].node].name, "conv") == 0 &&
	   strcmp(d->nodes[d->rows[path[2]].node].name, "gpu/relu") == 0, "critical path of step 0 (%d ops)", n);
	free(path);
	n = pf_critical_path(d, 3, &path);
	ok(n == 4 && strcmp(d->nodes[d->rows[path[0]].node].name, "layer/w") == 0 &&
	   strcmp(d->nodes[d->rows[path[3]].node].name, "layer/add") == 0, "critical path of step 3 (%d ops)", n);
	free(path);

	/* chart: not blank */
	char png[256];
	snprintf(png, sizeof(png), "%s.png", db_path);
	pf_timeline_chart(d, png, true, st);
	ok(tfc_status_code(st) == TFC_OK, "timeline chart written");
	cairo_surface_t *img = cairo_image_surface_create_from_png(png);
	int coloured = 0;
	if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS) {
		cairo_surface_flush(img);
		int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
		int stride = cairo_image_surface_get_stride(img);
		unsigned char *px = cairo_image_surface_get_data(img);
		for (int yy = 0; yy < h; yy++)
			for (int xx = 0; xx < w; xx++) {
				uint32_t p = *(uint32_t *)(px + yy * stride + xx * 4);
				unsigned r = (p >> 16) & 255, g = (p >> 8) & 255, b = p & 255;
				coloured += (r != g || g != b); /* not white or grey */
			}
	}
	ok(coloured > 500, "the chart has coloured bars (%d coloured pixels)", coloured);
	cairo_surface_destroy(img);
	unlink(png);
	snprintf(png, sizeof(png), "%s.steps.png", db_path);
	pf_plot_steps(d, png, true, st);
	ok(tfc_status_code(st) == TFC_OK && access(png, F_OK) == 0, "step plot written");
	unlink(png);

	/* compare with run 2 */
	pf_data *d2 = load(2, st);
	pf_table *a = view(d, PF_BY_TYPE, st), *b = d2 ? view(d2, PF_BY_TYPE, st) : NULL;
	f = open_memstream(&buf, &len);
	if (a && b)
		pf_compare_print(a, b, "run 1", "run 2", f, PF_FORMAT_CSV, 0, 0, st);
	fclose(f);
	ok(strncmp(buf, "name,before_us,after_us,delta_us,ratio\nMatMul,416.000,40.000,-376.000,0.0962\n",
		   77) == 0, "compare: MatMul first, 416 -> 40 us a step");
	if (strncmp(buf, "name,before_us", 14) != 0 || !strstr(buf, "MatMul,416"))
		diag("%s", buf);
	free(buf);
	pf_table_free(a);
	pf_table_free(b);
	pf_data_free(d2);
	pf_data_free(d);
	tfc_status_free(st);
}

static void test_errors(void)
{
	tfc_status *st = tfc_status_new();
	pf_data *d = load(7, st);
	ok(!d && tfc_status_code(st) == TFC_NOT_FOUND && strstr(tfc_status_message(st), "no run 7"),
	   "no run 7: NotFound (%s)", tfc_status_message(st));
	pf_select sel = {.run_id = 1, .step_lo = 9, .step_hi = 9};
	d = pf_data_load(db_path, &sel, st);
	ok(!d && tfc_status_code(st) == TFC_NOT_FOUND && strstr(tfc_status_message(st), "no step 9"),
	   "no step 9: NotFound (%s)", tfc_status_message(st));
	sel = (pf_select){.run_id = 1, .step_lo = 1, .step_hi = 2};
	d = pf_data_load(db_path, &sel, st);
	ok(d && d->n_steps == 2 && d->steps[0].step == 1, "steps 1..2");
	pf_data_free(d);
	/* an empty database: the schema, no runs */
	char empty[256];
	snprintf(empty, sizeof(empty), "%s.empty", db_path);
	tfc_trace_db *db = tfc_trace_db_open(empty, st);
	tfc_trace_db_close(db, st);
	pf_select all = {.all_steps = true};
	d = pf_data_load(empty, &all, st);
	ok(!d && tfc_status_code(st) == TFC_INVALID_ARGUMENT && strstr(tfc_status_message(st), "no runs"),
	   "empty database: InvalidArgument (%s)", tfc_status_message(st));
	unlink(empty);
	/* not a database */
	FILE *f = fopen(empty, "w");
	fputs("this is not a database, it is just text that goes on long enough\n", f);
	fclose(f);
	d = pf_data_load(empty, &all, st);
	ok(!d && tfc_status_code(st) == TFC_INVALID_ARGUMENT && strstr(tfc_status_message(st), "not a trace database"),
	   "not a database: InvalidArgument (%s)", tfc_status_message(st));
	ok(!pf_is_sqlite_file(empty), "text is not an SQLite file");
	unlink(empty);
	tfc_status_free(st);
}

int main(void)
{
	char path[256];
	const char *tmp = getenv("TMPDIR");
	snprintf(path, sizeof(path), "%s/test_prof_%d.db", tmp ? tmp : "/tmp", (int)getpid());
	db_path = path;
	plan_lazy();
	make_db();
	test_views();
	test_errors();
	unlink(path);
	char p2[300];
	snprintf(p2, sizeof(p2), "%s-wal", path);
	unlink(p2);
	snprintf(p2, sizeof(p2), "%s-shm", path);
	unlink(p2);
	done_testing();
	return exit_status();
}
