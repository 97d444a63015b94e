/*
 * bundle.c: edge bundling between the items of one open group and the extraction of
 * auxiliary (high-degree and NoOp) items, following the rules in bundle.h.
 */
#include "bundle.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Open addressing map: (a, b) -> bundle index. */
struct pairmap {
	uint64_t *keys; /* 0 = empty; key = ((a+1) << 32) | (b+1) */
	int *vals;
	size_t cap;
};

static int pm_get(struct pairmap *m, uint64_t key, int new_val, bool *found)
{
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (m->cap - 1);
	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	*found = m->keys[i] == key;
	if (!*found) {
		m->keys[i] = key;
		m->vals[i] = new_val;
	}
	return m->vals[i];
}

/* Leaves below n, appended to *ops. */
static void leaves(const vz_node *n, int **ops, int *len, int *cap, bool *oom)
{
	if (n->kind == VZ_OP) {
		if (*len == *cap) {
			int c = *cap ? 2 * *cap : 64;
			int *a = realloc(*ops, (size_t)c * sizeof(int));
			if (!a) {
				*oom = true;
				return;
			}
			*ops = a;
			*cap = c;
		}
		(*ops)[(*len)++] = n->op;
		return;
	}
	for (int i = 0; i < n->n_kids; i++)
		leaves(n->kids[i], ops, len, cap, oom);
}

void vz_bundles_free(vz_bundle *b, int n)
{
	if (!b)
		return;
	for (int i = 0; i < n; i++)
		free(b[i].pts);
	free(b);
}

int vz_bundles(const vz_hier *h, const vz_node *g, vz_bundle **out, tfc_status *st)
{
	const vz_graph *gr = h->graph;
	int *ops = NULL, n_ops = 0, cap_ops = 0, n = 0, cap = 0;
	bool oom = false;
	struct pairmap m = {0};
	vz_bundle *b = NULL;
	*out = NULL;
	leaves(g, &ops, &n_ops, &cap_ops, &oom);
	size_t n_in = 0;
	for (int i = 0; i < n_ops && !oom; i++)
		n_in += (size_t)gr->ops[ops[i]].n_in;
	m.cap = 16;
	while (m.cap < 2 * n_in + 16)
		m.cap *= 2;
	m.keys = calloc(m.cap, sizeof(*m.keys));
	m.vals = calloc(m.cap, sizeof(*m.vals));
	if (oom || !m.keys || !m.vals)
		goto fail;
	for (int i = 0; i < n_ops; i++) {
		const vz_op *dop = &gr->ops[ops[i]];
		vz_node *bk = vz_child_holding(g, h->leaf[ops[i]]);
		for (int k = 0; k < dop->n_in; k++) {
			const vz_edge *e = &gr->edges[dop->first_in + k];
			vz_node *sl = h->leaf[e->src];
			vz_node *ak = sl ? vz_child_holding(g, sl) : NULL;
			if (!ak || !bk || ak == bk)
				continue;
			uint64_t key = ((uint64_t)(ak->index + 1) << 32) | (uint64_t)(bk->index + 1);
			bool found;
			int bi = pm_get(&m, key, n, &found);
			if (!found) {
				if (n == cap) {
					int c = cap ? 2 * cap : 16;
					vz_bundle *nb = realloc(b, (size_t)c * sizeof(*nb));
					if (!nb)
						goto fail;
					b = nb;
					cap = c;
				}
				memset(&b[n], 0, sizeof(b[n]));
				b[n].a = ak->index;
				b[n].b = bk->index;
				n++;
			}
			vz_bundle *x = &b[bi];
			if (e->kind == VZ_EDGE_CONTROL) {
				x->n_control++;
				continue;
			}
			if (e->kind == VZ_EDGE_REF)
				x->n_ref++;
			else
				x->n_data++;
			const vz_op *sop = &gr->ops[e->src];
			const vz_output *o = e->slot >= 0 && e->slot < sop->n_out ? &sop->out[e->slot] : NULL;
			x->shape = x->n_data + x->n_ref == 1 && o ? o->shape : NULL;
			if (o && o->elems >= 0) {
				x->elems += o->elems;
				x->n_sized++;
			}
		}
	}
	free(ops);
	free(m.keys);
	free(m.vals);
	*out = b;
	return n;
fail:
	free(ops);
	free(m.keys);
	free(m.vals);
	free(b);
	tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory bundling the edges of '%s'",
		       g->name);
	return -1;
}

