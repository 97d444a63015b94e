/*
 * test_gpu_more.c: the GPU kernels of the second round of training-graph ops against
 * the CPU's: the moving ops Split, SplitV, Unpack, Pad, PadV2, BroadcastTo and
 * StridedSliceGrad (cuda/array_gpu.c); Gather, GatherV2, ResourceGather,
 * UnsortedSegmentSum and OneHot (cuda/gather_gpu.c) with host indices and with
 * indices a GPU kernel made (out of range: the CPU's error, or TensorFlow's GPU
 * behaviour); the element-wise Log1p, Expm1, Floor, Ceil, Round, Sign, Sin, Cos,
 * Pow, FloorDiv, FloorMod, the logical ops and the reductions over an empty dim
 * (cuda/cwise_gpu.c); ApplyAdagrad, ApplyRMSProp, ApplyAdadelta and their resource
 * forms in 20-step training loops (cuda/training_gpu.c). Each case runs the node pinned to /device:GPU:0 and in a
 * CPU-only session, checks the step stats put it on GPU:0 and compares the outputs:
 * exactly for the moving and index ops, within a relative 1e-5 for the float
 * functions and sums. Without a GPU every case is a TAP skip; which nodes the GPU
 * takes (supports()) is checked everywhere.
 */
#include <math.h>
#include <stdlib.h>

#include "config.pb-c.h"
#include "gpu.h"
#include "gpu_test_util.h"
#include "kernel.h"
#include "test_util.h"
#include "tfc_ops.h"
#include "tfc_train.h"

/* The cases name only the fields they use. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define GPU0 "/job:localhost/replica:0/task:0/device:GPU:0"

/* ---- inputs */

/* Random values of dt: floats in [lo, hi), integers in [lo, hi] (bools 0 or 1). */
static tfc_tensor *rnd(tfc_dtype dt, int rank, const int64_t *dims, double lo, double hi)
{
	tfc_tensor *t = tfc_tensor_new(dt, dims, rank, NULL);
	void *p = tfc_tensor_data(t);
	for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++) {
		double u = (double)rand() / ((double)RAND_MAX + 1);
		int64_t k = (int64_t)floor(lo + (hi - lo + 1) * u);
		switch (dt) {
		case TFC_FLOAT: ((float *)p)[i] = (float)(lo + (hi - lo) * u); break;
		case TFC_DOUBLE: ((double *)p)[i] = lo + (hi - lo) * u; break;
		case TFC_INT32: ((int32_t *)p)[i] = (int32_t)k; break;
		case TFC_INT64: ((int64_t *)p)[i] = k; break;
		case TFC_BOOL: ((uint8_t *)p)[i] = u < 0.5; break;
		default: break;
		}
	}
	return t;
}

static tfc_tensor *vals(tfc_dtype dt, int rank, const int64_t *dims) { return rnd(dt, rank, dims, -3, 3); }

/* An index tensor of dt (int32 or int64) and dims holding v (n values). */
static tfc_tensor *idx(tfc_dtype dt, int rank, const int64_t *dims, const int64_t *v)
{
	tfc_tensor *t = tfc_tensor_new(dt, dims, rank, NULL);
	for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++) {
		if (dt == TFC_INT32)
			((int32_t *)tfc_tensor_data(t))[i] = (int32_t)v[i];
		else
			((int64_t *)tfc_tensor_data(t))[i] = v[i];
	}
	return t;
}

#define D(...) ((const int64_t[]){__VA_ARGS__})
#define NV(...) (int64_t)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t))
/* An int32 vector of the values given. */
#define IV(...) idx(TFC_INT32, 1, D(NV(__VA_ARGS__)), D(__VA_ARGS__))
#define I32(v) idx(TFC_INT32, 0, NULL, D(v))

/* ---- one case */

#define MAX_IN 5
#define MAX_OUT 6
struct mcase {
	const char *op;
	char what[160];
	int n_in;
	tfc_tensor *in[MAX_IN]; /* owned */
	unsigned konst;         /* bit k: input k is a Const, else a fed Placeholder */
	unsigned cast;          /* bit k: input k (float) reaches the op through a Cast to int32 next to it */
	int n_out;
	const char *iattr[3];
	int64_t ival[3];
	double tol;             /* 0: equal bytes; else the largest relative difference */
	bool fails;             /* both sessions must fail, with one message */
};

/* Runs c (pinned to GPU:0 when gpu, traced): outputs into out, the device of node
 * "op" into where. */
static void run_case(const struct mcase *c, bool gpu, tfc_tensor **out, char *where, size_t wn, tfc_status *st)
{
	tfc_graph *g = tfc_graph_new();
	tfc_output feeds[MAX_IN], srcs[MAX_IN];
	tfc_tensor *fv[MAX_IN];
	int nf = 0;
	for (int k = 0; k < c->n_in; k++) {
		char name[16];
		snprintf(name, sizeof(name), "in%d", k);
		tfc_dtype dt = tfc_tensor_dtype(c->in[k]);
		tfc_operation *src = c->konst >> k & 1 ? tfc_const(g, name, c->in[k], dt, st)
						       : t_placeholder(g, name, dt, -1, NULL, st);
		srcs[k] = (tfc_output){src, 0};
		if (!(c->konst >> k & 1)) {
			feeds[nf] = srcs[k];
			fv[nf++] = c->in[k];
		}
		if (c->cast >> k & 1) {
			snprintf(name, sizeof(name), "cast%d", k);
			tfc_op_desc *d = tfc_op_new(g, "Cast", name);
			tfc_op_add_input(d, srcs[k]);
			tfc_op_set_attr_type(d, "DstT", TFC_INT32);
			if (gpu)
				tfc_op_set_device(d, "/device:GPU:0");
			srcs[k] = (tfc_output){tfc_op_finish(d, st), 0};
		}
	}
	tfc_op_desc *d = tfc_op_new(g, c->op, "op");
	for (int k = 0; k < c->n_in; k++)
		tfc_op_add_input(d, srcs[k]);
	for (int i = 0; i < 3 && c->iattr[i]; i++)
		tfc_op_set_attr_int(d, c->iattr[i], c->ival[i]);
	if (gpu)
		tfc_op_set_device(d, "/device:GPU:0");
	tfc_operation *op = tfc_op_finish(d, st);
	gpu_test_run_op(g, op, c->n_out, gpu, feeds, fv, nf, out, where, wn, st);
}

