/*
 * test_fakecuda.c: the fake CUDA runtime itself (tests/fakecuda): device memory
 * round trips and accounting, out-of-memory, the guards (a host read of a device
 * address faults, a copy past a block or a double cudaFree aborts, each checked in
 * a child process), cuBLAS's column-major GEMM on hand-computed values, and the
 * fake CUPTI's activity buffers (records, external correlation, buffer limits,
 * dropped records, its clock).
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cupti.h>

#include "fake.h"
#include "../tap.h"

/* Runs fn in a child; the signal that ended it, 256 + its status when it exited
 * with one (a sanitizer's report), or 0. */
static int dies_with(void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		fn();
		_exit(0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	return WEXITSTATUS(status) ? 256 + WEXITSTATUS(status) : 0;
}

static void host_read(void)
{
	void *d = NULL;
	cudaMalloc(&d, 64);
	volatile float v = *(volatile float *)d;
	(void)v;
}

static void copy_past_end(void)
{
	void *d = NULL;
	char h[128] = {0};
	cudaMalloc(&d, 64);
	cudaMemcpyAsync(h, d, sizeof(h), cudaMemcpyDeviceToHost, 0);
}

static void double_free(void)
{
	void *d = NULL;
	cudaMalloc(&d, 64);
	cudaFree(d);
	cudaFree(d);
}

static void memory(void)
{
	size_t free0, free1, total;
	cudaMemGetInfo(&free0, &total);
	void *d = NULL;
	is_int(cudaMalloc(&d, 1000), cudaSuccess, "cudaMalloc");
	ok(tfc_fake_is_dev(d) && ((uintptr_t)d >> 56) == 0x5a, "a device address is non-canonical: %p", d);
	cudaMemGetInfo(&free1, &total);
	ok(total == (size_t)1 << 30 && free0 - free1 == 1000, "1 GiB, 1000 bytes fewer free");
	float in[4] = {1, -2, 3.5f, 4}, out[4] = {0};
	cudaMemcpyAsync((char *)d + 8, in, sizeof(in), cudaMemcpyHostToDevice, 0);
	cudaMemsetAsync(d, 0, 8, 0);
	cudaMemcpyAsync(out, (char *)d + 8, sizeof(out), cudaMemcpyDefault, 0);
	ok(!memcmp(in, out, sizeof(in)), "host -> device -> host at an offset");
	cudaFree(d);
	void *big = NULL;
	is_int(cudaMalloc(&big, (size_t)2 << 30), cudaErrorMemoryAllocation, "2 GiB: out of memory");
	is_int(cudaGetLastError(), cudaErrorMemoryAllocation, "the last error says so");
	is_int(cudaGetLastError(), cudaSuccess, "and is cleared");
	int r = dies_with(host_read);
	ok(r == SIGSEGV || r > 256, "a host read of device memory faults (%d)", r);
	is_int(dies_with(copy_past_end), SIGABRT, "a copy past the end of a block aborts");
	is_int(dies_with(double_free), SIGABRT, "a second cudaFree aborts");
}

/* C (2 x 2) = op(A) op(B), column-major, against values worked by hand. */
static void gemm(void)
{
	cublasHandle_t h;
	cudaStream_t s;
	cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
	cublasCreate(&h);
	cublasSetStream(h, s);
	/* A is 2 x 3 with lda 3 (a padding row): columns (1,2), (3,4), (5,6);
	 * B is 3 x 2: columns (1,0,2), (0,1,1). A B = [[11, 8], [14, 10]]. */
	const float a[9] = {1, 2, -99, 3, 4, -99, 5, 6, -99}, b[6] = {1, 0, 2, 0, 1, 1};
	float c[4] = {0}, one = 1, zero = 0;
	void *da, *db, *dc;
	cudaMalloc(&da, sizeof(a));
	cudaMalloc(&db, sizeof(b));
	cudaMalloc(&dc, sizeof(c));
	cudaMemcpyAsync(da, a, sizeof(a), cudaMemcpyHostToDevice, s);
	cudaMemcpyAsync(db, b, sizeof(b), cudaMemcpyHostToDevice, s);
	is_int(cublasSgemmStridedBatched(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 3, &one, da, 3, 0, db, 3, 0, &zero, dc, 2, 4,
					 1), CUBLAS_STATUS_SUCCESS, "Sgemm N N");
	cudaMemcpyAsync(c, dc, sizeof(c), cudaMemcpyDeviceToHost, s);
	ok(c[0] == 11 && c[1] == 14 && c[2] == 8 && c[3] == 10, "A B, column-major: %g %g %g %g", c[0], c[1], c[2], c[3]);
	/* B^T A^T = (A B)^T, with both stored as they are and transposed by op */
	is_int(cublasSgemmStridedBatched(h, CUBLAS_OP_T, CUBLAS_OP_T, 2, 2, 3, &one, db, 3, 0, da, 3, 0, &zero, dc, 2, 4,
					 1), CUBLAS_STATUS_SUCCESS, "Sgemm T T");
	cudaMemcpyAsync(c, dc, sizeof(c), cudaMemcpyDeviceToHost, s);
	ok(c[0] == 11 && c[1] == 8 && c[2] == 14 && c[3] == 10, "B^T A^T: %g %g %g %g", c[0], c[1], c[2], c[3]);
	is_int(cublasSgemmStridedBatched(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 3, &one, da, 1, 0, db, 3, 0, &zero, dc, 2, 4,
					 1), CUBLAS_STATUS_INVALID_VALUE, "lda < m: invalid value");
	float alpha = -0.5f;
	is_int(cublasSaxpy(h, 3, &alpha, db, 2, dc, 1), CUBLAS_STATUS_SUCCESS, "Saxpy with incx 2");
	cudaMemcpyAsync(c, dc, sizeof(c), cudaMemcpyDeviceToHost, s);
	ok(c[0] == 10.5f && c[1] == 7 && c[2] == 13.5f && c[3] == 10, "y += -0.5 x[0, 2, 4]: %g %g %g %g", c[0], c[1],
	   c[2], c[3]);
	cudaFree(da);
	cudaFree(db);
	cudaFree(dc);
	cublasDestroy(h);
	cudaStreamDestroy(s);
}

/* ---- the fake CUPTI */

/* cuda/cupti_records.c, linked in with the fake's tracer. */
void tfc__cupti_api_name(uint32_t cbid, bool driver, char *buf, size_t n);

static size_t max_records_per_buffer; /* what the request callback asks for */
static bool decline;                  /* the request callback gives no buffer */
static uint8_t *delivered[16];        /* the buffers handed back, and their valid bytes */
static size_t delivered_valid[16], n_delivered;

static void CUPTIAPI on_request(uint8_t **buffer, size_t *size, size_t *max_records)
{
	*buffer = decline ? NULL : aligned_alloc(8, 4096);
	*size = *buffer ? 4096 : 0;
	*max_records = max_records_per_buffer;
}

static void CUPTIAPI on_complete(CUcontext ctx, uint32_t stream, uint8_t *buffer, size_t size, size_t valid)
{
	(void)ctx;
	(void)stream;
	(void)size;
	if (n_delivered < 16) {
		delivered[n_delivered] = buffer;
		delivered_valid[n_delivered++] = valid;
	} else {
		free(buffer);
	}
}

/* Every record delivered so far, in order, into v (at most n); how many. */
static size_t records(CUpti_Activity **v, size_t n)
{
	size_t k = 0;
	for (size_t b = 0; b < n_delivered; b++) {
		CUpti_Activity *r = NULL;
		while (k < n && cuptiActivityGetNextRecord(delivered[b], delivered_valid[b], &r) == CUPTI_SUCCESS)
			v[k++] = r;
	}
	return k;
}

static void forget_buffers(void)
{
	for (size_t b = 0; b < n_delivered; b++)
		free(delivered[b]);
	n_delivered = 0;
}

static void cupti(void)
{
	struct timespec ts;
	uint64_t t = 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	cuptiGetTimestamp(&t);
	int64_t d = (int64_t)t - ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
	ok(d >= 1000000000 && d < 1100000000, "CUPTI's clock is CLOCK_MONOTONIC + 1 s (%lld ns apart)", (long long)d);
	is_int(cuptiActivityRegisterCallbacks(on_request, on_complete), CUPTI_SUCCESS, "callbacks registered");
	cudaStream_t s;
	cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
	float h[4] = {1, 2, 3, 4};
	void *dv = NULL;
	cudaMalloc(&dv, sizeof(h));
	const CUpti_ActivityKind kinds[] = {CUPTI_ACTIVITY_KIND_RUNTIME, CUPTI_ACTIVITY_KIND_MEMCPY,
					    CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL,
					    CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION};
	for (size_t i = 0; i < 4; i++)
		cuptiActivityEnable(kinds[i]);
	max_records_per_buffer = 3;
	cuptiActivityPushExternalCorrelationId(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, 42);
	cudaMemcpyAsync(dv, h, sizeof(h), cudaMemcpyHostToDevice, s);
	tfc_fake_check_stream(s, "tfc__gpu_launch_unary");
	cudaGetLastError(); /* the kernel's host twin is done: its record is written */
	uint64_t last = 0;
	cuptiActivityPopExternalCorrelationId(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, &last);
	cudaMemcpyAsync(h, dv, sizeof(h), cudaMemcpyDeviceToHost, NULL);
	is_int(cuptiActivityPopExternalCorrelationId(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, NULL),
	       CUPTI_ERROR_QUEUE_EMPTY, "popping an empty stack: CUPTI_ERROR_QUEUE_EMPTY");
	cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
	CUpti_Activity *v[16];
	size_t n = records(v, 16);
	/* ext, API, memcpy | ext, API, kernel | API, memcpy */
	is_int(n_delivered, 3, "three records a buffer (the client's maxNumRecords): three buffers");
	is_int(n, 8, "eight records");
	bool kinds_right = n == 8;
	static const CUpti_ActivityKind want[8] = {
		CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION, CUPTI_ACTIVITY_KIND_RUNTIME, CUPTI_ACTIVITY_KIND_MEMCPY,
		CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION, CUPTI_ACTIVITY_KIND_RUNTIME,
		CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_RUNTIME, CUPTI_ACTIVITY_KIND_MEMCPY};
	for (size_t i = 0; i < n && i < 8; i++)
		kinds_right &= v[i]->kind == want[i];
	ok(kinds_right && last == 42, "external correlation, API call, then its activity; none once popped");
	if (kinds_right) {
		const CUpti_ActivityExternalCorrelation *x = (const void *)v[0];
		const CUpti_ActivityAPI *api = (const void *)v[1];
		const CUpti_ActivityMemcpy6 *up = (const void *)v[2];
		const CUpti_ActivityKernel10 *k = (const void *)v[5];
		const CUpti_ActivityMemcpy6 *down = (const void *)v[7];
		ok(x->externalId == 42 && x->externalKind == CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0 &&
			   x->correlationId == api->correlationId && up->correlationId == api->correlationId,
		   "the upload's records share correlation id %u, external id 42", api->correlationId);
		ok(api->cbid == CUPTI_RUNTIME_TRACE_CBID_cudaMemcpyAsync_v3020 && up->copyKind == CUPTI_ACTIVITY_MEMCPY_KIND_HTOD &&
			   up->bytes == sizeof(h) && up->streamId == tfc_fake_stream_id(s) && up->streamId != 7 &&
			   up->start <= up->end && up->srcKind == CUPTI_ACTIVITY_MEMORY_KIND_PAGEABLE,
		   "upload: cudaMemcpyAsync, HtoD, 16 bytes from pageable memory, stream %u", up->streamId);
		ok(!strcmp(k->name, "tfc_fake_unary") && k->start <= k->end && k->correlationId == ((const CUpti_ActivityAPI *)v[4])->correlationId &&
			   k->blockX == 256 && k->deviceId == 0,
		   "the launcher's kernel: %s, %llu ns", k->name, (unsigned long long)(k->end - k->start));
		ok(down->copyKind == CUPTI_ACTIVITY_MEMCPY_KIND_DTOH && down->streamId == 7 && down->start >= k->end,
		   "download: DtoH on the default stream (7), after the kernel");
	} else {
		skip(4, "records out of order");
	}
	CUpti_Activity *r = v[7];
	is_int(n == 8 ? (int)cuptiActivityGetNextRecord(delivered[2], delivered_valid[2], &r) : -1,
	       CUPTI_ERROR_MAX_LIMIT_REACHED, "past the last record: CUPTI_ERROR_MAX_LIMIT_REACHED");
	forget_buffers();
	/* no buffer: dropped, and counted once */
	decline = true;
	cudaMemcpyAsync(dv, h, sizeof(h), cudaMemcpyHostToDevice, s);
	decline = false;
	size_t dropped = 0;
	cuptiActivityGetNumDroppedRecords(NULL, 0, &dropped);
	is_int(dropped, 2, "with no buffer given, the API and memcpy records are dropped");
	cuptiActivityGetNumDroppedRecords(NULL, 0, &dropped);
	is_int(dropped, 0, "the count resets when read");
	for (size_t i = 0; i < 4; i++)
		cuptiActivityDisable(kinds[i]);
	cudaMemcpyAsync(dv, h, sizeof(h), cudaMemcpyHostToDevice, s);
	cuptiActivityFlushAll(0);
	is_int(n_delivered, 0, "nothing recorded once disabled");
	char name[64];
	tfc__cupti_api_name(CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000, false, name, sizeof(name));
	is_string(name, "cudaLaunchKernel", "cudaLaunchKernel_v7000: the version suffix goes");
	tfc__cupti_api_name(CUPTI_RUNTIME_TRACE_CBID_cudaStreamGetCaptureInfo_v2_v11030, false, name, sizeof(name));
	is_string(name, "cudaStreamGetCaptureInfo_v2", "only the last _v<digits> is a version");
	tfc__cupti_api_name(99999, false, name, sizeof(name));
	is_string(name, "cuda_api_99999", "an unknown callback id");
	cudaFree(dv);
	cudaStreamDestroy(s);
}

int main(void)
{
	plan(17 + 17);
	memory();
	gemm();
	cupti();
	return exit_status();
}
