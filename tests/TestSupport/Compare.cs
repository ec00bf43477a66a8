using Xunit;

namespace CnnEngine.TestSupport;

/// <summary>Tolerance checks shared by parity tests.</summary>
public static class Compare
{
    /// <summary>
    /// Asserts max |actual - expected| ≤ tolerance · max(|expected|) (relative to the tensor's largest magnitude,
    /// the measure every parity test in this project states). Returns the measured relative error.
    /// </summary>
    public static double AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length} != expected {expected.Length}");
        double maxRef = 0, maxErr = 0;
        int worst = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            maxRef = Math.Max(maxRef, Math.Abs(expected[i]));
            if (!float.IsFinite(actual[i])) Assert.Fail($"{what}: element {i} is {actual[i]}");
            double err = Math.Abs((double)actual[i] - expected[i]);
            if (err > maxErr) { maxErr = err; worst = i; }
        }
        double rel = maxRef == 0 ? maxErr : maxErr / maxRef;
        Assert.True(rel <= tolerance,
            $"{what}: max error {maxErr:G4} at {worst} (expected {(worst >= 0 ? expected[worst] : 0):G6}, got {(worst >= 0 ? actual[worst] : 0):G6}) is {rel:G3} of max |ref| {maxRef:G4}, tolerance {tolerance:G3}");
        return rel;
    }
}
