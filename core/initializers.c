/*
 * initializers.c: initializers (zeros, ones, constant, random_uniform, random_normal,
 * truncated_normal, glorot_uniform) as TensorFlow's init_ops build them, variables
 * as tf.get_variable and tf.Variable build them (VariableV2, "<name>/Initializer/...",
 * "<name>/Assign", "<name>/read", the "variables" and "trainable_variables"
 * collections), tf.global_variables_initializer and the global step
 * (core/tfc_train.h).
 */
#include <math.h>

#include "grad_internal.h"

#define NONE ((tfc_output){NULL, 0})
#define TFC_DEFAULT_GRAPH_SEED 87654321

tfc_initializer tfc_init_zeros(void) { return (tfc_initializer){.kind = TFC_INIT_ZEROS}; }
tfc_initializer tfc_init_ones(void) { return (tfc_initializer){.kind = TFC_INIT_ONES}; }

tfc_initializer tfc_init_constant(double value)
{
	return (tfc_initializer){.kind = TFC_INIT_CONSTANT, .value = value};
}

tfc_initializer tfc_init_random_uniform(double minval, double maxval, int64_t seed)
{
	return (tfc_initializer){.kind = TFC_INIT_RANDOM_UNIFORM, .a = minval, .b = maxval,
				 .seed = seed};
}

tfc_initializer tfc_init_random_normal(double mean, double stddev, int64_t seed)
{
	return (tfc_initializer){.kind = TFC_INIT_RANDOM_NORMAL, .a = mean, .b = stddev,
				 .seed = seed};
}

tfc_initializer tfc_init_truncated_normal(double mean, double stddev, int64_t seed)
{
	return (tfc_initializer){.kind = TFC_INIT_TRUNCATED_NORMAL, .a = mean, .b = stddev,
				 .seed = seed};
}

tfc_initializer tfc_init_glorot_uniform(int64_t seed)
{
	return (tfc_initializer){.kind = TFC_INIT_GLOROT_UNIFORM, .seed = seed};
}

/* array_ops.zeros/ones for a known shape: a Const when small, else Fill. */
static tfc_output filled(struct tfc__gb *b, const char *name, const tfc_shape *s, tfc_dtype dt,
			 double v)
{
	if (tfc_shape_num_elements(s) < 1000)
		return tfc__gb_const_fill(b, name, dt, s, v);
	const char *sc = tfc__gb_push_scope(b, name);
	if (!sc)
		return NONE;
	char *full = tfc__strdup(sc);
	tfc_output shp = tfc__gb_const_ivec(b, "shape_as_tensor", TFC_INT32, s->dims, s->rank);
	tfc_output c = tfc__gb_const_scalar(b, "Const", dt, v);
	tfc__gb_pop_scope(b);
	tfc_op_desc *d = tfc__gb_new_exact(b, "Fill", full);
	free(full);
	tfc__gb_input(b, d, shp);
	tfc__gb_input(b, d, c);
	return tfc__gb_finish(b, d);
}

/* random_ops.random_uniform / random_normal / truncated_normal. */
static tfc_output random_value(struct tfc__gb *b, const char *scope, const char *type,
			       const tfc_shape *s, tfc_dtype dt, double p, double q, int64_t seed)
{
	bool uniform = strcmp(type, "RandomUniform") == 0;
	const char *sc = tfc__gb_push_scope(b, scope);
	if (!sc)
		return NONE;
	char *full = tfc__strdup(sc);
	tfc_output shp = tfc__gb_const_ivec(b, "shape", TFC_INT32, s->dims, s->rank);
	tfc_output a = tfc__gb_const_scalar(b, uniform ? "min" : "mean", dt, p);
	tfc_output c = tfc__gb_const_scalar(b, uniform ? "max" : "stddev", dt, q);
	tfc_op_desc *d = tfc__gb_new(b, type, type);
	tfc__gb_input(b, d, shp);
	if (d) {
		tfc_op_set_attr_type(d, "dtype", dt);
		tfc_op_set_attr_int(d, "seed", seed ? TFC_DEFAULT_GRAPH_SEED : 0);
		tfc_op_set_attr_int(d, "seed2", seed);
	}
	tfc_output rnd = tfc__gb_finish(b, d);
	tfc_output scaled;
	if (uniform) {
		tfc_output range = tfc__gb_op2(b, "Sub", "sub", c, a);
		scaled = tfc__gb_op2(b, "Mul", "mul", rnd, range);
	} else {
		scaled = tfc__gb_op2(b, "Mul", "mul", rnd, c);
	}
	tfc__gb_pop_scope(b);
	d = tfc__gb_new_exact(b, "Add", full);
	free(full);
	tfc__gb_input(b, d, scaled);
	tfc__gb_input(b, d, a);
	return tfc__gb_finish(b, d);
}

