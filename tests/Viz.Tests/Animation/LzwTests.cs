using CnnEngine.Viz.Animation;

namespace CnnEngine.Viz.Tests.Animation;

public class LzwTests
{
    /// <summary>
    /// A GIF LZW decoder written from the GIF89a spec (appendix F), independent of the encoder: reads codes LSB-first,
    /// grows the code size when the next free code reaches 2^size (up to 12 bits), and resets on clear codes.
    /// </summary>
    private static (byte[] Output, int Clears) Decode(byte[] data, int minCodeSize, int expectedLength)
    {
        int clear = 1 << minCodeSize, end = clear + 1;
        var prefix = new int[4096];
        var suffix = new byte[4096];
        var length = new int[4096];
        for (int i = 0; i < clear; i++) { prefix[i] = -1; suffix[i] = (byte)i; length[i] = 1; }
        var output = new List<byte>(expectedLength);
        int codeSize = minCodeSize + 1, next = end + 1, previous = -1, clears = 0;
        long bitPos = 0;
        var stack = new byte[4096];
        while (true)
        {
            if ((bitPos + codeSize + 7) / 8 > data.Length + 1) throw new InvalidDataException("ran out of data before the end code");
            int code = 0;
            for (int b = 0; b < codeSize; b++, bitPos++)
            {
                int byteIndex = (int)(bitPos >> 3);
                int bit = byteIndex < data.Length ? (data[byteIndex] >> (int)(bitPos & 7)) & 1 : 0;
                code |= bit << b;
            }
            if (code == clear) { codeSize = minCodeSize + 1; next = end + 1; previous = -1; clears++; continue; }
            if (code == end) break;
            int emit;
            if (previous < 0)
            {
                if (code >= clear) throw new InvalidDataException($"first code {code} is not a literal");
                output.Add((byte)code);
                previous = code;
                continue;
            }
            byte first;
            if (code < next)
            {
                emit = code;
            }
            else if (code == next)
            {
                emit = previous; // KwKwK case: previous string + its own first symbol
            }
            else throw new InvalidDataException($"code {code} beyond next free code {next}");
            int n = 0;
            for (int c = emit; c >= 0; c = prefix[c]) stack[n++] = suffix[c];
            first = stack[n - 1];
            for (int i = n - 1; i >= 0; i--) output.Add(stack[i]);
            if (code == next) output.Add(first);
            if (next < 4096)
            {
                prefix[next] = previous;
                suffix[next] = first;
                length[next] = length[previous] + 1;
                next++;
                if (next == 1 << codeSize && codeSize < 12) codeSize++;
            }
            previous = code;
        }
        return (output.ToArray(), clears);
    }

    public static IEnumerable<object[]> Inputs()
    {
        var rng = new Random(5);
        byte[] Noise(int n, int symbols) => Enumerable.Range(0, n).Select(_ => (byte)rng.Next(symbols)).ToArray();
        yield return new object[] { "single", new byte[] { 3 }, 2 };
        yield return new object[] { "run", Enumerable.Repeat((byte)1, 5000).ToArray(), 2 };  // KwKwK codes all the way
        yield return new object[] { "noise-4", Noise(40000, 4), 2 };
        yield return new object[] { "noise-16", Noise(40000, 16), 4 };
        yield return new object[] { "noise-256", Noise(70000, 256), 8 };                 // fills 4096 codes many times
        yield return new object[] { "ramp", Enumerable.Range(0, 100000).Select(i => (byte)(i / 7 % 256)).ToArray(), 8 };
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void RoundTripsThroughAnIndependentDecoder(string name, byte[] input, int minCodeSize)
    {
        var encoder = new LzwEncoder();
        byte[] data = encoder.Encode(input, minCodeSize);
        var (output, clears) = Decode(data, minCodeSize, input.Length);
        Assert.True(input.AsSpan().SequenceEqual(output), $"{name}: decoded {output.Length} symbols, expected {input.Length}");
        Assert.Equal(encoder.ClearCodesEmitted, clears);
    }

    [Fact]
    public void AFullDictionaryEmitsAClearCodeAndStartsOver()
    {
        // 70 000 random 8-bit symbols add almost one code per symbol: the 4096-entry table fills every ~3800 symbols.
        var rng = new Random(1);
        var input = Enumerable.Range(0, 70000).Select(_ => (byte)rng.Next(256)).ToArray();
        var encoder = new LzwEncoder();
        var data = encoder.Encode(input, 8);
        Assert.True(encoder.ClearCodesEmitted >= 15, $"{encoder.ClearCodesEmitted} clear codes");
        Assert.True(Decode(data, 8, input.Length).Output.AsSpan().SequenceEqual(input));
    }

    [Fact]
    public void SymbolsOutsideThePaletteAreRejected() =>
        Assert.Throws<ArgumentException>(() => new LzwEncoder().Encode(new byte[] { 0, 4 }, 2));
}
