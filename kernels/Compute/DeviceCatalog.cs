using System.Globalization;
using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace CnnEngine.Kernels.Compute;

/// <summary>A GPU (or the ILGPU emulator) as --list-devices shows it; <see cref="Unusable"/> says why it cannot run, when it cannot.</summary>
public sealed record GpuDeviceInfo(string Id, string Name, string Backend, long MemoryBytes, string Details, string? Unusable, bool IsGpu);

/// <summary>
/// What ILGPU sees on this machine: CUDA devices (through the driver alone), every OpenCL device of every platform —
/// including those ILGPU cannot use, with the reason — and the CPU accelerator. Also opens them.
/// <c>opencl:N</c> numbers every OpenCL device in platform order, usable or not, so the ids in the listing are stable.
/// </summary>
public static partial class DeviceCatalog
{
    public const string EmulatorId = "ilgpu-cpu";

    /// <summary>The CPU accelerator's shape: 32-thread warps × 8 warps = groups of up to 256 threads, 2 "multiprocessors".</summary>
    public static CPUDevice EmulatorDevice() => new(32, 8, 2);

    static DeviceCatalog() => NativeLibraries.Install();

    private static Context NewContext(Action<Context.Builder> devices) =>
        Context.Create(b => { devices(b); b.EnableAlgorithms(); });

    /// <summary>Backends that found nothing, and why ("CUDA: no NVIDIA driver (libcuda.so.1) found").</summary>
    public static IReadOnlyList<string> Notes(IReadOnlyList<GpuDeviceInfo> devices)
    {
        var notes = new List<string>();
        if (!devices.Any(d => d.Backend == "CUDA")) notes.Add(CudaAPI.CurrentAPI is null || !CudaAPI.CurrentAPI.IsSupported ? "CUDA: no NVIDIA driver found (libcuda.so.1)" : "CUDA: the driver reports no device");
        if (!devices.Any(d => d.Backend == "OpenCL")) notes.Add(OpenClApi() is null ? "OpenCL: no OpenCL loader found (libOpenCL.so.1)" : "OpenCL: no platform or device");
        return notes;
    }

    public static IReadOnlyList<GpuDeviceInfo> List()
    {
        var list = new List<GpuDeviceInfo>();
        list.AddRange(Cuda());
        list.AddRange(OpenCl().Select(d => d.Info));
        list.Add(new GpuDeviceInfo(EmulatorId, "ILGPU CPU accelerator", "ILGPU CPU", 0,
            "an emulator: runs every kernel on the CPU with groups, shared memory and barriers; slow, for tests and for stepping through a kernel in a debugger", null, false));
        return list;
    }

    // ---- CUDA --------------------------------------------------------------------------------------------------

    private static IEnumerable<GpuDeviceInfo> Cuda()
    {
        if (CudaAPI.CurrentAPI is null || !CudaAPI.CurrentAPI.IsSupported) yield break;
        List<CudaDevice> devices;
        try
        {
            using var context = NewContext(b => b.Cuda());
            devices = new List<CudaDevice>();
            foreach (CudaDevice d in context.GetCudaDevices()) devices.Add(d);
        }
        catch (Exception e) when (GpuDevice.IsDeviceFailure(e)) { yield break; }
        for (int i = 0; i < devices.Count; i++)
        {
            var d = devices[i];
            yield return new GpuDeviceInfo($"cuda:{i}", d.Name, "CUDA", d.MemorySize,
                $"compute {d.Architecture?.Major}.{d.Architecture?.Minor}, {d.NumMultiprocessors} SMs, {d.MemorySize >> 20} MiB, driver {d.DriverVersion}", null, true);
        }
    }

    public static GpuDevice OpenCuda(int index)
    {
        string id = $"cuda:{index}";
        if (CudaAPI.CurrentAPI is null || !CudaAPI.CurrentAPI.IsSupported)
            throw new DeviceUnavailableException($"{id}: no NVIDIA driver found (libcuda.so.1); see --list-devices");
        var context = GpuContext(id, b => b.Cuda());
        var devices = new List<CudaDevice>();
        foreach (CudaDevice d in context.GetCudaDevices()) devices.Add(d);
        if (index < 0 || index >= devices.Count)
        {
            context.Dispose();
            throw new DeviceUnavailableException(devices.Count == 0 ? $"{id}: the NVIDIA driver reports no CUDA device ILGPU can use"
                : $"{id}: no such device (found {devices.Count}: cuda:0..cuda:{devices.Count - 1})");
        }
        var device = devices[index];
        return new GpuDevice(id, device.Name, "CUDA", context, c => device.CreateAccelerator(c));
    }

    private static Context GpuContext(string id, Action<Context.Builder> devices)
    {
        try { return NewContext(devices); }
        catch (Exception e) when (GpuDevice.IsDeviceFailure(e)) { throw new DeviceUnavailableException($"{id}: {e.Message.Split('\n')[0]}", e); }
    }

    // ---- OpenCL ------------------------------------------------------------------------------------------------

    private sealed record OpenClEntry(GpuDeviceInfo Info, nint DeviceId);

    private static CLAPI? OpenClApi()
    {
        try
        {
            var api = CLAPI.CurrentAPI;
            return api is null || api.GetNumPlatforms(out _) != CLError.CL_SUCCESS ? null : api;
        }
        catch (Exception e) when (GpuDevice.IsDeviceFailure(e)) { return null; }
    }

