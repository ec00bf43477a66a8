using System.Runtime.InteropServices;
using System.Text;
using CnnEngine.Kernels.Native;

namespace CnnEngine.Kernels.Compute;

/// <summary>An OpenCL device with its own context and in-order command queue.</summary>
public sealed unsafe class OpenClDevice : IComputeDevice
{
    private readonly OpenClDeviceInfo _info;
    private readonly ClContextHandle _context;
    private readonly ClQueueHandle _queue;
    private readonly Dictionary<string, ClProgramHandle> _programs = new();
    private readonly Dictionary<string, ClKernel> _kernels = new();
    private readonly object _lock = new();

    public string Id => $"opencl:{_info.Index}";
    public string Name => $"{_info.Name} ({_info.PlatformName})";
    public string Backend => "OpenCL";
    public int VectorWidth => _info.IsCpu ? 16 : 4;
    public bool IsCpu => _info.IsCpu;
    public OpenClDeviceInfo Info => _info;

    /// <param name="index">Position in <see cref="OpenClDiscovery.Devices"/>.</param>
    public OpenClDevice(int index)
    {
        var devices = OpenClDiscovery.Devices;
        if (devices.Count == 0) throw new DeviceUnavailableException($"opencl:{index}: {OpenClDiscovery.Problem ?? "no OpenCL device"}");
        if (index < 0 || index >= devices.Count)
            throw new DeviceUnavailableException($"opencl:{index}: no such device (found {devices.Count}: opencl:0..opencl:{devices.Count - 1})");
        _info = devices[index];
        nint device = _info.Device;
        int err;
        nint* props = stackalloc nint[3] { 0x1084 /* CL_CONTEXT_PLATFORM */, _info.Platform, 0 };
        nint ctx = OpenCl.clCreateContext(props, 1, &device, 0, 0, &err);
        OpenCl.Check(err, "clCreateContext", _info.Name);
        _context = new ClContextHandle(ctx);
        nint queue = OpenCl.clCreateCommandQueue(ctx, device, 0, &err);
        if (err != 0) { _context.Dispose(); OpenCl.Check(err, "clCreateCommandQueue", _info.Name); }
        _queue = new ClQueueHandle(queue);
    }

    private sealed class ClBuffer : DeviceBuffer
    {
        public readonly ClMemHandle Handle;
        public ClBuffer(ClMemHandle h, long bytes) : base(bytes) => Handle = h;
        public override void Dispose() => Handle.Dispose();
    }

    private sealed class ClKernel : IDeviceKernel
    {
        public ClKernel(string name, ClKernelHandle h) { Name = name; Handle = h; }
        public string Name { get; }
        public ClKernelHandle Handle { get; }
    }

    /// <summary>The disk-cache key of a program text on this device (source, options, device, driver).</summary>
    internal string CacheKey(string source) => KernelSource.Hash(source, "-cl-std=CL1.2", _info.Name, _info.PlatformName, _info.Driver);

    public DeviceBuffer Allocate(long bytes)
    {
        if (bytes > _info.MaxAlloc)
            throw new DeviceOutOfMemoryException("clCreateBuffer", "CL_INVALID_BUFFER_SIZE", -61,
                $"{bytes / 1048576.0:F0} MiB is more than the device's largest allocation ({_info.MaxAlloc / 1048576} MiB); try a smaller batch or image");
        int err;
        nint mem = OpenCl.clCreateBuffer(_context.DangerousGetHandle(), OpenCl.CL_MEM_READ_WRITE, (nuint)Math.Max(bytes, 4), null, &err);
        OpenCl.Check(err, "clCreateBuffer", $"{bytes} bytes");
        return new ClBuffer(new ClMemHandle(mem), bytes);
    }

