using CnnEngine.Backends.Reference;
using CnnEngine.Taps;
using CnnEngine.Model;
using CnnEngine.Ops;
using CnnEngine.Tensors;

namespace CnnEngine.Kernels.Tests;

/// <summary>
/// The engine's scalar reference backend (engine/Backends/Reference/ScalarBackend.cs, made only of the oracles),
/// flattened to arrays for the GPU comparisons.
/// </summary>
internal static class ScalarForward
{
    public sealed record Result(Dictionary<string, float[]> Activations, Dictionary<string, int[]> Switches, Dictionary<string, int[]> Shapes);

    public static Result Run(Vgg16Weights weights, float[] input /* (1, H, W, 3) */, int h, int w)
    {
        var tap = new RecordingTap();
        new ScalarBackend(weights).Forward(new Tensor(input, 1, h, w, 3), tap);
        return new Result(
            tap.Activations.ToDictionary(kv => kv.Key, kv => kv.Value.Data),
            tap.Switches.ToDictionary(kv => kv.Key, kv => kv.Value.Data),
            tap.Activations.ToDictionary(kv => kv.Key, kv => kv.Value.Shape));
    }
}

/// <summary>
/// Switch comparison that allows only near-tie flips: where the device picked a different position than the
/// reference, the two candidates' values in the reference's pool input must differ by at most <c>margin</c>
/// (2 × the largest error measured on that input: anything beyond cannot be rounding). Returns the flip count.
/// </summary>
internal static class Switches
{
    public static int AssertSame(string what, int[] expected, int[] actual, float[] referenceInput, int width, int channels, double margin)
    {
        Assert.Equal(expected.Length, actual.Length);
        int flips = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] == actual[i]) continue;
            int c = i % channels;
            float a = referenceInput[expected[i] * channels + c], b = referenceInput[actual[i] * channels + c];
            Assert.True(Math.Abs(a - b) <= margin,
                $"{what}: switch {i} is {actual[i]}, reference {expected[i]}; values {b} vs {a} differ by more than the near-tie margin {margin:G3}");
            flips++;
        }
        return flips;
    }
}
