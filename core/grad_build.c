/*
 * grad_build.c: the small op builder that gradient functions, initializers and
 * optimizers use (struct tfc__gb, core/grad_internal.h): ops made through the phased
 * API with the builder's control dependencies and colocation, constants, and the
 * TensorFlow Python helpers whose names gradient graphs show (array_ops.shape as a
 * Const when the shape is known, zeros as "zeros/Const" + Fill, reduce_sum with
 * "reduction_indices", ...).
 */
#include <math.h>

#include "grad_internal.h"

bool tfc__grad_dtype(tfc_dtype t)
{
	switch (tfc_dtype_base(t)) {
	case TFC_FLOAT:
	case TFC_DOUBLE:
	case TFC_HALF:
	case TFC_BFLOAT16:
	case TFC_COMPLEX64:
	case TFC_COMPLEX128:
		return true;
	default:
		return false;
	}
}

tfc_dtype tfc__gb_dtype(tfc_output x)
{
	return x.oper ? tfc_dtype_base(tfc_operation_output_type(x.oper, x.index)) : TFC_DTYPE_INVALID;
}

tfc_shape tfc__gb_static_shape(tfc_output x)
{
	return x.oper ? tfc_operation_output_shape(x.oper, x.index) : tfc_shape_unknown();
}

bool tfc__gb_fully_defined(tfc_output x)
{
	tfc_shape s = tfc__gb_static_shape(x);
	return tfc_shape_is_fully_defined(&s);
}

tfc_tensor *tfc__gb_const_value(tfc_output x)
{
	if (!x.oper || strcmp(tfc_operation_type(x.oper), "Const") != 0)
		return NULL;
	tfc_status *st = tfc_status_new();
	tfc_tensor *t = tfc_operation_get_attr_tensor(x.oper, "value", st);
	tfc_status_free(st);
	return t;
}

void tfc__gb_colocate(tfc_op_desc *d, const tfc_operation *op)
{
	const Tensorflow__AttrValue *v = tfc__op_attr(op, "_class");
	bool any = false;
	if (v && v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_LIST && v->list) {
		for (size_t i = 0; i < v->list->n_s; i++) {
			const ProtobufCBinaryData *s = &v->list->s[i];
			if (s->len > 5 && memcmp(s->data, "loc:@", 5) == 0) {
				char *name = tfc__strndup((const char *)s->data + 5, s->len - 5);
				tfc_operation *o = tfc_graph_operation_by_name(op->graph, name);
				free(name);
				if (o) {
					tfc_op_colocate_with(d, o);
					any = true;
				}
			}
		}
	}
	if (!any)
		tfc_op_colocate_with(d, (tfc_operation *)op);
}

void tfc__gb_push_ctl_list(struct tfc__gb *b, tfc_operation *const *ops, int n)
{
	if (b->n_ctl >= TFC__GB_MAX_CTL) {
		if (tfc__gb_ok(b))
			tfc_status_set(b->st, TFC_INTERNAL, "gradient builder: control levels too deep");
		return;
	}
	struct tfc__gb_ctl *c = &b->ctl[b->n_ctl++];
	c->ops = ops;
	c->n = n;
	c->one = NULL;
	c->mark = b->g->n_ops;
}

void tfc__gb_push_ctl(struct tfc__gb *b, tfc_operation *op)
{
	tfc__gb_push_ctl_list(b, NULL, 0);
	if (b->n_ctl > 0) {
		struct tfc__gb_ctl *c = &b->ctl[b->n_ctl - 1];
		c->one = op;
		c->ops = &c->one;
		c->n = op ? 1 : 0;
	}
}

void tfc__gb_pop_ctl(struct tfc__gb *b)
{
	if (b->n_ctl > 0)
		b->n_ctl--;
}

const char *tfc__gb_push_scope(struct tfc__gb *b, const char *name)
{
	if (!tfc__gb_ok(b))
		return NULL;
	return tfc_graph_push_name_scope(b->g, name);
}

void tfc__gb_pop_scope(struct tfc__gb *b)
{
	tfc_graph_pop_name_scope(b->g);
}

