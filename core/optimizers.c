/*
 * optimizers.c: tf.train's GradientDescent, Momentum, Adagrad, Adam and RMSProp
 * optimizers for graphs built from C (core/tfc_train.h): compute_gradients (gated
 * gradients, GATE_OP), apply_gradients (slots "<var>/<Name>[_N]", non-slot
 * "beta1_power"/"beta2_power", "<Name>/update_<var>/Apply<Kind>", the "<Name>/update"
 * group and the global step's AssignAdd "<Name>"), and minimize, with the names
 * TensorFlow 1.x gives every op.
 */
#include "grad_internal.h"

enum opt_kind { OPT_GD, OPT_MOMENTUM, OPT_ADAGRAD, OPT_ADAM, OPT_RMSPROP };

/* Slots are remembered by graph and names; a record is used only while its graph
 * still holds an op of that name at that address, so an optimizer used on a graph
 * that was freed never hands out a stale op. */
struct slot {
	tfc_graph *g;
	char *var;            /* the variable's name */
	char *name;           /* TensorFlow's slot name: "m", "v", "momentum", ... */
	char *full;           /* the slot variable's name */
	tfc_operation *slot;
};

struct tfc_optimizer {
	enum opt_kind kind;
	char *name;            /* owned; scope of its ops */
	float lr, p1, p2, p3;  /* momentum | init_accum | beta1,beta2,eps | decay,mom,eps */
	bool nesterov;
	int n_slots, cap_slots;
	struct slot *slots;    /* owned */
	tfc_graph *beta_g;     /* the graph of Adam's non-slot variables */
	char *beta1_name, *beta2_name;
	tfc_operation *beta1_power, *beta2_power; /* Adam's non-slot variables */
};

static bool still(tfc_graph *g, const char *name, const tfc_operation *op)
{
	return g && name && op && tfc_graph_operation_by_name(g, name) == op;
}

static tfc_optimizer *opt_new(enum opt_kind k, const char *name, float lr)
{
	tfc_optimizer *o = tfc__calloc(1, sizeof(*o));
	o->kind = k;
	o->name = tfc__strdup(name);
	o->lr = lr;
	return o;
}

tfc_optimizer *tfc_optimizer_gradient_descent_new(float learning_rate)
{
	return opt_new(OPT_GD, "GradientDescent", learning_rate);
}

tfc_optimizer *tfc_optimizer_momentum_new(float learning_rate, float momentum, bool use_nesterov)
{
	tfc_optimizer *o = opt_new(OPT_MOMENTUM, "Momentum", learning_rate);
	o->p1 = momentum;
	o->nesterov = use_nesterov;
	return o;
}

tfc_optimizer *tfc_optimizer_adagrad_new(float learning_rate, float initial_accumulator_value)
{
	tfc_optimizer *o = opt_new(OPT_ADAGRAD, "Adagrad", learning_rate);
	o->p1 = initial_accumulator_value;
	return o;
}

tfc_optimizer *tfc_optimizer_adam_new(float learning_rate, float beta1, float beta2, float epsilon)
{
	tfc_optimizer *o = opt_new(OPT_ADAM, "Adam", learning_rate);
	o->p1 = beta1;
	o->p2 = beta2;
	o->p3 = epsilon;
	return o;
}

tfc_optimizer *tfc_optimizer_rmsprop_new(float learning_rate, float decay, float momentum,
					 float epsilon)
{
	tfc_optimizer *o = opt_new(OPT_RMSPROP, "RMSProp", learning_rate);
	o->p1 = decay;
	o->p2 = momentum;
	o->p3 = epsilon;
	return o;
}

void tfc_optimizer_free(tfc_optimizer *o)
{
	if (!o)
		return;
	for (int i = 0; i < o->n_slots; i++) {
		free(o->slots[i].var);
		free(o->slots[i].name);
		free(o->slots[i].full);
	}
	free(o->slots);
	free(o->beta1_name);
	free(o->beta2_name);
	free(o->name);
	free(o);
}

