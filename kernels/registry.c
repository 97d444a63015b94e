/*
 * registry.c: tfc_kernel_lookup over the kernel tables of kernels/ (one per op
 * family, see kernels/kernels.h). The tables are data; on first lookup they are
 * indexed once into a map from "op@device" to the kernel record.
 */
#include <pthread.h>

#include "kernels.h"

static const struct tfc_kernel_def *const families[] = {
	tfc__const_kernels,  tfc__math_kernels,   tfc__matmul_kernels, tfc__nn_kernels,
	tfc__array_kernels,  tfc__random_kernels, tfc__string_kernels, tfc__state_kernels,
	tfc__io_kernels,     tfc__cwise_unary_kernels, tfc__cwise_misc_kernels,
	tfc__reduction_kernels, tfc__array_shape_kernels, tfc__array_slice_kernels,
	tfc__array_gather_kernels, tfc__conv_kernels, tfc__pooling_kernels,
	tfc__training_kernels, tfc__batchnorm_kernels, tfc__lrn_kernels,
	tfc__misc_kernels, tfc__scatter_kernels, tfc__control_flow_kernels, tfc__sendrecv_kernels,
	tfc__tensor_array_kernels, tfc__summary_kernels, tfc__functional_kernels,
	tfc__gpu_cwise_kernels, tfc__gpu_matmul_kernels, tfc__gpu_conv_kernels, tfc__gpu_nn_kernels,
	tfc__gpu_pool_kernels, tfc__gpu_batchnorm_kernels,
	tfc__gpu_array_kernels,
	tfc__gpu_gather_kernels,
	tfc__gpu_training_kernels, tfc__gpu_state_kernels, tfc__gpu_sendrecv_kernels, NULL,
};

static pthread_once_t index_once = PTHREAD_ONCE_INIT;
/* "op@device" -> const struct tfc_kernel_def *; written once under index_once, then
 * only read (no lock needed after pthread_once returns). */
static struct tfc__strmap index_map;

/* Writes "op@device" into buf; false if it does not fit. */
static bool make_key(char *buf, size_t n, const char *op, const char *device)
{
	int k = snprintf(buf, n, "%s@%s", op, device);
	return k >= 0 && (size_t)k < n;
}

static void build_index(void)
{
	tfc__strmap_init(&index_map, false);
	for (size_t f = 0; families[f]; f++) {
		for (const struct tfc_kernel_def *d = families[f]; d->op; d++) {
			char key[256];
			TFC_ASSERT(d->device && d->compute);
			TFC_ASSERT(make_key(key, sizeof(key), d->op, d->device));
			void **slot = tfc__strmap_put(&index_map, key);
			TFC_ASSERT(*slot == NULL); /* one kernel per (op, device) */
			*slot = (void *)d;
		}
	}
}

const struct tfc_kernel_def *tfc_kernel_lookup(const char *op, const char *device)
{
	if (!op || !device)
		return NULL;
	pthread_once(&index_once, build_index);
	char key[256];
	if (!make_key(key, sizeof(key), op, device))
		return NULL;
	void **slot = tfc__strmap_find(&index_map, key);
	return slot ? *slot : NULL;
}