static double elem(const tfc_tensor *t, int64_t i)
{
	const void *p = tfc_tensor_data((tfc_tensor *)t);
	return tfc_tensor_dtype(t) == TFC_FLOAT ? ((const float *)p)[i] : ((const double *)p)[i];
}

/* a and b alike: dtype and shape, then the bytes (tol 0) or the values within tol. */
static bool same(const tfc_tensor *a, const tfc_tensor *b, double tol)
{
	if (!a || !b || tfc_tensor_dtype(a) != tfc_tensor_dtype(b))
		return false;
	tfc_shape sa = tfc_tensor_shape(a), sb = tfc_tensor_shape(b);
	if (sa.rank != sb.rank || memcmp(sa.dims, sb.dims, sizeof(int64_t) * (size_t)sa.rank))
		return false;
	tfc_dtype dt = tfc_tensor_dtype(a);
	if (tol == 0 || (dt != TFC_FLOAT && dt != TFC_DOUBLE))
		return !memcmp(tfc_tensor_data((tfc_tensor *)a), tfc_tensor_data((tfc_tensor *)b),
			       tfc_tensor_byte_size(a));
	for (int64_t i = 0; i < tfc_tensor_num_elements(a); i++) {
		double x = elem(a, i), y = elem(b, i);
		if (isnan(x) && isnan(y))
			continue;
		if (!(fabs(x - y) <= tol * fmax(1.0, fabs(y))))
			return false;
	}
	return true;
}

/* One TAP line: c on GPU:0 as on the CPU (or failing alike). Frees c's inputs. */
static void check(struct mcase *c)
{
	tfc_status *st = tfc_status_new(), *gst = tfc_status_new();
	tfc_tensor *want[MAX_OUT] = {NULL}, *got[MAX_OUT] = {NULL};
	char w0[160], w1[160];
	if (!c->n_out)
		c->n_out = 1;
	run_case(c, false, want, w0, sizeof(w0), st);
	run_case(c, true, got, w1, sizeof(w1), gst);
	if (c->fails) {
		bool alike = tfc_status_code(st) != TFC_OK && tfc_status_code(st) == tfc_status_code(gst) &&
			     !strcmp(tfc_status_message(st), tfc_status_message(gst));
		ok(alike, "%s %s: fails on the GPU as on the CPU (\"%s\" / \"%s\")", c->op, c->what,
		   tfc_status_message(st), tfc_status_message(gst));
	} else {
		bool eq = tfc_status_code(st) == TFC_OK && tfc_status_code(gst) == TFC_OK;
		for (int k = 0; eq && k < c->n_out; k++)
			eq = same(want[k], got[k], c->tol);
		ok(eq && strstr(w1, "device:GPU:0"), "%s %s: on %s, GPU = CPU %s%s", c->op, c->what, w1,
		   tfc_status_message(st), tfc_status_message(gst));
	}
	for (int k = 0; k < MAX_OUT; k++) {
		tfc_tensor_free(want[k]);
		tfc_tensor_free(got[k]);
	}
	for (int k = 0; k < c->n_in; k++)
		tfc_tensor_free(c->in[k]);
	tfc_status_free(st);
	tfc_status_free(gst);
}

/* CASE(what, fields...): counts the case, and builds and checks it when run. The
 * inputs are built only when run (the arguments are evaluated then). */
#define CASE(W, ...)                                                         \
	do {                                                                 \
		n++;                                                         \
		if (run) {                                                   \
			struct mcase c_ = {__VA_ARGS__};                     \
			snprintf(c_.what, sizeof(c_.what), "%s", (W));       \
			check(&c_);                                          \
		}                                                            \
	} while (0)

static const tfc_dtype all_types[] = {TFC_FLOAT, TFC_DOUBLE, TFC_INT32, TFC_INT64, TFC_BOOL};

/* ---- 1: the moving ops */

