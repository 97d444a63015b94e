/*
 * test_viz_hierarchy.c: tfc-viz's grouping on small graphs built for it: the
 * name-scope example of the TensorFlow guide (groups outer, outer/inner,
 * outer/inner_1), op+scope names, series folding of numbered ops and of numbered
 * same-structure scopes (with TensorBoard's minimum of 5), templates, auxiliary-node
 * extraction (NoOps, the quartile rule), bundled edges (data, control, reference,
 * labels and widths), expanding and collapsing as seen in the drawn titles.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "bundle.h"
#include "hierarchy.h"
#include "layout.h"
#include "scene.h"
#include "style.h"
#include "strbuf.h"
#include "vgraph.h"

static vz_graph *parse(const char *text)
{
	tfc_status *st = tfc_status_new();
	vz_graph *g = vz_graph_from_bytes(text, strlen(text), st);
	if (!g)
		diag("parse failed: %s", tfc_status_message(st));
	tfc_status_free(st);
	return g;
}

/* "node { name: N op: T input: ... }" pieces. */
static void node(vz_buf *b, const char *name, const char *op, const char *inputs)
{
	vz_buf_printf(b, "node { name: \"%s\" op: \"%s\"", name, op);
	if (inputs) {
		char *copy = strdup(inputs), *save = NULL;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
			vz_buf_printf(b, " input: \"%s\"", t);
		free(copy);
	}
	vz_buf_puts(b, " }\n");
}

/* Does the scene draw an item of class cls titled title? */
static bool drawn(const vz_scene *s, const char *cls, const char *title)
{
	for (int i = 0; i < s->n; i++)
		if (s->p[i].kind == VZ_BEGIN && strcmp(s->p[i].cls, cls) == 0 &&
		    strcmp(s->p[i].title, title) == 0)
			return true;
	return false;
}

static vz_scene *draw(vz_hier *h)
{
	tfc_status *st = tfc_status_new();
	vz_scene *s = NULL;
	vz_layout_tree(h, VZ_RANK_BT, st);
	vz_style *style = tfc_status_code(st) == TFC_OK ? vz_style_new(h, VZ_COLOR_STRUCTURE, st) : NULL;
	if (style)
		s = vz_scene_build(h, style, NULL, st);
	if (!s)
		diag("draw failed: %s", tfc_status_message(st));
	vz_style_free(style);
	tfc_status_free(st);
	return s;
}

