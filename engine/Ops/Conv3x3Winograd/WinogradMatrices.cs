namespace CnnEngine.Ops;

/// <summary>
/// One Winograd F(m×m, 3×3) algorithm as the papers write it: Bᵀ (n×n), G (n×3), Aᵀ (m×n), n = m + 2.
/// <see cref="Conv3x3WinogradScalar"/> runs either; the SIMD driver has one transform struct per algorithm
/// (<see cref="IWinogradTile"/>).
/// </summary>
public sealed class WinogradMatrices
{
    /// <summary>Output tile side m.</summary>
    public int OutTile { get; }
    /// <summary>Input patch side n = m + 2.</summary>
    public int InTile => OutTile + 2;
    public float[,] BT { get; }
    public double[,] G { get; }
    public float[,] AT { get; }

    private WinogradMatrices(int outTile, float[,] bt, double[,] g, float[,] at) { OutTile = outTile; BT = bt; G = g; AT = at; }

    /// <summary>F(4×4, 3×3), points 0, ±1, ±2, ∞ (Lavin &amp; Gray 2016).</summary>
    public static WinogradMatrices F4x4 { get; } = new(4,
        new float[,]
        {
            { 4, 0, -5, 0, 1, 0 },
            { 0, -4, -4, 1, 1, 0 },
            { 0, 4, -4, -1, 1, 0 },
            { 0, -2, -1, 2, 1, 0 },
            { 0, 2, -1, -2, 1, 0 },
            { 0, 4, 0, -5, 0, 1 },
        },
        new double[,]
        {
            { 1.0 / 4, 0, 0 },
            { -1.0 / 6, -1.0 / 6, -1.0 / 6 },
            { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
            { 1.0 / 24, 1.0 / 12, 1.0 / 6 },
            { 1.0 / 24, -1.0 / 12, 1.0 / 6 },
            { 0, 0, 1 },
        },
        new float[,]
        {
            { 1, 1, 1, 1, 1, 0 },
            { 0, 1, -1, 2, -2, 0 },
            { 0, 1, 1, 4, 4, 0 },
            { 0, 1, -1, 8, -8, 1 },
        });

    /// <summary>F(2×2, 3×3), points 0, ±1, ∞.</summary>
    public static WinogradMatrices F2x2 { get; } = new(2,
        new float[,]
        {
            { 1, 0, -1, 0 },
            { 0, 1, 1, 0 },
            { 0, -1, 1, 0 },
            { 0, 1, 0, -1 },
        },
        new double[,]
        {
            { 1, 0, 0 },
            { 0.5, 0.5, 0.5 },
            { 0.5, -0.5, 0.5 },
            { 0, 0, 1 },
        },
        new float[,]
        {
            { 1, 1, 1, 0 },
            { 0, 1, -1, -1 },
        });
}
