/*
 * test_tensor_array.c: TensorArrayV3 and StackV2 kernels (kernels/tensor_array.c) on
 * small graphs: write/read/gather/scatter/size, a gradient array summing repeated
 * writes and reading zeros where nothing was written, stacks popping in reverse, and
 * the errors: an index out of range, a second write, a read of an unwritten or
 * already read index, a wrong dtype, an empty stack, a handle from another step.
 * The fixtures' use (dynamic_rnn loops and their gradients) is in test_control_flow.
 */
#include "test_util.h"

#include "cf_graphs.h"

#define F32 "attr { key: \"dtype\" value { type: DT_FLOAT } }"

static void fconst(struct gtext *g, const char *name, const char *vals, int n)
{
	char attrs[512];
	snprintf(attrs, sizeof(attrs),
		 F32 " attr { key: \"value\" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: %d } } "
		     "%s } } }",
		 n, vals);
	node(g, name, "Const", "", attrs);
}

static void iconst_vec(struct gtext *g, const char *name, const char *vals, int n)
{
	char attrs[512];
	snprintf(attrs, sizeof(attrs),
		 "attr { key: \"dtype\" value { type: DT_INT32 } } attr { key: \"value\" value { tensor { "
		 "dtype: DT_INT32 tensor_shape { dim { size: %d } } %s } } }",
		 n, vals);
	node(g, name, "Const", "", attrs);
}

/* A TensorArray of 3 float[2] ("ta"), with element 0 and 2 written. */
static void base_graph(struct gtext *t, const char *extra_ta_attrs)
{
	const_i32(t, "three", 3, NULL);
	const_i32(t, "i0", 0, NULL);
	const_i32(t, "i1", 1, NULL);
	const_i32(t, "i2", 2, NULL);
	fconst(t, "a", "float_val: 1 float_val: 2", 2);
	fconst(t, "b", "float_val: 3 float_val: 4", 2);
	char attrs[512];
	snprintf(attrs, sizeof(attrs), F32 " %s", extra_ta_attrs);
	node(t, "ta", "TensorArrayV3", "three", attrs);
	node(t, "w0", "TensorArrayWriteV3", "ta,i0,a,ta:1", "attr { key: \"T\" value { type: DT_FLOAT } }");
	node(t, "w2", "TensorArrayWriteV3", "ta,i2,b,w0", "attr { key: \"T\" value { type: DT_FLOAT } }");
}

static tfc_tensor *run1(const struct gtext *t, const char *fetch, tfc_status *st, tfc_graph **gout)
{
	tfc_graph *g = tfc_graph_new();
	tfc_graph_import(g, t->buf, t->n, TFC_FORMAT_TEXT, NULL, NULL, st);
	tfc_tensor *out = NULL;
	if (tfc_status_code(st) == TFC_OK) {
		tfc_session *s = tfc_session_new(g, NULL, st);
		tfc_output f = tfc_graph_output_by_name(g, fetch);
		if (f.oper)
			tfc_session_run(s, NULL, 0, NULL, NULL, 0, &f, &out, 1, NULL, 0, NULL, st);
		else
			tfc_status_set(st, TFC_NOT_FOUND, "no %s", fetch);
		tfc_session_free(s);
	}
	if (gout)
		*gout = g;
	else
		tfc_graph_free(g);
	return out;
}

static float fat(const tfc_tensor *t, int i) { return t ? ((const float *)tfc_tensor_data(t))[i] : -1; }

static void expect_error(const char *what, const struct gtext *t, const char *fetch, tfc_code code,
			 const char *needle)
{
	tfc_status *st = tfc_status_new();
	tfc_tensor *out = run1(t, fetch, st, NULL);
	ok(tfc_status_code(st) == code && strstr(tfc_status_message(st), needle) && !out, "%s: %s", what,
	   tfc_status_message(st));
	tfc_tensor_free(out);
	tfc_status_free(st);
}

