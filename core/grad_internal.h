/*
 * grad_internal.h: what the gradient functions (core/grad_*.c), the gradient
 * algorithm (core/gradients.c), the initializers and the optimizers share: a small
 * op builder that keeps a status, control dependencies and colocation for every op
 * it makes (TensorFlow's `with ops.control_dependencies(...)` and `colocate_with`),
 * and the table type that registers gradient functions as data.
 *
 * Every builder call does nothing and returns {NULL, 0} once b->st holds an error,
 * so a gradient function is written as straight-line code and checked once.
 */
#ifndef TFC_GRAD_INTERNAL_H
#define TFC_GRAD_INTERNAL_H

#include "internal.h"
#include "tfc_train.h"

#define TFC__GB_MAX_CTL 4

/* One `with control_dependencies(ops):` level. As in TensorFlow, a new op gets its
 * control inputs unless one of its inputs was made inside the same level (it is
 * then dominated by that input), and never on an op it already reads. */
struct tfc__gb_ctl {
	tfc_operation *const *ops; /* borrowed, or &one */
	int n;
	tfc_operation *one;
	size_t mark;               /* ops with id >= mark were made inside this level */
};

struct tfc__gb {
	tfc_graph *g;
	tfc_status *st;
	struct tfc__gb_ctl ctl[TFC__GB_MAX_CTL]; /* control-dependency levels */
	int n_ctl;
	const tfc_operation *coloc;          /* colocate each new op with this (or NULL) */
	const char *coloc_name;              /* or with the op of this name, which need
						not exist yet (a variable's initializer) */
};

static inline bool tfc__gb_ok(const struct tfc__gb *b) { return b->st->code == TFC_OK; }

/* A new op of `type` named `name` in the current scope (NULL if b holds an error);
 * control inputs and colocation of b applied. */
tfc_op_desc *tfc__gb_new(struct tfc__gb *b, const char *type, const char *name);
/* The same with an exact (full) name. */
tfc_op_desc *tfc__gb_new_exact(struct tfc__gb *b, const char *type, const char *name);
/* Finishes d; output 0 (or {NULL, 0}). */
tfc_output tfc__gb_finish(struct tfc__gb *b, tfc_op_desc *d);
tfc_operation *tfc__gb_finish_op(struct tfc__gb *b, tfc_op_desc *d);
/* Adds input x, or sets an Internal error on b if x is none. */
void tfc__gb_input(struct tfc__gb *b, tfc_op_desc *d, tfc_output x);

/* Ops of one, two, three inputs and no attrs beyond the inferred ones. */
tfc_output tfc__gb_op1(struct tfc__gb *b, const char *type, const char *name, tfc_output x);
tfc_output tfc__gb_op2(struct tfc__gb *b, const char *type, const char *name, tfc_output x,
		       tfc_output y);
tfc_output tfc__gb_op3(struct tfc__gb *b, const char *type, const char *name, tfc_output x,
		       tfc_output y, tfc_output z);
/* A binary op whose second operand is a scalar constant made inside the op's scope,
 * the way Python converts a number argument: "<name>/y" (or `cname`) then "<name>". */
tfc_output tfc__gb_op2c(struct tfc__gb *b, const char *type, const char *name, tfc_output x,
			const char *cname, double c, tfc_dtype cdt, bool const_first);

/* Constants: a scalar of dtype (float, double, int32, int64, half, bool); an int
 * vector of int32 or int64. */
tfc_output tfc__gb_const_scalar(struct tfc__gb *b, const char *name, tfc_dtype dt, double v);
tfc_output tfc__gb_const_ivec(struct tfc__gb *b, const char *name, tfc_dtype dt,
			      const int64_t *v, int n);
tfc_output tfc__gb_const_fill(struct tfc__gb *b, const char *name, tfc_dtype dt,
			      const tfc_shape *s, double v);

/* array_ops.shape / size / rank: a Const named `name` when the static shape is fully
 * defined (TensorFlow's optimize=True), else the Shape/Size/Rank op. int32. */
tfc_output tfc__gb_shape(struct tfc__gb *b, const char *name, tfc_output x);
tfc_output tfc__gb_size(struct tfc__gb *b, const char *name, tfc_output x);
tfc_output tfc__gb_rank(struct tfc__gb *b, const char *name, tfc_output x);
/* reduce_sum(x, axes) with keep_dims, named name. */
tfc_output tfc__gb_sum(struct tfc__gb *b, const char *name, tfc_output x, tfc_output axes,
		       bool keep_dims);
/* reduce_sum over constant axes ("<name>/reduction_indices" then "<name>"). */
tfc_output tfc__gb_sum_axes(struct tfc__gb *b, const char *name, tfc_output x,
			    const int64_t *axes, int n, bool keep_dims);