static int test_moving(bool run)
{
	int n = 0;
	for (int t = 0; t < 5; t++) {
		tfc_dtype dt = all_types[t];
		const char *w = tfc_dtype_name(dt);
		CASE(w, "Split", .n_in = 2, .in = {I32(1), run ? vals(dt, 3, D(2, 6, 3)) : NULL}, .konst = 1,
		     .n_out = 3, .iattr = {"num_split"}, .ival = {3});
		CASE(w, "SplitV", .n_in = 3, .in = {run ? vals(dt, 2, D(4, 7)) : NULL, IV(2, -1, 1), I32(-1)},
		     .konst = 6, .n_out = 3, .iattr = {"num_split"}, .ival = {3});
		CASE(w, "Unpack", .n_in = 1, .in = {run ? vals(dt, 3, D(3, 4, 2)) : NULL}, .n_out = 4,
		     .iattr = {"num", "axis"}, .ival = {4, 1});
		CASE(w, "Pad", .n_in = 2, .in = {run ? vals(dt, 2, D(3, 4)) : NULL, idx(TFC_INT32, 2, D(2, 2), D(1, 2, 0, 3))},
		     .konst = 2);
		CASE(w, "BroadcastTo", .n_in = 2, .in = {run ? vals(dt, 2, D(3, 1)) : NULL, IV(2, 3, 4)}, .konst = 2);
		CASE(w, "StridedSliceGrad", .n_in = 5,
		     .in = {IV(5, 6), IV(1, -1), IV(4, 0), IV(1, -2), run ? vals(dt, 2, D(3, 3)) : NULL}, .konst = 15);
	}
	CASE("axis 0, float [6]", "Split", .n_in = 2, .in = {I32(0), run ? vals(TFC_FLOAT, 1, D(6)) : NULL}, .konst = 1,
	     .n_out = 2, .iattr = {"num_split"}, .ival = {2});
	CASE("axis -1, empty [0,4]", "Split", .n_in = 2, .in = {I32(-1), run ? vals(TFC_FLOAT, 2, D(0, 4)) : NULL},
	     .konst = 1, .n_out = 2, .iattr = {"num_split"}, .ival = {2});
	CASE("5 ways of 7: fails alike", "Split", .n_in = 2, .in = {I32(1), run ? vals(TFC_FLOAT, 2, D(2, 7)) : NULL},
	     .konst = 1, .n_out = 5, .iattr = {"num_split"}, .ival = {5}, .fails = true);
	CASE("a size 0 split, axis 0", "SplitV", .n_in = 3,
	     .in = {run ? vals(TFC_DOUBLE, 3, D(5, 2, 2)) : NULL, IV(0, 5), I32(0)}, .konst = 6, .n_out = 2,
	     .iattr = {"num_split"}, .ival = {2});
	CASE("sizes not adding up: fails alike", "SplitV", .n_in = 3,
	     .in = {run ? vals(TFC_FLOAT, 1, D(5)) : NULL, IV(2, 2), I32(0)}, .konst = 6, .n_out = 2,
	     .iattr = {"num_split"}, .ival = {2}, .fails = true);
	CASE("axis -1", "Unpack", .n_in = 1, .in = {run ? vals(TFC_FLOAT, 2, D(3, 2)) : NULL}, .n_out = 2,
	     .iattr = {"num", "axis"}, .ival = {2, -1});
	CASE("axis 0 of [1,0]", "Unpack", .n_in = 1, .in = {run ? vals(TFC_FLOAT, 2, D(1, 0)) : NULL}, .n_out = 1,
	     .iattr = {"num"}, .ival = {1});
	CASE("float [2,1,3], int64 paddings", "Pad", .n_in = 2,
	     .in = {run ? vals(TFC_FLOAT, 3, D(2, 1, 3)) : NULL, idx(TFC_INT64, 2, D(3, 2), D(0, 1, 2, 2, 1, 0))},
	     .konst = 2);
	CASE("empty input", "Pad", .n_in = 2,
	     .in = {run ? vals(TFC_FLOAT, 2, D(0, 2)) : NULL, idx(TFC_INT32, 2, D(2, 2), D(1, 1, 0, 1))}, .konst = 2);
	CASE("scalar", "Pad", .n_in = 2, .in = {run ? vals(TFC_DOUBLE, 0, NULL) : NULL, idx(TFC_INT32, 2, D(0, 2), NULL)},
	     .konst = 2);
	CASE("negative padding: fails alike", "Pad", .n_in = 2,
	     .in = {run ? vals(TFC_FLOAT, 1, D(3)) : NULL, idx(TFC_INT32, 2, D(1, 2), D(-1, 0))}, .fails = true);
	for (int t = 0; t < 5; t++)
		CASE(tfc_dtype_name(all_types[t]), "PadV2", .n_in = 3,
		     .in = {run ? vals(all_types[t], 2, D(2, 3)) : NULL, idx(TFC_INT32, 2, D(2, 2), D(2, 1, 0, 2)),
			    run ? vals(all_types[t], 0, NULL) : NULL},
		     .konst = 2);
	CASE("scalar to [2,3]", "BroadcastTo", .n_in = 2, .in = {run ? vals(TFC_FLOAT, 0, NULL) : NULL, IV(2, 3)},
	     .konst = 2);
	CASE("[3] to [0,3]", "BroadcastTo", .n_in = 2, .in = {run ? vals(TFC_FLOAT, 1, D(3)) : NULL, IV(0, 3)},
	     .konst = 2);
	CASE("[2] to [3]: fails alike", "BroadcastTo", .n_in = 2, .in = {run ? vals(TFC_FLOAT, 1, D(2)) : NULL, IV(3)},
	     .konst = 2, .fails = true);
	CASE("shrink_axis_mask, begin_mask", "StridedSliceGrad", .n_in = 5,
	     .in = {IV(3, 4, 5), IV(-1, 0, 1), IV(0, 3, 5), IV(1, 1, 2), run ? vals(TFC_FLOAT, 2, D(3, 2)) : NULL},
	     .konst = 15, .iattr = {"shrink_axis_mask", "begin_mask"}, .ival = {1, 2});
	CASE("ellipsis and new axis", "StridedSliceGrad", .n_in = 5,
	     .in = {IV(3, 4, 5), IV(0, 0, 1), IV(0, 0, 4), IV(1, 1, 1), run ? vals(TFC_DOUBLE, 4, D(3, 4, 1, 3)) : NULL},
	     .konst = 15, .iattr = {"ellipsis_mask", "new_axis_mask"}, .ival = {1, 2});
	CASE("empty slice", "StridedSliceGrad", .n_in = 5,
	     .in = {IV(5), IV(3), IV(1), IV(1), run ? vals(TFC_FLOAT, 1, D(0)) : NULL}, .konst = 15);
	CASE("dy of the wrong shape: fails alike", "StridedSliceGrad", .n_in = 5,
	     .in = {IV(5), IV(1), IV(4), IV(1), run ? vals(TFC_FLOAT, 1, D(2)) : NULL}, .konst = 15, .fails = true);
	return n;
}

/* ---- 2: the index ops */

/* Float indices (for the Cast cases: the indices a GPU kernel makes) of dims. */
static tfc_tensor *fidx(int rank, const int64_t *dims, const int64_t *v)
{
	tfc_tensor *t = tfc_tensor_new(TFC_FLOAT, dims, rank, NULL);
	for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++)
		((float *)tfc_tensor_data(t))[i] = (float)v[i];
	return t;
}