static void test_name_scopes(void)
{
	const char *text =
		"node { name: 'c' op: 'Const' attr { key: 'dtype' value { type: DT_INT32 } }"
		" attr { key: 'value' value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 0 } } } }\n"
		"node { name: 'c_1' op: 'Const' attr { key: 'dtype' value { type: DT_INT32 } }"
		" attr { key: 'value' value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 2 } } } }\n"
		"node { name: 'outer/c' op: 'Const' attr { key: 'dtype' value { type: DT_INT32 } }"
		" attr { key: 'value' value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 2 } } } }\n"
		"node { name: 'outer/inner/c' op: 'Const' attr { key: 'dtype' value { type: DT_INT32 } }"
		" attr { key: 'value' value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 3 } } } }\n"
		"node { name: 'outer/c_1' op: 'Const' attr { key: 'dtype' value { type: DT_INT32 } }"
		" attr { key: 'value' value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 4 } } } }\n"
		"node { name: 'outer/inner_1/c' op: 'Const' attr { key: 'dtype' value { type: DT_INT32 } }"
		" attr { key: 'value' value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 5 } } } }\n";
	tfc_status *st = tfc_status_new();
	vz_graph *g = parse(text);
	ok(g != NULL, "the name-scope example parses");
	if (!g) {
		tfc_status_free(st);
		return;
	}
	vz_hier *h = vz_hier_new(g, NULL, st);
	ok(h != NULL, "it groups");
	vz_node *outer = vz_hier_group(h, "outer"), *inner = vz_hier_group(h, "outer/inner"),
		*inner1 = vz_hier_group(h, "outer/inner_1");
	ok(outer && outer->kind == VZ_SCOPE, "group outer");
	ok(inner && inner->kind == VZ_SCOPE && inner->parent == outer, "group outer/inner, inside outer");
	ok(inner1 && inner1->kind == VZ_SCOPE && inner1->parent == outer, "group outer/inner_1, inside outer");
	is_int(h->root->n_kids, 3, "top level: c, c_1 and outer");
	is_int(outer ? outer->n_ops : 0, 4, "outer holds 4 ops");
	is_int(h->n_groups, 3, "three groups in all");
	ok(inner && inner1 && inner->tmpl >= 0 && inner->tmpl == inner1->tmpl,
	   "outer/inner and outer/inner_1 share a template (same structure)");
	ok(vz_hier_group(h, "c") == NULL, "an op is no group");

	/* Collapsed (default): outer is drawn, the ops inside it are not. */
	vz_hier_expand_depth(h, 0);
	vz_scene *s = draw(h);
	ok(s && drawn(s, "scope", "outer") && drawn(s, "node", "c") && drawn(s, "node", "c_1"),
	   "collapsed: outer, c and c_1 drawn");
	ok(s && !drawn(s, "node", "outer/c") && !drawn(s, "scope", "outer/inner"),
	   "collapsed: nothing inside outer drawn");
	vz_scene_free(s);

	/* Expanding outer shows its items, inner groups still closed. */
	vz_hier_expand(h, "outer", st);
	is_int(tfc_status_code(st), TFC_OK, "expand outer");
	s = draw(h);
	ok(s && drawn(s, "node", "outer/c") && drawn(s, "node", "outer/c_1") &&
	   drawn(s, "scope", "outer/inner") && drawn(s, "scope", "outer/inner_1"),
	   "outer open: outer/c, outer/c_1, outer/inner, outer/inner_1 drawn");
	ok(s && !drawn(s, "node", "outer/inner/c"), "outer/inner still closed");
	vz_scene_free(s);

	/* Expanding a nested group opens the groups around it. */
	vz_hier_collapse(h, "outer", st);
	vz_hier_expand(h, "outer/inner_1", st);
	s = draw(h);
	ok(s && drawn(s, "node", "outer/inner_1/c") && !drawn(s, "node", "outer/inner/c"),
	   "expanding outer/inner_1 opens outer too, outer/inner stays closed");
	vz_scene_free(s);
	vz_hier_collapse(h, "outer/inner_1", st);
	s = draw(h);
	ok(s && !drawn(s, "node", "outer/inner_1/c") && drawn(s, "scope", "outer/inner_1"),
	   "collapsing outer/inner_1 hides its op again");
	vz_scene_free(s);

	vz_hier_expand(h, "nope", st);
	is_int(tfc_status_code(st), TFC_NOT_FOUND, "expanding an unknown scope: NotFound");
	vz_hier_expand(h, "c_1", st);
	is_int(tfc_status_code(st), TFC_INVALID_ARGUMENT, "expanding an op: InvalidArgument");

	vz_hier_expand_all(h);
	s = draw(h);
	is_int(s ? vz_scene_count(s, "node") : -1, 6, "expand-all: 6 ops drawn");
	is_int(s ? vz_scene_count(s, "scope") : -1, 3, "expand-all: 3 scopes drawn");
	vz_scene_free(s);
	vz_hier_free(h);
	vz_graph_free(g);
	tfc_status_free(st);
}

static void test_op_and_scope(void)
{
	vz_buf b;
	vz_buf_init(&b);
	node(&b, "a", "Foo", NULL);
	node(&b, "a/b", "Foo", "a");
	node(&b, "x", "Foo", "a/b");
	vz_graph *g = parse(b.data);
	tfc_status *st = tfc_status_new();
	vz_hier *h = g ? vz_hier_new(g, NULL, st) : NULL;
	vz_node *a = h ? vz_hier_group(h, "a") : NULL;
	ok(a != NULL, "op+scope: scope a exists");
	int a_op = g ? vz_graph_find(g, "a") : -1;
	ok(h && a_op >= 0 && h->leaf[a_op]->parent == a, "op a lives inside scope a");
	is_string(h && a_op >= 0 ? h->leaf[a_op]->label : NULL, "(a)", "and is labelled (a)");
	is_int(a ? a->n_ops : 0, 2, "scope a holds a and a/b");
	vz_hier_free(h);
	vz_graph_free(g);
	vz_buf_release(&b);
	tfc_status_free(st);
}

