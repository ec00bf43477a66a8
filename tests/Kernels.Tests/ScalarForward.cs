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
