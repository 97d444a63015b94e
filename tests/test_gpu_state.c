/*
 * test_gpu_state.c: variables and optimizer updates on the GPU (cuda/state_gpu.c,
 * cuda/training_gpu.c), part of `make check-gpu`. The same graph runs in a session
 * with a GPU (where the placer puts each variable's colocation group on GPU:0) and in
 * a CPU-only one, and the answers must agree: Assign (from the host and from the
 * GPU), AssignAdd, AssignSub, IsVariableInitialized and their resource forms,
 * float and double, their errors word for word; ApplyGradientDescent, ApplyMomentum
 * and ApplyAdam (Nesterov too) and their resource forms over three steps, every slot
 * compared; a reader that took a value before an update keeps it; v1 training loops
 * (GradientDescent, Momentum, Adam, and Adam on resource variables) placed on the GPU
 * against the CPU over 20 steps; a checkpoint (SaveV2) of a GPU variable read back.
 * Run everywhere: the GPU records' supports() and the GPU Identity taking a ref.
 * Without a GPU the GPU cases print TAP skips.
 */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "gpu.h"
#include "kernel.h"
#include "tfc_ops.h"
#include "tfc_train.h"
#include "test_util.h"

#define GPU0 "/job:localhost/replica:0/task:0/device:GPU:0"

/* ---- helpers */

static tfc_tensor *random_tensor(tfc_dtype dt, int rank, const int64_t *dims, double lo, double hi)
{
	tfc_tensor *t = tfc_tensor_new(dt, dims, rank, NULL);
	for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++) {
		double v = lo + (hi - lo) * ((double)rand() / RAND_MAX);
		if (dt == TFC_FLOAT)
			((float *)tfc_tensor_data(t))[i] = (float)v;
		else
			((double *)tfc_tensor_data(t))[i] = v;
	}
	return t;
}

static double elem(const tfc_tensor *t, int64_t i)
{
	return tfc_tensor_dtype(t) == TFC_FLOAT ? ((const float *)tfc_tensor_data((tfc_tensor *)t))[i]
					       : ((const double *)tfc_tensor_data((tfc_tensor *)t))[i];
}

/* The largest relative difference (1 when they cannot be compared). */
static double worst_error(const tfc_tensor *a, const tfc_tensor *b)
{
	if (!a || !b || tfc_tensor_num_elements(a) != tfc_tensor_num_elements(b))
		return 1;
	double worst = 0;
	for (int64_t i = 0; i < tfc_tensor_num_elements(a); i++) {
		double x = elem(a, i), y = elem(b, i);
		double e = fabs(x - y) / fmax(1.0, fabs(y));
		if (!(e <= worst))
			worst = isnan(e) ? 1 : e;
	}
	return worst;
}

/* A session: with the GPUs (and log_device_placement when log), or CPU only. */
static tfc_session *session(tfc_graph *g, bool gpu, bool log, tfc_status *st)
{
	tfc_session_options *o = tfc_session_options_new();
	if (!gpu)
		tfc_session_options_set_config_value(o, "device_count.GPU", "0", st);
	if (log)
		tfc_session_options_set_config_value(o, "log_device_placement", "true", st);
	tfc_session *s = tfc_session_new(g, o, st);
	tfc_session_options_free(o);
	return s;
}

/* Runs target (may be NULL) with up to two feeds, fetching `fetch` (may be {NULL}). */
static tfc_tensor *run(tfc_session *s, tfc_output fetch, tfc_operation *target, const tfc_output *feeds,
		       tfc_tensor *const *vals, int n_feeds, tfc_status *st)
{
	tfc_tensor *out = NULL;
	tfc_session_run(s, NULL, 0, feeds, vals, n_feeds, fetch.oper ? &fetch : NULL, fetch.oper ? &out : NULL,
			fetch.oper ? 1 : 0, target ? &target : NULL, target ? 1 : 0, NULL, st);
	return out;
}

static tfc_operation *op1(tfc_graph *g, const char *type, const char *name, const tfc_output *in, int n,
			  tfc_status *st)
{
	tfc_op_desc *d = tfc_op_new(g, type, name);
	for (int i = 0; i < n; i++)
		tfc_op_add_input(d, in[i]);
	return tfc_op_finish(d, st);
}

