/*
 * gpu_internal.h: what the files of cuda/ share: a GPU's state (streams, events,
 * cuBLAS and cuDNN handles, caching allocator, pinned staging buffers), the helpers GPU kernels
 * move their tensors with, the CUDA launchers of the .cu files, and the checked-call
 * macro. Internal to cuda/.
 */
#ifndef TFC_GPU_INTERNAL_H
#define TFC_GPU_INTERNAL_H

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <pthread.h>

#include "array_launch.h"
#include "gpu.h"
#include "kernels.h"

/* Records a failed CUDA runtime call in st, naming the call; evaluates to true when
 * the call succeeded. */
#define TFC_CUDA_CHECK(call, st) tfc__cuda_check((call), #call, __FILE__, __LINE__, (st))
bool tfc__cuda_check(cudaError_t e, const char *call, const char *file, int line, tfc_status *st);
#define TFC_CUBLAS_CHECK(call, st) tfc__cublas_check((call), #call, (st))
bool tfc__cublas_check(cublasStatus_t e, const char *call, tfc_status *st);

/* ---- the caching device allocator (cuda/gpu_alloc.c) */

/* Device memory in regions obtained from cudaMalloc, handed out in blocks (rounded
 * to 256 bytes, first fit, split, coalesced when freed) and never returned to the
 * driver until the allocator is freed. Without allow_growth the whole limit is one
 * region made up front (TensorFlow's default: the process takes the memory at
 * start); with it, regions of at least 2 MiB are added as needed up to the limit.
 * The limit is per_process_gpu_memory_fraction of the device's memory (all of what
 * is free, less a reserve, when the fraction is 0). */
struct tfc__gpu_alloc;
struct tfc__gpu_alloc *tfc__gpu_alloc_new(size_t limit, bool allow_growth, tfc_status *st);
void tfc__gpu_alloc_free(struct tfc__gpu_alloc *a);
/* NULL with st set (ResourceExhausted, with TensorFlow's "OOM when allocating")
 * when no block fits under the limit. */
void *tfc__gpu_alloc_get(struct tfc__gpu_alloc *a, size_t bytes, tfc_status *st);
void tfc__gpu_alloc_put(struct tfc__gpu_alloc *a, void *p);
/* Bytes handed out now, and the most ever. */
size_t tfc__gpu_alloc_in_use(struct tfc__gpu_alloc *a);
size_t tfc__gpu_alloc_peak(struct tfc__gpu_alloc *a);

/* ---- a GPU */

#define TFC_GPU_MAX_LIVE 64 /* device blocks one kernel may hold at once */

struct tfc__gpu {
	int ordinal;                 /* CUDA device number */
	struct tfc_device *dev;      /* the device this GPU is (tensors in its memory name it) */
	cudaStream_t compute;        /* kernels */
	cudaStream_t h2d, d2h;       /* copies in and out */
	cublasHandle_t blas;         /* bound to `compute` */
	/* cuDNN's handle (cudnnHandle_t), bound to `compute`: made by the first
	 * convolution (cuda/conv_gpu.c), so sessions without one do not pay for loading
	 * cuDNN; NULL until then, and always in a build without cuDNN. Only the stream
	 * thread running a kernel touches it (kernels of a GPU run one at a time). */
	struct cudnnContext *dnn;
	struct tfc__gpu_alloc *alloc;
	/* Pinned host staging: chunks taken by one kernel's copies, all reusable once
	 * the kernel has finished. Only the stream thread touches them (no lock). */
	struct pinned_chunk *pinned;
	/* Device blocks of the kernel running now, returned when it ends. */
	void *live[TFC_GPU_MAX_LIVE];
	int n_live;
};

/* Frees g->dnn if a convolution made it (cuda/conv_gpu.c; a no-op in a build without
 * cuDNN, cuda/dnn_none.c). Called when the device is freed. */
void tfc__gpu_dnn_release(struct tfc__gpu *g);

