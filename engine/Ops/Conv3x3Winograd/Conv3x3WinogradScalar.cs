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
/// </summary>
public static class Conv3x3WinogradScalar
{
    /// <summary>Output tile side (m).</summary>
    public const int OutTile = 4;
    /// <summary>Input tile side (m + r - 1).</summary>
    public const int InTile = 6;

    /// <summary>Bᵀ (6×6).</summary>
    public static readonly float[,] BT =
    {
        { 4, 0, -5, 0, 1, 0 },
        { 0, -4, -4, 1, 1, 0 },
        { 0, 4, -4, -1, 1, 0 },
        { 0, -2, -1, 2, 1, 0 },
        { 0, 2, -1, -2, 1, 0 },
        { 0, 4, 0, -5, 0, 1 },
    };

    /// <summary>G (6×3).</summary>
    public static readonly double[,] G =
    {
        { 1.0 / 4, 0, 0 },
        { -1.0 / 6, -1.0 / 6, -1.0 / 6 },
        { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
        { 1.0 / 24, 1.0 / 12, 1.0 / 6 },
        { 1.0 / 24, -1.0 / 12, 1.0 / 6 },
        { 0, 0, 1 },
    };

    /// <summary>Aᵀ (4×6).</summary>
    public static readonly float[,] AT =
    {
        { 1, 1, 1, 1, 1, 0 },
        { 0, 1, -1, 2, -2, 0 },
        { 0, 1, 1, 4, 4, 0 },
        { 0, 1, -1, 8, -8, 1 },
    };

    /// <summary>V = Bᵀ d B.</summary>
    /// <param name="d">(6, 6) input patch, row-major.</param>
    /// <param name="v">(6, 6).</param>
    public static void InputTransform(ReadOnlySpan<float> d, Span<float> v)
    {
        Span<float> t = stackalloc float[36]; // Bᵀ d
        for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
        {
            float s = 0;
            for (int k = 0; k < 6; k++) s += BT[i, k] * d[k * 6 + j];
            t[i * 6 + j] = s;
        }
        for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
        {
            float s = 0;
            for (int k = 0; k < 6; k++) s += t[i * 6 + k] * BT[j, k];
            v[i * 6 + j] = s;
        }
    }

    /// <summary>U = G g Gᵀ, in double and rounded once (the weights are transformed once, at load).</summary>
    /// <param name="g">(3, 3) kernel, row-major (ky, kx).</param>
    /// <param name="u">(6, 6).</param>
    public static void KernelTransform(ReadOnlySpan<float> g, Span<float> u)
    {
        Span<double> t = stackalloc double[18]; // G g (6×3)
        for (int i = 0; i < 6; i++)
        for (int j = 0; j < 3; j++)
        {
            double s = 0;
            for (int k = 0; k < 3; k++) s += G[i, k] * g[k * 3 + j];
            t[i * 3 + j] = s;
        }
        for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
        {
            double s = 0;
            for (int k = 0; k < 3; k++) s += t[i * 3 + k] * G[j, k];
            u[i * 6 + j] = (float)s;
        }
    }

    /// <summary>Y = Aᵀ m A.</summary>
    /// <param name="m">(6, 6).</param>
    /// <param name="y">(4, 4), row-major.</param>
    public static void OutputTransform(ReadOnlySpan<float> m, Span<float> y)
    {
        Span<float> t = stackalloc float[24]; // Aᵀ m (4×6)
        for (int i = 0; i < 4; i++)
        for (int j = 0; j < 6; j++)
        {
            float s = 0;
            for (int k = 0; k < 6; k++) s += AT[i, k] * m[k * 6 + j];
            t[i * 6 + j] = s;
        }
        for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
        {
            float s = 0;
            for (int k = 0; k < 6; k++) s += t[i * 6 + k] * AT[j, k];
            y[i * 4 + j] = s;
        }
    }

    /// <param name="input">(H, W, Cin).</param>
    /// <param name="kernel">(3, 3, Cin, Cout), Keras layout.</param>
    /// <param name="bias">(Cout).</param>
    /// <param name="output">(H, W, Cout).</param>
    public static void Run(ReadOnlySpan<float> input, int height, int width, int inChannels,
        ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, int outChannels, Span<float> output, bool relu = true)
    {
        Conv3x3ReluScalar.CheckLengths(input.Length, height, width, inChannels, kernel.Length, bias.Length, outChannels, output.Length);
        var u = new float[inChannels * outChannels * 36];   // (Cin, Cout, 36)
        Span<float> g = stackalloc float[9];
        for (int ci = 0; ci < inChannels; ci++)
        for (int co = 0; co < outChannels; co++)
        {
            for (int tap = 0; tap < 9; tap++) g[tap] = kernel[(tap * inChannels + ci) * outChannels + co];
            KernelTransform(g, u.AsSpan((ci * outChannels + co) * 36, 36));
        }
        var v = new float[inChannels * 36];                 // (Cin, 36) for one tile
        Span<float> d = stackalloc float[36], m = stackalloc float[36], y = stackalloc float[16];
        for (int ty = 0; ty < height; ty += OutTile)
        for (int tx = 0; tx < width; tx += OutTile)
        {
            for (int ci = 0; ci < inChannels; ci++)
            {
                for (int r = 0; r < 6; r++)
                for (int c = 0; c < 6; c++)
                {
                    int iy = ty + r - 1, ix = tx + c - 1;
                    d[r * 6 + c] = (uint)iy < (uint)height && (uint)ix < (uint)width ? input[(iy * width + ix) * inChannels + ci] : 0;
                }
                InputTransform(d, v.AsSpan(ci * 36, 36));
            }
            for (int co = 0; co < outChannels; co++)
            {
                m.Clear();
                for (int ci = 0; ci < inChannels; ci++)
                for (int e = 0; e < 36; e++)
                    m[e] += u[(ci * outChannels + co) * 36 + e] * v[ci * 36 + e];
                OutputTransform(m, y);
                for (int oy = 0; oy < OutTile && ty + oy < height; oy++)
                for (int ox = 0; ox < OutTile && tx + ox < width; ox++)
                {
                    float s = y[oy * 4 + ox] + bias[co];
                    output[((ty + oy) * width + tx + ox) * outChannels + co] = relu && s < 0 ? 0 : s;
                }
            }
        }
    }
}