/* TensorFlow's _control_dependencies_for_inputs, applied when d is finished. */
static void apply_ctl(struct tfc__gb *b, tfc_op_desc *d)
{
	for (int l = 0; l < b->n_ctl; l++) {
		const struct tfc__gb_ctl *c = &b->ctl[l];
		bool dominated = false;
		for (int i = 0; i < d->n_inputs && !dominated; i++)
			dominated = d->inputs[i].oper && d->inputs[i].oper->id >= c->mark;
		if (dominated)
			continue;
		for (int k = 0; k < c->n; k++) {
			bool is_input = false;
			for (int i = 0; i < d->n_inputs && !is_input; i++)
				is_input = d->inputs[i].oper == c->ops[k];
			if (c->ops[k] && !is_input)
				tfc_op_add_control_input(d, c->ops[k]);
		}
	}
}

static tfc_op_desc *setup(struct tfc__gb *b, tfc_op_desc *d)
{
	if (b->coloc) {
		tfc__gb_colocate(d, b->coloc);
	} else if (b->coloc_name) {
		char *loc = tfc__asprintf("loc:@%s", b->coloc_name);
		const char *l = loc;
		tfc_op_set_attr_string_list(d, "_class", &l, 1);
		free(loc);
	}
	return d;
}

tfc_op_desc *tfc__gb_new(struct tfc__gb *b, const char *type, const char *name)
{
	if (!tfc__gb_ok(b))
		return NULL;
	return setup(b, tfc_op_new(b->g, type, name));
}

tfc_op_desc *tfc__gb_new_exact(struct tfc__gb *b, const char *type, const char *name)
{
	if (!tfc__gb_ok(b))
		return NULL;
	return setup(b, tfc_op_new_exact(b->g, type, name));
}

void tfc__gb_input(struct tfc__gb *b, tfc_op_desc *d, tfc_output x)
{
	if (!d)
		return;
	if (!x.oper && tfc__gb_ok(b))
		tfc_status_set(b->st, TFC_INTERNAL, "gradient builder: missing input of a new op");
	tfc_op_add_input(d, x);
}

tfc_operation *tfc__gb_finish_op(struct tfc__gb *b, tfc_op_desc *d)
{
	if (!d)
		return NULL;
	if (!tfc__gb_ok(b)) {
		tfc__op_desc_free(d); /* consumed, nothing added */
		return NULL;
	}
	apply_ctl(b, d);
	return tfc_op_finish(d, b->st);
}

tfc_output tfc__gb_finish(struct tfc__gb *b, tfc_op_desc *d)
{
	tfc_operation *op = tfc__gb_finish_op(b, d);
	return (tfc_output){op, 0};
}

tfc_output tfc__gb_op1(struct tfc__gb *b, const char *type, const char *name, tfc_output x)
{
	tfc_op_desc *d = tfc__gb_new(b, type, name);
	tfc__gb_input(b, d, x);
	return tfc__gb_finish(b, d);
}

tfc_output tfc__gb_op2(struct tfc__gb *b, const char *type, const char *name, tfc_output x,
		       tfc_output y)
{
	tfc_op_desc *d = tfc__gb_new(b, type, name);
	tfc__gb_input(b, d, x);
	tfc__gb_input(b, d, y);
	return tfc__gb_finish(b, d);
}

tfc_output tfc__gb_op3(struct tfc__gb *b, const char *type, const char *name, tfc_output x,
		       tfc_output y, tfc_output z)
{
	tfc_op_desc *d = tfc__gb_new(b, type, name);
	tfc__gb_input(b, d, x);
	tfc__gb_input(b, d, y);
	tfc__gb_input(b, d, z);
	return tfc__gb_finish(b, d);
}

tfc_output tfc__gb_op2c(struct tfc__gb *b, const char *type, const char *name, tfc_output x,
			const char *cname, double c, tfc_dtype cdt, bool const_first)
{
	const char *scope = tfc__gb_push_scope(b, name);
	if (!scope)
		return (tfc_output){NULL, 0};
	char *full = tfc__strdup(scope);
	tfc_output k = tfc__gb_const_scalar(b, cname ? cname : (const_first ? "x" : "y"), cdt, c);
	tfc__gb_pop_scope(b);
	tfc_op_desc *d = tfc__gb_new_exact(b, type, full);
	free(full);
	tfc__gb_input(b, d, const_first ? k : x);
	tfc__gb_input(b, d, const_first ? x : k);
	return tfc__gb_finish(b, d);
}

