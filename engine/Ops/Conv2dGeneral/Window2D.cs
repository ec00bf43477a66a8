namespace CnnEngine.Ops;

/// <summary>
/// Where a sliding window (a convolution's kernel or a pool) reads: kernel size, strides and the zero (or, for max
/// pools, ignored) border on each side. Output pixel (oy, ox) covers input rows oy·StrideH − PadTop … + KernelH − 1.
/// </summary>
public readonly record struct Window2D(int KernelH, int KernelW, int StrideH, int StrideW, int PadTop, int PadBottom, int PadLeft, int PadRight)
{
    /// <summary>
    /// Keras's (TensorFlow's) padding: 'valid' none; 'same' ceil(in / stride) outputs, with the total padding
    /// max((out − 1)·stride + kernel − in, 0) split floor-half before, the rest after.
    /// </summary>
    public static Window2D For(int inH, int inW, int kh, int kw, int sh, int sw, bool same)
    {
        if (kh < 1 || kw < 1 || sh < 1 || sw < 1) throw new ArgumentException($"window {kh}×{kw} stride {sh}×{sw} must be positive");
        if (!same) return new Window2D(kh, kw, sh, sw, 0, 0, 0, 0);
        int outH = (inH + sh - 1) / sh, outW = (inW + sw - 1) / sw;
        int ph = Math.Max((outH - 1) * sh + kh - inH, 0), pw = Math.Max((outW - 1) * sw + kw - inW, 0);
        return new Window2D(kh, kw, sh, sw, ph / 2, ph - ph / 2, pw / 2, pw - pw / 2);
    }

    public int OutHeight(int inH) => (inH + PadTop + PadBottom - KernelH) / StrideH + 1;
    public int OutWidth(int inW) => (inW + PadLeft + PadRight - KernelW) / StrideW + 1;

    /// <summary>True when the window fits at least once.</summary>
    public bool Fits(int inH, int inW) => inH + PadTop + PadBottom >= KernelH && inW + PadLeft + PadRight >= KernelW;

    public override string ToString() =>
        $"{KernelH}×{KernelW} stride {StrideH}×{StrideW} pad (t{PadTop} b{PadBottom} l{PadLeft} r{PadRight})";
}