void tfc_optimizer_set_name(tfc_optimizer *o, const char *name)
{
	if (!o || !name || !*name)
		return;
	free(o->name);
	o->name = tfc__strdup(name);
}

tfc_operation *tfc_optimizer_get_slot(const tfc_optimizer *o, const tfc_operation *var,
				      const char *name)
{
	if (!o || !var || !name)
		return NULL;
	for (int i = 0; i < o->n_slots; i++) {
		const struct slot *sl = &o->slots[i];
		if (sl->g == var->graph && strcmp(sl->var, var->name) == 0 &&
		    strcmp(sl->name, name) == 0 && still(sl->g, sl->full, sl->slot))
			return sl->slot;
	}
	return NULL;
}

static bool is_resource(const tfc_operation *op)
{
	return op && strcmp(op->type, "VarHandleOp") == 0;
}

static bool is_variable(const tfc_operation *op)
{
	return op && (((strcmp(op->type, "VariableV2") == 0 || strcmp(op->type, "Variable") == 0) &&
		       op->n_outputs == 1 && tfc_dtype_is_ref(tfc_operation_output_type(op, 0))) ||
		      is_resource(op));
}

/* The variable's value dtype and shape (a VarHandleOp's from its attrs). */
static tfc_dtype var_dtype(const tfc_operation *op)
{
	if (!is_resource(op))
		return tfc_dtype_base(tfc_operation_output_type(op, 0));
	tfc_status *st = tfc_status_new();
	tfc_dtype t = tfc_operation_get_attr_type(op, "dtype", st);
	tfc_status_free(st);
	return t;
}

static tfc_shape var_shape(const tfc_operation *op)
{
	if (!is_resource(op))
		return tfc_operation_output_shape(op, 0);
	tfc_status *st = tfc_status_new();
	tfc_shape s = tfc_operation_get_attr_shape(op, "shape", st);
	tfc_status_free(st);
	return s;
}

/* ---- compute_gradients */

static int trainable(tfc_graph *g, tfc_operation ***out)
{
	int n = tfc_graph_get_collection(g, TFC_TRAINABLE_VARIABLES, NULL, 0);
	*out = tfc__calloc((size_t)n + 1, sizeof(**out));
	tfc_graph_get_collection(g, TFC_TRAINABLE_VARIABLES, *out, n);
	return n;
}

int tfc_optimizer_compute_gradients(tfc_optimizer *o, tfc_graph *g, tfc_output loss,
				    tfc_operation *const *vars, int n_vars, tfc_output *grads,
				    tfc_operation **vars_out, int max, tfc_status *st)
{
	if (!tfc__ok(st))
		return -1;
	if (!o || !g || !loss.oper || max < 0 || (max > 0 && !grads)) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "compute_gradients: NULL argument");
		return -1;
	}
	tfc_operation **own = NULL;
	if (!vars)
		n_vars = trainable(g, &own);
	tfc_operation *const *vl = vars ? vars : own;
	int ret = -1;
	tfc_output *xs = tfc__calloc((size_t)n_vars + 1, sizeof(*xs));
	tfc_output *dxs = tfc__calloc((size_t)n_vars + 1, sizeof(*dxs));
	if (n_vars == 0) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "No variables to optimize.");
		goto cleanup;
	}
	for (int i = 0; i < n_vars; i++) {
		if (!is_variable(vl[i])) {
			tfc_status_set(st, TFC_INVALID_ARGUMENT,
				       "compute_gradients: '%s' is not a variable (VariableV2, VarHandleOp)",
				       vl[i] ? vl[i]->name : "(null)");
			goto cleanup;
		}
		xs[i] = (tfc_output){vl[i], 0};
	}
	if (tfc_gradients_ex(g, &loss, 1, xs, n_vars, NULL, "gradients", true, dxs, st) < 0)
		goto cleanup;
	for (int i = 0; i < n_vars && i < max; i++) {
		grads[i] = dxs[i];
		if (vars_out)
			vars_out[i] = vl[i];
	}
	ret = n_vars;
