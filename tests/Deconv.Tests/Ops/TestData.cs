namespace CnnEngine.Deconv.Tests.Ops;

/// <summary>Seeded random inputs for the op tests.</summary>
internal static class TestData
{
    public static float[] Normal(int length, int seed)
    {
        var rng = new Random(seed);
        var a = new float[length];
        for (int i = 0; i < length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }

    /// <summary>A max pool's real output and switches for a random (H, W, C) plane, from the pool oracle.</summary>
    public static (float[] Pooled, int[] Switches) Pool(int height, int width, int channels, int seed)
    {
        var input = Normal(height * width * channels, seed);
        // Some ties so the switch rule matters: quantize a third of the values.
        for (int i = 0; i < input.Length; i += 3) input[i] = MathF.Round(input[i] * 2) / 2;
        var pooled = new float[(height / 2) * (width / 2) * channels];
        var switches = new int[pooled.Length];
        CnnEngine.Ops.MaxPool2x2Scalar.Run(input, height, width, channels, pooled, switches);
        return (pooled, switches);
    }
}
