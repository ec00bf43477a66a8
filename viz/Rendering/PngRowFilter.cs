using System.Numerics;
using System.Runtime.InteropServices;

namespace CnnEngine.Viz.Rendering;

/// <summary>PNG filter types (PNG spec §9.2).</summary>
public enum PngFilter : byte { None = 0, Sub = 1, Up = 2, Average = 3, Paeth = 4 }

/// <summary>
/// The five PNG row filters and the per-row choice among them: the filter whose output has the smallest sum of
/// absolute values (bytes read as signed), the heuristic the PNG spec recommends (§12.8) and libpng uses.
/// Every filter reads only unfiltered bytes, so each is a straight vector loop (System.Numerics.Vector, as wide as the
/// machine allows); the first bpp bytes and the remainder past the last full vector use the scalar formula.
/// <see cref="PngRowFilterScalar"/> is the reference these are tested against.
/// </summary>
public static class PngRowFilter
{
    public static void Apply(PngFilter filter, ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bpp, Span<byte> output)
    {
        int n = row.Length;
        int width = Vector<byte>.Count;
        switch (filter)
        {
            case PngFilter.None:
                row.CopyTo(output);
                return;
            case PngFilter.Sub:
            {
                int head = Math.Min(bpp, n);
                row[..head].CopyTo(output);
                int i = head;
                for (; i + width <= n; i += width)
                    (new Vector<byte>(row[i..]) - new Vector<byte>(row[(i - bpp)..])).CopyTo(output[i..]);
                for (; i < n; i++) output[i] = (byte)(row[i] - row[i - bpp]);
                return;
            }
            case PngFilter.Up:
            {
                int i = 0;
                for (; i + width <= n; i += width)
                    (new Vector<byte>(row[i..]) - new Vector<byte>(previous[i..])).CopyTo(output[i..]);
                for (; i < n; i++) output[i] = (byte)(row[i] - previous[i]);
                return;
            }
            case PngFilter.Average:
            {
                int head = Math.Min(bpp, n);
                for (int k = 0; k < head; k++) output[k] = (byte)(row[k] - (previous[k] >> 1));
                int i = head;
                for (; i + width <= n; i += width)
                {
                    var a = new Vector<byte>(row[(i - bpp)..]);
                    var b = new Vector<byte>(previous[i..]);
                    var mean = (a & b) + Vector.ShiftRightLogical(a ^ b, 1); // ⌊(a + b) / 2⌋ without overflow
                    (new Vector<byte>(row[i..]) - mean).CopyTo(output[i..]);
                }
                for (; i < n; i++) output[i] = (byte)(row[i] - ((row[i - bpp] + previous[i]) >> 1));
                return;
            }
            case PngFilter.Paeth:
            {
                int head = Math.Min(bpp, n);
                for (int k = 0; k < head; k++) output[k] = (byte)(row[k] - previous[k]); // Paeth(0, b, 0) = b
                int i = head;
                for (; i + width <= n; i += width)
                {
                    Vector.Widen(new Vector<byte>(row[(i - bpp)..]), out var aLo, out var aHi);
                    Vector.Widen(new Vector<byte>(previous[i..]), out var bLo, out var bHi);
                    Vector.Widen(new Vector<byte>(previous[(i - bpp)..]), out var cLo, out var cHi);
                    var lo = PaethPredict(Vector.AsVectorInt16(aLo), Vector.AsVectorInt16(bLo), Vector.AsVectorInt16(cLo));
                    var hi = PaethPredict(Vector.AsVectorInt16(aHi), Vector.AsVectorInt16(bHi), Vector.AsVectorInt16(cHi));
                    var predicted = Vector.Narrow(Vector.AsVectorUInt16(lo), Vector.AsVectorUInt16(hi));
                    (new Vector<byte>(row[i..]) - predicted).CopyTo(output[i..]);
                }
                for (; i < n; i++) output[i] = (byte)(row[i] - PngRowFilterScalar.Paeth(row[i - bpp], previous[i], previous[i - bpp]));
                return;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(filter));
        }
    }

    /// <summary>Paeth on 16-bit lanes: pa = |b − c|, pb = |a − c|, pc = |a + b − 2c|; a wins ties, then b.</summary>
    private static Vector<short> PaethPredict(Vector<short> a, Vector<short> b, Vector<short> c)
    {
        var pa = Vector.Abs(b - c);
        var pb = Vector.Abs(a - c);
        var pc = Vector.Abs(a + b - c - c);
        var pickA = Vector.LessThanOrEqual(pa, pb) & Vector.LessThanOrEqual(pa, pc);
        var pickB = Vector.LessThanOrEqual(pb, pc);
        return Vector.ConditionalSelect(pickA, a, Vector.ConditionalSelect(pickB, b, c));
    }

    /// <summary>Sum of |signed byte| over a filtered row.</summary>
    public static long Cost(ReadOnlySpan<byte> filtered)
    {
        int width = Vector<byte>.Count;
        var total = Vector<uint>.Zero;
        ReadOnlySpan<sbyte> signed = MemoryMarshal.Cast<byte, sbyte>(filtered);
        int i = 0;
        for (; i + width <= filtered.Length; i += width)
        {
            // |−128| overflows back to −128, whose unsigned byte 128 is the right magnitude.
            var magnitude = Vector.AsVectorByte(Vector.Abs(new Vector<sbyte>(signed[i..])));
            Vector.Widen(magnitude, out var lo, out var hi);
            Vector.Widen(lo + hi, out var a, out var b);
            total += a + b;
        }
        long sum = Vector.Sum(total);
        for (; i < filtered.Length; i++) { byte v = filtered[i]; sum += v < 128 ? v : 256 - v; }
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