static tfc_output init_value(struct tfc__gb *b, const tfc_initializer *init, const tfc_shape *s,
			     tfc_dtype dt)
{
	if (!tfc__gb_ok(b))
		return NONE;
	if (!tfc_shape_is_fully_defined(s)) {
		tfc_status_set(b->st, TFC_INVALID_ARGUMENT,
			       "initializer: the shape must be fully defined");
		return NONE;
	}
	bool floating = dt == TFC_FLOAT || dt == TFC_DOUBLE;
	switch (init->kind) {
	case TFC_INIT_ZEROS:
		return filled(b, "zeros", s, dt, 0);
	case TFC_INIT_ONES:
		return filled(b, "ones", s, dt, 1);
	case TFC_INIT_CONSTANT:
		return tfc__gb_const_fill(b, "Const", dt, s, init->value);
	case TFC_INIT_RANDOM_UNIFORM:
	case TFC_INIT_RANDOM_NORMAL:
	case TFC_INIT_TRUNCATED_NORMAL:
	case TFC_INIT_GLOROT_UNIFORM:
		if (!floating)
			break;
		if (init->kind == TFC_INIT_RANDOM_UNIFORM)
			return random_value(b, "random_uniform", "RandomUniform", s, dt, init->a,
					    init->b, init->seed);
		if (init->kind == TFC_INIT_RANDOM_NORMAL)
			return random_value(b, "random_normal", "RandomStandardNormal", s, dt,
					    init->a, init->b, init->seed);
		if (init->kind == TFC_INIT_TRUNCATED_NORMAL)
			return random_value(b, "truncated_normal", "TruncatedNormal", s, dt, init->a,
					    init->b, init->seed);
		{
			/* variance_scaling(1.0, "fan_avg", "uniform") */
			double fan_in = 1, fan_out = 1;
			if (s->rank == 1) {
				fan_in = fan_out = (double)s->dims[0];
			} else if (s->rank >= 2) {
				double rf = 1;
				for (int i = 0; i < s->rank - 2; i++)
					rf *= (double)s->dims[i];
				fan_in = (double)s->dims[s->rank - 2] * rf;
				fan_out = (double)s->dims[s->rank - 1] * rf;
			}
			double n = (fan_in + fan_out) / 2;
			double limit = sqrt(3.0 / (n > 1 ? n : 1));
			return random_value(b, "random_uniform", "RandomUniform", s, dt, -limit,
					    limit, init->seed);
		}
	default:
		break;
	}
	tfc_status_set(b->st, TFC_INVALID_ARGUMENT, "initializer kind %d for dtype %s",
		       (int)init->kind, tfc_dtype_name(dt));
	return NONE;
}

tfc_output tfc_initializer_value(tfc_graph *g, const tfc_initializer *init,
				 const tfc_shape *shape, tfc_dtype dtype, tfc_status *st)
{
	if (!tfc__ok(st))
		return NONE;
	if (!g || !init || !shape) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "tfc_initializer_value: NULL argument");
		return NONE;
	}
	struct tfc__gb b = {.g = g, .st = st};
	return init_value(&b, init, shape, dtype);
}

