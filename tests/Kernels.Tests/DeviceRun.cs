using CnnEngine.Kernels.Compute;

namespace CnnEngine.Kernels.Tests;

/// <summary>Upload/download helpers so each op test reads as: inputs → device op → compare with the oracle.</summary>
internal static class DeviceRun
{
    public static DeviceArray<T> Upload<T>(GpuDevice d, T[] data) where T : unmanaged
    {
        var b = d.Allocate<T>(data.Length);
        b.Write(data);
        return b;
    }

    public static T[] Download<T>(DeviceArray<T> b, long count) where T : unmanaged
    {
        var r = new T[count];
        b.Read(r);
        return r;
    }

    /// <summary>Deterministic values in [-scale, scale).</summary>
    public static float[] Random(int seed, long count, float scale = 1f)
    {
        var rng = new System.Random(seed);
        var a = new float[count];
        for (long i = 0; i < count; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    /// <summary>Values from a small set, so 2×2 windows hold exact ties (and all-zero windows).</summary>
    public static float[] Quantized(int seed, long count)
    {
        var rng = new System.Random(seed);
        var a = new float[count];
        for (long i = 0; i < count; i++) a[i] = rng.Next(-2, 3);
        return a;
    }
}
