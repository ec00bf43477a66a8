namespace CnnEngine.Viz.Rendering;

/// <summary>
/// Where each channel's tile goes in a near-square grid: columns = ⌈√n⌉, rows = ⌈n / columns⌉,
/// tiles in row-major order, a separator of <see cref="Separator"/> pixels around and between tiles.
/// </summary>
public sealed record GridLayout(int Count, int Columns, int Rows, int TileWidth, int TileHeight, int Separator)
{
    public int Width => Columns * TileWidth + (Columns + 1) * Separator;
    public int Height => Rows * TileHeight + (Rows + 1) * Separator;

    public static GridLayout For(int count, int tileWidth, int tileHeight, int separator)
    {
        if (count <= 0) throw new ArgumentException($"a grid needs at least one tile, got {count}");
        int columns = (int)Math.Ceiling(Math.Sqrt(count));
        // Guard against floating-point: make sure columns² ≥ count and (columns−1)² < count.
        while (columns * columns < count) columns++;
        while (columns > 1 && (columns - 1) * (columns - 1) >= count) columns--;
        int rows = (count + columns - 1) / columns;
        return new GridLayout(count, columns, rows, tileWidth, tileHeight, separator);
    }

    /// <summary>Top-left pixel of tile i.</summary>
    public (int X, int Y) TileOrigin(int i)
    {
        if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(i));
        int col = i % Columns, row = i / Columns;
        return (Separator + col * (TileWidth + Separator), Separator + row * (TileHeight + Separator));
    }

    /// <summary>Integer nearest-neighbour upscale so a map of side <paramref name="side"/> is at least <paramref name="minimum"/> pixels.</summary>
    public static int UpscaleFor(int side, int minimum) => side >= minimum ? 1 : (minimum + side - 1) / side;
}
