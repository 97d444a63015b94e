/*
 * tfc_prof.c: tfc-prof, where a traced run's time went (contract 5 of docs/DESIGN.md,
 * issue 6): reads a trace database (or a TensorFlow RunMetadata file, imported into
 * a temporary one) and prints a view by op type, node, scope, device or step as a
 * table, CSV or JSON; compares two runs; gives advice; writes timelines (Chrome
 * trace JSON, SVG/PNG charts) and a plot of step times. The work is in the report
 * library (trace/prof.h). Errors go to stderr as "<ErrorClass>: <message>"; exit 0
 * success, 1 the input or an output failed, 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "config.h"
#include "prof.h"
#include "tfc.h"
#include "tool_common.h"


static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tfc-prof [OPTIONS] TRACE\n"
		"Where the time of a traced run went: op types, nodes, name scopes, devices or\n"
		"steps with their time, FLOPs, memory and parameters, like tfprof and the PyTorch\n"
		"profiler; timelines for Perfetto; advice.\n"
		"\n"
		"  TRACE                 a trace database (tfc-run --trace full --db FILE), or a\n"
		"                        TensorFlow RunMetadata file (binary or text)\n"
		"      --graph GRAPHDEF  the GraphDef of a RunMetadata file (op types, FLOPs, params)\n"
		"      --save-db FILE    keep the database a RunMetadata file is imported into\n"
		"Views:\n"
		"      --by VIEW         type (default), node, scope (a tree), device or step\n"
		"      --max-depth N     scope view: names of at most N levels (deeper ones fold in)\n"
		"      --order-by COL    sort by a column: total (default), self, count, mean,\n"
		"                        median, p90, p99, pct, step_pct, flops, gflops, bytes,\n"
		"                        peak, params, wall, util, name, op; add :asc or :desc\n"
		"      --top N           only the first N rows\n"
		"      --min-us X        leave out rows of less total time (microseconds)\n"
		"      --match REGEX     only rows whose name matches (POSIX extended)\n"
		"      --hide REGEX      leave out rows whose name matches\n"
		"      --run ID          the run (default: the newest)\n"
		"      --step N|A..B|all the steps (default: all)\n"
		"      --device REGEX    only ops of matching devices\n"
		"      --format FMT      table (default; fits the terminal), csv or json\n"
		"Other reports:\n"
		"      --compare OTHER   before (OTHER: a run id of TRACE, or another database or\n"
		"                        RunMetadata) and after (this run), by the largest change\n"
		"      --advise          findings: top op types and nodes, idle gaps and low\n"
		"                        utilization per device, ops that could be folded, NHWC\n"
		"                        convolutions on a GPU, step-time outliers\n"
		"      --gpu             GPU kernel and copy time per op, and each GPU's busy\n"
		"                        time over the step's wall time (utilization)\n"
		"      --timeline OUT    OUT.json: Chrome trace (Perfetto, chrome://tracing);\n"
		"                        OUT.svg or OUT.png: a chart of the first selected step\n"
		"      --plot steps OUT  step time over steps, OUT.png or OUT.svg\n"
		"  -h, --help            show this help and exit\n"
		"  -V, --version         show the version and exit\n"
		"\n"
		"Exit status: 0 success, 1 the trace could not be read or an output written,\n"
		"2 bad usage.\n");
}

static bool parse_i64(const char *s, int64_t lo, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo)
		return false;
	*out = v;
	return true;
}

static bool parse_steps(const char *s, pf_select *sel)
{
	if (strcmp(s, "all") == 0) {
		sel->all_steps = true;
		return true;
	}
	const char *dots = strstr(s, "..");
	sel->all_steps = false;
	if (!dots)
		return parse_i64(s, 0, &sel->step_lo) && (sel->step_hi = sel->step_lo, true);
	char a[32];
	size_t n = (size_t)(dots - s);
	if (n == 0 || n >= sizeof(a))
		return false;
	memcpy(a, s, n);
	a[n] = '\0';
	return parse_i64(a, 0, &sel->step_lo) && parse_i64(dots + 2, 0, &sel->step_hi) &&
	       sel->step_lo <= sel->step_hi;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

static int term_width(void)
{
	const char *c = getenv("COLUMNS");
	if (c && atoi(c) > 0)
		return atoi(c);
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

static void remove_db(const char *path)
{
	char p[4200];
	if (!path)
		return;
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-journal", path);
	unlink(p);
}

/* A database for input: the file itself, or a RunMetadata imported into save_db or a
 * temporary file (*tmp_out, the caller removes it). Returns the path or NULL. */
