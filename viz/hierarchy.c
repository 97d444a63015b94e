/*
 * hierarchy.c: building the group tree of hierarchy.h: name scopes, op+scope names,
 * structure signatures and templates, and series folding of numbered ops and of
 * numbered same-structure scopes. Expansion flags and trace aggregation live here
 * too; layout.c and the renderers only read the tree.
 */
#include "hierarchy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "strbuf.h"

void vz_params_default(vz_params *p)
{
	p->series_min = 5;
	p->series_scopes = true;
	p->extract = true;
	p->extract_min_nodes = 15;
	p->extract_min_degree = 5;
	p->in_iqr = 1.0;
	p->out_iqr = 4.0;
	p->max_control_degree = 4;
}

static vz_node *node_new(vz_kind kind, const char *name, const char *label)
{
	vz_node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->kind = kind;
	n->op = -1;
	n->tmpl = -1;
	n->name = vz_strdup(name);
	n->label = vz_strdup(label);
	if (!n->name || !n->label) {
		free(n->name);
		free(n->label);
		free(n);
		return NULL;
	}
	return n;
}

static void node_free(vz_node *n)
{
	if (!n)
		return;
	for (int i = 0; i < n->n_kids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->label);
	vz_layout_free(n->lay);
	free(n);
}

static bool add_kid(vz_node *p, vz_node *k)
{
	if (p->n_kids == p->cap_kids) {
		int cap = p->cap_kids ? 2 * p->cap_kids : 4;
		vz_node **a = realloc(p->kids, (size_t)cap * sizeof(*a));
		if (!a)
			return false;
		p->kids = a;
		p->cap_kids = cap;
	}
	p->kids[p->n_kids++] = k;
	k->parent = p;
	return true;
}

void vz_hier_free(vz_hier *h)
{
	if (!h)
		return;
	node_free(h->root);
	free(h->leaf);
	free(h->out_start);
	free(h->out_edge);
	if (h->by_name) {
		tfc__strmap_clear(h->by_name);
		free(h->by_name);
	}
	free(h);
}

/* The scope node of path[0..len), made with its parents when missing. */
static vz_node *get_scope(vz_hier *h, struct tfc__strmap *scopes, char *path, size_t len)
{
	char save = path[len];
	path[len] = '\0';
	void **slot = tfc__strmap_find(scopes, path);
	vz_node *s = slot ? *slot : NULL;
	if (!s) {
		char *slash = strrchr(path, '/');
		vz_node *parent = slash ? get_scope(h, scopes, path, (size_t)(slash - path)) : h->root;
		if (parent && (s = node_new(VZ_SCOPE, path, slash ? slash + 1 : path)) != NULL) {
			if (!add_kid(parent, s)) {
				node_free(s);
				s = NULL;
			} else {
				*tfc__strmap_put(scopes, path) = s;
			}
		}
	}
	path[len] = save;
	return s;
}

/* ---- structure signatures */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Post-order: a scope's signature is its sorted kid signatures, its inner edge
 * count (in n->sig on entry) and its size. */
static void sign(vz_hier *h, vz_node *n)
{
	if (n->kind == VZ_OP) {
		n->sig = str_hash(h->graph->ops[n->op].type);
		n->n_ops = 1;
		return;
	}
	uint64_t *s = malloc(((size_t)n->n_kids + 1) * sizeof(*s));
	n->n_ops = 0;
	for (int i = 0; i < n->n_kids; i++) {
		sign(h, n->kids[i]);
		n->n_ops += n->kids[i]->n_ops;
		if (s)
			s[i] = n->kids[i]->sig;
	}
	uint64_t sig = mix(0x5c09e5ull, n->sig); /* inner edges */
	sig = mix(sig, (uint64_t)n->n_kids);
	if (s) {
		qsort(s, (size_t)n->n_kids, sizeof(*s), cmp_u64);
		for (int i = 0; i < n->n_kids; i++)
			sig = mix(sig, s[i]);
		free(s);
	}
	n->sig = sig;
}

/* ---- series */

struct cand {
	char *key; /* kind, signature or type, and the name's stem */
	const char *stem;
	size_t stem_len;
	long num;
	int kid;
};

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->num < y->num ? -1 : x->num > y->num;
}

