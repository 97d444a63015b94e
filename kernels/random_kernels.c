/*
 * random_kernels.c: the CPU random kernels: RandomUniform (float and double in [0, 1)),
 * RandomStandardNormal and TruncatedNormal (Box-Muller on pairs of uniform floats as
 * TensorFlow does; truncation redraws values beyond two standard deviations),
 * RandomUniformInt ([minval, maxval), int32 and int64), Multinomial (num_samples
 * class indices per row of logits) and RandomShuffle (along the first dimension),
 * all drawn
 * from a Philox4x32-10 counter-based generator (Salmon et al., "Parallel random
 * numbers: as easy as 1, 2, 3", SC'11), used the way TensorFlow uses it:
 *  - the key is seed, the upper half of the counter is seed2 (PhiloxRandom(seed,
 *    seed2)); both 0 means a nondeterministic seed pair;
 *  - each run reserves 256 counter values per output element and starts where the
 *    previous run of the node's kernel stopped, so a node gives successive numbers
 *    in successive runs and the same sequence for the same seeds;
 *  - RandomUniform: element group g (4 floats or 2 doubles) comes from counter + g;
 *    a float takes 23 random mantissa bits, a double 52 bits from two words (low word
 *    first); the other kernels read the run's counters as one stream of 32-bit words.
 * Seeded nodes therefore repeat exactly from session to session; TensorFlow's own
 * streams (its per-op layouts of Philox output) are not reproduced bit for bit.
 */
#include <math.h>
#include <pthread.h>
#include <time.h>
#include <sys/random.h>

#include "kernels.h"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

void tfc__philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
	uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
	uint32_t k0 = key[0], k1 = key[1];
	for (int round = 0; round < 10; round++) {
		uint64_t p0 = (uint64_t)PHILOX_M0 * c0, p1 = (uint64_t)PHILOX_M1 * c2;
		uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
		uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
		c0 = hi1 ^ c1 ^ k0;
		c1 = lo1;
		c2 = hi0 ^ c3 ^ k1;
		c3 = lo0;
		k0 += PHILOX_W0;
		k1 += PHILOX_W1;
	}
	out[0] = c0;
	out[1] = c1;
	out[2] = c2;
	out[3] = c3;
}

/* Adds n to the 128-bit counter (word 0 least significant). */
static void counter_skip(uint32_t ctr[4], uint64_t n)
{
	uint64_t lo = ((uint64_t)ctr[1] << 32 | ctr[0]) + n;
	bool carry = lo < n;
	ctr[0] = (uint32_t)lo;
	ctr[1] = (uint32_t)(lo >> 32);
	if (carry && ++ctr[2] == 0)
		++ctr[3];
}

static float u32_to_float(uint32_t x)
{
	/* 1.0f's exponent with 23 random mantissa bits is in [1, 2). */
	uint32_t bits = (127u << 23) | (x & 0x7fffffu);
	float f;
	memcpy(&f, &bits, sizeof(f));
	return f - 1.0f;
}

static double u64_to_double(uint32_t lo, uint32_t hi)
{
	uint64_t bits = (1023ull << 52) | (((uint64_t)hi << 32 | lo) & ((1ull << 52) - 1));
	double d;
	memcpy(&d, &bits, sizeof(d));
	return d - 1.0;
}

/* A seed for "both seeds 0": the OS's entropy, else the clock and a counter. */
static uint64_t random_seed(void)
{
	uint64_t v;
	if (getrandom(&v, sizeof(v), 0) == (ssize_t)sizeof(v))
		return v;
	static atomic_uint_fast64_t calls;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	v = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^
	    (atomic_fetch_add(&calls, 1) + 1) * 0x9E3779B97F4A7C15ull;
	/* splitmix64's finalizer spreads the bits. */
	v = (v ^ (v >> 30)) * 0xBF58476D1CE4E5B9ull;
	v = (v ^ (v >> 27)) * 0x94D049BB133111EBull;
	return v ^ (v >> 31);
}

struct random_state {
	tfc_dtype dtype;     /* float or double */
	uint32_t key[2];     /* from seed; fixed after create */
	pthread_mutex_t mu;  /* guards ctr (runs of one node may overlap in time) */
	uint32_t ctr[4];     /* the next counter value not yet reserved */
};

