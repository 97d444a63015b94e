/*
 * strbuf.h: a growable byte buffer for tfc-viz's text outputs (SVG, DOT): printf-style
 * appends and XML escaping. Not thread-safe; one buffer per writer.
 */
#ifndef TFC_VIZ_STRBUF_H
#define TFC_VIZ_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct vz_buf {
	char *data; /* NUL-terminated; owned by the buffer */
	size_t len, cap;
	bool oom;   /* an allocation failed: the contents are incomplete */
} vz_buf;

void vz_buf_init(vz_buf *b);
/* Releases the storage; b may be reused after vz_buf_init. */
void vz_buf_release(vz_buf *b);
void vz_buf_add(vz_buf *b, const char *s, size_t n);
void vz_buf_puts(vz_buf *b, const char *s);
void vz_buf_printf(vz_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s with &, <, >, " and ' escaped and control characters replaced by '?'. */
void vz_buf_xml(vz_buf *b, const char *s);
/* Appends s as the body of a DOT double-quoted string. */
void vz_buf_dotq(vz_buf *b, const char *s);

/* A malloc'ed copy of s (NULL when s is NULL or memory runs out). */
char *vz_strdup(const char *s);
/* A malloc'ed printf result. */
char *vz_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* TFC_VIZ_STRBUF_H */
