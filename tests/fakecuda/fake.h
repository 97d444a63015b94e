/*
 * fake.h: what the files of tests/fakecuda share. tests/fakecuda is a test double of
 * the CUDA runtime, cuBLAS and the device code's launchers (cuda/gpu_internal.h), so
 * the host code of cuda/ runs in `make check` on machines without a GPU. Everything
 * runs synchronously on the calling thread, at call time.
 *
 * Device memory is host memory whose address is scrambled into a non-canonical
 * x86-64 address (fake_cuda.c), so a host dereference of a device pointer faults at
 * once; the fake's own functions turn device addresses back with tfc_fake_dev, which
 * aborts with a message for an address that is not inside a live allocation.
 */
#ifndef TFC_FAKECUDA_FAKE_H
#define TFC_FAKECUDA_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cublas_v2.h>
#include <cuda_runtime.h>

/* The host address of bytes [d, d + bytes) of device memory, which must lie inside
 * one live cudaMalloc block; aborts, naming `what`, otherwise. bytes 0 still needs d
 * to be a device address of a live block (or its end). */
void *tfc_fake_dev(const void *d, size_t bytes, const char *what);

/* Whether p has the shape of a (fake) device address; cheap, no lookup. */
bool tfc_fake_is_dev(const void *p);

/* Aborts unless s is the legacy default stream (0) or a live stream of the fake. */
void tfc_fake_check_stream(cudaStream_t s, const char *what);

/* For tests: the cudaMemcpy*s host -> device and device -> host made so far. */
void tfc_fake_copy_counts(int64_t *to_device, int64_t *to_host);

/* Prints "fakecuda: <message>" to stderr and aborts: a misuse of the CUDA API that
 * the real one would answer with a crash or undefined behaviour. */
_Noreturn void tfc_fake_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* TFC_FAKECUDA_FAKE_H */
