/*
 * cf_graphs.h: GraphDef text for v1 control-flow graphs (conds, counting while
 * loops), shared by tests/test_control_flow.c and tests/bench/bench_cf.c. Loops
 * cannot be built through the C graph API (a Merge's NextIteration input comes
 * after it), so tests write them as TensorFlow's tf.while_loop lays them out.
 */
#ifndef TFC_TEST_CF_GRAPHS_H
#define TFC_TEST_CF_GRAPHS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>


#ifndef CF_GRAPHS_TEXT_MAX
#define CF_GRAPHS_TEXT_MAX 32768
#endif

/* GraphDef text being written; `full` once something did not fit. */
struct gtext {
	char buf[CF_GRAPHS_TEXT_MAX];
	bool full;
	size_t n;
};

static inline void add(struct gtext *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void add(struct gtext *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(g->buf + g->n, sizeof(g->buf) - g->n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= sizeof(g->buf) - g->n) {
		g->full = true;
		g->n = sizeof(g->buf) - 1;
		g->buf[g->n] = '\0';
		return;
	}
	g->n += (size_t)k;
}

#define T32 "attr { key: \"T\" value { type: DT_INT32 } }"
#define TF32 "attr { key: \"T\" value { type: DT_FLOAT } }"

/* node NAME of OP with inputs "a,b,^c", extra attr text, on device dev (NULL: none). */
static inline void node_on(struct gtext *g, const char *name, const char *op, const char *inputs,
			   const char *attrs, const char *dev)
{
	add(g, "node { name: \"%s\" op: \"%s\" ", name, op);
	char tmp[512];
	snprintf(tmp, sizeof(tmp), "%s", inputs);
	for (char *p = strtok(tmp, ","); p; p = strtok(NULL, ","))
		add(g, "input: \"%s\" ", p);
	if (dev)
		add(g, "device: \"%s\" ", dev);
	add(g, "%s }\n", attrs);
}

static inline void node(struct gtext *g, const char *name, const char *op, const char *inputs,
			const char *attrs)
{
	node_on(g, name, op, inputs, attrs, NULL);
}

static inline void const_i32(struct gtext *g, const char *name, int v, const char *ctrl)
{
	char attrs[256];
	snprintf(attrs, sizeof(attrs),
		 "attr { key: \"dtype\" value { type: DT_INT32 } } attr { key: \"value\" value { "
		 "tensor { dtype: DT_INT32 tensor_shape {} int_val: %d } } }",
		 v);
	node(g, name, "Const", ctrl ? ctrl : "", attrs);
}

static inline void enter(struct gtext *g, const char *name, const char *in, const char *frame, bool constant,
		  int parallel)
{
	char attrs[256];
	snprintf(attrs, sizeof(attrs),
		 T32 " attr { key: \"frame_name\" value { s: \"%s\" } } attr { key: \"is_constant\" "
		     "value { b: %s } } attr { key: \"parallel_iterations\" value { i: %d } }",
		 frame, constant ? "true" : "false", parallel);
	node(g, name, "Enter", in, attrs);
}

#define MERGE2 T32 " attr { key: \"N\" value { i: 2 } }"

/* A loop "P" counting i from 0 to n (a loop invariant) and summing acc += i:
 * P/Exit = n, P/Exit_1 = n(n-1)/2. `i0` and `acc0` are its initial values; P/add_1
 * (acc + i) goes on add_device when that is not NULL. */
static inline void counting_loop_on(struct gtext *g, const char *P, const char *i0, const char *acc0,
				    const char *n, int parallel, const char *add_device)
{
	char a[128], b[128], c[128], frame[64];
#define NM(buf, suffix) (snprintf(buf, sizeof(buf), "%s/%s", P, suffix), buf)
	snprintf(frame, sizeof(frame), "%s/ctx", P);
	enter(g, NM(a, "Enter"), i0, frame, false, parallel);
	enter(g, NM(a, "Enter_1"), acc0, frame, false, parallel);
	enter(g, NM(a, "Enter_n"), n, frame, true, parallel);
	snprintf(b, sizeof(b), "%s/Enter,%s/NextIteration", P, P);
	node(g, NM(a, "Merge"), "Merge", b, MERGE2);
	snprintf(b, sizeof(b), "%s/Enter_1,%s/NextIteration_1", P, P);
	node(g, NM(a, "Merge_1"), "Merge", b, MERGE2);
	snprintf(b, sizeof(b), "%s/Merge,%s/Enter_n", P, P);
	node(g, NM(a, "Less"), "Less", b, T32);
	snprintf(b, sizeof(b), "%s/Less", P);
	node(g, NM(a, "LoopCond"), "LoopCond", b, "");
	snprintf(b, sizeof(b), "%s/Merge,%s/LoopCond", P, P);
	node(g, NM(a, "Switch"), "Switch", b, T32);
	snprintf(b, sizeof(b), "%s/Merge_1,%s/LoopCond", P, P);
	node(g, NM(a, "Switch_1"), "Switch", b, T32);
	snprintf(b, sizeof(b), "%s/Switch:1", P);
	node(g, NM(a, "Identity"), "Identity", b, T32);
	snprintf(b, sizeof(b), "%s/Switch_1:1", P);
	node(g, NM(a, "Identity_1"), "Identity", b, T32);
	snprintf(c, sizeof(c), "^%s/Identity", P);
	const_i32(g, NM(a, "one"), 1, c);
	snprintf(b, sizeof(b), "%s/Identity,%s/one", P, P);
	node(g, NM(a, "add"), "Add", b, T32);
	snprintf(b, sizeof(b), "%s/Identity_1,%s/Identity", P, P);
	node_on(g, NM(a, "add_1"), "Add", b, T32, add_device);
	snprintf(b, sizeof(b), "%s/add", P);
	node(g, NM(a, "NextIteration"), "NextIteration", b, T32);
	snprintf(b, sizeof(b), "%s/add_1", P);
	node(g, NM(a, "NextIteration_1"), "NextIteration", b, T32);
	snprintf(b, sizeof(b), "%s/Switch", P);
	node(g, NM(a, "Exit"), "Exit", b, T32);
	snprintf(b, sizeof(b), "%s/Switch_1", P);
	node(g, NM(a, "Exit_1"), "Exit", b, T32);
#undef NM
}

static inline void counting_loop(struct gtext *g, const char *P, const char *i0, const char *acc0,
				 const char *n, int parallel)
{
	counting_loop_on(g, P, i0, acc0, n, parallel, NULL);
}

#endif /* TFC_TEST_CF_GRAPHS_H */