static void store(void *p, tfc_dtype dt, int64_t i, double v)
{
	switch (dt) {
	case TFC_FLOAT: ((float *)p)[i] = (float)v; break;
	case TFC_DOUBLE: ((double *)p)[i] = v; break;
	case TFC_INT32: ((int32_t *)p)[i] = (int32_t)v; break;
	case TFC_INT64: ((int64_t *)p)[i] = (int64_t)v; break;
	case TFC_BOOL: ((bool *)p)[i] = v != 0; break;
	case TFC_UINT8: ((uint8_t *)p)[i] = (uint8_t)v; break;
	default: break;
	}
}

static tfc_output const_of(struct tfc__gb *b, const char *name, tfc_tensor *t)
{
	if (!t)
		return (tfc_output){NULL, 0};
	tfc_op_desc *d = tfc__gb_new(b, "Const", name);
	if (d) {
		tfc_op_set_attr_tensor(d, "value", t, b->st);
		tfc_op_set_attr_type(d, "dtype", tfc_tensor_dtype(t));
	}
	tfc_tensor_free(t);
	return tfc__gb_finish(b, d);
}

static bool const_dtype_ok(struct tfc__gb *b, tfc_dtype dt)
{
	switch (dt) {
	case TFC_FLOAT: case TFC_DOUBLE: case TFC_INT32: case TFC_INT64: case TFC_BOOL:
	case TFC_UINT8:
		return true;
	default:
		if (tfc__gb_ok(b))
			tfc_status_set(b->st, TFC_UNIMPLEMENTED,
				       "gradient builder: constants of dtype %s", tfc_dtype_name(dt));
		return false;
	}
}

tfc_output tfc__gb_const_fill(struct tfc__gb *b, const char *name, tfc_dtype dt,
			      const tfc_shape *s, double v)
{
	if (!tfc__gb_ok(b) || !const_dtype_ok(b, dt))
		return (tfc_output){NULL, 0};
	tfc_tensor *t = tfc_tensor_new(dt, s->dims, s->rank, b->st);
	if (!t)
		return (tfc_output){NULL, 0};
	int64_t n = tfc_tensor_num_elements(t);
	void *p = tfc_tensor_data(t);
	for (int64_t i = 0; i < n; i++)
		store(p, dt, i, v);
	return const_of(b, name, t);
}

tfc_output tfc__gb_const_scalar(struct tfc__gb *b, const char *name, tfc_dtype dt, double v)
{
	tfc_shape s = tfc_shape_scalar();
	return tfc__gb_const_fill(b, name, dt, &s, v);
}

tfc_output tfc__gb_const_ivec(struct tfc__gb *b, const char *name, tfc_dtype dt,
			      const int64_t *v, int n)
{
	if (!tfc__gb_ok(b) || !const_dtype_ok(b, dt))
		return (tfc_output){NULL, 0};
	int64_t dim = n;
	tfc_tensor *t = tfc_tensor_new(dt, &dim, 1, b->st);
	if (!t)
		return (tfc_output){NULL, 0};
	void *p = tfc_tensor_data(t);
	for (int i = 0; i < n; i++)
		store(p, dt, i, (double)v[i]);
	return const_of(b, name, t);
}

tfc_output tfc__gb_shape(struct tfc__gb *b, const char *name, tfc_output x)
{
	tfc_shape s = tfc__gb_static_shape(x);
	if (tfc_shape_is_fully_defined(&s))
		return tfc__gb_const_ivec(b, name, TFC_INT32, s.dims, s.rank);
	return tfc__gb_op1(b, "Shape", name, x);
}

tfc_output tfc__gb_size(struct tfc__gb *b, const char *name, tfc_output x)
{
	tfc_shape s = tfc__gb_static_shape(x);
	if (tfc_shape_is_fully_defined(&s))
		return tfc__gb_const_scalar(b, name, TFC_INT32, (double)tfc_shape_num_elements(&s));
	return tfc__gb_op1(b, "Size", name, x);
}

tfc_output tfc__gb_rank(struct tfc__gb *b, const char *name, tfc_output x)
{
	tfc_shape s = tfc__gb_static_shape(x);
	if (s.rank >= 0)
		return tfc__gb_const_scalar(b, name, TFC_INT32, s.rank);
	return tfc__gb_op1(b, "Rank", name, x);
}

tfc_output tfc__gb_sum(struct tfc__gb *b, const char *name, tfc_output x, tfc_output axes,
		       bool keep_dims)
{
	tfc_op_desc *d = tfc__gb_new(b, "Sum", name);
	tfc__gb_input(b, d, x);
	tfc__gb_input(b, d, axes);
	if (d)
		tfc_op_set_attr_bool(d, "keep_dims", keep_dims);
	return tfc__gb_finish(b, d);
}