/* VariableV2 `full` + Assign + read, inside the absolute scope "full/". */
static tfc_operation *make_variable(struct tfc__gb *b, const char *full, const tfc_shape *shape,
				    tfc_dtype dtype, tfc_output value, bool trainable)
{
	tfc_op_desc *d = tfc__gb_new_exact(b, "VariableV2", full);
	if (d) {
		tfc_op_set_attr_shape(d, "shape", shape);
		tfc_op_set_attr_type(d, "dtype", dtype);
	}
	tfc_operation *var = tfc__gb_finish_op(b, d);
	if (!var)
		return NULL;
	const tfc_operation *saved = b->coloc;
	const char *saved_name = b->coloc_name;
	b->coloc = var;
	b->coloc_name = NULL;
	char *sc = tfc__asprintf("%s/", full);
	tfc_graph_push_name_scope(b->g, sc);
	free(sc);
	d = tfc__gb_new(b, "Assign", "Assign");
	tfc__gb_input(b, d, (tfc_output){var, 0});
	tfc__gb_input(b, d, value);
	if (d) {
		tfc_op_set_attr_bool(d, "validate_shape", true);
		tfc_op_set_attr_bool(d, "use_locking", true);
	}
	tfc__gb_finish(b, d);
	tfc__gb_op1(b, "Identity", "read", (tfc_output){var, 0});
	tfc_graph_pop_name_scope(b->g);
	b->coloc = saved;
	b->coloc_name = saved_name;
	if (!tfc__gb_ok(b))
		return NULL;
	tfc_graph_add_to_collection(b->g, TFC_GLOBAL_VARIABLES, var, b->st);
	if (trainable)
		tfc_graph_add_to_collection(b->g, TFC_TRAINABLE_VARIABLES, var, b->st);
	return tfc__gb_ok(b) ? var : NULL;
}

/* ResourceVariable: VarHandleOp `full` (shared_name = full), then in "full/":
 * IsInitialized/VarIsInitializedOp, the AssignVariableOp "Assign" (not colocated, as
 * TensorFlow makes it with ignore_existing) and Read/ReadVariableOp. */
static tfc_operation *make_resource_variable(struct tfc__gb *b, const char *full,
					     const tfc_shape *shape, tfc_dtype dtype,
					     tfc_output value, bool trainable)
{
	tfc_op_desc *d = tfc__gb_new_exact(b, "VarHandleOp", full);
	if (d) {
		tfc_op_set_attr_shape(d, "shape", shape);
		tfc_op_set_attr_type(d, "dtype", dtype);
		tfc_op_set_attr_string(d, "shared_name", full, strlen(full));
	}
	tfc_operation *var = tfc__gb_finish_op(b, d);
	if (!var)
		return NULL;
	const char *saved_name = b->coloc_name;
	const tfc_operation *saved = b->coloc;
	b->coloc_name = NULL;
	char *sc = tfc__asprintf("%s/", full);
	tfc_graph_push_name_scope(b->g, sc);
	free(sc);
	tfc_graph_push_name_scope(b->g, "IsInitialized");
	tfc__gb_op1(b, "VarIsInitializedOp", "VarIsInitializedOp", (tfc_output){var, 0});
	tfc_graph_pop_name_scope(b->g);
	b->coloc = NULL;
	tfc__gb_op2(b, "AssignVariableOp", "Assign", (tfc_output){var, 0}, value);
	b->coloc = saved;
	tfc_graph_push_name_scope(b->g, "Read");
	d = tfc__gb_new(b, "ReadVariableOp", "ReadVariableOp");
	tfc__gb_input(b, d, (tfc_output){var, 0});
	if (d)
		tfc_op_set_attr_type(d, "dtype", dtype);
	tfc__gb_finish(b, d);
	tfc_graph_pop_name_scope(b->g);
	tfc_graph_pop_name_scope(b->g);
	b->coloc_name = saved_name;
	if (!tfc__gb_ok(b))
		return NULL;
	tfc_graph_add_to_collection(b->g, TFC_GLOBAL_VARIABLES, var, b->st);
	if (trainable)
		tfc_graph_add_to_collection(b->g, TFC_TRAINABLE_VARIABLES, var, b->st);
	return tfc__gb_ok(b) ? var : NULL;
}

tfc_operation *tfc__variable_full(tfc_graph *g, const char *full, const tfc_shape *shape,
				  tfc_dtype dtype, const tfc_initializer *init, bool trainable,
				  const tfc_operation *coloc, tfc_status *st)
{
	return tfc__variable_full_r(g, full, shape, dtype, init, trainable, coloc, false, st);
}

