using System.Numerics.Tensors;

namespace CnnEngine.Ops;

/// <summary>
/// Transposed 2-D convolution of any kernel size, stride and padding, no bias: the deconvnet's step down through a
/// user's Conv2D (<see cref="ConvTranspose2dGeneralScalar"/> is its oracle). Written as a gather so that rows of the
/// result are independent (parallel over rows, no write conflicts): input pixel (y, x) receives from output (oy, ox)
/// through tap (ky, kx) when y = oy·SH − PadTop + ky, i.e. oy = (y + PadTop − ky) / SH when that divides exactly.
/// For each such tap and each input channel the contribution is one dot product over Cout, and Keras's kernel layout
/// (KH, KW, Cin, Cout) keeps Cout contiguous, so the dot runs on <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>
/// (widest SIMD available) straight from the kernel — no repacking.
/// </summary>
public static class ConvTranspose2dGeneral
{
    /// <param name="signal">(OH, OW, Cout) at the conv's output.</param>
    /// <param name="kernel">(KH, KW, Cin, Cout), Keras layout.</param>
    /// <param name="result">(H, W, Cin) at the conv's input (overwritten).</param>
    /// <param name="threads">Degree of parallelism over result rows; 0 = all cores.</param>
    public static void Run(ReadOnlySpan<float> signal, int height, int width, int inChannels, Window2D window,
        ReadOnlySpan<float> kernel, int outChannels, Span<float> result, int threads = 0)
    {
        CheckLengths(signal.Length, height, width, inChannels, window, kernel.Length, outChannels, result.Length);
        // A projection from one position is zero outside its receptive field: skip the output pixels whose whole
        // (Cout) vector is zero (one pass over the signal, then no dot products there).
        var live = new bool[signal.Length / outChannels]; // (OH, OW)
        for (int p = 0; p < live.Length; p++) live[p] = signal.Slice(p * outChannels, outChannels).ContainsAnyExcept(0f);
        unsafe
        {
            fixed (float* s = signal, k = kernel, r = result)
            {
                nint sp = (nint)s, kp = (nint)k, rp = (nint)r;
                int signalLength = signal.Length, kernelLength = kernel.Length, resultLength = result.Length;
                var options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
                // Small planes are not worth the thread hand-off.
                if ((long)height * width * inChannels * outChannels < 1 << 15) options.MaxDegreeOfParallelism = 1;
                Parallel.For(0, height, options, y => Row(
                    new ReadOnlySpan<float>((float*)sp, signalLength), new ReadOnlySpan<float>((float*)kp, kernelLength),
                    new Span<float>((float*)rp, resultLength), live, y, width, inChannels, window, outChannels));
            }
        }
    }

    private static void Row(ReadOnlySpan<float> signal, ReadOnlySpan<float> kernel, Span<float> result, bool[] live, int y, int width,
        int inChannels, Window2D window, int outChannels)
    {
        int oh = signal.Length / outChannels / Math.Max(1, window.OutWidth(width)), ow = window.OutWidth(width);
        var row = result.Slice(y * width * inChannels, width * inChannels); // (W, Cin)
        row.Clear();
        for (int ky = 0; ky < window.KernelH; ky++)
        {
            int ty = y + window.PadTop - ky;
            if (ty < 0 || ty % window.StrideH != 0 || ty / window.StrideH >= oh) continue;
            int oy = ty / window.StrideH;
            for (int x = 0; x < width; x++)
            {
                var pixel = row.Slice(x * inChannels, inChannels); // (Cin)
                for (int kx = 0; kx < window.KernelW; kx++)
                {
                    int tx = x + window.PadLeft - kx;
                    if (tx < 0 || tx % window.StrideW != 0 || tx / window.StrideW >= ow || !live[oy * ow + tx / window.StrideW]) continue;
                    var g = signal.Slice((oy * ow + tx / window.StrideW) * outChannels, outChannels); // (Cout)
                    int tap = (ky * window.KernelW + kx) * inChannels;
                    for (int ci = 0; ci < inChannels; ci++)
                        pixel[ci] += TensorPrimitives.Dot(g, kernel.Slice((tap + ci) * outChannels, outChannels));
                }
            }
        }
    }

    /// <summary>Shapes must agree: signal (OH, OW, Cout), kernel (KH, KW, Cin, Cout), result (H, W, Cin).</summary>
    public static void CheckLengths(int signal, int height, int width, int inChannels, Window2D window, int kernel, int outChannels, int result)
    {
        if (height < 1 || width < 1 || inChannels < 1 || outChannels < 1 || !window.Fits(height, width))
            throw new ArgumentException($"conv-transpose: a {height}×{width}×{inChannels} input does not fit window {window}");
        long oh = window.OutHeight(height), ow = window.OutWidth(width);
        if (signal != oh * ow * outChannels) throw new ArgumentException($"conv-transpose: signal has {signal} values, ({oh}, {ow}, {outChannels}) needs {oh * ow * outChannels}");
        if (kernel != (long)window.KernelH * window.KernelW * inChannels * outChannels) throw new ArgumentException($"conv-transpose: kernel has {kernel} values, ({window.KernelH}, {window.KernelW}, {inChannels}, {outChannels}) needs {window.KernelH * window.KernelW * inChannels * outChannels}");
        if (result != (long)height * width * inChannels) throw new ArgumentException($"conv-transpose: result has {result} values, ({height}, {width}, {inChannels}) needs {height * width * inChannels}");
    }
}
