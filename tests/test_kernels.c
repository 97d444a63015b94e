/*
 * test_kernels.c: the CPU kernels of kernels/, driven by hand: for each node a kernel
 * context is made the way the executor makes one (one reference per input, handed
 * over), and lookup -> create -> compute -> destroy runs; results are checked exactly
 * (floats against hand-computed values), errors by their exact messages. Broadcasting
 * is also checked against a naive reference on random shapes; buffer reuse, Philox
 * against its published known-answer vectors, RandomUniform's reproducibility. The
 * variable kernels need a session's resources, so they run through tfc_session_run.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>

#include "kernels.h"
#include "test_util.h"
#include "tfc_ops.h"

#define DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define F32(...) ((const float[]){__VA_ARGS__})
#define F64(...) ((const double[]){__VA_ARGS__})
#define I32(...) ((const int32_t[]){__VA_ARGS__})
#define I64(...) ((const int64_t[]){__VA_ARGS__})
#define STRS(...) ((const char *const[]){__VA_ARGS__})

static tfc_status *st;  /* graph building and sessions */
static tfc_status *kst; /* the kernels' status */
static tfc_graph *g;

/* ---- tensors */

static tfc_tensor *mk(tfc_dtype dt, int rank, const int64_t *dims, const void *vals)
{
	tfc_tensor *t = tfc_tensor_new(dt, dims, rank, NULL);
	if (vals && tfc_tensor_byte_size(t))
		memcpy(tfc_tensor_data(t), vals, tfc_tensor_byte_size(t));
	return t;
}

static tfc_tensor *mk_str(int rank, const int64_t *dims, const char *const *v)
{
	tfc_tensor *t = tfc_tensor_new(TFC_STRING, dims, rank, NULL);
	for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++)
		tfc_tensor_set_string(t, i, v[i], strlen(v[i]), NULL);
	return t;
}

static void diag_tensor(const char *what, const tfc_tensor *t)
{
	if (!t) {
		diag("%s: (null)", what);
		return;
	}
	char shape[128], vals[512];
	tfc_shape s = tfc_tensor_shape(t);
	tfc_shape_format(&s, shape, sizeof(shape));
	size_t k = 0;
	vals[0] = '\0';
	for (int64_t i = 0; i < tfc_tensor_num_elements(t) && i < 12 && k < sizeof(vals) - 64; i++) {
		const void *p = tfc_tensor_data(t);
		switch (tfc_tensor_dtype(t)) {
		case TFC_FLOAT: k += (size_t)snprintf(vals + k, 64, " %.9g", ((const float *)p)[i]); break;
		case TFC_DOUBLE: k += (size_t)snprintf(vals + k, 64, " %.17g", ((const double *)p)[i]); break;
		case TFC_INT32: k += (size_t)snprintf(vals + k, 64, " %d", ((const int32_t *)p)[i]); break;
		case TFC_INT64: k += (size_t)snprintf(vals + k, 64, " %lld", (long long)((const int64_t *)p)[i]); break;
		case TFC_STRING: k += (size_t)snprintf(vals + k, 64, " '%.40s'", tfc_tensor_string(t, i)->ptr ? tfc_tensor_string(t, i)->ptr : ""); break;
		default: break;
		}
	}
	diag("%s: %s %s:%s", what, tfc_dtype_name(tfc_tensor_dtype(t)), shape, vals);
}

/* True when got equals want (dtype, shape, values); want is freed. */
static bool eq(const tfc_tensor *got, tfc_tensor *want)
{
	bool r = got && tfc_tensor_equal(got, want);
	if (!r) {
		diag_tensor("     got", got);
		diag_tensor("expected", want);
	}
	tfc_tensor_free(want);
	return r;
}

/* ---- graph building */

/* A Const node holding t (taken). */
static tfc_output cnst(tfc_tensor *t)
{
	tfc_operation *op = tfc_const(g, "c", t, tfc_tensor_dtype(t), st);
	tfc_tensor_free(t);
	return (tfc_output){op, 0};
}

