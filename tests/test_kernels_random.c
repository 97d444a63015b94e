/*
 * test_kernels_random.c: the random kernels of kernels/random_kernels.c
 * (RandomStandardNormal, TruncatedNormal, RandomUniformInt, Multinomial,
 * RandomShuffle; RandomUniform is covered in tests/test_kernels.c): seeded nodes give
 * the same values in a new session and new values on the node's next run; unseeded
 * ones differ between sessions; the values have the distribution asked for (moments
 * within several standard errors on 20000 draws, ranges, class frequencies, a
 * permutation); bad arguments are an InvalidArgument naming the node.
 */
#include <math.h>

#include "kernel_ref.h"
#include "tfc_ops.h"

static tfc_status *st;

/* A graph with one random node of `type` over the given inputs (Const tensors,
 * taken), seeds as given; attrs: dtype attr name/value (may be NULL). */
static tfc_operation *random_node(tfc_graph *g, const char *type, tfc_tensor **ins, int n,
				  int64_t seed, int64_t seed2, const char *dattr, tfc_dtype dt)
{
	tfc_op_desc *d = tfc_op_new(g, type, "rnd");
	for (int i = 0; i < n; i++) {
		tfc_operation *c = tfc_const(g, "c", ins[i], tfc_tensor_dtype(ins[i]), st);
		tfc_tensor_free(ins[i]);
		tfc_op_add_input(d, (tfc_output){c, 0});
	}
	if (seed || seed2) {
		tfc_op_set_attr_int(d, "seed", seed);
		tfc_op_set_attr_int(d, "seed2", seed2);
	}
	if (dattr)
		tfc_op_set_attr_type(d, dattr, dt);
	return tfc_op_finish(d, st);
}

/* Two runs in one session (a, b) and one in another (c). */
static void three_runs(tfc_graph *g, tfc_operation *op, tfc_tensor **a, tfc_tensor **b,
		       tfc_tensor **c)
{
	tfc_output o = {op, 0};
	tfc_session *s = tfc_session_new(g, NULL, st);
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, &o, a, 1, NULL, 0, NULL, st);
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, &o, b, 1, NULL, 0, NULL, st);
	tfc_session_close(s, st);
	tfc_session_free(s);
	s = tfc_session_new(g, NULL, st);
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, &o, c, 1, NULL, 0, NULL, st);
	tfc_session_close(s, st);
	tfc_session_free(s);
}

static bool same(const tfc_tensor *x, const tfc_tensor *y)
{
	return x && y && tfc_tensor_equal(x, y);
}

static tfc_tensor *shape1(int64_t n)
{
	int64_t one = 1;
	tfc_tensor *t = tfc_tensor_new(TFC_INT32, &one, 1, NULL);
	((int32_t *)tfc_tensor_data(t))[0] = (int32_t)n;
	return t;
}

static double at(const tfc_tensor *t, int64_t i)
{
	switch (tfc_tensor_dtype(t)) {
	case TFC_FLOAT: return ((const float *)tfc_tensor_data(t))[i];
	case TFC_DOUBLE: return ((const double *)tfc_tensor_data(t))[i];
	case TFC_INT32: return ((const int32_t *)tfc_tensor_data(t))[i];
	default: return (double)((const int64_t *)tfc_tensor_data(t))[i];
	}
}

static void moments(const tfc_tensor *t, double *mean, double *sd, double *lo, double *hi)
{
	int64_t n = tfc_tensor_num_elements(t);
	double s = 0, s2 = 0;
	*lo = INFINITY;
	*hi = -INFINITY;
	for (int64_t i = 0; i < n; i++) {
		double v = at(t, i);
		s += v;
		s2 += v * v;
		*lo = v < *lo ? v : *lo;
		*hi = v > *hi ? v : *hi;
	}
	*mean = s / (double)n;
	*sd = sqrt(s2 / (double)n - *mean * *mean);
}

