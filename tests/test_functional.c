/*
 * test_functional.c: functional control flow (kernels/functional.c) on graphs with a
 * function library: StatelessWhile and While counting to 10 while summing, a
 * PartitionedCall of the loop body, If on a bool and on an int32 predicate, the
 * fixture functional-if-ops.pbtxt ((a < b) ? a + b : a * b), and the errors: a
 * function missing from the library, a body returning the wrong number of values.
 */
#include <stdarg.h>

#include "test_util.h"

/* A formatted string (malloc'd). */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	char *s = malloc((size_t)n + 1);
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

#define I32 "type: DT_INT32"
#define ICONST(NAME, V)                                                                         \
	"node_def { name: \"" NAME "\" op: \"Const\" attr { key: \"dtype\" value { " I32 " } } "  \
	"attr { key: \"value\" value { tensor { dtype: DT_INT32 tensor_shape {} int_val: " V " } } } }"
#define ADD(NAME, A, B)                                                                         \
	"node_def { name: \"" NAME "\" op: \"AddV2\" input: \"" A "\" input: \"" B "\" "          \
	"attr { key: \"T\" value { " I32 " } } }"

static const char library[] =
	"library {\n"
	" function { signature { name: \"cond_fn\" input_arg { name: \"i\" " I32 " } input_arg { name: \"acc\" " I32 " }"
	"   output_arg { name: \"out\" type: DT_BOOL } }\n"
	"   " ICONST("ten", "10") "\n"
	"   node_def { name: \"less\" op: \"Less\" input: \"i\" input: \"ten:output:0\" attr { key: \"T\" value { " I32 " } } }\n"
	"   ret { key: \"out\" value: \"less:z:0\" } }\n"
	" function { signature { name: \"body_fn\" input_arg { name: \"i\" " I32 " } input_arg { name: \"acc\" " I32 " }"
	"   output_arg { name: \"i2\" " I32 " } output_arg { name: \"acc2\" " I32 " } }\n"
	"   " ICONST("one", "1") "\n"
	"   " ADD("inc", "i", "one:output:0") "\n"
	"   " ADD("sum", "acc", "i") "\n"
	"   ret { key: \"i2\" value: \"inc:z:0\" } ret { key: \"acc2\" value: \"sum:z:0\" } }\n"
	" function { signature { name: \"swap_fn\" input_arg { name: \"i\" " I32 " } input_arg { name: \"acc\" " I32 " }"
	"   output_arg { name: \"a\" " I32 " } output_arg { name: \"b\" " I32 " } }\n"
	"   ret { key: \"a\" value: \"acc\" } ret { key: \"b\" value: \"i\" } }\n"
	" function { signature { name: \"three_fn\" input_arg { name: \"x\" " I32 " }"
	"   output_arg { name: \"y\" " I32 " } output_arg { name: \"z\" " I32 " } }\n"
	"   " ICONST("k", "3") "\n"
	"   ret { key: \"y\" value: \"k:output:0\" } ret { key: \"z\" value: \"k:output:0\" } }\n"
	"}\n";

#define T2 "attr { key: \"T\" value { list { " I32 " " I32 " } } }"

static tfc_graph *graph(const char *nodes, tfc_status *st)
{
	char *text = fmt("%s\n%s", nodes, library);
	tfc_graph *g = tfc_graph_new();
	tfc_graph_import(g, text, strlen(text), TFC_FORMAT_TEXT, NULL, NULL, st);
	if (tfc_status_code(st) != TFC_OK)
		diag("import: %s", tfc_status_message(st));
	free(text);
	return g;
}

static int32_t iv(const tfc_tensor *t) { return t ? *(const int32_t *)tfc_tensor_data(t) : -999; }

/* Fetches two tensors of a graph. */
static void fetch2(const char *nodes, const char *f0, const char *f1, tfc_tensor **out, tfc_status *st)
{
	tfc_graph *g = graph(nodes, st);
	out[0] = out[1] = NULL;
	if (tfc_status_code(st) == TFC_OK) {
		tfc_session *s = tfc_session_new(g, NULL, st);
		tfc_output f[2] = {tfc_graph_output_by_name(g, f0), tfc_graph_output_by_name(g, f1)};
		tfc_session_run(s, NULL, 0, NULL, NULL, 0, f, out, 2, NULL, 0, NULL, st);
		tfc_session_free(s);
	}
	tfc_graph_free(g);
}

#define ZERO "node { name: \"zero\" op: \"Const\" attr { key: \"dtype\" value { " I32 " } } " \
	     "attr { key: \"value\" value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 0 } } } }\n"

