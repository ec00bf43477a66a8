namespace CnnEngine.Model.Cnn;

/// <summary>
/// <see cref="ForwardMemory"/>'s estimate for a user's own CNN, from its layer shapes (the input size is fixed by the
/// config). Counted: the input; the CPU engine's working set (a layer's input and output alive together, plus the
/// largest convolution's im2col patches); every tapped layer's output and every max pool's switches (exactly what a
/// <c>RecordingTap</c> holds after a forward); the visualizer's pictures (<see cref="ForwardMemory.PictureBytesPerValue"/>
/// per feature-map value).
/// </summary>
public static class CnnForwardMemory
{
    public static ForwardMemory.Breakdown Of(CnnModel model, long batch, ForwardMemory.Taps taps, bool pictures = false, long extraBytes = 0)
    {
        double n = Math.Max(1, batch);
        double input = n * model.Input.Elements * 4;
        double allValues = 0, allSwitches = 0, mapValues = 0, largestLayer = 0, largestStep = 0, largestPatches = 0;
        foreach (var layer in model.Layers)
        {
            double values = n * layer.Output.Elements;
            allValues += values;
            if (!layer.Output.Flat) mapValues += values;
            if (layer is PoolLayer { IsMax: true }) allSwitches += values;
            largestLayer = Math.Max(largestLayer, values);
            largestStep = Math.Max(largestStep, n * layer.Input.Elements + values);
            if (layer is ConvLayer conv)   // (N·OH·OW, KH·KW·Cin) patches for the general conv's GEMM
                largestPatches = Math.Max(largestPatches, n * layer.Output.Height * layer.Output.Width * conv.Window.KernelH * conv.Window.KernelW * conv.InChannels);
        }
        double working = (largestStep + largestPatches) * 4;
        double tapped = taps switch
        {
            ForwardMemory.Taps.All => (allValues + allSwitches) * 4,
            ForwardMemory.Taps.OneLayer => largestLayer * 4,
            _ => 0,
        };
        double picture = pictures ? mapValues * ForwardMemory.PictureBytesPerValue : 0;
        return new ForwardMemory.Breakdown(Clamp(input), Clamp(working), Clamp(tapped), Clamp(picture), extraBytes,
            Math.Max(Math.Max(largestLayer, largestPatches), n * model.Input.Elements));
    }

    private static long Clamp(double bytes) => bytes >= long.MaxValue / 8 ? long.MaxValue / 8 : (long)bytes;
}