tfc_operation *tfc__variable_full_r(tfc_graph *g, const char *full, const tfc_shape *shape,
				    tfc_dtype dtype, const tfc_initializer *init, bool trainable,
				    const tfc_operation *coloc, bool resource, tfc_status *st)
{
	if (!tfc__ok(st))
		return NULL;
	struct tfc__gb b = {.g = g, .st = st, .coloc = coloc, .coloc_name = coloc ? NULL : full};
	/* TensorFlow's default: glorot_uniform for floating variables, else zeros */
	tfc_initializer dflt = dtype == TFC_FLOAT || dtype == TFC_DOUBLE ? tfc_init_glorot_uniform(0)
									 : tfc_init_zeros();
	if (!init)
		init = &dflt;
	char *sc = tfc__asprintf("%s/", full);
	tfc_graph_push_name_scope(g, sc);
	free(sc);
	tfc_graph_push_name_scope(g, "Initializer");
	tfc_output v = init_value(&b, init, shape, dtype);
	tfc_graph_pop_name_scope(g);
	tfc_graph_pop_name_scope(g);
	if (resource)
		return make_resource_variable(&b, full, shape, dtype, v, trainable);
	return make_variable(&b, full, shape, dtype, v, trainable);
}

static tfc_operation *get_variable(tfc_graph *g, const char *name, const tfc_shape *shape,
				   tfc_dtype dtype, const tfc_initializer *init, bool trainable,
				   bool resource, tfc_status *st);

tfc_operation *tfc_get_resource_variable(tfc_graph *g, const char *name, const tfc_shape *shape,
					 tfc_dtype dtype, const tfc_initializer *init,
					 bool trainable, tfc_status *st)
{
	return get_variable(g, name, shape, dtype, init, trainable, true, st);
}

tfc_operation *tfc_get_variable_ex(tfc_graph *g, const char *name, const tfc_shape *shape,
			       tfc_dtype dtype, const tfc_initializer *init, bool trainable,
			       tfc_status *st)
{
	return get_variable(g, name, shape, dtype, init, trainable, false, st);
}

static tfc_operation *get_variable(tfc_graph *g, const char *name, const tfc_shape *shape,
				   tfc_dtype dtype, const tfc_initializer *init, bool trainable,
				   bool resource, tfc_status *st)
{
	if (!tfc__ok(st))
		return NULL;
	if (!g || !name || !*name || !shape) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "tfc_variable: need a graph, name and shape");
		return NULL;
	}
	if (!tfc_shape_is_fully_defined(shape)) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT,
			       "Shape of a new variable (%s) must be fully defined", name);
		return NULL;
	}
	const char *scope = tfc_graph_name_scope(g);
	char *full = *scope ? tfc__asprintf("%s/%s", scope, name) : tfc__strdup(name);
	if (tfc_graph_operation_by_name(g, full)) {
		tfc_status_set(st, TFC_ALREADY_EXISTS, "Variable %s already exists, disallowed.",
			       full);
		free(full);
		return NULL;
	}
	free(tfc__graph_unique_full(g, full, true));
	tfc_operation *v = tfc__variable_full_r(g, full, shape, dtype, init, trainable, NULL,
						resource, st);
	free(full);
	return v;
}

tfc_operation *tfc_get_variable(tfc_graph *g, const char *name, const tfc_shape *shape,
			    tfc_dtype dtype, const tfc_initializer *init, tfc_status *st)
{
	return tfc_get_variable_ex(g, name, shape, dtype, init, true, st);
}

tfc_operation *tfc_variable_from_value(tfc_graph *g, const char *name, tfc_output initial_value,
				       bool trainable, tfc_status *st)
{
	if (!tfc__ok(st))
		return NULL;
	if (!g || !initial_value.oper) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT,
			       "tfc_variable_from_value: need a graph and an initial value");
		return NULL;
	}
	tfc_shape s = tfc__gb_static_shape(initial_value);
	if (!tfc_shape_is_fully_defined(&s)) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT,
			       "initial_value '%s:%d' of variable %s must have a fully defined shape",
			       initial_value.oper->name, initial_value.index, name ? name : "Variable");
		return NULL;
	}
	const char *sc = tfc_graph_push_name_scope(g, name && *name ? name : "Variable");
	char *full = tfc__strdup(sc);
	tfc_graph_pop_name_scope(g);
	struct tfc__gb b = {.g = g, .st = st};
	tfc_operation *v = make_variable(&b, full, &s, tfc__gb_dtype(initial_value), initial_value,
					 trainable);
	free(full);
	return v;
}

