using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace CnnEngine.Kernels.Compute;

/// <summary>
/// Helps .NET find the GPU runtimes ILGPU binds to. ILGPU imports "OpenCL" and "cuda"; .NET then probes for the
/// unversioned files (libOpenCL.so, libcuda.so), which on Debian come only with the -dev packages: a machine with just
/// the ICD loader (ocl-icd-libopencl1) or just the NVIDIA driver has libOpenCL.so.1 / libcuda.so.1. When the default
/// probe fails, this loads the versioned name. A fallback handler, so it composes with ILGPU's own resolver (WSL).
/// </summary>
internal static class NativeLibraries
{
    private static int _installed;

    private static readonly (string Import, string[] Files)[] Versioned =
    {
        ("opencl", new[] { "libOpenCL.so.1", "libOpenCL.so" }),
        ("cuda", new[] { "libcuda.so.1", "libcuda.so" }),
    };

    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1) return;
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += Resolve;
    }

    private static nint Resolve(System.Reflection.Assembly assembly, string name)
    {
        if (!OperatingSystem.IsLinux()) return 0;
        string key = name.ToLowerInvariant();
        foreach (var (import, files) in Versioned)
        {
            if (!key.Contains(import, StringComparison.Ordinal)) continue;
            foreach (string file in files)
                if (NativeLibrary.TryLoad(file, out nint handle)) return handle;
        }
        return 0;
    }
}