/* reshape(x, constant shape) ("<name>/shape" then "<name>"). */
tfc_output tfc__gb_reshape_c(struct tfc__gb *b, const char *name, tfc_output x,
			     const int64_t *dims, int n);
/* expand_dims(x, dim) ("<name>/dim" then "<name>"). */
tfc_output tfc__gb_expand_dims(struct tfc__gb *b, const char *name, tfc_output x, int64_t dim);
/* zeros(shape tensor) of dtype: "zeros/Const" then the Fill "zeros". */
tfc_output tfc__gb_zeros(struct tfc__gb *b, tfc_output shape, tfc_dtype dt);
/* zeros_like(x): a ZerosLike "zeros_like". */
tfc_output tfc__gb_zeros_like(struct tfc__gb *b, tfc_output x);
/* MatMul with transposes. */
tfc_output tfc__gb_matmul(struct tfc__gb *b, const char *name, tfc_output a, tfc_output x,
			  bool ta, bool tb);
/* Cast to dt (x itself when it already has that dtype). */
tfc_output tfc__gb_cast(struct tfc__gb *b, const char *name, tfc_output x, tfc_dtype dt);

/* Static facts of an output. */
tfc_dtype tfc__gb_dtype(tfc_output x);
tfc_shape tfc__gb_static_shape(tfc_output x);
bool tfc__gb_fully_defined(tfc_output x);
/* The value of x when it is a Const's output (caller frees), else NULL. */
tfc_tensor *tfc__gb_const_value(tfc_output x);
/* Copies op's colocation group (its "_class" loc:@ entries, else loc:@op) onto d. */
void tfc__gb_colocate(tfc_op_desc *d, const tfc_operation *op);
/* Control-dependency levels on b: push one op or a list (borrowed until popped), pop. */
void tfc__gb_push_ctl(struct tfc__gb *b, tfc_operation *op);
void tfc__gb_push_ctl_list(struct tfc__gb *b, tfc_operation *const *ops, int n);
void tfc__gb_pop_ctl(struct tfc__gb *b);
/* Name scope pushed (uniquified) and popped around a composite op; returns the full
 * scope name (owned by the graph until popped) or NULL on error. */
const char *tfc__gb_push_scope(struct tfc__gb *b, const char *name);
void tfc__gb_pop_scope(struct tfc__gb *b);

/* Floating dtypes (base of refs): the ones gradients flow through. */
bool tfc__grad_dtype(tfc_dtype t);

/* A gradient function: op's output gradients dy (one per output; .oper NULL for
 * none, which only non-floating outputs have) -> input gradients dx (one per input,
 * preset to none). Errors go into b->st. Called inside "gradients/<op>_grad/". */
typedef void (*tfc__grad_fn)(struct tfc__gb *b, tfc_operation *op, const tfc_output *dy,
			     tfc_output *dx);

/* One row of a gradient table. fn NULL registers the op as not differentiable
 * (TensorFlow's ops.NotDifferentiable): its inputs get no gradient. */
struct tfc__grad_def {
	const char *op;
	tfc__grad_fn fn;
};

/* The tables, each ending with a {NULL, NULL} row. */
extern const struct tfc__grad_def tfc__grad_math_defs[];
extern const struct tfc__grad_def tfc__grad_nn_defs[];
extern const struct tfc__grad_def tfc__grad_array_defs[];

/* Internals of initializers.c the optimizers use: a variable built like
 * tf.get_variable inside an absolute scope already chosen (full name `full`),
 * colocated with `coloc` when non-NULL. */
tfc_operation *tfc__variable_full(tfc_graph *g, const char *full, const tfc_shape *shape,
				  tfc_dtype dtype, const tfc_initializer *init, bool trainable,
				  const tfc_operation *coloc, tfc_status *st);
/* The same, a ResourceVariable (VarHandleOp) when resource. */
tfc_operation *tfc__variable_full_r(tfc_graph *g, const char *full, const tfc_shape *shape,
				    tfc_dtype dtype, const tfc_initializer *init, bool trainable,
				    const tfc_operation *coloc, bool resource, tfc_status *st);
/* tf.Variable(python scalar) colocated with coloc: "<name>/initial_value" Const (in
 * "<name>/Initializer/" for a resource variable). */
tfc_operation *tfc__variable_scalar(tfc_graph *g, const char *name, tfc_dtype dtype, double v,
				   const tfc_operation *coloc, bool resource, tfc_status *st);

/* graph.c: tf.Graph.unique_name on a full name (caller frees). */
char *tfc__graph_unique_full(tfc_graph *g, const char *full, bool mark);

#endif /* TFC_GRAD_INTERNAL_H */