static void test_series(void)
{
	vz_buf b;
	vz_buf_init(&b);
	node(&b, "x", "Placeholder", NULL);
	node(&b, "Relu", "MyRelu", "x");
	for (int i = 1; i <= 6; i++) {
		char n[32];
		snprintf(n, sizeof(n), "Relu_%d", i);
		node(&b, n, "MyRelu", "x");
	}
	for (int i = 1; i <= 4; i++) { /* only 4: stays ungrouped */
		char n[32];
		snprintf(n, sizeof(n), "Tanh_%d", i);
		node(&b, n, "MyTanh", "x");
	}
	/* Same stem, other type: never in the Relu series. */
	node(&b, "Relu_7", "Other", "x");
	/* A gap splits runs: Sig_1..Sig_5 and Sig_10..Sig_11. */
	for (int i = 1; i <= 5; i++) {
		char n[32];
		snprintf(n, sizeof(n), "Sig_%d", i);
		node(&b, n, "MySig", "x");
	}
	node(&b, "Sig_10", "MySig", "x");
	node(&b, "Sig_11", "MySig", "x");
	/* Numbered same-structure scopes conv, conv_1 ... conv_5 (Conv then Bias). */
	for (int i = 0; i <= 5; i++) {
		char c[32], bias[32], in[40];
		if (i)
			snprintf(c, sizeof(c), "conv_%d/Conv", i);
		else
			snprintf(c, sizeof(c), "conv/Conv");
		snprintf(bias, sizeof(bias), "%.*s/Bias", (int)(strchr(c, '/') - c), c);
		node(&b, c, "Conv", "x");
		snprintf(in, sizeof(in), "%s", c);
		node(&b, bias, "Bias", in);
	}
	/* conv_6 has another structure: not folded with them. */
	node(&b, "conv_6/Conv", "Conv", "x");
	vz_graph *g = parse(b.data);
	tfc_status *st = tfc_status_new();
	vz_hier *h = g ? vz_hier_new(g, NULL, st) : NULL;
	if (!h) {
		ok(0, "series graph groups");
		goto cleanup;
	}
	vz_node *relu = vz_hier_group(h, "Relu_[0-6]");
	ok(relu && relu->kind == VZ_SERIES, "Relu, Relu_1 ... Relu_6 fold into series Relu_[0-6]");
	is_int(relu ? relu->n_kids : 0, 7, "with 7 members");
	ok(relu && relu->parent == h->root, "at the top level");
	ok(vz_hier_group(h, "Tanh_[1-4]") == NULL, "4 numbered ops stay ungrouped (minimum 5)");
	int r7 = vz_graph_find(g, "Relu_7");
	ok(r7 >= 0 && h->leaf[r7]->parent == h->root, "Relu_7 of another type stays outside the series");
	ok(vz_hier_group(h, "Sig_[1-5]") != NULL, "Sig_1..Sig_5 fold");
	int s10 = vz_graph_find(g, "Sig_10");
	ok(s10 >= 0 && h->leaf[s10]->parent == h->root, "Sig_10 after a gap does not join");
	vz_node *conv = vz_hier_group(h, "conv_[0-5]");
	ok(conv && conv->kind == VZ_SERIES, "same-structure scopes conv ... conv_5 fold into conv_[0-5]");
	is_int(conv ? conv->n_kids : 0, 6, "with 6 member scopes");
	vz_node *c3 = vz_hier_group(h, "conv_3"), *c6 = vz_hier_group(h, "conv_6");
	ok(c3 && c3->parent == conv, "conv_3 is a member");
	ok(c6 && c6->parent == h->root, "conv_6 (other structure) stays apart");
	ok(c3 && c6 && c3->tmpl >= 0 && c3->tmpl != c6->tmpl, "members share a template conv_6 has not");
	ok(c3 && conv && c3->tmpl == conv->tmpl, "the series carries its members' template");
	vz_hier_free(h);

	/* --series-min raises the bar; series_scopes off keeps the scopes apart. */
	vz_params p;
	vz_params_default(&p);
	p.series_min = 8;
	p.series_scopes = false;
	h = vz_hier_new(g, &p, st);
	ok(h && !vz_hier_group(h, "Relu_[0-6]"), "series_min 8: no Relu series");
	ok(h && !vz_hier_group(h, "conv_[0-5]"), "series_scopes off: no conv series");
	vz_hier_free(h);

	/* Drawn: the series is a <g class="series">, members hidden until it opens. */
	h = vz_hier_new(g, NULL, st);
	vz_scene *s = h ? draw(h) : NULL;
	ok(s && drawn(s, "series", "Relu_[0-6]") && !drawn(s, "node", "Relu_3"),
	   "a closed series is drawn as one item");
	vz_scene_free(s);
	vz_hier_expand(h, "Relu_[0-6]", st);
	s = draw(h);
	ok(s && drawn(s, "series", "Relu_[0-6]") && drawn(s, "node", "Relu_3"),
	   "an open series shows its members");
	vz_scene_free(s);
	vz_hier_free(h);
cleanup:
	vz_graph_free(g);
	vz_buf_release(&b);
	tfc_status_free(st);
}