static char *input_db(const char *path, const char *graph, const char *save_db, char **tmp_out,
		      int64_t *run_out, tfc_status *st)
{
	*tmp_out = NULL;
	*run_out = 0;
	if (pf_is_sqlite_file(path)) {
		if (graph)
			fprintf(stderr, "tfc-prof: note: --graph is ignored for a trace database\n");
		return strdup(path);
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		tfc_status_set(st, TFC_NOT_FOUND, "%s: %s", path, strerror(errno));
		return NULL;
	}
	fclose(f);
	char *db;
	if (save_db) {
		db = strdup(save_db);
	} else {
		const char *dir = getenv("TMPDIR");
		size_t n = strlen(dir ? dir : "/tmp") + 32;
		db = malloc(n);
		if (!db)
			return NULL;
		snprintf(db, n, "%s/tfc-prof-XXXXXX", dir ? dir : "/tmp");
		int fd = mkstemp(db);
		if (fd < 0) {
			tfc_status_set(st, TFC_INTERNAL, "cannot make a temporary database: %s",
				       strerror(errno));
			free(db);
			return NULL;
		}
		close(fd);
		unlink(db); /* tfc_trace_db_open makes it */
		*tmp_out = strdup(db);
	}
	int64_t run = pf_import_run_metadata(db, path, graph, st);
	if (run < 0) {
		if (tfc_status_code(st) == TFC_INVALID_ARGUMENT && !strstr(tfc_status_message(st), path)) {
			char *msg = strdup(tfc_status_message(st));
			tfc_status_set(st, TFC_INVALID_ARGUMENT,
				       "%s is neither a trace database nor a RunMetadata file (%s)", path,
				       msg ? msg : "");
			free(msg);
		}
		if (*tmp_out) {
			remove_db(*tmp_out);
			free(*tmp_out);
			*tmp_out = NULL;
		}
		free(db);
		return NULL;
	}
	*run_out = run;
	return db;
}