static tfc_operation *scalar_const(tfc_graph *g, const char *name, tfc_dtype dt, double v, tfc_status *st)
{
	tfc_tensor *t = tfc_tensor_new(dt, NULL, 0, NULL);
	if (dt == TFC_FLOAT)
		*(float *)tfc_tensor_data(t) = (float)v;
	else
		*(double *)tfc_tensor_data(t) = v;
	tfc_operation *c = tfc_const(g, name, t, dt, st);
	tfc_tensor_free(t);
	return c;
}

/* What the last capture_stderr caught. */
static const char *logged = "";

static void capture_stderr(void (*fn)(void *), void *arg) { logged = t_capture_stderr(fn, arg); }

/* Whether log_device_placement put node `name` of type `type` on GPU:0. */
static bool on_gpu(const char *name, const char *type)
{
	char line[512];
	snprintf(line, sizeof(line), "%s: (%s): " GPU0 "\n", name, type);
	return strstr(logged, line) != NULL;
}

/* ---- run everywhere: supports(), the GPU Identity of a ref */

static void test_supports(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	tfc_shape sh = tfc_shape_make(1, (int64_t[]){3});
	tfc_operation *vf = tfc_variable_v2(g, "vf", &sh, TFC_FLOAT, st);
	tfc_operation *vi = tfc_variable_v2(g, "vi", &sh, TFC_INT32, st);
	tfc_operation *rf = tfc_identity(g, "vf/read", (tfc_output){vf, 0}, st);
	const struct tfc_kernel_def *id = tfc_kernel_lookup("Identity", "GPU");
	ok(id && id->supports && id->supports(rf), "the GPU Identity takes a float ref (a variable's read)");
	const struct tfc_kernel_def *k = tfc_kernel_lookup("VariableV2", "GPU");
	if (!k) {
		skip(2, "this tfc was built without CUDA: no GPU variable kernels");
	} else {
		ok(k->supports(vf), "VariableV2 float: a GPU kernel");
		ok(!k->supports(vi), "VariableV2 int32: no GPU kernel (it stays on the CPU)");
	}
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* ---- the variable ops, GPU against CPU */

struct vgraph {
	tfc_graph *g;
	tfc_output x, y, z;     /* placeholders: [5, 7], [5, 7], [3] */
	tfc_operation *init;    /* Assign(v, x) / AssignVariableOp */
	tfc_operation *init2;   /* Assign(v, x * 1) (a GPU value: device to device) */
	tfc_operation *add, *sub, *bad; /* AssignAdd(v, y), AssignSub(v, y), Assign(v, z) */
	tfc_output read, isinit;
};

static void build_vars(struct vgraph *vg, tfc_dtype dt, bool resource, tfc_status *st)
{
	int64_t dims[2] = {5, 7};
	tfc_graph *g = vg->g = tfc_graph_new();
	tfc_shape sh = tfc_shape_make(2, dims);
	vg->x = (tfc_output){t_placeholder(g, "x", dt, 2, dims, st), 0};
	vg->y = (tfc_output){t_placeholder(g, "y", dt, 2, dims, st), 0};
	vg->z = (tfc_output){t_placeholder(g, "z", dt, -1, NULL, st), 0}; /* checked when run */
	tfc_operation *one = scalar_const(g, "one", dt, 1.0, st);
	tfc_output x1 = {tfc_mul(g, "x1", vg->x, (tfc_output){one, 0}, st), 0};
	if (!resource) {
		tfc_output v = {tfc_variable_v2(g, "v", &sh, dt, st), 0};
		vg->init = tfc_assign(g, "init", v, vg->x, st);
		vg->init2 = tfc_assign(g, "init2", v, x1, st);
		vg->add = tfc_assign_add(g, "add", v, vg->y, st);
		vg->sub = tfc_assign_sub(g, "sub", v, vg->y, st);
		vg->bad = tfc_assign(g, "bad", v, vg->z, st);
		vg->read = (tfc_output){tfc_identity(g, "v/read", v, st), 0};
		vg->isinit = (tfc_output){tfc_is_variable_initialized(g, "isinit", v, st), 0};
	} else {
		tfc_op_desc *d = tfc_op_new(g, "VarHandleOp", "v");
		tfc_op_set_attr_type(d, "dtype", dt);
		tfc_op_set_attr_shape(d, "shape", &sh);
		tfc_op_set_attr_string(d, "shared_name", "v", 1);
		tfc_output h = {tfc_op_finish(d, st), 0};
		vg->init = op1(g, "AssignVariableOp", "init", (tfc_output[]){h, vg->x}, 2, st);
		vg->init2 = op1(g, "AssignVariableOp", "init2", (tfc_output[]){h, x1}, 2, st);
		vg->add = op1(g, "AssignAddVariableOp", "add", (tfc_output[]){h, vg->y}, 2, st);
		vg->sub = op1(g, "AssignSubVariableOp", "sub", (tfc_output[]){h, vg->y}, 2, st);
		vg->bad = op1(g, "AssignAddVariableOp", "bad", (tfc_output[]){h, vg->z}, 2, st);
		vg->read = (tfc_output){tfc_read_variable_op(g, "read", h, dt, st), 0};
		vg->isinit = (tfc_output){op1(g, "VarIsInitializedOp", "isinit", &h, 1, st), 0};
	}
}

/* What one session says along the sequence below. */
struct vrun {
	int init0, init1;       /* isinit before and after */
	char *err_uninit;       /* AssignAdd before init */
	char *err_bad;          /* the wrong shape */
	tfc_tensor *after_init, *after_add, *after_sub, *after_init2;
	bool gpu_placed;        /* the assign ops and the read on GPU:0 (GPU session) */
};

struct vrun_args {
	struct vgraph *vg;
	tfc_session *s;
	tfc_tensor *x, *y, *z;
	struct vrun *r;
	tfc_status *st;
};

static int flag_of(tfc_tensor *t)
{
	int v = t ? *(uint8_t *)tfc_tensor_data(t) : -1;
	tfc_tensor_free(t);
	return v;
}

static char *error_of(tfc_status *st)
{
	char *e = strdup(tfc_status_code(st) == TFC_OK ? "(no error)" : tfc_status_message(st));
	tfc_status_set(st, TFC_OK, NULL);
	return e;
}

static void run_vars(void *p)
{
	struct vrun_args *a = p;
	struct vgraph *vg = a->vg;
	struct vrun *r = a->r;
	tfc_status *st = a->st;
	r->init0 = flag_of(run(a->s, vg->isinit, NULL, NULL, NULL, 0, st));
	run(a->s, (tfc_output){NULL, 0}, vg->add, &vg->y, &a->y, 1, st);
	r->err_uninit = error_of(st);
	run(a->s, (tfc_output){NULL, 0}, vg->init, &vg->x, &a->x, 1, st);
	r->after_init = run(a->s, vg->read, NULL, NULL, NULL, 0, st);
	run(a->s, (tfc_output){NULL, 0}, vg->add, &vg->y, &a->y, 1, st);
	r->after_add = run(a->s, vg->read, NULL, NULL, NULL, 0, st);
	run(a->s, (tfc_output){NULL, 0}, vg->sub, &vg->y, &a->y, 1, st);
	run(a->s, (tfc_output){NULL, 0}, vg->sub, &vg->y, &a->y, 1, st);
	r->after_sub = run(a->s, vg->read, NULL, NULL, NULL, 0, st);
	run(a->s, (tfc_output){NULL, 0}, vg->bad, &vg->z, &a->z, 1, st);
	r->err_bad = error_of(st);
	run(a->s, (tfc_output){NULL, 0}, vg->init2, &vg->x, &a->x, 1, st);
	r->after_init2 = run(a->s, vg->read, NULL, NULL, NULL, 0, st);
	r->init1 = flag_of(run(a->s, vg->isinit, NULL, NULL, NULL, 0, st));
}

#define N_VARS 11
static void test_vars(tfc_dtype dt, bool resource)
{
	tfc_status *st = tfc_status_new();
	struct vgraph vg;
	build_vars(&vg, dt, resource, st);
	const char *what = resource ? (dt == TFC_FLOAT ? "resource float" : "resource double")
				    : (dt == TFC_FLOAT ? "ref float" : "ref double");
	int64_t dims[2] = {5, 7};
	tfc_tensor *x = random_tensor(dt, 2, dims, -2, 2), *y = random_tensor(dt, 2, dims, -2, 2);
	tfc_tensor *z = random_tensor(dt, 1, (int64_t[]){3}, -2, 2);
	struct vrun r[2];
	memset(r, 0, sizeof(r));
	for (int gpu = 0; gpu < 2; gpu++) {
		tfc_session *s = session(vg.g, gpu, gpu, st);
		struct vrun_args a = {&vg, s, x, y, z, &r[gpu], st};
		capture_stderr(run_vars, &a);
		if (gpu)
			r[gpu].gpu_placed = resource ? on_gpu("init", "AssignVariableOp") && on_gpu("read", "ReadVariableOp") &&
							       on_gpu("v", "VarHandleOp")
						     : on_gpu("init", "Assign") && on_gpu("v/read", "Identity") &&
							       on_gpu("v", "VariableV2") && on_gpu("add", "AssignAdd");
		tfc_session_free(s);
	}
	ok(r[1].gpu_placed, "%s: the variable, its assign ops and its read are placed on GPU:0", what);
	ok(r[1].init0 == 0 && r[1].init1 == 1 && r[0].init0 == 0 && r[0].init1 == 1,
	   "%s: initialized flag false, then true (GPU %d %d)", what, r[1].init0, r[1].init1);
	is_string(r[1].err_uninit, r[0].err_uninit, "%s: update before init: the CPU's error", what);
	ok(strstr(r[1].err_uninit, resource ? "does not exist" : "Attempting to use uninitialized value v"),
	   "%s: it says so: %.*s", what, (int)strcspn(r[1].err_uninit, "\n"), r[1].err_uninit);
	is_string(r[1].err_bad, r[0].err_bad, "%s: wrong shape: the CPU's error", what);
	ok(worst_error(r[1].after_init, x) == 0, "%s: Assign from the host holds x exactly", what);
	ok(worst_error(r[1].after_add, r[0].after_add) < 1e-6, "%s: AssignAdd: GPU = CPU (%g)", what,
	   worst_error(r[1].after_add, r[0].after_add));
	double want = r[1].after_add ? elem(x, 3) + elem(y, 3) : 1e9;
	is_double(r[1].after_add ? elem(r[1].after_add, 3) : 0, want, 1e-5, "%s: AssignAdd is x + y", what);
	ok(worst_error(r[1].after_sub, r[0].after_sub) < 1e-6, "%s: AssignSub twice: GPU = CPU (%g)", what,
	   worst_error(r[1].after_sub, r[0].after_sub));
	is_double(r[1].after_sub ? elem(r[1].after_sub, 8) : 0, elem(x, 8) - elem(y, 8), 1e-5,
		  "%s: AssignSub twice is x + y - 2y", what);
	ok(worst_error(r[1].after_init2, x) == 0, "%s: Assign of a GPU value holds x * 1 exactly", what);
	for (int i = 0; i < 2; i++) {
		free(r[i].err_uninit);
		free(r[i].err_bad);
		tfc_tensor_free(r[i].after_init);
		tfc_tensor_free(r[i].after_add);
		tfc_tensor_free(r[i].after_sub);
		tfc_tensor_free(r[i].after_init2);
	}
	tfc_tensor_free(x);
	tfc_tensor_free(y);
	tfc_tensor_free(z);
	tfc_graph_free(vg.g);
	tfc_status_free(st);
}

/* ---- the updates, GPU against CPU */

struct acase {
	const char *op;
	int n_slots;
	bool nesterov;
	const double *scalars; /* after the slots, the gradient's place marked by NAN */
	int n_after;
};

static const double gd_s[] = {0.3, NAN};
static const double mom_s[] = {0.2, NAN, 0.9};
static const double adam_s[] = {0.81, 0.998, 0.05, 0.9, 0.999, 1e-7, NAN};

static const struct acase acases[] = {
	{"ApplyGradientDescent", 1, false, gd_s, 2},
	{"ResourceApplyGradientDescent", 1, false, gd_s, 2},
	{"ApplyMomentum", 2, false, mom_s, 3},
	{"ApplyMomentum", 2, true, mom_s, 3},
	{"ResourceApplyMomentum", 2, true, mom_s, 3},
	{"ApplyAdam", 3, false, adam_s, 7},
	{"ApplyAdam", 3, true, adam_s, 7},
	{"ResourceApplyAdam", 3, false, adam_s, 7},
};
#define N_ACASES ((int)(sizeof(acases) / sizeof(acases[0])))

/* Three updates of var (and its slots) from fed initial values; every slot's value at
 * the end, in vals[]. The update node placed on the GPU: *placed. */
struct arun_args {
	const struct acase *c;
	tfc_dtype dt;
	bool gpu;
	tfc_tensor **init, **grads, **vals;
	bool placed;
	tfc_status *st;
};

static void run_apply(void *p)
{
	struct arun_args *a = p;
	const struct acase *c = a->c;
	tfc_status *st = a->st;
	int64_t dims[2] = {9, 13};
	tfc_shape sh = tfc_shape_make(2, dims);
	bool resource = strncmp(c->op, "Resource", 8) == 0;
	tfc_graph *g = tfc_graph_new();
	tfc_output slot[3], ph[3], reads[3];
	tfc_operation *inits[3];
	for (int k = 0; k < c->n_slots; k++) {
		char name[32], pname[32];
		snprintf(name, sizeof(name), "s%d", k);
		snprintf(pname, sizeof(pname), "i%d", k);
		ph[k] = (tfc_output){t_placeholder(g, pname, a->dt, 2, dims, st), 0};
		if (resource) {
			tfc_op_desc *d = tfc_op_new(g, "VarHandleOp", name);
			tfc_op_set_attr_type(d, "dtype", a->dt);
			tfc_op_set_attr_shape(d, "shape", &sh);
			tfc_op_set_attr_string(d, "shared_name", name, strlen(name));
			slot[k] = (tfc_output){tfc_op_finish(d, st), 0};
			inits[k] = op1(g, "AssignVariableOp", NULL, (tfc_output[]){slot[k], ph[k]}, 2, st);
			reads[k] = (tfc_output){tfc_read_variable_op(g, NULL, slot[k], a->dt, st), 0};
		} else {
			slot[k] = (tfc_output){tfc_variable_v2(g, name, &sh, a->dt, st), 0};
			inits[k] = tfc_assign(g, NULL, slot[k], ph[k], st);
			reads[k] = (tfc_output){tfc_identity(g, NULL, slot[k], st), 0};
		}
	}
	tfc_output grad = {t_placeholder(g, "grad", a->dt, 2, dims, st), 0};
	tfc_op_desc *d = tfc_op_new(g, c->op, "update");
	for (int k = 0; k < c->n_slots; k++)
		tfc_op_add_input(d, slot[k]);
	for (int k = 0; k < c->n_after; k++) {
		if (isnan(c->scalars[k])) {
			tfc_op_add_input(d, grad);
		} else {
			char name[16];
			snprintf(name, sizeof(name), "c%d", k);
			tfc_op_add_input(d, (tfc_output){scalar_const(g, name, a->dt, c->scalars[k], st), 0});
		}
	}
	if (c->n_slots > 1)
		tfc_op_set_attr_bool(d, "use_nesterov", c->nesterov);
	tfc_operation *update = tfc_op_finish(d, st);
	tfc_session *s = session(g, a->gpu, a->gpu, st);
	tfc_session_run(s, NULL, 0, ph, a->init, c->n_slots, NULL, NULL, 0, inits, c->n_slots, NULL, st);
	for (int i = 0; i < 3; i++)
		run(s, (tfc_output){NULL, 0}, update, &grad, &a->grads[i], 1, st);
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, reads, a->vals, c->n_slots, NULL, 0, NULL, st);
	tfc_session_free(s);
	tfc_graph_free(g);
}