tfc_operation *tfc__variable_scalar(tfc_graph *g, const char *name, tfc_dtype dtype, double v,
				   const tfc_operation *coloc, bool resource, tfc_status *st)
{
	if (!tfc__ok(st))
		return NULL;
	const char *sc = tfc_graph_push_name_scope(g, name);
	char *full = tfc__strdup(sc);
	struct tfc__gb b = {.g = g, .st = st, .coloc = coloc};
	/* a resource variable converts its value inside "Initializer" */
	if (resource)
		tfc_graph_push_name_scope(g, "Initializer");
	tfc_output iv = tfc__gb_const_scalar(&b, "initial_value", dtype, v);
	if (resource)
		tfc_graph_pop_name_scope(g);
	tfc_graph_pop_name_scope(g);
	tfc_shape s = tfc_shape_scalar();
	tfc_operation *var = resource ? make_resource_variable(&b, full, &s, dtype, iv, false)
				      : make_variable(&b, full, &s, dtype, iv, false);
	free(full);
	return var;
}

static tfc_operation *by_suffix(const tfc_operation *var, const char *suffix)
{
	if (!var)
		return NULL;
	char *n = tfc__asprintf("%s/%s", var->name, suffix);
	tfc_operation *op = tfc_graph_operation_by_name(var->graph, n);
	free(n);
	return op;
}

tfc_output tfc_variable_read(const tfc_operation *var)
{
	if (var && strcmp(var->type, "VarHandleOp") == 0)
		return (tfc_output){by_suffix(var, "Read/ReadVariableOp"), 0};
	return (tfc_output){by_suffix(var, "read"), 0};
}

tfc_operation *tfc_variable_initializer(const tfc_operation *var)
{
	return by_suffix(var, "Assign");
}

tfc_operation *tfc_global_variables_initializer(tfc_graph *g, tfc_status *st)
{
	if (!tfc__ok(st))
		return NULL;
	if (!g) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "tfc_global_variables_initializer: NULL graph");
		return NULL;
	}
	int n = tfc_graph_get_collection(g, TFC_GLOBAL_VARIABLES, NULL, 0);
	tfc_operation **vars = tfc__calloc((size_t)n + 1, sizeof(*vars));
	tfc_graph_get_collection(g, TFC_GLOBAL_VARIABLES, vars, n);
	tfc_op_desc *d = tfc_op_new(g, "NoOp", "init");
	for (int i = 0; i < n; i++) {
		tfc_operation *a = tfc_variable_initializer(vars[i]);
		if (a)
			tfc_op_add_control_input(d, a);
	}
	free(vars);
	return tfc_op_finish(d, st);
}

tfc_operation *tfc_get_or_create_global_step(tfc_graph *g, tfc_status *st)
{
	if (!tfc__ok(st))
		return NULL;
	if (!g) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "tfc_get_or_create_global_step: NULL graph");
		return NULL;
	}
	tfc_operation *gs = NULL;
	if (tfc_graph_get_collection(g, TFC_GLOBAL_STEP, &gs, 1) >= 1 && gs)
		return gs;
	if (tfc_graph_operation_by_name(g, TFC_GLOBAL_STEP)) {
		tfc_status_set(st, TFC_ALREADY_EXISTS,
			       "an op named global_step exists but is not in the global_step "
			       "collection");
		return NULL;
	}
	free(tfc__graph_unique_full(g, TFC_GLOBAL_STEP, true));
	tfc_shape s = tfc_shape_scalar();
	tfc_initializer z = tfc_init_zeros();
	gs = tfc__variable_full(g, TFC_GLOBAL_STEP, &s, TFC_INT64, &z, false, NULL, st);
	if (gs)
		tfc_graph_add_to_collection(g, TFC_GLOBAL_STEP, gs, st);
	return tfc__ok(st) ? gs : NULL;
}