cleanup:
	free(xs);
	free(dxs);
	free(own);
	return ret;
}

/* ---- apply_gradients */

static void add_slot(tfc_optimizer *o, const tfc_operation *var, const char *name,
		     tfc_operation *slot)
{
	if (o->n_slots == o->cap_slots) {
		o->cap_slots = o->cap_slots ? 2 * o->cap_slots : 8;
		o->slots = tfc__realloc(o->slots, (size_t)o->cap_slots * sizeof(*o->slots));
	}
	o->slots[o->n_slots++] = (struct slot){var->graph, tfc__strdup(var->name), tfc__strdup(name),
					       tfc__strdup(slot->name), slot};
}

/* slot_creator.create_slot_with_initializer: "[scope/]<var>/<Name>" uniquified. */
static tfc_operation *make_slot(tfc_optimizer *o, tfc_graph *g, tfc_operation *var,
				const char *slot_name, const tfc_initializer *init, tfc_status *st)
{
	tfc_operation *have = tfc_optimizer_get_slot(o, var, slot_name);
	if (have || !tfc__ok(st))
		return have;
	/* inside the current scope, as a variable scope would put it
	 * ("train_step/w/Adam" when minimize is called in "train_step") */
	const char *scope = tfc_graph_name_scope(g);
	char *req = *scope ? tfc__asprintf("%s/%s/%s", scope, var->name, o->name)
			   : tfc__asprintf("%s/%s", var->name, o->name);
	char *full = tfc__graph_unique_full(g, req, true);
	free(req);
	tfc_shape s = var_shape(var);
	tfc_operation *slot = tfc__variable_full_r(g, full, &s, var_dtype(var), init, false, var,
						   is_resource(var), st);
	free(full);
	if (slot)
		add_slot(o, var, slot_name, slot);
	return slot;
}

static void create_slots(tfc_optimizer *o, tfc_graph *g, tfc_operation **vars, int n,
			 tfc_status *st)
{
	tfc_initializer zeros = tfc_init_zeros();
	if (o->kind == OPT_ADAM && !(o->beta_g == g && still(g, o->beta1_name, o->beta1_power) &&
				     still(g, o->beta2_name, o->beta2_power))) {
		tfc_operation *first = vars[0];
		for (int i = 1; i < n; i++)
			if (strcmp(vars[i]->name, first->name) < 0)
				first = vars[i];
		bool r = is_resource(first);
		o->beta1_power = tfc__variable_scalar(g, "beta1_power", TFC_FLOAT, o->p1, first, r, st);
		o->beta2_power = tfc__variable_scalar(g, "beta2_power", TFC_FLOAT, o->p2, first, r, st);
		free(o->beta1_name);
		free(o->beta2_name);
		o->beta1_name = o->beta1_power ? tfc__strdup(o->beta1_power->name) : NULL;
		o->beta2_name = o->beta2_power ? tfc__strdup(o->beta2_power->name) : NULL;
		o->beta_g = g;
	}
	for (int i = 0; i < n && tfc__ok(st); i++) {
		switch (o->kind) {
		case OPT_GD:
			break;
		case OPT_MOMENTUM:
			make_slot(o, g, vars[i], "momentum", &zeros, st);
			break;
		case OPT_ADAGRAD: {
			tfc_initializer c = tfc_init_constant(o->p1);
			make_slot(o, g, vars[i], "accumulator", &c, st);
			break;
		}
		case OPT_ADAM:
			make_slot(o, g, vars[i], "m", &zeros, st);
			make_slot(o, g, vars[i], "v", &zeros, st);
			break;
		case OPT_RMSPROP: {
			tfc_initializer ones = tfc_init_ones();
			make_slot(o, g, vars[i], "rms", &ones, st);
			make_slot(o, g, vars[i], "momentum", &zeros, st);
			break;
		}
		}
	}
}