#define N_APPLY (2 * N_ACASES)
static void test_apply(void)
{
	for (int i = 0; i < N_ACASES; i++) {
		const struct acase *c = &acases[i];
		tfc_dtype dt = i % 3 == 2 ? TFC_DOUBLE : TFC_FLOAT;
		tfc_status *st = tfc_status_new();
		int64_t dims[2] = {9, 13};
		tfc_tensor *init[3], *grads[3], *vals[2][3] = {{NULL}};
		for (int k = 0; k < 3; k++) {
			/* slots of Adam's v and Adagrad-like accumulators stay positive */
			init[k] = random_tensor(dt, 2, dims, k == 0 ? -1 : 0.1, 1);
			grads[k] = random_tensor(dt, 2, dims, -1, 1);
		}
		bool placed = false;
		for (int gpu = 0; gpu < 2; gpu++) {
			struct arun_args a = {c, dt, gpu, init, grads, vals[gpu], false, st};
			capture_stderr(run_apply, &a);
			if (gpu)
				placed = on_gpu("update", c->op);
		}
		double worst = 0;
		for (int k = 0; k < c->n_slots; k++)
			worst = fmax(worst, worst_error(vals[1][k], vals[0][k]));
		const char *nest = c->nesterov ? " (Nesterov)" : "";
		const char *tn = dt == TFC_FLOAT ? "float" : "double";
		ok(placed, "%s%s %s: placed on GPU:0 with its variables (%s)", c->op, nest, tn, tfc_status_message(st));
		/* moved at all, and the same as the CPU's */
		double moved = worst_error(vals[1][0], init[0]);
		ok(tfc_status_code(st) == TFC_OK && worst < (dt == TFC_FLOAT ? 2e-5 : 1e-12) && moved > 1e-4,
		   "%s%s %s: 3 updates, every slot GPU = CPU (worst relative error %g; moved %g) %s", c->op, nest, tn,
		   worst, moved, tfc_status_message(st));
		for (int k = 0; k < 3; k++) {
			tfc_tensor_free(init[k]);
			tfc_tensor_free(grads[k]);
			tfc_tensor_free(vals[0][k]);
			tfc_tensor_free(vals[1][k]);
		}
		tfc_status_free(st);
	}
}