static void check_repeat(const char *what, tfc_graph *g, tfc_operation *op, bool seeded)
{
	tfc_tensor *a = NULL, *b = NULL, *c = NULL;
	three_runs(g, op, &a, &b, &c);
	ok(a && b && c && tfc_status_code(st) == TFC_OK, "%s runs", what);
	ok(!same(a, b), "%s: the next run of the node gives new values", what);
	if (seeded)
		ok(same(a, c), "%s: seeded, a new session repeats the values", what);
	else
		ok(!same(a, c), "%s: unseeded, a new session gives other values", what);
	tfc_tensor_free(a);
	tfc_tensor_free(b);
	tfc_tensor_free(c);
}

static tfc_tensor *run_once(tfc_graph *g, tfc_operation *op)
{
	tfc_tensor *v = NULL;
	tfc_output o = {op, 0};
	kr_run(g, NULL, NULL, 0, &o, &v, 1, NULL, 0, 0, st);
	return v;
}

int main(void)
{
	plan_lazy();
	st = tfc_status_new();
	const int64_t N = 20000;
	const char *normals[] = { "RandomStandardNormal", "TruncatedNormal" };
	for (int k = 0; k < 2; k++) {
		for (int d = 0; d < 2; d++) {
			tfc_dtype dt = d ? TFC_DOUBLE : TFC_FLOAT;
			tfc_graph *g = tfc_graph_new();
			tfc_operation *op = random_node(g, normals[k], (tfc_tensor *[]){shape1(N)}, 1,
							7, 3, "dtype", dt);
			char what[96];
			snprintf(what, sizeof(what), "%s %s", normals[k], tfc_dtype_name(dt));
			check_repeat(what, g, op, true);
			tfc_tensor *v = run_once(g, op);
			double m, sd, lo, hi;
			moments(v, &m, &sd, &lo, &hi);
			/* truncated at 2: sd = 0.8796 */
			double want_sd = k ? 0.8796 : 1.0;
			ok(fabs(m) < 0.04 && fabs(sd - want_sd) < 0.03, "%s: mean %.4f, sd %.4f (want 0, %.4f)",
			   what, m, sd, want_sd);
			if (k)
				ok(lo > -2 && hi < 2, "%s: all within (-2, 2): [%.3f, %.3f]", what, lo, hi);
			tfc_tensor_free(v);
			tfc_graph_free(g);
		}
	}
	{
		tfc_graph *g = tfc_graph_new();
		tfc_operation *op = random_node(g, "RandomStandardNormal", (tfc_tensor *[]){shape1(8)}, 1,
						0, 0, "dtype", TFC_FLOAT);
		check_repeat("RandomStandardNormal unseeded", g, op, false);
		tfc_graph_free(g);
	}
	for (int d = 0; d < 2; d++) {
		tfc_dtype dt = d ? TFC_INT64 : TFC_INT32;
		tfc_graph *g = tfc_graph_new();
		tfc_tensor *lo = d ? tfc_tensor_new_scalar_int64(-3) : tfc_tensor_new_scalar_int32(-3);
		tfc_tensor *hi = d ? tfc_tensor_new_scalar_int64(4) : tfc_tensor_new_scalar_int32(4);
		tfc_operation *op = random_node(g, "RandomUniformInt", (tfc_tensor *[]){shape1(N), lo, hi},
						3, 11, 0, NULL, dt);
		char what[64];
		snprintf(what, sizeof(what), "RandomUniformInt %s", tfc_dtype_name(dt));
		check_repeat(what, g, op, true);
		tfc_tensor *v = run_once(g, op);
		int64_t count[7] = {0};
		bool in_range = v != NULL;
		for (int64_t i = 0; v && i < N; i++) {
			int64_t x = (int64_t)at(v, i);
			if (x < -3 || x >= 4)
				in_range = false;
			else
				count[x + 3]++;
		}
		bool even = true;
		for (int i = 0; i < 7; i++)
			even &= fabs((double)count[i] - N / 7.0) < 5 * sqrt(N / 7.0);
		ok(in_range && even, "%s: in [-3, 4), each value about N/7 times", what);
		tfc_tensor_free(v);
		tfc_graph_free(g);
	}
	{
		tfc_graph *g = tfc_graph_new();
		int64_t dims[2] = {2, 3};
		tfc_tensor *lg = tfc_tensor_new(TFC_FLOAT, dims, 2, NULL);
		float *p = tfc_tensor_data(lg);
		const float probs[6] = {0.2f, 0.8f, 0.0f, 0.5f, 0.25f, 0.25f};
		for (int i = 0; i < 6; i++)
			p[i] = probs[i] > 0 ? logf(probs[i]) : -INFINITY;
		tfc_operation *op = random_node(g, "Multinomial",
						(tfc_tensor *[]){lg, tfc_tensor_new_scalar_int32(10000)}, 2, 5,
						5, NULL, TFC_INT64);
		check_repeat("Multinomial", g, op, true);
		tfc_tensor *v = run_once(g, op);
		int64_t count[2][3] = {{0}};
		for (int r = 0; v && r < 2; r++)
			for (int64_t i = 0; i < 10000; i++)
				count[r][((const int64_t *)tfc_tensor_data(v))[r * 10000 + i]]++;
		bool fit = v != NULL;
		for (int r = 0; r < 2; r++)
			for (int c = 0; c < 3; c++) {
				double want = probs[r * 3 + c] * 10000;
				fit &= fabs((double)count[r][c] - want) < 5 * sqrt(want + 1);
			}
		ok(fit, "Multinomial: class frequencies follow the softmax of the logits (%lld %lld %lld / %lld %lld %lld)",
		   (long long)count[0][0], (long long)count[0][1], (long long)count[0][2],
		   (long long)count[1][0], (long long)count[1][1], (long long)count[1][2]);
		tfc_tensor_free(v);
		tfc_graph_free(g);
	}
	{
		tfc_graph *g = tfc_graph_new();
		int64_t dims[2] = {50, 2};
		tfc_tensor *x = tfc_tensor_new(TFC_INT32, dims, 2, NULL);
		for (int i = 0; i < 100; i++)
			((int32_t *)tfc_tensor_data(x))[i] = i / 2 * 10 + i % 2;
		tfc_operation *op = random_node(g, "RandomShuffle", (tfc_tensor *[]){x}, 1, 9, 1, NULL, 0);
		check_repeat("RandomShuffle", g, op, true);
		tfc_tensor *v = run_once(g, op);
		bool seen[50] = {false}, perm = v != NULL, moved = false;
		for (int i = 0; v && i < 50; i++) {
			int32_t a = ((const int32_t *)tfc_tensor_data(v))[2 * i];
			int32_t b = ((const int32_t *)tfc_tensor_data(v))[2 * i + 1];
			if (a % 10 || b != a + 1 || a / 10 >= 50 || seen[a / 10])
				perm = false;
			else
				seen[a / 10] = true;
			moved |= a / 10 != i;
		}
		ok(perm && moved, "RandomShuffle: rows permuted, each row intact");
		tfc_tensor_free(v);
		tfc_graph_free(g);
	}
	{
		tfc_graph *g = tfc_graph_new();
		tfc_operation *op = random_node(
			g, "RandomUniformInt",
			(tfc_tensor *[]){shape1(3), tfc_tensor_new_scalar_int32(5), tfc_tensor_new_scalar_int32(5)},
			3, 1, 1, NULL, TFC_INT32);
		tfc_tensor *v = NULL;
		tfc_output o = {op, 0};
		kr_run(g, NULL, NULL, 0, &o, &v, 1, NULL, 0, 0, st);
		ok(tfc_status_code(st) == TFC_INVALID_ARGUMENT &&
			   strstr(tfc_status_message(st), "Need minval < maxval: 5 >= 5") &&
			   strstr(tfc_status_message(st), "rnd"),
		   "RandomUniformInt: minval >= maxval refused: %s", tfc_status_message(st));
		tfc_tensor_free(v);
		tfc_graph_free(g);
	}
	tfc_status_free(st);
	done_testing();
	return exit_status();
}
