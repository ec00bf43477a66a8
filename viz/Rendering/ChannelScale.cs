using CnnEngine.Tensors;

namespace CnnEngine.Viz.Rendering;

/// <summary>
/// How activations become 0..255 colormap indices.
/// Per channel (the default): channel c maps its own min..max to 0..255, so every channel uses the whole colormap
/// and weak channels stay visible; a constant channel (max = min, e.g. a dead ReLU) maps to 0.
/// Shared (<c>--shared-scale</c>): one min..max over the whole layer, so channels compare by brightness.
/// </summary>
public sealed class ChannelScale
{
    /// <summary>(C,) lower ends.</summary>
    public float[] Min { get; }
    /// <summary>(C,) upper ends.</summary>
    public float[] Max { get; }
    public bool Shared { get; }

    private ChannelScale(float[] min, float[] max, bool shared) { Min = min; Max = max; Shared = shared; }

    /// <summary>Scales for one image (H, W, C) channels-last.</summary>
    public static ChannelScale Compute(ReadOnlySpan<float> image, int channels, bool shared)
    {
        var min = new float[channels];
        var max = new float[channels];
        Array.Fill(min, float.PositiveInfinity);
        Array.Fill(max, float.NegativeInfinity);
        for (int i = 0; i < image.Length; i += channels)
        {
            ReadOnlySpan<float> pixel = image.Slice(i, channels); // (C,)
            for (int c = 0; c < channels; c++)
            {
                float v = pixel[c];
                if (v < min[c]) min[c] = v;
                if (v > max[c]) max[c] = v;
            }
        }
        if (shared)
        {
            float lo = min.Min(), hi = max.Max();
            Array.Fill(min, lo);
            Array.Fill(max, hi);
        }
        return new ChannelScale(min, max, shared);
    }

    public static ChannelScale Compute(Tensor activation, bool shared) =>
        Compute(activation.Image(0), activation.Shape[^1], shared);

    /// <summary>Multiplier that takes (v − Min[c]) to 0..255; 0 for a constant channel.</summary>
    public float Gain(int c) => Max[c] > Min[c] ? 255f / (Max[c] - Min[c]) : 0f;

    public byte ToIndex(float v, int c) => ToIndex(v, Min[c], Gain(c));

    public static byte ToIndex(float v, float min, float gain)
    {
        float x = (v - min) * gain + 0.5f;
        return x <= 0f ? (byte)0 : x >= 255f ? (byte)255 : (byte)x;
    }
}
