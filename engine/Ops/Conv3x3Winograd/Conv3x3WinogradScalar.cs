namespace CnnEngine.Ops;

/// <summary>
/// The reference Winograd F(4×4, 3×3) convolution (Lavin &amp; Gray 2016): 'same' zero padding, stride 1, bias,
/// optional ReLU — the same result as <see cref="Conv3x3ReluScalar"/> up to rounding, computed the Winograd way with
/// plain loops over the transform matrices as the paper writes them. It is the oracle the SIMD Winograd
/// (<see cref="Conv3x3Winograd"/>) is tested against, transform by transform.
///
/// The output is cut into 4×4 tiles (the last row/column of tiles clipped at the image edge); each reads a 6×6 input
/// patch starting one pixel up-left of it (zeros outside the image). Per tile and channel pair:
///   V = Bᵀ d B (6×6 input patch d),  U = G g Gᵀ (3×3 kernel g),  M = Σ_ci U ⊙ V,  Y = Aᵀ M A (4×4 output).
/// 36 multiplies per 16 outputs instead of 144: 4× fewer. The price is rounding: the transforms scale values by up to
/// 8 (Aᵀ) and 5 (Bᵀ), so the error grows to a few units of 1e-6 of the output's magnitude (stated in bench/RESULTS.md).
///
/// The same loops run F(2×2, 3×3) when given <see cref="WinogradMatrices.F2x2"/> (2×2 tiles, 4×4 patches, 16 multiplies
/// per 4 outputs instead of 36: 2.25× fewer, with coefficients 0, ±1, ±½ only — about the direct kernel's accuracy).
/// </summary>
public static class Conv3x3WinogradScalar
{
    /// <summary>Output tile side (m) of F(4×4, 3×3).</summary>
    public const int OutTile = 4;
    /// <summary>Input tile side (m + r - 1) of F(4×4, 3×3).</summary>
    public const int InTile = 6;

    /// <summary>Bᵀ (6×6) of F(4×4, 3×3).</summary>
    public static float[,] BT => WinogradMatrices.F4x4.BT;
    /// <summary>G (6×3) of F(4×4, 3×3).</summary>
    public static double[,] G => WinogradMatrices.F4x4.G;
    /// <summary>Aᵀ (4×6) of F(4×4, 3×3).</summary>
    public static float[,] AT => WinogradMatrices.F4x4.AT;

    /// <summary>V = Bᵀ d B of F(4×4, 3×3).</summary>
    /// <param name="d">(6, 6) input patch, row-major.</param>
    /// <param name="v">(6, 6).</param>
    public static void InputTransform(ReadOnlySpan<float> d, Span<float> v) => InputTransform(WinogradMatrices.F4x4, d, v);

    /// <summary>U = G g Gᵀ of F(4×4, 3×3), in double and rounded once.</summary>
    public static void KernelTransform(ReadOnlySpan<float> g, Span<float> u) => KernelTransform(WinogradMatrices.F4x4, g, u);

    /// <summary>Y = Aᵀ m A of F(4×4, 3×3).</summary>
    public static void OutputTransform(ReadOnlySpan<float> m, Span<float> y) => OutputTransform(WinogradMatrices.F4x4, m, y);

    /// <summary>V = Bᵀ d B.</summary>
    /// <param name="d">(n, n) input patch, row-major, n = <see cref="WinogradMatrices.InTile"/>.</param>
    /// <param name="v">(n, n).</param>
    public static void InputTransform(WinogradMatrices w, ReadOnlySpan<float> d, Span<float> v)
    {
        int n = w.InTile;
        Span<float> t = stackalloc float[n * n]; // Bᵀ d
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
        {
            float s = 0;
            for (int k = 0; k < n; k++) s += w.BT[i, k] * d[k * n + j];
            t[i * n + j] = s;
        }
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
        {
            float s = 0;
            for (int k = 0; k < n; k++) s += t[i * n + k] * w.BT[j, k];
            v[i * n + j] = s;
        }
    }

