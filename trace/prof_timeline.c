/*
 * prof_timeline.c: tfc-prof's timelines (trace/prof.h): Chrome trace JSON written
 * straight from the loaded rows (one process per device, non-overlapping lanes, an
 * "X" event per op, a "Steps" process), the critical path of a step, a chart of a
 * step drawn with cairo (one row per device and lane, ops as bars coloured by type,
 * the critical path outlined) as SVG or PNG, and a plot of step time over steps.
 * Files are written whole into memory first, then to disk atomically.
 */
#include <cairo-svg.h>
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prof_internal.h"

/* ---------------------------------------------------------------- lanes */

static const pf_data *sort_d;

static int cmp_row_start(const void *a, const void *b)
{
	const pf_row *x = &sort_d->rows[*(const int64_t *)a], *y = &sort_d->rows[*(const int64_t *)b];
	if (x->dev != y->dev)
		return (x->dev > y->dev) - (x->dev < y->dev);
	if (x->start_ns != y->start_ns)
		return (x->start_ns > y->start_ns) - (x->start_ns < y->start_ns);
	return (*(const int64_t *)a > *(const int64_t *)b) - (*(const int64_t *)a < *(const int64_t *)b);
}

/* Rows [lo, hi) in device-then-start order (*order, caller frees) and each row's
 * lane (*lane, indexed by row - lo): a row takes the first lane of its device whose
 * last event ended strictly before it starts. n_lanes[dev] receives the count.
 * Returns false when out of memory. */
static bool assign_lanes(const pf_data *d, int64_t lo, int64_t hi, int64_t **order, int32_t **lane,
			 int32_t *n_lanes)
{
	int64_t n = hi - lo;
	int64_t *ord = malloc(((size_t)n + 1) * sizeof(int64_t));
	int32_t *ln = malloc(((size_t)n + 1) * sizeof(int32_t));
	int64_t *lane_end = NULL;
	int32_t cap = 0, used = 0;
	if (!ord || !ln)
		goto oom;
	for (int64_t i = 0; i < n; i++)
		ord[i] = lo + i;
	sort_d = d;
	qsort(ord, (size_t)n, sizeof(int64_t), cmp_row_start);
	for (int i = 0; i < d->n_devices; i++)
		n_lanes[i] = 0;
	int32_t cur_dev = -1;
	for (int64_t k = 0; k < n; k++) {
		const pf_row *r = &d->rows[ord[k]];
		if (r->dev != cur_dev) {
			cur_dev = r->dev;
			used = 0;
		}
		int32_t l = 0;
		while (l < used && lane_end[l] >= r->start_ns)
			l++;
		if (l == used) {
			if (used == cap) {
				int32_t c = cap ? cap * 2 : 8;
				int64_t *p = realloc(lane_end, (size_t)c * sizeof(int64_t));
				if (!p)
					goto oom;
				lane_end = p;
				cap = c;
			}
			used++;
		}
		lane_end[l] = r->start_ns + r->all_end;
		ln[ord[k] - lo] = l;
		if (used > n_lanes[cur_dev])
			n_lanes[cur_dev] = used;
	}
	free(lane_end);
	*order = ord;
	*lane = ln;
	return true;
oom:
	free(ord);
	free(ln);
	free(lane_end);
	return false;
}

/* Devices in name order (TensorFlow's timeline sorts them too): rank[dev]. */
static int32_t *device_ranks(const pf_data *d)
{
	int32_t *rank = calloc((size_t)d->n_devices + 1, sizeof(int32_t));
	if (!rank)
		return NULL;
	for (int i = 0; i < d->n_devices; i++)
		for (int j = 0; j < d->n_devices; j++)
			if (strcmp(d->devices[j], d->devices[i]) < 0)
				rank[i]++;
	return rank;
}

/* ---------------------------------------------------------------- Chrome trace */