static void *random_uniform_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "dtype"));
	if (t != TFC_FLOAT && t != TFC_DOUBLE)
		return tfc__kernel_unsupported(op, "dtype", t, st);
	tfc_dtype it = tfc_kernel_attr_type(op, "T");
	if (it != TFC_DTYPE_INVALID && it != TFC_INT32 && it != TFC_INT64)
		return tfc__kernel_unsupported(op, "T", it, st);
	uint64_t seed = (uint64_t)tfc__kernel_attr_int(op, "seed", 0);
	uint64_t seed2 = (uint64_t)tfc__kernel_attr_int(op, "seed2", 0);
	if (seed == 0 && seed2 == 0) {
		seed = random_seed();
		seed2 = random_seed();
	}
	struct random_state *s = tfc__calloc(1, sizeof(*s));
	s->dtype = t;
	s->key[0] = (uint32_t)seed;
	s->key[1] = (uint32_t)(seed >> 32);
	s->ctr[2] = (uint32_t)seed2;
	s->ctr[3] = (uint32_t)(seed2 >> 32);
	pthread_mutex_init(&s->mu, NULL);
	return s;
}

static void random_uniform_destroy(void *state)
{
	struct random_state *s = state;
	if (!s)
		return;
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static void random_uniform_compute(struct tfc_kernel_ctx *ctx)
{
	struct random_state *s = ctx->state;
	const tfc_tensor *shape = ctx->inputs[0];
	char buf[512];
	if (!shape || (shape->dtype != TFC_INT32 && shape->dtype != TFC_INT64) ||
	    shape->shape.rank != 1) {
		if (shape)
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "shape must be a vector of {int32,int64}, got shape %s",
					 tfc__kshape(&shape->shape, buf, sizeof(buf)));
		else
			tfc_kernel_error(ctx, TFC_INTERNAL, "The input of RandomUniform is missing");
		return;
	}
	if (shape->n_elems > TFC_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "RandomUniform of %lld dimensions: tfc supports at most %d",
				 (long long)shape->n_elems, TFC_MAX_RANK);
		return;
	}
	int64_t dims[TFC_MAX_RANK];
	int rank = (int)shape->n_elems;
	for (int i = 0; i < rank; i++)
		dims[i] = shape->dtype == TFC_INT32 ? ((const int32_t *)tfc_tensor_data(shape))[i]
						    : ((const int64_t *)tfc_tensor_data(shape))[i];
	tfc_tensor *out = tfc_kernel_alloc_output(ctx, 0, s->dtype, dims, rank);
	if (!out)
		return;
	int64_t n = out->n_elems;

	/* Reserve this run's counters; the rest of the run needs no lock. */
	uint32_t ctr[4];
	pthread_mutex_lock(&s->mu);
	memcpy(ctr, s->ctr, sizeof(ctr));
	counter_skip(s->ctr, (uint64_t)n * 256u);
	pthread_mutex_unlock(&s->mu);

	uint32_t r[4];
	if (s->dtype == TFC_FLOAT) {
		float *o = tfc_tensor_data(out);
		for (int64_t i = 0; i < n; i += 4) {
			tfc__philox4x32_10(ctr, s->key, r);
			counter_skip(ctr, 1);
			for (int j = 0; j < 4 && i + j < n; j++)
				o[i + j] = u32_to_float(r[j]);
		}
	} else {
		double *o = tfc_tensor_data(out);
		for (int64_t i = 0; i < n; i += 2) {
			tfc__philox4x32_10(ctr, s->key, r);
			counter_skip(ctr, 1);
			o[i] = u64_to_double(r[0], r[1]);
			if (i + 1 < n)
				o[i + 1] = u64_to_double(r[2], r[3]);
		}
	}
}

/* ---- the other random kernels: one stream of words per run */

struct stream {
	uint32_t key[2], ctr[4];
	uint32_t buf[4];
	int pos; /* next unused word of buf; 4: empty */
};

static uint32_t next_u32(struct stream *r)
{
	if (r->pos == 4) {
		tfc__philox4x32_10(r->ctr, r->key, r->buf);
		counter_skip(r->ctr, 1);
		r->pos = 0;
	}
	return r->buf[r->pos++];
}

static uint64_t next_u64(struct stream *r)
{
	uint64_t lo = next_u32(r);
	return lo | (uint64_t)next_u32(r) << 32;
}

