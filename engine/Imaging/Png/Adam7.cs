namespace CnnEngine.Imaging.Png;

/// <summary>The seven Adam7 passes (spec section 8.2): each covers pixels (X0 + i·DX, Y0 + j·DY).</summary>
internal readonly record struct InterlacePass(int X0, int Y0, int DX, int DY)
{
    public int Columns(int width) => width <= X0 ? 0 : (width - X0 + DX - 1) / DX;
    public int Rows(int height) => height <= Y0 ? 0 : (height - Y0 + DY - 1) / DY;

    public static readonly InterlacePass[] Adam7 =
    [
        new(0, 0, 8, 8), new(4, 0, 8, 8), new(0, 4, 4, 8), new(2, 0, 4, 4),
        new(0, 2, 2, 4), new(1, 0, 2, 2), new(0, 1, 1, 2),
    ];

    /// <summary>A non-interlaced image is one pass over every pixel.</summary>
    public static readonly InterlacePass[] Whole = [new(0, 0, 1, 1)];
}