/* One update op, in "<Name>/update_<var>/", colocated with the variable. */
static tfc_operation *update_op(tfc_optimizer *o, struct tfc__gb *b, tfc_operation *var,
				tfc_output grad, const tfc_output *hp)
{
	tfc_dtype dt = var_dtype(var);
	bool res = is_resource(var);
	char *sc = tfc__asprintf("update_%s", var->name);
	if (!tfc__gb_push_scope(b, sc)) {
		free(sc);
		return NULL;
	}
	free(sc);
	b->coloc = var;
	tfc_output v = {var, 0};
	tfc_op_desc *d = NULL;
	switch (o->kind) {
	case OPT_GD:
		d = tfc__gb_new(b, res ? "ResourceApplyGradientDescent" : "ApplyGradientDescent",
				res ? "ResourceApplyGradientDescent" : "ApplyGradientDescent");
		tfc__gb_input(b, d, v);
		tfc__gb_input(b, d, tfc__gb_cast(b, "Cast", hp[0], dt));
		tfc__gb_input(b, d, grad);
		break;
	case OPT_MOMENTUM: {
		tfc_output acc = {tfc_optimizer_get_slot(o, var, "momentum"), 0};
		tfc_output lr = tfc__gb_cast(b, "Cast", hp[0], dt);
		tfc_output mom = tfc__gb_cast(b, "Cast", hp[1], dt);
		d = tfc__gb_new(b, res ? "ResourceApplyMomentum" : "ApplyMomentum",
				res ? "ResourceApplyMomentum" : "ApplyMomentum");
		tfc__gb_input(b, d, v);
		tfc__gb_input(b, d, acc);
		tfc__gb_input(b, d, lr);
		tfc__gb_input(b, d, grad);
		tfc__gb_input(b, d, mom);
		if (d)
			tfc_op_set_attr_bool(d, "use_nesterov", o->nesterov);
		break;
	}
	case OPT_ADAGRAD: {
		tfc_output acc = {tfc_optimizer_get_slot(o, var, "accumulator"), 0};
		tfc_output lr = tfc__gb_cast(b, "Cast", hp[0], dt);
		d = tfc__gb_new(b, res ? "ResourceApplyAdagrad" : "ApplyAdagrad",
				res ? "ResourceApplyAdagrad" : "ApplyAdagrad");
		tfc__gb_input(b, d, v);
		tfc__gb_input(b, d, acc);
		tfc__gb_input(b, d, lr);
		tfc__gb_input(b, d, grad);
		break;
	}
	case OPT_ADAM: {
		tfc_output m = {tfc_optimizer_get_slot(o, var, "m"), 0};
		tfc_output vv = {tfc_optimizer_get_slot(o, var, "v"), 0};
		tfc_output in[6] = {tfc_variable_read(o->beta1_power), tfc_variable_read(o->beta2_power),
				    hp[0], hp[1], hp[2], hp[3]};
		char *apply_full = NULL;
		if (is_resource(o->beta1_power)) {
			/* math_ops.cast of a resource variable of the same dtype returns it and
			 * the op reads it inside its own scope ("ResourceApplyAdam/ReadVariableOp",
			 * "_1"); to another dtype it is read inside the Cast's scope */
			const char *psc = NULL;
			if (dt == TFC_FLOAT &&
			    (psc = tfc__gb_push_scope(b, res ? "ResourceApplyAdam" : "ApplyAdam")))
				apply_full = tfc__strdup(psc);
			for (int k = 0; k < 2 && (dt != TFC_FLOAT || apply_full); k++) {
				tfc_operation *p = k ? o->beta2_power : o->beta1_power;
				char *cast_full = NULL;
				if (dt != TFC_FLOAT) {
					const char *csc = tfc__gb_push_scope(b, "Cast");
					if (!csc)
						break;
					cast_full = tfc__strdup(csc);
				}
				tfc_op_desc *rd = tfc__gb_new(b, "ReadVariableOp", "ReadVariableOp");
				tfc__gb_input(b, rd, (tfc_output){p, 0});
				if (rd)
					tfc_op_set_attr_type(rd, "dtype", TFC_FLOAT);
				in[k] = tfc__gb_finish(b, rd);
				if (cast_full) {
					tfc__gb_pop_scope(b);
					rd = tfc__gb_new_exact(b, "Cast", cast_full);
					tfc__gb_input(b, rd, in[k]);
					if (rd)
						tfc_op_set_attr_type(rd, "DstT", dt);
					in[k] = tfc__gb_finish(b, rd);
					free(cast_full);
				}
			}
			if (apply_full)
				tfc__gb_pop_scope(b);
		}
		for (int i = 0; i < 6; i++)
			in[i] = tfc__gb_cast(b, "Cast", in[i], dt);
		if (apply_full)
			d = tfc__gb_new_exact(b, res ? "ResourceApplyAdam" : "ApplyAdam", apply_full);
		else
			d = tfc__gb_new(b, res ? "ResourceApplyAdam" : "ApplyAdam",
					res ? "ResourceApplyAdam" : "ApplyAdam");
		free(apply_full);
		tfc__gb_input(b, d, v);
		tfc__gb_input(b, d, m);
		tfc__gb_input(b, d, vv);
		for (int i = 0; i < 6; i++)
			tfc__gb_input(b, d, in[i]);
		tfc__gb_input(b, d, grad);
		break;
	}
	case OPT_RMSPROP: {
		tfc_output ms = {tfc_optimizer_get_slot(o, var, "rms"), 0};
		tfc_output mom = {tfc_optimizer_get_slot(o, var, "momentum"), 0};
		tfc_output in[4];
		for (int i = 0; i < 4; i++)
			in[i] = tfc__gb_cast(b, "Cast", hp[i], dt);
		d = tfc__gb_new(b, res ? "ResourceApplyRMSProp" : "ApplyRMSProp",
				res ? "ResourceApplyRMSProp" : "ApplyRMSProp");
		tfc__gb_input(b, d, v);
		tfc__gb_input(b, d, ms);
		tfc__gb_input(b, d, mom);
		for (int i = 0; i < 4; i++)
			tfc__gb_input(b, d, in[i]);
		tfc__gb_input(b, d, grad);
		break;
	}
	}
	if (d)
		tfc_op_set_attr_bool(d, "use_locking", false);
	tfc_operation *op = tfc__gb_finish_op(b, d);
	b->coloc = NULL;
	tfc__gb_pop_scope(b);
	return op;
}

