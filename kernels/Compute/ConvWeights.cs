namespace CnnEngine.Kernels.Compute;

/// <summary>
/// One conv layer's weights on a device, in the layout its rung reads:
///   naive, tiled: Keras (3, 3, Cin, Cout);  regblock: (3, 3, Cin, CoutPad);  winograd: U = G g Gᵀ as (16, Cin, CoutPad).
/// CoutPad = Cout rounded up to 8 (the register block). Bias is (CoutPad) with zeros after Cout. Uploaded once.
/// </summary>
public sealed class ConvWeights : IDisposable
{
    public ConvRung Rung { get; }
    public int InChannels { get; }
    public int OutChannels { get; }
    public int PaddedOut { get; }
    private readonly DeviceArray<float> _kernel, _bias;
    public ILGPU.ArrayView<float> Kernel => _kernel.View;
    public ILGPU.ArrayView<float> Bias => _bias.View;

    public ConvWeights(GpuOps ops, ConvRung rung, ReadOnlySpan<float> kernel /* (3, 3, Cin, Cout) */, ReadOnlySpan<float> bias, int cin, int cout)
    {
        if (kernel.Length != 9 * cin * cout || bias.Length != cout) throw new ArgumentException($"conv weights are not (3, 3, {cin}, {cout}) + ({cout})");
        Rung = rung; InChannels = cin; OutChannels = cout;
        PaddedOut = rung is ConvRung.RegBlock or ConvRung.Winograd ? GpuOps.PaddedChannels(cout) : cout;
        float[] packed = rung switch
        {
            ConvRung.RegBlock => PadColumns(kernel, 9 * cin, cout, PaddedOut),
            ConvRung.Winograd => WinogradFilter(kernel, cin, cout, PaddedOut),
            _ => kernel.ToArray(),
        };
        var b = new float[PaddedOut];
        bias.CopyTo(b);
        _kernel = ops.Device.Allocate<float>(packed.Length);
        _bias = ops.Device.Allocate<float>(b.Length);
        try
        {
            _kernel.Write(packed);
            _bias.Write(b);
        }
        catch
        {
            Dispose();
            throw;
        }
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

    public void Dispose() { _kernel.Dispose(); _bias.Dispose(); }
}

/// <summary>A dense layer on a device: Keras (Cin, Cout) weights as they are, bias (Cout).</summary>
public sealed class DenseWeights : IDisposable
{
    public int InFeatures { get; }
    public int OutFeatures { get; }
    private readonly DeviceArray<float> _kernel, _bias;
    public ILGPU.ArrayView<float> Kernel => _kernel.View;
    public ILGPU.ArrayView<float> Bias => _bias.View;

    public DenseWeights(GpuOps ops, ReadOnlySpan<float> kernel /* (Cin, Cout) */, ReadOnlySpan<float> bias, int cin, int cout)
    {
        if (kernel.Length != (long)cin * cout || bias.Length != cout) throw new ArgumentException($"dense weights are not ({cin}, {cout}) + ({cout})");
        InFeatures = cin; OutFeatures = cout;
        _kernel = ops.Device.Allocate<float>((long)cin * cout);
        _bias = ops.Device.Allocate<float>(cout);
        try
        {
            _kernel.Write(kernel);
            _bias.Write(bias);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public void Dispose() { _kernel.Dispose(); _bias.Dispose(); }
}
