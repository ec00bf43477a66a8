namespace CnnEngine.Kernels.Deconv;

/// <summary>
/// The deconvnet's ops on a GPU, for the deconvnet engine (engine/Deconv) when a device is chosen. Host arrays
/// in and out, channels-last, one image. <see cref="Down"/> runs a whole descent on the device (one upload of the
/// seed and switches, one download of the pixels) — use it rather than chaining the single ops.
/// </summary>
public interface IDeconvOps : IDisposable
{
    string DeviceId { get; }

    /// <summary>(H/2, W/2, C) + switches (H/2, W/2, C) → (H, W, C). Switches must lie in their own 2×2 window (as max pool makes them).</summary>
    float[] Unpool(ReadOnlySpan<float> pooled, ReadOnlySpan<int> switches, int height, int width, int channels);

    /// <summary>x = max(x, 0) in place; NaN → 0.</summary>
    void Rectify(Span<float> values);

    /// <summary>Transposed 3×3 conv with layer <paramref name="convLayer"/>'s forward filters: (H, W, Cout) → (H, W, Cin).</summary>
    float[] ConvTranspose(string convLayer, ReadOnlySpan<float> signal, int height, int width);

    /// <summary>
    /// From a signal at <paramref name="layer"/>'s output (H_L, W_L, C_L) down to the input (H, W, 3): at every conv
    /// output rectify then transpose-convolve, at every pool unpool by <paramref name="switches"/>[pool] (one image's
    /// (H', W', C)). <paramref name="height"/>, <paramref name="width"/> are the network input's size.
    /// </summary>
    float[] Down(string layer, ReadOnlySpan<float> seed, IReadOnlyDictionary<string, int[]> switches, int height, int width);

    /// <summary>
    /// <see cref="Down"/> in guided mode (guided backprop): at every conv output the signal is kept only where it is
    /// positive and the forward activation <paramref name="forward"/>[conv] (one image's (H, W, C), after ReLU) was too.
    /// </summary>
    float[] DownGuided(string layer, ReadOnlySpan<float> seed, IReadOnlyDictionary<string, int[]> switches,
        IReadOnlyDictionary<string, float[]> forward, int height, int width);
}
