/*
 * style.h: fill colours and legends for tfc-viz's colour modes: structure (same
 * template, same hue: TensorBoard's 10-hue cycle), op type, device (the one an op
 * ran on when traced, else the one it asked for), and the white-to-red ramps of
 * compute time and memory from a trace.
 */
#ifndef TFC_VIZ_STYLE_H
#define TFC_VIZ_STYLE_H

#include "hierarchy.h"

typedef enum vz_color_by {
	VZ_COLOR_STRUCTURE = 0,
	VZ_COLOR_OP,
	VZ_COLOR_DEVICE,
	VZ_COLOR_TIME,
	VZ_COLOR_MEMORY
} vz_color_by;

/* "structure", "op", "device", "compute_time", "memory"; -1 when unknown. */
int vz_color_by_parse(const char *s);
const char *vz_color_by_name(vz_color_by c);

typedef struct vz_rgb {
	unsigned char r, g, b;
} vz_rgb;

typedef struct vz_legend_item {
	char *label; /* owned */
	vz_rgb fill;
} vz_legend_item;

typedef struct vz_style {
	vz_color_by by;
	double max_value;       /* ramp top (time in µs or bytes) */
	char *title;            /* legend title (owned) */
	int n_items;            /* categorical legend entries (the ramp has none) */
	vz_legend_item *items;  /* owned */
	void *cats;             /* category -> colour index (internal) */
} vz_style;

/* Colours for the visible nodes of h (laid out or not). Caller frees. */
vz_style *vz_style_new(const vz_hier *h, vz_color_by by, tfc_status *st);
void vz_style_free(vz_style *s);

/* The fill of node n. */
vz_rgb vz_style_fill(const vz_style *s, const vz_hier *h, const vz_node *n);
/* Ramp colour for t in [0, 1]: #fff5f0 to #fb6a4a. */
vz_rgb vz_ramp(double t);
/* A darker shade for borders. */
vz_rgb vz_darker(vz_rgb c);

#endif /* TFC_VIZ_STYLE_H */