enum {
	OPT_BY = 256, OPT_MAX_DEPTH, OPT_ORDER_BY, OPT_TOP, OPT_MIN_US, OPT_MATCH, OPT_HIDE,
	OPT_RUN, OPT_STEP, OPT_DEVICE, OPT_FORMAT, OPT_COMPARE, OPT_ADVISE, OPT_GPU, OPT_TIMELINE,
	OPT_PLOT, OPT_GRAPH, OPT_SAVE_DB
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"by", required_argument, NULL, OPT_BY},
		{"max-depth", required_argument, NULL, OPT_MAX_DEPTH},
		{"order-by", required_argument, NULL, OPT_ORDER_BY},
		{"top", required_argument, NULL, OPT_TOP},
		{"min-us", required_argument, NULL, OPT_MIN_US},
		{"match", required_argument, NULL, OPT_MATCH},
		{"hide", required_argument, NULL, OPT_HIDE},
		{"run", required_argument, NULL, OPT_RUN},
		{"step", required_argument, NULL, OPT_STEP},
		{"device", required_argument, NULL, OPT_DEVICE},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"compare", required_argument, NULL, OPT_COMPARE},
		{"advise", no_argument, NULL, OPT_ADVISE},
		{"gpu", no_argument, NULL, OPT_GPU},
		{"timeline", required_argument, NULL, OPT_TIMELINE},
		{"plot", required_argument, NULL, OPT_PLOT},
		{"graph", required_argument, NULL, OPT_GRAPH},
		{"save-db", required_argument, NULL, OPT_SAVE_DB},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	pf_select sel = {.run_id = 0, .all_steps = true};
	pf_view view = {.by = PF_BY_TYPE, .order_by = -1};
	pf_format fmt = PF_FORMAT_TABLE;
	const char *compare = NULL, *timeline = NULL, *plot = NULL, *graph = NULL, *save_db = NULL;
	bool advise = false, by_given = false, gpu = false;
	int rc = EXIT_FAILED;
	int64_t v;
	tfc_status *st = tfc_status_new();
	pf_data *d = NULL, *d2 = NULL;
	pf_table *t = NULL, *t2 = NULL;
	char *db = NULL, *tmp = NULL, *db2 = NULL, *tmp2 = NULL;

	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			rc = 0;
			goto done;
		case 'V':
			printf("tfc-prof (tfc) %s\n", PACKAGE_VERSION);
			rc = 0;
			goto done;
		case OPT_BY:
			by_given = true;
			if (strcmp(optarg, "type") == 0 || strcmp(optarg, "op") == 0)
				view.by = PF_BY_TYPE;
			else if (strcmp(optarg, "node") == 0)
				view.by = PF_BY_NODE;
			else if (strcmp(optarg, "scope") == 0)
				view.by = PF_BY_SCOPE;
			else if (strcmp(optarg, "device") == 0)
				view.by = PF_BY_DEVICE;
			else if (strcmp(optarg, "step") == 0)
				view.by = PF_BY_STEP;
			else {
				tool_error(TFC_INVALID_ARGUMENT, "--by wants type, node, scope, device or step, not '%s'", optarg);
				goto usage_error;
			}
			break;
		case OPT_MAX_DEPTH:
			if (!parse_i64(optarg, 1, &v) || v > 1000) {
				tool_error(TFC_INVALID_ARGUMENT, "--max-depth wants a number >= 1, not '%s'", optarg);
				goto usage_error;
			}
			view.max_depth = (int)v;
			break;
		case OPT_ORDER_BY: {
			char col[64];
			snprintf(col, sizeof(col), "%s", optarg);
			char *colon = strchr(col, ':');
			view.ascending = false;
			if (colon) {
				*colon = '\0';
				if (strcmp(colon + 1, "asc") == 0)
					view.ascending = true;
				else if (strcmp(colon + 1, "desc") != 0) {
					tool_error(TFC_INVALID_ARGUMENT, "--order-by: ':%s' is neither :asc nor :desc", colon + 1);
					goto usage_error;
				}
			}
			view.order_by = pf_col_parse(col);
			if (view.order_by < 0) {
				tool_error(TFC_INVALID_ARGUMENT, "--order-by: no column '%s'", col);
				goto usage_error;
			}
			if (!colon && (view.order_by == PF_COL_NAME || view.order_by == PF_COL_OP))
				view.ascending = true;
			break;
		}
		case OPT_TOP:
			if (!parse_i64(optarg, 1, &v) || v > 1000000000) {
				tool_error(TFC_INVALID_ARGUMENT, "--top wants a number >= 1, not '%s'", optarg);
				goto usage_error;
			}
			view.top = (int)v;
			break;
		case OPT_MIN_US: {
			char *end;
			errno = 0;
			view.min_us = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(view.min_us >= 0)) {
				tool_error(TFC_INVALID_ARGUMENT, "--min-us wants a number >= 0, not '%s'", optarg);
				goto usage_error;
			}
			break;
		}
		case OPT_MATCH: view.match = optarg; break;
		case OPT_HIDE: view.hide = optarg; break;
		case OPT_RUN:
			if (!parse_i64(optarg, 1, &sel.run_id)) {
				tool_error(TFC_INVALID_ARGUMENT, "--run wants a run id >= 1, not '%s'", optarg);
				goto usage_error;
			}
			break;
		case OPT_STEP:
			if (!parse_steps(optarg, &sel)) {
				tool_error(TFC_INVALID_ARGUMENT, "--step wants N, A..B or all, not '%s'", optarg);
				goto usage_error;
			}
			break;
		case OPT_DEVICE: sel.device_regex = optarg; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "table") == 0)
				fmt = PF_FORMAT_TABLE;
			else if (strcmp(optarg, "csv") == 0)
				fmt = PF_FORMAT_CSV;
			else if (strcmp(optarg, "json") == 0)
				fmt = PF_FORMAT_JSON;
			else {
				tool_error(TFC_INVALID_ARGUMENT, "--format wants table, csv or json, not '%s'", optarg);
				goto usage_error;
			}
			break;
		case OPT_COMPARE: compare = optarg; break;
		case OPT_ADVISE: advise = true; break;
		case OPT_GPU: gpu = true; break;
		case OPT_TIMELINE:
			if (!ends_with(optarg, ".json") && !ends_with(optarg, ".svg") && !ends_with(optarg, ".png")) {
				tool_error(TFC_INVALID_ARGUMENT, "--timeline wants OUT.json, OUT.svg or OUT.png, not '%s'", optarg);
				goto usage_error;
			}
			timeline = optarg;
			break;
		case OPT_PLOT:
			if (strcmp(optarg, "steps") != 0) {
				tool_error(TFC_INVALID_ARGUMENT, "--plot knows 'steps' only, not '%s'", optarg);
				goto usage_error;
			}
			if (optind >= argc || argv[optind][0] == '-') {
				tool_error(TFC_INVALID_ARGUMENT, "--plot steps wants an output file: --plot steps OUT.png");
				goto usage_error;
			}
			plot = argv[optind++];
			if (!ends_with(plot, ".png") && !ends_with(plot, ".svg")) {
				tool_error(TFC_INVALID_ARGUMENT, "--plot steps wants OUT.png or OUT.svg, not '%s'", plot);
				goto usage_error;
			}
			break;
		case OPT_GRAPH: graph = optarg; break;
		case OPT_SAVE_DB: save_db = optarg; break;
		case ':':
			tool_error(TFC_INVALID_ARGUMENT, "option '%s' needs a value", argv[optind - 1]);
			goto usage_error;
		default:
			tool_error(TFC_INVALID_ARGUMENT, "unknown option '%s' (see tfc-prof --help)", argv[optind - 1]);
			goto usage_error;
		}
	}
	if (optind != argc - 1) {
		tool_error(TFC_INVALID_ARGUMENT, optind == argc ? "no TRACE given (see tfc-prof --help)"
							   : "one TRACE only (see tfc-prof --help)");
		goto usage_error;
	}
	if (view.max_depth && view.by != PF_BY_SCOPE) {
		tool_error(TFC_INVALID_ARGUMENT, "--max-depth is for --by scope");
		goto usage_error;
	}

	int64_t imported_run;
	db = input_db(argv[optind], graph, save_db, &tmp, &imported_run, st);
	if (!db)
		goto fail;
	if (imported_run > 0 && sel.run_id == 0)
		sel.run_id = imported_run;
	d = pf_data_load(db, &sel, st);
	if (!d)
		goto fail;
	bool report = (!timeline && !plot && !advise && !gpu) || by_given;
	int width = fmt == PF_FORMAT_TABLE ? term_width() : 0;
	if (compare) {
		pf_select sel2 = sel;
		char *endp;
		long long other = strtoll(compare, &endp, 10);
		if (*compare && !*endp && other > 0 && !pf_is_sqlite_file(compare)) {
			sel2.run_id = other;
			db2 = strdup(db);
		} else {
			int64_t r2;
			sel2.run_id = 0;
			db2 = input_db(compare, NULL, NULL, &tmp2, &r2, st);
			if (!db2)
				goto fail;
			if (r2 > 0)
				sel2.run_id = r2;
		}
		d2 = pf_data_load(db2, &sel2, st);
		if (!d2)
			goto fail;
		pf_view v2 = view;
		v2.top = 0;
		t = pf_table_build(d, &v2, st);
		if (!t)
			goto fail;
		t2 = pf_table_build(d2, &v2, st);
		if (!t2)
			goto fail;
		char la[4200], lb[4200];
		snprintf(la, sizeof(la), "run %lld of %s", (long long)d2->run_id,
			 tmp2 || !pf_is_sqlite_file(compare) ? (tmp2 ? compare : argv[optind]) : compare);
		snprintf(lb, sizeof(lb), "run %lld of %s", (long long)d->run_id, argv[optind]);
		pf_compare_print(t2, t, la, lb, stdout, fmt, width, view.top, st);
		if (tfc_status_code(st) != TFC_OK)
			goto fail;
		report = false;
	}
	if (report) {
		t = pf_table_build(d, &view, st);
		if (!t)
			goto fail;
		if (fmt == PF_FORMAT_TABLE) {
			char tot[32];
			const char *gn = d->graph_name, *slash = gn ? strrchr(gn, '/') : NULL;
			pf_fmt_us(t->grand_total_us, tot, sizeof(tot));
			printf("run %lld%s%s%s: %d step%s, %lld ops, %s of op time, by %s\n",
			       (long long)d->run_id, gn ? " (" : "", gn ? (slash ? slash + 1 : gn) : "",
			       gn ? ")" : "", d->n_steps, d->n_steps == 1 ? "" : "s", (long long)d->n_rows,
			       tot,
			       view.by == PF_BY_TYPE ? "op type" : view.by == PF_BY_NODE ? "node"
			       : view.by == PF_BY_SCOPE ? "name scope" : view.by == PF_BY_DEVICE ? "device"
			       : "step");
		}
		pf_table_print(t, stdout, fmt, width, st);
		if (tfc_status_code(st) != TFC_OK)
			goto fail;
	}
	if (gpu) {
		pf_gpu_report(db, d->run_id, &sel, stdout, fmt == PF_FORMAT_TABLE ? PF_FORMAT_TABLE : PF_FORMAT_CSV, st);
		if (tfc_status_code(st) != TFC_OK)
			goto fail;
	}
	if (advise) {
		pf_advise(d, stdout, fmt == PF_FORMAT_JSON ? PF_FORMAT_JSON : PF_FORMAT_TABLE, st);
		if (tfc_status_code(st) != TFC_OK)
			goto fail;
	}
	if (timeline) {
		if (ends_with(timeline, ".json")) {
			size_t len = 0;
			char *json = pf_chrome_trace(d, &len, st);
			if (!json)
				goto fail;
			pf_write_file(timeline, json, len, st);
			free(json);
		} else {
			pf_timeline_chart(d, timeline, ends_with(timeline, ".png"), st);
		}
		if (tfc_status_code(st) != TFC_OK)
			goto fail;
	}
	if (plot) {
		pf_plot_steps(d, plot, ends_with(plot, ".png"), st);
		if (tfc_status_code(st) != TFC_OK)
			goto fail;
	}
	if (fflush(stdout) != 0) {
		tfc_status_set(st, TFC_INTERNAL, "could not write to standard output");
		goto fail;
	}
	rc = 0;
	goto done;
usage_error:
	rc = EXIT_USAGE;
	goto done;
fail:
	if (tfc_status_code(st) == TFC_OK)
		tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
	tool_error(tfc_status_code(st), "%s", tfc_status_message(st));
	rc = EXIT_FAILED;
done:
	pf_table_free(t);
	pf_table_free(t2);
	pf_data_free(d);
	pf_data_free(d2);
	remove_db(tmp);
	remove_db(tmp2);
	free(tmp);
	free(tmp2);
	free(db);
	free(db2);
	tfc_status_free(st);
	return rc;
}