char *pf_chrome_trace(const pf_data *d, size_t *len, tfc_status *st)
{
	pf_buf b = {0};
	int64_t *order = NULL;
	int32_t *lane = NULL;
	int32_t *n_lanes = calloc((size_t)d->n_devices + 1, sizeof(int32_t));
	int32_t *rank = device_ranks(d);
	if (!n_lanes || !rank || !assign_lanes(d, 0, d->n_rows, &order, &lane, n_lanes))
		goto oom;
	/* Times relative to the first event: absolute microseconds since the epoch with
	 * a nanosecond fraction are more digits than a double (Perfetto's or Python's
	 * JSON number) holds. The absolute start is in otherData. */
	int64_t t0 = INT64_MAX;
	for (int64_t i = 0; i < d->n_rows; i++)
		if (d->rows[i].start_ns < t0)
			t0 = d->rows[i].start_ns;
	if (d->n_rows == 0)
		t0 = 0;
	pf_buf_printf(&b, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"run\":%lld,"
		      "\"start_nanos_since_epoch\":%lld},\"traceEvents\":[\n",
		      (long long)d->run_id, (long long)t0);
	pf_buf_puts(&b, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":0,\"args\":{\"name\":\"Steps\"}},\n");
	pf_buf_puts(&b, "{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":0,\"args\":{\"sort_index\":0}}");
	for (int i = 0; i < d->n_devices; i++) {
		int pid = rank[i] + 1;
		if (n_lanes[i] == 0)
			continue; /* no rows there (left out by --device, or a GPU's stream:all) */
		char name[1200];
		snprintf(name, sizeof(name), "%s Compute", d->devices[i]);
		pf_buf_printf(&b, ",\n{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"args\":{\"name\":", pid);
		pf_buf_json_string(&b, name);
		pf_buf_printf(&b, "}},\n{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":%d,"
			      "\"args\":{\"sort_index\":%d}}", pid, pid);
		for (int l = 0; l < n_lanes[i]; l++)
			pf_buf_printf(&b, ",\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%d,"
				      "\"args\":{\"name\":\"lane %d\"}}", pid, l, l);
	}
	for (int s = 0; s < d->n_steps; s++) {
		const pf_step *sp = &d->steps[s];
		int64_t s0 = INT64_MAX, s1 = INT64_MIN;
		for (int64_t i = sp->row_lo; i < sp->row_hi; i++) {
			const pf_row *r = &d->rows[i];
			if (r->start_ns < s0)
				s0 = r->start_ns;
			if (r->start_ns + r->all_end > s1)
				s1 = r->start_ns + r->all_end;
		}
		if (s0 > s1)
			continue;
		pf_buf_printf(&b, ",\n{\"ph\":\"X\",\"cat\":\"Step\",\"name\":\"step %lld\",\"pid\":0,\"tid\":0,"
			      "\"ts\":%.3f,\"dur\":%.3f,\"args\":{\"step\":%lld}}",
			      (long long)sp->step, (double)(s0 - t0) / 1e3, (double)(s1 - s0) / 1e3,
			      (long long)sp->step);
	}
	for (int64_t i = 0; i < d->n_rows; i++) {
		const pf_row *r = &d->rows[i];
		const pf_node *pn = &d->nodes[r->node];
		const char *op = d->ops[pn->op];
		pf_buf_puts(&b, ",\n{\"ph\":\"X\",\"cat\":\"Op\",\"name\":");
		pf_buf_json_string(&b, op);
		pf_buf_printf(&b, ",\"pid\":%d,\"tid\":%d,\"ts\":%.3f,\"dur\":%.3f,\"args\":{\"name\":",
			      rank[r->dev] + 1, lane[i], (double)(r->start_ns - t0) / 1e3,
			      (double)r->all_end / 1e3);
		pf_buf_json_string(&b, pn->name);
		pf_buf_puts(&b, ",\"op\":");
		pf_buf_json_string(&b, op);
		pf_buf_printf(&b, ",\"step\":%lld,\"op_us\":%.3f}}", (long long)d->steps[r->step].step,
			      (double)pf_row_time(r) / 1e3);
	}
	pf_buf_puts(&b, "\n]}\n");
	if (b.oom)
		goto oom;
	*len = b.len;
	free(order);
	free(lane);
	free(n_lanes);
	free(rank);
	return b.s;
oom:
	tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory writing the timeline");
	free(b.s);
	free(order);
	free(lane);
	free(n_lanes);
	free(rank);
	return NULL;
}

/* ---------------------------------------------------------------- critical path */

static const pf_data *end_d;

static int cmp_row_end(const void *a, const void *b)
{
	const pf_row *x = &end_d->rows[*(const int64_t *)a], *y = &end_d->rows[*(const int64_t *)b];
	int64_t ex = x->start_ns + x->all_end, ey = y->start_ns + y->all_end;
	return (ex > ey) - (ex < ey);
}

