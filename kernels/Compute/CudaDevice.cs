using System.Runtime.InteropServices;
using System.Text;
using CnnEngine.Kernels.Native;

namespace CnnEngine.Kernels.Compute;

/// <summary>One CUDA device found by the driver.</summary>
public sealed record CudaDeviceInfo(int Index, string Name, int ComputeMajor, int ComputeMinor, long TotalMemory, int Multiprocessors);

/// <summary>Finds CUDA devices once per process. No driver or no device: an empty list and <see cref="Problem"/>.</summary>
public static unsafe class CudaDiscovery
{
    private static readonly Lazy<(IReadOnlyList<CudaDeviceInfo> Devices, string? Problem)> Found =
        new(Discover, LazyThreadSafetyMode.ExecutionAndPublication);

    public static IReadOnlyList<CudaDeviceInfo> Devices => Found.Value.Devices;
    public static string? Problem => Found.Value.Problem;

    private static (IReadOnlyList<CudaDeviceInfo>, string?) Discover()
    {
        try
        {
            return NativeLibraries.Guard("the CUDA driver", Cuda.Lib, () =>
            {
                int err = Cuda.cuInit(0);
                if (err == 100) return ((IReadOnlyList<CudaDeviceInfo>)Array.Empty<CudaDeviceInfo>(), (string?)"no CUDA device");
                Cuda.Check(err, "cuInit");
                int count;
                Cuda.Check(Cuda.cuDeviceGetCount(&count), "cuDeviceGetCount");
                var list = new List<CudaDeviceInfo>();
                byte* name = stackalloc byte[256];
                for (int i = 0; i < count; i++)
                {
                    int device;
                    Cuda.Check(Cuda.cuDeviceGet(&device, i), "cuDeviceGet");
                    Cuda.Check(Cuda.cuDeviceGetName(name, 256, device), "cuDeviceGetName");
                    int major, minor, sms;
                    Cuda.Check(Cuda.cuDeviceGetAttribute(&major, Cuda.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device), "cuDeviceGetAttribute");
                    Cuda.Check(Cuda.cuDeviceGetAttribute(&minor, Cuda.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device), "cuDeviceGetAttribute");
                    Cuda.Check(Cuda.cuDeviceGetAttribute(&sms, Cuda.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device), "cuDeviceGetAttribute");
                    nuint mem;
                    Cuda.Check(Cuda.cuDeviceTotalMem_v2(&mem, device), "cuDeviceTotalMem_v2");
                    list.Add(new CudaDeviceInfo(i, Marshal.PtrToStringUTF8((nint)name) ?? "?", major, minor, (long)mem, sms));
                }
                return (list, list.Count == 0 ? "no CUDA device" : null);
            });
        }
        catch (DeviceException e)
        {
            return (Array.Empty<CudaDeviceInfo>(), e.Message);
        }
    }
}

/// <summary>
/// A CUDA device through the driver API: its own context, the default stream, kernels compiled by NVRTC to PTX
/// for the device's compute capability (PTX cached on disk), loaded with cuModuleLoadData.
/// Every call makes the context current first, so the device can be used from any thread (one at a time).
/// </summary>
public sealed unsafe class CudaDevice : IComputeDevice
{
    private readonly CudaDeviceInfo _info;
    private readonly CudaContextHandle _context;
    private readonly Dictionary<string, CudaModuleHandle> _modules = new();
    private readonly Dictionary<string, CuKernel> _kernels = new();
    private readonly object _lock = new();

    public string Id => $"cuda:{_info.Index}";
    public string Name => _info.Name;
    public string Backend => "CUDA";
    public int VectorWidth => 4;
    public bool IsCpu => false;

    public CudaDevice(int index)
    {
        var devices = CudaDiscovery.Devices;
        if (devices.Count == 0) throw new DeviceUnavailableException($"cuda:{index}: {CudaDiscovery.Problem ?? "no CUDA device"}");
        if (index < 0 || index >= devices.Count)
            throw new DeviceUnavailableException($"cuda:{index}: no such device (found {devices.Count}: cuda:0..cuda:{devices.Count - 1})");
        _info = devices[index];
        int device;
        Cuda.Check(Cuda.cuDeviceGet(&device, index), "cuDeviceGet");
        nint ctx;
        Cuda.Check(Cuda.cuCtxCreate_v2(&ctx, 0, device), "cuCtxCreate_v2", _info.Name);
        _context = new CudaContextHandle(ctx);
    }

