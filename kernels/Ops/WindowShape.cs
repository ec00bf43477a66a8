using CnnEngine.Ops;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// The sizes a sliding-window kernel (general conv, max and average pool) needs, passed by value as one kernel argument.
/// Input (N, H, W, Cin), output (N, OutH, OutW, Cout) (a pool has Cin = Cout). Output pixel (oy, ox) reads input rows
/// oy·StrideH − PadTop … + KernelH − 1 and columns ox·StrideW − PadLeft … + KernelW − 1; reads outside the image are
/// the zero padding (conv) or skipped (pools). PadBottom / PadRight need not travel: they only set OutH / OutW.
/// </summary>
public readonly struct WindowShape
{
    public readonly int N, H, W, Cin, OutH, OutW, Cout, KernelH, KernelW, StrideH, StrideW, PadTop, PadLeft;

    public WindowShape(int n, int h, int w, int cin, int cout, Window2D window)
    {
        N = n; H = h; W = w; Cin = cin; Cout = cout;
        OutH = window.OutHeight(h); OutW = window.OutWidth(w);
        KernelH = window.KernelH; KernelW = window.KernelW; StrideH = window.StrideH; StrideW = window.StrideW;
        PadTop = window.PadTop; PadLeft = window.PadLeft;
    }

    /// <summary>Output values: N·OutH·OutW·Cout.</summary>
    public long Outputs => (long)N * OutH * OutW * Cout;

    /// <summary>Input values: N·H·W·Cin.</summary>
    public long Inputs => (long)N * H * W * Cin;
}