static int test_index(bool run)
{
	int n = 0;
	static const tfc_dtype ix[] = {TFC_INT32, TFC_INT64};
	for (int t = 0; t < 5; t++) {
		tfc_dtype dt = all_types[t];
		const char *w = tfc_dtype_name(dt);
		CASE(w, "GatherV2", .n_in = 3,
		     .in = {run ? vals(dt, 3, D(4, 5, 2)) : NULL, idx(TFC_INT32, 2, D(2, 3), D(4, 0, 2, 2, 1, 3)), I32(1)},
		     .konst = 4);
		CASE(w, "OneHot", .n_in = 4,
		     .in = {idx(TFC_INT64, 2, D(2, 3), D(0, 4, -1, 2, 3, 1)), I32(4), run ? vals(dt, 0, NULL) : NULL,
			    run ? vals(dt, 0, NULL) : NULL},
		     .konst = 2, .iattr = {"axis"}, .ival = {1});
	}
	for (int k = 0; k < 2; k++) {
		char w[64];
		snprintf(w, sizeof(w), "%s indices, axis 0", tfc_dtype_name(ix[k]));
		CASE(w, "Gather", .n_in = 2, .in = {run ? vals(TFC_FLOAT, 2, D(5, 3)) : NULL, idx(ix[k], 1, D(4), D(4, 4, 0, 1))});
		CASE(w, "GatherV2", .n_in = 3,
		     .in = {run ? vals(TFC_DOUBLE, 2, D(3, 2)) : NULL, idx(ix[k], 0, NULL, D(2)), I32(0)}, .konst = 4);
		snprintf(w, sizeof(w), "%s segment ids, one dropped (-1)", tfc_dtype_name(ix[k]));
		CASE(w, "UnsortedSegmentSum", .n_in = 3,
		     .in = {run ? vals(TFC_FLOAT, 2, D(6, 3)) : NULL, idx(ix[k], 1, D(6), D(0, 2, 2, -1, 0, 3)), I32(5)},
		     .konst = 4, .tol = 1e-6);
	}
	CASE("axis -1, [2,3,4] by [2,2]", "GatherV2", .n_in = 3,
	     .in = {run ? vals(TFC_INT64, 3, D(2, 3, 4)) : NULL, idx(TFC_INT32, 2, D(2, 2), D(3, 0, 1, 1)), I32(-1)},
	     .konst = 4);
	CASE("empty indices", "GatherV2", .n_in = 3,
	     .in = {run ? vals(TFC_FLOAT, 2, D(3, 2)) : NULL, idx(TFC_INT32, 1, D(0), NULL), I32(0)}, .konst = 4);
	CASE("empty params rows", "GatherV2", .n_in = 3,
	     .in = {run ? vals(TFC_FLOAT, 2, D(3, 0)) : NULL, IV(2, 1), I32(0)}, .konst = 4);
	CASE("host index out of range: fails alike", "GatherV2", .n_in = 3,
	     .in = {run ? vals(TFC_FLOAT, 2, D(3, 2)) : NULL, IV(1, 3), I32(0)}, .konst = 4, .fails = true);
	CASE("indices made on the GPU", "GatherV2", .n_in = 3,
	     .in = {run ? vals(TFC_FLOAT, 2, D(4, 3)) : NULL, fidx(1, D(5), D(3, 0, 0, 2, 1)), I32(0)}, .konst = 4,
	     .cast = 2);
	CASE("double, [2,3,2] data by [2,3] ids", "UnsortedSegmentSum", .n_in = 3,
	     .in = {run ? vals(TFC_DOUBLE, 3, D(2, 3, 2)) : NULL, idx(TFC_INT32, 2, D(2, 3), D(1, 0, 1, 1, 3, 0)),
		    I32(4)},
	     .konst = 4, .tol = 1e-12);
	CASE("int32", "UnsortedSegmentSum", .n_in = 3,
	     .in = {run ? vals(TFC_INT32, 1, D(7)) : NULL, IV(0, 1, 0, 1, 2, 2, 0), I32(3)}, .konst = 4);
	CASE("int64, no segments", "UnsortedSegmentSum", .n_in = 3,
	     .in = {run ? vals(TFC_INT64, 1, D(0)) : NULL, idx(TFC_INT32, 1, D(0), NULL), I32(0)}, .konst = 4);
	CASE("empty data, 3 segments", "UnsortedSegmentSum", .n_in = 3,
	     .in = {run ? vals(TFC_FLOAT, 2, D(0, 2)) : NULL, idx(TFC_INT32, 1, D(0), NULL), I32(3)}, .konst = 4);
	CASE("ids made on the GPU", "UnsortedSegmentSum", .n_in = 3,
	     .in = {run ? vals(TFC_FLOAT, 2, D(5, 2)) : NULL, fidx(1, D(5), D(1, 1, 0, 2, 1)), I32(3)}, .konst = 4,
	     .cast = 2, .tol = 1e-6);
	CASE("host id out of range: fails alike", "UnsortedSegmentSum", .n_in = 3,
	     .in = {run ? vals(TFC_FLOAT, 1, D(3)) : NULL, IV(0, 3, 1), I32(3)}, .konst = 4, .fails = true);
	CASE("axis -1, int32 indices [4]", "OneHot", .n_in = 4,
	     .in = {IV(2, 0, 7, 1), I32(3), idx(TFC_INT32, 0, NULL, D(5)), idx(TFC_INT32, 0, NULL, D(-1))}, .konst = 14);
	CASE("axis 0, scalar index", "OneHot", .n_in = 4,
	     .in = {I32(1), I32(3), run ? vals(TFC_FLOAT, 0, NULL) : NULL, run ? vals(TFC_FLOAT, 0, NULL) : NULL},
	     .konst = 14, .iattr = {"axis"}, .ival = {0});
	CASE("depth 0", "OneHot", .n_in = 4,
	     .in = {IV(0, 1), I32(0), run ? vals(TFC_FLOAT, 0, NULL) : NULL, run ? vals(TFC_FLOAT, 0, NULL) : NULL},
	     .konst = 14);
	CASE("indices made on the GPU", "OneHot", .n_in = 4,
	     .in = {fidx(2, D(2, 2), D(1, 3, 0, 2)), I32(3), run ? vals(TFC_DOUBLE, 0, NULL) : NULL,
		    run ? vals(TFC_DOUBLE, 0, NULL) : NULL},
	     .konst = 14, .cast = 1);
	CASE("negative depth: fails alike", "OneHot", .n_in = 4,
	     .in = {IV(0), I32(-2), run ? vals(TFC_FLOAT, 0, NULL) : NULL, run ? vals(TFC_FLOAT, 0, NULL) : NULL},
	     .fails = true);
	return n;
}

/* Gather with indices a GPU kernel made and one of them out of range: zeros in its
 * row on the GPU (TensorFlow's GPU behaviour), the CPU's error on the CPU. */