/* The outside item holding leaf n, at the nearest level above g where it is drawn. */
static const vz_node *outside_item(const vz_node *g, vz_node *n)
{
	for (const vz_node *a = g->parent; a; a = a->parent) {
		vz_node *it = vz_child_holding(a, n);
		if (it)
			return it;
	}
	return NULL;
}

/* Counts one more edge to `it`: the first item is kept, distinct others counted. */
static void count_item(const vz_node **first, int *n_items, const vz_node **seen, int *n_seen,
		       const vz_node *it)
{
	if (!*first)
		*first = it;
	for (int i = 0; i < *n_seen; i++)
		if (seen[i] == it)
			return;
	if (*n_seen < 9)
		seen[(*n_seen)++] = it;
	(*n_items)++;
}

int vz_bridges(const vz_hier *h, const vz_node *g, vz_bridge **out, tfc_status *st)
{
	const vz_graph *gr = h->graph;
	int *ops = NULL, n_ops = 0, cap_ops = 0;
	bool oom = false;
	vz_bridge *br = calloc((size_t)g->n_kids + 1, sizeof(*br));
	const vz_node **seen = calloc((size_t)g->n_kids * 18 + 1, sizeof(*seen));
	int *n_seen = calloc((size_t)g->n_kids * 2 + 1, sizeof(int));
	*out = NULL;
	leaves(g, &ops, &n_ops, &cap_ops, &oom);
	if (oom || !br || !seen || !n_seen || !h->out_start) {
		free(ops);
		free(br);
		free(seen);
		free(n_seen);
		tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
		return -1;
	}
	for (int i = 0; i < n_ops; i++) {
		int o = ops[i];
		vz_node *k = vz_child_holding(g, h->leaf[o]);
		if (!k)
			continue;
		vz_bridge *b = &br[k->index];
		const vz_op *op = &gr->ops[o];
		for (int e = 0; e < op->n_in; e++) {
			const vz_edge *ed = &gr->edges[op->first_in + e];
			vz_node *sl = h->leaf[ed->src];
			if (!sl || vz_child_holding(g, sl))
				continue;
			const vz_node *it = outside_item(g, sl);
			if (!it)
				continue;
			b->n_in++;
			b->in_data |= ed->kind != VZ_EDGE_CONTROL;
			count_item(&b->in_from, &b->n_in_items, seen + 18 * k->index,
				   &n_seen[2 * k->index], it);
		}
		for (int e = h->out_start[o]; e < h->out_start[o + 1]; e++) {
			const vz_edge *ed = &gr->edges[h->out_edge[e]];
			vz_node *dl = h->leaf[ed->dst];
			if (!dl || vz_child_holding(g, dl))
				continue;
			const vz_node *it = outside_item(g, dl);
			if (!it)
				continue;
			b->n_out++;
			b->out_data |= ed->kind != VZ_EDGE_CONTROL;
			count_item(&b->out_to, &b->n_out_items, seen + 18 * k->index + 9,
				   &n_seen[2 * k->index + 1], it);
		}
	}
	free(ops);
	free(seen);
	free(n_seen);
	*out = br;
	return 0;
}

const char *vz_bundle_label(const vz_bundle *b, char *buf, size_t n)
{
	int t = b->n_data + b->n_ref;
	if (t == 1 && b->shape)
		snprintf(buf, n, "%s", b->shape);
	else if (t > 1)
		snprintf(buf, n, "%d tensors", t);
	else
		buf[0] = '\0';
	return buf;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return x < y ? -1 : x > y;
}

/* Quartile q (0.25, 0.75) of sorted v[0..n), linear interpolation. */
static double quartile(const int *v, int n, double q)
{
	double pos = q * (n - 1);
	int lo = (int)floor(pos);
	int hi = lo + 1 < n ? lo + 1 : lo;
	return v[lo] + (pos - lo) * (v[hi] - v[lo]);
}