    /// <summary>U = G g Gᵀ, in double and rounded once (the weights are transformed once, at load).</summary>
    /// <param name="g">(3, 3) kernel, row-major (ky, kx).</param>
    /// <param name="u">(n, n).</param>
    public static void KernelTransform(WinogradMatrices w, ReadOnlySpan<float> g, Span<float> u)
    {
        int n = w.InTile;
        Span<double> t = stackalloc double[n * 3]; // G g (n×3)
        for (int i = 0; i < n; i++)
        for (int j = 0; j < 3; j++)
        {
            double s = 0;
            for (int k = 0; k < 3; k++) s += w.G[i, k] * g[k * 3 + j];
            t[i * 3 + j] = s;
        }
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
        {
            double s = 0;
            for (int k = 0; k < 3; k++) s += t[i * 3 + k] * w.G[j, k];
            u[i * n + j] = (float)s;
        }
    }

    /// <summary>Y = Aᵀ m A.</summary>
    /// <param name="m">(n, n).</param>
    /// <param name="y">(m, m), row-major, m = <see cref="WinogradMatrices.OutTile"/>.</param>
    public static void OutputTransform(WinogradMatrices w, ReadOnlySpan<float> m, Span<float> y)
    {
        int n = w.InTile, o = w.OutTile;
        Span<float> t = stackalloc float[o * n]; // Aᵀ m (o×n)
        for (int i = 0; i < o; i++)
        for (int j = 0; j < n; j++)
        {
            float s = 0;
            for (int k = 0; k < n; k++) s += w.AT[i, k] * m[k * n + j];
            t[i * n + j] = s;
        }
        for (int i = 0; i < o; i++)
        for (int j = 0; j < o; j++)
        {
            float s = 0;
            for (int k = 0; k < n; k++) s += t[i * n + k] * w.AT[j, k];
            y[i * o + j] = s;
        }
    }

    /// <param name="input">(H, W, Cin).</param>
    /// <param name="kernel">(3, 3, Cin, Cout), Keras layout.</param>
    /// <param name="bias">(Cout).</param>
    /// <param name="output">(H, W, Cout).</param>
    /// <param name="matrices">F(4×4, 3×3) when null.</param>
    public static void Run(ReadOnlySpan<float> input, int height, int width, int inChannels,
        ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, int outChannels, Span<float> output, bool relu = true, WinogradMatrices? matrices = null)
    {
        Conv3x3ReluScalar.CheckLengths(input.Length, height, width, inChannels, kernel.Length, bias.Length, outChannels, output.Length);
        var w = matrices ?? WinogradMatrices.F4x4;
        int n = w.InTile, o = w.OutTile, e2 = n * n;
        var u = new float[inChannels * outChannels * e2];   // (Cin, Cout, n²)
        Span<float> g = stackalloc float[9];
        for (int ci = 0; ci < inChannels; ci++)
        for (int co = 0; co < outChannels; co++)
        {
            for (int tap = 0; tap < 9; tap++) g[tap] = kernel[(tap * inChannels + ci) * outChannels + co];
            KernelTransform(w, g, u.AsSpan((ci * outChannels + co) * e2, e2));
        }
        var v = new float[inChannels * e2];                 // (Cin, n²) for one tile
        Span<float> d = stackalloc float[e2], m = stackalloc float[e2], y = stackalloc float[o * o];
        for (int ty = 0; ty < height; ty += o)
        for (int tx = 0; tx < width; tx += o)
        {
            for (int ci = 0; ci < inChannels; ci++)
            {
                for (int r = 0; r < n; r++)
                for (int c = 0; c < n; c++)
                {
                    int iy = ty + r - 1, ix = tx + c - 1;
                    d[r * n + c] = (uint)iy < (uint)height && (uint)ix < (uint)width ? input[(iy * width + ix) * inChannels + ci] : 0;
                }
                InputTransform(w, d, v.AsSpan(ci * e2, e2));
            }
            for (int co = 0; co < outChannels; co++)
            {
                m.Clear();
                for (int ci = 0; ci < inChannels; ci++)
                for (int e = 0; e < e2; e++)
                    m[e] += u[(ci * outChannels + co) * e2 + e] * v[ci * e2 + e];
                OutputTransform(w, m, y);
                for (int oy = 0; oy < o && ty + oy < height; oy++)
                for (int ox = 0; ox < o && tx + ox < width; ox++)
                {
                    float s = y[oy * o + ox] + bias[co];
                    output[((ty + oy) * width + tx + ox) * outChannels + co] = relu && s < 0 ? 0 : s;
                }
            }
        }
    }
}
