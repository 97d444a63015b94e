/*
 * bench_trace_step.c: what FULL_TRACE costs on a training step (issue 4: goal <= 5 %),
 * the 784-512-512-10 MLP at batch 128 trained by plain gradient descent, its backward
 * pass written out by hand (MatMul with transposes, BiasAddGrad, ReluGrad,
 * SparseSoftmaxCrossEntropyWithLogits' backprop, ApplyGradientDescent), so it needs
 * only kernels, not the gradients builder.
 *
 *     bench_trace_step [REPS [STEPS]]   (default 7 batches of 20 steps)
 *
 * Prints the median step time with NO_TRACE and with FULL_TRACE (RunMetadata built
 * and freed each step), the overhead, and the loss before and after, which must fall
 * (a check that the step trains, not a timing assertion). Asserts nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "config.pb-c.h"
#include "tfc.h"
#include "tfc_ops.h"
#include "bench_util.h"

enum { BATCH = 128, IN = 784, H = 512, OUT = 10 };

static unsigned long long rng = 88172645463325252ull;

static float frand(void) /* uniform in [-1, 1), xorshift */
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (float)((double)(rng >> 11) / 9007199254740992.0 * 2 - 1);
}

static tfc_operation *const_f(tfc_graph *g, const char *name, const int64_t *dims, int rank,
			      float scale, tfc_status *st)
{
	tfc_tensor *t = tfc_tensor_new(TFC_FLOAT, dims, rank, st);
	float *p = tfc_tensor_data(t);
	for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++)
		p[i] = frand() * scale;
	tfc_operation *op = tfc_const(g, name, t, TFC_FLOAT, st);
	tfc_tensor_free(t);
	return op;
}

static tfc_output out0(tfc_operation *op)
{
	return (tfc_output){op, 0};
}

static tfc_operation *matmul(tfc_graph *g, const char *name, tfc_output a, tfc_output b, bool ta,
			     bool tb, tfc_status *st)
{
	tfc_op_desc *d = tfc_op_new(g, "MatMul", name);
	tfc_op_add_input(d, a);
	tfc_op_add_input(d, b);
	tfc_op_set_attr_bool(d, "transpose_a", ta);
	tfc_op_set_attr_bool(d, "transpose_b", tb);
	return tfc_op_finish(d, st);
}

struct layer {
	tfc_operation *w, *b, *w_init, *b_init;
};

static struct layer layer(tfc_graph *g, const char *scope, int in, int out, tfc_status *st)
{
	struct layer l;
	char n[64];
	int64_t wd[] = {in, out}, bd[] = {out};
	tfc_shape ws = tfc_shape_make(2, wd), bs = tfc_shape_make(1, bd);
	snprintf(n, sizeof(n), "%s/w", scope);
	l.w = tfc_variable_v2(g, n, &ws, TFC_FLOAT, st);
	snprintf(n, sizeof(n), "%s/b", scope);
	l.b = tfc_variable_v2(g, n, &bs, TFC_FLOAT, st);
	snprintf(n, sizeof(n), "%s/w_init", scope);
	tfc_operation *wv = const_f(g, n, wd, 2, 0.05f, st);
	snprintf(n, sizeof(n), "%s/b_init", scope);
	tfc_operation *bv = const_f(g, n, bd, 1, 0.0f, st);
	l.w_init = tfc_assign(g, NULL, out0(l.w), out0(wv), st);
	l.b_init = tfc_assign(g, NULL, out0(l.b), out0(bv), st);
	return l;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 7;
	int steps = argc > 2 ? atoi(argv[2]) : 20;
	tfc_status *st = tfc_status_new();
	tfc_graph *g = tfc_graph_new();

