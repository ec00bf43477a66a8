using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace CnnEngine.Kernels.Compute;

/// <summary>
/// One ILGPU accelerator (CUDA, OpenCL or the CPU emulator) with its own context, plus what the engine needs around
/// it: an id for messages ("cuda:0"), device-memory accounting (live and peak bytes, a budget), and translation of
/// ILGPU's and the driver's exceptions into <see cref="DeviceException"/>s with one clear line.
/// </summary>
public sealed class GpuDevice : IDisposable
{
    private readonly Context _context;
    private long _live, _peak;

    public string Id { get; }
    public string Name { get; }
    /// <summary>"CUDA", "OpenCL" or "ILGPU CPU".</summary>
    public string Backend { get; }
    public Accelerator Accelerator { get; }
    /// <summary>Bytes the engine may hold on the device at once: 90% of its memory (the rest for the driver and kernels).</summary>
    public long BudgetBytes { get; }
    public long LiveBytes => Interlocked.Read(ref _live);
    /// <summary>The most device memory this engine held at once since opening (or <see cref="ResetPeak"/>).</summary>
    public long PeakBytes => Interlocked.Read(ref _peak);
    public bool IsEmulator => Accelerator.AcceleratorType == AcceleratorType.CPU;

    /// <summary>Takes ownership of <paramref name="context"/> (disposed with this device, also when opening fails).</summary>
    internal GpuDevice(string id, string name, string backend, Context context, Func<Context, Accelerator> open)
    {
        Id = id; Name = name; Backend = backend; _context = context;
        try
        {
            Accelerator = Guard($"opening {id}", () => open(context));
            long memory = Accelerator.MemorySize;
            BudgetBytes = memory <= 0 || memory == long.MaxValue ? long.MaxValue : memory / 10 * 9;
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    public void ResetPeak() => Interlocked.Exchange(ref _peak, LiveBytes);

    /// <summary>Allocates <paramref name="length"/> elements; refuses what would exceed the budget before asking the driver.</summary>
    public DeviceArray<T> Allocate<T>(long length) where T : unmanaged
    {
        long bytes = Math.Max(1, length) * Marshal.SizeOf<T>();
        long live = Interlocked.Add(ref _live, bytes);
        try
        {
            if (live > BudgetBytes)
                throw new DeviceOutOfMemoryException(Id,
                    $"{Id}: out of device memory: {bytes / 1048576.0:F0} MiB more would make {live / 1048576.0:F0} MiB, over the {BudgetBytes / 1048576} MiB this engine may use; try a smaller batch or image");
            var buffer = Guard($"allocating {bytes / 1048576.0:F1} MiB on {Id}", () => Accelerator.Allocate1D<T>(Math.Max(1, length)));
            long peak;
            while (live > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, live, peak) != peak) { }
            return new DeviceArray<T>(this, buffer, length, bytes);
        }
        catch
        {
            Interlocked.Add(ref _live, -bytes);
            throw;
        }
    }

    internal void Released(long bytes) => Interlocked.Add(ref _live, -bytes);

    /// <summary>Waits for every queued kernel and copy.</summary>
    public void Synchronize() => Guard($"running on {Id}", () => { Accelerator.Synchronize(); return 0; });

    /// <summary>Runs a call into ILGPU, turning its failures into one-line <see cref="DeviceException"/>s.</summary>
    public T Guard<T>(string what, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (DeviceException) { throw; }
        catch (Exception e) when (IsDeviceFailure(e))
        {
            throw Translate(Id, what, e);
        }
    }

    public void Guard(string what, Action call) => Guard(what, () => { call(); return 0; });

    /// <summary>Exceptions that mean the device (not our code) failed: ILGPU's runtime and compiler, the driver, memory.</summary>
    internal static bool IsDeviceFailure(Exception e) =>
        e is OutOfMemoryException or InsufficientExecutionStackException or NotSupportedException or DllNotFoundException or EntryPointNotFoundException
        || e.GetType().Namespace?.StartsWith("ILGPU", StringComparison.Ordinal) == true
        || e is TypeInitializationException { InnerException: { } inner } && IsDeviceFailure(inner);

    internal static DeviceException Translate(string id, string what, Exception e)
    {
        string message = FirstLine(e.Message);
        string text = $"{id}: {what} failed: {message}";
        if (e is OutOfMemoryException || message.Contains("OUT_OF_MEMORY", StringComparison.OrdinalIgnoreCase) ||
            message.Contains("out of memory", StringComparison.OrdinalIgnoreCase) || message.Contains("MEM_OBJECT_ALLOCATION", StringComparison.Ordinal))
            return new DeviceOutOfMemoryException(id, $"{text} (out of device memory: try a smaller batch or image)", e);
        if (e.GetType().Namespace?.StartsWith("ILGPU.Frontend", StringComparison.Ordinal) == true || e is ILGPU.InternalCompilerException)
            return new KernelBuildException(text, e);
        return new DeviceException(text, e);
    }

    private static string FirstLine(string s)
    {
        int i = s.IndexOfAny(new[] { '\r', '\n' });
        return (i < 0 ? s : s[..i]).Trim();
    }

    public void Dispose()
    {
        try { Accelerator?.Dispose(); }
        catch (Exception e) when (IsDeviceFailure(e)) { }   // a lost device: nothing left to free
        _context.Dispose();
    }
}

/// <summary>A 1-D array in device memory; disposing frees it and updates the device's accounting.</summary>
public sealed class DeviceArray<T> : IDisposable where T : unmanaged
{
    private readonly GpuDevice _device;
    private MemoryBuffer1D<T, Stride1D.Dense>? _buffer;
    private readonly long _bytes;