    public void Write<T>(DeviceBuffer buffer, ReadOnlySpan<T> data) where T : unmanaged
    {
        long bytes = (long)data.Length * sizeof(T);
        if (bytes > buffer.Bytes) throw new ArgumentException($"write of {bytes} bytes into a {buffer.Bytes}-byte buffer");
        if (bytes == 0) return;
        fixed (T* p = data)
            OpenCl.Check(OpenCl.clEnqueueWriteBuffer(_queue.DangerousGetHandle(), ((ClBuffer)buffer).Handle.DangerousGetHandle(),
                OpenCl.CL_TRUE, 0, (nuint)bytes, p, 0, null, null), "clEnqueueWriteBuffer");
    }

    public void Read<T>(DeviceBuffer buffer, Span<T> data) where T : unmanaged
    {
        long bytes = (long)data.Length * sizeof(T);
        if (bytes > buffer.Bytes) throw new ArgumentException($"read of {bytes} bytes from a {buffer.Bytes}-byte buffer");
        if (bytes == 0) return;
        fixed (T* p = data)
            OpenCl.Check(OpenCl.clEnqueueReadBuffer(_queue.DangerousGetHandle(), ((ClBuffer)buffer).Handle.DangerousGetHandle(),
                OpenCl.CL_TRUE, 0, (nuint)bytes, p, 0, null, null), "clEnqueueReadBuffer");
    }

    public IDeviceKernel Kernel(string sourceFile, string kernelName, IReadOnlyDictionary<string, int>? defines = null)
    {
        var all = new Dictionary<string, int> { ["VW"] = VectorWidth };
        if (defines is not null) foreach (var (k, v) in defines) all[k] = v;
        return KernelFromSource(sourceFile, KernelSource.Program(sourceFile, all), kernelName);
    }

    /// <summary>Compiles a complete program text (tests use it to check that a broken kernel reports the compiler log).</summary>
    internal IDeviceKernel KernelFromSource(string sourceFile, string source, string kernelName)
    {
        const string options = "-cl-std=CL1.2";
        string key = CacheKey(source);
        lock (_lock)
        {
            if (_kernels.TryGetValue(key + kernelName, out var cached)) return cached;
            if (!_programs.TryGetValue(key, out var program))
            {
                program = Build(source, options, key, sourceFile);
                _programs[key] = program;
            }
            int err;
            byte[] name = Encoding.UTF8.GetBytes(kernelName + "\0");
            nint k;
            fixed (byte* n = name) k = OpenCl.clCreateKernel(program.DangerousGetHandle(), n, &err);
            OpenCl.Check(err, "clCreateKernel", kernelName);
            var kernel = new ClKernel(kernelName, new ClKernelHandle(k));
            _kernels[key + kernelName] = kernel;
            return kernel;
        }
    }

    /// <summary>Builds from the cached binary when there is one (and it still builds), else from source, then caches the binary.</summary>
    private ClProgramHandle Build(string source, string options, string key, string what)
    {
        nint device = _info.Device;
        byte[]? binary = ProgramCache.TryLoad(key, ".clbin");
        if (binary is not null)
        {
            int err, status;
            nuint length = (nuint)binary.Length;
            nint prog;
            fixed (byte* b = binary) { byte* bp = b; prog = OpenCl.clCreateProgramWithBinary(_context.DangerousGetHandle(), 1, &device, &length, &bp, &status, &err); }
            if (err == 0 && status == 0)
            {
                var handle = new ClProgramHandle(prog);
                if (BuildProgram(prog, options) == 0) return handle;
                handle.Dispose();   // stale or foreign binary: fall through to a source build
            }
        }
        byte[] text = Encoding.UTF8.GetBytes(source);
        nint program;
        int e;
        fixed (byte* t = text)
        {
            byte* tp = t;
            nuint len = (nuint)text.Length;
            program = OpenCl.clCreateProgramWithSource(_context.DangerousGetHandle(), 1, &tp, &len, &e);
        }
        OpenCl.Check(e, "clCreateProgramWithSource", what);
        var result = new ClProgramHandle(program);
        int buildErr = BuildProgram(program, options);
        if (buildErr != 0)
        {
            string log = BuildLog(program);
            result.Dispose();
            if (buildErr == -11) throw new KernelBuildException($"OpenCL kernel {what} on {_info.Name}", log);
            OpenCl.Check(buildErr, "clBuildProgram", what + (log.Length > 0 ? ": " + log : ""));
        }
        StoreBinary(program, key);
        return result;
    }

