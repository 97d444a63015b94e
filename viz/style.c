/*
 * style.c: the colour modes of style.h. Categories (op types, devices, templates)
 * are counted over the visible items, most frequent first; the 12 most frequent get
 * their own colour and a legend entry, the rest share "other".
 */
#include "style.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "strbuf.h"

#define N_PALETTE 12
static const vz_rgb palette[N_PALETTE] = {
	{0x8d, 0xd3, 0xc7}, {0xff, 0xff, 0xb3}, {0xbe, 0xba, 0xda}, {0xfb, 0x80, 0x72},
	{0x80, 0xb1, 0xd3}, {0xfd, 0xb4, 0x62}, {0xb3, 0xde, 0x69}, {0xfc, 0xcd, 0xe5},
	{0xbc, 0x80, 0xbd}, {0xcc, 0xeb, 0xc5}, {0xff, 0xed, 0x6f}, {0x9e, 0xca, 0xe1},
};
static const vz_rgb gray = {0xd9, 0xd9, 0xd9}, white = {0xff, 0xff, 0xff};
/* TensorBoard's structure hues, in order. */
static const int hues[10] = {220, 100, 180, 40, 20, 340, 260, 300, 140, 60};

static const char *const names[] = {"structure", "op", "device", "compute_time", "memory"};