/* The GPU whose stream thread calls this (set while a GPU kernel runs), else NULL. */
struct tfc__gpu *tfc__gpu_current(void);

/* For GPU kernels, inside their compute function. Each returns NULL / false with
 * ctx->st set on failure. */
/* t's data in this GPU's memory: t's own when it already lives there (an output of
 * an earlier GPU kernel), else a copy staged through pinned memory, copied on the
 * h2d stream; the compute stream waits for it. */
void *tfc__gpu_upload(struct tfc_kernel_ctx *ctx, const tfc_tensor *t);
/* Output i of dtype and dims in this GPU's memory (contents undefined), stored in
 * ctx->outputs[i] and returned (borrowed); tfc_tensor_data gives its device address.
 * It stays on the GPU for the GPU kernels that read it; the executor copies it to the
 * host for anything else (core/device_memory.c). */
tfc_tensor *tfc__gpu_alloc_output(struct tfc_kernel_ctx *ctx, int i, tfc_dtype dtype, const int64_t *dims,
				  int rank);
/* Fills t (in this GPU's memory) with zeros on the compute stream. */
bool tfc__gpu_zero(struct tfc_kernel_ctx *ctx, tfc_tensor *t);
/* `bytes` of device memory for this kernel (released when the kernel ends). */
void *tfc__gpu_scratch(struct tfc_kernel_ctx *ctx, size_t bytes);
/* Copies dev (t's size) back into host tensor t once the compute stream has got
 * there, and waits for it. */
bool tfc__gpu_download(struct tfc_kernel_ctx *ctx, const void *dev, tfc_tensor *t);
/* A launcher's result: true for cudaSuccess, else false with ctx->st set (Internal,
 * naming the op). */
bool tfc__gpu_launch_ok(struct tfc_kernel_ctx *ctx, cudaError_t e);
/* The launchers' element type of t: 0 float, 1 double, -1 for the rest. */
static inline int tfc__gpu_ftype(tfc_dtype t) { return t == TFC_FLOAT ? 0 : t == TFC_DOUBLE ? 1 : -1; }
/* The compute stream of the GPU whose kernel is running. */
static inline cudaStream_t tfc__gpu_stream(void) { return tfc__gpu_current()->compute; }
/* The array launchers' element type of t (enum tfc__gpu_elem, cuda/array_launch.h),
 * or -1. */
static inline int tfc__gpu_elem(tfc_dtype t)
{
	switch (tfc_dtype_base(t)) {
	case TFC_FLOAT: return TFC_GE_FLOAT;
	case TFC_DOUBLE: return TFC_GE_DOUBLE;
	case TFC_INT32: return TFC_GE_INT32;
	case TFC_INT64: return TFC_GE_INT64;
	case TFC_BOOL: return TFC_GE_BOOL;
	default: return -1;
	}
}
/* Checks the last launch on the compute stream. */
bool tfc__gpu_launched(struct tfc_kernel_ctx *ctx, const char *what);

/* ---- CUDA launchers (the .cu files); each queues work on stream s and returns the
 * launch's error. Element types: 0 float, 1 double. */

