/*
 * prof_advise.c: tfc-prof --advise (trace/prof.h): findings in the manner of
 * tfprof's advisor checkers (ExpensiveOperationChecker, AcceleratorUtilization-
 * Checker, OperationChecker) and `nsys analyze`'s rules:
 *   - expensive operations: the top 3 op types and the top 3 nodes by time;
 *   - utilization per device: busy time (union of op intervals) over the step's span,
 *     "low utilization" under 50 % (tfprof's band), and the longest idle gap;
 *   - constant folding: ops that ran in every step and whose inputs are all Const
 *     (their result never changes; grappler's constant folding would remove them);
 *   - data layout: NHWC convolutions and pooling on a GPU (NCHW is cuDNN's native
 *     layout), and BatchNorm built from pieces where FusedBatchNorm exists;
 *   - step-time outliers: steps slower than the median by more than 3 MADs and 50 %.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prof_internal.h"

typedef struct finding {
	const char *checker;
	char *message;
} finding;

typedef struct findings {
	finding *f;
	int n, cap;
	bool oom;
} findings;

static void add(findings *fs, const char *checker, pf_buf *msg)
{
	if (msg->oom || fs->oom) {
		fs->oom = true;
		free(msg->s);
		return;
	}
	if (fs->n == fs->cap) {
		int c = fs->cap ? fs->cap * 2 : 16;
		finding *p = realloc(fs->f, (size_t)c * sizeof(finding));
		if (!p) {
			fs->oom = true;
			free(msg->s);
			return;
		}
		fs->f = p;
		fs->cap = c;
	}
	fs->f[fs->n++] = (finding){checker, msg->s};
	memset(msg, 0, sizeof(*msg));
}

static bool is_gpu(const char *dev)
{
	return strstr(dev, "GPU") || strstr(dev, "gpu");
}

static void expensive(const pf_data *d, findings *fs, tfc_status *st)
{
	pf_view v = {.by = PF_BY_TYPE, .order_by = -1, .top = 3};
	char a[32], b[32];
	for (int pass = 0; pass < 2; pass++) {
		v.by = pass ? PF_BY_NODE : PF_BY_TYPE;
		pf_table *t = pf_table_build(d, &v, st);
		if (!t)
			return;
		pf_buf m = {0};
		pf_fmt_us(t->grand_total_us, a, sizeof(a));
		pf_buf_printf(&m, "top %s by time (of %s op time in %d step%s):", pass ? "nodes" : "op types",
			      a, d->n_steps, d->n_steps == 1 ? "" : "s");
		for (int i = 0; i < t->n_rows; i++) {
			const pf_stat *s = &t->rows[i];
			pf_fmt_us(s->total_us, a, sizeof(a));
			pf_fmt_us(s->mean_us, b, sizeof(b));
			pf_buf_printf(&m, "\n  %s%s%s%s: %s, %.1f%% (%lld run%s, mean %s)", s->name,
				      pass ? " (" : "", pass ? s->op : "", pass ? ")" : "", a, s->pct,
				      (long long)s->count, s->count == 1 ? "" : "s", b);
		}
		add(fs, "ExpensiveOperationChecker", &m);
		pf_table_free(t);
	}
}

static int cmp_iv(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;
	return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Per device: mean utilization over steps, and the longest idle gap seen. */