    private nint Current()
    {
        nint ctx = _context.DangerousGetHandle();
        Cuda.Check(Cuda.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
        return ctx;
    }

    private sealed class CuBuffer : DeviceBuffer
    {
        public readonly CudaMemoryHandle Handle;
        public CuBuffer(CudaMemoryHandle h, long bytes) : base(bytes) => Handle = h;
        public override void Dispose() => Handle.Dispose();
    }

    private sealed class CuKernel : IDeviceKernel
    {
        public CuKernel(string name, nint function) { Name = name; Function = function; }
        public string Name { get; }
        public nint Function { get; }
    }

    public DeviceBuffer Allocate(long bytes)
    {
        lock (_lock)
        {
            nint ctx = Current();
            ulong ptr;
            Cuda.Check(Cuda.cuMemAlloc_v2(&ptr, (nuint)Math.Max(bytes, 4)), "cuMemAlloc_v2", $"{bytes} bytes");
            return new CuBuffer(new CudaMemoryHandle(ptr, ctx), bytes);
        }
    }

    public void Write<T>(DeviceBuffer buffer, ReadOnlySpan<T> data) where T : unmanaged
    {
        long bytes = (long)data.Length * sizeof(T);
        if (bytes > buffer.Bytes) throw new ArgumentException($"write of {bytes} bytes into a {buffer.Bytes}-byte buffer");
        if (bytes == 0) return;
        lock (_lock)
        {
            Current();
            fixed (T* p = data) Cuda.Check(Cuda.cuMemcpyHtoD_v2(((CuBuffer)buffer).Handle.Pointer, p, (nuint)bytes), "cuMemcpyHtoD_v2");
        }
    }

    public void Read<T>(DeviceBuffer buffer, Span<T> data) where T : unmanaged
    {
        long bytes = (long)data.Length * sizeof(T);
        if (bytes > buffer.Bytes) throw new ArgumentException($"read of {bytes} bytes from a {buffer.Bytes}-byte buffer");
        if (bytes == 0) return;
        lock (_lock)
        {
            Current();
            fixed (T* p = data) Cuda.Check(Cuda.cuMemcpyDtoH_v2(p, ((CuBuffer)buffer).Handle.Pointer, (nuint)bytes), "cuMemcpyDtoH_v2");
        }
    }

    public IDeviceKernel Kernel(string sourceFile, string kernelName, IReadOnlyDictionary<string, int>? defines = null)
    {
        var all = new Dictionary<string, int> { ["VW"] = VectorWidth };
        if (defines is not null) foreach (var (k, v) in defines) all[k] = v;
        string source = KernelSource.Program(sourceFile, all);
        lock (_lock)
        {
            nint ctx = Current();
            string arch = $"compute_{_info.ComputeMajor}{_info.ComputeMinor}";
            var (nvrtcMajor, nvrtcMinor) = NvrtcVersion();
            int driver;
            Cuda.Check(Cuda.cuDriverGetVersion(&driver), "cuDriverGetVersion");
            string key = KernelSource.Hash(source, arch, $"nvrtc {nvrtcMajor}.{nvrtcMinor}", $"driver {driver}");
            if (_kernels.TryGetValue(key + kernelName, out var cached)) return cached;
            if (!_modules.TryGetValue(key, out var module))
            {
                byte[] ptx = ProgramCache.TryLoad(key, ".ptx") ?? CompilePtx(source, sourceFile, arch, key);
                nint m;
                fixed (byte* p = ptx) Cuda.Check(Cuda.cuModuleLoadData(&m, p), "cuModuleLoadData", sourceFile);
                module = new CudaModuleHandle(m, ctx);
                _modules[key] = module;
            }
            nint function;
            byte[] name = Encoding.UTF8.GetBytes(kernelName + "\0");
            fixed (byte* n = name) Cuda.Check(Cuda.cuModuleGetFunction(&function, module.DangerousGetHandle(), n), "cuModuleGetFunction", kernelName);
            var kernel = new CuKernel(kernelName, function);
            _kernels[key + kernelName] = kernel;
            return kernel;
        }
    }

    private static (int, int) NvrtcVersion() => NativeLibraries.Guard("NVRTC (the CUDA run-time compiler)", Nvrtc.Lib, () =>
    {
        int major, minor;
        Nvrtc.Check(Nvrtc.nvrtcVersion(&major, &minor), "nvrtcVersion");
        return (major, minor);
    });

    /// <summary>CUDA C → PTX with NVRTC. A compile error throws <see cref="KernelBuildException"/> with NVRTC's log.</summary>
    private static byte[] CompilePtx(string source, string file, string arch, string key)
    {
        byte[] src = Encoding.UTF8.GetBytes(source + "\0"), fileName = Encoding.UTF8.GetBytes(file + "\0");
        nint program;
        fixed (byte* s = src) fixed (byte* f = fileName)
            Nvrtc.Check(Nvrtc.nvrtcCreateProgram(&program, s, f, 0, null, null), "nvrtcCreateProgram");
        using var handle = new NvrtcProgramHandle(program);
        string[] options = { "--gpu-architecture=" + arch, "--fmad=true" };
        var optionBytes = options.Select(o => Encoding.UTF8.GetBytes(o + "\0")).ToArray();
        var pins = optionBytes.Select(b => GCHandle.Alloc(b, GCHandleType.Pinned)).ToArray();
        int err;
        try
        {
            byte** opts = stackalloc byte*[options.Length];
            for (int i = 0; i < options.Length; i++) opts[i] = (byte*)pins[i].AddrOfPinnedObject();
            err = Nvrtc.nvrtcCompileProgram(program, options.Length, opts);
        }
        finally { foreach (var p in pins) p.Free(); }
        if (err != 0)
        {
            nuint logSize;
            string log = "";
            if (Nvrtc.nvrtcGetProgramLogSize(program, &logSize) == 0 && logSize > 1)
            {
                var buffer = new byte[(int)logSize];
                fixed (byte* b = buffer) Nvrtc.nvrtcGetProgramLog(program, b);
                log = Encoding.UTF8.GetString(buffer).TrimEnd('\0').Trim();
            }
            if (err == 6) throw new KernelBuildException($"CUDA kernel {file} ({arch})", log);
            Nvrtc.Check(err, "nvrtcCompileProgram");
        }
        nuint size;
        Nvrtc.Check(Nvrtc.nvrtcGetPTXSize(program, &size), "nvrtcGetPTXSize");
        var ptx = new byte[(int)size];
        fixed (byte* p = ptx) Nvrtc.Check(Nvrtc.nvrtcGetPTX(program, p), "nvrtcGetPTX");
        ProgramCache.TryStore(key, ".ptx", ptx);
        return ptx;
    }

    public void Launch(IDeviceKernel kernel, (int X, int Y, int Z) global, (int X, int Y, int Z) local, params KernelArg[] args)
    {
        var k = (CuKernel)kernel;
        uint gx = (uint)((global.X + local.X - 1) / local.X), gy = (uint)((global.Y + local.Y - 1) / local.Y), gz = (uint)((global.Z + local.Z - 1) / local.Z);
        if (gx == 0 || gy == 0 || gz == 0) return;
        if (gy > 65535 || gz > 65535)
            throw new DeviceException($"{k.Name}: a grid of {gx}×{gy}×{gz} blocks is beyond CUDA's limit of 65535 in y and z; use a smaller batch or image");
        ulong* values = stackalloc ulong[args.Length];   // each argument's value, 8 bytes apart
        void** pointers = stackalloc void*[args.Length];  // cuLaunchKernel wants a pointer to each value
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a.Buffer is CuBuffer b) values[i] = b.Handle.Pointer;
            else if (a.Buffer is not null) throw new ArgumentException("buffer from another device");
            else if (a.IsFloat) { float f = a.Float; *(float*)&values[i] = f; }
            else *(int*)&values[i] = a.Int;
            pointers[i] = &values[i];
        }
        lock (_lock)
        {
            Current();
            Cuda.Check(Cuda.cuLaunchKernel(k.Function, gx, gy, gz, (uint)local.X, (uint)local.Y, (uint)local.Z, 0, 0, pointers, null),
                "cuLaunchKernel", k.Name);
        }
    }

    public void Finish()
    {
        lock (_lock)
        {
            Current();
            Cuda.Check(Cuda.cuCtxSynchronize(), "cuCtxSynchronize");
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var m in _modules.Values) m.Dispose();
            _modules.Clear(); _kernels.Clear();
            _context.Dispose();
        }
    }
}
