using System.Numerics.Tensors;

namespace CnnEngine.Ops;

/// <summary>
/// The cheap per-element and reshaping ops of a user's model, on channels-last data. Each is a plain loop (they cost
/// nothing next to the convolutions), except where System.Numerics.Tensors already has the vector body.
/// </summary>
public static class Elementwise
{
    /// <summary>Applies <paramref name="f"/> in place; softmax over groups of <paramref name="lastAxis"/> values.</summary>
    public static void Activate(Span<float> values, int lastAxis, ActivationFunction f)
    {
        switch (f.Kind)
        {
            case ActivationKind.Linear: return;
            case ActivationKind.Relu when f.IsPlainRelu:
                TensorPrimitives.Max(values, 0f, values);
                return;
            case ActivationKind.Relu:
                for (int i = 0; i < values.Length; i++)
                {
                    float x = values[i];
                    values[i] = x >= f.MaxValue ? f.MaxValue : x >= f.Threshold ? x : f.Alpha * (x - f.Threshold);
                }
                return;
            case ActivationKind.Elu:
                for (int i = 0; i < values.Length; i++)
                {
                    float x = values[i];
                    values[i] = x > 0 ? x : f.Alpha * (MathF.Exp(x) - 1f);
                }
                return;
            case ActivationKind.Sigmoid:
                for (int i = 0; i < values.Length; i++) values[i] = 1f / (1f + MathF.Exp(-values[i]));
                return;
            case ActivationKind.Tanh:
                for (int i = 0; i < values.Length; i++) values[i] = MathF.Tanh(values[i]);
                return;
            case ActivationKind.Softmax:
                SoftmaxScalar.Run(values, values.Length / lastAxis, lastAxis);
                return;
            default: throw new ArgumentOutOfRangeException(nameof(f), f.Kind, "unknown activation");
        }
    }

    /// <summary>y = x·scale[c] + shift[c] over (…, C); scale and shift have C values or one.</summary>
    public static void ChannelAffine(ReadOnlySpan<float> input, Span<float> output, int channels, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift)
    {
        for (int i = 0; i < input.Length; i++)
        {
            int c = i % channels;
            output[i] = input[i] * scale[scale.Length == 1 ? 0 : c] + shift[shift.Length == 1 ? 0 : c];
        }
    }

    /// <summary>Zero border: (H, W, C) → (H + top + bottom, W + left + right, C), per image.</summary>
    public static void ZeroPad(ReadOnlySpan<float> input, int images, int height, int width, int channels, int top, int bottom, int left, int right, Span<float> output)
    {
        int ow = width + left + right, oh = height + top + bottom;
        output[..(images * oh * ow * channels)].Clear();
        for (int n = 0; n < images; n++)
        for (int y = 0; y < height; y++)
            input.Slice(((n * height + y) * width) * channels, width * channels)
                 .CopyTo(output.Slice(((n * oh + y + top) * ow + left) * channels, width * channels));
    }

    /// <summary>Global average or max over H·W: (N, H, W, C) → (N, C).</summary>
    public static void GlobalPool(ReadOnlySpan<float> input, int images, int pixels, int channels, bool max, Span<float> output)
    {
        for (int n = 0; n < images; n++)
        for (int c = 0; c < channels; c++)
        {
            double acc = max ? double.NegativeInfinity : 0;
            for (int p = 0; p < pixels; p++)
            {
                float v = input[(n * pixels + p) * channels + c];
                acc = max ? Math.Max(acc, v) : acc + v;
            }
            output[n * channels + c] = (float)(max ? acc : acc / pixels);
        }
    }
}
