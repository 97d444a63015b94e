/*
 * test_cupti_records.c: cuda/cupti_records.c on a buffer of CUPTI activity records
 * built by hand, laid out as CUPTI hands a completed buffer over (CUDA 13's structs,
 * back to back): concurrent kernels, memcpy of two kinds, a memset, runtime API calls,
 * external correlations (tfc's and another kind), and a record of a kind tfc skips.
 * Needs the CUPTI headers and library, not a GPU.
 */
#include <cupti.h>
#include <stdalign.h>

#include "config.pb-c.h"
#include "cupti_records.h"
#include "test_util.h"

static alignas(8) uint8_t buf[4096];
static size_t used;

static void *put(size_t size)
{
	void *p = buf + used;
	used += (size + 7) / 8 * 8;
	return p;
}

static void kernel(uint32_t corr, uint32_t stream, uint64_t start, uint64_t end, const char *name)
{
	CUpti_ActivityKernel10 *k = put(sizeof(*k));
	k->kind = CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL;
	k->start = start;
	k->end = end;
	k->deviceId = 0;
	k->streamId = stream;
	k->correlationId = corr;
	k->gridX = 8, k->gridY = 4, k->gridZ = 1;
	k->blockX = 128, k->blockY = 2, k->blockZ = 1;
	k->registersPerThread = 40;
	k->staticSharedMemory = 2048;
	k->dynamicSharedMemory = 96;
	k->name = name;
}

static void api(uint32_t corr, CUpti_CallbackId cbid, uint64_t start, uint64_t end)
{
	CUpti_ActivityAPI *a = put(sizeof(*a));
	a->kind = CUPTI_ACTIVITY_KIND_RUNTIME;
	a->cbid = cbid;
	a->start = start;
	a->end = end;
	a->threadId = 777;
	a->correlationId = corr;
}

static void correlation(uint32_t corr, uint64_t ext, CUpti_ExternalCorrelationKind kind)
{
	CUpti_ActivityExternalCorrelation *x = put(sizeof(*x));
	x->kind = CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION;
	x->externalKind = kind;
	x->externalId = ext;
	x->correlationId = corr;
}

static bool op_of(void *ctx, uint64_t ext, const char **name, const char **type)
{
	(void)ctx;
	if (ext != 5)
		return false;
	*name = "layer1/MatMul";
	*type = "MatMul";
	return true;
}

int main(void)
{
	plan_lazy();
	memset(buf, 0, sizeof(buf));
	correlation(1, 5, CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0);
	correlation(2, 9, CUPTI_EXTERNAL_CORRELATION_KIND_OPENACC); /* not tfc's: ignored */
	api(1, CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000, 100, 150);
	kernel(1, 13, 1000, 3000, "sgemm_kernel");
	kernel(2, 14, 2000, 2500, "other_kernel");
	CUpti_ActivityMemcpy6 *m = put(sizeof(*m));
	m->kind = CUPTI_ACTIVITY_KIND_MEMCPY;
	m->copyKind = CUPTI_ACTIVITY_MEMCPY_KIND_HTOD;
	m->flags = CUPTI_ACTIVITY_FLAG_MEMCPY_ASYNC;
	m->bytes = 65536;
	m->start = 500;
	m->end = 900;
	m->streamId = 15;
	m->correlationId = 1;
	CUpti_ActivityMemcpy6 *m2 = put(sizeof(*m2));
	m2->kind = CUPTI_ACTIVITY_KIND_MEMCPY;
	m2->copyKind = CUPTI_ACTIVITY_MEMCPY_KIND_DTOD;
	m2->bytes = 8;
	m2->start = 3100;
	m2->end = 3200;
	m2->streamId = 13;
	m2->correlationId = 3;
	CUpti_ActivityMemset4 *ms = put(sizeof(*ms));
	ms->kind = CUPTI_ACTIVITY_KIND_MEMSET;
	ms->bytes = 4096;
	ms->start = 950;
	ms->end = 990;
	ms->streamId = 13;
	ms->correlationId = 4;
	CUpti_ActivityName *nm = put(sizeof(*nm)); /* a kind tfc does not keep */
	nm->kind = CUPTI_ACTIVITY_KIND_NAME;

	struct tfc__gpu_activity *a = tfc__gpu_activity_new();
	size_t n = tfc__cupti_parse(a, buf, used);
	is_int(n, 9, "every record is read");
	is_int(a->n_kernels, 2, "two kernels");
	is_int(a->n_copies, 3, "two copies and a memset");
	is_int(a->n_api, 1, "one API call");
	is_int(a->n_corr, 1, "tfc's external correlation only");
	const struct tfc__gpu_kernel *k = &a->kernels[0];
	is_string(k->name, "sgemm_kernel", "kernel name (copied)");
	ok(k->name != a->kernels[1].name && k->start == 1000 && k->end == 3000 && k->stream == 13 &&
	   k->correlation == 1, "times, stream, correlation");
	ok(k->grid[0] == 8 && k->grid[1] == 4 && k->grid[2] == 1 && k->block[0] == 128 && k->block[1] == 2 &&
	   k->block[2] == 1, "grid and block");
	ok(k->registers == 40 && k->static_shm == 2048 && k->dynamic_shm == 96, "registers and shared memory");
	ok(a->copies[0].kind == TFC_GPU_COPY_HTOD && a->copies[0].bytes == 65536 && a->copies[0].async &&
	   a->copies[0].stream == 15, "HtoD: bytes, async, stream");
	ok(a->copies[1].kind == TFC_GPU_COPY_DTOD && !a->copies[1].async, "DtoD");
	ok(a->copies[2].kind == TFC_GPU_COPY_MEMSET && a->copies[2].bytes == 4096, "memset");
	is_string(a->api[0].name, "cudaLaunchKernel", "API name from its callback id, version suffix dropped");
	ok(a->api[0].thread_id == 777 && a->api[0].cbid == CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000,
	   "thread and callback id");
	is_int(tfc__cupti_parse(a, buf, 0), 0, "an empty buffer: nothing");

	tfc__gpu_activity_calibrate(a, 0, 0);
	struct tfc__arena ar = {0};
	Tensorflow__StepStats ss;
	tensorflow__step_stats__init(&ss);
	tfc__gpu_activity_step_stats(a, &ar, op_of, NULL, 0, &ss);
	const Tensorflow__NodeExecStats *first = ss.n_dev_stats ? ss.dev_stats[0]->node_stats[0] : NULL;
	is_string(first ? first->timeline_label : "",
		  "sgemm_kernel regs:40 shm:2048 grid:8,4,1 block:128,2,1@@layer1/MatMul:MatMul#correlation_id=1,dynamic_shm=96#",
		  "the kernel's step stats label names kernel and op");
	is_int(first ? first->thread_id : 0, 777, "and the launching thread");
	tfc__arena_free(&ar);
	tfc__gpu_activity_free(a);
	done_testing();
	return exit_status();
}