tfc_output tfc__gb_sum_axes(struct tfc__gb *b, const char *name, tfc_output x,
			    const int64_t *axes, int n, bool keep_dims)
{
	const char *scope = tfc__gb_push_scope(b, name);
	if (!scope)
		return (tfc_output){NULL, 0};
	char *full = tfc__strdup(scope);
	/* a Python int axis becomes a scalar, a list a vector */
	tfc_output ax = n == 1 ? tfc__gb_const_scalar(b, "reduction_indices", TFC_INT32, (double)axes[0])
			       : tfc__gb_const_ivec(b, "reduction_indices", TFC_INT32, axes, n);
	tfc__gb_pop_scope(b);
	tfc_op_desc *d = tfc__gb_new_exact(b, "Sum", full);
	free(full);
	tfc__gb_input(b, d, x);
	tfc__gb_input(b, d, ax);
	if (d)
		tfc_op_set_attr_bool(d, "keep_dims", keep_dims);
	return tfc__gb_finish(b, d);
}

tfc_output tfc__gb_reshape_c(struct tfc__gb *b, const char *name, tfc_output x,
			     const int64_t *dims, int n)
{
	const char *scope = tfc__gb_push_scope(b, name);
	if (!scope)
		return (tfc_output){NULL, 0};
	char *full = tfc__strdup(scope);
	tfc_output s = tfc__gb_const_ivec(b, "shape", TFC_INT32, dims, n);
	tfc__gb_pop_scope(b);
	tfc_op_desc *d = tfc__gb_new_exact(b, "Reshape", full);
	free(full);
	tfc__gb_input(b, d, x);
	tfc__gb_input(b, d, s);
	return tfc__gb_finish(b, d);
}

tfc_output tfc__gb_expand_dims(struct tfc__gb *b, const char *name, tfc_output x, int64_t dim)
{
	const char *scope = tfc__gb_push_scope(b, name);
	if (!scope)
		return (tfc_output){NULL, 0};
	char *full = tfc__strdup(scope);
	tfc_output k = tfc__gb_const_scalar(b, "dim", TFC_INT32, (double)dim);
	tfc__gb_pop_scope(b);
	tfc_op_desc *d = tfc__gb_new_exact(b, "ExpandDims", full);
	free(full);
	tfc__gb_input(b, d, x);
	tfc__gb_input(b, d, k);
	return tfc__gb_finish(b, d);
}

tfc_output tfc__gb_zeros(struct tfc__gb *b, tfc_output shape, tfc_dtype dt)
{
	const char *scope = tfc__gb_push_scope(b, "zeros");
	if (!scope)
		return (tfc_output){NULL, 0};
	char *full = tfc__strdup(scope);
	tfc_output z = tfc__gb_const_scalar(b, "Const", dt, 0);
	tfc__gb_pop_scope(b);
	tfc_op_desc *d = tfc__gb_new_exact(b, "Fill", full);
	free(full);
	tfc__gb_input(b, d, shape);
	tfc__gb_input(b, d, z);
	return tfc__gb_finish(b, d);
}

tfc_output tfc__gb_zeros_like(struct tfc__gb *b, tfc_output x)
{
	return tfc__gb_op1(b, "ZerosLike", "zeros_like", x);
}

tfc_output tfc__gb_matmul(struct tfc__gb *b, const char *name, tfc_output a, tfc_output x,
			  bool ta, bool tb)
{
	tfc_op_desc *d = tfc__gb_new(b, "MatMul", name);
	tfc__gb_input(b, d, a);
	tfc__gb_input(b, d, x);
	if (d) {
		tfc_op_set_attr_bool(d, "transpose_a", ta);
		tfc_op_set_attr_bool(d, "transpose_b", tb);
	}
	return tfc__gb_finish(b, d);
}

tfc_output tfc__gb_cast(struct tfc__gb *b, const char *name, tfc_output x, tfc_dtype dt)
{
	if (!tfc__gb_ok(b))
		return (tfc_output){NULL, 0};
	if (tfc__gb_dtype(x) == dt)
		return x;
	tfc_op_desc *d = tfc__gb_new(b, "Cast", name);
	tfc__gb_input(b, d, x);
	if (d)
		tfc_op_set_attr_type(d, "DstT", dt);
	return tfc__gb_finish(b, d);
}