void vz_extract(const vz_hier *h, vz_node *g, vz_bundle *b, int n)
{
	const vz_params *p = &h->params;
	int k = g->n_kids;
	int *in = calloc((size_t)k * 6 + 1, sizeof(int));
	if (!in)
		return;
	int *outd = in + k, *cin = in + 2 * k, *cout = in + 3 * k, *s1 = in + 4 * k, *s2 = in + 5 * k;
	for (int i = 0; i < k; i++)
		g->kids[i]->aux = false;
	for (int i = 0; i < n; i++) {
		if (b[i].n_data + b[i].n_ref > 0) {
			outd[b[i].a]++;
			in[b[i].b]++;
		} else {
			cout[b[i].a]++;
			cin[b[i].b]++;
		}
	}
	for (int i = 0; i < k; i++) {
		vz_node *c = g->kids[i];
		if (c->kind == VZ_OP && strcmp(h->graph->ops[c->op].type, "NoOp") == 0)
			c->aux = true;
	}
	if (p->extract && k >= p->extract_min_nodes) {
		/* Degrees count data edges, unless an item has only control edges. */
		for (int i = 0; i < k; i++) {
			bool only_control = in[i] + outd[i] == 0;
			s1[i] = only_control ? cin[i] : in[i];
			s2[i] = only_control ? cout[i] : outd[i];
		}
		int *a1 = malloc((size_t)k * 2 * sizeof(int));
		if (a1) {
			int *a2 = a1 + k;
			memcpy(a1, s1, (size_t)k * sizeof(int));
			memcpy(a2, s2, (size_t)k * sizeof(int));
			qsort(a1, (size_t)k, sizeof(int), cmp_int);
			qsort(a2, (size_t)k, sizeof(int), cmp_int);
			double q1 = quartile(a1, k, 0.25), q3 = quartile(a1, k, 0.75);
			double in_lim = q3 + p->in_iqr * (q3 - q1);
			q1 = quartile(a2, k, 0.25);
			q3 = quartile(a2, k, 0.75);
			double out_lim = q3 + p->out_iqr * (q3 - q1);
			double floor_deg = p->extract_min_degree - 1;
			if (in_lim < floor_deg)
				in_lim = floor_deg;
			if (out_lim < floor_deg)
				out_lim = floor_deg;
			for (int i = 0; i < k; i++)
				if (s1[i] > in_lim || s2[i] > out_lim)
					g->kids[i]->aux = true;
			free(a1);
		}
	}
	/* Never extract everything: keep the core graph non-empty. */
	int core = 0;
	for (int i = 0; i < k; i++)
		core += !g->kids[i]->aux;
	if (core == 0)
		for (int i = 0; i < k; i++)
			g->kids[i]->aux = false;
	/* Widths: power scale over summed tensor size when known, else linear in count. */
	int maxc = 1;
	for (int i = 0; i < n; i++) {
		int c = b[i].n_data + b[i].n_ref + b[i].n_control;
		if (c > maxc)
			maxc = c;
	}
	const double lo = 0.75, hi = 12.0, top = pow(5e6, 0.3);
	for (int i = 0; i < n; i++) {
		vz_bundle *x = &b[i];
		int t = x->n_data + x->n_ref;
		if (t > 0 && x->n_sized == t) {
			double s = (double)(x->elems < 1 ? 1 : x->elems > 5000000 ? 5000000 : x->elems);
			x->width = lo + (hi - lo) * (pow(s, 0.3) - 1) / (top - 1);
		} else {
			int c = t + x->n_control;
			x->width = maxc > 1 ? lo + (hi - lo) * (c - 1) / (maxc - 1) * 0.5 + 0.25 : 1.0;
		}
		if (t == 0)
			x->width = 1.0;
		x->stub = g->kids[x->a]->aux || g->kids[x->b]->aux ||
			  (t == 0 && (cout[x->a] + cin[x->a] > p->max_control_degree ||
				      cout[x->b] + cin[x->b] > p->max_control_degree));
	}
	free(in);
}