enum tfc__gpu_unary {
	TFC_GU_NEG, TFC_GU_ABS, TFC_GU_SQUARE, TFC_GU_SQRT, TFC_GU_RSQRT, TFC_GU_EXP, TFC_GU_LOG,
	TFC_GU_TANH, TFC_GU_SIGMOID, TFC_GU_RELU, TFC_GU_RELU6, TFC_GU_ELU, TFC_GU_SELU,
	TFC_GU_SOFTPLUS, TFC_GU_LEAKY_RELU, TFC_GU_RECIPROCAL,
	TFC_GU_LOG1P, TFC_GU_EXPM1, TFC_GU_FLOOR, TFC_GU_CEIL, TFC_GU_ROUND /* half to even */, TFC_GU_SIGN,
	TFC_GU_SIN, TFC_GU_COS,
	TFC_GU_LOGICAL_NOT, /* element type 2 (bool) only */
	TFC_GU_COUNT
};
enum tfc__gpu_binary {
	TFC_GB_ADD, TFC_GB_SUB, TFC_GB_MUL, TFC_GB_DIV, TFC_GB_MAX, TFC_GB_MIN,
	TFC_GB_SQUARED_DIFF, TFC_GB_RELU_GRAD,
	/* gradients f(a, b) of same-shaped inputs, in TensorFlow's input order */
	TFC_GB_RELU6_GRAD, TFC_GB_ELU_GRAD, TFC_GB_SELU_GRAD, TFC_GB_SOFTPLUS_GRAD,
	TFC_GB_SIGMOID_GRAD, TFC_GB_TANH_GRAD, TFC_GB_SQRT_GRAD, TFC_GB_RSQRT_GRAD,
	TFC_GB_RECIPROCAL_GRAD,
	/* FloorMod: fmod(a, b), plus b when nonzero and of the other sign than b */
	TFC_GB_POW, TFC_GB_FLOOR_DIV, TFC_GB_FLOOR_MOD,
	TFC_GB_LOGICAL_AND, TFC_GB_LOGICAL_OR, /* element type 2 (bool) only */
	TFC_GB_COUNT
};
enum tfc__gpu_reduce { TFC_GR_SUM, TFC_GR_MEAN, TFC_GR_MAX, TFC_GR_MIN, TFC_GR_PROD, TFC_GR_COUNT };

#define TFC_GPU_MAX_RANK 8

/* out[i] = f(in[i]) for n elements; alpha for LeakyRelu. Element type 2 (bool, one
 * byte 0 or 1) takes the logical ops only, and they take only it. */
cudaError_t tfc__gpu_launch_unary(cudaStream_t s, int op, int dtype, const void *in, void *out, int64_t n,
				  float alpha);
/* Broadcasting binary: out over `rank` merged dims, a and b element strides per dim. */
cudaError_t tfc__gpu_launch_binary(cudaStream_t s, int op, int dtype, const void *a, const void *b, void *out,
				   int rank, const int64_t *dims, const int64_t *sa, const int64_t *sb,
				   int64_t n);
/* Reduction of a tensor of `rank` dims over the dims where reduced[d]: one output per
 * combination of kept dims, in order. */
cudaError_t tfc__gpu_launch_reduce(cudaStream_t s, int op, int dtype, const void *in, void *out, int rank,
				   const int64_t *dims, const bool *reduced);
/* Softmax (log_softmax: its log) over the last dim of rows x cols. */
cudaError_t tfc__gpu_launch_softmax(cudaStream_t s, int dtype, const void *in, void *out, int64_t rows,
				    int64_t cols, bool log_softmax);
/* out = x + bias along the channel dim: x has n elements; channel of element i is
 * (i / inner) % channels. */
cudaError_t tfc__gpu_launch_bias_add(cudaStream_t s, int dtype, const void *x, const void *bias, void *out,
				     int64_t n, int64_t channels, int64_t inner);

/* 4-D copy with a window (cuda/conv_kernels.cu): for every logical index (i0, i1,
 * i2, i3) < dims, out[sum ik * out_str[k]] = in[i0, i1, i2 + off2, i3 + off3] (through
 * in_str) when 0 <= i2 + off2 < in_h and 0 <= i3 + off3 < in_w, else 0. Layout
 * changes (NHWC <-> NCHW, HWIO <-> OIHW), zero padding (negative offsets) and
 * cropping (positive ones) in one pass. */
cudaError_t tfc__gpu_launch_copy4(cudaStream_t s, int dtype, const void *in, void *out, const int64_t dims[4],
				  const int64_t in_str[4], const int64_t out_str[4], int64_t in_h, int64_t in_w,
				  int64_t off2, int64_t off3);
/* Softmax cross entropy per row of logits [rows, cols] (cuda/nn_kernels.cu): loss[r]
 * and backprop [rows, cols] (softmax - labels). Labels are dense [rows, cols] of the
 * logits' dtype (label_bytes 0) or one class index per row, int32 (label_bytes 4) or
 * int64 (8), already checked to be in range. */