/* Splits "Relu_12" into stem "Relu" and 12; a name with no number is itself, 0. */
static void split_number(const char *label, size_t *stem_len, long *num)
{
	size_t n = strlen(label);
	const char *us = strrchr(label, '_');
	*stem_len = n;
	*num = 0;
	if (!us || us == label || us[1] == '\0' || strlen(us + 1) > 9)
		return;
	for (const char *p = us + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return;
	*stem_len = (size_t)(us - label);
	*num = strtol(us + 1, NULL, 10);
}

static bool register_group(vz_hier *h, vz_node *n)
{
	void **slot = tfc__strmap_put(h->by_name, n->name);
	if (!slot)
		return false;
	*slot = n;
	return true;
}

/* Folds the runs of group p's kids into series nodes. */
static bool fold_series(vz_hier *h, vz_node *p)
{
	int n = p->n_kids, n_c = 0;
	bool ok = true;
	if (n < h->params.series_min || h->params.series_min < 1)
		return true;
	struct cand *c = calloc((size_t)n, sizeof(*c));
	vz_node **out = NULL;
	char *taken = calloc((size_t)n, 1);  /* kid index -> 1 when folded away */
	vz_node **series_at = calloc((size_t)n, sizeof(*series_at)); /* kid -> series */
	if (!c || !taken || !series_at) {
		ok = false;
		goto cleanup;
	}
	for (int i = 0; i < n; i++) {
		vz_node *k = p->kids[i];
		if (k->kind == VZ_SERIES || (k->kind == VZ_SCOPE && !h->params.series_scopes))
			continue;
		if (k->kind == VZ_OP && k->label[0] == '(')
			continue; /* the op of an op+scope name */
		struct cand *x = &c[n_c];
		split_number(k->label, &x->stem_len, &x->num);
		x->stem = k->label;
		x->kid = i;
		if (k->kind == VZ_OP)
			x->key = vz_asprintf("o%s\x01%.*s", h->graph->ops[k->op].type,
					     (int)x->stem_len, k->label);
		else
			x->key = vz_asprintf("s%016llx\x01%.*s", (unsigned long long)k->sig,
					     (int)x->stem_len, k->label);
		if (!x->key) {
			ok = false;
			goto cleanup;
		}
		n_c++;
	}
	qsort(c, (size_t)n_c, sizeof(*c), cmp_cand);
	for (int i = 0; i < n_c;) {
		int j = i + 1;
		while (j < n_c && strcmp(c[j].key, c[i].key) == 0 && c[j].num == c[j - 1].num + 1)
			j++;
		if (j - i >= h->params.series_min) {
			vz_node *first = p->kids[c[i].kid];
			char *label = vz_asprintf("%.*s_[%ld-%ld]", (int)c[i].stem_len, c[i].stem,
						  c[i].num, c[j - 1].num);
			char *name = label ? (p->parent ? vz_asprintf("%s/%s", p->name, label)
							: vz_strdup(label)) : NULL;
			while (name && tfc__strmap_find(h->by_name, name)) {
				char *n2 = vz_asprintf("%s'", name);
				free(name);
				name = n2;
			}
			vz_node *s = name ? node_new(VZ_SERIES, name, label) : NULL;
			free(label);
			free(name);
			if (!s || !register_group(h, s)) {
				node_free(s);
				ok = false;
				goto cleanup;
			}
			s->tmpl = first->kind == VZ_SCOPE ? first->tmpl : -1;
			s->sig = mix(first->sig, 0x5e41e5ull);
			int lo = c[i].kid;
			for (int k = i; k < j; k++) {
				if (c[k].kid < lo)
					lo = c[k].kid;
				if (!add_kid(s, p->kids[c[k].kid])) {
					ok = false; /* s stays registered and leaks: out of memory */
					goto cleanup;
				}
				taken[c[k].kid] = 1;
			}
			series_at[lo] = s;
			s->parent = p;
		}
		i = j;
	}
	out = malloc((size_t)n * sizeof(*out));
	if (!out) {
		ok = false;
		goto cleanup;
	}
	int m = 0;
	for (int i = 0; i < n; i++) {
		if (series_at[i])
			out[m++] = series_at[i];
		else if (!taken[i])
			out[m++] = p->kids[i];
	}
	free(p->kids);
	p->kids = out;
	p->n_kids = p->cap_kids = m;
	out = NULL;
cleanup:
	for (int i = 0; i < n_c; i++)
		free(c[i].key);
	free(c);
	free(taken);
	free(series_at);
	return ok;
}

/* Post-order: fold the series of every group, then fix counts, levels, indexes. */
static bool fold_all(vz_hier *h, vz_node *n)
{
	for (int i = 0; i < n->n_kids; i++)
		if (n->kids[i]->kind != VZ_OP && !fold_all(h, n->kids[i]))
			return false;
	return n->kind == VZ_SCOPE ? fold_series(h, n) : true;
}

static void finish(vz_hier *h, vz_node *n, int level)
{
	n->level = level;
	if (n->kind == VZ_OP)
		return;
	h->n_groups += n->parent != NULL;
	n->n_ops = 0;
	for (int i = 0; i < n->n_kids; i++) {
		vz_node *k = n->kids[i];
		k->parent = n;
		k->index = i;
		finish(h, k, level + 1);
		n->n_ops += k->n_ops;
	}
}

/* Templates: signatures shared by two scopes or more get ids, in tree order. */
static void count_sigs(vz_node *n, struct tfc__strmap *m, bool assign, int *next)
{
	if (n->kind == VZ_OP)
		return;
	if (n->kind == VZ_SCOPE && n->parent) {
		char key[24];
		snprintf(key, sizeof(key), "%016llx", (unsigned long long)n->sig);
		void **slot = assign ? tfc__strmap_find(m, key) : tfc__strmap_put(m, key);
		if (slot && !assign) {
			*slot = (void *)((intptr_t)*slot + 1);
		} else if (slot) {
			intptr_t v = (intptr_t)*slot;
			if (v >= 2) { /* shared, no id yet: ids are stored as -(id+1) */
				*slot = (void *)(intptr_t)(-(*next) - 1);
				v = *slot ? (intptr_t)*slot : 0;
				(*next)++;
			}
			if (v < 0)
				n->tmpl = (int)(-v - 1);
		}
	}
	for (int i = 0; i < n->n_kids; i++)
		count_sigs(n->kids[i], m, assign, next);
}

vz_hier *vz_hier_new(vz_graph *g, const vz_params *p, tfc_status *st)
{
	struct tfc__strmap scopes, sigs;
	vz_hier *h = calloc(1, sizeof(*h));
	char *path = NULL;
	int *fill = NULL;
	tfc__strmap_init(&scopes, false);
	tfc__strmap_init(&sigs, false);
	if (!h)
		goto oom;
	h->graph = g;
	if (p)
		h->params = *p;
	else
		vz_params_default(&h->params);
	h->leaf = calloc((size_t)g->n_ops + 1, sizeof(*h->leaf));
	h->root = node_new(VZ_SCOPE, "", "");
	h->by_name = calloc(1, sizeof(struct tfc__strmap));
	if (!h->leaf || !h->root || !h->by_name)
		goto oom;
	tfc__strmap_init(h->by_name, false);
	h->root->expanded = true;
	for (int i = 0; i < g->n_ops; i++) {
		vz_op *op = &g->ops[i];
		if (op->hidden)
			continue;
		free(path);
		path = vz_strdup(op->name);
		if (!path)
			goto oom;
		char *slash = strrchr(path, '/');
		vz_node *parent = slash ? get_scope(h, &scopes, path, (size_t)(slash - path)) : h->root;
		vz_node *leaf = parent ? node_new(VZ_OP, op->name, slash ? slash + 1 : op->name) : NULL;
		if (!leaf || !add_kid(parent, leaf)) {
			node_free(leaf);
			goto oom;
		}
		leaf->op = i;
		h->leaf[i] = leaf;
	}
	/* An op named like a scope goes inside it, as "(name)". */
	for (int i = 0; i < g->n_ops; i++) {
		vz_node *leaf = h->leaf[i];
		void **slot = leaf ? tfc__strmap_find(&scopes, leaf->name) : NULL;
		if (!slot)
			continue;
		vz_node *s = *slot, *par = leaf->parent;
		char *label = vz_asprintf("(%s)", leaf->label);
		if (!label || !add_kid(s, leaf)) {
			free(label);
			goto oom;
		}
		free(leaf->label);
		leaf->label = label;
		for (int k = 0; k < par->n_kids; k++)
			if (par->kids[k] == leaf) {
				memmove(&par->kids[k], &par->kids[k + 1],
					(size_t)(par->n_kids - k - 1) * sizeof(*par->kids));
				par->n_kids--;
				break;
			}
	}
	/* Inner data edges per scope feed the signatures (kept in sig until sign()). */
	for (int e = 0; e < g->n_edges; e++) {
		vz_node *a = h->leaf[g->edges[e].src], *b = h->leaf[g->edges[e].dst];
		if (a && b && a->parent == b->parent && g->edges[e].kind != VZ_EDGE_CONTROL)
			a->parent->sig++;
	}
	sign(h, h->root);
	int next = 0;
	count_sigs(h->root, &sigs, false, &next);
	count_sigs(h->root, &sigs, true, &next);
	h->n_templates = next;
	for (size_t i = 0; i < scopes.cap; i++)
		if (scopes.slots[i].key && !register_group(h, scopes.slots[i].value))
			goto oom;
	if (!fold_all(h, h->root))
		goto oom;
	finish(h, h->root, 0);
	/* Out edges per op (the graph keeps in edges only). */
	h->out_start = calloc((size_t)g->n_ops + 1, sizeof(int));
	h->out_edge = malloc(((size_t)g->n_edges + 1) * sizeof(int));
	fill = calloc((size_t)g->n_ops + 1, sizeof(int));
	if (!h->out_start || !h->out_edge || !fill)
		goto oom;
	for (int e = 0; e < g->n_edges; e++)
		h->out_start[g->edges[e].src + 1]++;
	for (int i = 0; i < g->n_ops; i++)
		h->out_start[i + 1] += h->out_start[i];
	for (int e = 0; e < g->n_edges; e++) {
		int src = g->edges[e].src;
		h->out_edge[h->out_start[src] + fill[src]++] = e;
	}
	free(fill);
	fill = NULL;
	free(path);
	tfc__strmap_clear(&scopes);
	tfc__strmap_clear(&sigs);
	return h;
oom:
	free(path);
	free(fill);
	tfc__strmap_clear(&scopes);
	tfc__strmap_clear(&sigs);
	vz_hier_free(h);
	tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory grouping the graph");
	return NULL;
}

vz_node *vz_hier_group(const vz_hier *h, const char *name)
{
	void **slot = tfc__strmap_find(h->by_name, name);
	return slot ? *slot : NULL;
}

static void expand_rec(vz_node *n, int depth, bool series)
{
	if (n->kind == VZ_OP)
		return;
	if (n->level <= depth && (series || n->kind == VZ_SCOPE))
		n->expanded = true;
	for (int i = 0; i < n->n_kids; i++)
		expand_rec(n->kids[i], depth, series);
}

void vz_hier_expand_depth(vz_hier *h, int depth)
{
	expand_rec(h->root, depth, false);
}

void vz_hier_expand_all(vz_hier *h)
{
	expand_rec(h->root, 1 << 30, true);
}

void vz_hier_expand(vz_hier *h, const char *name, tfc_status *st)
{
	vz_node *n = vz_hier_group(h, name);
	if (!n) {
		if (vz_graph_find(h->graph, name) >= 0)
			tfc_status_set(st, TFC_INVALID_ARGUMENT,
				       "'%s' is an op, not a scope or series that can be expanded",
				       name);
		else
			tfc_status_set(st, TFC_NOT_FOUND, "no scope or series named '%s' in the graph",
				       name);
		return;
	}
	for (; n; n = n->parent)
		n->expanded = true;
	tfc_status_set(st, TFC_OK, " ");
}

void vz_hier_collapse(vz_hier *h, const char *name, tfc_status *st)
{
	vz_node *n = vz_hier_group(h, name);
	if (!n) {
		tfc_status_set(st, TFC_NOT_FOUND, "no scope or series named '%s' in the graph", name);
		return;
	}
	n->expanded = false;
	tfc_status_set(st, TFC_OK, " ");
}

void vz_hier_reveal_op(vz_hier *h, int op)
{
	vz_node *n = op >= 0 && op < h->graph->n_ops ? h->leaf[op] : NULL;
	for (n = n ? n->parent : NULL; n; n = n->parent)
		n->expanded = true;
}

static void aggregate(vz_hier *h, vz_node *n)
{
	if (n->kind == VZ_OP) {
		vz_op *op = &h->graph->ops[n->op];
		n->has_stats = op->has_stats;
		n->time_us = op->time_us;
		n->start_us = op->start_us;
		n->end_us = op->end_us;
		n->bytes = op->bytes;
		return;
	}
	n->has_stats = false;
	n->time_us = 0;
	n->bytes = 0;
	for (int i = 0; i < n->n_kids; i++) {
		vz_node *k = n->kids[i];
		aggregate(h, k);
		if (!k->has_stats)
			continue;
		if (!n->has_stats || k->start_us < n->start_us)
			n->start_us = k->start_us;
		if (!n->has_stats || k->end_us > n->end_us)
			n->end_us = k->end_us;
		n->has_stats = true;
		n->time_us += k->time_us;
		n->bytes += k->bytes;
	}
}

void vz_hier_aggregate(vz_hier *h)
{
	aggregate(h, h->root);
}

vz_node *vz_child_holding(const vz_node *g, vz_node *n)
{
	while (n && n->parent != g)
		n = n->parent;
	return n;
}

bool vz_node_visible(const vz_node *n)
{
	for (n = n->parent; n; n = n->parent)
		if (!n->expanded)
			return false;
	return true;
}
