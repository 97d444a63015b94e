/*
 * tfc_train.h: building training graphs from C, the way TensorFlow 1.x's Python
 * layer does: symbolic gradients (tf.gradients), variables with initializers
 * (tf.get_variable, tf.Variable, tf.global_variables_initializer, the global step)
 * and optimizers (tf.train.*Optimizer.minimize). Everything here only adds ops to a
 * graph, named as TensorFlow names them, so a GraphDef written from a graph built
 * here reads like one written by TensorFlow.
 *
 *     tfc_shape ws = tfc_shape_make(2, (int64_t[]){784, 10});
 *     tfc_initializer gu = tfc_init_glorot_uniform(7);
 *     tfc_operation *w = tfc_get_variable(g, "w", &ws, TFC_FLOAT, &gu, st);
 *     ... logits = x @ w/read, loss = mean(softmax_cross_entropy(...)) ...
 *     tfc_optimizer *opt = tfc_optimizer_adam_new(0.001f, 0.9f, 0.999f, 1e-8f);
 *     tfc_operation *train = tfc_optimizer_minimize(opt, g, loss, st);
 *     tfc_operation *init = tfc_global_variables_initializer(g, st);
 *     tfc_optimizer_free(opt);
 *     // session: run init once, then train with feeds, as in Python.
 *
 * Conventions are tfc.h's: status last, ops returned are owned by the graph, a call
 * handed a status that already holds an error does nothing and returns NULL / -1.
 * Ownership: core/gradients.c and core/grad_*.c (gradients), core/initializers.c
 * (initializers, variables, global step), core/optimizers.c (optimizers).
 */
#ifndef TFC_TRAIN_H
#define TFC_TRAIN_H

#include "tfc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- gradients */

/* tf.gradients(ys, xs, grad_ys): adds the gradient subgraph of sum(ys) with respect
 * to each of xs, under a new name scope "gradients" ("gradients_1", ... when taken),
 * each op's part in "gradients/<op name>_grad/". grad_ys (NULL: ones shaped like each
 * y, built as "gradients/Shape", "gradients/grad_ys_0", "gradients/Fill") holds one
 * tensor per y, of y's dtype. Several paths into one tensor are summed with AddN
 * ("gradients/AddN", ...). Per-op gradient functions are a table (op type ->
 * function, core/grad_*.c). dxs (nx entries, written) receives one gradient per x;
 * .oper is NULL where x does not reach any y (TensorFlow's None). All arrays are
 * borrowed. Returns how many of xs are connected, or -1 with st set:
 * InvalidArgument for bad arguments (naming the tensor), NotFound for an op on the
 * path without a registered gradient, Unimplemented for control-flow ops on it.
 * Gradients flow through floating tensors and resource handles: an x that is a
 * VarHandleOp's handle gets the gradient of its ReadVariableOps' values. */
int tfc_gradients(tfc_graph *g, const tfc_output *ys, int ny, const tfc_output *xs, int nx,
		  const tfc_output *grad_ys, tfc_output *dxs, tfc_status *st);

/* The same with options: scope (NULL: "gradients") is the name scope to build in;
 * gate_gradients, as Optimizer.GATE_OP does, groups the gradients of each op's
 * inputs behind "<op>_grad/tuple/group_deps" and passes them through
 * "<op>_grad/tuple/control_dependency[_N]" when an op has more than one. */
int tfc_gradients_ex(tfc_graph *g, const tfc_output *ys, int ny, const tfc_output *xs, int nx,
		     const tfc_output *grad_ys, const char *scope, bool gate_gradients,
		     tfc_output *dxs, tfc_status *st);

/* Is a gradient function registered for op_type? (Ops registered as not
 * differentiable, such as Shape or StopGradient, count as registered.) */
bool tfc_gradient_is_registered(const char *op_type);
/* Number of op types in the gradient table and their names (static strings), for
 * tests that check every one. */
int tfc_gradient_registry_count(void);
const char *tfc_gradient_registry_name(int i);

/* ---------------------------------------------------------------- initializers */