static tfc_output unary(const char *type, tfc_output x)
{
	tfc_op_desc *d = tfc_op_new(g, type, NULL);
	tfc_op_add_input(d, x);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

static tfc_output binary(const char *type, tfc_output x, tfc_output y)
{
	tfc_op_desc *d = tfc_op_new(g, type, NULL);
	tfc_op_add_input(d, x);
	tfc_op_add_input(d, y);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

/* ---- running kernels by hand */

struct kinst {
	const tfc_operation *op;
	const struct tfc_kernel_def *k;
	void *state;
};

/* Looks up and creates the kernel of op; false with kst set on failure. */
static bool kinst_init(struct kinst *ki, const tfc_operation *op)
{
	ki->op = op;
	ki->state = NULL;
	ki->k = op ? tfc_kernel_lookup(tfc_operation_type(op), "CPU") : NULL;
	tfc_status_set(kst, TFC_OK, NULL);
	if (!ki->k) {
		tfc_status_set(kst, TFC_NOT_FOUND, "no CPU kernel for %s",
			       op ? tfc_operation_type(op) : "(no op)");
		return false;
	}
	if (ki->k->create)
		ki->state = ki->k->create(op, kst);
	return tfc_status_code(kst) == TFC_OK;
}

static void kinst_destroy(struct kinst *ki)
{
	if (ki->k && ki->k->destroy)
		ki->k->destroy(ki->state);
	ki->state = NULL;
}

/* One compute, as the executor runs it: in[] holds one reference per input, which
 * the kernel run takes over (released here afterwards); in_refs may be NULL. outs
 * receives the outputs (caller frees), all NULL on failure. */
static tfc_code kinst_run(struct kinst *ki, tfc_tensor **in, struct tfc_ref **in_refs, int n_in,
			  tfc_tensor **outs, int intra)
{
	int n_out = tfc_operation_num_outputs(ki->op);
	struct tfc_ref *no_refs[16] = {NULL}, *out_refs[16] = {NULL};
	for (int i = 0; i < n_out; i++)
		outs[i] = NULL;
	tfc_status_set(kst, TFC_OK, NULL);
	struct tfc_kernel_ctx ctx = {
		.op = ki->op,
		.state = ki->state,
		.n_inputs = n_in,
		.inputs = in,
		.input_refs = in_refs ? in_refs : no_refs,
		.n_outputs = n_out,
		.outputs = outs,
		.output_refs = out_refs,
		.resources = NULL,
		.step_id = 1,
		.intra_op_threads = intra,
		.st = kst,
	};
	ki->k->compute(&ctx);
	for (int k = 0; k < n_in; k++)
		tfc_tensor_free(in[k]);
	if (tfc_status_code(kst) != TFC_OK) {
		for (int i = 0; i < n_out; i++) {
			tfc_tensor_free(outs[i]);
			outs[i] = NULL;
		}
	}
	return tfc_status_code(kst);
}

/* lookup -> create -> compute -> destroy on the given inputs (taken). */
static tfc_code run_kernel(const tfc_operation *op, tfc_tensor **in, int n_in, tfc_tensor **outs)
{
	struct kinst ki;
	if (!kinst_init(&ki, op)) {
		for (int k = 0; k < n_in; k++)
			tfc_tensor_free(in[k]);
		for (int i = 0; op && i < tfc_operation_num_outputs(op); i++)
			outs[i] = NULL;
		kinst_destroy(&ki);
		return tfc_status_code(kst);
	}
	tfc_code c = kinst_run(&ki, in, NULL, n_in, outs, 0);
	kinst_destroy(&ki);
	return c;
}

/* Evaluates output o by running the kernels of it and everything it reads (a new
 * reference, or NULL with kst set). Each input is evaluated afresh. */
static tfc_tensor *eval(tfc_output o)
{
	if (!o.oper) {
		tfc_status_set(kst, TFC_INTERNAL, "no op (graph building failed: %s)",
			       tfc_status_message(st));
		return NULL;
	}
	int n_in = tfc_operation_num_inputs(o.oper);
	tfc_tensor *in[16], *outs[16];
	for (int k = 0; k < n_in; k++) {
		in[k] = eval(tfc_operation_input(o.oper, k));
		if (!in[k]) {
			for (int j = 0; j < k; j++)
				tfc_tensor_free(in[j]);
			return NULL;
		}
	}
	if (run_kernel(o.oper, in, n_in, outs) != TFC_OK)
		return NULL;
	int n_out = tfc_operation_num_outputs(o.oper);
	for (int i = 0; i < n_out; i++)
		if (i != o.index)
			tfc_tensor_free(outs[i]);
	return outs[o.index];
}

/* Evaluates o, compares with want (freed), frees the result. */
static bool eval_eq(tfc_output o, tfc_tensor *want)
{
	tfc_tensor *got = eval(o);
	if (!got)
		diag("error: %s", tfc_status_message(kst));
	bool r = eq(got, want);
	tfc_tensor_free(got);
	return r;
}

/* Evaluates o expecting an error: true when code and message are as wanted. */
static bool eval_err(tfc_output o, tfc_code code, const char *msg)
{
	tfc_tensor *got = eval(o);
	bool r = !got && tfc_status_code(kst) == code && strcmp(tfc_status_message(kst), msg) == 0;
	if (!r) {
		diag_tensor("result", got);
		diag("     got: %s '%s'", tfc_code_name(tfc_status_code(kst)), tfc_status_message(kst));
		diag("expected: %s '%s'", tfc_code_name(code), msg);
	}
	tfc_tensor_free(got);
	return r;
}

/* ---- the registry */

static void test_registry(void)
{
	tfc_status_set(st, TFC_OK, NULL);
	static const char *const want[] = {
		"Const", "Placeholder", "PlaceholderV2", "PlaceholderWithDefault", "Identity",
		"IdentityN", "Snapshot", "StopGradient", "NoOp", "Add", "AddV2", "Sub", "Mul",
		"RealDiv", "Div", "Maximum", "Minimum", "Square", "Neg", "MatMul", "Softmax",
		"Reshape", "Pack", "Shape", "Fill", "ZerosLike", "RandomUniform", "StringJoin",
		"ShardedFilename", "VariableV2", "Variable", "Assign", "AssignAdd", "AssignSub",
		"IsVariableInitialized", "VarHandleOp", "ReadVariableOp", "AssignVariableOp",
		"AssignAddVariableOp", "AssignSubVariableOp", "VarIsInitializedOp",
		"DestroyResourceOp"};
	int missing = 0;
	for (size_t i = 0; i < TFC_ARRAY_LEN(want); i++) {
		const struct tfc_kernel_def *k = tfc_kernel_lookup(want[i], "CPU");
		if (!k || strcmp(k->op, want[i]) != 0) {
			diag("no CPU kernel for %s", want[i]);
			missing++;
		}
	}
	is_int(missing, 0, "all %d kernels of this issue are registered for CPU",
	       (int)TFC_ARRAY_LEN(want));
	const struct tfc_kernel_def *gk = tfc_kernel_lookup("MatMul", "GPU");
	ok(!gk || (!strcmp(gk->device, "GPU") && gk->supports),
	   "a GPU MatMul exists only in a CUDA build (cuda/), saying which dtypes it takes");
	ok(tfc_kernel_lookup("NoSuchOp", "CPU") == NULL, "an unknown op has no kernel");
	ok(tfc_kernel_lookup(NULL, "CPU") == NULL && tfc_kernel_lookup("Add", NULL) == NULL,
	   "NULL op or device: no kernel");

	const struct tfc_kernel_def *const tables[] = {
		tfc__const_kernels, tfc__math_kernels, tfc__matmul_kernels, tfc__nn_kernels,
		tfc__array_kernels, tfc__random_kernels, tfc__string_kernels, tfc__state_kernels};
	int bad = 0, n = 0;
	for (size_t t = 0; t < TFC_ARRAY_LEN(tables); t++) {
		for (const struct tfc_kernel_def *d = tables[t]; d->op; d++, n++) {
			if (!tfc_op_is_registered(d->op) || tfc_kernel_lookup(d->op, d->device) != d ||
			    !d->compute) {
				diag("bad record: %s", d->op);
				bad++;
			}
			bool stateful = d->flags & TFC_KF_STATEFUL;
			const struct tfc__op_def *od = tfc__op_lookup(d->op);
			if (od && (bool)(od->flags & TFC_OPF_STATEFUL) && !stateful) {
				diag("%s: the op is stateful but its kernel is not flagged so", d->op);
				bad++;
			}
		}
	}
	is_int(bad, 0, "each of the %d records names a registered op, is found by lookup, and "
		       "flags stateful ops",
	       n);
}

/* ---- const_kernels.c */

static void test_const_and_identities(void)
{
	tfc_status_set(st, TFC_OK, NULL);
	tfc_output c = cnst(mk(TFC_FLOAT, 2, DIMS(2, 2), F32(1, 2, 3, 4)));
	ok(eval_eq(c, mk(TFC_FLOAT, 2, DIMS(2, 2), F32(1, 2, 3, 4))), "Const gives its value");
	tfc_output s = cnst(mk_str(1, DIMS(2), STRS("ab", "")));
	ok(eval_eq(s, mk_str(1, DIMS(2), STRS("ab", ""))), "a string Const");

	/* The Const kernel hands out references to the one tensor it parsed. */
	struct kinst ki;
	tfc_tensor *o1[1], *o2[1];
	ok(kinst_init(&ki, c.oper) && kinst_run(&ki, NULL, NULL, 0, o1, 0) == TFC_OK &&
		   kinst_run(&ki, NULL, NULL, 0, o2, 0) == TFC_OK && o1[0] == o2[0],
	   "Const parses its value once; each run forwards a new reference");
	kinst_destroy(&ki);
	tfc_tensor_free(o1[0]);
	tfc_tensor_free(o2[0]);

	static const char *const fwd[] = {"Identity", "Snapshot", "StopGradient"};
	for (size_t i = 0; i < TFC_ARRAY_LEN(fwd); i++) {
		tfc_operation *op = unary(fwd[i], c).oper;
		tfc_tensor *x = mk(TFC_FLOAT, 1, DIMS(3), F32(1, 2, 3)), *out[1];
		tfc_tensor *in[1] = {tfc_tensor_ref(x)};
		ok(run_kernel(op, in, 1, out) == TFC_OK && out[0] == x,
		   "%s forwards its input (the same tensor, no copy)", fwd[i]);
		tfc_tensor_free(out[0]);
		tfc_tensor_free(x);
	}

	tfc_op_desc *d = tfc_op_new(g, "PlaceholderWithDefault", "pwd");
	tfc_op_add_input(d, c);
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_shape sh = tfc_shape_make(2, DIMS(2, 2));
	tfc_op_set_attr_shape(d, "shape", &sh);
	tfc_operation *pwd = tfc_op_finish(d, st);
	ok(eval_eq((tfc_output){pwd, 0}, mk(TFC_FLOAT, 2, DIMS(2, 2), F32(1, 2, 3, 4))),
	   "PlaceholderWithDefault gives its default when it runs");

	tfc_output pair[] = {c, s};
	tfc_operation *idn = tfc_identity_n(g, "idn", pair, 2, st);
	tfc_tensor *a = mk(TFC_FLOAT, 0, NULL, F32(7)), *b = mk_str(0, NULL, STRS("x"));
	tfc_tensor *in2[2] = {tfc_tensor_ref(a), tfc_tensor_ref(b)}, *out2[2];
	ok(idn && run_kernel(idn, in2, 2, out2) == TFC_OK && out2[0] == a && out2[1] == b,
	   "IdentityN forwards every input");
	tfc_tensor_free(out2[0]);
	tfc_tensor_free(out2[1]);
	tfc_tensor_free(a);
	tfc_tensor_free(b);

	tfc_operation *noop = t_noop(g, "nothing", st);
	ok(noop && run_kernel(noop, NULL, 0, NULL) == TFC_OK, "NoOp runs and does nothing");
}

static void test_placeholders(void)
{
	tfc_status_set(st, TFC_OK, NULL);
	tfc_operation *x = t_placeholder(g, "x", TFC_FLOAT, 1, DIMS(3), st);
	ok(eval_err((tfc_output){x, 0}, TFC_INVALID_ARGUMENT,
		    "You must feed a value for placeholder tensor 'x' with dtype float and shape [3]"),
	   "an unfed Placeholder: TensorFlow's message, with the shape");
	tfc_operation *y = t_placeholder(g, "y", TFC_INT32, 2, DIMS(-1, 3), st);
	ok(eval_err((tfc_output){y, 0}, TFC_INVALID_ARGUMENT,
		    "You must feed a value for placeholder tensor 'y' with dtype int32 and shape [?,3]"),
	   "a partial shape is printed with ?");
	tfc_operation *z = t_placeholder(g, "z", TFC_STRING, -1, NULL, st);
	ok(eval_err((tfc_output){z, 0}, TFC_INVALID_ARGUMENT,
		    "You must feed a value for placeholder tensor 'z' with dtype string"),
	   "an unknown rank leaves the shape out");
	tfc_operation *s = t_placeholder(g, "s", TFC_DOUBLE, 0, NULL, st);
	ok(eval_err((tfc_output){s, 0}, TFC_INVALID_ARGUMENT,
		    "You must feed a value for placeholder tensor 's' with dtype double"),
	   "so does a scalar shape, as in TensorFlow's PlaceholderOp");
	tfc_op_desc *d = tfc_op_new(g, "PlaceholderV2", "v2");
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_shape sh = tfc_shape_make(2, DIMS(2, 5));
	tfc_op_set_attr_shape(d, "shape", &sh);
	tfc_operation *v2 = tfc_op_finish(d, st);
	ok(eval_err((tfc_output){v2, 0}, TFC_INVALID_ARGUMENT,
		    "You must feed a value for placeholder tensor 'v2' with dtype float and shape [2,5]"),
	   "PlaceholderV2 fails the same way");
}

/* ---- math_kernels.c */

static void test_binary_math(void)
{
	tfc_status_set(st, TFC_OK, NULL);
	tfc_output m23 = cnst(mk(TFC_FLOAT, 2, DIMS(2, 3), F32(1, 2, 3, 4, 5, 6)));
	tfc_output v3 = cnst(mk(TFC_FLOAT, 1, DIMS(3), F32(10, 20, 30)));
	tfc_output sc = cnst(mk(TFC_FLOAT, 0, NULL, F32(2)));
	tfc_output col = cnst(mk(TFC_FLOAT, 2, DIMS(2, 1), F32(100, 200)));

	ok(eval_eq(binary("Add", m23, v3),
		   mk(TFC_FLOAT, 2, DIMS(2, 3), F32(11, 22, 33, 14, 25, 36))),
	   "Add [2,3] + [3] broadcasts the row");
	ok(eval_eq(binary("AddV2", v3, m23),
		   mk(TFC_FLOAT, 2, DIMS(2, 3), F32(11, 22, 33, 14, 25, 36))),
	   "AddV2 [3] + [2,3]");
	ok(eval_eq(binary("Sub", m23, col),
		   mk(TFC_FLOAT, 2, DIMS(2, 3), F32(-99, -98, -97, -196, -195, -194))),
	   "Sub [2,3] - [2,1] broadcasts the column");
	ok(eval_eq(binary("Mul", col, v3),
		   mk(TFC_FLOAT, 2, DIMS(2, 3), F32(1000, 2000, 3000, 2000, 4000, 6000))),
	   "Mul [2,1] * [3] is an outer product [2,3]");
	ok(eval_eq(binary("RealDiv", m23, sc),
		   mk(TFC_FLOAT, 2, DIMS(2, 3), F32(0.5f, 1, 1.5f, 2, 2.5f, 3))),
	   "RealDiv by a scalar");
	ok(eval_eq(binary("Div", sc, v3),
		   mk(TFC_FLOAT, 1, DIMS(3), F32(2.0f / 10, 2.0f / 20, 2.0f / 30))),
	   "Div of a scalar by a vector (floats)");
	ok(eval_eq(binary("Mul", sc, sc), mk(TFC_FLOAT, 0, NULL, F32(4))), "scalar * scalar");
	ok(eval_eq(binary("Maximum", m23, cnst(mk(TFC_FLOAT, 1, DIMS(3), F32(2, 9, -1)))),
		   mk(TFC_FLOAT, 2, DIMS(2, 3), F32(2, 9, 3, 4, 9, 6))),
	   "Maximum with broadcasting");
	ok(eval_eq(binary("Minimum", m23, cnst(mk(TFC_FLOAT, 0, NULL, F32(3.5f)))),
		   mk(TFC_FLOAT, 2, DIMS(2, 3), F32(1, 2, 3, 3.5f, 3.5f, 3.5f))),
	   "Minimum with a scalar");
	ok(eval_eq(binary("Add", m23, m23),
		   mk(TFC_FLOAT, 2, DIMS(2, 3), F32(2, 4, 6, 8, 10, 12))),
	   "equal shapes");
	ok(eval_eq(binary("Add", cnst(mk(TFC_FLOAT, 3, DIMS(2, 1, 2), F32(1, 2, 3, 4))),
			  cnst(mk(TFC_FLOAT, 2, DIMS(3, 1), F32(10, 20, 30)))),
		   mk(TFC_FLOAT, 3, DIMS(2, 3, 2),
		      F32(11, 12, 21, 22, 31, 32, 13, 14, 23, 24, 33, 34))),
	   "[2,1,2] + [3,1] gives [2,3,2]");
	ok(eval_eq(binary("Add", cnst(mk(TFC_FLOAT, 2, DIMS(0, 3), NULL)), v3),
		   mk(TFC_FLOAT, 2, DIMS(0, 3), NULL)),
	   "an empty operand gives an empty result");

	/* Errors: the shapes are only known at run time (Placeholders with unknown
	 * shapes would be fed; Consts of these shapes fail at graph building already). */
	tfc_operation *pa = t_placeholder(g, "pa", TFC_FLOAT, -1, NULL, st);
	tfc_operation *pb = t_placeholder(g, "pb", TFC_FLOAT, -1, NULL, st);
	tfc_operation *add = t_binary(g, "Add", "bad_add", pa, pb, st);
	tfc_tensor *in[2] = {mk(TFC_FLOAT, 2, DIMS(2, 3), NULL), mk(TFC_FLOAT, 1, DIMS(4), NULL)};
	tfc_tensor *out[1];
	ok(run_kernel(add, in, 2, out) == TFC_INVALID_ARGUMENT &&
		   !strcmp(tfc_status_message(kst), "Incompatible shapes: [2,3] vs. [4]"),
	   "Incompatible shapes: [2,3] vs. [4] (InvalidArgument)");
	if (tfc_status_code(kst) != TFC_INVALID_ARGUMENT)
		diag("got: %s", tfc_status_message(kst));
	tfc_tensor *in2[2] = {mk(TFC_FLOAT, 2, DIMS(2, 3), NULL), mk(TFC_FLOAT, 2, DIMS(3, 2), NULL)};
	ok(run_kernel(add, in2, 2, out) == TFC_INVALID_ARGUMENT &&
		   !strcmp(tfc_status_message(kst), "Incompatible shapes: [2,3] vs. [3,2]"),
	   "Incompatible shapes: [2,3] vs. [3,2]");

	/* Other dtypes. */
	tfc_output i3 = cnst(mk(TFC_INT32, 1, DIMS(3), I32(INT32_MAX, -7, 7)));
	tfc_output i2 = cnst(mk(TFC_INT32, 0, NULL, I32(2)));
	ok(eval_eq(binary("Add", i3, cnst(mk(TFC_INT32, 0, NULL, I32(1)))),
		   mk(TFC_INT32, 1, DIMS(3), I32(INT32_MIN, -6, 8))),
	   "int32 Add wraps around as TensorFlow's does");
	ok(eval_eq(binary("Div", i3, i2), mk(TFC_INT32, 1, DIMS(3), I32(INT32_MAX / 2, -3, 3))),
	   "int32 Div truncates toward zero");
	ok(eval_err(binary("Div", i3, cnst(mk(TFC_INT32, 1, DIMS(3), I32(1, 0, 1)))),
		    TFC_INVALID_ARGUMENT, "Integer division by zero"),
	   "int32 Div by zero: InvalidArgument");
	ok(eval_eq(binary("Mul", cnst(mk(TFC_INT64, 1, DIMS(2), I64(INT64_C(1) << 40, -3))),
			  cnst(mk(TFC_INT64, 1, DIMS(2), I64(1 << 20, 5)))),
		   mk(TFC_INT64, 1, DIMS(2), I64(INT64_C(1) << 60, -15))),
	   "int64 Mul");
	ok(eval_eq(binary("Maximum", cnst(mk(TFC_INT64, 1, DIMS(3), I64(-5, 0, 5))),
			  cnst(mk(TFC_INT64, 0, NULL, I64(1)))),
		   mk(TFC_INT64, 1, DIMS(3), I64(1, 1, 5))),
	   "int64 Maximum");
	ok(eval_eq(binary("Sub", cnst(mk(TFC_DOUBLE, 1, DIMS(2), F64(0.1, 1e300))),
			  cnst(mk(TFC_DOUBLE, 1, DIMS(2), F64(0.3, -1e300)))),
		   mk(TFC_DOUBLE, 1, DIMS(2), F64(0.1 - 0.3, 2e300))),
	   "double Sub");
	ok(eval_eq(binary("RealDiv", cnst(mk(TFC_DOUBLE, 0, NULL, F64(1))),
			  cnst(mk(TFC_DOUBLE, 0, NULL, F64(3)))),
		   mk(TFC_DOUBLE, 0, NULL, F64(1.0 / 3))),
	   "double RealDiv");
	ok(eval_eq(binary("Add", cnst(mk_str(1, DIMS(2), STRS("a", "bc"))),
			  cnst(mk_str(0, NULL, STRS("-x")))),
		   mk_str(1, DIMS(2), STRS("a-x", "bc-x"))),
	   "string Add concatenates, with broadcasting");
	ok(eval_eq(binary("Add", cnst(mk_str(2, DIMS(2, 1), STRS("p", "q"))),
			  cnst(mk_str(1, DIMS(2), STRS("1", "")))),
		   mk_str(2, DIMS(2, 2), STRS("p1", "p", "q1", "q"))),
	   "string Add [2,1] + [2]");

	/* Unsupported dtypes fail at create(). */
	tfc_operation *u8 = t_placeholder(g, "u8", TFC_UINT8, -1, NULL, st);
	tfc_operation *add8 = t_binary(g, "AddV2", "add8", u8, u8, st);
	struct kinst ki;
	ok(add8 && !kinst_init(&ki, add8) && tfc_status_code(kst) == TFC_UNIMPLEMENTED &&
		   !strcmp(tfc_status_message(kst),
			   "No CPU kernel for op AddV2 with T=uint8 (node 'add8')"),
	   "AddV2 of uint8: Unimplemented at create(), naming the node");
	kinst_destroy(&ki);
	tfc_operation *idiv = t_binary(g, "RealDiv", "idiv", pa, pb, st);
	(void)idiv;
	tfc_operation *ia = t_placeholder(g, "ia", TFC_INT32, -1, NULL, st);
	tfc_operation *rdi = t_binary(g, "RealDiv", "rdi", ia, ia, st);
	ok(rdi && !kinst_init(&ki, rdi) &&
		   !strcmp(tfc_status_message(kst),
			   "No CPU kernel for op RealDiv with T=int32 (node 'rdi')"),
	   "RealDiv has no int32 kernel (as in TensorFlow)");
	kinst_destroy(&ki);
}

/* A naive broadcast of a op b over int32, for the random check. */
static void naive_broadcast(const tfc_shape *sa, const int32_t *a, const tfc_shape *sb,
			    const int32_t *b, const tfc_shape *so, int32_t *out, int op)
{
	int64_t n = tfc_shape_num_elements(so);
	for (int64_t f = 0; f < n; f++) {
		int64_t idx[TFC_MAX_RANK], rem = f;
		for (int d = so->rank - 1; d >= 0; d--) {
			idx[d] = rem % so->dims[d];
			rem /= so->dims[d];
		}
		int64_t ia = 0, ib = 0;
		for (int d = 0; d < sa->rank; d++) {
			int od = d + so->rank - sa->rank;
			ia = ia * sa->dims[d] + (sa->dims[d] == 1 ? 0 : idx[od]);
		}
		for (int d = 0; d < sb->rank; d++) {
			int od = d + so->rank - sb->rank;
			ib = ib * sb->dims[d] + (sb->dims[d] == 1 ? 0 : idx[od]);
		}
		out[f] = op == 0 ? a[ia] - b[ib] : (a[ia] > b[ib] ? a[ia] : b[ib]);
	}
}

static void test_broadcast_random(void)
{
	tfc_status_set(st, TFC_OK, NULL);
	uint32_t seed = 12345;
#define RND() (seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff)
	tfc_operation *pa = t_placeholder(g, "ra", TFC_INT32, -1, NULL, st);
	tfc_operation *pb = t_placeholder(g, "rb", TFC_INT32, -1, NULL, st);
	tfc_operation *sub = t_binary(g, "Sub", "rsub", pa, pb, st);
	tfc_operation *mx = t_binary(g, "Maximum", "rmax", pa, pb, st);
	int bad = 0, cases = 300;
	for (int c = 0; c < cases; c++) {
		int r = (int)(RND() % 5);
		int64_t od[TFC_MAX_RANK], ad[TFC_MAX_RANK], bd[TFC_MAX_RANK];
		for (int d = 0; d < r; d++) {
			od[d] = 1 + RND() % 4;
			ad[d] = RND() % 2 ? od[d] : 1;
			bd[d] = RND() % 2 ? od[d] : 1;
		}
		int ra = r ? (int)(RND() % (unsigned)(r + 1)) : 0, rb = r;
		if (RND() % 2) {
			int t = ra;
			ra = rb;
			rb = t;
		}
		tfc_shape sa = tfc_shape_make(ra, ad + (r - ra)), sb = tfc_shape_make(rb, bd + (r - rb));
		/* the broadcast shape: the larger size where either is not 1 */
		int64_t ro[TFC_MAX_RANK];
		for (int d = 0; d < r; d++) {
			int64_t x = d >= r - ra ? ad[d] : 1, y = d >= r - rb ? bd[d] : 1;
			ro[d] = x > y ? x : y;
		}
		tfc_shape so = tfc_shape_make(r, ro);
		tfc_tensor *a = tfc_tensor_new(TFC_INT32, sa.dims, sa.rank, NULL);
		tfc_tensor *b = tfc_tensor_new(TFC_INT32, sb.dims, sb.rank, NULL);
		for (int64_t i = 0; i < tfc_tensor_num_elements(a); i++)
			((int32_t *)tfc_tensor_data(a))[i] = (int32_t)(RND() % 100);
		for (int64_t i = 0; i < tfc_tensor_num_elements(b); i++)
			((int32_t *)tfc_tensor_data(b))[i] = (int32_t)(RND() % 100);
		for (int op = 0; op < 2; op++) {
			tfc_tensor *want = tfc_tensor_new(TFC_INT32, so.dims, so.rank, NULL);
			naive_broadcast(&sa, tfc_tensor_data(a), &sb, tfc_tensor_data(b), &so,
					tfc_tensor_data(want), op);
			tfc_tensor *in[2] = {tfc_tensor_ref(a), tfc_tensor_ref(b)}, *out[1];
			if (run_kernel(op ? mx : sub, in, 2, out) != TFC_OK) {
				diag("case %d: %s", c, tfc_status_message(kst));
				bad++;
				tfc_tensor_free(want);
				continue;
			}
			if (!eq(out[0], want))
				bad++;
			tfc_tensor_free(out[0]);
		}
		tfc_tensor_free(a);
		tfc_tensor_free(b);
	}
#undef RND
	is_int(bad, 0, "Sub and Maximum match a naive broadcast on %d random shape pairs", cases);
}

static void test_unary_math(void)
{
	tfc_status_set(st, TFC_OK, NULL);
	tfc_output f = cnst(mk(TFC_FLOAT, 1, DIMS(3), F32(-1.5f, 0, 3)));
	ok(eval_eq(unary("Square", f), mk(TFC_FLOAT, 1, DIMS(3), F32(2.25f, 0, 9))), "Square float");
	ok(eval_eq(unary("Neg", f), mk(TFC_FLOAT, 1, DIMS(3), F32(1.5f, -0.0f, -3))), "Neg float");
	ok(eval_eq(unary("Square", cnst(mk(TFC_DOUBLE, 0, NULL, F64(1e-3)))),
		   mk(TFC_DOUBLE, 0, NULL, F64(1e-3 * 1e-3))),
	   "Square double");
	ok(eval_eq(unary("Neg", cnst(mk(TFC_INT32, 1, DIMS(2), I32(INT32_MIN, 5)))),
		   mk(TFC_INT32, 1, DIMS(2), I32(INT32_MIN, -5))),
	   "Neg int32 (INT32_MIN wraps to itself)");
	ok(eval_eq(unary("Square", cnst(mk(TFC_INT64, 1, DIMS(2), I64(-3, INT64_C(3000000000))))),
		   mk(TFC_INT64, 1, DIMS(2), I64(9, INT64_C(9000000000000000000)))),
	   "Square int64");
	tfc_operation *p16 = t_placeholder(g, "h", TFC_HALF, -1, NULL, st);
	struct kinst ki;
	tfc_operation *sq = unary("Square", (tfc_output){p16, 0}).oper;
	ok(sq && !kinst_init(&ki, sq) && tfc_status_code(kst) == TFC_UNIMPLEMENTED,
	   "Square of half: Unimplemented (%s)", tfc_status_message(kst));
	kinst_destroy(&ki);
}

static void test_reuse(void)
{
	tfc_status_set(st, TFC_OK, NULL);
	tfc_operation *pa = t_placeholder(g, "ua", TFC_FLOAT, -1, NULL, st);
	tfc_operation *pb = t_placeholder(g, "ub", TFC_FLOAT, -1, NULL, st);
	tfc_operation *add = t_binary(g, "Add", "uadd", pa, pb, st);
	tfc_operation *neg = unary("Neg", (tfc_output){pa, 0}).oper;
	tfc_tensor *out[1];

	/* Only reference: the kernel's own. */
	tfc_tensor *a = mk(TFC_FLOAT, 1, DIMS(3), F32(1, 2, 3));
	tfc_tensor *b = mk(TFC_FLOAT, 0, NULL, F32(10));
	void *adata = tfc_tensor_data(a);
	tfc_tensor *in[2] = {a, tfc_tensor_ref(b)};
	ok(run_kernel(add, in, 2, out) == TFC_OK && out[0] == a && tfc_tensor_data(out[0]) == adata,
	   "Add writes into input 0 when the kernel holds its only reference");
	ok(eq(out[0], mk(TFC_FLOAT, 1, DIMS(3), F32(11, 12, 13))), "with the right values");
	tfc_tensor_free(out[0]);

	/* Input 1 when input 0 is broadcast. */
	tfc_tensor *c = mk(TFC_FLOAT, 1, DIMS(3), F32(1, 2, 3));
	tfc_tensor *in2[2] = {tfc_tensor_ref(b), c};
	ok(run_kernel(add, in2, 2, out) == TFC_OK && out[0] == c, "or into input 1");
	tfc_tensor_free(out[0]);

	/* Held elsewhere too: a new buffer, the input unchanged. */
	tfc_tensor *d = mk(TFC_FLOAT, 1, DIMS(3), F32(1, 2, 3));
	tfc_tensor *in3[2] = {tfc_tensor_ref(d), tfc_tensor_ref(b)};
	ok(run_kernel(add, in3, 2, out) == TFC_OK && out[0] != d &&
		   eq(d, mk(TFC_FLOAT, 1, DIMS(3), F32(1, 2, 3))),
	   "an input someone else holds is never written");
	tfc_tensor_free(out[0]);
	tfc_tensor_free(d);

	/* A ref input (a variable's value) is never written. */
	struct tfc_ref fake = {.name = "v"};
	struct tfc_ref *refs[2] = {&fake, NULL};
	struct kinst ki;
	tfc_tensor *e = mk(TFC_FLOAT, 1, DIMS(3), F32(1, 2, 3));
	void *edata = tfc_tensor_data(e);
	tfc_tensor *in4[2] = {e, tfc_tensor_ref(b)}; /* the kernel's reference is the only one */
	ok(kinst_init(&ki, add) && kinst_run(&ki, in4, refs, 2, out, 0) == TFC_OK &&
		   tfc_tensor_data(out[0]) != edata,
	   "a ref input is not reused even when its count is 1");
	tfc_tensor_free(out[0]);
	kinst_destroy(&ki);

	/* A view sharing the buffer (a Reshape output) keeps the buffer. */
	tfc_operation *rs = tfc_reshape(g, "ureshape", (tfc_output){pa, 0},
					 cnst(mk(TFC_INT32, 1, DIMS(2), I32(3, 1))), st);
	tfc_tensor *f = mk(TFC_FLOAT, 1, DIMS(3), F32(1, 2, 3)), *view[1];
	tfc_tensor *in5[2] = {tfc_tensor_ref(f), mk(TFC_INT32, 1, DIMS(2), I32(3, 1))};
	ok(run_kernel(rs, in5, 2, view) == TFC_OK && view[0] != f &&
		   tfc_tensor_data(view[0]) == tfc_tensor_data(f),
	   "Reshape shares its input's buffer");
	tfc_tensor *in6[1] = {f};
	ok(run_kernel(neg, in6, 1, out) == TFC_OK && tfc_tensor_data(out[0]) != tfc_tensor_data(view[0]) &&
		   eq(view[0], mk(TFC_FLOAT, 2, DIMS(3, 1), F32(1, 2, 3))),
	   "a tensor whose buffer a view shares is not reused");
	tfc_tensor_free(out[0]);
	tfc_tensor_free(view[0]);

	tfc_tensor_free(b);
}

/* ---- matmul_kernels.c */

static tfc_output matmul(tfc_output a, tfc_output b, bool ta, bool tb)
{
	tfc_op_desc *d = tfc_op_new(g, "MatMul", NULL);
	tfc_op_add_input(d, a);
	tfc_op_add_input(d, b);
	tfc_op_set_attr_bool(d, "transpose_a", ta);
	tfc_op_set_attr_bool(d, "transpose_b", tb);
	return (tfc_output){tfc_op_finish(d, st), 0};
}

static void test_matmul(void)
{
	tfc_status_set(st, TFC_OK, NULL);
	/* A = [[1,2,3],[4,5,6]], B = [[7,8],[9,10],[11,12]]; AB = [[58,64],[139,154]] */
	tfc_output a = cnst(mk(TFC_FLOAT, 2, DIMS(2, 3), F32(1, 2, 3, 4, 5, 6)));
	tfc_output b = cnst(mk(TFC_FLOAT, 2, DIMS(3, 2), F32(7, 8, 9, 10, 11, 12)));
	tfc_output at = cnst(mk(TFC_FLOAT, 2, DIMS(3, 2), F32(1, 4, 2, 5, 3, 6)));
	tfc_output bt = cnst(mk(TFC_FLOAT, 2, DIMS(2, 3), F32(7, 9, 11, 8, 10, 12)));
	tfc_tensor *ab = mk(TFC_FLOAT, 2, DIMS(2, 2), F32(58, 64, 139, 154));
	ok(eval_eq(matmul(a, b, false, false), tfc_tensor_ref(ab)), "MatMul float [2,3]x[3,2]");
	ok(eval_eq(matmul(at, b, true, false), tfc_tensor_ref(ab)), "MatMul transpose_a");
	ok(eval_eq(matmul(a, bt, false, true), tfc_tensor_ref(ab)), "MatMul transpose_b");
	ok(eval_eq(matmul(at, bt, true, true), tfc_tensor_ref(ab)), "MatMul transpose_a and _b");
	tfc_tensor_free(ab);
	ok(eval_eq(matmul(b, a, false, false),
		   mk(TFC_FLOAT, 2, DIMS(3, 3), F32(39, 54, 69, 49, 68, 87, 59, 82, 105))),
	   "MatMul [3,2]x[2,3]");
	ok(eval_eq(matmul(cnst(mk(TFC_DOUBLE, 2, DIMS(1, 2), F64(0.5, 0.25))),
			  cnst(mk(TFC_DOUBLE, 2, DIMS(2, 1), F64(4, 8))), false, false),
		   mk(TFC_DOUBLE, 2, DIMS(1, 1), F64(4))),
	   "MatMul double");
	tfc_output ia = cnst(mk(TFC_INT32, 2, DIMS(2, 3), I32(1, 2, 3, 4, 5, 6)));
	tfc_output ibt = cnst(mk(TFC_INT32, 2, DIMS(2, 3), I32(7, 9, 11, 8, 10, 12)));
	ok(eval_eq(matmul(ia, ibt, false, true), mk(TFC_INT32, 2, DIMS(2, 2), I32(58, 64, 139, 154))),
	   "MatMul int32 (plain loop) with transpose_b");
	tfc_output iat = cnst(mk(TFC_INT32, 2, DIMS(3, 2), I32(1, 4, 2, 5, 3, 6)));
	ok(eval_eq(matmul(iat, ibt, true, true), mk(TFC_INT32, 2, DIMS(2, 2), I32(58, 64, 139, 154))),
	   "MatMul int32 with both transposes");
	ok(eval_eq(matmul(cnst(mk(TFC_FLOAT, 2, DIMS(2, 0), NULL)),
			  cnst(mk(TFC_FLOAT, 2, DIMS(0, 3), NULL)), false, false),
		   mk(TFC_FLOAT, 2, DIMS(2, 3), NULL)),
	   "an empty inner dimension gives zeros");

	/* A bigger product against a plain loop, with OpenBLAS threads set. */
	int m = 37, k = 53, n = 29;
	tfc_tensor *A = tfc_tensor_new(TFC_FLOAT, DIMS(m, k), 2, NULL);
	tfc_tensor *B = tfc_tensor_new(TFC_FLOAT, DIMS(k, n), 2, NULL);
	float *pa = tfc_tensor_data(A), *pb = tfc_tensor_data(B);
	for (int i = 0; i < m * k; i++)
		pa[i] = (float)((i * 7) % 11) - 5;
	for (int i = 0; i < k * n; i++)
		pb[i] = (float)((i * 5) % 13) - 6;
	tfc_tensor *C = tfc_tensor_new(TFC_FLOAT, DIMS(m, n), 2, NULL);
	float *pc = tfc_tensor_data(C);
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			float s = 0;
			for (int p = 0; p < k; p++)
				s += pa[i * k + p] * pb[p * n + j];
			pc[i * n + j] = s;
		}
	tfc_operation *mm = matmul(cnst(tfc_tensor_ref(A)), cnst(tfc_tensor_ref(B)), false, false).oper;
	struct kinst ki;
	tfc_tensor *in[2] = {A, B}, *out[1];
	ok(kinst_init(&ki, mm) && kinst_run(&ki, in, NULL, 2, out, 2) == TFC_OK && eq(out[0], C),
	   "MatMul [37,53]x[53,29] equals a plain loop (small integers: exact), 2 BLAS threads");
	kinst_destroy(&ki);
	tfc_tensor_free(out[0]);

	tfc_operation *p1 = t_placeholder(g, "mp1", TFC_FLOAT, -1, NULL, st);
	tfc_operation *p2 = t_placeholder(g, "mp2", TFC_FLOAT, -1, NULL, st);
	tfc_operation *bad = t_binary(g, "MatMul", "badmm", p1, p2, st);
	tfc_tensor *in2[2] = {mk(TFC_FLOAT, 2, DIMS(2, 3), NULL), mk(TFC_FLOAT, 2, DIMS(4, 5), NULL)};
	ok(run_kernel(bad, in2, 2, out) == TFC_INVALID_ARGUMENT &&
		   !strcmp(tfc_status_message(kst), "Matrix size-incompatible: In[0]: [2,3], In[1]: [4,5]"),
	   "Matrix size-incompatible: In[0]: [2,3], In[1]: [4,5]");
	tfc_tensor *in3[2] = {mk(TFC_FLOAT, 1, DIMS(3), NULL), mk(TFC_FLOAT, 2, DIMS(3, 5), NULL)};
	ok(run_kernel(bad, in3, 2, out) == TFC_INVALID_ARGUMENT &&
		   !strcmp(tfc_status_message(kst), "In[0] is not a matrix. Instead it has shape [3]"),
	   "In[0] is not a matrix. Instead it has shape [3]");
	tfc_operation *h1 = t_placeholder(g, "mh", TFC_HALF, -1, NULL, st);
	tfc_operation *mh = t_binary(g, "MatMul", "mmh", h1, h1, st);
	ok(mh && !kinst_init(&ki, mh) &&
		   !strcmp(tfc_status_message(kst), "No CPU kernel for op MatMul with T=half (node 'mmh')"),
	   "MatMul of half: Unimplemented");
	kinst_destroy(&ki);
}

/* ---- nn_kernels.c */

static void test_softmax(void)
{
	tfc_status_set(st, TFC_OK, NULL);
	tfc_output x = cnst(mk(TFC_FLOAT, 2, DIMS(2, 3), F32(1, 2, 3, 1000, 1000, 1000)));
	tfc_tensor *y = eval(unary("Softmax", x));
	ok(y != NULL, "Softmax float runs");
	if (y) {
		const float *p = tfc_tensor_data(y);
		double e1 = exp(-2.0), e2 = exp(-1.0), s = e1 + e2 + 1;
		is_double(p[0], e1 / s, 1e-6, "softmax([1,2,3])[0] = e^-2 / (e^-2 + e^-1 + 1)");
		is_double(p[2], 1 / s, 1e-6, "softmax([1,2,3])[2]");
		is_double(p[0] + p[1] + p[2], 1.0, 1e-6, "a row sums to 1");
		ok(p[3] == p[4] && p[4] == p[5] && fabsf(p[3] - 1.0f / 3) < 1e-6f,
		   "large equal logits are stable: 1/3 each (no inf/nan)");
	}
	tfc_tensor_free(y);
	tfc_tensor *yd = eval(unary("Softmax", cnst(mk(TFC_DOUBLE, 1, DIMS(4), F64(-1e300, 0, 1e-9, 710)))));
	ok(yd && ((const double *)tfc_tensor_data(yd))[3] == 1.0 &&
		   ((const double *)tfc_tensor_data(yd))[0] == 0.0,
	   "Softmax double over one axis, extreme logits");
	tfc_tensor_free(yd);
	tfc_operation *p = t_placeholder(g, "smx", TFC_FLOAT, -1, NULL, st);
	tfc_operation *sm = unary("Softmax", (tfc_output){p, 0}).oper;
	tfc_tensor *in[1] = {mk(TFC_FLOAT, 0, NULL, F32(1))}, *out[1];
	ok(run_kernel(sm, in, 1, out) == TFC_INVALID_ARGUMENT &&
		   !strcmp(tfc_status_message(kst), "logits must have >= 1 dimension, got []"),
	   "Softmax of a scalar: logits must have >= 1 dimension, got []");
}

/* ---- array_kernels.c */

static tfc_tensor *run_reshape(tfc_operation *op, tfc_tensor *x, tfc_tensor *shape)
{
	tfc_tensor *in[2] = {x, shape}, *out[1];
	return run_kernel(op, in, 2, out) == TFC_OK ? out[0] : NULL;
}

static void test_reshape(void)
{
	tfc_status_set(st, TFC_OK, NULL);
	tfc_output x = cnst(mk(TFC_FLOAT, 2, DIMS(2, 3), F32(1, 2, 3, 4, 5, 6)));
	ok(eval_eq((tfc_output){tfc_reshape(g, "r1", x, cnst(mk(TFC_INT32, 1, DIMS(2), I32(3, -1))), st), 0},
		   mk(TFC_FLOAT, 2, DIMS(3, 2), F32(1, 2, 3, 4, 5, 6))),
	   "Reshape [2,3] to [3,-1] infers [3,2]");
	ok(eval_eq((tfc_output){tfc_reshape(g, "r2", x, cnst(mk(TFC_INT64, 1, DIMS(1), I64(-1))), st), 0},
		   mk(TFC_FLOAT, 1, DIMS(6), F32(1, 2, 3, 4, 5, 6))),
	   "Reshape to [-1] (int64 shape) flattens");
	ok(eval_eq((tfc_output){tfc_reshape(g, "r3", cnst(mk(TFC_FLOAT, 1, DIMS(1), F32(9))),
					   cnst(mk(TFC_INT32, 1, DIMS(0), NULL)), st), 0},
		   mk(TFC_FLOAT, 0, NULL, F32(9))),
	   "Reshape of one element to [] gives a scalar");

	tfc_operation *px = t_placeholder(g, "rx", TFC_FLOAT, -1, NULL, st);
	tfc_operation *ps = t_placeholder(g, "rs", TFC_INT32, -1, NULL, st);
	tfc_operation *r = tfc_reshape(g, "rr", (tfc_output){px, 0}, (tfc_output){ps, 0}, st);
	tfc_tensor *six = mk(TFC_FLOAT, 2, DIMS(2, 3), F32(1, 2, 3, 4, 5, 6));
	tfc_tensor *t = run_reshape(r, tfc_tensor_ref(six), mk(TFC_INT32, 1, DIMS(3), I32(1, -1, 2)));
	ok(t && tfc_tensor_data(t) == tfc_tensor_data(six) &&
		   eq(t, mk(TFC_FLOAT, 3, DIMS(1, 3, 2), F32(1, 2, 3, 4, 5, 6))),
	   "[1,-1,2] gives [1,3,2], sharing the buffer (no copy)");
	tfc_tensor_free(t);

	struct {
		int n;
		int32_t dims[3];
		const char *msg;
	} errs[] = {
		{2, {2, 2}, "Input to reshape is a tensor with 6 values, but the requested shape has 4"},
		{2, {4, -1}, "Input to reshape is a tensor with 6 values, but the requested shape requires a multiple of 4"},
		{3, {-1, 2, -1}, "Only one input size may be -1, not both 0 and 2"},
		{2, {-2, 3}, "Size 0 must be non-negative, not -2"},
		{2, {0, -1}, "Reshape cannot infer the missing input size for an empty tensor unless all specified input sizes are non-zero"},
	};
	for (size_t i = 0; i < TFC_ARRAY_LEN(errs); i++) {
		t = run_reshape(r, tfc_tensor_ref(six),
				mk(TFC_INT32, 1, (int64_t[]){errs[i].n}, errs[i].dims));
		ok(!t && tfc_status_code(kst) == TFC_INVALID_ARGUMENT &&
			   !strcmp(tfc_status_message(kst), errs[i].msg),
		   "Reshape error: %s", errs[i].msg);
		if (t || strcmp(tfc_status_message(kst), errs[i].msg))
			diag("got: %s", tfc_status_message(kst));
		tfc_tensor_free(t);
	}
	t = run_reshape(r, tfc_tensor_ref(six), mk(TFC_INT32, 2, DIMS(1, 2), I32(3, 2)));
	ok(!t && !strcmp(tfc_status_message(kst), "sizes input must be 1-D, not [1,2]"),
	   "a matrix of sizes: sizes input must be 1-D, not [1,2]");
	tfc_tensor_free(t);
	tfc_tensor_free(six);

	tfc_tensor *strs = mk_str(1, DIMS(4), STRS("a", "b", "c", "d"));
	tfc_operation *pss = t_placeholder(g, "rstr", TFC_STRING, -1, NULL, st);
	tfc_operation *rstr = tfc_reshape(g, "rrs", (tfc_output){pss, 0}, (tfc_output){ps, 0}, st);
	t = run_reshape(rstr, tfc_tensor_ref(strs), mk(TFC_INT32, 1, DIMS(2), I32(2, 2)));
	ok(eq(t, mk_str(2, DIMS(2, 2), STRS("a", "b", "c", "d"))), "Reshape of strings");
	tfc_tensor_free(t);
	tfc_tensor_free(strs);
}

static void test_pack_shape_fill(void)
{
	tfc_status_set(st, TFC_OK, NULL);
	tfc_output v[3] = {cnst(mk(TFC_FLOAT, 1, DIMS(2), F32(1, 2))),
			   cnst(mk(TFC_FLOAT, 1, DIMS(2), F32(3, 4))),
			   cnst(mk(TFC_FLOAT, 1, DIMS(2), F32(5, 6)))};
	ok(eval_eq((tfc_output){tfc_pack(g, "pk0", v, 3, st), 0},
		   mk(TFC_FLOAT, 2, DIMS(3, 2), F32(1, 2, 3, 4, 5, 6))),
	   "Pack of three [2] along axis 0: [3,2]");
	for (int axis = 1; axis >= -1; axis -= 2) {
		tfc_op_desc *d = tfc_op_new(g, "Pack", "pk");
		tfc_op_add_input_list(d, v, 3);
		tfc_op_set_attr_int(d, "axis", axis);
		ok(eval_eq((tfc_output){tfc_op_finish(d, st), 0},
			   mk(TFC_FLOAT, 2, DIMS(2, 3), F32(1, 3, 5, 2, 4, 6))),
		   "Pack along axis %d: [2,3]", axis);
	}
	tfc_output m[2] = {cnst(mk(TFC_INT32, 2, DIMS(2, 2), I32(1, 2, 3, 4))),
			   cnst(mk(TFC_INT32, 2, DIMS(2, 2), I32(5, 6, 7, 8)))};
	tfc_op_desc *d = tfc_op_new(g, "Pack", "pkm");
	tfc_op_add_input_list(d, m, 2);
	tfc_op_set_attr_int(d, "axis", 1);
	ok(eval_eq((tfc_output){tfc_op_finish(d, st), 0},
		   mk(TFC_INT32, 3, DIMS(2, 2, 2), I32(1, 2, 5, 6, 3, 4, 7, 8))),
	   "Pack of two [2,2] along axis 1: [2,2,2]");
	tfc_output s[2] = {cnst(mk_str(0, NULL, STRS("x"))), cnst(mk_str(0, NULL, STRS("yz")))};
	ok(eval_eq((tfc_output){tfc_pack(g, "pks", s, 2, st), 0}, mk_str(1, DIMS(2), STRS("x", "yz"))),
	   "Pack of string scalars");

	tfc_operation *pp = t_placeholder(g, "pp", TFC_FLOAT, -1, NULL, st);
	tfc_output pv[2] = {{pp, 0}, {pp, 0}};
	d = tfc_op_new(g, "Pack", "pkbad");
	tfc_op_add_input_list(d, pv, 2);
	tfc_op_set_attr_int(d, "axis", 0);
	tfc_operation *pk = tfc_op_finish(d, st);
	tfc_tensor *in[2] = {mk(TFC_FLOAT, 1, DIMS(2), NULL), mk(TFC_FLOAT, 1, DIMS(3), NULL)}, *out[1];
	ok(run_kernel(pk, in, 2, out) == TFC_INVALID_ARGUMENT &&
		   !strcmp(tfc_status_message(kst),
			   "Shapes of all inputs must match: values[0].shape = [2] != values[1].shape = [3]"),
	   "Pack of [2] and [3]: Shapes of all inputs must match");
	d = tfc_op_new(g, "Pack", "pkaxis");
	tfc_op_add_input_list(d, pv, 2);
	tfc_op_set_attr_int(d, "axis", 3);
	tfc_operation *pka = tfc_op_finish(d, st);
	tfc_status_set(st, TFC_OK, NULL);
	if (pka) {
		tfc_tensor *in2[2] = {mk(TFC_FLOAT, 1, DIMS(2), NULL), mk(TFC_FLOAT, 1, DIMS(2), NULL)};
		ok(run_kernel(pka, in2, 2, out) == TFC_INVALID_ARGUMENT &&
			   !strcmp(tfc_status_message(kst), "axis = 3 not in [-2, 2)"),
		   "Pack of [2]s along axis 3: axis = 3 not in [-2, 2)");
	} else {
		skip(1, "graph building refuses axis 3 already");
	}

	tfc_operation *shp = tfc_shape_op(g, "shp", cnst(mk(TFC_FLOAT, 3, DIMS(2, 0, 5), NULL)), st);
	ok(eval_eq((tfc_output){shp, 0}, mk(TFC_INT32, 1, DIMS(3), I32(2, 0, 5))), "Shape (int32)");
	d = tfc_op_new(g, "Shape", "shp64");
	tfc_op_add_input(d, cnst(mk(TFC_FLOAT, 0, NULL, F32(1))));
	tfc_op_set_attr_type(d, "out_type", TFC_INT64);
	ok(eval_eq((tfc_output){tfc_op_finish(d, st), 0}, mk(TFC_INT64, 1, DIMS(0), NULL)),
	   "Shape of a scalar with out_type int64: []");

	tfc_operation *fill = tfc_fill(g, "fill", cnst(mk(TFC_INT32, 1, DIMS(2), I32(2, 3))),
				       cnst(mk(TFC_DOUBLE, 0, NULL, F64(1.5))), st);
	ok(eval_eq((tfc_output){fill, 0}, mk(TFC_DOUBLE, 2, DIMS(2, 3), F64(1.5, 1.5, 1.5, 1.5, 1.5, 1.5))),
	   "Fill [2,3] with 1.5");
	tfc_operation *fills = tfc_fill(g, "fills", cnst(mk(TFC_INT64, 1, DIMS(1), I64(2))),
					cnst(mk_str(0, NULL, STRS("ab"))), st);
	ok(eval_eq((tfc_output){fills, 0}, mk_str(1, DIMS(2), STRS("ab", "ab"))), "Fill with a string");
	tfc_operation *zl = unary("ZerosLike", cnst(mk(TFC_INT64, 1, DIMS(2), I64(4, 5)))).oper;
	ok(eval_eq((tfc_output){zl, 0}, mk(TFC_INT64, 1, DIMS(2), I64(0, 0))), "ZerosLike");
}

/* ---- random_kernels.c */

static tfc_operation *random_uniform(const char *name, tfc_dtype dt, int64_t seed, int64_t seed2,
				     tfc_output shape)
{
	tfc_op_desc *d = tfc_op_new(g, "RandomUniform", name);
	tfc_op_add_input(d, shape);
	tfc_op_set_attr_type(d, "dtype", dt);
	tfc_op_set_attr_int(d, "seed", seed);
	tfc_op_set_attr_int(d, "seed2", seed2);
	return tfc_op_finish(d, st);
}

/* Runs kernel instance ki once on shape input [n]. */
static tfc_tensor *draw(struct kinst *ki, int64_t n)
{
	tfc_tensor *in[1] = {mk(TFC_INT64, 1, DIMS(1), I64(n))}, *out[1];
	return kinst_run(ki, in, NULL, 1, out, 0) == TFC_OK ? out[0] : NULL;
}

static void test_random(void)
{
	tfc_status_set(st, TFC_OK, NULL);
	/* Known-answer vectors of Random123 (kat_vectors) for Philox4x32-10. */
	uint32_t out[4];
	tfc__philox4x32_10((uint32_t[]){0, 0, 0, 0}, (uint32_t[]){0, 0}, out);
	ok(out[0] == 0x6627e8d5u && out[1] == 0xe169c58du && out[2] == 0xbc57ac4cu &&
		   out[3] == 0x9b00dbd8u,
	   "Philox4x32-10, counter 0 key 0: 6627e8d5 e169c58d bc57ac4c 9b00dbd8");
	tfc__philox4x32_10((uint32_t[]){~0u, ~0u, ~0u, ~0u}, (uint32_t[]){~0u, ~0u}, out);
	ok(out[0] == 0x408f276du && out[1] == 0x41c83b0eu && out[2] == 0xa20bc7c6u &&
		   out[3] == 0x6d5451fdu,
	   "Philox4x32-10, all ones: 408f276d 41c83b0e a20bc7c6 6d5451fd");
	tfc__philox4x32_10((uint32_t[]){0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
			   (uint32_t[]){0xa4093822u, 0x299f31d0u}, out);
	ok(out[0] == 0xd16cfe09u && out[1] == 0x94fdccebu && out[2] == 0x5001e420u &&
		   out[3] == 0x24126ea1u,
	   "Philox4x32-10, digits of pi: d16cfe09 94fdcceb 5001e420 24126ea1");

	tfc_output sh = cnst(mk(TFC_INT64, 1, DIMS(1), I64(10)));
	tfc_operation *r1 = random_uniform("ru", TFC_FLOAT, 7, 11, sh);
	struct kinst a, b;
	ok(kinst_init(&a, r1) && kinst_init(&b, r1), "RandomUniform kernels are created");
	tfc_tensor *a1 = draw(&a, 10), *a2 = draw(&a, 10), *b1 = draw(&b, 10), *b2 = draw(&b, 10);
	ok(a1 && b1 && tfc_tensor_equal(a1, b1) && tfc_tensor_equal(a2, b2),
	   "fixed seeds: two kernels (two sessions) give the same sequence");
	ok(a1 && a2 && !tfc_tensor_equal(a1, a2), "successive runs of one kernel give new numbers");
	bool in_range = a1 != NULL;
	for (int i = 0; a1 && i < 10; i++) {
		float v = ((const float *)tfc_tensor_data(a1))[i];
		in_range = in_range && v >= 0.0f && v < 1.0f;
	}
	ok(in_range, "values lie in [0, 1)");

	/* The stream: key = seed, counter = (0, 0, seed2); group g from counter + g; the
	 * next run starts 256 counters per element further on. */
	uint32_t r[4];
	tfc__philox4x32_10((uint32_t[]){1, 0, 11, 0}, (uint32_t[]){7, 0}, r);
	uint32_t bits = (127u << 23) | (r[1] & 0x7fffffu);
	float f;
	memcpy(&f, &bits, sizeof(f));
	ok(a1 && ((const float *)tfc_tensor_data(a1))[5] == f - 1.0f,
	   "element 5 of the first run comes from word 1 of counter 1");
	tfc__philox4x32_10((uint32_t[]){2560, 0, 11, 0}, (uint32_t[]){7, 0}, r);
	bits = (127u << 23) | (r[0] & 0x7fffffu);
	memcpy(&f, &bits, sizeof(f));
	ok(a2 && ((const float *)tfc_tensor_data(a2))[0] == f - 1.0f,
	   "the second run starts at counter 10 * 256");
	tfc_tensor_free(a1);
	tfc_tensor_free(a2);
	tfc_tensor_free(b1);
	tfc_tensor_free(b2);
	kinst_destroy(&a);
	kinst_destroy(&b);

	tfc_operation *r0 = random_uniform("ru0", TFC_DOUBLE, 0, 0, sh);
	ok(kinst_init(&a, r0) && kinst_init(&b, r0), "seeds 0, 0 (double)");
	a1 = draw(&a, 1000);
	b1 = draw(&b, 1000);
	ok(a1 && b1 && !tfc_tensor_equal(a1, b1), "seeds 0, 0: each kernel draws its own numbers");
	double sum = 0, lo = 1, hi = 0;
	for (int i = 0; a1 && i < 1000; i++) {
		double v = ((const double *)tfc_tensor_data(a1))[i];
		sum += v;
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	ok(lo >= 0 && hi < 1 && fabs(sum / 1000 - 0.5) < 0.05,
	   "1000 doubles in [0, 1) with mean %.3f", sum / 1000);
	tfc_tensor_free(a1);
	tfc_tensor_free(b1);
	kinst_destroy(&a);
	kinst_destroy(&b);

	tfc_operation *rh = random_uniform("ruh", TFC_HALF, 1, 2, sh);
	ok(rh && !kinst_init(&a, rh) &&
		   !strcmp(tfc_status_message(kst),
			   "No CPU kernel for op RandomUniform with dtype=half (node 'ruh')"),
	   "RandomUniform of half: Unimplemented");
	kinst_destroy(&a);
}

/* Many threads drawing from one RandomUniform kernel get disjoint slices of its
 * stream: together, exactly the runs one thread would have drawn. */
#define DRAW_THREADS 4
#define DRAWS_PER_THREAD 200
struct drawer {
	struct kinst *ki;
	float first[DRAWS_PER_THREAD]; /* element 0 of each run */
};

static void *drawer_main(void *arg)
{
	struct drawer *d = arg;
	for (int i = 0; i < DRAWS_PER_THREAD; i++) {
		tfc_tensor *in[1] = {mk(TFC_INT64, 1, DIMS(1), I64(8))}, *out[1];
		tfc_status *mine = tfc_status_new();
		struct tfc_ref *no_refs[1] = {NULL}, *out_refs[1] = {NULL};
		struct tfc_kernel_ctx ctx = {.op = d->ki->op, .state = d->ki->state, .n_inputs = 1,
					     .inputs = in, .input_refs = no_refs, .n_outputs = 1,
					     .outputs = out, .output_refs = out_refs, .st = mine};
		out[0] = NULL;
		d->ki->k->compute(&ctx);
		d->first[i] = out[0] ? *(const float *)tfc_tensor_data(out[0]) : -1.0f;
		tfc_tensor_free(out[0]);
		tfc_tensor_free(in[0]);
		tfc_status_free(mine);
	}
	return NULL;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

static void test_random_threads(void)
{
	tfc_operation *ru = random_uniform("ru_mt", TFC_FLOAT, 5, 6,
					   cnst(mk(TFC_INT64, 1, DIMS(1), I64(8))));
	struct kinst shared, solo;
	if (!ok(kinst_init(&shared, ru) && kinst_init(&solo, ru), "two RandomUniform kernels"))
		return;
	static struct drawer d[DRAW_THREADS];
	pthread_t th[DRAW_THREADS];
	for (int t = 0; t < DRAW_THREADS; t++) {
		d[t].ki = &shared;
		pthread_create(&th[t], NULL, drawer_main, &d[t]);
	}
	for (int t = 0; t < DRAW_THREADS; t++)
		pthread_join(th[t], NULL);
	static float got[DRAW_THREADS * DRAWS_PER_THREAD], want[DRAW_THREADS * DRAWS_PER_THREAD];
	for (int t = 0; t < DRAW_THREADS; t++)
		memcpy(got + t * DRAWS_PER_THREAD, d[t].first, sizeof(d[t].first));
	for (int i = 0; i < DRAW_THREADS * DRAWS_PER_THREAD; i++) {
		tfc_tensor *r = draw(&solo, 8);
		want[i] = r ? *(const float *)tfc_tensor_data(r) : -2.0f;
		tfc_tensor_free(r);
	}
	qsort(got, TFC_ARRAY_LEN(got), sizeof(float), cmp_float);
	qsort(want, TFC_ARRAY_LEN(want), sizeof(float), cmp_float);
	ok(memcmp(got, want, sizeof(got)) == 0,
	   "%d threads x %d runs of one RandomUniform kernel draw exactly the runs of one thread",
	   DRAW_THREADS, DRAWS_PER_THREAD);
	kinst_destroy(&shared);
	kinst_destroy(&solo);
}

/* ---- string_kernels.c */

static void test_strings(void)
{
	tfc_status_set(st, TFC_OK, NULL);
	tfc_output in[3] = {cnst(mk_str(1, DIMS(2), STRS("a", "b"))), cnst(mk_str(0, NULL, STRS("x"))),
			    cnst(mk_str(1, DIMS(2), STRS("c", "")))};
	tfc_op_desc *d = tfc_op_new(g, "StringJoin", "sj");
	tfc_op_add_input_list(d, in, 3);
	tfc_op_set_attr_string(d, "separator", "/", 1);
	ok(eval_eq((tfc_output){tfc_op_finish(d, st), 0}, mk_str(1, DIMS(2), STRS("a/x/c", "b/x/"))),
	   "StringJoin broadcasts a scalar between vectors, with a separator");
	ok(eval_eq((tfc_output){tfc_string_join(g, "sj2", in + 1, 1, st), 0}, mk_str(0, NULL, STRS("x"))),
	   "StringJoin of one scalar");
	tfc_operation *p = t_placeholder(g, "sjp", TFC_STRING, -1, NULL, st);
	tfc_output pp[2] = {{p, 0}, {p, 0}};
	tfc_operation *sj = tfc_string_join(g, "sj3", pp, 2, st);
	tfc_tensor *ins[2] = {mk_str(1, DIMS(2), STRS("a", "b")), mk_str(1, DIMS(3), STRS("a", "b", "c"))};
	tfc_tensor *out[1];
	ok(run_kernel(sj, ins, 2, out) == TFC_INVALID_ARGUMENT &&
		   !strcmp(tfc_status_message(kst), "Input shapes do not match: [2] vs. [3]"),
	   "StringJoin of [2] and [3]: Input shapes do not match: [2] vs. [3]");

	tfc_operation *sf = tfc_sharded_filename(g, "sf", cnst(mk_str(0, NULL, STRS("ckpt/model"))),
						 cnst(mk(TFC_INT32, 0, NULL, I32(1))),
						 cnst(mk(TFC_INT32, 0, NULL, I32(4))), st);
	ok(eval_eq((tfc_output){sf, 0}, mk_str(0, NULL, STRS("ckpt/model-00001-of-00004"))),
	   "ShardedFilename: ckpt/model-00001-of-00004");
	tfc_operation *ps = t_placeholder(g, "sfs", TFC_INT32, -1, NULL, st);
	tfc_operation *sf2 = tfc_sharded_filename(g, "sf2", cnst(mk_str(0, NULL, STRS("b"))),
						  (tfc_output){ps, 0}, (tfc_output){ps, 0}, st);
	tfc_tensor *in3[3] = {mk_str(0, NULL, STRS("b")), mk(TFC_INT32, 1, DIMS(2), I32(0, 1)),
			      mk(TFC_INT32, 0, NULL, I32(2))};
	ok(run_kernel(sf2, in3, 3, out) == TFC_INVALID_ARGUMENT &&
		   !strcmp(tfc_status_message(kst), "shard must be a scalar, got shape [2]"),
	   "ShardedFilename: shard must be a scalar, got shape [2]");
}

/* ---- state_kernels.c, through sessions */

static tfc_tensor *run1(tfc_session *s, tfc_output fetch, const tfc_output *feeds,
			tfc_tensor *const *vals, int nf)
{
	tfc_tensor *out = NULL;
	tfc_session_run(s, NULL, 0, feeds, vals, nf, &fetch, &out, 1, NULL, 0, NULL, st);
	return out;
}

static void run_target(tfc_session *s, tfc_operation *op)
{
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &op, 1, NULL, st);
}

/* True when st holds code and a message that starts with msg (the executor appends
 * the node). */
static bool st_is(tfc_code code, const char *msg)
{
	bool r = tfc_status_code(st) == code && !strncmp(tfc_status_message(st), msg, strlen(msg));
	if (!r)
		diag("got %s: '%s'", tfc_code_name(tfc_status_code(st)), tfc_status_message(st));
	return r;
}

static void test_ref_variables(void)
{
	tfc_status_set(st, TFC_OK, NULL);
	tfc_graph *vg = tfc_graph_new();
	tfc_graph *saved = g;
	g = vg;
	tfc_shape s2 = tfc_shape_make(1, DIMS(2));
	tfc_operation *v = tfc_variable_v2(g, "v", &s2, TFC_FLOAT, st);
	tfc_operation *init = tfc_assign(g, "init", (tfc_output){v, 0},
					 cnst(mk(TFC_FLOAT, 1, DIMS(2), F32(1, 2))), st);
	tfc_operation *read = tfc_identity(g, "read", (tfc_output){v, 0}, st);
	tfc_operation *add = tfc_assign_add(g, "add", (tfc_output){v, 0},
					    cnst(mk(TFC_FLOAT, 1, DIMS(2), F32(10, 20))), st);
	tfc_operation *sub = tfc_assign_sub(g, "sub", (tfc_output){v, 0},
					    cnst(mk(TFC_FLOAT, 1, DIMS(2), F32(0.5f, 0.5f))), st);
	tfc_operation *isinit = tfc_is_variable_initialized(g, "isinit", (tfc_output){v, 0}, st);
	tfc_operation *anyv = t_placeholder(g, "anyv", TFC_FLOAT, -1, NULL, st);
	tfc_operation *bad = tfc_assign(g, "badassign", (tfc_output){v, 0}, (tfc_output){anyv, 0}, st);
	/* A second VariableV2 node with the first one's shared_name is the same variable. */
	tfc_op_desc *d = tfc_op_new(g, "VariableV2", "alias");
	tfc_op_set_attr_shape(d, "shape", &s2);
	tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
	tfc_op_set_attr_string(d, "shared_name", "v", 1);
	tfc_operation *alias = tfc_op_finish(d, st);
	tfc_operation *read_alias = tfc_identity(g, "read_alias", (tfc_output){alias, 0}, st);
	/* validate_shape=false accepts any shape. */
	d = tfc_op_new(g, "Assign", "reshape_assign");
	tfc_op_add_input(d, (tfc_output){v, 0});
	tfc_op_add_input(d, (tfc_output){anyv, 0});
	tfc_op_set_attr_bool(d, "validate_shape", false);
	tfc_operation *loose = tfc_op_finish(d, st);
	if (!is_int(tfc_status_code(st), TFC_OK, "a reference-variable graph builds")) {
		diag("%s", tfc_status_message(st));
		g = saved;
		tfc_graph_free(vg);
		return;
	}

	tfc_session *s = tfc_session_new(g, NULL, st);
	tfc_tensor *r = run1(s, (tfc_output){isinit, 0}, NULL, NULL, 0);
	ok(r && *(const uint8_t *)tfc_tensor_data(r) == 0, "IsVariableInitialized: false at first");
	tfc_tensor_free(r);
	r = run1(s, (tfc_output){add, 0}, NULL, NULL, 0);
	ok(!r && st_is(TFC_FAILED_PRECONDITION, "Attempting to use uninitialized value v"),
	   "AssignAdd before init: Attempting to use uninitialized value v");
	run_target(s, init);
	r = run1(s, (tfc_output){isinit, 0}, NULL, NULL, 0);
	ok(r && *(const uint8_t *)tfc_tensor_data(r) == 1, "IsVariableInitialized: true after Assign");
	tfc_tensor_free(r);
	r = run1(s, (tfc_output){read, 0}, NULL, NULL, 0);
	ok(eq(r, mk(TFC_FLOAT, 1, DIMS(2), F32(1, 2))), "Assign then read: [1, 2]");
	tfc_tensor *before = r;
	for (int i = 0; i < 3; i++)
		run_target(s, add);
	r = run1(s, (tfc_output){add, 0}, NULL, NULL, 0);
	ok(eq(r, mk(TFC_FLOAT, 1, DIMS(2), F32(41, 82))),
	   "four AssignAdds of [10, 20]; fetching AssignAdd gives the new value");
	tfc_tensor_free(r);
	ok(eq(before, mk(TFC_FLOAT, 1, DIMS(2), F32(1, 2))),
	   "a value read earlier is not changed by later updates");
	tfc_tensor_free(before);
	r = run1(s, (tfc_output){sub, 0}, NULL, NULL, 0);
	ok(eq(r, mk(TFC_FLOAT, 1, DIMS(2), F32(40.5f, 81.5f))), "AssignSub");
	tfc_tensor_free(r);
	r = run1(s, (tfc_output){read_alias, 0}, NULL, NULL, 0);
	ok(eq(r, mk(TFC_FLOAT, 1, DIMS(2), F32(40.5f, 81.5f))),
	   "a VariableV2 with shared_name 'v' is the same variable");
	tfc_tensor_free(r);

	tfc_output feed = {anyv, 0};
	tfc_tensor *three = mk(TFC_FLOAT, 1, DIMS(3), F32(7, 8, 9));
	tfc_session_run(s, NULL, 0, &feed, &three, 1, NULL, NULL, 0, &bad, 1, NULL, st);
	ok(st_is(TFC_INVALID_ARGUMENT,
		 "Assign requires shapes of both tensors to match. lhs shape= [2] rhs shape= [3]"),
	   "Assign of [3] to a [2] variable: TensorFlow's message");
	tfc_session_run(s, NULL, 0, &feed, &three, 1, NULL, NULL, 0, &loose, 1, NULL, st);
	r = run1(s, (tfc_output){read, 0}, NULL, NULL, 0);
	ok(eq(r, mk(TFC_FLOAT, 1, DIMS(3), F32(7, 8, 9))), "validate_shape=false assigns any shape");
	tfc_tensor_free(r);
	r = run1(s, (tfc_output){add, 0}, NULL, NULL, 0);
	ok(!r && st_is(TFC_INVALID_ARGUMENT, "Parameters and update must be the same size"),
	   "AssignAdd of [2] to a [3] value: Parameters and update must be the same size");
	tfc_tensor_free(three);
	tfc_session_free(s);

	s = tfc_session_new(g, NULL, st);
	r = run1(s, (tfc_output){isinit, 0}, NULL, NULL, 0);
	ok(r && *(const uint8_t *)tfc_tensor_data(r) == 0, "a new session starts uninitialized");
	tfc_tensor_free(r);
	tfc_session_free(s);
	g = saved;
	tfc_graph_free(vg);
}

struct adder {
	tfc_session *s;
	tfc_operation *op;
	int failures;
};

static void *adder_main(void *arg)
{
	struct adder *a = arg;
	tfc_status *mine = tfc_status_new();
	for (int i = 0; i < 250; i++) {
		tfc_session_run(a->s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &a->op, 1, NULL, mine);
		a->failures += tfc_status_code(mine) != TFC_OK;
	}
	tfc_status_free(mine);
	return NULL;
}

/* AssignAdd and AssignAddVariableOp from 4 threads at once lose no update. */
static void test_concurrent_updates(void)
{
	tfc_graph *vg = tfc_graph_new();
	tfc_graph *saved = g;
	g = vg;
	tfc_shape s3 = tfc_shape_make(1, DIMS(3));
	tfc_operation *v = tfc_variable_v2(g, "cv", &s3, TFC_INT64, st);
	tfc_operation *init = tfc_assign(g, "cinit", (tfc_output){v, 0},
					 cnst(mk(TFC_INT64, 1, DIMS(3), I64(0, 0, 0))), st);
	tfc_operation *add = tfc_assign_add(g, "cadd", (tfc_output){v, 0},
					    cnst(mk(TFC_INT64, 1, DIMS(3), I64(1, 2, 3))), st);
	tfc_operation *read = tfc_identity(g, "cread", (tfc_output){v, 0}, st);
	tfc_operation *h = tfc_var_handle_op(g, "cw", TFC_DOUBLE, &s3, st);
	tfc_operation *hinit = tfc_assign_variable_op(g, "chinit", (tfc_output){h, 0},
						      cnst(mk(TFC_DOUBLE, 1, DIMS(3), F64(0, 0, 0))), st);
	tfc_operation *hadd = tfc_assign_add_variable_op(
		g, "chadd", (tfc_output){h, 0}, cnst(mk(TFC_DOUBLE, 1, DIMS(3), F64(0.5, 1, 2))), st);
	tfc_operation *hread = tfc_read_variable_op(g, "chread", (tfc_output){h, 0}, TFC_DOUBLE, st);
	if (!is_int(tfc_status_code(st), TFC_OK, "a graph of concurrent updates builds")) {
		g = saved;
		tfc_graph_free(vg);
		return;
	}
	tfc_session_options *o = tfc_session_options_new();
	tfc_session_options_set_config_value(o, "inter_op_parallelism_threads", "4", st);
	tfc_session *s = tfc_session_new(g, o, st);
	tfc_session_options_free(o);
	run_target(s, init);
	run_target(s, hinit);
	struct adder ad[4];
	pthread_t th[4];
	for (int t = 0; t < 4; t++) {
		ad[t] = (struct adder){s, t % 2 ? hadd : add, 0};
		pthread_create(&th[t], NULL, adder_main, &ad[t]);
	}
	int failures = 0;
	for (int t = 0; t < 4; t++) {
		pthread_join(th[t], NULL);
		failures += ad[t].failures;
	}
	is_int(failures, 0, "4 threads x 250 updates: every run succeeds");
	tfc_tensor *r = run1(s, (tfc_output){read, 0}, NULL, NULL, 0);
	ok(eq(r, mk(TFC_INT64, 1, DIMS(3), I64(500, 1000, 1500))),
	   "500 concurrent AssignAdds of [1,2,3]: [500,1000,1500]");
	tfc_tensor_free(r);
	r = run1(s, (tfc_output){hread, 0}, NULL, NULL, 0);
	ok(eq(r, mk(TFC_DOUBLE, 1, DIMS(3), F64(250, 500, 1000))),
	   "500 concurrent AssignAddVariableOps of [.5,1,2]: [250,500,1000]");
	tfc_tensor_free(r);
	tfc_session_free(s);
	g = saved;
	tfc_graph_free(vg);
}

static void test_resource_variables(void)
{
	tfc_status_set(st, TFC_OK, NULL);
	tfc_graph *vg = tfc_graph_new();
	tfc_graph *saved = g;
	g = vg;
	tfc_shape s2 = tfc_shape_make(1, DIMS(2));
	tfc_operation *h = tfc_var_handle_op(g, "w", TFC_FLOAT, &s2, st);
	tfc_output ho = {h, 0};
	tfc_operation *read = tfc_read_variable_op(g, "read", ho, TFC_FLOAT, st);
	tfc_operation *assign = tfc_assign_variable_op(g, "assign", ho,
						       cnst(mk(TFC_FLOAT, 1, DIMS(2), F32(3, 4))), st);
	tfc_operation *add = tfc_assign_add_variable_op(g, "add", ho,
							cnst(mk(TFC_FLOAT, 1, DIMS(2), F32(1, 1))), st);
	tfc_operation *sub = tfc_assign_sub_variable_op(g, "sub", ho,
							cnst(mk(TFC_FLOAT, 1, DIMS(2), F32(0.25f, 2))), st);
	tfc_operation *add3 = tfc_assign_add_variable_op(g, "add3", ho,
							 cnst(mk(TFC_FLOAT, 1, DIMS(3), F32(1, 1, 1))), st);
	tfc_operation *wrong = tfc_assign_variable_op(g, "wrong", ho,
						      cnst(mk(TFC_INT32, 0, NULL, I32(1))), st);
	tfc_operation *isinit = tfc_var_is_initialized_op(g, "isinit", ho, st);
	tfc_op_desc *d = tfc_op_new(g, "DestroyResourceOp", "destroy");
	tfc_op_add_input(d, ho);
	tfc_operation *destroy = tfc_op_finish(d, st);
	if (!is_int(tfc_status_code(st), TFC_OK, "a resource-variable graph builds")) {
		diag("%s", tfc_status_message(st));
		g = saved;
		tfc_graph_free(vg);
		return;
	}
	tfc_session *s = tfc_session_new(g, NULL, st);
	tfc_tensor *r = run1(s, (tfc_output){read, 0}, NULL, NULL, 0);
	ok(!r && st_is(TFC_FAILED_PRECONDITION,
		       "Error while reading resource variable w from Container: localhost. This "
		       "could mean that the variable was uninitialized. Not found: Resource "
		       "localhost/w/N10tensorflow3VarE does not exist."),
	   "ReadVariableOp before assignment: TensorFlow's message");
	run_target(s, add);
	ok(st_is(TFC_NOT_FOUND, "Resource localhost/w/N10tensorflow3VarE does not exist."),
	   "AssignAddVariableOp before assignment: NotFound");
	r = run1(s, (tfc_output){h, 0}, NULL, NULL, 0);
	ok(r && tfc_tensor_dtype(r) == TFC_RESOURCE && tfc_tensor_rank(r) == 0,
	   "VarHandleOp gives a resource scalar");
	tfc_tensor_free(r);
	run_target(s, assign);
	run_target(s, add);
	run_target(s, sub);
	r = run1(s, (tfc_output){read, 0}, NULL, NULL, 0);
	ok(eq(r, mk(TFC_FLOAT, 1, DIMS(2), F32(3.75f, 3))), "assign [3,4], add [1,1], sub [.25,2]: [3.75, 3]");
	tfc_tensor_free(r);
	run_target(s, add3);
	ok(st_is(TFC_INVALID_ARGUMENT,
		 "Cannot update variable with shape [2] using a Tensor with shape [3], shapes must be equal."),
	   "AssignAddVariableOp of another shape: TensorFlow's message");
	run_target(s, wrong);
	ok(st_is(TFC_INVALID_ARGUMENT, "Trying to assign variable with wrong dtype. Expected float got int32"),
	   "AssignVariableOp of int32 to a float variable: TensorFlow's message");
	run_target(s, destroy);
	r = run1(s, (tfc_output){isinit, 0}, NULL, NULL, 0);
	ok(r && *(const uint8_t *)tfc_tensor_data(r) == 0,
	   "DestroyResourceOp: the variable reads as uninitialized again");
	tfc_tensor_free(r);
	tfc_session_free(s);
	g = saved;
	tfc_graph_free(vg);
}

static void test_random_in_sessions(void)
{
	tfc_status_set(st, TFC_OK, NULL);
	tfc_graph *rg = tfc_graph_new();
	tfc_graph *saved = g;
	g = rg;
	tfc_operation *ru = random_uniform("ru", TFC_FLOAT, 3, 4, cnst(mk(TFC_INT32, 1, DIMS(1), I32(5))));
	tfc_tensor *first[3], *again[3];
	for (int k = 0; k < 2; k++) {
		tfc_session *s = tfc_session_new(g, NULL, st);
		for (int i = 0; i < 3; i++)
			(k ? again : first)[i] = run1(s, (tfc_output){ru, 0}, NULL, NULL, 0);
		tfc_session_free(s);
	}
	ok(first[0] && first[1] && !tfc_tensor_equal(first[0], first[1]) &&
		   !tfc_tensor_equal(first[1], first[2]),
	   "RandomUniform in a session: each run draws new numbers");
	bool same = true;
	for (int i = 0; i < 3; i++)
		same = same && first[i] && again[i] && tfc_tensor_equal(first[i], again[i]);
	ok(same, "a new session with the same seeds repeats the sequence run for run");
	for (int i = 0; i < 3; i++) {
		tfc_tensor_free(first[i]);
		tfc_tensor_free(again[i]);
	}
	g = saved;
	tfc_graph_free(rg);
}

int main(void)
{
	plan_lazy();
	st = tfc_status_new();
	kst = tfc_status_new();
	g = tfc_graph_new();
	test_registry();
	test_const_and_identities();
	test_placeholders();
	test_binary_math();
	test_broadcast_random();
	test_unary_math();
	test_reuse();
	test_matmul();
	test_softmax();
	test_reshape();
	test_pack_shape_fill();
	test_random();
	test_random_threads();
	test_strings();
	test_ref_variables();
	test_resource_variables();
	test_concurrent_updates();
	test_random_in_sessions();
	if (tfc_status_code(st) != TFC_OK)
		diag("last graph status: %s", tfc_status_message(st));
	tfc_graph_free(g);
	tfc_status_free(kst);
	tfc_status_free(st);
	done_testing();
	return exit_status();
}