    private int BuildProgram(nint program, string options)
    {
        nint device = _info.Device;
        byte[] opts = Encoding.UTF8.GetBytes(options + "\0");
        fixed (byte* o = opts) return OpenCl.clBuildProgram(program, 1, &device, o, 0, 0);
    }

    private string BuildLog(nint program)
    {
        nuint size = 0;
        if (OpenCl.clGetProgramBuildInfo(program, _info.Device, OpenCl.CL_PROGRAM_BUILD_LOG, 0, null, &size) != 0 || size == 0) return "";
        var log = new byte[(int)size];
        fixed (byte* l = log) OpenCl.clGetProgramBuildInfo(program, _info.Device, OpenCl.CL_PROGRAM_BUILD_LOG, size, l, null);
        return Encoding.UTF8.GetString(log).TrimEnd('\0').Trim();
    }

    private static void StoreBinary(nint program, string key)
    {
        nuint size = 0;
        if (OpenCl.clGetProgramInfo(program, OpenCl.CL_PROGRAM_BINARY_SIZES, (nuint)sizeof(nuint), &size, null) != 0 || size == 0) return;
        var binary = new byte[(int)size];
        fixed (byte* b = binary)
        {
            byte* bp = b;
            if (OpenCl.clGetProgramInfo(program, OpenCl.CL_PROGRAM_BINARIES, (nuint)sizeof(nint), &bp, null) != 0) return;
        }
        ProgramCache.TryStore(key, ".clbin", binary);
    }

    public void Launch(IDeviceKernel kernel, (int X, int Y, int Z) global, (int X, int Y, int Z) local, params KernelArg[] args)
    {
        var k = (ClKernel)kernel;
        nint handle = k.Handle.DangerousGetHandle();
        lock (_lock)
        {
            for (int i = 0; i < args.Length; i++)
            {
                var a = args[i];
                int err;
                if (a.Buffer is ClBuffer b) { nint mem = b.Handle.DangerousGetHandle(); err = OpenCl.clSetKernelArg(handle, (uint)i, (nuint)sizeof(nint), &mem); }
                else if (a.Buffer is not null) throw new ArgumentException("buffer from another device");
                else if (a.IsFloat) { float f = a.Float; err = OpenCl.clSetKernelArg(handle, (uint)i, 4, &f); }
                else { int v = a.Int; err = OpenCl.clSetKernelArg(handle, (uint)i, 4, &v); }
                OpenCl.Check(err, "clSetKernelArg", $"{k.Name} argument {i}");
            }
            nuint* g = stackalloc nuint[3] { RoundUp(global.X, local.X), RoundUp(global.Y, local.Y), RoundUp(global.Z, local.Z) };
            nuint* l = stackalloc nuint[3] { (nuint)local.X, (nuint)local.Y, (nuint)local.Z };
            if (g[0] == 0 || g[1] == 0 || g[2] == 0) return;
            OpenCl.Check(OpenCl.clEnqueueNDRangeKernel(_queue.DangerousGetHandle(), handle, 3, null, g, l, 0, null, null), "clEnqueueNDRangeKernel", k.Name);
        }
    }

    private static nuint RoundUp(int n, int m) => (nuint)((n + m - 1) / m * m);

    public void Finish() => OpenCl.Check(OpenCl.clFinish(_queue.DangerousGetHandle()), "clFinish");

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var k in _kernels.Values) k.Handle.Dispose();
            foreach (var p in _programs.Values) p.Dispose();
            _kernels.Clear(); _programs.Clear();
            _queue.Dispose();
            _context.Dispose();
        }
    }
}