int main(void)
{
	plan(8);
	tfc_status *st = tfc_status_new();
	tfc_tensor *out[2];
	const char *ops[2] = {"StatelessWhile", "While"};
	for (int k = 0; k < 2; k++) {
		char *nodes = fmt(ZERO "node { name: \"w\" op: \"%s\" input: \"zero\" input: \"zero\" " T2
					    " attr { key: \"cond\" value { func { name: \"cond_fn\" } } }"
					    " attr { key: \"body\" value { func { name: \"body_fn\" } } } }\n",
					    ops[k]);
		fetch2(nodes, "w:0", "w:1", out, st);
		ok(tfc_status_code(st) == TFC_OK && iv(out[0]) == 10 && iv(out[1]) == 45,
		   "%s: i = %d, sum of 0..9 = %d %s", ops[k], iv(out[0]), iv(out[1]), tfc_status_message(st));
		tfc_tensor_free(out[0]);
		tfc_tensor_free(out[1]);
		free(nodes);
	}
	fetch2(ZERO "node { name: \"c\" op: \"PartitionedCall\" input: \"zero\" input: \"zero\""
		    " attr { key: \"Tin\" value { list { " I32 " " I32 " } } }"
		    " attr { key: \"Tout\" value { list { " I32 " " I32 " } } }"
		    " attr { key: \"f\" value { func { name: \"body_fn\" } } } }\n",
	       "c:0", "c:1", out, st);
	ok(tfc_status_code(st) == TFC_OK && iv(out[0]) == 1 && iv(out[1]) == 0,
	   "PartitionedCall of the body on (0, 0): (%d, %d)", iv(out[0]), iv(out[1]));
	tfc_tensor_free(out[0]);
	tfc_tensor_free(out[1]);
	/* If on an int32 predicate: 0 is false (else: body_fn), non-zero true. */
	for (int p = 0; p < 2; p++) {
		char *nodes = fmt(
			"node { name: \"p\" op: \"Const\" attr { key: \"dtype\" value { " I32 " } } "
			"attr { key: \"value\" value { tensor { dtype: DT_INT32 tensor_shape {} int_val: %d } } } }\n"
			"node { name: \"x\" op: \"Const\" attr { key: \"dtype\" value { " I32 " } } "
			"attr { key: \"value\" value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 5 } } } }\n"
			"node { name: \"y\" op: \"Const\" attr { key: \"dtype\" value { " I32 " } } "
			"attr { key: \"value\" value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 2 } } } }\n"
			"node { name: \"if\" op: \"If\" input: \"p\" input: \"x\" input: \"y\""
			" attr { key: \"Tcond\" value { " I32 " } }"
			" attr { key: \"Tin\" value { list { " I32 " " I32 " } } }"
			" attr { key: \"Tout\" value { list { " I32 " " I32 " } } }"
			" attr { key: \"then_branch\" value { func { name: \"body_fn\" } } }"
			" attr { key: \"else_branch\" value { func { name: \"swap_fn\" } } } }\n",
			p * 7);
		fetch2(nodes, "if:0", "if:1", out, st);
		/* then: body_fn(5, 2) = (6, 7); else: swap_fn(5, 2) = (2, 5) */
		bool want = p ? iv(out[0]) == 6 && iv(out[1]) == 7 : iv(out[0]) == 2 && iv(out[1]) == 5;
		ok(tfc_status_code(st) == TFC_OK && want, "If on int32 %d takes the %s branch: (%d, %d)", p * 7,
		   p ? "then" : "else", iv(out[0]), iv(out[1]));
		tfc_tensor_free(out[0]);
		tfc_tensor_free(out[1]);
		free(nodes);
	}
	fetch2(ZERO "node { name: \"w\" op: \"While\" input: \"zero\" input: \"zero\" " T2
		    " attr { key: \"cond\" value { func { name: \"no_such_fn\" } } }"
		    " attr { key: \"body\" value { func { name: \"body_fn\" } } } }\n",
	       "w:0", "w:1", out, st);
	ok(tfc_status_code(st) == TFC_NOT_FOUND && strstr(tfc_status_message(st), "no_such_fn") &&
		   strstr(tfc_status_message(st), "'w'") && !out[0],
	   "a function missing from the library: %s", tfc_status_message(st));
	fetch2(ZERO "node { name: \"w\" op: \"While\" input: \"zero\" input: \"zero\" " T2
		    " attr { key: \"cond\" value { func { name: \"cond_fn\" } } }"
		    " attr { key: \"body\" value { func { name: \"three_fn\" } } } }\n",
	       "w:0", "w:1", out, st);
	ok(tfc_status_code(st) == TFC_INVALID_ARGUMENT && !out[0],
	   "a body that takes 1 value for 2 loop variables: %s", tfc_status_message(st));
	const char *fx = "tensorflow/tensorflow/compiler/mlir/tensorflow/tests/graphdef2mlir/functional-if-ops.pbtxt";
	if (!fixture_exists(fx)) {
		skip(1, "no fixtures");
	} else {
		tfc_graph *g = tfc_graph_load(fixture(fx), st);
		tfc_session *s = tfc_session_new(g, NULL, st);
		tfc_output feeds[2] = {tfc_graph_output_by_name(g, "a:0"), tfc_graph_output_by_name(g, "b:0")};
		tfc_output f[2] = {tfc_graph_output_by_name(g, "StatefulIf:0"),
				   tfc_graph_output_by_name(g, "StatelessIf:0")};
		bool good = true;
		for (int c = 0; c < 2; c++) {
			float a = c ? 7.0f : 2.0f, b = 5.0f;
			tfc_tensor *v[2] = {tfc_tensor_new_scalar_float(a), tfc_tensor_new_scalar_float(b)};
			tfc_session_run(s, NULL, 0, feeds, v, 2, f, out, 2, NULL, 0, NULL, st);
			float want = a < b ? a + b : a * b;
			good = good && tfc_status_code(st) == TFC_OK && out[0] && out[1] &&
			       *(float *)tfc_tensor_data(out[0]) == want && *(float *)tfc_tensor_data(out[1]) == want;
			tfc_tensor_free(out[0]);
			tfc_tensor_free(out[1]);
			tfc_tensor_free(v[0]);
			tfc_tensor_free(v[1]);
		}
		ok(good, "functional-if-ops.pbtxt: If and StatelessIf give a+b for (2, 5) and a*b for (7, 5) %s",
		   tfc_status_message(st));
		tfc_session_free(s);
		tfc_graph_free(g);
	}
	tfc_status_free(st);
	return exit_status();
}
