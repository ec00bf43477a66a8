using System.Runtime.InteropServices;
using System.Text;
using CnnEngine.Kernels.Native;

namespace CnnEngine.Kernels.Compute;

/// <summary>One OpenCL device found on the machine, numbered across all platforms in discovery order.</summary>
public sealed record OpenClDeviceInfo(int Index, nint Platform, nint Device, string Name, string PlatformName,
    string Version, string Driver, bool IsGpu, bool IsCpu, int ComputeUnits, long GlobalMemory, long MaxAlloc);

/// <summary>
/// Finds every OpenCL device, once per process, on one thread: some ICDs (pocl) are not thread-safe on their
/// first call, so discovery is a Lazy with ExecutionAndPublication and everything else goes through it.
/// No driver, or no platform, is an empty list plus <see cref="Problem"/> saying why.
/// </summary>
public static unsafe class OpenClDiscovery
{
    private static readonly Lazy<(IReadOnlyList<OpenClDeviceInfo> Devices, string? Problem)> Found =
        new(Discover, LazyThreadSafetyMode.ExecutionAndPublication);

    public static IReadOnlyList<OpenClDeviceInfo> Devices => Found.Value.Devices;
    /// <summary>Why no device was found (missing driver, no platform), or null.</summary>
    public static string? Problem => Found.Value.Problem;

    private static (IReadOnlyList<OpenClDeviceInfo>, string?) Discover()
    {
        try
        {
            return NativeLibraries.Guard("OpenCL", OpenCl.Lib, () =>
            {
                uint count = 0;
                int err = OpenCl.clGetPlatformIDs(0, null, &count);
                if (err == -1001 || count == 0) return ((IReadOnlyList<OpenClDeviceInfo>)Array.Empty<OpenClDeviceInfo>(), (string?)"no OpenCL platform installed");
                OpenCl.Check(err, "clGetPlatformIDs");
                var platforms = new nint[count];
                fixed (nint* p = platforms) OpenCl.Check(OpenCl.clGetPlatformIDs(count, p, null), "clGetPlatformIDs");
                var list = new List<OpenClDeviceInfo>();
                foreach (nint platform in platforms)
                {
                    uint n = 0;
                    err = OpenCl.clGetDeviceIDs(platform, OpenCl.CL_DEVICE_TYPE_ALL, 0, null, &n);
                    if (err == -1 || n == 0) continue; // CL_DEVICE_NOT_FOUND
                    OpenCl.Check(err, "clGetDeviceIDs");
                    var devices = new nint[n];
                    fixed (nint* d = devices) OpenCl.Check(OpenCl.clGetDeviceIDs(platform, OpenCl.CL_DEVICE_TYPE_ALL, n, d, null), "clGetDeviceIDs");
                    string platformName = PlatformString(platform, OpenCl.CL_PLATFORM_NAME);
                    foreach (nint device in devices)
                    {
                        ulong type = DeviceValue<ulong>(device, OpenCl.CL_DEVICE_TYPE);
                        list.Add(new OpenClDeviceInfo(list.Count, platform, device,
                            DeviceString(device, OpenCl.CL_DEVICE_NAME), platformName,
                            DeviceString(device, OpenCl.CL_DEVICE_VERSION), DeviceString(device, OpenCl.CL_DRIVER_VERSION),
                            (type & OpenCl.CL_DEVICE_TYPE_GPU) != 0, (type & OpenCl.CL_DEVICE_TYPE_CPU) != 0,
                            (int)DeviceValue<uint>(device, OpenCl.CL_DEVICE_MAX_COMPUTE_UNITS),
                            (long)DeviceValue<ulong>(device, OpenCl.CL_DEVICE_GLOBAL_MEM_SIZE),
                            (long)DeviceValue<ulong>(device, OpenCl.CL_DEVICE_MAX_MEM_ALLOC_SIZE)));
                    }
                }
                return (list, list.Count == 0 ? "OpenCL is installed but has no device" : null);
            });
        }
        catch (DeviceException e)
        {
            return (Array.Empty<OpenClDeviceInfo>(), e.Message);
        }
    }

    internal static string DeviceString(nint device, uint param)
    {
        nuint size = 0;
        OpenCl.Check(OpenCl.clGetDeviceInfo(device, param, 0, null, &size), "clGetDeviceInfo");
        var buffer = new byte[(int)size];
        fixed (byte* b = buffer) OpenCl.Check(OpenCl.clGetDeviceInfo(device, param, size, b, null), "clGetDeviceInfo");
        return Encoding.UTF8.GetString(buffer).TrimEnd('\0').Trim();
    }

    internal static T DeviceValue<T>(nint device, uint param) where T : unmanaged
    {
        T value = default;
        OpenCl.Check(OpenCl.clGetDeviceInfo(device, param, (nuint)sizeof(T), &value, null), "clGetDeviceInfo");
        return value;
    }

    private static string PlatformString(nint platform, uint param)
    {
        nuint size = 0;
        OpenCl.Check(OpenCl.clGetPlatformInfo(platform, param, 0, null, &size), "clGetPlatformInfo");
        var buffer = new byte[(int)size];
        fixed (byte* b = buffer) OpenCl.Check(OpenCl.clGetPlatformInfo(platform, param, size, b, null), "clGetPlatformInfo");
        return Encoding.UTF8.GetString(buffer).TrimEnd('\0').Trim();
    }
}
