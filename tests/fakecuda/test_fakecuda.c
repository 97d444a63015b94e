/*
 * test_fakecuda.c: the fake CUDA runtime itself (tests/fakecuda): device memory
 * round trips and accounting, out-of-memory, the guards (a host read of a device
 * address faults, a copy past a block or a double cudaFree aborts, each checked in
 * a child process), and cuBLAS's column-major GEMM on hand-computed values.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

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

int main(void)
{
	plan(17);
	memory();
	gemm();
	return exit_status();
}