#define N_GPU_OOR 2
static void test_device_out_of_range(void)
{
	tfc_status *st = tfc_status_new();
	struct mcase c = {"GatherV2", "", 3, {vals(TFC_FLOAT, 2, D(3, 2)), fidx(1, D(3), D(2, 5, 0)), I32(0)}, 4, 2, 1};
	tfc_tensor *out = NULL;
	char where[160];
	run_case(&c, true, &out, where, sizeof(where), st);
	const float *p = tfc_tensor_data(c.in[0]);
	const float *o = out ? tfc_tensor_data(out) : NULL;
	ok(o && o[0] == p[4] && o[1] == p[5] && o[2] == 0 && o[3] == 0 && o[4] == p[0] && o[5] == p[1],
	   "GatherV2 on the GPU: an index out of range made on the GPU gives zeros %s", tfc_status_message(st));
	tfc_tensor_free(out);
	out = NULL;
	tfc_status_set(st, TFC_OK, NULL);
	run_case(&c, false, &out, where, sizeof(where), st);
	ok(tfc_status_code(st) == TFC_INVALID_ARGUMENT && strstr(tfc_status_message(st), "indices[1] = 5 is not in [0, 3)"),
	   "and on the CPU the error: %s", tfc_status_message(st));
	tfc_tensor_free(out);
	for (int k = 0; k < 3; k++)
		tfc_tensor_free(c.in[k]);
	tfc_status_free(st);
}

/* ResourceGather of a resource variable on the GPU (its value in the GPU's memory
 * after its initializer ran there) against the CPU; the gather itself on GPU:0. */
#define N_RESOURCE_GATHER 3
static void test_resource_gather(void)
{
	for (int variant = 0; variant < N_RESOURCE_GATHER; variant++) {
		tfc_status *st = tfc_status_new();
		tfc_tensor *got[2] = {NULL};
		char where[2][160];
		tfc_tensor *init = vals(variant == 2 ? TFC_DOUBLE : TFC_FLOAT, 2, D(5, 3));
		tfc_tensor *ids = variant == 1 ? fidx(2, D(2, 2), D(4, 0, 4, 1)) : IV(3, 0, 3);
		for (int gpu = 0; gpu < 2; gpu++) {
			tfc_graph *g = tfc_graph_new();
			tfc_dtype dt = tfc_tensor_dtype(init);
			tfc_op_desc *d = tfc_op_new(g, "VarHandleOp", "v");
			tfc_op_set_attr_type(d, "dtype", dt);
			tfc_shape vs = tfc_shape_make(2, D(5, 3));
			tfc_op_set_attr_shape(d, "shape", &vs);
			tfc_op_set_attr_string(d, "shared_name", "v", 1);
			tfc_operation *h = tfc_op_finish(d, st);
			tfc_operation *iv = tfc_const(g, "init", init, dt, st);
			d = tfc_op_new(g, "AssignVariableOp", "assign");
			tfc_op_add_input(d, (tfc_output){h, 0});
			tfc_op_add_input(d, (tfc_output){iv, 0});
			tfc_op_set_attr_type(d, "dtype", dt);
			tfc_operation *assign = tfc_op_finish(d, st);
			tfc_operation *ic = tfc_const(g, "ids", ids, tfc_tensor_dtype(ids), st);
			tfc_output io = {ic, 0};
			if (variant == 1) {
				d = tfc_op_new(g, "Cast", "cast");
				tfc_op_add_input(d, io);
				tfc_op_set_attr_type(d, "DstT", TFC_INT32);
				io = (tfc_output){tfc_op_finish(d, st), 0};
			}
			d = tfc_op_new(g, "ResourceGather", "op");
			tfc_op_add_input(d, (tfc_output){h, 0});
			tfc_op_add_input(d, io);
			tfc_op_set_attr_type(d, "dtype", dt);
			tfc_operation *gat = tfc_op_finish(d, st);
			tfc_session_options *o = tfc_session_options_new();
			if (!gpu)
				tfc_session_options_set_config_value(o, "device_count.GPU", "0", st);
			tfc_session *s = tfc_status_code(st) == TFC_OK ? tfc_session_new(g, o, st) : NULL;
			if (s)
				tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &assign, 1, NULL, st);
			Tensorflow__RunOptions ro;
			tensorflow__run_options__init(&ro);
			ro.trace_level = TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__SOFTWARE_TRACE;
			uint8_t rb[32];
			size_t rl = tensorflow__run_options__pack(&ro, rb);
			tfc_buffer_t *meta = NULL;
			tfc_output f = {gat, 0};
			if (s && tfc_status_code(st) == TFC_OK)
				tfc_session_run(s, rb, rl, NULL, NULL, 0, &f, &got[gpu], 1, NULL, 0, &meta, st);
			snprintf(where[gpu], sizeof(where[gpu]), "(not run)");
			Tensorflow__RunMetadata *rm =
				meta ? tensorflow__run_metadata__unpack(NULL, meta->length, meta->data) : NULL;
			for (size_t i = 0; rm && rm->step_stats && i < rm->step_stats->n_dev_stats; i++)
				for (size_t k = 0; k < rm->step_stats->dev_stats[i]->n_node_stats; k++)
					if (!strcmp(rm->step_stats->dev_stats[i]->node_stats[k]->node_name, "op"))
						snprintf(where[gpu], sizeof(where[gpu]), "%s",
							 rm->step_stats->dev_stats[i]->device);
			if (rm)
				tensorflow__run_metadata__free_unpacked(rm, NULL);
			tfc_buffer_free(meta);
			tfc_session_free(s);
			tfc_session_options_free(o);
			tfc_graph_free(g);
		}
		static const char *const what[] = {"float, host indices", "float, indices made on the GPU",
						   "double"};
		ok(tfc_status_code(st) == TFC_OK && same(got[0], got[1], 0) && strstr(where[1], "device:GPU:0"),
		   "ResourceGather %s: on %s, GPU = CPU %s", what[variant], where[1], tfc_status_message(st));
		tfc_tensor_free(got[0]);
		tfc_tensor_free(got[1]);
		tfc_tensor_free(init);
		tfc_tensor_free(ids);
		tfc_status_free(st);
	}
}