/* ---- a reader that took the value before an update keeps it */

#define N_READER 3
static void test_reader_keeps(void)
{
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();
	int64_t dims[1] = {6};
	tfc_shape sh = tfc_shape_make(1, dims);
	tfc_output x = {t_placeholder(g, "x", TFC_FLOAT, 1, dims, st), 0};
	tfc_output v = {tfc_variable_v2(g, "v", &sh, TFC_FLOAT, st), 0};
	tfc_operation *init = tfc_assign(g, "init", v, x, st);
	tfc_operation *read = tfc_identity(g, "v/read", v, st);
	tfc_operation *lr = scalar_const(g, "lr", TFC_FLOAT, 1.0, st);
	tfc_op_desc *d = tfc_op_new(g, "ApplyGradientDescent", "apply");
	tfc_op_add_input(d, v);
	tfc_op_add_input(d, (tfc_output){lr, 0});
	tfc_op_add_input(d, (tfc_output){read, 0}); /* var -= var: zero, unless read is stale */
	tfc_op_add_control_input(d, read);
	tfc_operation *apply = tfc_op_finish(d, st);
	d = tfc_op_new(g, "Identity", "late");
	tfc_op_add_input(d, (tfc_output){read, 0});
	tfc_op_add_control_input(d, apply);
	tfc_operation *late = tfc_op_finish(d, st);
	tfc_tensor *xv = random_tensor(TFC_FLOAT, 1, dims, 1, 2);
	tfc_session *s = session(g, true, false, st);
	run(s, (tfc_output){NULL, 0}, init, &x, &xv, 1, st);
	tfc_tensor *old = run(s, (tfc_output){late, 0}, NULL, NULL, NULL, 0, st);
	tfc_tensor *now = run(s, (tfc_output){read, 0}, NULL, NULL, NULL, 0, st);
	is_int(tfc_status_code(st), TFC_OK, "reader: runs (%s)", tfc_status_message(st));
	ok(worst_error(old, xv) == 0, "a reader that took the value before the update keeps it");
	ok(now && fabs(elem(now, 2)) < 1e-6, "the update saw the value it was given (var - var = 0): %g",
	   now ? elem(now, 2) : -1.0);
	tfc_tensor_free(old);
	tfc_tensor_free(now);
	tfc_tensor_free(xv);
	tfc_session_free(s);
	tfc_graph_free(g);
	tfc_status_free(st);
}