/* Uniform in [0, 1) (23 bits). */
static float next_float(struct stream *r) { return u32_to_float(next_u32(r)); }

/* A standard normal (Box-Muller; the second value of each pair is kept for the next
 * call through *spare). */
static double next_normal(struct stream *r, double *spare, bool *has_spare)
{
	if (*has_spare) {
		*has_spare = false;
		return *spare;
	}
	const float eps = 1.0e-7f;
	float u1 = next_float(r), u2 = next_float(r);
	if (u1 < eps)
		u1 = eps;
	double v = 2.0 * M_PI * u2, u = sqrt(-2.0 * log(u1));
	*spare = cos(v) * u;
	*has_spare = true;
	return sin(v) * u;
}

/* Reserves n * 256 counter values of the node for this run (see the header). */
static void stream_begin(struct random_state *s, struct stream *r, int64_t n)
{
	pthread_mutex_lock(&s->mu);
	memcpy(r->ctr, s->ctr, sizeof(r->ctr));
	counter_skip(s->ctr, (uint64_t)(n > 0 ? n : 1) * 256u);
	pthread_mutex_unlock(&s->mu);
	memcpy(r->key, s->key, sizeof(r->key));
	r->pos = 4;
}

/* create() for the kernels below: dtype_attr names the output dtype attr. */
static void *random_create(const tfc_operation *op, const char *dtype_attr, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, dtype_attr));
	uint64_t seed = (uint64_t)tfc__kernel_attr_int(op, "seed", 0);
	uint64_t seed2 = (uint64_t)tfc__kernel_attr_int(op, "seed2", 0);
	if (seed == 0 && seed2 == 0) {
		seed = random_seed();
		seed2 = random_seed();
	}
	struct random_state *s = tfc__calloc(1, sizeof(*s));
	s->dtype = t;
	s->key[0] = (uint32_t)seed;
	s->key[1] = (uint32_t)(seed >> 32);
	s->ctr[2] = (uint32_t)seed2;
	s->ctr[3] = (uint32_t)(seed2 >> 32);
	pthread_mutex_init(&s->mu, NULL);
	(void)st;
	return s;
}

static void *float_random_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "dtype"));
	if (t != TFC_FLOAT && t != TFC_DOUBLE)
		return tfc__kernel_unsupported(op, "dtype", t, st);
	return random_create(op, "dtype", st);
}

/* The output of the shape vector input 0; NULL with ctx->st set. */
static tfc_tensor *shaped_output(struct tfc_kernel_ctx *ctx, tfc_dtype dt)
{
	const tfc_tensor *shape = ctx->inputs[0];
	char buf[256];
	if (!shape || (shape->dtype != TFC_INT32 && shape->dtype != TFC_INT64) ||
	    shape->shape.rank != 1 || shape->n_elems > TFC_MAX_RANK) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "shape must be a vector of {int32,int64}, got shape %s",
				 shape ? tfc__kshape(&shape->shape, buf, sizeof(buf)) : "(none)");
		return NULL;
	}
	int64_t dims[TFC_MAX_RANK];
	int rank = (int)shape->n_elems;
	for (int i = 0; i < rank; i++) {
		dims[i] = tfc__kint(shape, i);
		if (dims[i] < 0) {
			tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
					 "Dimension %d must be >= 0, got %lld", i, (long long)dims[i]);
			return NULL;
		}
	}
	return tfc_kernel_alloc_output(ctx, 0, dt, dims, rank);
}

static void normal_compute(struct tfc_kernel_ctx *ctx, bool truncated)
{
	struct random_state *s = ctx->state;
	tfc_tensor *out = shaped_output(ctx, s->dtype);
	if (!out)
		return;
	struct stream r;
	stream_begin(s, &r, out->n_elems);
	double spare = 0;
	bool has = false;
	for (int64_t i = 0; i < out->n_elems; i++) {
		double v = next_normal(&r, &spare, &has);
		while (truncated && fabs(v) >= 2.0)
			v = next_normal(&r, &spare, &has);
		if (s->dtype == TFC_FLOAT)
			((float *)tfc_tensor_data(out))[i] = (float)v;
		else
			((double *)tfc_tensor_data(out))[i] = v;
	}
}