cudaError_t tfc__gpu_launch_xent(cudaStream_t s, int dtype, const void *logits, const void *labels,
				 int label_bytes, void *loss, void *backprop, int64_t rows, int64_t cols);

/* Pooling and batch normalization (cuda/pool_kernels.cu, cuda/batchnorm_kernels.cu). */
#include "pool_launch.h"
/* Optimizer updates (cuda/train_kernels.cu), in place over n elements, element i
 * reading grad[i] and the slots' element i and writing the slots in order (so when
 * two slots are one buffer the later's value stays, as on the CPU). Float updates
 * use the scalars rounded to float, as the CPU kernels' float paths do. Host twins
 * for the fake CUDA runtime: tests/fakecuda/launch_train.c.
 * Momentum: accum = accum * momentum + grad; var -= use_nesterov ?
 * grad * lr + accum * momentum * lr : accum * lr. */
cudaError_t tfc__gpu_launch_apply_momentum(cudaStream_t s, int dtype, void *var, void *accum, const void *grad,
					   int64_t n, double lr, double momentum, bool nesterov);
/* Adam with alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power) computed by the
 * caller: m += (grad - m) * (1 - beta1); v += (grad^2 - v) * (1 - beta2);
 * var -= (use_nesterov ? m * beta1 + (1 - beta1) * grad : m) * alpha / (sqrt(v) + epsilon). */
cudaError_t tfc__gpu_launch_apply_adam(cudaStream_t s, int dtype, void *var, void *m, void *v, const void *grad,
				       int64_t n, double alpha, double beta1, double beta2, double epsilon,
				       bool nesterov);
/* Adagrad, in double whatever the element type (the CPU kernel's element-wise path):
 * if update_slots, accum += grad^2; var -= lr * grad / sqrt(accum). */
cudaError_t tfc__gpu_launch_apply_adagrad(cudaStream_t s, int dtype, void *var, void *accum, const void *grad,
					  int64_t n, double lr, bool update_slots);
/* RMSProp (float in float, as the CPU's float path): ms += (grad^2 - ms) * (1 - rho);
 * mom = mom * momentum + lr * grad / sqrt(ms + epsilon); var -= mom. */
cudaError_t tfc__gpu_launch_apply_rmsprop(cudaStream_t s, int dtype, void *var, void *ms, void *mom,
					  const void *grad, int64_t n, double lr, double rho, double momentum,
					  double epsilon);
/* Adadelta, in double (the CPU's element-wise path): accum = accum * rho + grad^2 *
 * (1 - rho); update = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * grad;
 * accum_update = accum_update * rho + update^2 * (1 - rho); var -= update * lr. */
cudaError_t tfc__gpu_launch_apply_adadelta(cudaStream_t s, int dtype, void *var, void *accum, void *accum_update,
					   const void *grad, int64_t n, double lr, double rho, double epsilon);

/* ---- variables on the GPU (cuda/state_gpu.c) */

/* With ref->mu held and ref->value set: a value of ref in this GPU's memory that the
 * running kernel may write in place: the value itself when it lives here and no one
 * but the variable and the kernel's own inputs holds it, else a copy (from the host,
 * or from this GPU on the compute stream) swapped into the ref, so that a reader who
 * took the old value keeps it. NULL with ctx->st set. */
tfc_tensor *tfc__gpu_ref_writable(struct tfc_kernel_ctx *ctx, struct tfc_ref *ref);

/* ---- CUPTI (cuda/cupti_tracer.c) */

/* Around everything launched for one op: while a tracer is active, CUPTI ties that
 * activity to external id `id` (the op's graph id + 1); no-ops otherwise. */
void tfc__cupti_push_op(uint64_t id);
void tfc__cupti_pop_op(void);

#endif /* TFC_GPU_INTERNAL_H */