/* ---- v1 training loops: GPU against CPU */

enum { OPT_GD, OPT_MOMENTUM, OPT_ADAM, OPT_ADAM_RESOURCE, N_OPT };
static const char *const opt_names[N_OPT] = {"GradientDescent", "Momentum", "Adam", "Adam (resource variables)"};
static const char *const opt_ops[N_OPT] = {"ApplyGradientDescent", "ApplyMomentum", "ApplyAdam", "ResourceApplyAdam"};
#define STEPS 20

struct train_args {
	int opt;
	bool gpu;
	float losses[STEPS];
	tfc_status *st;
};

static void run_training(void *p)
{
	struct train_args *a = p;
	tfc_status *st = a->st;
	tfc_graph *g = tfc_graph_new();
	srand(11);
	int64_t xd[2] = {16, 4}, yd[2] = {16, 3};
	tfc_tensor *xv = random_tensor(TFC_FLOAT, 2, xd, -1, 1), *yv = random_tensor(TFC_FLOAT, 2, yd, -1, 1);
	tfc_output x = {tfc_const(g, "x", xv, TFC_FLOAT, st), 0}, y = {tfc_const(g, "y", yv, TFC_FLOAT, st), 0};
	tfc_shape ws = tfc_shape_make(2, (int64_t[]){4, 3}), bs = tfc_shape_make(1, (int64_t[]){3});
	tfc_initializer gu = tfc_init_glorot_uniform(7), zeros = tfc_init_zeros();
	bool res = a->opt == OPT_ADAM_RESOURCE;
	tfc_operation *w = res ? tfc_get_resource_variable(g, "W", &ws, TFC_FLOAT, &gu, true, st)
			       : tfc_get_variable(g, "W", &ws, TFC_FLOAT, &gu, st);
	tfc_operation *b = res ? tfc_get_resource_variable(g, "b", &bs, TFC_FLOAT, &zeros, true, st)
			       : tfc_get_variable(g, "b", &bs, TFC_FLOAT, &zeros, st);
	tfc_output pred = {tfc_mat_mul(g, "mm", x, tfc_variable_read(w), st), 0};
	pred = (tfc_output){tfc_add(g, "pred", pred, tfc_variable_read(b), st), 0};
	tfc_output d2 = {tfc_square(g, "sq", (tfc_output){tfc_sub(g, "diff", pred, y, st), 0}, st), 0};
	tfc_tensor *ax = tfc_tensor_new(TFC_INT32, (int64_t[]){2}, 1, NULL);
	((int32_t *)tfc_tensor_data(ax))[1] = 1;
	tfc_output loss = {tfc_mean(g, "loss", d2, (tfc_output){tfc_const(g, "axes", ax, TFC_INT32, st), 0}, st), 0};
	tfc_optimizer *o = a->opt == OPT_GD ? tfc_optimizer_gradient_descent_new(0.2f)
			   : a->opt == OPT_MOMENTUM ? tfc_optimizer_momentum_new(0.1f, 0.9f, false)
						    : tfc_optimizer_adam_new(0.05f, 0.9f, 0.999f, 1e-7f);
	tfc_operation *train = tfc_optimizer_minimize(o, g, loss, st);
	tfc_operation *init = tfc_global_variables_initializer(g, st);
	tfc_optimizer_free(o);
	tfc_session *s = session(g, a->gpu, a->gpu, st);
	run(s, (tfc_output){NULL, 0}, init, NULL, NULL, 0, st);
	for (int i = 0; i < STEPS && tfc_status_code(st) == TFC_OK; i++) {
		tfc_tensor *l = run(s, loss, train, NULL, NULL, 0, st);
		a->losses[i] = l ? *(float *)tfc_tensor_data(l) : NAN;
		tfc_tensor_free(l);
	}
	tfc_session_free(s);
	tfc_tensor_free(xv);
	tfc_tensor_free(yv);
	tfc_tensor_free(ax);
	tfc_graph_free(g);
}