/* ---- 3: element-wise */

static int test_cwise(bool run)
{
	int n = 0;
	static const char *const unary[] = {"Log1p", "Expm1", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos"};
	for (size_t u = 0; u < TFC_ARRAY_LEN(unary); u++) {
		for (int t = 0; t < 2; t++) {
			tfc_dtype dt = all_types[t];
			tfc_tensor *x = run ? rnd(dt, 2, D(3, 7), u == 0 ? -0.9 : -4, 4) : NULL;
			if (x && dt == TFC_FLOAT && u == 4) { /* halves round to even */
				float *p = tfc_tensor_data(x);
				p[0] = 0.5f, p[1] = 1.5f, p[2] = 2.5f, p[3] = -0.5f, p[4] = -2.5f;
			}
			if (x && u == 5) /* Sign of 0 */
				memset(tfc_tensor_data(x), 0, tfc_dtype_size(dt));
			CASE(tfc_dtype_name(dt), unary[u], .n_in = 1, .in = {x}, .tol = 1e-6);
		}
		CASE("empty", unary[u], .n_in = 1, .in = {run ? vals(TFC_FLOAT, 1, D(0)) : NULL});
	}
	static const char *const binary[] = {"Pow", "FloorDiv", "FloorMod"};
	for (size_t b = 0; b < TFC_ARRAY_LEN(binary); b++) {
		double lo = b == 0 ? 0.1 : -5;
		for (int t = 0; t < 2; t++) {
			tfc_dtype dt = all_types[t];
			CASE(tfc_dtype_name(dt), binary[b], .n_in = 2,
			     .in = {run ? rnd(dt, 2, D(3, 4), lo, 5) : NULL, run ? rnd(dt, 2, D(3, 4), 0.5, 3) : NULL},
			     .tol = 1e-6);
		}
		CASE("[2,1,4] by [3,1], negative divisors", binary[b], .n_in = 2,
		     .in = {run ? rnd(TFC_FLOAT, 3, D(2, 1, 4), lo, 5) : NULL,
			    run ? rnd(TFC_FLOAT, 2, D(3, 1), b == 0 ? 0.5 : -3, b == 0 ? 2 : -0.5) : NULL},
		     .tol = 1e-6);
		CASE("scalar and empty", binary[b], .n_in = 2,
		     .in = {run ? vals(TFC_DOUBLE, 0, NULL) : NULL, run ? vals(TFC_DOUBLE, 2, D(0, 3)) : NULL});
	}
	{ /* 1 / 0.1f is 9.99999985 exactly but 10 in float: FloorDiv of floats floors the float quotient */
		tfc_tensor *q = run ? vals(TFC_FLOAT, 1, D(2)) : NULL, *d = run ? vals(TFC_FLOAT, 1, D(2)) : NULL;
		if (run) {
			float *pq = tfc_tensor_data(q), *pd = tfc_tensor_data(d);
			pq[0] = 1, pd[0] = 0.1f, pq[1] = 3, pd[1] = 0.3f;
		}
		CASE("float quotients that round to integers", "FloorDiv", .n_in = 2, .in = {q, d}, .tol = 1e-6);
	}
	/* reductions over an empty dim: the identity (NaN for Mean), not zeros */
	static const char *const reduce[] = {"Sum", "Mean", "Max", "Min", "Prod"};
	for (size_t r = 0; r < TFC_ARRAY_LEN(reduce); r++)
		CASE("[3,0] over axis 1", reduce[r], .n_in = 2, .in = {run ? vals(TFC_FLOAT, 2, D(3, 0)) : NULL, I32(1)},
		     .konst = 1u << 1, .tol = r == 1 ? 1e-6 : 0 /* bytes: same() cannot take inf - inf */);
	CASE("bool [3,4]", "LogicalNot", .n_in = 1, .in = {run ? vals(TFC_BOOL, 2, D(3, 4)) : NULL});
	CASE("empty", "LogicalNot", .n_in = 1, .in = {run ? vals(TFC_BOOL, 1, D(0)) : NULL});
	static const char *const logic[] = {"LogicalAnd", "LogicalOr"};
	for (int l = 0; l < 2; l++) {
		CASE("bool [3,4]", logic[l], .n_in = 2,
		     .in = {run ? vals(TFC_BOOL, 2, D(3, 4)) : NULL, run ? vals(TFC_BOOL, 2, D(3, 4)) : NULL});
		CASE("[2,1,3] by [4,1]", logic[l], .n_in = 2,
		     .in = {run ? vals(TFC_BOOL, 3, D(2, 1, 3)) : NULL, run ? vals(TFC_BOOL, 2, D(4, 1)) : NULL});
		CASE("scalar and empty", logic[l], .n_in = 2,
		     .in = {run ? vals(TFC_BOOL, 0, NULL) : NULL, run ? vals(TFC_BOOL, 1, D(0)) : NULL});
	}
	return n;
}

/* ---- 4: training loops of Adagrad, RMSProp, Adadelta on the GPU against the CPU */

enum { T_ADAGRAD, T_RMSPROP, T_ADADELTA, N_TRAIN_OPT };
static const char *const train_names[N_TRAIN_OPT] = {"Adagrad", "RMSProp", "Adadelta"};
#define STEPS 20

struct tresult {
	float losses[STEPS];
	bool apply_on_gpu; /* a node of the update op's type ran on GPU:0 */
};

/* Adadelta by hand (tfc_train has no Adadelta optimizer): slots accum and
 * accum_update per variable (zeros, of the variable's kind), ApplyAdadelta or
 * ResourceApplyAdadelta with lr 1, rho 0.95, epsilon 1e-6. */
static tfc_operation *adadelta_minimize(tfc_graph *g, tfc_output loss, tfc_operation *const *vars, int nv,
					const tfc_shape *shapes, bool res, tfc_status *st)
{
	tfc_output xs[2], dxs[2];
	for (int i = 0; i < nv; i++)
		xs[i] = (tfc_output){vars[i], 0};
	if (tfc_gradients(g, &loss, 1, xs, nv, NULL, dxs, st) < 0)
		return NULL;
	tfc_tensor *lr = tfc_tensor_new_scalar_float(1.0f), *rho = tfc_tensor_new_scalar_float(0.95f);
	tfc_tensor *eps = tfc_tensor_new_scalar_float(1e-6f);
	tfc_operation *c[3] = {tfc_const(g, "ad_lr", lr, TFC_FLOAT, st), tfc_const(g, "ad_rho", rho, TFC_FLOAT, st),
			       tfc_const(g, "ad_eps", eps, TFC_FLOAT, st)};
	tfc_tensor_free(lr);
	tfc_tensor_free(rho);
	tfc_tensor_free(eps);
	tfc_initializer zeros = tfc_init_zeros();
	tfc_operation *upd[2] = {NULL};
	for (int i = 0; i < nv; i++) {
		char name[64];
		tfc_operation *slot[2];
		for (int k = 0; k < 2; k++) {
			snprintf(name, sizeof(name), "%s/Adadelta%s", tfc_operation_name(vars[i]), k ? "_1" : "");
			slot[k] = res ? tfc_get_resource_variable(g, name, &shapes[i], TFC_FLOAT, &zeros, false, st)
				      : tfc_get_variable_ex(g, name, &shapes[i], TFC_FLOAT, &zeros, false, st);
		}
		snprintf(name, sizeof(name), "update_%s", tfc_operation_name(vars[i]));
		tfc_op_desc *d = tfc_op_new(g, res ? "ResourceApplyAdadelta" : "ApplyAdadelta", name);
		tfc_op_add_input(d, xs[i]);
		tfc_op_add_input(d, (tfc_output){slot[0], 0});
		tfc_op_add_input(d, (tfc_output){slot[1], 0});
		for (int k = 0; k < 3; k++)
			tfc_op_add_input(d, (tfc_output){c[k], 0});
		tfc_op_add_input(d, dxs[i]);
		tfc_op_set_attr_type(d, "T", TFC_FLOAT);
		upd[i] = tfc_op_finish(d, st);
	}
	tfc_op_desc *d = tfc_op_new(g, "NoOp", "adadelta_train");
	for (int i = 0; i < nv; i++)
		if (upd[i])
			tfc_op_add_control_input(d, upd[i]);
	return tfc_op_finish(d, st);
}

/* 20 steps of a linear regression's mean squared loss with optimizer opt, on
 * resource variables when res, placed on the GPU when gpu. */
static void train(int opt, bool res, bool gpu, struct tresult *r, tfc_status *st)
{
	tfc_graph *g = tfc_graph_new();
	srand(17);
	tfc_tensor *xv = rnd(TFC_FLOAT, 2, D(16, 4), -1, 1), *yv = rnd(TFC_FLOAT, 2, D(16, 3), -1, 1);
	tfc_output x = {tfc_const(g, "x", xv, TFC_FLOAT, st), 0}, y = {tfc_const(g, "y", yv, TFC_FLOAT, st), 0};
	tfc_shape shapes[2] = {tfc_shape_make(2, D(4, 3)), tfc_shape_make(1, D(3))};
	tfc_initializer gu = tfc_init_glorot_uniform(5), zeros = tfc_init_zeros();
	tfc_operation *vars[2];
	vars[0] = res ? tfc_get_resource_variable(g, "W", &shapes[0], TFC_FLOAT, &gu, true, st)
		      : tfc_get_variable(g, "W", &shapes[0], TFC_FLOAT, &gu, st);
	vars[1] = res ? tfc_get_resource_variable(g, "b", &shapes[1], TFC_FLOAT, &zeros, true, st)
		      : tfc_get_variable(g, "b", &shapes[1], TFC_FLOAT, &zeros, st);
	tfc_output pred = {tfc_mat_mul(g, "mm", x, tfc_variable_read(vars[0]), st), 0};
	pred = (tfc_output){tfc_add(g, "pred", pred, tfc_variable_read(vars[1]), st), 0};
	tfc_output d2 = {tfc_square(g, "sq", (tfc_output){tfc_sub(g, "diff", pred, y, st), 0}, st), 0};
	tfc_tensor *ax = IV(0, 1);
	tfc_output loss = {tfc_mean(g, "loss", d2, (tfc_output){tfc_const(g, "axes", ax, TFC_INT32, st), 0}, st), 0};
	tfc_operation *step;
	if (opt == T_ADADELTA) {
		step = adadelta_minimize(g, loss, vars, 2, shapes, res, st);
	} else {
		tfc_optimizer *o = opt == T_ADAGRAD ? tfc_optimizer_adagrad_new(0.3f, 0.1f)
						    : tfc_optimizer_rmsprop_new(0.02f, 0.9f, 0.5f, 1e-7f);
		step = tfc_optimizer_minimize(o, g, loss, st);
		tfc_optimizer_free(o);
	}
	tfc_operation *init = tfc_global_variables_initializer(g, st);
	tfc_session_options *so = tfc_session_options_new();
	if (!gpu)
		tfc_session_options_set_config_value(so, "device_count.GPU", "0", st);
	tfc_session *s = tfc_status_code(st) == TFC_OK ? tfc_session_new(g, so, st) : NULL;
	if (s)
		tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &init, 1, NULL, st);
	char type[64];
	snprintf(type, sizeof(type), "/%sApply%s", res ? "Resource" : "", train_names[opt]);
	if (opt == T_ADADELTA)
		snprintf(type, sizeof(type), "update_W");
	r->apply_on_gpu = false;
	Tensorflow__RunOptions ro;
	tensorflow__run_options__init(&ro);
	ro.trace_level = TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__SOFTWARE_TRACE;
	uint8_t rb[32];
	size_t rl = tensorflow__run_options__pack(&ro, rb);
	for (int i = 0; i < STEPS && s && tfc_status_code(st) == TFC_OK; i++) {
		tfc_tensor *l = NULL;
		tfc_buffer_t *meta = NULL;
		tfc_session_run(s, i == 0 ? rb : NULL, i == 0 ? rl : 0, NULL, NULL, 0, &loss, &l, 1, &step, 1,
				i == 0 ? &meta : NULL, st);
		r->losses[i] = l ? *(float *)tfc_tensor_data(l) : NAN;
		tfc_tensor_free(l);
		Tensorflow__RunMetadata *rm =
			meta ? tensorflow__run_metadata__unpack(NULL, meta->length, meta->data) : NULL;
		for (size_t a = 0; rm && rm->step_stats && a < rm->step_stats->n_dev_stats; a++)
			for (size_t k = 0; k < rm->step_stats->dev_stats[a]->n_node_stats; k++) {
				const char *nn = rm->step_stats->dev_stats[a]->node_stats[k]->node_name;
				size_t ln = strlen(nn), lt = strlen(type);
				if (ln >= lt && !strcmp(nn + ln - lt, type) &&
				    strstr(rm->step_stats->dev_stats[a]->device, "device:GPU:0"))
					r->apply_on_gpu = true;
			}
		if (rm)
			tensorflow__run_metadata__free_unpacked(rm, NULL);
		tfc_buffer_free(meta);
	}
	tfc_session_free(s);
	tfc_session_options_free(so);
	tfc_tensor_free(xv);
	tfc_tensor_free(yv);
	tfc_tensor_free(ax);
	tfc_graph_free(g);
}