	int64_t xd[] = {BATCH, IN}, yd[] = {BATCH};
	tfc_operation *x = const_f(g, "x", xd, 2, 1.0f, st);
	tfc_tensor *yt = tfc_tensor_new(TFC_INT32, yd, 1, st);
	int32_t *yp = tfc_tensor_data(yt);
	for (int i = 0; i < BATCH; i++)
		yp[i] = (int32_t)((frand() + 1) * 5) % OUT;
	tfc_operation *y = tfc_const(g, "labels", yt, TFC_INT32, st);
	tfc_tensor_free(yt);
	struct layer l1 = layer(g, "layer1", IN, H, st), l2 = layer(g, "layer2", H, H, st),
		     l3 = layer(g, "layer3", H, OUT, st);
	check(st, "variables");

	/* Forward. */
	tfc_operation *h1 = tfc_relu(g, "h1", out0(tfc_bias_add(g, NULL, out0(matmul(g, NULL, out0(x), out0(l1.w), false, false, st)), out0(l1.b), st)), st);
	tfc_operation *h2 = tfc_relu(g, "h2", out0(tfc_bias_add(g, NULL, out0(matmul(g, NULL, out0(h1), out0(l2.w), false, false, st)), out0(l2.b), st)), st);
	tfc_operation *logits = tfc_bias_add(g, "logits", out0(matmul(g, NULL, out0(h2), out0(l3.w), false, false, st)), out0(l3.b), st);
	tfc_operation *xent = tfc_sparse_softmax_cross_entropy_with_logits(g, "xent", out0(logits), out0(y), st);
	int64_t axis_d[] = {1};
	tfc_tensor *axis = tfc_tensor_new(TFC_INT32, axis_d, 1, st);
	((int32_t *)tfc_tensor_data(axis))[0] = 0;
	tfc_operation *ax = tfc_const(g, "axis", axis, TFC_INT32, st);
	tfc_tensor_free(axis);
	tfc_operation *loss = tfc_mean(g, "loss", out0(xent), out0(ax), st);
	check(st, "forward pass");

	/* Backward, by hand: the mean's 1/BATCH times softmax - onehot. */
	tfc_tensor *inv = tfc_tensor_new_scalar_float(1.0f / BATCH);
	tfc_operation *scale = tfc_const(g, "inv_batch", inv, TFC_FLOAT, st);
	tfc_tensor_free(inv);
	tfc_operation *dlogits = tfc_mul(g, "grad/logits", (tfc_output){xent, 1}, out0(scale), st);
	tfc_operation *dw3 = matmul(g, "grad/w3", out0(h2), out0(dlogits), true, false, st);
	tfc_operation *db3 = tfc_bias_add_grad(g, "grad/b3", out0(dlogits), st);
	tfc_operation *dh2 = matmul(g, "grad/h2", out0(dlogits), out0(l3.w), false, true, st);
	tfc_operation *dz2 = tfc_relu_grad(g, "grad/z2", out0(dh2), out0(h2), st);
	tfc_operation *dw2 = matmul(g, "grad/w2", out0(h1), out0(dz2), true, false, st);
	tfc_operation *db2 = tfc_bias_add_grad(g, "grad/b2", out0(dz2), st);
	tfc_operation *dh1 = matmul(g, "grad/h1", out0(dz2), out0(l2.w), false, true, st);
	tfc_operation *dz1 = tfc_relu_grad(g, "grad/z1", out0(dh1), out0(h1), st);
	tfc_operation *dw1 = matmul(g, "grad/w1", out0(x), out0(dz1), true, false, st);
	tfc_operation *db1 = tfc_bias_add_grad(g, "grad/b1", out0(dz1), st);
	tfc_tensor *lr_t = tfc_tensor_new_scalar_float(0.1f);
	tfc_operation *lr = tfc_const(g, "lr", lr_t, TFC_FLOAT, st);
	tfc_tensor_free(lr_t);
	tfc_operation *vars[] = {l1.w, l1.b, l2.w, l2.b, l3.w, l3.b};
	tfc_operation *grads[] = {dw1, db1, dw2, db2, dw3, db3};
	tfc_op_desc *td = tfc_op_new(g, "NoOp", "train");
	for (int i = 0; i < 6; i++)
		tfc_op_add_control_input(td, tfc_apply_gradient_descent(g, NULL, out0(vars[i]), out0(lr),
									  out0(grads[i]), st));
	tfc_operation *train = tfc_op_finish(td, st);
	tfc_op_desc *id = tfc_op_new(g, "NoOp", "init");
	struct layer ls[] = {l1, l2, l3};
	for (int i = 0; i < 3; i++) {
		tfc_op_add_control_input(id, ls[i].w_init);
		tfc_op_add_control_input(id, ls[i].b_init);
	}
	tfc_operation *init = tfc_op_finish(id, st);
	check(st, "backward pass");