static void standard_normal_compute(struct tfc_kernel_ctx *ctx) { normal_compute(ctx, false); }
static void truncated_normal_compute(struct tfc_kernel_ctx *ctx) { normal_compute(ctx, true); }

static void *uniform_int_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_kernel_attr_type(op, "Tout");
	if (t != TFC_INT32 && t != TFC_INT64)
		return tfc__kernel_unsupported(op, "Tout", t, st);
	return random_create(op, "Tout", st);
}

static void uniform_int_compute(struct tfc_kernel_ctx *ctx)
{
	struct random_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 3, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *lo_t = ctx->inputs[1], *hi_t = ctx->inputs[2];
	char b[128];
	if (lo_t->n_elems != 1 || lo_t->shape.rank != 0 || hi_t->n_elems != 1 ||
	    hi_t->shape.rank != 0 || lo_t->dtype != s->dtype || hi_t->dtype != s->dtype) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT,
				 "minval must be 0-D, got shape %s",
				 tfc__kshape(&lo_t->shape, b, sizeof(b)));
		return;
	}
	int64_t lo = tfc__kint(lo_t, 0), hi = tfc__kint(hi_t, 0);
	tfc_tensor *out = shaped_output(ctx, s->dtype);
	if (!out)
		return;
	if (out->n_elems == 0)
		return;
	if (lo >= hi) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "Need minval < maxval: %lld >= %lld",
				 (long long)lo, (long long)hi);
		return;
	}
	uint64_t range = (uint64_t)hi - (uint64_t)lo;
	struct stream r;
	stream_begin(s, &r, out->n_elems);
	for (int64_t i = 0; i < out->n_elems; i++) {
		uint64_t bits = s->dtype == TFC_INT32 ? next_u32(&r) : next_u64(&r);
		int64_t v = (int64_t)((uint64_t)lo + bits % range);
		if (s->dtype == TFC_INT32)
			((int32_t *)tfc_tensor_data(out))[i] = (int32_t)v;
		else
			((int64_t *)tfc_tensor_data(out))[i] = v;
	}
}

static void *multinomial_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t != TFC_FLOAT && t != TFC_DOUBLE)
		return tfc__kernel_unsupported(op, "T", t, st);
	tfc_dtype o = tfc_kernel_attr_type(op, "output_dtype");
	if (o == TFC_DTYPE_INVALID)
		o = TFC_INT64;
	if (o != TFC_INT32 && o != TFC_INT64)
		return tfc__kernel_unsupported(op, "output_dtype", o, st);
	struct random_state *s = random_create(op, "T", st);
	s->dtype = o;
	return s;
}

static void multinomial_compute(struct tfc_kernel_ctx *ctx)
{
	struct random_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 2, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *lg = ctx->inputs[0], *ns = ctx->inputs[1];
	char b[128];
	if (lg->shape.rank != 2 || (lg->dtype != TFC_FLOAT && lg->dtype != TFC_DOUBLE)) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "logits should be a matrix, got shape %s",
				 tfc__kshape(&lg->shape, b, sizeof(b)));
		return;
	}
	if (ns->n_elems != 1 || ns->shape.rank != 0 || ns->dtype != TFC_INT32) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "num_samples should be a scalar.");
		return;
	}
	int64_t rows = lg->shape.dims[0], cls = lg->shape.dims[1], n = tfc__kint(ns, 0);
	if (n < 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "num_samples should be nonnegative.");
		return;
	}
	if (cls <= 0 && rows > 0 && n > 0) {
		tfc_kernel_error(ctx, TFC_INVALID_ARGUMENT, "num_classes should be positive, got %lld",
				 (long long)cls);
		return;
	}
	int64_t dims[2] = {rows, n};
	tfc_tensor *out = tfc_kernel_alloc_output(ctx, 0, s->dtype, dims, 2);
	if (!out || out->n_elems == 0)
		return;
	struct stream r;
	stream_begin(s, &r, out->n_elems);
	double *cdf = tfc__malloc(sizeof(double) * (size_t)cls);
	for (int64_t i = 0; i < rows; i++) {
		double mx = -INFINITY, run = 0;
		for (int64_t j = 0; j < cls; j++) {
			double v = lg->dtype == TFC_FLOAT ? ((const float *)tfc_tensor_data(lg))[i * cls + j]
							  : ((const double *)tfc_tensor_data(lg))[i * cls + j];
			if (isfinite(v) && v > mx)
				mx = v;
		}
		for (int64_t j = 0; j < cls; j++) {
			double v = lg->dtype == TFC_FLOAT ? ((const float *)tfc_tensor_data(lg))[i * cls + j]
							  : ((const double *)tfc_tensor_data(lg))[i * cls + j];
			run += isfinite(v) ? exp(v - mx) : 0;
			cdf[j] = run;
		}
		for (int64_t k = 0; k < n; k++) {
			double u = (double)(next_u64(&r) >> 11) * (1.0 / 9007199254740992.0) * run;
			int64_t lo = 0, hi = cls - 1;
			while (lo < hi) { /* the first j with cdf[j] > u */
				int64_t mid = (lo + hi) / 2;
				if (cdf[mid] > u)
					hi = mid;
				else
					lo = mid + 1;
			}
			if (s->dtype == TFC_INT32)
				((int32_t *)tfc_tensor_data(out))[i * n + k] = (int32_t)lo;
			else
				((int64_t *)tfc_tensor_data(out))[i * n + k] = lo;
		}
	}
	free(cdf);
}