#define N_TRAIN (3 * N_OPT)
static void test_training(void)
{
	for (int opt = 0; opt < N_OPT; opt++) {
		tfc_status *st = tfc_status_new();
		struct train_args r[2] = {{opt, false, {0}, st}, {opt, true, {0}, st}};
		run_training(&r[0]);
		capture_stderr(run_training, &r[1]);
		char line[256];
		snprintf(line, sizeof(line), "(%s): " GPU0 "\n", opt_ops[opt]);
		const char *var_op = opt == OPT_ADAM_RESOURCE ? "VarHandleOp" : "VariableV2";
		bool placed = strstr(logged, line) && on_gpu("W", var_op) && on_gpu("b", var_op);
		ok(placed, "%s: the variables and %s on GPU:0 (%s)", opt_names[opt], opt_ops[opt],
		   tfc_status_message(st));
		double worst = 0;
		for (int i = 0; i < STEPS; i++)
			worst = fmax(worst, fabs(r[1].losses[i] - r[0].losses[i]) / fmax(1e-3, fabs(r[0].losses[i])));
		ok(tfc_status_code(st) == TFC_OK && worst < 1e-4,
		   "%s: %d steps on the GPU, the CPU's losses (worst relative difference %g; %g -> %g)",
		   opt_names[opt], STEPS, worst, r[1].losses[0], r[1].losses[STEPS - 1]);
		ok(r[1].losses[STEPS - 1] < 0.9 * r[1].losses[0], "%s: the loss goes down on the GPU (%g -> %g)",
		   opt_names[opt], r[1].losses[0], r[1].losses[STEPS - 1]);
		tfc_status_free(st);
	}
}