int pf_critical_path(const pf_data *d, int s, int64_t **out)
{
	const pf_step *sp = &d->steps[s];
	int64_t n = sp->row_hi - sp->row_lo;
	*out = NULL;
	if (n <= 0)
		return 0;
	int64_t *row_of = malloc(((size_t)d->n_nodes + 1) * sizeof(int64_t));
	int64_t *by_end = malloc(((size_t)n + 1) * sizeof(int64_t));
	int64_t *path = malloc(((size_t)n + 1) * sizeof(int64_t));
	char *seen = calloc((size_t)n + 1, 1);
	int len = 0;
	if (!row_of || !by_end || !path || !seen)
		goto cleanup;
	for (int i = 0; i < d->n_nodes; i++)
		row_of[i] = -1;
	int64_t last = sp->row_lo;
	for (int64_t i = sp->row_lo; i < sp->row_hi; i++) {
		const pf_row *r = &d->rows[i];
		row_of[r->node] = i;
		by_end[i - sp->row_lo] = i;
		if (r->start_ns + r->all_end > d->rows[last].start_ns + d->rows[last].all_end)
			last = i;
	}
	end_d = d;
	qsort(by_end, (size_t)n, sizeof(int64_t), cmp_row_end);
	/* Walk back from the op that ended last: to the input (from the graph) that
	 * finished last, or without a graph, to the op that ended last before it began. */
	for (int64_t cur = last; cur >= 0 && len < n;) {
		if (seen[cur - sp->row_lo])
			break;
		seen[cur - sp->row_lo] = 1;
		path[len++] = cur;
		const pf_row *r = &d->rows[cur];
		const pf_node *pn = &d->nodes[r->node];
		int64_t next = -1;
		if (d->has_graph && pn->in_graph) {
			for (int k = 0; k < pn->n_inputs; k++) {
				int32_t in = pn->inputs[k];
				if (in < 0 || row_of[in] < 0)
					continue;
				const pf_row *p = &d->rows[row_of[in]];
				if (p->start_ns > r->start_ns)
					continue;
				if (next < 0 || p->start_ns + p->all_end >
						    d->rows[next].start_ns + d->rows[next].all_end)
					next = row_of[in];
			}
		} else {
			int64_t lo = 0, hi = n; /* first index with end > r->start_ns */
			while (lo < hi) {
				int64_t mid = (lo + hi) / 2;
				const pf_row *m = &d->rows[by_end[mid]];
				if (m->start_ns + m->all_end <= r->start_ns)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo > 0)
				next = by_end[lo - 1];
		}
		cur = next;
	}
	/* first to last */
	for (int i = 0; i < len / 2; i++) {
		int64_t tmp = path[i];
		path[i] = path[len - 1 - i];
		path[len - 1 - i] = tmp;
	}
	*out = path;
	path = NULL;
cleanup:
	free(row_of);
	free(by_end);
	free(path);
	free(seen);
	return *out ? len : 0;
}

/* ---------------------------------------------------------------- charts */

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int length)
{
	pf_buf *b = closure;
	pf_buf_add(b, (const char *)data, length);
	return b->oom ? CAIRO_STATUS_NO_MEMORY : CAIRO_STATUS_SUCCESS;
}

/* A surface of w x h that writes into b when finished (SVG) or is written by
 * finish_chart (PNG). */
static cairo_surface_t *chart_surface(bool png, double w, double h, pf_buf *b)
{
	if (png)
		return cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)ceil(w), (int)ceil(h));
	return cairo_svg_surface_create_for_stream(to_buf, b, w, h);
}

static void finish_chart(cairo_surface_t *s, bool png, pf_buf *b, const char *path, tfc_status *st)
{
	cairo_surface_flush(s);
	if (png && cairo_surface_status(s) == CAIRO_STATUS_SUCCESS)
		cairo_surface_write_to_png_stream(s, to_buf, b);
	cairo_surface_finish(s);
	cairo_status_t cs = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (cs != CAIRO_STATUS_SUCCESS || b->oom) {
		tfc_status_set(st, TFC_INTERNAL, "could not draw %s: %s", path,
			       b->oom ? "out of memory" : cairo_status_to_string(cs));
		return;
	}
	pf_write_file(path, b->s, b->len, st);
}

static void text(cairo_t *cr, double x, double y, const char *s, double size, bool right)
{
	cairo_set_font_size(cr, size);
	if (right) {
		cairo_text_extents_t e;
		cairo_text_extents(cr, s, &e);
		x -= e.x_advance;
	}
	cairo_move_to(cr, x, y);
	cairo_show_text(cr, s);
}

