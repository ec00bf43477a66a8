namespace CnnEngine.Kernels.Ops;

/// <summary>
/// The sizes every conv kernel needs, passed by value as one kernel argument (ILGPU copies a struct argument to the
/// device like an int). Input (N, H, W, Cin), output (N, H, W, Cout); weights padded to CoutPad columns where a rung
/// reads whole channel blocks. Relu is 1 to fuse max(·, 0) into the store.
/// </summary>
public readonly struct ConvShape(int n, int h, int w, int cin, int cout, int coutPad, bool relu)
{
    public readonly int N = n, H = h, W = w, Cin = cin, Cout = cout, CoutPad = coutPad, Relu = relu ? 1 : 0;

    /// <summary>Output values: N·H·W·Cout.</summary>
    public long Outputs => (long)N * H * W * Cout;
}

/// <summary>Eight consecutive output channels held in registers: the unit of the register-blocked kernels.</summary>
/// <remarks>
/// A struct of eight floats, not an array: ILGPU (like a C compiler) keeps a small struct's fields in registers,
/// while an array indexed at run time would live in slow local memory.
/// </remarks>
public struct Channels8
{
    public float C0, C1, C2, C3, C4, C5, C6, C7;

    /// <summary>Reads view[at .. at+8) (the caller guarantees they exist: weights are padded to whole blocks).</summary>
    public static Channels8 Load(ILGPU.ArrayView<float> view, int at) => new()
    {
        C0 = view[at], C1 = view[at + 1], C2 = view[at + 2], C3 = view[at + 3],
        C4 = view[at + 4], C5 = view[at + 5], C6 = view[at + 6], C7 = view[at + 7],
    };

    /// <summary>acc += x · w, channel by channel (one input value broadcast against eight weights).</summary>
    public static void MultiplyAdd(ref Channels8 acc, float x, in Channels8 w)
    {
        acc.C0 += x * w.C0; acc.C1 += x * w.C1; acc.C2 += x * w.C2; acc.C3 += x * w.C3;
        acc.C4 += x * w.C4; acc.C5 += x * w.C5; acc.C6 += x * w.C6; acc.C7 += x * w.C7;
    }

    /// <summary>Writes the first <paramref name="count"/> channels (the last block of a layer may be partial), ReLU if asked.</summary>
    public static void Store(ILGPU.ArrayView<float> view, int at, in Channels8 v, int count, int relu)
    {
        if (count > 0) view[at] = Activate(v.C0, relu);
        if (count > 1) view[at + 1] = Activate(v.C1, relu);
        if (count > 2) view[at + 2] = Activate(v.C2, relu);
        if (count > 3) view[at + 3] = Activate(v.C3, relu);
        if (count > 4) view[at + 4] = Activate(v.C4, relu);
        if (count > 5) view[at + 5] = Activate(v.C5, relu);
        if (count > 6) view[at + 6] = Activate(v.C6, relu);
        if (count > 7) view[at + 7] = Activate(v.C7, relu);
    }

    /// <summary>ReLU when <paramref name="relu"/> is 1; NaN stays NaN either way (as the CPU engine's max does not hide it).</summary>
    public static float Activate(float v, int relu) => relu != 0 && v < 0f ? 0f : v;
}
