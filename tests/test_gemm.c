/*
 * test_gemm.c: tfc__gemm (kernels/gemm.c) against a plain triple loop, on shapes that
 * take each way of splitting a product over threads (rows of C, columns of C, the
 * inner dimension with partial sums), every transpose combination, beta 0 and 1, float
 * and double, with 1, 2 and 3 threads; and small products that stay on one thread.
 */
#include <math.h>

#include "kernels.h"
#include "tap.h"

static unsigned long long rng = 0x9e3779b97f4a7c15ull;

static double urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0 * 2 - 1;
}

/* op(X)[i][j] of a row-major stored matrix with leading dimension ld. */
static double at(const double *x, bool t, int64_t ld, int64_t i, int64_t j)
{
	return t ? x[j * ld + i] : x[i * ld + j];
}

static void check(const char *what, tfc_dtype dt, bool ta, bool tb, int64_t m, int64_t n, int64_t k,
		  double beta, int threads)
{
	/* Stored shapes: A is m x k (k x m when ta), B is k x n (n x k when tb). */
	int64_t lda = ta ? m : k, ldb = tb ? k : n, ldc = n + 3; /* C has padding columns */
	size_t na = (size_t)(m * k), nb = (size_t)(k * n), nc = (size_t)(m * ldc);
	double *a = malloc(na * sizeof(double)), *b = malloc(nb * sizeof(double));
	double *c0 = malloc(nc * sizeof(double)), *want = malloc(nc * sizeof(double));
	for (size_t i = 0; i < na; i++)
		a[i] = urand();
	for (size_t i = 0; i < nb; i++)
		b[i] = urand();
	for (size_t i = 0; i < nc; i++)
		c0[i] = want[i] = urand();
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++) {
			double s = 0;
			for (int64_t p = 0; p < k; p++)
				s += at(a, ta, lda, i, p) * at(b, tb, ldb, p, j);
			want[i * ldc + j] = beta * c0[i * ldc + j] + s;
		}
	double err = 0;
	if (dt == TFC_DOUBLE) {
		double *c = malloc(nc * sizeof(double));
		memcpy(c, c0, nc * sizeof(double));
		tfc__gemm(threads, dt, ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
		for (size_t i = 0; i < nc; i++)
			err = fmax(err, fabs(c[i] - want[i]));
		free(c);
	} else {
		float *af = malloc(na * sizeof(float)), *bf = malloc(nb * sizeof(float));
		float *c = malloc(nc * sizeof(float));
		for (size_t i = 0; i < na; i++)
			af[i] = (float)a[i];
		for (size_t i = 0; i < nb; i++)
			bf[i] = (float)b[i];
		for (size_t i = 0; i < nc; i++)
			c[i] = (float)c0[i];
		tfc__gemm(threads, dt, ta, tb, m, n, k, af, lda, bf, ldb, beta, c, ldc);
		for (size_t i = 0; i < nc; i++)
			err = fmax(err, fabs(c[i] - want[i]));
		free(af);
		free(bf);
		free(c);
	}
	/* Padding columns of C are never written: they keep c0 (want has c0 there). */
	double tol = (dt == TFC_FLOAT ? 2e-6 : 1e-12) * (double)k;
	ok(err <= tol, "%s: %s %c%c %lldx%lldx%lld beta %g, %d thread%s: max error %.3g", what,
	   tfc_dtype_name(dt), ta ? 'T' : 'N', tb ? 'T' : 'N', (long long)m, (long long)n, (long long)k,
	   beta, threads, threads > 1 ? "s" : "", err);
	free(a);
	free(b);
	free(c0);
	free(want);
}

int main(void)
{
	static const struct {
		const char *what;
		int64_t m, n, k;
	} shapes[] = {
		{"split by rows", 257, 70, 90},
		{"split by columns", 20, 301, 200},
		{"split by the inner dimension", 25, 6, 9001},
		{"small, one thread", 7, 5, 3},
	};
	plan(4 * 4 * 2 * 2 * 3);
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
		for (int tr = 0; tr < 4; tr++)
			for (int d = 0; d < 2; d++)
				for (int bt = 0; bt < 2; bt++)
					for (int th = 1; th <= 3; th++)
						check(shapes[s].what, d ? TFC_DOUBLE : TFC_FLOAT, tr & 1, tr & 2,
						      shapes[s].m, shapes[s].n, shapes[s].k, bt, th);
	return exit_status();
}