/* ---- a checkpoint of a GPU variable */

static tfc_operation *string_vec(tfc_graph *g, const char *name, const char *s0, tfc_status *st)
{
	tfc_tensor *t = tfc_tensor_new(TFC_STRING, (int64_t[]){1}, 1, st);
	tfc_tensor_set_string(t, 0, s0, strlen(s0), st);
	tfc_operation *c = tfc_const(g, name, t, TFC_STRING, st);
	tfc_tensor_free(t);
	return c;
}

static tfc_operation *string_scalar(tfc_graph *g, const char *name, const char *s0, tfc_status *st)
{
	tfc_tensor *t = tfc_tensor_new_scalar_string(s0, strlen(s0));
	tfc_operation *c = tfc_const(g, name, t, TFC_STRING, st);
	tfc_tensor_free(t);
	return c;
}

struct ckpt_args {
	tfc_session *s;
	tfc_operation *init, *save;
	tfc_output x;
	tfc_tensor *xv;
	tfc_status *st;
};

static void run_ckpt(void *p)
{
	struct ckpt_args *a = p;
	run(a->s, (tfc_output){NULL, 0}, a->init, &a->x, &a->xv, 1, a->st);
	run(a->s, (tfc_output){NULL, 0}, a->save, NULL, NULL, 0, a->st);
}

