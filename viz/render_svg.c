/*
 * render_svg.c: the scene as SVG, written by hand (render.h), and the helpers
 * shared by all outputs (format from extension, atomic buffer writes).
 */
#include "config.h"
#include "render.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

vz_format vz_format_from_path(const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (!dot || (slash && dot < slash))
		return VZ_FORMAT_UNKNOWN;
	if (strcasecmp(dot, ".svg") == 0)
		return VZ_FORMAT_SVG;
	if (strcasecmp(dot, ".png") == 0)
		return VZ_FORMAT_PNG;
	if (strcasecmp(dot, ".pdf") == 0)
		return VZ_FORMAT_PDF;
	if (strcasecmp(dot, ".dot") == 0 || strcasecmp(dot, ".gv") == 0)
		return VZ_FORMAT_DOT;
	return VZ_FORMAT_UNKNOWN;
}

void vz_write_buf(const vz_buf *b, const char *path, tfc_status *st)
{
	if (b->oom) {
		tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory writing %s", path);
		return;
	}
	tfc_write_file(path, b->data ? b->data : "", b->len, st);
}

static void color(vz_buf *o, const char *attr, vz_rgb c)
{
	vz_buf_printf(o, " %s=\"#%02x%02x%02x\"", attr, c.r, c.g, c.b);
}

/* Closes a shape element: with its tooltip as a nested <title>, or empty. */
static void close_shape(vz_buf *o, const char *el, const char *tip)
{
	if (!tip) {
		vz_buf_puts(o, "/>\n");
		return;
	}
	vz_buf_puts(o, "><title>");
	vz_buf_xml(o, tip);
	vz_buf_printf(o, "</title></%s>\n", el);
}

static void stroke(vz_buf *o, const vz_prim *p)
{
	color(o, "stroke", p->stroke);
	if (p->line_w != 1)
		vz_buf_printf(o, " stroke-width=\"%.2f\"", p->line_w);
	if (p->dashed)
		vz_buf_puts(o, " stroke-dasharray=\"3,2\"");
}

void vz_render_svg(const vz_scene *s, vz_buf *o)
{
	vz_buf_printf(o,
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<!-- Drawn by tfc-viz (%s) -->\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" "
		"height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Helvetica, "
		"Arial, sans-serif\">\n"
		"<defs>\n"
		"<marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
		"markerHeight=\"7\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" "
		"fill=\"#888888\"/></marker>\n"
		"<marker id=\"ref\" viewBox=\"0 0 10 10\" refX=\"1\" refY=\"5\" markerWidth=\"8\" "
		"markerHeight=\"8\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M10,0L0,5L10,10z\" "
		"fill=\"#ffb74d\"/></marker>\n"
		"</defs>\n"
		"<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
		PACKAGE_VERSION, s->width, s->height, s->width, s->height, s->width, s->height);
	for (int i = 0; i < s->n; i++) {
		const vz_prim *p = &s->p[i];
		switch (p->kind) {
		case VZ_BEGIN:
			vz_buf_printf(o, "<g class=\"%s\"%s><title>", p->cls,
				      p->expanded && strcmp(p->cls, "graph") ? " data-expanded=\"true\"" : "");
			vz_buf_xml(o, p->title);
			vz_buf_puts(o, "</title>\n");
			break;
		case VZ_END:
			vz_buf_puts(o, "</g>\n");
			break;
		case VZ_RECT:
			vz_buf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"",
				      p->x, p->y, p->w, p->h);
			if (p->rx > 0)
				vz_buf_printf(o, " rx=\"%.1f\"", p->rx);
			color(o, "fill", p->fill);
			stroke(o, p);
			close_shape(o, "rect", p->text);
			break;
		case VZ_ELLIPSE:
			vz_buf_printf(o, "<ellipse cx=\"%.1f\" cy=\"%.1f\" rx=\"%.1f\" ry=\"%.1f\"",
				      p->x + p->w / 2, p->y + p->h / 2, p->w / 2, p->h / 2);
			color(o, "fill", p->fill);
			stroke(o, p);
			close_shape(o, "ellipse", p->text);
			break;
		case VZ_PATH:
			if (p->n_pts < 2)
				break;
			vz_buf_printf(o, "<path d=\"M%.1f,%.1f", p->pts[0], p->pts[1]);
			if (p->bezier) {
				for (int k = 1; k + 2 < p->n_pts; k += 3)
					vz_buf_printf(o, " C%.1f,%.1f %.1f,%.1f %.1f,%.1f", p->pts[2 * k],
						      p->pts[2 * k + 1], p->pts[2 * k + 2], p->pts[2 * k + 3],
						      p->pts[2 * k + 4], p->pts[2 * k + 5]);
			} else {
				for (int k = 1; k < p->n_pts; k++)
					vz_buf_printf(o, " L%.1f,%.1f", p->pts[2 * k], p->pts[2 * k + 1]);
			}
			vz_buf_puts(o, "\" fill=\"none\"");
			stroke(o, p);
			if (p->arrow == 1)
				vz_buf_puts(o, " marker-end=\"url(#arrow)\"");
			else if (p->arrow == 2)
				vz_buf_puts(o, " marker-start=\"url(#ref)\"");
			close_shape(o, "path", p->text);
			break;
		case VZ_TEXT:
			vz_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\"%s%s", p->x, p->y,
				      p->size, p->anchor == 1 ? " text-anchor=\"middle\""
					       : p->anchor == 2 ? " text-anchor=\"end\"" : "",
				      p->bold ? " font-weight=\"bold\"" : "");
			color(o, "fill", p->fill);
			vz_buf_puts(o, ">");
			vz_buf_xml(o, p->text);
			vz_buf_puts(o, "</text>\n");
			break;
		}
	}
	vz_buf_puts(o, "</svg>\n");
}
