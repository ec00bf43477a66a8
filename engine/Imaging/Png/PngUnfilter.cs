namespace CnnEngine.Imaging.Png;

/// <summary>
/// Undoes the five PNG row filters (spec section 9.2) in place. <c>prev</c> is the previous unfiltered row of the
/// same pass, all zeros for a pass's first row; <c>bpp</c> is <see cref="PngHeader.FilterStride"/>.
/// </summary>
internal static class PngUnfilter
{
    public const byte None = 0, Sub = 1, Up = 2, Average = 3, Paeth = 4;

    /// <returns>false for an unknown filter type (the caller reports the corruption).</returns>
    public static bool Apply(byte filter, Span<byte> row, ReadOnlySpan<byte> prev, int bpp)
    {
        switch (filter)
        {
            case None:
                return true;
            case Sub:
                for (int i = bpp; i < row.Length; i++) row[i] += row[i - bpp];
                return true;
            case Up:
                for (int i = 0; i < row.Length; i++) row[i] += prev[i];
                return true;
            case Average:
                for (int i = 0; i < bpp; i++) row[i] += (byte)(prev[i] >> 1);
                for (int i = bpp; i < row.Length; i++) row[i] += (byte)((row[i - bpp] + prev[i]) >> 1);
                return true;
            case Paeth:
                for (int i = 0; i < bpp; i++) row[i] += prev[i]; // left and upper-left are 0: Paeth picks "up"
                for (int i = bpp; i < row.Length; i++) row[i] += PaethPredictor(row[i - bpp], prev[i], prev[i - bpp]);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The predictor exactly as the spec writes it, ties broken a, b, c.</summary>
    private static byte PaethPredictor(byte a, byte b, byte c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        return pb <= pc ? b : c;
    }
}