#define N_CKPT 3
static void test_checkpoint(void)
{
	tfc_status *st = tfc_status_new();
	char dir[] = "/tmp/tfc-gpu-ckpt-XXXXXX";
	if (!mkdtemp(dir)) {
		skip(N_CKPT, "no temporary directory");
		tfc_status_free(st);
		return;
	}
	char prefix[256];
	snprintf(prefix, sizeof(prefix), "%s/model.ckpt", dir);
	int64_t dims[2] = {3, 4};
	tfc_shape sh = tfc_shape_make(2, dims);
	tfc_graph *g = tfc_graph_new();
	tfc_output x = {t_placeholder(g, "x", TFC_DOUBLE, 2, dims, st), 0};
	tfc_output v = {tfc_variable_v2(g, "v", &sh, TFC_DOUBLE, st), 0};
	tfc_operation *init = tfc_assign(g, "init", v, x, st);
	tfc_operation *pfx = string_scalar(g, "prefix", prefix, st);
	tfc_operation *names = string_vec(g, "names", "v", st), *slices = string_vec(g, "slices", "", st);
	tfc_operation *save = tfc_save_v2(g, "save", (tfc_output){pfx, 0}, (tfc_output){names, 0},
					  (tfc_output){slices, 0}, &v, 1, st);
	tfc_tensor *xv = random_tensor(TFC_DOUBLE, 2, dims, -3, 3);
	tfc_session *s = session(g, true, true, st);
	struct ckpt_args a = {s, init, save, x, xv, st};
	capture_stderr(run_ckpt, &a);
	is_int(tfc_status_code(st), TFC_OK, "checkpoint: saved (%s)", tfc_status_message(st));
	ok(on_gpu("v", "VariableV2") && on_gpu("init", "Assign"), "checkpoint: the variable lives on GPU:0");
	tfc_session_free(s);
	/* read back on the CPU */
	tfc_graph *g2 = tfc_graph_new();
	pfx = string_scalar(g2, "prefix", prefix, st);
	names = string_vec(g2, "names", "v", st);
	slices = string_vec(g2, "slices", "", st);
	tfc_op_desc *d = tfc_op_new(g2, "RestoreV2", "restore");
	tfc_op_add_input(d, (tfc_output){pfx, 0});
	tfc_op_add_input(d, (tfc_output){names, 0});
	tfc_op_add_input(d, (tfc_output){slices, 0});
	tfc_op_set_attr_type_list(d, "dtypes", (tfc_dtype[]){TFC_DOUBLE}, 1);
	tfc_operation *restore = tfc_op_finish(d, st);
	tfc_session *s2 = session(g2, false, false, st);
	tfc_tensor *back = run(s2, (tfc_output){restore, 0}, NULL, NULL, NULL, 0, st);
	ok(worst_error(back, xv) == 0, "checkpoint: the saved value is the variable's (%s)", tfc_status_message(st));
	tfc_tensor_free(back);
	tfc_tensor_free(xv);
	tfc_session_free(s2);
	tfc_graph_free(g2);
	tfc_graph_free(g);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	tfc_status_free(st);
}

int main(void)
{
	plan_lazy();
	char why[256];
	int n_gpus = tfc__gpu_count(why, sizeof(why));
	test_supports();
	if (n_gpus == 0) {
		skip(4 * N_VARS + N_APPLY + N_READER + N_TRAIN + N_CKPT, "no GPU (%s)", why);
		done_testing();
		return exit_status();
	}
	srand(3);
	test_vars(TFC_FLOAT, false);
	test_vars(TFC_DOUBLE, false);
	test_vars(TFC_FLOAT, true);
	test_vars(TFC_DOUBLE, true);
	test_apply();
	test_reader_keeps();
	test_training();
	test_checkpoint();
	done_testing();
	return exit_status();
}
