namespace CnnEngine.Kernels.Compute;

/// <summary>
/// One conv layer's weights on a device, in the layout its rung reads:
///   naive, tiled: Keras (3, 3, Cin, Cout);  regblock: (3, 3, Cin, CoutPad);  winograd: U = G g Gᵀ as (16, Cin, CoutPad).
/// Bias is (CoutPad) with zeros after Cout. Uploaded once.
/// </summary>
public sealed class ConvWeights : IDisposable
{
    public ConvRung Rung { get; }
    public int InChannels { get; }
    public int OutChannels { get; }
    public int PaddedOut { get; }
    public DeviceBuffer Kernel { get; }
    public DeviceBuffer Bias { get; }

    public ConvWeights(GpuOps ops, ConvRung rung, ReadOnlySpan<float> kernel /* (3, 3, Cin, Cout) */, ReadOnlySpan<float> bias, int cin, int cout)
    {
        if (kernel.Length != 9 * cin * cout || bias.Length != cout) throw new ArgumentException($"conv weights are not (3, 3, {cin}, {cout}) + ({cout})");
        Rung = rung; InChannels = cin; OutChannels = cout;
        PaddedOut = rung is ConvRung.RegBlock or ConvRung.Winograd ? ops.PaddedChannels(cout) : cout;
        float[] packed = rung switch
        {
            ConvRung.RegBlock => PadColumns(kernel, 9 * cin, cout, PaddedOut),
            ConvRung.Winograd => WinogradFilter(kernel, cin, cout, PaddedOut),
            _ => kernel.ToArray(),
        };
        var b = new float[PaddedOut];
        bias.CopyTo(b);
        Kernel = ops.Device.Allocate(packed.Length * 4L);
        Bias = ops.Device.Allocate(b.Length * 4L);
        ops.Device.Write<float>(Kernel, packed);
        ops.Device.Write<float>(Bias, b);
    }

    /// <summary>(rows, cols) → (rows, paddedCols), zeros in the new columns.</summary>
    internal static float[] PadColumns(ReadOnlySpan<float> m, int rows, int cols, int paddedCols)
    {
        var r = new float[(long)rows * paddedCols];
        for (int i = 0; i < rows; i++) m.Slice(i * cols, cols).CopyTo(r.AsSpan(i * paddedCols, cols));
        return r;
    }

    /// <summary>U[ξ][ci][co] = (G g Gᵀ)[ξ] for every filter g = w[:, :, ci, co]; G = [[1,0,0],[½,½,½],[½,-½,½],[0,0,1]].</summary>
    internal static float[] WinogradFilter(ReadOnlySpan<float> w /* (3, 3, Cin, Cout) */, int cin, int cout, int paddedOut)
    {
        var u = new float[16L * cin * paddedOut];   // (16, Cin, CoutPad)
        Span<double> g = stackalloc double[9];
        Span<double> gg = stackalloc double[12];    // G g: (4, 3)
        for (int ci = 0; ci < cin; ci++)
        for (int co = 0; co < cout; co++)
        {
            for (int k = 0; k < 9; k++) g[k] = w[(k * cin + ci) * cout + co];
            for (int j = 0; j < 3; j++)
            {
                gg[0 * 3 + j] = g[0 * 3 + j];
                gg[1 * 3 + j] = 0.5 * (g[0 * 3 + j] + g[1 * 3 + j] + g[2 * 3 + j]);
                gg[2 * 3 + j] = 0.5 * (g[0 * 3 + j] - g[1 * 3 + j] + g[2 * 3 + j]);
                gg[3 * 3 + j] = g[2 * 3 + j];
            }
            for (int i = 0; i < 4; i++)
            {
                double a = gg[i * 3 + 0], b = gg[i * 3 + 1], c = gg[i * 3 + 2];
                double[] row = { a, 0.5 * (a + b + c), 0.5 * (a - b + c), c };
                for (int j = 0; j < 4; j++) u[((long)(i * 4 + j) * cin + ci) * paddedOut + co] = (float)row[j];
            }
        }
        return u;
    }

    public void Dispose() { Kernel.Dispose(); Bias.Dispose(); }
}

/// <summary>A dense layer on a device: Keras (Cin, Cout) padded to (Cin, CoutPad), CoutPad a multiple of VW; bias (CoutPad).</summary>
public sealed class DenseWeights : IDisposable
{
    public int InFeatures { get; }
    public int OutFeatures { get; }
    public int PaddedOut { get; }
    public DeviceBuffer Kernel { get; }
    public DeviceBuffer Bias { get; }

    public DenseWeights(GpuOps ops, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, int cin, int cout)
    {
        if (kernel.Length != (long)cin * cout || bias.Length != cout) throw new ArgumentException($"dense weights are not ({cin}, {cout}) + ({cout})");
        InFeatures = cin; OutFeatures = cout; PaddedOut = GpuOps.RoundUp(cout, ops.VectorWidth);
        Kernel = ops.Device.Allocate((long)cin * PaddedOut * 4);
        if (PaddedOut == cout) ops.Device.Write(Kernel, kernel);
        else ops.Device.Write<float>(Kernel, ConvWeights.PadColumns(kernel, cin, cout, PaddedOut));
        var b = new float[PaddedOut];
        bias.CopyTo(b);
        Bias = ops.Device.Allocate(PaddedOut * 4L);
        ops.Device.Write<float>(Bias, b);
    }

    public void Dispose() { Kernel.Dispose(); Bias.Dispose(); }
}
