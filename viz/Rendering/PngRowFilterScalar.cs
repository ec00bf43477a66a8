namespace CnnEngine.Viz.Rendering;

/// <summary>
/// The plain reference of the five PNG row filters and of the filter choice (the test oracle for
/// <see cref="PngRowFilter"/>, which does the same with SIMD vectors).
/// </summary>
public static class PngRowFilterScalar
{
    /// <summary>
    /// Filters one row into <paramref name="output"/> (length = row length) with the given filter.
    /// <paramref name="previous"/> is the unfiltered row above (all zeros for the first row); bpp = bytes per pixel.
    /// </summary>
    public static void Apply(PngFilter filter, ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bpp, Span<byte> output)
    {
        int n = row.Length;
        switch (filter)
        {
            case PngFilter.None:
                row.CopyTo(output);
                break;
            case PngFilter.Sub:
                for (int i = 0; i < bpp; i++) output[i] = row[i];
                for (int i = bpp; i < n; i++) output[i] = (byte)(row[i] - row[i - bpp]);
                break;
            case PngFilter.Up:
                for (int i = 0; i < n; i++) output[i] = (byte)(row[i] - previous[i]);
                break;
            case PngFilter.Average:
                for (int i = 0; i < bpp; i++) output[i] = (byte)(row[i] - (previous[i] >> 1));
                for (int i = bpp; i < n; i++) output[i] = (byte)(row[i] - ((row[i - bpp] + previous[i]) >> 1));
                break;
            case PngFilter.Paeth:
                for (int i = 0; i < bpp; i++) output[i] = (byte)(row[i] - previous[i]); // Paeth(0, b, 0) = b
                for (int i = bpp; i < n; i++) output[i] = (byte)(row[i] - Paeth(row[i - bpp], previous[i], previous[i - bpp]));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(filter));
        }
    }

    /// <summary>The Paeth predictor: whichever of left, above, upper-left is closest to left + above − upper-left.</summary>
    public static byte Paeth(byte a, byte b, byte c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        return pb <= pc ? b : c;
    }

    /// <summary>Sum of |signed byte| over a filtered row: smaller usually deflates better.</summary>
    public static long Cost(ReadOnlySpan<byte> filtered)
    {
        long sum = 0;
        foreach (byte b in filtered) sum += b < 128 ? b : 256 - b;
        return sum;
    }

    /// <summary>
    /// Tries all five filters on a row; writes the winner into <paramref name="best"/> and returns its type.
    /// <paramref name="scratch"/> is a row-sized work buffer. Ties keep the earlier (simpler) filter.
    /// </summary>
    public static PngFilter ChooseAndApply(ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bpp, Span<byte> best, Span<byte> scratch)
    {
        PngFilter bestFilter = PngFilter.None;
        Apply(PngFilter.None, row, previous, bpp, best);
        long bestCost = Cost(best);
        for (var f = PngFilter.Sub; f <= PngFilter.Paeth; f++)
        {
            if (bestCost == 0) break; // a row of zeros cannot be beaten
            Apply(f, row, previous, bpp, scratch);
            long cost = Cost(scratch);
            if (cost < bestCost)
            {
                bestCost = cost;
                bestFilter = f;
                scratch.CopyTo(best);
            }
        }
        return bestFilter;
    }
}