/* control_flow_ops.group(*ops, name=full) as a NoOp named exactly `full`. */
static tfc_operation *group(struct tfc__gb *b, const char *full, tfc_operation **ops, int n)
{
	tfc_op_desc *d = tfc__gb_new_exact(b, "NoOp", full);
	for (int i = 0; d && i < n; i++)
		if (ops[i])
			tfc_op_add_control_input(d, ops[i]);
	return tfc__gb_finish_op(b, d);
}

tfc_operation *tfc_optimizer_apply_gradients(tfc_optimizer *o, tfc_graph *g,
					     const tfc_output *grads, tfc_operation *const *vars,
					     int n, tfc_operation *global_step, tfc_status *st)
{
	if (!tfc__ok(st))
		return NULL;
	if (!o || !g || n < 0 || (n > 0 && (!grads || !vars))) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "apply_gradients: NULL argument");
		return NULL;
	}
	tfc_operation *ret = NULL, **with = tfc__calloc((size_t)n + 1, sizeof(*with));
	tfc_output *gw = tfc__calloc((size_t)n + 1, sizeof(*gw));
	tfc_operation **updates = tfc__calloc((size_t)n + 3, sizeof(*updates));
	char *scope = NULL;
	int nw = 0, nu = 0;
	struct tfc__gb b = {.g = g, .st = st};
	for (int i = 0; i < n; i++) {
		if (!is_variable(vars[i])) {
			tfc_status_set(st, TFC_INVALID_ARGUMENT,
				       "apply_gradients: '%s' is not a variable (VariableV2, VarHandleOp)",
				       vars[i] ? vars[i]->name : "(null)");
			goto cleanup;
		}
		if (!grads[i].oper)
			continue;
		tfc_dtype vt = var_dtype(vars[i]);
		if (tfc__gb_dtype(grads[i]) != vt || !tfc__grad_dtype(vt)) {
			tfc_status_set(st, TFC_INVALID_ARGUMENT,
				       "apply_gradients: gradient '%s:%d' (%s) does not match variable "
				       "'%s' (%s)", grads[i].oper->name, grads[i].index,
				       tfc_dtype_name(tfc__gb_dtype(grads[i])), vars[i]->name,
				       tfc_dtype_name(vt));
			goto cleanup;
		}
		with[nw] = vars[i];
		gw[nw++] = grads[i];
	}
	if (nw == 0) {
		char names[256] = "";
		for (int i = 0; i < n && strlen(names) < 200; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 i ? ", " : "", vars[i]->name);
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "No gradients provided for any variable: (%s).",
			       names);
		goto cleanup;
	}
	if (global_step && (!is_variable(global_step) ||
			    !(tfc_dtype_base(tfc_operation_output_type(global_step, 0)) == TFC_INT64 ||
			      tfc_dtype_base(tfc_operation_output_type(global_step, 0)) == TFC_INT32))) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT,
			       "apply_gradients: global_step '%s' is not an integer variable",
			       global_step->name);
		goto cleanup;
	}
	create_slots(o, g, with, nw, st);
	if (!tfc__ok(st))
		goto cleanup;

	scope = tfc__strdup(tfc_graph_push_name_scope(g, o->name));
	/* _prepare: hyperparameters as float constants */
	tfc_output hp[4] = {{NULL, 0}};
	hp[0] = tfc__gb_const_scalar(&b, "learning_rate", TFC_FLOAT, o->lr);
	switch (o->kind) {
	case OPT_MOMENTUM:
		hp[1] = tfc__gb_const_scalar(&b, "momentum", TFC_FLOAT, o->p1);
		break;
	case OPT_ADAM:
		hp[1] = tfc__gb_const_scalar(&b, "beta1", TFC_FLOAT, o->p1);
		hp[2] = tfc__gb_const_scalar(&b, "beta2", TFC_FLOAT, o->p2);
		hp[3] = tfc__gb_const_scalar(&b, "epsilon", TFC_FLOAT, o->p3);
		break;
	case OPT_RMSPROP:
		hp[1] = tfc__gb_const_scalar(&b, "decay", TFC_FLOAT, o->p1);
		hp[2] = tfc__gb_const_scalar(&b, "momentum", TFC_FLOAT, o->p2);
		hp[3] = tfc__gb_const_scalar(&b, "epsilon", TFC_FLOAT, o->p3);
		break;
	default:
		break;
	}
	for (int i = 0; i < nw && tfc__ok(st); i++)
		updates[nu++] = update_op(o, &b, with[i], gw[i], hp);
	if (o->kind == OPT_ADAM && tfc__ok(st)) {
		/* _finish: beta powers advance after every update */
		int nupd = nu;
		tfc__gb_push_ctl_list(&b, updates, nupd);
		b.coloc = o->beta1_power;
		for (int k = 0; k < 2; k++) {
			tfc_operation *p = k ? o->beta2_power : o->beta1_power;
			if (is_resource(p)) {
				/* beta_power * beta reads the variable; assign is AssignVariableOp */
				tfc_op_desc *d = tfc__gb_new(&b, "ReadVariableOp", "ReadVariableOp");
				tfc__gb_input(&b, d, (tfc_output){p, 0});
				if (d)
					tfc_op_set_attr_type(d, "dtype", TFC_FLOAT);
				tfc_output rv = tfc__gb_finish(&b, d);
				tfc_output m = tfc__gb_op2(&b, "Mul", "mul", rv, hp[1 + k]);
				updates[nu++] = tfc__gb_op2(&b, "AssignVariableOp", "AssignVariableOp",
							    (tfc_output){p, 0}, m).oper;
				continue;
			}
			tfc_output m = tfc__gb_op2(&b, "Mul", "mul", tfc_variable_read(p), hp[1 + k]);
			tfc_op_desc *d = tfc__gb_new(&b, "Assign", "Assign");
			tfc__gb_input(&b, d, (tfc_output){p, 0});
			tfc__gb_input(&b, d, m);
			if (d) {
				tfc_op_set_attr_bool(d, "use_locking", false);
				tfc_op_set_attr_bool(d, "validate_shape", true);
			}
			updates[nu++] = tfc__gb_finish_op(&b, d);
		}
		tfc__gb_pop_ctl(&b);
		b.coloc = NULL;
	}
	if (!tfc__ok(st))
		goto pop;
	if (!global_step) {
		ret = group(&b, scope, updates, nu);
	} else {
		const char *usc = tfc__gb_push_scope(&b, "update");
		char *ufull = usc ? tfc__strdup(usc) : NULL;
		if (usc)
			tfc__gb_pop_scope(&b);
		tfc_operation *fin = ufull ? group(&b, ufull, updates, nu) : NULL;
		free(ufull);
		tfc__gb_push_ctl(&b, fin);
		b.coloc = global_step;
		tfc_output one = tfc__gb_const_scalar(&b, "value", tfc_dtype_base(
			tfc_operation_output_type(global_step, 0)), 1);
		tfc_op_desc *d = tfc__gb_new_exact(&b, "AssignAdd", scope);
		tfc__gb_input(&b, d, (tfc_output){global_step, 0});
		tfc__gb_input(&b, d, one);
		if (d)
			tfc_op_set_attr_bool(d, "use_locking", false);
		ret = tfc__gb_finish_op(&b, d);
		b.n_ctl = 0;
		b.coloc = NULL;
	}
	if (ret)
		tfc_graph_add_to_collection(g, TFC_TRAIN_OP, ret, st);
