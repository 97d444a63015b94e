/*
 * strbuf.c: the growable text buffer of strbuf.h, with XML and DOT escaping.
 */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vz_buf_init(vz_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void vz_buf_release(vz_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static bool reserve(vz_buf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void vz_buf_add(vz_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void vz_buf_puts(vz_buf *b, const char *s)
{
	vz_buf_add(b, s, strlen(s));
}

void vz_buf_printf(vz_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		vz_buf_add(b, small, (size_t)n);
		return;
	}
	if (!reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void vz_buf_xml(vz_buf *b, const char *s)
{
	const char *run = s;
	for (; *s; s++) {
		const char *rep = NULL;
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		case '\n': rep = "&#10;"; break;
		default:
			if (c < 0x20 && c != '\t')
				rep = "?";
		}
		if (rep) {
			vz_buf_add(b, run, (size_t)(s - run));
			vz_buf_puts(b, rep);
			run = s + 1;
		}
	}
	vz_buf_add(b, run, (size_t)(s - run));
}

void vz_buf_dotq(vz_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			vz_buf_add(b, "\\", 1);
		if (*s == '\n') {
			vz_buf_puts(b, "\\n");
			continue;
		}
		vz_buf_add(b, s, 1);
	}
}

char *vz_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *vz_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *p = NULL;
	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		p = NULL;
	va_end(ap);
	return p;
}