static void test_values(void)
{
	tfc_status *st = tfc_status_new();
	struct gtext t = {0};
	base_graph(&t, "attr { key: \"clear_after_read\" value { b: false } }");
	node(&t, "r", "TensorArrayReadV3", "ta,i2,w2", F32);
	tfc_tensor *r = run1(&t, "r:0", st, NULL);
	ok(tfc_status_code(st) == TFC_OK && fat(r, 0) == 3 && fat(r, 1) == 4, "read index 2: [%g, %g]",
	   fat(r, 0), fat(r, 1));
	tfc_tensor_free(r);

	iconst_vec(&t, "idx", "int_val: 2 int_val: 0", 2);
	node(&t, "gat", "TensorArrayGatherV3", "ta,idx,w2", F32);
	r = run1(&t, "gat:0", st, NULL);
	ok(tfc_status_code(st) == TFC_OK && r && tfc_tensor_shape(r).rank == 2 && fat(r, 0) == 3 &&
		   fat(r, 3) == 2,
	   "gather [2, 0]: [[%g, %g], [%g, %g]]", fat(r, 0), fat(r, 1), fat(r, 2), fat(r, 3));
	tfc_tensor_free(r);

	node(&t, "size", "TensorArraySizeV3", "ta,w2", "");
	r = run1(&t, "size:0", st, NULL);
	ok(tfc_status_code(st) == TFC_OK && r && *(int32_t *)tfc_tensor_data(r) == 3, "size 3");
	tfc_tensor_free(r);

	/* Scatter a [3, 2] value, then gather it all back. */
	struct gtext u = {0};
	const_i32(&u, "three", 3, NULL);
	node(&u, "ta", "TensorArrayV3", "three", F32);
	iconst_vec(&u, "idx", "int_val: 0 int_val: 1 int_val: 2", 3);
	char attrs[512];
	snprintf(attrs, sizeof(attrs),
		 F32 " attr { key: \"value\" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 3 } dim "
		     "{ size: 2 } } float_val: 1 float_val: 2 float_val: 3 float_val: 4 float_val: 5 float_val: 6 "
		     "} } }");
	node(&u, "v", "Const", "", attrs);
	node(&u, "sc", "TensorArrayScatterV3", "ta,idx,v,ta:1", "attr { key: \"T\" value { type: DT_FLOAT } }");
	iconst_vec(&u, "back", "int_val: 2 int_val: 1 int_val: 0", 3);
	node(&u, "gat", "TensorArrayGatherV3", "ta,back,sc", F32);
	r = run1(&u, "gat:0", st, NULL);
	ok(tfc_status_code(st) == TFC_OK && fat(r, 0) == 5 && fat(r, 1) == 6 && fat(r, 4) == 1,
	   "scatter then gather reversed: first row [%g, %g], last [%g, %g]", fat(r, 0), fat(r, 1),
	   fat(r, 4), fat(r, 5));
	tfc_tensor_free(r);

	/* A gradient array: two writes to index 1 add up; index 0 reads as zeros. */
	struct gtext gr = {0};
	base_graph(&gr, "attr { key: \"element_shape\" value { shape { dim { size: 2 } } } }");
	node(&gr, "g", "TensorArrayGradV3", "ta,w2", "attr { key: \"source\" value { s: \"gradients\" } }");
	node(&gr, "gw1", "TensorArrayWriteV3", "g,i1,a,g:1", "attr { key: \"T\" value { type: DT_FLOAT } }");
	node(&gr, "gw2", "TensorArrayWriteV3", "g,i1,b,gw1", "attr { key: \"T\" value { type: DT_FLOAT } }");
	iconst_vec(&gr, "idx", "int_val: 0 int_val: 1", 2);
	node(&gr, "gat", "TensorArrayGatherV3", "g,idx,gw2", F32);
	r = run1(&gr, "gat:0", st, NULL);
	ok(tfc_status_code(st) == TFC_OK && fat(r, 0) == 0 && fat(r, 1) == 0 && fat(r, 2) == 4 &&
		   fat(r, 3) == 6,
	   "gradient array: unwritten index 0 = [%g, %g], index 1 summed = [%g, %g]", fat(r, 0), fat(r, 1),
	   fat(r, 2), fat(r, 3));
	if (tfc_status_code(st) != TFC_OK)
		diag("%s", tfc_status_message(st));
	tfc_tensor_free(r);

	/* Split a [3, 2] value into lengths 1 and 2, then concatenate it back. */
	struct gtext sp = {0};
	const_i32(&sp, "two", 2, NULL);
	node(&sp, "ta", "TensorArrayV3", "two", F32);
	node(&sp, "v", "Const", "", attrs);
	char lattrs[256];
	snprintf(lattrs, sizeof(lattrs),
		 "attr { key: \"dtype\" value { type: DT_INT64 } } attr { key: \"value\" value { tensor { "
		 "dtype: DT_INT64 tensor_shape { dim { size: 2 } } int64_val: 1 int64_val: 2 } } }");
	node(&sp, "lens", "Const", "", lattrs);
	node(&sp, "split", "TensorArraySplitV3", "ta,v,lens,ta:1", "attr { key: \"T\" value { type: DT_FLOAT } }");
	node(&sp, "cat", "TensorArrayConcatV3", "ta,split", F32);
	tfc_graph *cg = NULL;
	r = run1(&sp, "cat:0", st, &cg);
	ok(tfc_status_code(st) == TFC_OK && r && tfc_tensor_shape(r).dims[0] == 3 && fat(r, 0) == 1 &&
		   fat(r, 5) == 6,
	   "split [3, 2] as 1 + 2 rows, concat back: %lld rows, [%g .. %g]",
	   r ? (long long)tfc_tensor_shape(r).dims[0] : -1LL, fat(r, 0), fat(r, 5));
	tfc_tensor_free(r);
	tfc_graph_free(cg);
	node(&sp, "split_bad", "TensorArraySplitV3", "ta,b_vals,lens,ta:1",
	     "attr { key: \"T\" value { type: DT_FLOAT } }");
	fconst(&sp, "b_vals", "float_val: 1 float_val: 2", 2);
	expect_error("a split whose lengths do not add up", &sp, "split_bad:0", TFC_INVALID_ARGUMENT,
		     "Expected sum of lengths to be equal to values.shape[0]");

	/* Stacks pop in reverse. */
	struct gtext sk = {0};
	const_i32(&sk, "max", -1, NULL);
	node(&sk, "s", "StackV2", "max", "attr { key: \"elem_type\" value { type: DT_FLOAT } }");
	fconst(&sk, "a", "float_val: 1", 1);
	fconst(&sk, "b", "float_val: 2", 1);
	node(&sk, "p1", "StackPushV2", "s,a", "attr { key: \"T\" value { type: DT_FLOAT } }");
	node(&sk, "p2", "StackPushV2", "s,b,^p1", "attr { key: \"T\" value { type: DT_FLOAT } }");
	node(&sk, "q1", "StackPopV2", "s,^p2", "attr { key: \"elem_type\" value { type: DT_FLOAT } }");
	node(&sk, "q2", "StackPopV2", "s,^q1", "attr { key: \"elem_type\" value { type: DT_FLOAT } }");
	node(&sk, "diff", "Sub", "q1,q2", "attr { key: \"T\" value { type: DT_FLOAT } }");
	r = run1(&sk, "diff:0", st, NULL);
	ok(tfc_status_code(st) == TFC_OK && fat(r, 0) == 1, "stack: pop 2 then 1 (difference %g)", fat(r, 0));
	tfc_tensor_free(r);
	node(&sk, "q3", "StackPopV2", "s,^q2", "attr { key: \"elem_type\" value { type: DT_FLOAT } }");
	expect_error("a pop too many", &sk, "q3:0", TFC_OUT_OF_RANGE, "is empty");
	tfc_status_free(st);
}

