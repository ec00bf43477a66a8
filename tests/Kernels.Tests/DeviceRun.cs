using CnnEngine.Kernels.Compute;

namespace CnnEngine.Kernels.Tests;

/// <summary>Upload/launch/download helpers so each op test reads as: inputs → device op → compare with the oracle.</summary>
internal static class DeviceRun
{
    public static DeviceBuffer Upload(IComputeDevice d, float[] data)
    {
        var b = d.Allocate(Math.Max(1, data.Length) * 4L);
        d.Write<float>(b, data);
        return b;
    }

    public static DeviceBuffer Upload(IComputeDevice d, int[] data)
    {
        var b = d.Allocate(Math.Max(1, data.Length) * 4L);
        d.Write<int>(b, data);
        return b;
    }

    public static float[] Download(IComputeDevice d, DeviceBuffer b, long count)
    {
        var r = new float[count];
        d.Read<float>(b, r);
        return r;
    }

    public static int[] DownloadInts(IComputeDevice d, DeviceBuffer b, long count)
    {
        var r = new int[count];
        d.Read<int>(b, r);
        return r;
    }

    /// <summary>Deterministic values in [-1, 1).</summary>
    public static float[] Random(int seed, long count, float scale = 1f)
    {
        var rng = new System.Random(seed);
        var a = new float[count];
        for (long i = 0; i < count; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    /// <summary>Values from a small set, so 2×2 windows hold exact ties.</summary>
    public static float[] Quantized(int seed, long count)
    {
        var rng = new System.Random(seed);
        var a = new float[count];
        for (long i = 0; i < count; i++) a[i] = rng.Next(-2, 3);
        return a;
    }
}
