using System.Diagnostics;
using CnnEngine.Kernels.Compute;

namespace CnnEngine.Kernels.Tests;

/// <summary>
/// Without a CUDA device or NVRTC, the CUDA flavour of every kernel is still compiled here, to PTX, by clang's CUDA
/// mode (clang-15 ships with pocl's LLVM): the exact text CudaDevice hands NVRTC (defines, prelude.h, the op),
/// behind a small shim declaring what NVRTC has built in. It checks that every kernel compiles as CUDA C, exports
/// its entry point unmangled (extern "C"), and that the register-blocked loops unroll (else the accumulators would
/// live in local memory). It does not run anything: the CUDA tests do that on a device.
/// </summary>
public sealed class CudaSyntaxTests
{
    private const string Shim = """
        #define __CUDACC_RTC__ 1
        #include <__clang_cuda_builtin_vars.h>
        #define __global__ __attribute__((global))
        #define __device__ __attribute__((device))
        #define __shared__ __attribute__((shared))
        extern "C" __device__ float fmaf(float, float, float);
        extern "C" __device__ float fmaxf(float, float);
        extern "C" __device__ float expf(float);
        __device__ inline int min(int a, int b) { return a < b ? a : b; }
        __device__ inline int max(int a, int b) { return a > b ? a : b; }

        """;

    private static string? Clang() =>
        new[] { "/usr/bin/clang-15", "/usr/lib/llvm-15/bin/clang" }.FirstOrDefault(File.Exists);

    public static TheoryData<string, string> Kernels => new()
    {
        { "conv3x3_naive.c", "conv3x3_naive" }, { "conv3x3_tiled.c", "conv3x3_tiled" }, { "conv3x3_regblock.c", "conv3x3_regblock" },
        { "conv3x3_winograd.c", "winograd_input winograd_gemm winograd_output" }, { "maxpool2x2.c", "maxpool2x2" }, { "dense.c", "dense" },
        { "softmax.c", "softmax" }, { "unpool2x2.c", "unpool2x2" }, { "rectify.c", "rectify" }, { "conv_transpose3x3.c", "conv_transpose3x3" },
    };

    [SkippableTheory]
    [MemberData(nameof(Kernels))]
    public void CudaFlavourCompilesToPtx(string file, string entries)
    {
        string? clang = Clang();
        Skip.If(clang is null, "skipped: clang-15 not installed (CUDA-mode compile check of the kernels)");
        var defines = new Dictionary<string, int> { ["VW"] = 4, ["PX"] = GpuOps.RegPixels, ["COV"] = GpuOps.RegChannelVectors, ["RT"] = GpuOps.WinogradTiles };
        string dir = Path.Combine(Path.GetTempPath(), $"cuda-check-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string cu = Path.Combine(dir, Path.ChangeExtension(file, ".cu")), ptx = Path.ChangeExtension(cu, ".ptx");
            File.WriteAllText(cu, Shim + KernelSource.Program(file, defines));
            var psi = new ProcessStartInfo(clang!) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { "-x", "cuda", "--cuda-device-only", "-nocudainc", "-nocudalib", "--cuda-gpu-arch=sm_80", "-O2", "-S", "-o", ptx, cu })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"{file} does not compile as CUDA C:\n{err}");
            Assert.DoesNotContain("loop not unrolled", err);
            string text = File.ReadAllText(ptx);
            foreach (string entry in entries.Split(' '))
                Assert.Contains($".entry {entry}(", text);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