static void utilization(const pf_data *d, findings *fs)
{
	int64_t maxn = 0;
	for (int s = 0; s < d->n_steps; s++)
		if (d->steps[s].row_hi - d->steps[s].row_lo > maxn)
			maxn = d->steps[s].row_hi - d->steps[s].row_lo;
	int64_t *iv = malloc(((size_t)maxn + 1) * 3 * sizeof(int64_t));
	if (!iv) {
		fs->oom = true;
		return;
	}
	for (int dv = 0; dv < d->n_devices; dv++) {
		double busy = 0, wall = 0, gap = 0;
		int64_t gap_step = -1, gap_before = -1, gap_after = -1;
		for (int s = 0; s < d->n_steps; s++) {
			const pf_step *sp = &d->steps[s];
			int64_t n = 0, w0 = INT64_MAX, w1 = INT64_MIN;
			for (int64_t i = sp->row_lo; i < sp->row_hi; i++) {
				const pf_row *r = &d->rows[i];
				if (r->dev != dv)
					continue;
				int64_t s0 = r->start_ns + (r->op_start || r->op_end ? r->op_start : 0);
				iv[3 * n] = s0;
				iv[3 * n + 1] = s0 + pf_row_time(r);
				iv[3 * n + 2] = i;
				n++;
				if (r->start_ns < w0)
					w0 = r->start_ns;
				if (r->start_ns + r->all_end > w1)
					w1 = r->start_ns + r->all_end;
			}
			if (n == 0)
				continue;
			qsort(iv, (size_t)n, 3 * sizeof(int64_t), cmp_iv);
			int64_t cs = iv[0], ce = iv[1], ce_row = iv[2];
			for (int64_t k = 1; k < n; k++) {
				if (iv[3 * k] > ce) {
					busy += (double)(ce - cs);
					if ((double)(iv[3 * k] - ce) > gap) {
						gap = (double)(iv[3 * k] - ce);
						gap_step = sp->step;
						gap_before = ce_row;
						gap_after = iv[3 * k + 2];
					}
					cs = iv[3 * k];
					ce = iv[3 * k + 1];
					ce_row = iv[3 * k + 2];
				} else if (iv[3 * k + 1] > ce) {
					ce = iv[3 * k + 1];
					ce_row = iv[3 * k + 2];
				}
			}
			busy += (double)(ce - cs);
			wall += (double)(w1 - w0);
		}
		if (wall <= 0)
			continue;
		double u = busy / wall;
		char a[32], b[32];
		pf_buf m = {0};
		pf_fmt_us(busy / 1e3 / d->n_steps, a, sizeof(a));
		pf_fmt_us(wall / 1e3 / d->n_steps, b, sizeof(b));
		pf_buf_printf(&m, "%s: %s %.1f%% (busy %s of %s a step on average)", d->devices[dv],
			      u >= 0.5 ? "utilization" : "low utilization", 100 * u, a, b);
		if (gap_step >= 0 && gap > 0.1 * wall / d->n_steps) {
			pf_fmt_us(gap / 1e3, a, sizeof(a));
			pf_buf_printf(&m, "\n  longest idle gap: %s in step %lld, after %s, before %s", a,
				      (long long)gap_step, d->nodes[d->rows[gap_before].node].name,
				      d->nodes[d->rows[gap_after].node].name);
		}
		add(fs, "AcceleratorUtilizationChecker", &m);
	}
	free(iv);
}

static void folding(const pf_data *d, findings *fs)
{
	int64_t *count = calloc((size_t)d->n_nodes + 1, sizeof(int64_t));
	int64_t *time = calloc((size_t)d->n_nodes + 1, sizeof(int64_t));
	int32_t *last = malloc(((size_t)d->n_nodes + 1) * sizeof(int32_t));
	if (!count || !time || !last) {
		fs->oom = true;
		goto cleanup;
	}
	for (int i = 0; i < d->n_nodes; i++)
		last[i] = -1;
	for (int64_t i = 0; i < d->n_rows; i++) {
		const pf_row *r = &d->rows[i];
		if (last[r->node] != r->step) {
			count[r->node]++;
			last[r->node] = r->step;
		}
		time[r->node] += pf_row_time(r);
	}
	int n = 0;
	double total = 0;
	pf_buf list = {0};
	for (int i = 0; i < d->n_nodes; i++) {
		const pf_node *pn = &d->nodes[i];
		if (!pn->foldable || count[i] < d->n_steps)
			continue;
		total += (double)time[i];
		if (n < 8) {
			char a[32];
			pf_fmt_us((double)time[i] / 1e3 / d->n_steps, a, sizeof(a));
			pf_buf_printf(&list, "\n  %s (%s): %s a step", pn->name, d->ops[pn->op], a);
		}
		n++;
	}
	if (n > 0) {
		char a[32];
		pf_buf m = {0};
		pf_fmt_us(total / 1e3 / d->n_steps, a, sizeof(a));
		pf_buf_printf(&m, "%d op%s ran in every step with only constant inputs (%s a step): "
			      "their results never change; fold them into constants (grappler's constant "
			      "folding, or compute them once and feed them)%s%s", n, n == 1 ? "" : "s",
			      a, list.s ? list.s : "", n > 8 ? "\n  ..." : "");
		add(fs, "ConstantFoldingChecker", &m);
	}
	free(list.s);
cleanup:
	free(count);
	free(time);
	free(last);
}

static void layout(const pf_data *d, findings *fs)
{
	char *seen = calloc((size_t)d->n_nodes + 1, 1);
	if (!seen) {
		fs->oom = true;
		return;
	}
	pf_buf list = {0};
	int n = 0;
	for (int64_t i = 0; i < d->n_rows; i++) {
		const pf_row *r = &d->rows[i];
		const pf_node *pn = &d->nodes[r->node];
		if (seen[r->node] || !pn->nhwc_conv || !is_gpu(d->devices[r->dev]))
			continue;
		seen[r->node] = 1;
		if (n < 8)
			pf_buf_printf(&list, "\n  %s (%s) on %s", pn->name, d->ops[pn->op], d->devices[r->dev]);
		n++;
	}
	if (n > 0) {
		pf_buf m = {0};
		pf_buf_printf(&m, "%d convolution or pooling op%s with data_format NHWC ran on a GPU: "
			      "NCHW is the native layout of cuDNN and usually faster there%s%s", n,
			      n == 1 ? "" : "s", list.s, n > 8 ? "\n  ..." : "");
		add(fs, "OperationChecker", &m);
	}
	free(list.s);
	/* BatchNorm from pieces */
	int bn = 0;
	for (int i = 0; i < d->n_nodes; i++)
		if (strstr(d->nodes[i].name, "BatchNorm") && !strstr(d->ops[d->nodes[i].op], "FusedBatchNorm"))
			bn++;
	bool fused = false;
	for (int i = 0; i < d->n_ops; i++)
		fused |= strstr(d->ops[i], "FusedBatchNorm") != NULL;
	if (bn > 0 && !fused) {
		pf_buf m = {0};
		pf_buf_printf(&m, "%d op%s under a BatchNorm scope but no FusedBatchNorm: use the fused "
			      "batch normalization (fused=True) for speed", bn, bn == 1 ? "" : "s");
		add(fs, "OperationChecker", &m);
	}
	free(seen);
}