static void test_errors(void)
{
	struct gtext t = {0};
	base_graph(&t, "");
	node(&t, "w5", "TensorArrayWriteV3", "ta,three,a,w2", "attr { key: \"T\" value { type: DT_FLOAT } }");
	expect_error("a write past the end of a fixed-size array", &t, "w5:0", TFC_INVALID_ARGUMENT,
		     "not resizeable and size is: 3");

	memset(&t, 0, sizeof(t));
	base_graph(&t, "");
	node(&t, "w0b", "TensorArrayWriteV3", "ta,i0,b,w2", "attr { key: \"T\" value { type: DT_FLOAT } }");
	expect_error("a second write to index 0", &t, "w0b:0", TFC_INVALID_ARGUMENT, "already been written");

	memset(&t, 0, sizeof(t));
	base_graph(&t, "");
	node(&t, "r1", "TensorArrayReadV3", "ta,i1,w2", F32);
	expect_error("a read of an unwritten index", &t, "r1:0", TFC_INVALID_ARGUMENT,
		     "has not yet been written to");

	memset(&t, 0, sizeof(t));
	base_graph(&t, "");
	node(&t, "r0", "TensorArrayReadV3", "ta,i0,w2", F32);
	node(&t, "r0b", "TensorArrayReadV3", "ta,i0,w2,^r0", F32);
	expect_error("a second read with clear_after_read", &t, "r0b:0", TFC_INVALID_ARGUMENT,
		     "cleared after a previous read");

	memset(&t, 0, sizeof(t));
	base_graph(&t, "");
	const_i32(&t, "int", 7, NULL);
	node(&t, "wi", "TensorArrayWriteV3", "ta,i1,int,w2", "attr { key: \"T\" value { type: DT_INT32 } }");
	expect_error("an int32 write to a float array", &t, "wi:0", TFC_INVALID_ARGUMENT,
		     "TensorArray dtype is float but Op is trying to write dtype int32");

	/* A handle fetched from one step and fed to another. */
	memset(&t, 0, sizeof(t));
	base_graph(&t, "");
	node(&t, "hin", "Placeholder", "", "attr { key: \"dtype\" value { type: DT_RESOURCE } }");
	node(&t, "size", "TensorArraySizeV3", "hin,w2", "");
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_graph_import(g, t.buf, t.n, TFC_FORMAT_TEXT, NULL, NULL, st);
	tfc_session *s = tfc_session_new(g, NULL, st);
	tfc_output h = tfc_graph_output_by_name(g, "ta:0");
	tfc_tensor *hv = NULL, *out = NULL;
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, &h, &hv, 1, NULL, 0, NULL, st);
	tfc_output in = tfc_graph_output_by_name(g, "hin:0"), f = tfc_graph_output_by_name(g, "size:0");
	if (hv)
		tfc_session_run(s, NULL, 0, &in, &hv, 1, &f, &out, 1, NULL, 0, NULL, st);
	ok(hv && tfc_status_code(st) == TFC_INVALID_ARGUMENT && strstr(tfc_status_message(st), "of this step") &&
		   !out,
	   "a TensorArray handle fed back in a later step: %s", tfc_status_message(st));
	tfc_tensor_free(hv);
	tfc_tensor_free(out);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

int main(void)
{
	plan(15);
	test_values();
	test_errors();
	return exit_status();
}