static vz_node *kid(vz_node *g, const char *name)
{
	for (int i = 0; i < g->n_kids; i++)
		if (strcmp(g->kids[i]->name, name) == 0)
			return g->kids[i];
	return NULL;
}

static void test_extraction(void)
{
	/* A chain of 20 ops, a hub that reads 12 of them, a NoOp depending on 3. */
	vz_buf b;
	vz_buf_init(&b);
	node(&b, "n0", "Foo", NULL);
	char in[1024] = "";
	for (int i = 1; i < 20; i++) {
		char n[16], p[16];
		snprintf(n, sizeof(n), "n%d", i);
		snprintf(p, sizeof(p), "n%d", i - 1);
		node(&b, n, "Foo", p);
	}
	for (int i = 0; i < 12; i++) {
		char t[16];
		snprintf(t, sizeof(t), "%sn%d", i ? "," : "", i);
		strcat(in, t);
	}
	node(&b, "hub", "Sum", in);
	node(&b, "init", "NoOp", "^n1,^n2,^n3");
	vz_graph *g = parse(b.data);
	tfc_status *st = tfc_status_new();
	vz_params p;
	vz_params_default(&p);
	p.series_min = 1000; /* keep n0..n19 as ops */
	vz_hier *h = g ? vz_hier_new(g, &p, st) : NULL;
	vz_scene *s = h ? draw(h) : NULL;
	vz_node *hub = h ? kid(h->root, "hub") : NULL, *init = h ? kid(h->root, "init") : NULL;
	vz_node *n5 = h ? kid(h->root, "n5") : NULL;
	ok(hub && hub->aux, "in-degree 12 against quartiles of 1: the hub goes aside");
	ok(init && init->aux, "a NoOp goes to the auxiliary column");
	ok(n5 && !n5->aux, "a chain op stays in the core graph");
	ok(hub && n5 && hub->x > n5->x + n5->w / 2, "the auxiliary column is right of the core");
	int stubs = 0;
	for (int i = 0; s && i < s->n; i++)
		stubs += s->p[i].kind == VZ_BEGIN && strncmp(s->p[i].cls, "edge", 4) == 0 &&
			 strstr(s->p[i].title, "hub") != NULL && s->p[i + 1].kind == VZ_PATH &&
			 s->p[i + 1].n_pts == 2;
	ok(stubs >= 10, "the hub's edges are short stubs (%d)", stubs);
	vz_scene_free(s);
	vz_hier_free(h);

	/* Turned off, or too few items (min 15): only the NoOp goes aside. */
	p.extract = false;
	h = vz_hier_new(g, &p, st);
	s = h ? draw(h) : NULL;
	hub = h ? kid(h->root, "hub") : NULL;
	init = h ? kid(h->root, "init") : NULL;
	ok(hub && !hub->aux && init && init->aux, "extract off: the hub stays, the NoOp goes aside");
	vz_scene_free(s);
	vz_hier_free(h);
	p.extract = true;
	p.extract_min_nodes = 30;
	h = vz_hier_new(g, &p, st);
	s = h ? draw(h) : NULL;
	hub = h ? kid(h->root, "hub") : NULL;
	ok(hub && !hub->aux, "22 items < extract_min_nodes 30: no extraction");
	vz_scene_free(s);
	vz_hier_free(h);
	p.extract_min_nodes = 15;
	p.extract_min_degree = 13; /* the degree floor (12) now keeps in-degree 12 */
	h = vz_hier_new(g, &p, st);
	s = h ? draw(h) : NULL;
	hub = h ? kid(h->root, "hub") : NULL;
	ok(hub && !hub->aux, "extract_min_degree 13 keeps the hub (in-degree 12)");
	vz_scene_free(s);
	vz_hier_free(h);
	vz_graph_free(g);
	vz_buf_release(&b);
	tfc_status_free(st);
}