#define N_TRAIN (N_TRAIN_OPT * 2 * 2)
static void test_training(void)
{
	for (int opt = 0; opt < N_TRAIN_OPT; opt++)
		for (int res = 0; res < 2; res++) {
			tfc_status *st = tfc_status_new();
			struct tresult cpu, gpu;
			train(opt, res, false, &cpu, st);
			if (tfc_status_code(st) == TFC_OK)
				train(opt, res, true, &gpu, st);
			const char *form = res ? "resource variables" : "reference variables";
			ok(tfc_status_code(st) == TFC_OK && gpu.apply_on_gpu, "%s (%s): the update ran on GPU:0 %s",
			   train_names[opt], form, tfc_status_message(st));
			double worst = tfc_status_code(st) == TFC_OK ? 0 : 1;
			for (int i = 0; worst < 1 && i < STEPS; i++) {
				double e = fabs(gpu.losses[i] - cpu.losses[i]) / fmax(1e-3, fabs(cpu.losses[i]));
				worst = e <= worst ? worst : isnan(e) ? 1 : e;
			}
			ok(worst < 1e-4 && gpu.losses[STEPS - 1] < gpu.losses[0],
			   "%s (%s): %d steps, the CPU's losses (worst relative difference %g; %g -> %g)",
			   train_names[opt], form, STEPS, worst, tfc_status_code(st) == TFC_OK ? gpu.losses[0] : 0.0,
			   tfc_status_code(st) == TFC_OK ? gpu.losses[STEPS - 1] : 0.0);
			tfc_status_free(st);
		}
}

