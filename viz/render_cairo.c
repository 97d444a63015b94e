/*
 * render_cairo.c: the scene drawn with cairo, text laid out with pango, into PNG or
 * PDF files (render.h). The file is written under a temporary name in the same
 * folder and renamed into place only when complete.
 */
#include "render.h"

/* 10^8 pixels: 400 MB of image in memory at most. */
#define VZ_PNG_MAX_PIXELS 1e8

#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void set_rgb(cairo_t *cr, vz_rgb c)
{
	cairo_set_source_rgb(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0);
}

static void stroke_style(cairo_t *cr, const vz_prim *p)
{
	static const double dash[2] = {3, 2};
	cairo_set_line_width(cr, p->line_w);
	cairo_set_dash(cr, dash, p->dashed ? 2 : 0, 0);
	set_rgb(cr, p->stroke);
}

static void rounded(cairo_t *cr, double x, double y, double w, double h, double r)
{
	if (r <= 0) {
		cairo_rectangle(cr, x, y, w, h);
		return;
	}
	cairo_new_sub_path(cr);
	cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
	cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
	cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
	cairo_arc(cr, x + r, y + r, r, M_PI, 3 * M_PI / 2);
	cairo_close_path(cr);
}

/* A filled arrowhead at (x, y) pointing away from (fx, fy). */
static void arrowhead(cairo_t *cr, double fx, double fy, double x, double y, vz_rgb c)
{
	double dx = x - fx, dy = y - fy, len = hypot(dx, dy);
	if (len < 1e-6)
		return;
	dx /= len;
	dy /= len;
	cairo_move_to(cr, x, y);
	cairo_line_to(cr, x - 7 * dx + 3.5 * dy, y - 7 * dy - 3.5 * dx);
	cairo_line_to(cr, x - 7 * dx - 3.5 * dy, y - 7 * dy + 3.5 * dx);
	cairo_close_path(cr);
	set_rgb(cr, c);
	cairo_fill(cr);
}

static void draw(cairo_t *cr, const vz_scene *s)
{
	PangoLayout *pl = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_from_string("Sans");
	double cur_size = -1;
	bool cur_bold = false;
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	for (int i = 0; i < s->n; i++) {
		const vz_prim *p = &s->p[i];
		switch (p->kind) {
		case VZ_BEGIN:
		case VZ_END:
			break;
		case VZ_RECT:
		case VZ_ELLIPSE:
			if (p->kind == VZ_RECT) {
				rounded(cr, p->x, p->y, p->w, p->h, p->rx);
			} else {
				cairo_save(cr);
				cairo_translate(cr, p->x + p->w / 2, p->y + p->h / 2);
				cairo_scale(cr, p->w / 2, p->h / 2);
				cairo_new_sub_path(cr);
				cairo_arc(cr, 0, 0, 1, 0, 2 * M_PI);
				cairo_restore(cr);
			}
			set_rgb(cr, p->fill);
			cairo_fill_preserve(cr);
			stroke_style(cr, p);
			cairo_stroke(cr);
			break;
		case VZ_PATH: {
			if (p->n_pts < 2)
				break;
			const double *q = p->pts;
			cairo_move_to(cr, q[0], q[1]);
			if (p->bezier) {
				for (int k = 1; k + 2 < p->n_pts; k += 3)
					cairo_curve_to(cr, q[2 * k], q[2 * k + 1], q[2 * k + 2], q[2 * k + 3],
						       q[2 * k + 4], q[2 * k + 5]);
			} else {
				for (int k = 1; k < p->n_pts; k++)
					cairo_line_to(cr, q[2 * k], q[2 * k + 1]);
			}
			stroke_style(cr, p);
			cairo_stroke(cr);
			int n = p->n_pts;
			if (p->arrow == 1)
				arrowhead(cr, q[2 * n - 4], q[2 * n - 3], q[2 * n - 2], q[2 * n - 1], p->stroke);
			else if (p->arrow == 2)
				arrowhead(cr, q[2], q[3], q[0], q[1], p->stroke);
			break;
		}
		case VZ_TEXT: {
			if (p->size != cur_size || p->bold != cur_bold) {
				pango_font_description_set_absolute_size(fd, p->size * PANGO_SCALE);
				pango_font_description_set_weight(fd, p->bold ? PANGO_WEIGHT_BOLD
									      : PANGO_WEIGHT_NORMAL);
				pango_layout_set_font_description(pl, fd);
				cur_size = p->size;
				cur_bold = p->bold;
			}
			pango_layout_set_text(pl, p->text, -1);
			int w, h;
			pango_layout_get_pixel_size(pl, &w, &h);
			double base = pango_layout_get_baseline(pl) / (double)PANGO_SCALE;
			set_rgb(cr, p->fill);
			cairo_move_to(cr, p->x - (p->anchor == 1 ? w / 2.0 : p->anchor == 2 ? w : 0),
				      p->y - base);
			pango_cairo_show_layout(cr, pl);
			break;
		}
		}
	}
	pango_font_description_free(fd);
	g_object_unref(pl);
}