/* Out-degree: one source read by 12 of 20 chained ops (out-degree 12, the others 1):
 * above Q3 + 4*IQR and the degree floor, it goes aside; with the floor raised to 13 it
 * stays. */
static void test_out_degree(void)
{
	vz_buf b;
	vz_buf_init(&b);
	node(&b, "src", "Foo", NULL);
	node(&b, "m0", "Foo", NULL);
	for (int i = 1; i < 20; i++) {
		char n[16], in[40];
		snprintf(n, sizeof(n), "m%d", i);
		if (i <= 12)
			snprintf(in, sizeof(in), "m%d,src", i - 1);
		else
			snprintf(in, sizeof(in), "m%d", i - 1);
		node(&b, n, "Foo", in);
	}
	vz_graph *g = parse(b.data);
	tfc_status *st = tfc_status_new();
	vz_params p;
	vz_params_default(&p);
	p.series_min = 1000;
	vz_hier *h = g ? vz_hier_new(g, &p, st) : NULL;
	vz_scene *s = h ? draw(h) : NULL;
	vz_node *src = h ? kid(h->root, "src") : NULL, *m3 = h ? kid(h->root, "m3") : NULL;
	ok(src && src->aux, "out-degree 12 against quartiles of 1: the source goes aside");
	ok(m3 && !m3->aux, "its consumers stay");
	vz_scene_free(s);
	vz_hier_free(h);
	p.extract_min_degree = 13;
	h = g ? vz_hier_new(g, &p, st) : NULL;
	s = h ? draw(h) : NULL;
	src = h ? kid(h->root, "src") : NULL;
	ok(src && !src->aux, "extract_min_degree 13: the source stays");
	vz_scene_free(s);
	vz_hier_free(h);
	vz_graph_free(g);
	vz_buf_release(&b);
	tfc_status_free(st);
}

