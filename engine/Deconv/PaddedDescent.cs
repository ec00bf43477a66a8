using System.Buffers;
using CnnEngine.Model;
using CnnEngine.Ops;
using CnnEngine.Taps;

namespace CnnEngine.Deconv;

/// <summary>
/// The rest of a deconvnet descent once its signal covers (most of) the plane in every channel, kept in the
/// zero-bordered padded layout the register-blocked <see cref="Conv3x3"/> reads directly — like the forward engine's
/// ping-pong buffers: two pooled buffers, no padding copy and no allocation per layer.
///   conv (not block1_conv1): transposed conv with ReLU fused into its output. The signal there is rectified next
///                            anyway: at the conv below, or (rectification commutes with unpooling) before the pool below.
///   pool:                    unpool from one padded buffer into the other's interior.
///   block1_conv1:            64 → 3 through <see cref="ConvTranspose3x3ToFewChannels"/> into the fresh (H, W, 3) result.
/// Same values as the layer-by-layer path (same kernels, same summation order), up to the sign of zeros.
/// </summary>
internal static class PaddedDescent
{
    /// <summary>Whether the padded descent can run the layers up to <paramref name="top"/> on this machine.</summary>
    public static bool Available(IReadOnlyList<LayerSpec> layers, int top, Func<LayerSpec, PackedConvTranspose3x3> packed)
    {
        for (int i = top; i >= 0; i--)
            if (layers[i].IsConv && packed(layers[i]).Forward is null) return false;
        return true;
    }

    /// <param name="signal">(h, w, c) at the output of <c>layers[top]</c>, not yet rectified.</param>
    /// <returns>(H, W, 3) at the input.</returns>
    public static unsafe float[] Run(ReadOnlySpan<float> signal, IReadOnlyList<LayerSpec> layers, int top, (int Height, int Width)[] sizes,
        int inH, int inW, Func<LayerSpec, PackedConvTranspose3x3> packed, RecordingTap forward, int image, int threads)
    {
        long largest = 0;
        for (int i = top; i >= 0; i--)
        {
            var (h, w) = sizes[i];
            largest = Math.Max(largest, (long)(h + 2) * Conv3x3.PaddedWidth(w) * layers[i].OutChannels);
        }
        var pool = ArrayPool<float>.Shared;
        float[] a = pool.Rent(checked((int)largest)), b = pool.Rent(checked((int)largest));
        var result = new float[inH * inW * 3]; // (H, W, 3)
        try
        {
            fixed (float* pa = a) fixed (float* pb = b) fixed (float* res = result)
            {
                float* src = pa, dst = pb;
                // Enter: the signal (h, w, c) into the first padded buffer, rectified.
                var (h0, w0) = sizes[top];
                int c0 = layers[top].OutChannels;
                nint srcRow = (nint)Conv3x3.PaddedWidth(w0) * c0;
                ZeroBorder(src, h0, w0, c0);
                for (int y = 0; y < h0; y++)
                {
                    var row = new Span<float>(src + (y + 1) * srcRow + c0, w0 * c0);
                    signal.Slice(y * w0 * c0, w0 * c0).CopyTo(row);
                    Rectify.Run(row);
                }

                for (int i = top; i >= 0; i--)
                {
                    var spec = layers[i];
                    var (h, w) = sizes[i];
                    if (spec.IsConv)
                    {
                        var p = packed(spec);
                        if (i == 0 && ConvTranspose3x3ToFewChannels.Supports(p))
                        {
                            ConvTranspose3x3ToFewChannels.Run(src, srcRow, h, w, p, res, threads);
                            break;
                        }
                        if (i == 0)
                        {
                            Conv3x3.RunPadded(src, 0, srcRow, 1, h, w, p.Forward!, res, 0, (nint)w * spec.InChannels, relu: false, threads);
                            break;
                        }
                        nint dstRow = (nint)Conv3x3.PaddedWidth(w) * spec.InChannels;
                        ZeroBorder(dst, h, w, spec.InChannels);
                        Conv3x3.RunPadded(src, 0, srcRow, 1, h, w, p.Forward!, dst + dstRow + spec.InChannels, 0, dstRow, relu: true, threads);
                        srcRow = dstRow;
                    }
                    else
                    {
                        var (H, W) = sizes[i - 1];
                        if (!forward.Switches.TryGetValue(spec.Name, out var switches))
                            throw new InvalidOperationException($"the forward pass did not record the switches of {spec.Name}");
                        int c = spec.OutChannels;
                        nint dstRow = (nint)Conv3x3.PaddedWidth(W) * c;
                        ZeroBorder(dst, H, W, c);
                        fixed (int* sw = switches.Image(image))
                            Unpool2x2Strided.Run(src + srcRow + c, srcRow, sw, H, W, c, dst + dstRow + c, dstRow, threads);
                        srcRow = dstRow;
                    }
                    float* t = src; src = dst; dst = t;
                }
            }
            return result;
        }
        finally
        {
            pool.Return(a);
            pool.Return(b);
        }
    }

    /// <summary>Zeroes the border of a padded (h + 2, PaddedWidth(w), c) buffer: top and bottom rows, the left pixel, everything right of the image.</summary>
    private static unsafe void ZeroBorder(float* buffer, int h, int w, int c)
    {
        int rowLength = Conv3x3.PaddedWidth(w) * c;
        new Span<float>(buffer, rowLength).Clear();
        new Span<float>(buffer + (nint)(h + 1) * rowLength, rowLength).Clear();
        for (int y = 1; y <= h; y++)
        {
            float* row = buffer + (nint)y * rowLength;
            new Span<float>(row, c).Clear();
            new Span<float>(row + (nint)(w + 1) * c, rowLength - (w + 1) * c).Clear();
        }
    }
}
