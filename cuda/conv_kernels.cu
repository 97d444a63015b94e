/*
 * conv_kernels.cu: the device code around cuDNN's convolutions (cuda/conv_gpu.c): a
 * 4-D windowed copy that changes layout (NHWC <-> NCHW, HWIO <-> OIHW) and pads with
 * zeros or crops the two spatial dims in the same pass; its C launcher is declared
 * in gpu_internal.h. float and double.
 */
#include <cuda_runtime.h>
#include <stdint.h>

#define THREADS 256

struct copy4_geom {
	int64_t dims[4], in_str[4], out_str[4];
	int64_t in_h, in_w, off2, off3;
};

template <typename T> __global__ void copy4_kernel(const T *in, T *out, struct copy4_geom g, int64_t n)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x) {
		int64_t rest = i;
		int64_t i3 = rest % g.dims[3];
		rest /= g.dims[3];
		int64_t i2 = rest % g.dims[2];
		rest /= g.dims[2];
		int64_t i1 = rest % g.dims[1];
		int64_t i0 = rest / g.dims[1];
		int64_t h = i2 + g.off2, w = i3 + g.off3;
		T v = T(0);
		if (h >= 0 && h < g.in_h && w >= 0 && w < g.in_w)
			v = in[i0 * g.in_str[0] + i1 * g.in_str[1] + h * g.in_str[2] + w * g.in_str[3]];
		out[i0 * g.out_str[0] + i1 * g.out_str[1] + i2 * g.out_str[2] + i3 * g.out_str[3]] = v;
	}
}

extern "C" cudaError_t tfc__gpu_launch_copy4(cudaStream_t s, int dtype, const void *in, void *out,
					     const int64_t dims[4], const int64_t in_str[4],
					     const int64_t out_str[4], int64_t in_h, int64_t in_w, int64_t off2,
					     int64_t off3)
{
	struct copy4_geom g;
	int64_t n = 1;
	for (int k = 0; k < 4; k++) {
		g.dims[k] = dims[k];
		g.in_str[k] = in_str[k];
		g.out_str[k] = out_str[k];
		n *= dims[k];
	}
	g.in_h = in_h;
	g.in_w = in_w;
	g.off2 = off2;
	g.off3 = off3;
	if (n == 0)
		return cudaSuccess;
	int64_t b = (n + THREADS - 1) / THREADS;
	unsigned blocks = (unsigned)(b > 65535 * 16 ? 65535 * 16 : b);
	if (dtype == 0)
		copy4_kernel<float><<<blocks, THREADS, 0, s>>>((const float *)in, (float *)out, g, n);
	else
		copy4_kernel<double><<<blocks, THREADS, 0, s>>>((const double *)in, (double *)out, g, n);
	return cudaGetLastError();
}