static void *shuffle_create(const tfc_operation *op, tfc_status *st)
{
	tfc_dtype t = tfc_dtype_base(tfc_kernel_attr_type(op, "T"));
	if (t == TFC_DTYPE_INVALID || t == TFC_VARIANT || t == TFC_RESOURCE)
		return tfc__kernel_unsupported(op, "T", t, st);
	return random_create(op, "T", st);
}

static void shuffle_compute(struct tfc_kernel_ctx *ctx)
{
	struct random_state *s = ctx->state;
	if (!tfc__kernel_inputs_ok(ctx, 1, TFC_DTYPE_INVALID))
		return;
	const tfc_tensor *x = ctx->inputs[0];
	int64_t n = x->shape.rank ? x->shape.dims[0] : 1;
	if (x->shape.rank == 0 || n <= 1) {
		tfc_kernel_forward_input(ctx, 0, 0);
		return;
	}
	tfc_tensor *out = tfc_kernel_alloc_output(ctx, 0, x->dtype, x->shape.dims, x->shape.rank);
	if (!out)
		return;
	int64_t *perm = tfc__malloc(sizeof(int64_t) * (size_t)n);
	for (int64_t i = 0; i < n; i++)
		perm[i] = i;
	struct stream r;
	stream_begin(s, &r, n);
	for (int64_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
		int64_t j = (int64_t)(next_u64(&r) % (uint64_t)(i + 1));
		int64_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	int64_t inner = x->n_elems / n;
	size_t esz = tfc__elem_size(x->dtype);
	for (int64_t i = 0; i < n; i++) {
		if (x->dtype == TFC_STRING) {
			for (int64_t k = 0; k < inner; k++) {
				const tfc_tstring *t = tfc_tensor_string(x, perm[i] * inner + k);
				tfc_tensor_set_string(out, i * inner + k, t->ptr, t->len, NULL);
			}
		} else {
			memcpy((char *)tfc_tensor_data(out) + (size_t)(i * inner) * esz,
			       (const char *)tfc_tensor_data(x) + (size_t)(perm[i] * inner) * esz,
			       (size_t)inner * esz);
		}
	}
	free(perm);
}

#define RANDOM(NAME, CREATE, COMPUTE)                                                       \
	{ .op = NAME, .device = "CPU", .create = CREATE, .destroy = random_uniform_destroy,  \
	  .compute = COMPUTE, .flags = TFC_KF_STATEFUL }

const struct tfc_kernel_def tfc__random_kernels[] = {
	{ .op = "RandomUniform", .device = "CPU", .create = random_uniform_create,
	  .destroy = random_uniform_destroy, .compute = random_uniform_compute,
	  .flags = TFC_KF_STATEFUL },
	RANDOM("RandomStandardNormal", float_random_create, standard_normal_compute),
	RANDOM("TruncatedNormal", float_random_create, truncated_normal_compute),
	RANDOM("RandomUniformInt", uniform_int_create, uniform_int_compute),
	RANDOM("Multinomial", multinomial_create, multinomial_compute),
	RANDOM("RandomShuffle", shuffle_create, shuffle_compute),
	{ .op = NULL },
};