int vz_color_by_parse(const char *s)
{
	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

const char *vz_color_by_name(vz_color_by c)
{
	return (int)c >= 0 && (int)c < 5 ? names[c] : "?";
}

static vz_rgb hsl(double h, double s, double l)
{
	double c = (1 - fabs(2 * l - 1)) * s, hp = h / 60.0;
	double x = c * (1 - fabs(fmod(hp, 2) - 1)), m = l - c / 2, r = 0, g = 0, b = 0;
	if (hp < 1) { r = c; g = x; }
	else if (hp < 2) { r = x; g = c; }
	else if (hp < 3) { g = c; b = x; }
	else if (hp < 4) { g = x; b = c; }
	else if (hp < 5) { r = x; b = c; }
	else { r = c; b = x; }
	vz_rgb o = {(unsigned char)lround((r + m) * 255), (unsigned char)lround((g + m) * 255),
		    (unsigned char)lround((b + m) * 255)};
	return o;
}

vz_rgb vz_ramp(double t)
{
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	vz_rgb o = {(unsigned char)lround(0xff + t * (0xfb - 0xff)),
		    (unsigned char)lround(0xf5 + t * (0x6a - 0xf5)),
		    (unsigned char)lround(0xf0 + t * (0x4a - 0xf0))};
	return o;
}

vz_rgb vz_darker(vz_rgb c)
{
	vz_rgb o = {(unsigned char)(c.r * 0.6), (unsigned char)(c.g * 0.6), (unsigned char)(c.b * 0.6)};
	return o;
}

/* The category of an op under the mode. */
static const char *op_category(const vz_style *s, const vz_op *op)
{
	if (s->by == VZ_COLOR_OP)
		return op->type;
	const char *d = op->placed && *op->placed ? op->placed : op->device;
	return d && *d ? d : "(no device)";
}

struct cat {
	const char *name;
	long count;
};

static int cmp_cat(const void *a, const void *b)
{
	const struct cat *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void count_visible(const vz_style *s, const vz_hier *h, const vz_node *n,
			  struct tfc__strmap *counts, double *maxv, bool visible)
{
	if (n->parent && visible) {
		double v = s->by == VZ_COLOR_TIME ? n->time_us : (double)n->bytes;
		if (n->has_stats && v > *maxv)
			*maxv = v;
	}
	if (n->kind == VZ_OP) {
		void **slot = tfc__strmap_put(counts, op_category(s, &h->graph->ops[n->op]));
		if (slot)
			*slot = (void *)((intptr_t)*slot + 1);
		return;
	}
	for (int i = 0; i < n->n_kids; i++)
		count_visible(s, h, n->kids[i], counts, maxv, visible && n->expanded);
}

/* The first drawn group of each hue, how many drawn groups use it, and whether a
 * drawn group has no template. */
static void template_examples(const vz_node *n, const vz_node **first, int *uses, bool *unique)
{
	if (n->kind == VZ_OP)
		return;
	if (n->parent) {
		if (n->tmpl >= 0) {
			int k = n->tmpl % 10;
			if (!first[k])
				first[k] = n;
			uses[k]++;
		} else {
			*unique = true;
		}
	}
	if (n->expanded)
		for (int i = 0; i < n->n_kids; i++)
			template_examples(n->kids[i], first, uses, unique);
}

vz_style *vz_style_new(const vz_hier *h, vz_color_by by, tfc_status *st)
{
	vz_style *s = calloc(1, sizeof(*s));
	struct tfc__strmap counts;
	struct cat *cats = NULL;
	tfc__strmap_init(&counts, false);
	if (!s)
		goto oom;
	s->by = by;
	s->cats = calloc(1, sizeof(struct tfc__strmap));
	if (!s->cats)
		goto oom;
	tfc__strmap_init(s->cats, false);
	count_visible(s, h, h->root, &counts, &s->max_value, true);
	if (by == VZ_COLOR_TIME || by == VZ_COLOR_MEMORY) {
		s->title = by == VZ_COLOR_TIME ? vz_strdup("compute time (\xc2\xb5s)")
					       : vz_strdup("memory (bytes)");
		tfc__strmap_clear(&counts);
		return s;
	}
	if (by == VZ_COLOR_STRUCTURE) {
		/* One entry per hue the drawn groups use, named after its first group. */
		const vz_node *first[10] = {0};
		int uses[10] = {0};
		bool unique = false;
		template_examples(h->root, first, uses, &unique);
		s->title = vz_strdup("structure");
		s->items = calloc(11, sizeof(*s->items));
		if (!s->items)
			goto oom;
		for (int i = 0; i < 10; i++) {
			if (!first[i])
				continue;
			vz_legend_item *it = &s->items[s->n_items++];
			it->label = uses[i] > 1 ? vz_asprintf("same structure as %s (%d)", first[i]->label,
							      uses[i])
						: vz_asprintf("same structure as %s", first[i]->label);
			it->fill = hsl(hues[i], 0.6, 0.85);
		}
		if (unique) {
			s->items[s->n_items].label = vz_strdup("unique structure");
			s->items[s->n_items++].fill = gray;
		}
		tfc__strmap_clear(&counts);
		return s;
	}
	s->title = vz_strdup(by == VZ_COLOR_OP ? "op type" : "device");
	size_t n = 0;
	cats = calloc(counts.size + 1, sizeof(*cats));
	if (!cats)
		goto oom;
	for (size_t i = 0; i < counts.cap; i++)
		if (counts.slots[i].key) {
			cats[n].name = counts.slots[i].key;
			cats[n].count = (long)(intptr_t)counts.slots[i].value;
			n++;
		}
	qsort(cats, n, sizeof(*cats), cmp_cat);
	size_t shown = n > N_PALETTE ? N_PALETTE : n;
	s->items = calloc(shown + 1, sizeof(*s->items));
	if (!s->items)
		goto oom;
	for (size_t i = 0; i < shown; i++) {
		*tfc__strmap_put(s->cats, cats[i].name) = (void *)(intptr_t)(i + 1);
		s->items[i].label = vz_asprintf("%s (%ld)", cats[i].name, cats[i].count);
		s->items[i].fill = palette[i];
	}
	s->n_items = (int)shown;
	if (n > shown) {
		long rest = 0;
		for (size_t i = shown; i < n; i++)
			rest += cats[i].count;
		s->items[shown].label = vz_asprintf("other (%ld)", rest);
		s->items[shown].fill = gray;
		s->n_items++;
	}
	free(cats);
	tfc__strmap_clear(&counts);
	return s;
oom:
	free(cats);
	tfc__strmap_clear(&counts);
	vz_style_free(s);
	tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory choosing colours");
	return NULL;
}

void vz_style_free(vz_style *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n_items; i++)
		free(s->items[i].label);
	free(s->items);
	free(s->title);
	if (s->cats) {
		tfc__strmap_clear(s->cats);
		free(s->cats);
	}
	free(s);
}

static vz_rgb cat_fill(const vz_style *s, const char *cat)
{
	void **slot = tfc__strmap_find(s->cats, cat);
	return slot ? palette[(intptr_t)*slot - 1] : gray;
}

/* The most common category below group n. */
static void tally(const vz_style *s, const vz_hier *h, const vz_node *n,
		  struct tfc__strmap *m, const char **best, long *best_n)
{
	if (n->kind == VZ_OP) {
		const char *c = op_category(s, &h->graph->ops[n->op]);
		void **slot = tfc__strmap_put(m, c);
		if (!slot)
			return;
		*slot = (void *)((intptr_t)*slot + 1);
		if ((long)(intptr_t)*slot > *best_n) {
			*best_n = (long)(intptr_t)*slot;
			*best = c;
		}
		return;
	}
	for (int i = 0; i < n->n_kids; i++)
		tally(s, h, n->kids[i], m, best, best_n);
}

vz_rgb vz_style_fill(const vz_style *s, const vz_hier *h, const vz_node *n)
{
	switch (s->by) {
	case VZ_COLOR_STRUCTURE:
		if (n->kind == VZ_OP)
			return white;
		return n->tmpl >= 0 ? hsl(hues[n->tmpl % 10], 0.6, 0.85) : gray;
	case VZ_COLOR_OP:
		if (n->kind == VZ_OP)
			return cat_fill(s, h->graph->ops[n->op].type);
		return gray;
	case VZ_COLOR_DEVICE: {
		if (n->kind == VZ_OP)
			return cat_fill(s, op_category(s, &h->graph->ops[n->op]));
		struct tfc__strmap m;
		const char *best = NULL;
		long best_n = 0;
		tfc__strmap_init(&m, false);
		tally(s, h, n, &m, &best, &best_n);
		vz_rgb c = best ? cat_fill(s, best) : gray;
		tfc__strmap_clear(&m);
		return c;
	}
	case VZ_COLOR_TIME:
	case VZ_COLOR_MEMORY: {
		if (!n->has_stats || s->max_value <= 0)
			return white;
		double v = s->by == VZ_COLOR_TIME ? n->time_us : (double)n->bytes;
		return vz_ramp(v / s->max_value);
	}
	}
	return gray;
}
