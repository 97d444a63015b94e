/*
 * prof_util.c: small helpers of the tfc-prof report library (trace/prof.h,
 * trace/prof_internal.h): growable strings with JSON escaping, atomic file writes,
 * time formatting, quantiles, hash tables by string and by id, op-type colours.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prof_internal.h"

void pf_buf_add(pf_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void pf_buf_puts(pf_buf *b, const char *s) { pf_buf_add(b, s, strlen(s)); }

void pf_buf_printf(pf_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		pf_buf_add(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	pf_buf_add(b, big, (size_t)n);
	free(big);
}

void pf_buf_json_string(pf_buf *b, const char *s)
{
	pf_buf_add(b, "\"", 1);
	const char *run = s;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		pf_buf_add(b, run, (size_t)(s - run));
		if (c == '"')
			pf_buf_add(b, "\\\"", 2);
		else if (c == '\\')
			pf_buf_add(b, "\\\\", 2);
		else if (c == '\n')
			pf_buf_add(b, "\\n", 2);
		else if (c == '\t')
			pf_buf_add(b, "\\t", 2);
		else
			pf_buf_printf(b, "\\u%04x", c);
		run = s + 1;
	}
	pf_buf_add(b, run, (size_t)(s - run));
	pf_buf_add(b, "\"", 1);
}

void pf_write_file(const char *path, const void *data, size_t len, tfc_status *st)
{
	/* tfc_write_file writes a temporary file beside path and renames it. */
	tfc_write_file(path, data, len, st);
}

void pf_fmt_us(double us, char *out, size_t n)
{
	if (us < 0)
		snprintf(out, n, "-");
	else if (us < 10)
		snprintf(out, n, "%.2fus", us);
	else if (us < 1000)
		snprintf(out, n, "%.1fus", us);
	else if (us < 1e6)
		snprintf(out, n, "%.3fms", us / 1e3);
	else
		snprintf(out, n, "%.3fs", us / 1e6);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double pf_quantile(double *v, int64_t n, double q)
{
	if (n <= 0)
		return 0;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	double pos = q * (double)(n - 1);
	int64_t i = (int64_t)floor(pos);
	if (i >= n - 1)
		return v[n - 1];
	double f = pos - (double)i;
	return v[i] + (v[i + 1] - v[i]) * f;
}

/* ---------------------------------------------------------------- hash tables */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static uint64_t hash_id(int64_t k)
{
	uint64_t x = (uint64_t)k;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

int32_t pf_strtab_get(const pf_strtab *t, const char *key)
{
	if (!t->cap)
		return -1;
	for (size_t i = hash_str(key) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (!t->keys[i])
			return -1;
		if (strcmp(t->keys[i], key) == 0)
			return t->vals[i];
	}
}

bool pf_strtab_put(pf_strtab *t, const char *key, int32_t val)
{
	if ((t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		const char **keys = calloc(cap, sizeof(*keys));
		int32_t *vals = calloc(cap, sizeof(*vals));
		if (!keys || !vals) {
			free(keys);
			free(vals);
			return false;
		}
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->keys[i])
				continue;
			size_t j = hash_str(t->keys[i]) & (cap - 1);
			while (keys[j])
				j = (j + 1) & (cap - 1);
			keys[j] = t->keys[i];
			vals[j] = t->vals[i];
		}
		free(t->keys);
		free(t->vals);
		t->keys = keys;
		t->vals = vals;
		t->cap = cap;
	}
	size_t i = hash_str(key) & (t->cap - 1);
	while (t->keys[i] && strcmp(t->keys[i], key) != 0)
		i = (i + 1) & (t->cap - 1);
	if (!t->keys[i])
		t->n++;
	t->keys[i] = key;
	t->vals[i] = val;
	return true;
}

void pf_strtab_clear(pf_strtab *t)
{
	free(t->keys);
	free(t->vals);
	memset(t, 0, sizeof(*t));
}

/* Key INT64_MIN marks an empty slot. */
int32_t pf_idtab_get(const pf_idtab *t, int64_t key)
{
	if (!t->cap)
		return -1;
	for (size_t i = hash_id(key) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (t->keys[i] == INT64_MIN)
			return -1;
		if (t->keys[i] == key)
			return t->vals[i];
	}
}

bool pf_idtab_put(pf_idtab *t, int64_t key, int32_t val)
{
	if ((t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		int64_t *keys = malloc(cap * sizeof(*keys));
		int32_t *vals = malloc(cap * sizeof(*vals));
		if (!keys || !vals) {
			free(keys);
			free(vals);
			return false;
		}
		for (size_t i = 0; i < cap; i++)
			keys[i] = INT64_MIN;
		for (size_t i = 0; i < t->cap; i++) {
			if (t->keys[i] == INT64_MIN)
				continue;
			size_t j = hash_id(t->keys[i]) & (cap - 1);
			while (keys[j] != INT64_MIN)
				j = (j + 1) & (cap - 1);
			keys[j] = t->keys[i];
			vals[j] = t->vals[i];
		}
		free(t->keys);
		free(t->vals);
		t->keys = keys;
		t->vals = vals;
		t->cap = cap;
	}
	size_t i = hash_id(key) & (t->cap - 1);
	while (t->keys[i] != INT64_MIN && t->keys[i] != key)
		i = (i + 1) & (t->cap - 1);
	if (t->keys[i] == INT64_MIN)
		t->n++;
	t->keys[i] = key;
	t->vals[i] = val;
	return true;
}

void pf_idtab_clear(pf_idtab *t)
{
	free(t->keys);
	free(t->vals);
	memset(t, 0, sizeof(*t));
}

/* ---------------------------------------------------------------- colours */

void pf_op_colour(const char *op, double *r, double *g, double *b)
{
	/* A hue from the name's hash, moderate saturation and lightness (HSL -> RGB). */
	double h = (double)(hash_str(op ? op : "") % 360u) / 60.0, s = 0.55, l = 0.62;
	double c = (1 - fabs(2 * l - 1)) * s, x = c * (1 - fabs(fmod(h, 2) - 1)), m = l - c / 2;
	double rr = 0, gg = 0, bb = 0;
	if (h < 1) { rr = c; gg = x; }
	else if (h < 2) { rr = x; gg = c; }
	else if (h < 3) { gg = c; bb = x; }
	else if (h < 4) { gg = x; bb = c; }
	else if (h < 5) { rr = x; bb = c; }
	else { rr = c; bb = x; }
	*r = rr + m;
	*g = gg + m;
	*b = bb + m;
}
