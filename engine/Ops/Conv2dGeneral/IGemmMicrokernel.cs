namespace CnnEngine.Ops;

/// <summary>
/// One register-blocked GEMM microkernel of <see cref="Conv2dGeneral"/>: C (TileRows, 32) = bias + A (TileRows, K) ·
/// panel (K, 32). Readonly structs with static abstract members, so the generic driver is compiled once per width with
/// the microkernel inlined.
/// </summary>
public interface IGemmMicrokernel
{
    static abstract int TileRows { get; }
    static abstract bool IsHardwareAccelerated { get; }

    /// <param name="a">TileRows rows of A, <paramref name="depth"/> floats apart.</param>
    /// <param name="panel">(K, 32), contiguous.</param>
    /// <param name="bias">(32).</param>
    /// <param name="c">TileRows rows of 32 outputs, <paramref name="cRowStride"/> floats apart.</param>
    static abstract unsafe void Tile(float* a, nint depth, float* panel, float* bias, float* c, nint cRowStride);
}