    internal DeviceArray(GpuDevice device, MemoryBuffer1D<T, Stride1D.Dense> buffer, long length, long bytes)
    {
        _device = device; _buffer = buffer; Length = length; _bytes = bytes;
    }

    public long Length { get; }

    public ArrayView<T> View => (_buffer ?? throw new ObjectDisposedException(nameof(DeviceArray<T>))).View;

    /// <summary>Copies <paramref name="data"/> to the start of the array (blocking).</summary>
    public void Write(ReadOnlySpan<T> data)
    {
        if (data.Length > Length) throw new ArgumentException($"write of {data.Length} elements into an array of {Length}");
        if (data.Length == 0) return;
        var view = View.SubView(0, data.Length);
        _device.Synchronize();   // no kernel still reading the old contents (the CPU accelerator copies on the calling thread)
        try { view.CopyFromCPU(ref MemoryMarshal.GetReference(data), data.Length); }
        catch (Exception e) when (GpuDevice.IsDeviceFailure(e)) { throw GpuDevice.Translate(_device.Id, "copying to the device", e); }
    }

    /// <summary>Copies the start of the array into <paramref name="data"/> (blocking: waits for the kernels before it).</summary>
    public void Read(Span<T> data)
    {
        if (data.Length > Length) throw new ArgumentException($"read of {data.Length} elements from an array of {Length}");
        if (data.Length == 0) return;
        var view = View.SubView(0, data.Length);
        _device.Synchronize();   // every kernel that writes it has finished (measured: without this the emulator can race)
        try { view.CopyToCPU(ref MemoryMarshal.GetReference(data), data.Length); }
        catch (Exception e) when (GpuDevice.IsDeviceFailure(e)) { throw GpuDevice.Translate(_device.Id, "copying from the device", e); }
    }

    public void Dispose()
    {
        var b = Interlocked.Exchange(ref _buffer, null);
        if (b is null) return;
        _device.Released(_bytes);
        try { b.Dispose(); }
        catch (Exception e) when (GpuDevice.IsDeviceFailure(e)) { }
    }
}
