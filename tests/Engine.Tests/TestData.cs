namespace CnnEngine.Tests;

/// <summary>Deterministic test inputs.</summary>
internal static class TestData
{
    /// <summary>Uniform values in [-1, 1).</summary>
    public static float[] Uniform(int count, int seed)
    {
        var rng = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>Small integers in {-1, 0, 1, 2}, half of them zero: plenty of exact ties for max pooling.</summary>
    public static float[] Ties(int count, int seed)
    {
        var rng = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = rng.Next(2) == 0 ? 0f : rng.Next(-1, 3);
        return values;
    }
}