/* ---- run everywhere: which nodes the GPU takes */

#define N_SUPPORTS 10
static void test_supports(void)
{
	if (!tfc_kernel_lookup("GatherV2", "GPU")) {
		skip(N_SUPPORTS, "this tfc was built without CUDA: no GPU kernels");
		return;
	}
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	static const struct {
		const char *op;
		tfc_dtype t;
		bool want;
	} cases[] = {
		{"Split", TFC_BOOL, true},       {"Pad", TFC_STRING, false},     {"GatherV2", TFC_INT64, true},
		{"GatherV2", TFC_STRING, false}, {"Log1p", TFC_FLOAT, true},     {"Floor", TFC_INT32, false},
		{"FloorMod", TFC_INT32, false},  {"LogicalNot", TFC_BOOL, true}, {"Unpack", TFC_HALF, false},
		{"Sign", TFC_DOUBLE, true},
	};
	for (size_t i = 0; i < TFC_ARRAY_LEN(cases); i++) {
		char name[16];
		snprintf(name, sizeof(name), "p%zu", i);
		tfc_operation *p = t_placeholder(g, name, cases[i].t, -1, NULL, st);
		snprintf(name, sizeof(name), "i%zu", i);
		tfc_operation *k = t_const_i(g, name, 0, st);
		snprintf(name, sizeof(name), "n%zu", i);
		tfc_op_desc *d = tfc_op_new(g, cases[i].op, name);
		const char *op = cases[i].op;
		if (!strcmp(op, "Split")) {
			tfc_op_add_input(d, (tfc_output){k, 0});
			tfc_op_add_input(d, (tfc_output){p, 0});
			tfc_op_set_attr_int(d, "num_split", 1);
		} else {
			tfc_op_add_input(d, (tfc_output){p, 0});
			if (!strcmp(op, "Pad"))
				tfc_op_add_input(d, (tfc_output){k, 0});
			if (!strcmp(op, "GatherV2")) {
				tfc_op_add_input(d, (tfc_output){k, 0});
				tfc_op_add_input(d, (tfc_output){k, 0});
			}
			if (!strcmp(op, "FloorMod"))
				tfc_op_add_input(d, (tfc_output){p, 0});
			if (!strcmp(op, "Unpack"))
				tfc_op_set_attr_int(d, "num", 1);
		}
		tfc_operation *node = tfc_op_finish(d, st);
		const struct tfc_kernel_def *kd = node ? tfc_kernel_lookup(op, "GPU") : NULL;
		bool got = kd && (!kd->supports || kd->supports(node));
		ok(got == cases[i].want, "the GPU %s %s %s %s", op, cases[i].want ? "takes" : "refuses",
		   tfc_dtype_name(cases[i].t), tfc_status_message(st));
		tfc_status_set(st, TFC_OK, NULL);
	}
	tfc_graph_free(g);
	tfc_status_free(st);
}

int main(void)
{
	plan_lazy();
	srand(20261122);
	char why[256];
	int n_gpus = tfc__gpu_count(why, sizeof(why));
	test_supports();
	if (n_gpus == 0) {
		int n = test_moving(false) + test_index(false) + test_cwise(false) + N_GPU_OOR + N_RESOURCE_GATHER +
			N_TRAIN;
		skip(n, "no GPU (%s)", why);
		done_testing();
		return exit_status();
	}
	test_moving(true);
	test_index(true);
	test_device_out_of_range();
	test_resource_gather();
	test_cwise(true);
	test_training();
	done_testing();
	return exit_status();
}