/* Nice tick spacing for a span: 1, 2 or 5 times a power of ten. */
static double tick_step(double span, int want)
{
	double raw = span / (want > 0 ? want : 1);
	double p = pow(10, floor(log10(raw > 0 ? raw : 1)));
	double m = raw / p;
	return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void pf_timeline_chart(const pf_data *d, const char *path, bool png, tfc_status *st)
{
	int s = 0;
	while (s < d->n_steps && d->steps[s].row_hi == d->steps[s].row_lo)
		s++;
	if (s == d->n_steps) {
		tfc_status_set(st, TFC_NOT_FOUND, "no step with ops to draw");
		return;
	}
	const pf_step *sp = &d->steps[s];
	int64_t *order = NULL, *crit = NULL;
	int32_t *lane = NULL;
	int32_t *n_lanes = calloc((size_t)d->n_devices + 1, sizeof(int32_t));
	int32_t *rank = device_ranks(d);
	int32_t *row_y = calloc((size_t)d->n_devices + 1, sizeof(int32_t));
	int32_t *by_rank = calloc((size_t)d->n_devices + 1, sizeof(int32_t));
	int32_t *op_seen = calloc((size_t)d->n_ops + 1, sizeof(int32_t));
	char **legend = calloc((size_t)d->n_ops + 1, sizeof(char *));
	pf_buf b = {0};
	if (!n_lanes || !rank || !row_y || !by_rank || !op_seen || !legend ||
	    !assign_lanes(d, sp->row_lo, sp->row_hi, &order, &lane, n_lanes))
		goto oom;
	int n_crit = pf_critical_path(d, s, &crit);
	int64_t t0 = INT64_MAX, t1 = INT64_MIN;
	for (int64_t i = sp->row_lo; i < sp->row_hi; i++) {
		const pf_row *r = &d->rows[i];
		if (r->start_ns < t0)
			t0 = r->start_ns;
		if (r->start_ns + r->all_end > t1)
			t1 = r->start_ns + r->all_end;
		op_seen[d->nodes[r->node].op] = 1;
	}
	if (t1 <= t0)
		t1 = t0 + 1;
	/* rows: devices in name order, one per lane */
	for (int i = 0; i < d->n_devices; i++)
		by_rank[rank[i]] = i;
	int total_lanes = 0;
	for (int k = 0; k < d->n_devices; k++) {
		int dv = by_rank[k];
		row_y[dv] = total_lanes;
		total_lanes += n_lanes[dv] > 0 ? n_lanes[dv] : 0;
	}
	int n_legend = 0;
	for (int i = 0; i < d->n_ops; i++)
		if (op_seen[i])
			legend[n_legend++] = d->ops[i];
	qsort(legend, (size_t)n_legend, sizeof(char *), cmp_str_ptr);
	/* lanes 16 px high, thinner when there are many (the picture stays under 8000 px) */
	double lane_h = total_lanes > 0 ? 8000.0 / total_lanes : 16;
	lane_h = lane_h > 16 ? 16 : lane_h < 0.5 ? 0.5 : lane_h;
	const double left = 260, right = 20, top = 50;
	const double plot_w = 1000;
	int legend_rows = (n_legend + 5) / 6;
	double w = left + plot_w + right;
	double h = top + lane_h * total_lanes + 40 + 18 * legend_rows + 20;
	cairo_surface_t *surf = chart_surface(png, w, h, &b);
	cairo_t *cr = cairo_create(surf);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	char title[512], buf[64];
	pf_fmt_us((double)(t1 - t0) / 1e3, buf, sizeof(buf));
	snprintf(title, sizeof(title), "run %lld, step %lld: %lld ops, %s; critical path outlined (%d ops)",
		 (long long)d->run_id, (long long)sp->step, (long long)(sp->row_hi - sp->row_lo), buf,
		 n_crit);
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
	text(cr, 10, 20, title, 13, false);
	double scale = plot_w / (double)(t1 - t0);
	/* time axis */
	double span_us = (double)(t1 - t0) / 1e3, step_us = tick_step(span_us, 8);
	cairo_set_line_width(cr, 1);
	for (double u = 0; u <= span_us + 1e-9; u += step_us) {
		double x = left + u * 1e3 * scale;
		cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
		cairo_move_to(cr, x, top - 4);
		cairo_line_to(cr, x, top + lane_h * total_lanes);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
		pf_fmt_us(u, buf, sizeof(buf));
		text(cr, x + 2, top - 8, buf, 10, false);
	}
	/* device labels and lane bands */
	for (int k = 0; k < d->n_devices; k++) {
		int dv = by_rank[k];
		if (n_lanes[dv] == 0)
			continue;
		double y = top + lane_h * row_y[dv];
		cairo_set_source_rgb(cr, k % 2 ? 0.97 : 0.93, k % 2 ? 0.97 : 0.93, k % 2 ? 0.97 : 0.95);
		cairo_rectangle(cr, left, y, plot_w, lane_h * n_lanes[dv]);
		cairo_fill(cr);
		const char *dn = d->devices[dv];
		static const char local[] = "/job:localhost/replica:0/task:0";
		if (strncmp(dn, local, sizeof(local) - 1) == 0 && dn[sizeof(local) - 1] == '/')
			dn += sizeof(local) - 1; /* the usual prefix says nothing */
		const char *shortn = strlen(dn) > 38 ? dn + strlen(dn) - 38 : dn;
		cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
		text(cr, left - 6, y + (lane_h < 12 ? lane_h * n_lanes[dv] : lane_h) - 4 + (lane_h < 12 ? 0 : 0),
		     shortn, 10, true);
	}
	/* ops */
	for (int64_t i = sp->row_lo; i < sp->row_hi; i++) {
		const pf_row *r = &d->rows[i];
		double x = left + (double)(r->start_ns - t0) * scale;
		double bw = (double)r->all_end * scale;
		if (bw < 1)
			bw = 1;
		double y = top + lane_h * (row_y[r->dev] + lane[i - sp->row_lo]);
		double cr_, cg, cb;
		pf_op_colour(d->ops[d->nodes[r->node].op], &cr_, &cg, &cb);
		cairo_set_source_rgb(cr, cr_, cg, cb);
		cairo_rectangle(cr, x, y + 1, bw, lane_h - 2);
		cairo_fill(cr);
	}
	/* the critical path: outlined bars joined by a line */
	cairo_set_source_rgb(cr, 0.85, 0.0, 0.0);
	cairo_set_line_width(cr, lane_h < 12 ? 1 : 2);
	for (int k = 0; k < n_crit; k++) {
		const pf_row *r = &d->rows[crit[k]];
		double x = left + (double)(r->start_ns - t0) * scale;
		double bw = (double)r->all_end * scale;
		double y = top + lane_h * (row_y[r->dev] + lane[crit[k] - sp->row_lo]);
		cairo_rectangle(cr, x, y + 1, bw < 2 ? 2 : bw, lane_h - 2);
		cairo_stroke(cr);
		if (k > 0) {
			const pf_row *p = &d->rows[crit[k - 1]];
			double px = left + (double)(p->start_ns + p->all_end - t0) * scale;
			double py = top + lane_h * (row_y[p->dev] + lane[crit[k - 1] - sp->row_lo]) + lane_h / 2;
			cairo_move_to(cr, px, py);
			cairo_line_to(cr, x, y + lane_h / 2);
			cairo_stroke(cr);
		}
	}
	/* legend */
	double ly = top + lane_h * total_lanes + 30;
	for (int i = 0; i < n_legend; i++) {
		double lx = left + (i % 6) * (plot_w / 6), yy = ly + 18 * (i / 6);
		double cr_, cg, cb;
		pf_op_colour(legend[i], &cr_, &cg, &cb);
		cairo_set_source_rgb(cr, cr_, cg, cb);
		cairo_rectangle(cr, lx, yy - 10, 12, 12);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
		text(cr, lx + 16, yy, legend[i], 10, false);
	}
	cairo_set_source_rgb(cr, 0.85, 0, 0);
	text(cr, 10, ly, "critical path", 10, false);
	cairo_destroy(cr);
	finish_chart(surf, png, &b, path, st);
	goto cleanup;
oom:
	tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory drawing the timeline");
cleanup:
	free(b.s);
	free(order);
	free(lane);
	free(crit);
	free(n_lanes);
	free(rank);
	free(row_y);
	free(by_rank);
	free(op_seen);
	free(legend);
}

/* Wall time of step s: from its rows, else from the steps table. */
static double step_wall_us(const pf_data *d, int s)
{
	const pf_step *sp = &d->steps[s];
	int64_t t0 = INT64_MAX, t1 = INT64_MIN;
	for (int64_t i = sp->row_lo; i < sp->row_hi; i++) {
		const pf_row *r = &d->rows[i];
		if (r->start_ns < t0)
			t0 = r->start_ns;
		if (r->start_ns + r->all_end > t1)
			t1 = r->start_ns + r->all_end;
	}
	if (t1 >= t0)
		return (double)(t1 - t0) / 1e3;
	return (double)(sp->end_us - sp->start_us);
}

void pf_plot_steps(const pf_data *d, const char *path, bool png, tfc_status *st)
{
	pf_buf b = {0};
	double *wall = malloc(((size_t)d->n_steps + 1) * sizeof(double));
	double *sorted = malloc(((size_t)d->n_steps + 1) * sizeof(double));
	if (!wall || !sorted) {
		tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory plotting");
		goto cleanup;
	}
	double ymax = 0;
	for (int s = 0; s < d->n_steps; s++) {
		wall[s] = sorted[s] = step_wall_us(d, s);
		if (wall[s] > ymax)
			ymax = wall[s];
	}
	double median = pf_quantile(sorted, d->n_steps, 0.5);
	if (ymax <= 0)
		ymax = 1;
	const double left = 80, right = 20, top = 40, bottom = 50, pw = 800, ph = 360;
	cairo_surface_t *surf = chart_surface(png, left + pw + right, top + ph + bottom, &b);
	cairo_t *cr = cairo_create(surf);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	char buf[128], mb[32];
	pf_fmt_us(median, mb, sizeof(mb));
	snprintf(buf, sizeof(buf), "run %lld: step wall time over %d steps (median %s)",
		 (long long)d->run_id, d->n_steps, mb);
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
	text(cr, 10, 20, buf, 13, false);
	double ystep = tick_step(ymax, 5);
	ymax = ceil(ymax / ystep) * ystep;
	cairo_set_line_width(cr, 1);
	for (double u = 0; u <= ymax + 1e-9; u += ystep) {
		double y = top + ph - u / ymax * ph;
		cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
		cairo_move_to(cr, left, y);
		cairo_line_to(cr, left + pw, y);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
		pf_fmt_us(u, buf, sizeof(buf));
		text(cr, left - 6, y + 4, buf, 10, true);
	}
	int64_t s0 = d->steps[0].step, s1 = d->steps[d->n_steps - 1].step;
	double xspan = s1 > s0 ? (double)(s1 - s0) : 1;
	double xstep = tick_step(xspan, 8);
	if (xstep < 1)
		xstep = 1;
	for (double u = 0; u <= xspan + 1e-9; u += xstep) {
		double x = left + u / xspan * pw;
		cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
		snprintf(buf, sizeof(buf), "%lld", (long long)(s0 + (int64_t)u));
		text(cr, x - 4, top + ph + 16, buf, 10, false);
	}
	text(cr, left + pw / 2 - 10, top + ph + 36, "step", 11, false);
	/* the median */
	cairo_set_source_rgb(cr, 0.2, 0.6, 0.2);
	double my = top + ph - median / ymax * ph;
	cairo_move_to(cr, left, my);
	cairo_line_to(cr, left + pw, my);
	cairo_stroke(cr);
	/* the series */
	cairo_set_source_rgb(cr, 0.12, 0.35, 0.75);
	cairo_set_line_width(cr, 1.5);
	for (int s = 0; s < d->n_steps; s++) {
		double x = left + (double)(d->steps[s].step - s0) / xspan * pw;
		double y = top + ph - wall[s] / ymax * ph;
		if (s == 0)
			cairo_move_to(cr, x, y);
		else
			cairo_line_to(cr, x, y);
	}
	cairo_stroke(cr);
	for (int s = 0; s < d->n_steps && d->n_steps <= 400; s++) {
		double x = left + (double)(d->steps[s].step - s0) / xspan * pw;
		double y = top + ph - wall[s] / ymax * ph;
		cairo_arc(cr, x, y, 2.5, 0, 2 * M_PI);
		cairo_fill(cr);
	}
	cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
	cairo_rectangle(cr, left, top, pw, ph);
	cairo_set_line_width(cr, 1);
	cairo_stroke(cr);
	cairo_destroy(cr);
	finish_chart(surf, png, &b, path, st);
cleanup:
	free(b.s);
	free(wall);
	free(sorted);
}
