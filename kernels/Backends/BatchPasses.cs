using CnnEngine.Kernels.Compute;
using CnnEngine.Tensors;

namespace CnnEngine.Kernels.Backends;

/// <summary>
/// What <see cref="GpuBackend"/> and <see cref="GpuCnnBackend"/> share when a batch runs in passes: how many images one
/// pass may hold, allocating a pass's buffers all or none, and copying a pass's slice of a layer back into the
/// whole-batch tensor the tap gets.
/// </summary>
internal static class BatchPasses
{
    /// <summary>
    /// Images per pass: what the device budget leaves after the weights (everything live but this backend's own pass
    /// buffers, <paramref name="buffersBytes"/>) divided by <paramref name="bytesPerImage"/>, and small enough that every
    /// tensor of <paramref name="largestElementsPerImage"/> per image stays indexable by the kernels' 32-bit ints.
    /// Throws <see cref="DeviceOutOfMemoryException"/> naming <paramref name="oneImage"/> and <paramref name="hint"/> when
    /// not even one image fits.
    /// </summary>
    public static int ImagesPerPass(GpuDevice device, long buffersBytes, long bytesPerImage, long largestElementsPerImage,
        int n, int maxImagesPerPass, string oneImage, string hint)
    {
        long free = device.BudgetBytes == long.MaxValue ? long.MaxValue : device.BudgetBytes - (device.LiveBytes - buffersBytes);
        long fit = free == long.MaxValue ? n : free / bytesPerImage;
        long indexable = (int.MaxValue - 1) / largestElementsPerImage;
        long per = Math.Min(Math.Min(fit, indexable), n);
        if (maxImagesPerPass > 0) per = Math.Min(per, maxImagesPerPass);
        if (per < 1)
            throw new DeviceOutOfMemoryException(device.Id,
                $"{device.Id}: out of device memory: {oneImage} needs {bytesPerImage / 1048576.0:F0} MiB of activations, " +
                $"{Math.Max(0, free) / 1048576} MiB are left after the weights; {hint}");
        return (int)per;
    }

    /// <summary>Builds a pass's buffers for <paramref name="images"/> images; if one allocation fails, frees those made before it.</summary>
    public static TBuffers Allocate<TBuffers>(GpuDevice device, int images, Func<PassAllocator, TBuffers> build)
    {
        var allocator = new PassAllocator(device, images);
        try
        {
            return build(allocator);
        }
        catch
        {
            allocator.DisposeAll();
            throw;
        }
    }

    /// <summary>
    /// Reads a pass's <paramref name="count"/> images (from image <paramref name="start"/>) of <paramref name="perImage"/>
    /// values each from <paramref name="buffer"/> into the whole-batch tensor under <paramref name="name"/>, made by
    /// <paramref name="create"/> on the first pass. A blocking read: it waits for the kernels before it.
    /// </summary>
    public static void CopyBack(DeviceArray<float> buffer, Dictionary<string, Tensor> wholeBatch, string name,
        Func<Tensor> create, long perImage, int start, int count)
    {
        if (!wholeBatch.TryGetValue(name, out var t)) wholeBatch[name] = t = create();
        ReadSlice(buffer, t.Data, perImage, start, count);
    }

    /// <inheritdoc cref="CopyBack(DeviceArray{float}, Dictionary{string, Tensor}, string, Func{Tensor}, long, int, int)"/>
    public static void CopyBack(DeviceArray<int> buffer, Dictionary<string, IntTensor> wholeBatch, string name,
        Func<IntTensor> create, long perImage, int start, int count)
    {
        if (!wholeBatch.TryGetValue(name, out var t)) wholeBatch[name] = t = create();
        ReadSlice(buffer, t.Data, perImage, start, count);
    }

    private static void ReadSlice<T>(DeviceArray<T> buffer, T[] wholeBatch, long perImage, int start, int count) where T : unmanaged =>
        buffer.Read(wholeBatch.AsSpan().Slice((int)(start * perImage), (int)(count * perImage)));
}

/// <summary>Allocates a pass's buffers, each sized per image × images, and remembers them so a failed pass frees them all.</summary>
internal sealed class PassAllocator(GpuDevice device, int images)
{
    private readonly List<IDisposable> _owned = new();

    public DeviceArray<T> Alloc<T>(long perImage) where T : unmanaged
    {
        var a = device.Allocate<T>(perImage * images);
        _owned.Add(a);
        return a;
    }

    public void DisposeAll()
    {
        foreach (var o in _owned) o.Dispose();
    }
}