typedef enum tfc_init_kind {
	TFC_INIT_ZEROS = 0,
	TFC_INIT_ONES = 1,
	TFC_INIT_CONSTANT = 2,
	TFC_INIT_RANDOM_UNIFORM = 3,   /* a = minval, b = maxval */
	TFC_INIT_RANDOM_NORMAL = 4,    /* a = mean, b = stddev */
	TFC_INIT_TRUNCATED_NORMAL = 5, /* a = mean, b = stddev */
	TFC_INIT_GLOROT_UNIFORM = 6,   /* limit sqrt(6 / (fan_in + fan_out)) */
	TFC_INIT_KIND_COUNT
} tfc_init_kind;

/* An initializer is a value: what to build, not ops. seed 0 means none (the
 * kernels then seed from the clock, as TensorFlow does); otherwise the random op
 * gets TensorFlow's default graph seed 87654321 and seed2 = seed, as an op-level
 * seed without a graph-level one does in TensorFlow. */
typedef struct tfc_initializer {
	tfc_init_kind kind;
	double value; /* TFC_INIT_CONSTANT */
	double a, b;
	int64_t seed;
} tfc_initializer;

tfc_initializer tfc_init_zeros(void);
tfc_initializer tfc_init_ones(void);
tfc_initializer tfc_init_constant(double value);
tfc_initializer tfc_init_random_uniform(double minval, double maxval, int64_t seed);
tfc_initializer tfc_init_random_normal(double mean, double stddev, int64_t seed);
tfc_initializer tfc_init_truncated_normal(double mean, double stddev, int64_t seed);
tfc_initializer tfc_init_glorot_uniform(int64_t seed);

/* Builds the initializer's value for a fully defined shape in the current name
 * scope, with TensorFlow's names ("zeros", "ones", "Const", "random_uniform/...",
 * "random_normal/...", "truncated_normal/..."), and returns it. */
tfc_output tfc_initializer_value(tfc_graph *g, const tfc_initializer *init,
				 const tfc_shape *shape, tfc_dtype dtype, tfc_status *st);

/* ---------------------------------------------------------------- variables */

/* tf.get_variable(name, shape, dtype, initializer): a VariableV2 named `name` in the
 * current scope (an error if taken), its initial value under "<name>/Initializer/",
 * "<name>/Assign" and "<name>/read", in the collections "variables" and
 * "trainable_variables". Returns the VariableV2 op; read its value through
 * tfc_variable_read. init NULL: glorot_uniform for floating dtypes, as TensorFlow's
 * default. */
tfc_operation *tfc_get_variable(tfc_graph *g, const char *name, const tfc_shape *shape,
			    tfc_dtype dtype, const tfc_initializer *init, tfc_status *st);
/* The same, trainable or not (not: only in "variables"). */
tfc_operation *tfc_get_variable_ex(tfc_graph *g, const char *name, const tfc_shape *shape,
			       tfc_dtype dtype, const tfc_initializer *init, bool trainable,
			       tfc_status *st);
/* tf.get_variable(..., use_resource=True): a VarHandleOp `name` (shared_name the
 * same), "<name>/Initializer/...", "<name>/IsInitialized/VarIsInitializedOp", the
 * AssignVariableOp "<name>/Assign" and "<name>/Read/ReadVariableOp" (what
 * tfc_variable_read returns); collections as above. Optimizers update it with the
 * ResourceApply* ops and give it resource slots. */
tfc_operation *tfc_get_resource_variable(tfc_graph *g, const char *name, const tfc_shape *shape,
					 tfc_dtype dtype, const tfc_initializer *init,
					 bool trainable, tfc_status *st);
/* tf.Variable(initial_value, name=name): the variable takes the value's dtype and
 * shape; its ops are "<name>" (uniquified), "<name>/Assign", "<name>/read". */
tfc_operation *tfc_variable_from_value(tfc_graph *g, const char *name, tfc_output initial_value,
				       bool trainable, tfc_status *st);
/* "<var>/read:0", or "<var>/Read/ReadVariableOp:0" for a resource variable ({NULL, 0}
 * if var was not made here). */
tfc_output tfc_variable_read(const tfc_operation *var);
/* "<var>/Assign", the variable's initializer op (NULL if none). */
tfc_operation *tfc_variable_initializer(const tfc_operation *var);

/* tf.global_variables_initializer(): a NoOp "init" (uniquified) with a control input
 * on the initializer of every op in the "variables" collection. */
tfc_operation *tfc_global_variables_initializer(tfc_graph *g, tfc_status *st);

#define TFC_GLOBAL_STEP "global_step"
/* tf.train.get_or_create_global_step(): the op in collection "global_step", else a
 * new int64 scalar VariableV2 "global_step" (at the root scope, zeros initializer,
 * not trainable) in collections "variables" and "global_step". */
