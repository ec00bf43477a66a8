using System.Runtime.CompilerServices;

namespace CnnEngine.Ops;

/// <summary>Which Winograd algorithm a <see cref="PackedWinograd3x3"/> runs.</summary>
public enum WinogradTile
{
    /// <summary>F(4×4, 3×3): 4× fewer multiplies than direct; error ~20× the direct kernel's on 512-channel sums.</summary>
    F4x4,
    /// <summary>F(2×2, 3×3): 2.25× fewer multiplies; error about twice the direct kernel's.</summary>
    F2x2,
}

/// <summary>
/// One Winograd algorithm for <see cref="Conv3x3Winograd"/>'s driver: tile sizes and the SIMD transforms. Readonly
/// structs with static abstract members, so the driver is compiled once per algorithm with the transforms inlined.
/// </summary>
public interface IWinogradTile
{
    /// <summary>Output tile side m.</summary>
    static abstract int OutTile { get; }
    /// <summary>Input patch side m + 2.</summary>
    static abstract int InTile { get; }
    /// <summary>Transform elements per tile, (m + 2)².</summary>
    static abstract int Elements { get; }
    /// <summary>What the per-task kernel transform's output is U times (undone in the output transform).</summary>
    static abstract float KernelScale { get; }
    /// <summary>Most tiles per task (bounds the task's V scratch: Elements × tiles × Cin floats).</summary>
    static abstract int MaxGroupTiles { get; }
    static abstract WinogradMatrices Matrices { get; }

    static abstract unsafe void Input<TS, TV>(float** rows, nint pixelStride, int validCols, nint c0, float* v, nint vStride, TV* scratch)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged;
    static abstract unsafe void Kernel<TS, TV>(float* g, nint tapStride, float* u, nint uStride, TV* scratch)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged;
    /// <summary>m² output vectors at y[oy·m + ox].</summary>
    static abstract unsafe void Output<TS, TV>(float* m, nint mStride, TV* y, TV* scratch)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged;
}

/// <summary>F(4×4, 3×3): <see cref="WinogradTransforms"/>.</summary>
public readonly struct WinogradF4x4 : IWinogradTile
{
    public static int OutTile => 4;
    public static int InTile => 6;
    public static int Elements => 36;
    public static float KernelScale => WinogradTransforms.KernelScale;
    /// <summary>V for 64 tiles × 512 channels is 4.7 MB (L3), and each U slice is reused 64 times.</summary>
    public static int MaxGroupTiles => 64;
    public static WinogradMatrices Matrices => WinogradMatrices.F4x4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Input<TS, TV>(float** rows, nint pixelStride, int validCols, nint c0, float* v, nint vStride, TV* scratch)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
        => WinogradTransforms.Input<TS, TV>(rows, pixelStride, validCols, c0, v, vStride, scratch);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Kernel<TS, TV>(float* g, nint tapStride, float* u, nint uStride, TV* scratch)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
        => WinogradTransforms.Kernel<TS, TV>(g, tapStride, u, uStride, scratch);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Output<TS, TV>(float* m, nint mStride, TV* y, TV* scratch)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
        => WinogradTransforms.Output<TS, TV>(m, mStride, y, scratch);
}

/// <summary>F(2×2, 3×3): <see cref="WinogradTransforms2x2"/>.</summary>
public readonly struct WinogradF2x2 : IWinogradTile
{
    public static int OutTile => 2;
    public static int InTile => 4;
    public static int Elements => 16;
    public static float KernelScale => WinogradTransforms2x2.KernelScale;
    /// <summary>196 tiles: a whole 28×28 map at batch 1 in one group (V 6.4 MB at 512 channels, computed once, shared by the tasks).</summary>
    public static int MaxGroupTiles => 196;
    public static WinogradMatrices Matrices => WinogradMatrices.F2x2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Input<TS, TV>(float** rows, nint pixelStride, int validCols, nint c0, float* v, nint vStride, TV* scratch)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
        => WinogradTransforms2x2.Input<TS, TV>(rows, pixelStride, validCols, c0, v, vStride, scratch);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Kernel<TS, TV>(float* g, nint tapStride, float* u, nint uStride, TV* scratch)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
        => WinogradTransforms2x2.Kernel<TS, TV>(g, tapStride, u, uStride, scratch);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Output<TS, TV>(float* m, nint mStride, TV* y, TV* scratch)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
        => WinogradTransforms2x2.Output<TS, TV>(m, mStride, y, scratch);
}
