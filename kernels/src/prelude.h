/* prelude.h — the few macros that let one kernel source compile as OpenCL C and as CUDA C (NVRTC).
 *
 * Every kernel file in this folder is written against these names only:
 *   KERNEL            a kernel entry point                      (__kernel void / extern "C" __global__ void)
 *   GLOBAL            pointer into device (global) memory       (__global / nothing)
 *   SHARED            an array shared by one work-group/block   (__local / __shared__)
 *   RESTRICT          no aliasing between kernel arguments
 *   GLOBAL_ID(d)      this thread's index in the whole grid, dimension d = 0, 1, 2
 *   LOCAL_ID(d)       this thread's index inside its group
 *   GROUP_ID(d)       the group's index in the grid
 *   LOCAL_SIZE(d)     threads per group along d
 *   BARRIER()         wait until every thread of the group got here and its SHARED writes are visible
 *   vecf              VW floats in one register-like value (float16 on a CPU, float4 on a GPU — chosen by the host)
 *   VLOAD/VSTORE/VSPLAT/VFMA/VMAX   load, store, broadcast, fused multiply-add, max on vecf
 *
 * OpenCL counts global work-items, CUDA counts blocks × threads; GLOBAL_ID hides the difference.
 * The host always rounds the grid up to whole groups, so every kernel checks its indices against the real sizes.
 */
#ifndef VW
#define VW 4
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

#if defined(__OPENCL_VERSION__)
/* ---------------- OpenCL C ---------------- */
#define KERNEL __kernel void
#define GLOBAL __global
#define SHARED __local
#define RESTRICT restrict
#define GLOBAL_ID(d) ((int)get_global_id(d))
#define LOCAL_ID(d) ((int)get_local_id(d))
#define GROUP_ID(d) ((int)get_group_id(d))
#define LOCAL_SIZE(d) ((int)get_local_size(d))
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define FMA(a, b, c) fma(a, b, c)
#define EXP(x) exp(x)
#define INLINE inline

/* OpenCL has vector types built in: float4, float8, float16 with element-wise arithmetic. */
typedef CAT(float, VW) vecf;
#define VLOAD(p) CAT(vload, VW)(0, (p))
#define VSTORE(v, p) CAT(vstore, VW)((v), 0, (p))
#define VSPLAT(x) ((vecf)(x))
#define VFMA(a, b, c) fma((a), (b), (c))
#define VMAX(a, b) fmax((a), (b))

#elif defined(__CUDACC__) || defined(__CUDACC_RTC__)
/* ---------------- CUDA C (compiled by NVRTC) ---------------- */
#define KERNEL extern "C" __global__ void
#define GLOBAL
#define SHARED __shared__
#define RESTRICT __restrict__
#define GLOBAL_ID(d) ((int)((d) == 0 ? blockIdx.x * blockDim.x + threadIdx.x : (d) == 1 ? blockIdx.y * blockDim.y + threadIdx.y : blockIdx.z * blockDim.z + threadIdx.z))
#define LOCAL_ID(d) ((int)((d) == 0 ? threadIdx.x : (d) == 1 ? threadIdx.y : threadIdx.z))
#define GROUP_ID(d) ((int)((d) == 0 ? blockIdx.x : (d) == 1 ? blockIdx.y : blockIdx.z))
#define LOCAL_SIZE(d) ((int)((d) == 0 ? blockDim.x : (d) == 1 ? blockDim.y : blockDim.z))
#define BARRIER() __syncthreads()
#define FMA(a, b, c) fmaf(a, b, c)
#define EXP(x) expf(x)
#define INLINE __device__ inline

/* CUDA C has no arithmetic vector types, so vecf is a small struct of VW floats kept in registers. */
struct vecf { float s[VW]; };
__device__ inline vecf VLOAD(const float* p) { vecf v;
#pragma unroll
    for (int i = 0; i < VW; i++) v.s[i] = p[i]; return v; }
__device__ inline void VSTORE(vecf v, float* p) {
#pragma unroll
    for (int i = 0; i < VW; i++) p[i] = v.s[i]; }
__device__ inline vecf VSPLAT(float x) { vecf v;
#pragma unroll
    for (int i = 0; i < VW; i++) v.s[i] = x; return v; }
__device__ inline vecf VFMA(vecf a, vecf b, vecf c) { vecf v;
#pragma unroll
    for (int i = 0; i < VW; i++) v.s[i] = fmaf(a.s[i], b.s[i], c.s[i]); return v; }
__device__ inline vecf VMAX(vecf a, vecf b) { vecf v;
#pragma unroll
    for (int i = 0; i < VW; i++) v.s[i] = fmaxf(a.s[i], b.s[i]); return v; }
#else
#error "prelude.h: compile as OpenCL C or with NVRTC"
#endif