	tfc_session_options *o = tfc_session_options_new();
	tfc_session_options_set_config_value(o, "inter_op_parallelism_threads", "1", st);
	tfc_session_options_set_config_value(o, "intra_op_parallelism_threads", "1", st);
	tfc_session *s = tfc_session_new(g, o, st);
	check(st, "session");
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, NULL, NULL, 0, &init, 1, NULL, st);
	check(st, "init");

	Tensorflow__RunOptions ro;
	tensorflow__run_options__init(&ro);
	ro.trace_level = TENSORFLOW__RUN_OPTIONS__TRACE_LEVEL__FULL_TRACE;
	uint8_t rb[32];
	size_t rl = protobuf_c_message_get_packed_size(&ro.base);
	protobuf_c_message_pack(&ro.base, rb);

	tfc_output lo = out0(loss);
	tfc_tensor *lv = NULL;
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, &lo, &lv, 1, NULL, 0, NULL, st);
	check(st, "loss");
	float loss0 = *(float *)tfc_tensor_data(lv);
	tfc_tensor_free(lv);

	double *plain = calloc((size_t)reps, sizeof(double)), *traced = calloc((size_t)reps, sizeof(double));
	size_t md_bytes = 0;
	for (int r = 0; r < reps; r++) {
		/* Interleaved, so that a busy machine slows both alike. */
		for (int mode = 0; mode < 2; mode++) {
			double t0 = now();
			for (int i = 0; i < steps; i++) {
				tfc_buffer_t *md = NULL;
				tfc_session_run(s, mode ? rb : NULL, mode ? rl : 0, NULL, NULL, 0, NULL, NULL,
						0, &train, 1, mode ? &md : NULL, st);
				if (md)
					md_bytes = md->length;
				tfc_buffer_free(md);
			}
			(mode ? traced : plain)[r] = (now() - t0) / steps;
			check(st, "train step");
		}
	}
	tfc_session_run(s, NULL, 0, NULL, NULL, 0, &lo, &lv, 1, NULL, 0, NULL, st);
	check(st, "loss");
	float loss1 = *(float *)tfc_tensor_data(lv);
	tfc_tensor_free(lv);
	qsort(plain, (size_t)reps, sizeof(double), cmp_d);
	qsort(traced, (size_t)reps, sizeof(double), cmp_d);
	double p = plain[reps / 2], t = traced[reps / 2];
	printf("MLP %d-%d-%d-%d training step, batch %d, 1 inter-op and 1 intra-op thread, median "
	       "of %d batches of %d steps:\n",
	       IN, H, H, OUT, BATCH, reps, steps);
	printf("  NO_TRACE   %8.3f ms per step\n", p * 1e3);
	printf("  FULL_TRACE %8.3f ms per step (RunMetadata %zu bytes): overhead %+.1f %%\n", t * 1e3,
	       md_bytes, (t / p - 1) * 100);
	printf("  loss %.4f before, %.4f after %d steps%s\n", loss0, loss1, 2 * reps * steps,
	       loss1 < loss0 ? "" : "  (did not fall: the step is wrong)");
	free(plain);
	free(traced);
	tfc_session_free(s);
	tfc_session_options_free(o);
	tfc_graph_free(g);
	tfc_status_free(st);
	return loss1 < loss0 ? 0 : 1;
}
