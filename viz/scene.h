/*
 * scene.h: a laid-out hierarchy turned into a flat list of drawing primitives
 * (groups with a class and a title, rectangles, ellipses, paths, text) plus a
 * legend, in absolute px. Every renderer (SVG, cairo PNG/PDF) draws the same scene,
 * so the pictures agree. Every drawn op, series and scope opens with a VZ_BEGIN of
 * class "node", "series" or "scope" whose title is its full name (contract 4).
 */
#ifndef TFC_VIZ_SCENE_H
#define TFC_VIZ_SCENE_H

#include "hierarchy.h"
#include "style.h"

typedef enum vz_prim_kind {
	VZ_BEGIN, /* a group of primitives: cls, title (and expanded for groups) */
	VZ_END,
	VZ_RECT,
	VZ_ELLIPSE,
	VZ_PATH,
	VZ_TEXT
} vz_prim_kind;

typedef struct vz_prim {
	vz_prim_kind kind;
	const char *cls;  /* BEGIN: static class string */
	char *title;      /* BEGIN: full name (owned) */
	char *text;       /* TEXT: the text; shapes: tooltip or NULL (owned) */
	bool expanded;    /* BEGIN of an open group */
	double x, y, w, h; /* RECT/ELLIPSE box (top-left corner); TEXT anchor point */
	double rx;        /* RECT corner radius */
	vz_rgb fill, stroke;
	bool no_fill;
	double line_w;
	bool dashed;
	double *pts;      /* PATH: x,y pairs (owned); cubic bezier when bezier */
	int n_pts;
	bool bezier;
	int arrow;        /* PATH: 0 none, 1 at the end, 2 at the start */
	double size;      /* TEXT: font size in px */
	int anchor;       /* TEXT: 0 start, 1 middle, 2 end */
	bool bold;
} vz_prim;

typedef struct vz_scene {
	vz_prim *p;
	int n, cap;
	double width, height;
	bool oom;
} vz_scene;

/* The scene of a laid-out hierarchy coloured by style; caption (may be NULL) is
 * written under the legend. Caller frees. */
vz_scene *vz_scene_build(const vz_hier *h, const vz_style *style, const char *caption,
			 tfc_status *st);
void vz_scene_free(vz_scene *s);

/* Number of BEGINs of class cls (exact), for tests. */
int vz_scene_count(const vz_scene *s, const char *cls);

#endif /* TFC_VIZ_SCENE_H */