/* A fresh temporary name beside path (caller frees), the file created empty with
 * the permissions a new file gets (0666 less the umask). */
static char *temp_beside(const char *path, tfc_status *st)
{
	for (int attempt = 0; attempt < 100; attempt++) {
		char *t = vz_asprintf("%s.tmp-%ld-%d", path, (long)getpid(), attempt);
		if (!t) {
			tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
			return NULL;
		}
		int fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0) {
			close(fd);
			return t;
		}
		free(t);
		if (errno != EEXIST) {
			tfc_status_set(st, errno == ENOENT ? TFC_NOT_FOUND : TFC_PERMISSION_DENIED,
				       "%s: cannot create the output file: %s", path, strerror(errno));
			return NULL;
		}
	}
	tfc_status_set(st, TFC_ALREADY_EXISTS, "%s: no free temporary name beside it", path);
	return NULL;
}

void vz_render_cairo(const vz_scene *s, vz_format fmt, const char *path, double scale,
		     tfc_status *st)
{
	cairo_surface_t *surf = NULL;
	cairo_t *cr = NULL;
	cairo_status_t cs;
	char *tmp = temp_beside(path, st);
	if (!tmp)
		return;
	double w = s->width, h = s->height;
	if (fmt == VZ_FORMAT_PNG) {
		double k = scale > 0 ? scale : 1;
		if (w * k > 32000)
			k = 32000 / w;
		if (h * k > 32000)
			k = 32000 / h;
		if (w * k * h * k > VZ_PNG_MAX_PIXELS)
			k = sqrt(VZ_PNG_MAX_PIXELS / (w * h));
		surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(w * k),
						  (int)ceil(h * k));
		scale = k;
	} else {
		double k = scale > 0 ? scale : 1;
		if (w * k > 14400)
			k = 14400 / w;
		if (h * k > 14400)
			k = 14400 / h;
		surf = cairo_pdf_surface_create(tmp, w * k, h * k);
		scale = k;
	}
	cs = cairo_surface_status(surf);
	if (cs != CAIRO_STATUS_SUCCESS)
		goto cairo_error;
	cr = cairo_create(surf);
	cairo_scale(cr, scale, scale);
	draw(cr, s);
	cs = cairo_status(cr);
	if (cs != CAIRO_STATUS_SUCCESS)
		goto cairo_error;
	cairo_destroy(cr);
	cr = NULL;
	if (fmt == VZ_FORMAT_PNG)
		cs = cairo_surface_write_to_png(surf, tmp);
	else {
		cairo_surface_finish(surf);
		cs = cairo_surface_status(surf);
	}
	if (cs != CAIRO_STATUS_SUCCESS)
		goto cairo_error;
	cairo_surface_destroy(surf);
	surf = NULL;
	if (rename(tmp, path) != 0) {
		tfc_status_set(st, TFC_PERMISSION_DENIED, "%s: cannot rename the output into place: %s",
			       path, strerror(errno));
		goto cleanup;
	}
	tfc_status_set(st, TFC_OK, " ");
	goto cleanup;
cairo_error:
	tfc_status_set(st, TFC_INTERNAL, "%s: cairo: %s", path, cairo_status_to_string(cs));
cleanup:
	if (cr)
		cairo_destroy(cr);
	if (surf)
		cairo_surface_destroy(surf);
	if (tfc_status_code(st) != TFC_OK)
		unlink(tmp);
	free(tmp);
}
