using Xunit;

namespace CnnEngine.TestSupport;

/// <summary>
/// Switch comparison for a pool of any window that allows only near-tie flips: where the engine picked a different
/// position than the reference, the two candidates' values in the reference's pool input must differ by at most
/// <c>margin</c> (2 × the largest error measured on that input: anything beyond cannot be rounding). Switches are flat
/// y·W + x inside each channel's input plane, channels last. Given the engine's own pool input, a flip between two
/// values that are exactly equal there fails too: exact ties must go to the first in row-major window order, as the
/// reference does, whatever the margin. Returns the flip count.
/// </summary>
public static class Switches
{
    public static int AssertSame(string what, int[] expected, int[] actual, float[] referenceInput, int width, int channels, double margin,
        float[]? actualInput = null)
    {
        Assert.Equal(expected.Length, actual.Length);
        int flips = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] == actual[i]) continue;
            int c = i % channels;
            Assert.True(actual[i] >= 0 && (long)actual[i] * channels + c < referenceInput.Length, $"{what}: switch {i} is {actual[i]}, outside the input plane");
            float a = referenceInput[expected[i] * channels + c], b = referenceInput[actual[i] * channels + c];
            Assert.True(Math.Abs(a - b) <= margin,
                $"{what}: switch {i} is {actual[i]}, reference {expected[i]}; values {b} vs {a} differ by more than the near-tie margin {margin:G3}");
            if (actualInput is not null)
                Assert.True(actualInput[actual[i] * channels + c] != actualInput[expected[i] * channels + c],
                    $"{what}: switch {i} is {actual[i]}, reference {expected[i]}; the engine's own values there are equal, so the tie must go to the first");
            flips++;
        }
        return flips;
    }
}
