using System.Reflection;
using System.Runtime.InteropServices;

namespace CnnEngine.Kernels.Native;

/// <summary>
/// Maps the short library names in the bindings ("OpenCL", "cuda", "nvrtc") to the files each OS ships,
/// and turns "not installed" into one clear <see cref="DeviceUnavailableException"/>.
/// </summary>
internal static class NativeLibraries
{
    private static readonly Lazy<bool> Installed = new(() =>
    {
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
        return true;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Installs the resolver (idempotent, thread-safe). Call before the first native call.</summary>
    public static void EnsureResolver() => _ = Installed.Value;

    public static IEnumerable<string> Candidates(string name) => name switch
    {
        OpenCl.Lib => OperatingSystem.IsWindows() ? new[] { "OpenCL.dll" } : new[] { "libOpenCL.so.1", "libOpenCL.so" },
        Cuda.Lib => OperatingSystem.IsWindows() ? new[] { "nvcuda.dll" } : new[] { "libcuda.so.1", "libcuda.so" },
        Nvrtc.Lib => OperatingSystem.IsWindows()
            ? new[] { "nvrtc64_130_0.dll", "nvrtc64_120_0.dll", "nvrtc64_112_0.dll", "nvrtc64_111_0.dll", "nvrtc64_110_0.dll" }
            : new[] { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11", "libnvrtc.so" },
        _ => new[] { name },
    };

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        foreach (string file in Candidates(name))
            if (NativeLibrary.TryLoad(file, assembly, path, out nint handle)) return handle;
        return 0; // the runtime throws DllNotFoundException, which Guard turns into DeviceUnavailableException
    }

    /// <summary>Runs a first native call, translating a missing library into one clear line.</summary>
    public static T Guard<T>(string what, string name, Func<T> call)
    {
        EnsureResolver();
        try { return call(); }
        catch (DllNotFoundException e)
        {
            throw new DeviceUnavailableException($"{what} is not available: none of {string.Join(", ", Candidates(name))} could be loaded", e);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new DeviceUnavailableException($"{what} library is too old or not the real one: {e.Message}", e);
        }
    }
}