pop:
	tfc_graph_pop_name_scope(g);
cleanup:
	free(scope);
	free(with);
	free(gw);
	free(updates);
	return tfc__ok(st) ? ret : NULL;
}

tfc_operation *tfc_optimizer_minimize_ex(tfc_optimizer *o, tfc_graph *g, tfc_output loss,
					 tfc_operation *global_step, tfc_operation *const *vars,
					 int n_vars, tfc_status *st)
{
	if (!tfc__ok(st))
		return NULL;
	if (!o || !g || !loss.oper) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "minimize: NULL argument");
		return NULL;
	}
	tfc_operation **own = NULL;
	if (!vars)
		n_vars = trainable(g, &own);
	tfc_operation *const *vl = vars ? vars : own;
	tfc_output *grads = tfc__calloc((size_t)n_vars + 1, sizeof(*grads));
	tfc_operation *ret = NULL;
	if (tfc_optimizer_compute_gradients(o, g, loss, vl, n_vars, grads, NULL, n_vars, st) < 0)
		goto cleanup;
	bool any = false;
	for (int i = 0; i < n_vars; i++)
		any = any || grads[i].oper;
	if (!any) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT,
			       "No gradients provided for any variable, check your graph for ops "
			       "that do not support gradients, between the variables and loss '%s:%d'.",
			       loss.oper->name, loss.index);
		goto cleanup;
	}
	ret = tfc_optimizer_apply_gradients(o, g, grads, vl, n_vars, global_step, st);
cleanup:
	free(grads);
	free(own);
	return ret;
}

tfc_operation *tfc_optimizer_minimize(tfc_optimizer *o, tfc_graph *g, tfc_output loss,
				      tfc_status *st)
{
	if (!tfc__ok(st))
		return NULL;
	if (!g) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "minimize: NULL graph");
		return NULL;
	}
	tfc_operation **own = NULL;
	int n = trainable(g, &own);
	free(own);
	if (n == 0) {
		tfc_status_set(st, TFC_INVALID_ARGUMENT, "No variables to optimize.");
		return NULL;
	}
	tfc_operation *gs = tfc_get_or_create_global_step(g, st);
	if (!gs)
		return NULL;
	return tfc_optimizer_minimize_ex(o, g, loss, gs, NULL, 0, st);
}
