namespace CnnEngine.Kernels.Compute;

/// <summary>Memory on a device. Disposing frees it.</summary>
public abstract class DeviceBuffer : IDisposable
{
    public long Bytes { get; }
    protected DeviceBuffer(long bytes) => Bytes = bytes;
    public abstract void Dispose();
}

/// <summary>A compiled kernel entry point on one device.</summary>
public interface IDeviceKernel
{
    string Name { get; }
}

/// <summary>One kernel argument: a buffer, an int or a float.</summary>
public readonly struct KernelArg
{
    public DeviceBuffer? Buffer { get; }
    public int Int { get; }
    public float Float { get; }
    public bool IsFloat { get; }
    private KernelArg(DeviceBuffer? b, int i, float f, bool isFloat) { Buffer = b; Int = i; Float = f; IsFloat = isFloat; }
    public static implicit operator KernelArg(DeviceBuffer b) => new(b, 0, 0, false);
    public static implicit operator KernelArg(int i) => new(null, i, 0, false);
    public static implicit operator KernelArg(float f) => new(null, 0, f, true);
}

/// <summary>
/// What the backends need from a device, the same for OpenCL and CUDA: memory, copies, compiled kernels, launches.
/// Sizes are in OpenCL's terms: <c>global</c> counts work-items (threads) per dimension and is rounded up to a
/// multiple of <c>local</c> here; CUDA's grid is global / local. All calls are in order on one queue/stream.
/// </summary>
public interface IComputeDevice : IDisposable
{
    /// <summary>"opencl:0", "cuda:0".</summary>
    string Id { get; }
    string Name { get; }
    /// <summary>"OpenCL" or "CUDA".</summary>
    string Backend { get; }
    /// <summary>Floats per <c>vecf</c> in the kernels: 16 on a CPU (AVX-512 width), 4 on a GPU.</summary>
    int VectorWidth { get; }
    bool IsCpu { get; }

    DeviceBuffer Allocate(long bytes);
    void Write<T>(DeviceBuffer buffer, ReadOnlySpan<T> data) where T : unmanaged;
    void Read<T>(DeviceBuffer buffer, Span<T> data) where T : unmanaged;

    /// <summary>Compiles (or takes from the caches) <paramref name="sourceFile"/> with <paramref name="defines"/> and returns one kernel.</summary>
    IDeviceKernel Kernel(string sourceFile, string kernelName, IReadOnlyDictionary<string, int>? defines = null);
    void Launch(IDeviceKernel kernel, (int X, int Y, int Z) global, (int X, int Y, int Z) local, params KernelArg[] args);
    /// <summary>Waits until everything queued has run.</summary>
    void Finish();
}