static void test_bundles(void)
{
	const char *text =
		"node { name: 'A/x' op: 'Foo' attr { key: '_output_shapes' value { list {"
		"  shape { dim { size: 1000 } } } } } }\n"
		"node { name: 'A/y' op: 'Foo' attr { key: '_output_shapes' value { list {"
		"  shape { dim { size: 2 } dim { size: 3 } } } } } }\n"
		"node { name: 'A/v' op: 'Foo' }\n"
		"node { name: 'B/p' op: 'Foo' input: 'A/x' input: 'A/y' }\n"
		"node { name: 'B/q' op: 'Foo' input: '^A/x' }\n"
		"node { name: 'C/one' op: 'Foo' input: 'A/x' }\n"
		"node { name: 'D/set' op: 'Assign' input: 'A/v' input: 'A/y' }\n"
		"node { name: 'E/w' op: 'Foo' input: '^A/y' }\n";
	vz_graph *g = parse(text);
	tfc_status *st = tfc_status_new();
	vz_hier *h = g ? vz_hier_new(g, NULL, st) : NULL;
	vz_bundle *b = NULL;
	int n = h ? vz_bundles(h, h->root, &b, st) : -1;
	is_int(n, 4, "four bundles between the top-level groups (A to B, C, D, E)");
	vz_node *A = h ? vz_hier_group(h, "A") : NULL, *B = h ? vz_hier_group(h, "B") : NULL;
	vz_node *C = h ? vz_hier_group(h, "C") : NULL, *D = h ? vz_hier_group(h, "D") : NULL;
	vz_node *E = h ? vz_hier_group(h, "E") : NULL;
	const vz_bundle *ab = NULL, *ac = NULL, *ad = NULL, *ae = NULL;
	for (int i = 0; i < n; i++) {
		if (b[i].a == A->index && b[i].b == B->index)
			ab = &b[i];
		if (b[i].a == A->index && b[i].b == C->index)
			ac = &b[i];
		if (b[i].a == A->index && b[i].b == D->index)
			ad = &b[i];
		if (b[i].a == A->index && b[i].b == E->index)
			ae = &b[i];
	}
	char lab[64];
	ok(ab && ab->n_data == 2 && ab->n_control == 1, "A -> B bundles 2 data edges and 1 control edge");
	is_string(ab ? vz_bundle_label(ab, lab, sizeof(lab)) : NULL, "2 tensors", "labelled '2 tensors'");
	is_string(ac ? vz_bundle_label(ac, lab, sizeof(lab)) : NULL, "1000", "A -> C: labelled with its shape");
	ok(ad && ad->n_ref == 1 && ad->n_data == 1, "A -> D: Assign's first input is a reference edge");
	ok(ae && ae->n_control == 1 && ae->n_data == 0, "A -> E: control only");
	if (h && n > 0)
		vz_extract(h, h->root, b, n);
	ok(ab && ac && ab->width > ac->width, "1006 elements draw wider than 1000 (%.2f > %.2f)",
	   ab ? ab->width : 0, ac ? ac->width : 0);
	ok(ac && ac->width > 0.75 && ac->width < 12, "widths within TensorBoard's 0.75 .. 12 px");
	vz_bundles_free(b, n > 0 ? n : 0);
	/* Bridges: what leaves open group A at A/x and A/y, named at the level drawn. */
	vz_bridge *br = NULL;
	int rc = A ? vz_bridges(h, A, &br, st) : -1;
	int ix = g ? vz_graph_find(g, "A/x") : -1, iy = g ? vz_graph_find(g, "A/y") : -1;
	const vz_bridge *bx = rc == 0 && ix >= 0 ? &br[h->leaf[ix]->index] : NULL;
	const vz_bridge *by = rc == 0 && iy >= 0 ? &br[h->leaf[iy]->index] : NULL;
	ok(bx && bx->n_out == 3 && bx->n_in == 0, "A/x: 3 edges leave group A (to B twice, to C)");
	ok(bx && bx->n_out_items == 2 && bx->out_to == B && bx->out_data,
	   "  to 2 outside items, the first B, carrying data");
	ok(by && by->n_out == 3 && by->n_out_items == 3, "A/y: 3 edges to B, D and E");
	free(br);
	/* Drawn: data solid, control dashed, reference with its own class. */
	vz_scene *s = h ? draw(h) : NULL;
	int dashed = 0, refs = 0, data = 0;
	for (int i = 0; s && i + 1 < s->n; i++) {
		if (s->p[i].kind != VZ_BEGIN || s->p[i + 1].kind != VZ_PATH)
			continue;
		if (strcmp(s->p[i].cls, "edge control") == 0 && s->p[i + 1].dashed)
			dashed++;
		if (strcmp(s->p[i].cls, "edge ref") == 0 && s->p[i + 1].arrow == 2)
			refs++;
		if (strcmp(s->p[i].cls, "edge data") == 0 && !s->p[i + 1].dashed)
			data++;
	}
	is_int(dashed, 1, "one dashed control edge drawn");
	is_int(refs, 1, "one reference edge drawn, arrow at its start");
	is_int(data, 2, "two solid data edges drawn");
	vz_scene_free(s);
	vz_hier_free(h);
	vz_graph_free(g);
	tfc_status_free(st);
}

int main(void)
{
	plan_lazy();
	test_name_scopes();
	test_op_and_scope();
	test_series();
	test_extraction();
	test_out_degree();
	test_bundles();
	done_testing();
	return exit_status();
}