tfc_operation *tfc_get_or_create_global_step(tfc_graph *g, tfc_status *st);

/* ---------------------------------------------------------------- optimizers */

/* An optimizer: hyperparameters and, once used, the slots it made (per variable). */
typedef struct tfc_optimizer tfc_optimizer;

/* tf.train.GradientDescentOptimizer(learning_rate). Caller frees. */
tfc_optimizer *tfc_optimizer_gradient_descent_new(float learning_rate);
/* tf.train.MomentumOptimizer(learning_rate, momentum, use_nesterov). */
tfc_optimizer *tfc_optimizer_momentum_new(float learning_rate, float momentum, bool use_nesterov);
/* tf.train.AdagradOptimizer(learning_rate, initial_accumulator_value) (TF: 0.1). */
tfc_optimizer *tfc_optimizer_adagrad_new(float learning_rate, float initial_accumulator_value);
/* tf.train.AdamOptimizer(learning_rate, beta1, beta2, epsilon) (TF: 0.001, 0.9, 0.999,
 * 1e-8). */
tfc_optimizer *tfc_optimizer_adam_new(float learning_rate, float beta1, float beta2, float epsilon);
/* tf.train.RMSPropOptimizer(learning_rate, decay, momentum, epsilon) (TF: 0.9, 0.0,
 * 1e-10); not centered. */
tfc_optimizer *tfc_optimizer_rmsprop_new(float learning_rate, float decay, float momentum,
					 float epsilon);
void tfc_optimizer_free(tfc_optimizer *o);
/* The optimizer's name, its ops' scope ("GradientDescent", "Momentum", "Adagrad",
 * "Adam", "RMSProp" by default); name borrowed, copied. */
void tfc_optimizer_set_name(tfc_optimizer *o, const char *name);

/* Optimizer.compute_gradients(loss, var_list) with gate_gradients=GATE_OP: vars
 * (NULL: the "trainable_variables" collection; borrowed) are VariableV2 ops; writes
 * up to max gradients into grads (one per variable, .oper NULL where the loss does
 * not depend on it) and the variables into vars_out when non-NULL; returns how many
 * variables there are (-1 on error). */
int tfc_optimizer_compute_gradients(tfc_optimizer *o, tfc_graph *g, tfc_output loss,
				    tfc_operation *const *vars, int n_vars, tfc_output *grads,
				    tfc_operation **vars_out, int max, tfc_status *st);
/* Optimizer.apply_gradients(zip(grads, vars), global_step): creates the slots
 * ("<var>/<Name>", "<var>/<Name>_1", ...) and non-slot variables ("beta1_power",
 * "beta2_power"), then "<Name>/update_<var>/Apply<Kind>" per variable with a
 * gradient and, with a global step, "<Name>/update" and the AssignAdd "<Name>" (else
 * a NoOp "<Name>"), which is returned and added to the "train_op" collection.
 * global_step may be NULL. InvalidArgument when no variable has a gradient. */
tfc_operation *tfc_optimizer_apply_gradients(tfc_optimizer *o, tfc_graph *g,
					     const tfc_output *grads, tfc_operation *const *vars,
					     int n, tfc_operation *global_step, tfc_status *st);
/* minimize(loss, global_step=tf.train.get_or_create_global_step()): compute and
 * apply over the trainable variables. */
tfc_operation *tfc_optimizer_minimize(tfc_optimizer *o, tfc_graph *g, tfc_output loss,
				      tfc_status *st);
/* minimize(loss, global_step, var_list): global_step and vars may be NULL. */
tfc_operation *tfc_optimizer_minimize_ex(tfc_optimizer *o, tfc_graph *g, tfc_output loss,
					 tfc_operation *global_step, tfc_operation *const *vars,
					 int n_vars, tfc_status *st);
/* Optimizer.get_slot(var, name): name is TensorFlow's ("momentum" for Momentum,
 * "accumulator" for Adagrad, "m" and "v" for Adam, "rms" and "momentum" for RMSProp);
 * NULL if there is none. */
tfc_operation *tfc_optimizer_get_slot(const tfc_optimizer *o, const tfc_operation *var,
				      const char *name);

#ifdef __cplusplus
}
#endif

#endif /* TFC_TRAIN_H */
