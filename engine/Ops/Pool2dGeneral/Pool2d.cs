using System.Numerics;

namespace CnnEngine.Ops;

/// <summary>
/// Max (with switches) and average pools of any size, stride and padding over a batch (N, H, W, C): output rows split
/// across cores; inside a row the max pool runs over channels with <see cref="Vector{T}"/> (channels last makes each
/// window pixel one contiguous vector load), the average pool with the oracle's loop. Same rules as
/// <see cref="MaxPool2dScalar"/> / <see cref="AvgPool2dScalar"/>, against which it is tested.
/// </summary>
public static class Pool2d
{
    public static void Max(float[] input, int images, int height, int width, int channels, Window2D window, float[] output, int[] switches)
    {
        int oh = window.OutHeight(height), ow = window.OutWidth(width);
        Check(input.Length, images, height, width, channels, window, output.Length);
        if (switches.Length < (long)images * oh * ow * channels) throw new ArgumentException("pool: switches shorter than (N, OH, OW, C)");
        int inPer = height * width * channels, outPer = oh * ow * channels;
        Parallel.For(0, images * oh, job =>
        {
            int n = job / oh, oy = job % oh;
            MaxRow(input.AsSpan(n * inPer, inPer), height, width, channels, window, output.AsSpan(n * outPer, outPer), switches.AsSpan(n * outPer, outPer), oy);
        });
    }

    public static void Average(float[] input, int images, int height, int width, int channels, Window2D window, float[] output)
    {
        int oh = window.OutHeight(height), ow = window.OutWidth(width);
        Check(input.Length, images, height, width, channels, window, output.Length);
        int inPer = height * width * channels, outPer = oh * ow * channels;
        Parallel.For(0, images * oh, job =>
        {
            int n = job / oh, oy = job % oh;
            AvgPool2dScalar.RunRows(input.AsSpan(n * inPer, inPer), height, width, channels, window, output.AsSpan(n * outPer, outPer), oy, oy + 1);
        });
    }

    private static void MaxRow(ReadOnlySpan<float> input, int height, int width, int channels, Window2D window, Span<float> output, Span<int> switches, int oy)
    {
        int ow = window.OutWidth(width), lanes = Vector<float>.Count;
        int y0 = Math.Max(0, oy * window.StrideH - window.PadTop), y1 = Math.Min(height, oy * window.StrideH - window.PadTop + window.KernelH);
        for (int ox = 0; ox < ow; ox++)
        {
            int x0 = Math.Max(0, ox * window.StrideW - window.PadLeft), x1 = Math.Min(width, ox * window.StrideW - window.PadLeft + window.KernelW);
            int o = (oy * ow + ox) * channels;
            int c = 0;
            for (; c + lanes <= channels; c += lanes)
            {
                // The first pixel in window order starts the running max; later pixels win only when strictly greater.
                var best = new Vector<float>(input.Slice((y0 * width + x0) * channels + c, lanes));
                var at = new Vector<int>(y0 * width + x0);
                for (int y = y0; y < y1; y++)
                for (int x = (y == y0 ? x0 + 1 : x0); x < x1; x++)
                {
                    var v = new Vector<float>(input.Slice((y * width + x) * channels + c, lanes));
                    var greater = Vector.GreaterThan(v, best);
                    best = Vector.ConditionalSelect(greater, v, best);
                    at = Vector.ConditionalSelect(greater, new Vector<int>(y * width + x), at);
                }
                best.CopyTo(output.Slice(o + c, lanes));
                at.CopyTo(switches.Slice(o + c, lanes));
            }
            for (; c < channels; c++)
            {
                float best = input[(y0 * width + x0) * channels + c];
                int at = y0 * width + x0;
                for (int y = y0; y < y1; y++)
                for (int x = (y == y0 ? x0 + 1 : x0); x < x1; x++)
                {
                    float v = input[(y * width + x) * channels + c];
                    if (v > best) { best = v; at = y * width + x; }
                }
                output[o + c] = best;
                switches[o + c] = at;
            }
        }
    }

    private static void Check(int inputLength, int images, int height, int width, int channels, Window2D window, int outputLength)
    {
        if (images < 1 || height < 1 || width < 1 || channels < 1) throw new ArgumentException("pool: sizes must be positive");
        if (!window.Fits(height, width)) throw new ArgumentException($"pool: window {window} does not fit a {height}×{width} input");
        if (window.PadTop >= window.KernelH || window.PadBottom >= window.KernelH || window.PadLeft >= window.KernelW || window.PadRight >= window.KernelW)
            throw new ArgumentException($"pool: padding {window} as large as the window would leave empty windows");
        if (inputLength < (long)images * height * width * channels) throw new ArgumentException("pool: input shorter than (N, H, W, C)");
        if (outputLength < (long)images * window.OutHeight(height) * window.OutWidth(width) * channels) throw new ArgumentException("pool: output shorter than (N, OH, OW, C)");
    }
}
