/*
 * render.h: tfc-viz's outputs. SVG is written by our own code from the scene (the
 * structure of contract 4: <g class="node|series|scope"><title>full name</title>,
 * tooltips as nested <title>s of the shapes, labels as <text>); PNG and PDF are the
 * same scene drawn with cairo and pango; DOT is the visible hierarchy as Graphviz
 * clusters, for people who want to lay it out themselves.
 *
 * File writers are atomic: the output appears complete (temp file in the same folder,
 * then rename) or not at all.
 */
#ifndef TFC_VIZ_RENDER_H
#define TFC_VIZ_RENDER_H

#include "layout.h"
#include "scene.h"
#include "strbuf.h"
#include "style.h"

typedef enum vz_format {
	VZ_FORMAT_UNKNOWN = 0,
	VZ_FORMAT_SVG,
	VZ_FORMAT_PNG,
	VZ_FORMAT_PDF,
	VZ_FORMAT_DOT
} vz_format;

/* The format named by a file's extension (case-insensitive). */
vz_format vz_format_from_path(const char *path);

/* Appends the scene as a standalone SVG document to out. */
void vz_render_svg(const vz_scene *s, vz_buf *out);

/* Appends the visible hierarchy of h (expansion as set, bundles from the layout) as
 * a DOT digraph. */
void vz_render_dot(const vz_hier *h, const vz_style *style, vz_rankdir dir, vz_buf *out);

/* Draws the scene into a PNG or PDF file at path. PNGs are scaled by `scale`, then
 * shrunk as needed to stay within 32,000 px a side and 10^8 pixels; PDFs are shrunk
 * to pages of at most 14,400 pt. */
void vz_render_cairo(const vz_scene *s, vz_format fmt, const char *path, double scale,
		     tfc_status *st);

/* Writes buf to path atomically. */
void vz_write_buf(const vz_buf *b, const char *path, tfc_status *st);

#endif /* TFC_VIZ_RENDER_H */
