namespace CnnEngine.Ops;

/// <summary>
/// Reference unpooling by switches (the deconvnet's inverse of max pool): each pooled value goes back to the
/// position its switch recorded; every other position of the (H, W) plane is zero.
/// </summary>
public static class Unpool2x2Scalar
{
    /// <param name="pooled">(H/2, W/2, C).</param>
    /// <param name="switches">(H/2, W/2, C): flat index y*W + x inside the channel's (H, W) plane.</param>
    /// <param name="unpooled">(H, W, C), fully overwritten.</param>
    public static void Run(ReadOnlySpan<float> pooled, ReadOnlySpan<int> switches, int height, int width, int channels, Span<float> unpooled)
    {
        int outH = height / 2, outW = width / 2;
        unpooled.Slice(0, height * width * channels).Clear();
        for (int p = 0; p < outH * outW; p++)
        for (int c = 0; c < channels; c++)
        {
            int s = switches[p * channels + c];
            if ((uint)s >= (uint)(height * width)) throw new ArgumentException($"unpool: switch {s} outside a {height}×{width} plane");
            unpooled[s * channels + c] = pooled[p * channels + c];
        }
    }
}