static void outliers(const pf_data *d, findings *fs)
{
	if (d->n_steps < 3)
		return;
	double *w = malloc((size_t)d->n_steps * sizeof(double));
	double *tmp = malloc((size_t)d->n_steps * sizeof(double));
	if (!w || !tmp) {
		fs->oom = true;
		goto cleanup;
	}
	for (int s = 0; s < d->n_steps; s++) {
		const pf_step *sp = &d->steps[s];
		int64_t t0 = INT64_MAX, t1 = INT64_MIN;
		for (int64_t i = sp->row_lo; i < sp->row_hi; i++) {
			const pf_row *r = &d->rows[i];
			if (r->start_ns < t0)
				t0 = r->start_ns;
			if (r->start_ns + r->all_end > t1)
				t1 = r->start_ns + r->all_end;
		}
		w[s] = tmp[s] = t1 >= t0 ? (double)(t1 - t0) / 1e3 : (double)(sp->end_us - sp->start_us);
	}
	double med = pf_quantile(tmp, d->n_steps, 0.5);
	for (int s = 0; s < d->n_steps; s++)
		tmp[s] = fabs(w[s] - med);
	double mad = pf_quantile(tmp, d->n_steps, 0.5);
	pf_buf list = {0};
	int n = 0;
	char a[32], b[32];
	for (int s = 0; s < d->n_steps; s++) {
		if (w[s] > med + 3 * mad && w[s] > 1.5 * med) {
			pf_fmt_us(w[s], a, sizeof(a));
			if (n < 8)
				pf_buf_printf(&list, "\n  step %lld: %s (%.1fx the median)%s",
					      (long long)d->steps[s].step, a, med > 0 ? w[s] / med : 0,
					      s == 0 ? ", the first step: warm-up (allocation, caches)" : "");
			n++;
		}
	}
	if (n > 0) {
		pf_buf m = {0};
		pf_fmt_us(med, b, sizeof(b));
		pf_buf_printf(&m, "%d of %d steps took far longer than the median step (%s)%s%s", n,
			      d->n_steps, b, list.s, n > 8 ? "\n  ..." : "");
		add(fs, "StepTimeChecker", &m);
	}
	free(list.s);
cleanup:
	free(w);
	free(tmp);
}

void pf_advise(const pf_data *d, FILE *f, pf_format fmt, tfc_status *st)
{
	findings fs = {0};
	expensive(d, &fs, st);
	if (tfc_status_code(st) != TFC_OK)
		goto cleanup;
	utilization(d, &fs);
	folding(d, &fs);
	layout(d, &fs);
	outliers(d, &fs);
	if (fs.oom) {
		tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory giving advice");
		goto cleanup;
	}
	if (fmt == PF_FORMAT_JSON) {
		pf_buf b = {0};
		pf_buf_printf(&b, "{\"run\":%lld,\"steps\":%d,\"findings\":[", (long long)d->run_id, d->n_steps);
		for (int i = 0; i < fs.n; i++) {
			pf_buf_puts(&b, i ? ",\n{\"checker\":" : "\n{\"checker\":");
			pf_buf_json_string(&b, fs.f[i].checker);
			pf_buf_puts(&b, ",\"message\":");
			pf_buf_json_string(&b, fs.f[i].message);
			pf_buf_puts(&b, "}");
		}
		pf_buf_puts(&b, "\n]}\n");
		if (!b.oom)
			fwrite(b.s, 1, b.len, f);
		else
			tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory giving advice");
		free(b.s);
	} else {
		const char *last = NULL;
		for (int i = 0; i < fs.n; i++) {
			if (!last || strcmp(last, fs.f[i].checker) != 0)
				fprintf(f, "%s%s:\n", i ? "\n" : "", fs.f[i].checker);
			last = fs.f[i].checker;
			fprintf(f, "- %s\n", fs.f[i].message);
		}
		if (fs.n == 0)
			fprintf(f, "nothing to report\n");
	}
cleanup:
	for (int i = 0; i < fs.n; i++)
		free(fs.f[i].message);
	free(fs.f);
}
