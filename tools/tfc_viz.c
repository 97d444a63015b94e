/*
 * tfc_viz.c: tfc-viz, the command line that draws TensorFlow graphs grouped by name
 * scope (contract 4 of docs/DESIGN.md): options in, a vz_options out, and the
 * library's vz_run (viz/viz.h) does the work. Errors go to stderr as
 * "<ErrorClass>: <message>"; exit 0 success, 1 the graph or the picture failed,
 * 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tfc.h"
#include "tool_common.h"
#include "viz.h"


static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tfc-viz [OPTIONS] GRAPH -o OUT.{svg,png,pdf,dot}\n"
		"Draw a TensorFlow graph grouped by name scope, as TensorBoard's Graph dashboard\n"
		"does: scopes as boxes, numbered ops and same-structure scopes folded into series,\n"
		"high-degree nodes and NoOps in an auxiliary column, edges bundled between groups.\n"
		"\n"
		"  GRAPH                 GraphDef (.pb/.pbtxt), MetaGraphDef, SavedModel directory,\n"
		"                        TensorBoard events file, a trace database (a run's graph),\n"
		"                        or '-': a GraphDef on standard input\n"
		"  -o, --output OUT      the picture; its extension picks the format\n"
		"      --depth N         open the groups down to level N (default 0: top-level\n"
		"                        groups closed)\n"
		"      --expand GROUP    open this scope or series and those around it (repeatable)\n"
		"      --expand-all      open everything (series included)\n"
		"      --rankdir DIR     BT (default, inputs at the bottom), TB or LR\n"
		"      --hide-op TYPE    leave out ops of this type (repeatable, or comma-separated)\n"
		"      --focus NODE      only the ops within --radius edges of NODE, all groups open\n"
		"      --radius K        hops around --focus (default 2)\n"
		"      --color MODE      structure (default), op, device, compute_time, memory\n"
		"      --db TRACE.db     trace database for colours and tooltips (time, memory)\n"
		"      --run ID          run of the trace database (default: the newest)\n"
		"      --step N          step of that run (default: the one with the most ops traced)\n"
		"      --partition DEV   only the ops that ran on device DEV (from --db; without\n"
		"                        one, the ops that ask for DEV)\n"
		"      --scale X         PNG/PDF scale (default 1)\n"
		"Thresholds (TensorBoard's defaults):\n"
		"      --series-min N          smallest series kept folded (5; 0 turns series off)\n"
		"      --no-scope-series       do not fold numbered same-structure scopes\n"
		"      --no-extract            no automatic auxiliary (high-degree) nodes\n"
		"      --extract-min-nodes N   only in groups of N items or more (15)\n"
		"      --extract-min-degree N  a degree must reach N too (5)\n"
		"      --in-degree-iqr X       in-degree > Q3 + X*IQR goes aside (1)\n"
		"      --out-degree-iqr X      out-degree > Q3 + X*IQR goes aside (4)\n"
		"      --max-control-degree N  more control edges than N become stubs (4)\n"
		"  -h, --help            show this help and exit\n"
		"  -V, --version         show the version and exit\n"
		"\n"
		"Exit status: 0 success, 1 the graph could not be read or drawn, 2 bad usage.\n");
}

static bool parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool parse_double(const char *s, double lo, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo))
		return false;
	*out = v;
	return true;
}

enum {
	OPT_DEPTH = 256, OPT_EXPAND, OPT_EXPAND_ALL, OPT_RANKDIR, OPT_HIDE, OPT_FOCUS, OPT_RADIUS,
	OPT_COLOR, OPT_DB, OPT_RUN, OPT_STEP, OPT_PARTITION, OPT_SCALE, OPT_SERIES_MIN,
	OPT_NO_SCOPE_SERIES, OPT_NO_EXTRACT, OPT_MIN_NODES, OPT_MIN_DEGREE, OPT_IN_IQR,
	OPT_OUT_IQR, OPT_MAX_CONTROL
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"depth", required_argument, NULL, OPT_DEPTH},
		{"expand", required_argument, NULL, OPT_EXPAND},
		{"expand-all", no_argument, NULL, OPT_EXPAND_ALL},
		{"rankdir", required_argument, NULL, OPT_RANKDIR},
		{"hide-op", required_argument, NULL, OPT_HIDE},
		{"focus", required_argument, NULL, OPT_FOCUS},
		{"radius", required_argument, NULL, OPT_RADIUS},
		{"color", required_argument, NULL, OPT_COLOR},
		{"colour", required_argument, NULL, OPT_COLOR},
		{"db", required_argument, NULL, OPT_DB},
		{"run", required_argument, NULL, OPT_RUN},
		{"step", required_argument, NULL, OPT_STEP},
		{"partition", required_argument, NULL, OPT_PARTITION},
		{"scale", required_argument, NULL, OPT_SCALE},
		{"series-min", required_argument, NULL, OPT_SERIES_MIN},
		{"no-scope-series", no_argument, NULL, OPT_NO_SCOPE_SERIES},
		{"no-extract", no_argument, NULL, OPT_NO_EXTRACT},
		{"extract-min-nodes", required_argument, NULL, OPT_MIN_NODES},
		{"extract-min-degree", required_argument, NULL, OPT_MIN_DEGREE},
		{"in-degree-iqr", required_argument, NULL, OPT_IN_IQR},
		{"out-degree-iqr", required_argument, NULL, OPT_OUT_IQR},
		{"max-control-degree", required_argument, NULL, OPT_MAX_CONTROL},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	vz_options o;
	int rc = 0, c;
	long v;
	double d;
	const char **expand = calloc((size_t)argc + 1, sizeof(char *));
	size_t n_commas = 0;
	for (int i = 1; i < argc; i++)
		for (const char *p = argv[i]; *p; p++)
			n_commas += *p == ',';
	const char **hide = calloc((size_t)argc + n_commas + 1, sizeof(char *));
	char **hide_bufs = calloc((size_t)argc + 1, sizeof(char *));
	int n_hide_bufs = 0;
	tfc_status *st = tfc_status_new();
	vz_options_default(&o);
	if (!expand || !hide || !hide_bufs || !st) {
		tool_error(TFC_RESOURCE_EXHAUSTED, "out of memory");
		rc = EXIT_FAILED;
		goto cleanup;
	}
	o.expand = expand;
	o.hide_ops = hide;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.out_path = optarg;
			break;
		case 'h':
			usage(stdout);
			goto cleanup;
		case 'V':
			printf("tfc-viz (tfc) %s\n", PACKAGE_VERSION);
			goto cleanup;
		case OPT_DEPTH:
			if (!parse_int(optarg, 0, 1000, &v))
				goto bad_number;
			o.depth = (int)v;
			break;
		case OPT_EXPAND:
			expand[o.n_expand++] = optarg;
			break;
		case OPT_EXPAND_ALL:
			o.expand_all = true;
			break;
		case OPT_RANKDIR:
			if (strcmp(optarg, "BT") == 0)
				o.rankdir = VZ_RANK_BT;
			else if (strcmp(optarg, "TB") == 0)
				o.rankdir = VZ_RANK_TB;
			else if (strcmp(optarg, "LR") == 0)
				o.rankdir = VZ_RANK_LR;
			else {
				tool_error(TFC_INVALID_ARGUMENT, "--rankdir '%s': expected TB, BT or LR", optarg);
				rc = EXIT_USAGE;
				goto cleanup;
			}
			break;
		case OPT_HIDE: {
			char *copy = strdup(optarg), *save = NULL;
			if (!copy)
				break;
			hide_bufs[n_hide_bufs++] = copy;
			for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
				if (*t)
					hide[o.n_hide++] = t;
			break;
		}
		case OPT_FOCUS:
			o.focus = optarg;
			break;
		case OPT_RADIUS:
			if (!parse_int(optarg, 0, 1000000, &v))
				goto bad_number;
			o.radius = (int)v;
			break;
		case OPT_COLOR: {
			int m = vz_color_by_parse(optarg);
			if (m < 0) {
				tool_error(TFC_INVALID_ARGUMENT, "--color '%s': expected structure, op, device, "
				      "compute_time or memory", optarg);
				rc = EXIT_USAGE;
				goto cleanup;
			}
			o.color = (vz_color_by)m;
			break;
		}
		case OPT_DB:
			o.db = optarg;
			break;
		case OPT_RUN:
			if (!parse_int(optarg, 0, 0x7fffffffL, &v))
				goto bad_number;
			o.run_id = v;
			break;
		case OPT_STEP:
			if (!parse_int(optarg, 0, 0x7fffffffL, &v))
				goto bad_number;
			o.step = v;
			break;
		case OPT_PARTITION:
			o.partition = optarg;
			break;
		case OPT_SCALE:
			if (!parse_double(optarg, 0.01, &d) || d > 100)
				goto bad_number;
			o.scale = d;
			break;
		case OPT_SERIES_MIN:
			if (!parse_int(optarg, 0, 1000000, &v))
				goto bad_number;
			o.params.series_min = v == 0 ? 1 << 30 : (int)v;
			break;
		case OPT_NO_SCOPE_SERIES:
			o.params.series_scopes = false;
			break;
		case OPT_NO_EXTRACT:
			o.params.extract = false;
			break;
		case OPT_MIN_NODES:
			if (!parse_int(optarg, 0, 1000000000, &v))
				goto bad_number;
			o.params.extract_min_nodes = (int)v;
			break;
		case OPT_MIN_DEGREE:
			if (!parse_int(optarg, 0, 1000000000, &v))
				goto bad_number;
			o.params.extract_min_degree = (int)v;
			break;
		case OPT_IN_IQR:
			if (!parse_double(optarg, 0, &d))
				goto bad_number;
			o.params.in_iqr = d;
			break;
		case OPT_OUT_IQR:
			if (!parse_double(optarg, 0, &d))
				goto bad_number;
			o.params.out_iqr = d;
			break;
		case OPT_MAX_CONTROL:
			if (!parse_int(optarg, 0, 1000000000, &v))
				goto bad_number;
			o.params.max_control_degree = (int)v;
			break;
		case ':':
			tool_error(TFC_INVALID_ARGUMENT, "option '%s' needs an argument (see tfc-viz --help)",
			      argv[optind - 1]);
			rc = EXIT_USAGE;
			goto cleanup;
		default:
			tool_error(TFC_INVALID_ARGUMENT, "unrecognized option '%s' (see tfc-viz --help)",
			      argv[optind - 1]);
			rc = EXIT_USAGE;
			goto cleanup;
		}
	}
	if (argc - optind != 1) {
		tool_error(TFC_INVALID_ARGUMENT, "expected exactly one GRAPH argument, found %d "
		      "(see tfc-viz --help)", argc - optind);
		rc = EXIT_USAGE;
		goto cleanup;
	}
	o.graph_path = argv[optind];
	if (!o.out_path) {
		tool_error(TFC_INVALID_ARGUMENT, "missing -o OUT.{svg,png,pdf,dot} (see tfc-viz --help)");
		rc = EXIT_USAGE;
		goto cleanup;
	}
	if (vz_format_from_path(o.out_path) == VZ_FORMAT_UNKNOWN) {
		tool_error(TFC_INVALID_ARGUMENT, "%s: unknown output format (the name must end in .svg, "
		      ".png, .pdf or .dot)", o.out_path);
		rc = EXIT_USAGE;
		goto cleanup;
	}
	if ((o.run_id >= 0 || o.step >= 0) && !o.db && !vz_is_sqlite_file(o.graph_path)) {
		tool_error(TFC_INVALID_ARGUMENT, "--run and --step need --db (or a trace database as GRAPH)");
		rc = EXIT_USAGE;
		goto cleanup;
	}
	vz_run(&o, NULL, st);
	if (tfc_status_code(st) != TFC_OK) {
		tool_error(tfc_status_code(st), "%s", tfc_status_message(st));
		rc = EXIT_FAILED;
	}
	goto cleanup;
bad_number:
	tool_error(TFC_INVALID_ARGUMENT, "'%s' is not a valid number for that option (see tfc-viz --help)",
	      optarg);
	rc = EXIT_USAGE;
cleanup:
	for (int i = 0; i < n_hide_bufs; i++)
		free(hide_bufs[i]);
	free(hide_bufs);
	free(expand);
	free(hide);
	tfc_status_free(st);
	return rc;
}