    /// <summary>Every OpenCL device, through ILGPU's own OpenCL bindings, with the reason ILGPU would refuse it.</summary>
    private static List<OpenClEntry> OpenCl()
    {
        var result = new List<OpenClEntry>();
        var api = OpenClApi();
        if (api is null) return result;
        HashSet<nint> usable;
        try
        {
            using var context = NewContext(b => b.OpenCL());
            usable = new HashSet<nint>();
            foreach (CLDevice d in context.GetCLDevices()) usable.Add(d.DeviceId);
        }
        catch (Exception e) when (GpuDevice.IsDeviceFailure(e)) { usable = new(); }

        int count = 0;
        api.GetNumPlatforms(out count);
        var platforms = new nint[Math.Max(count, 0)];
        if (count == 0 || api.GetPlatforms(platforms, ref count) != CLError.CL_SUCCESS) return result;
        foreach (nint platform in platforms.Take(count))
        {
            string platformName = api.GetPlatformInfo(platform, CLPlatformInfoType.CL_PLATFORM_NAME);
            var devices = new nint[64];
            if (api.GetDevices(platform, CLDeviceType.CL_DEVICE_TYPE_ALL, devices, out int n) != CLError.CL_SUCCESS) continue;
            foreach (nint device in devices.Take(n))
            {
                string name = api.GetDeviceInfo(device, CLDeviceInfoType.CL_DEVICE_NAME).Trim();
                string version = api.GetDeviceInfo(device, CLDeviceInfoType.CL_DEVICE_VERSION).Trim();
                string cVersion = api.GetDeviceInfo(device, CLDeviceInfoType.CL_DEVICE_OPENCL_C_VERSION).Trim();
                long memory = TryInfo<long>(api, device, CLDeviceInfoType.CL_DEVICE_GLOBAL_MEM_SIZE);
                long type = TryInfo<long>(api, device, CLDeviceInfoType.CL_DEVICE_TYPE);
                bool gpu = (type & 4) != 0;
                string kind = gpu ? "GPU" : (type & 2) != 0 ? "CPU" : "accelerator";
                string? why = usable.Contains(device) ? null : WhyUnusable(api, device, version, cVersion);
                var info = new GpuDeviceInfo($"opencl:{result.Count}", $"{name} ({platformName})", "OpenCL", memory,
                    $"{kind}, {memory >> 20} MiB, {version}, {cVersion}", why, gpu);
                result.Add(new OpenClEntry(info, device));
            }
        }
        return result;
    }

    /// <summary>
    /// ILGPU's OpenCL backend emits OpenCL C 2.0 and needs the generic address space (pointers that may point to
    /// global, local or private memory). OpenCL 3.0 made that optional: pocl 3.1, for one, reports it missing.
    /// </summary>
    private static string WhyUnusable(CLAPI api, nint device, string version, string cVersion)
    {
        var reasons = new List<string>();
        var m = CVersionRegex().Match(cVersion);
        bool below20 = m.Success && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) < 2;
        bool cl3 = version.StartsWith("OpenCL 3", StringComparison.Ordinal);
        int generic = cl3 ? (int)TryInfo<uint>(api, device, (CLDeviceInfoType)0x1069 /* CL_DEVICE_GENERIC_ADDRESS_SPACE_SUPPORT */) : below20 ? 0 : 1;
        if (generic == 0) reasons.Add("no generic address space");
        if (below20) reasons.Add($"{cVersion.Split(' ').Take(3).Aggregate((a, b) => a + " " + b)} (not 2.0+)");
        return reasons.Count == 0 ? "ILGPU's OpenCL backend does not support it"
            : string.Join(", ", reasons) + "; ILGPU's OpenCL backend needs OpenCL C 2.0 with the generic address space";
    }

    [GeneratedRegex(@"OpenCL C (\d+)\.(\d+)")]
    private static partial Regex CVersionRegex();

    private static T TryInfo<T>(CLAPI api, nint device, CLDeviceInfoType type) where T : unmanaged
    {
        try { return api.GetDeviceInfo<T>(device, type); }
        catch (Exception e) when (GpuDevice.IsDeviceFailure(e)) { return default; }
    }

    /// <summary>The first OpenCL GPU ILGPU can use, for <c>auto</c>.</summary>
    public static string? FirstUsableOpenClGpu() => OpenCl().FirstOrDefault(e => e.Info.IsGpu && e.Info.Unusable is null)?.Info.Id;

    public static GpuDevice OpenOpenCl(int index)
    {
        string id = $"opencl:{index}";
        var all = OpenCl();
        if (all.Count == 0) throw new DeviceUnavailableException(OpenClApi() is null ? $"{id}: no OpenCL loader found (libOpenCL.so.1)" : $"{id}: no OpenCL device");
        if (index < 0 || index >= all.Count) throw new DeviceUnavailableException($"{id}: no such device (found {all.Count}: opencl:0..opencl:{all.Count - 1})");
        var entry = all[index];
        if (entry.Info.Unusable is { } why) throw new DeviceUnavailableException($"{id} ({entry.Info.Name}) cannot be used: {why}");
        var context = GpuContext(id, b => b.OpenCL());
        CLDevice? device = null;
        foreach (CLDevice d in context.GetCLDevices()) if (d.DeviceId == entry.DeviceId) device = d;
        if (device is null)
        {
            context.Dispose();
            throw new DeviceUnavailableException($"{id} ({entry.Info.Name}) is no longer available");
        }
        return new GpuDevice(id, entry.Info.Name, "OpenCL", context, c => device.CreateAccelerator(c));
    }

    // ---- the CPU accelerator -----------------------------------------------------------------------------------

    public static GpuDevice OpenEmulator()
    {
        var cpu = EmulatorDevice();
        var context = GpuContext(EmulatorId, b => b.CPU(cpu));
        return new GpuDevice(EmulatorId, "ILGPU CPU accelerator (emulator)", "ILGPU CPU", context,
            c => c.GetCPUDevice(0).CreateCPUAccelerator(c, CPUAcceleratorMode.Parallel));
    }
}
