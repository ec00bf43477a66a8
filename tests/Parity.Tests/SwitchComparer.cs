namespace CnnEngine.Parity.Tests;

/// <summary>
/// Compares pool switches (flat y*W + x inside each channel's (H, W) input plane, NHWC layout) with the reference.
///
/// A switch may differ from the reference ONLY at a near tie: where the two competing candidates differ (in the
/// reference's pool input when we have it, else in the engine's own) by at most <c>margin</c>. The caller sets
/// margin = 2 × the largest |engine − reference| measured on the pool's input layer: if the engine picks b while
/// the reference picks a, then ref[a] − ref[b] ≤ (ref[a] − eng[a]) + (eng[b] − ref[b]) ≤ 2·maxErr, so anything
/// beyond that is a real bug. The engine must also be consistent with its own input: its pick is its own window
/// maximum, and between exactly equal values (zero ties after ReLU above all) it picks the first in row-major
/// order — so a flip between values that are exactly equal in the engine always fails.
/// </summary>
internal static class SwitchComparer
{
    /// <param name="TiedWindows">Windows whose maximum is shared exactly by two or more candidates in the reference's
    /// pool input (mostly all-zero windows after ReLU): there the first-in-row-major rule decides, and they must match.</param>
    public sealed record Result(int Compared, int Mismatches, int ReferenceExactTies, double LargestAcceptedGap, int TiedWindows)
    {
        public override string ToString() =>
            $"{Compared} switches compared ({TiedWindows} exactly tied windows in the reference), {Mismatches} near-tie flips ({ReferenceExactTies} of them exact ties in the reference), largest accepted gap {LargestAcceptedGap:G3}";
    }

    /// <param name="pooledIndices">Flat NHWC indices of the pooled outputs compared (null: all of them).</param>
    /// <param name="expected">Reference switches at those indices (same order).</param>
    /// <param name="actual">The engine's full switch tensor (1, H/2, W/2, C).</param>
    /// <param name="referenceInput">The reference's pool input (1, H, W, C), or null when only samples exist.</param>
    /// <param name="actualInput">The engine's pool input (1, H, W, C).</param>
    public static Result Check(string what, int[]? pooledIndices, int[] expected, int[] actual,
        int height, int width, int channels, float[]? referenceInput, float[] actualInput, double margin)
    {
        int outW = width / 2;
        int count = pooledIndices?.Length ?? actual.Length;
        Assert.Equal(count, expected.Length);
        int mismatches = 0, exactTies = 0;
        double largestGap = 0;
        for (int i = 0; i < count; i++)
        {
            int p = pooledIndices?[i] ?? i;
            int a = expected[i], b = actual[p];
            if (a == b) continue;
            int c = p % channels, pixel = p / channels, oy = pixel / outW, ox = pixel % outW;
            string where = $"{what}: pooled (y={oy}, x={ox}, c={c}) switch {b}, reference {a}";
            Assert.True(InWindow(a, oy, ox, width) && InWindow(b, oy, ox, width), $"{where}: outside the 2x2 window");
            float ea = actualInput[a * channels + c], eb = actualInput[b * channels + c];
            Assert.True(eb >= ea, $"{where}: the engine's own value there ({eb:G9}) is below its value at the reference's pick ({ea:G9})");
            Assert.False(eb == ea && a < b, $"{where}: equal values ({eb:G9}) must resolve to the first in row-major order");
            float[] x = referenceInput ?? actualInput;
            double gap = Math.Abs((double)x[a * channels + c] - x[b * channels + c]);
            Assert.True(gap <= margin, $"{where}: candidates differ by {gap:G4} > near-tie margin {margin:G4} — not a rounding tie");
            mismatches++;
            if (referenceInput is not null && gap == 0) exactTies++;
            largestGap = Math.Max(largestGap, gap);
        }
        int tied = 0;
        if (referenceInput is not null && pooledIndices is null)
            for (int p = 0; p < actual.Length; p++)
            {
                int c = p % channels, pixel = p / channels, oy = pixel / outW, ox = pixel % outW;
                float v00 = referenceInput[((2 * oy) * width + 2 * ox) * channels + c], v01 = referenceInput[((2 * oy) * width + 2 * ox + 1) * channels + c];
                float v10 = referenceInput[((2 * oy + 1) * width + 2 * ox) * channels + c], v11 = referenceInput[((2 * oy + 1) * width + 2 * ox + 1) * channels + c];
                float max = MathF.Max(MathF.Max(v00, v01), MathF.Max(v10, v11));
                if ((v00 == max ? 1 : 0) + (v01 == max ? 1 : 0) + (v10 == max ? 1 : 0) + (v11 == max ? 1 : 0) > 1) tied++;
            }
        return new Result(count, mismatches, exactTies, largestGap, tied);
    }

    private static bool InWindow(int s, int oy, int ox, int width)
    {
        int y = s / width, x = s % width;
        return y / 2 == oy && x / 2 == ox;
    }
}
