using CnnEngine.Imaging.Png;
using System.IO.Compression;
using CnnEngine.TestSupport;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Tests.Rendering;

public class PngWriterTests
{
    /// <summary>A picture with smooth gradients, hard edges and noise, so different filters win on different rows.</summary>
    private static byte[] TestPicture(int width, int height, int channels, int seed)
    {
        var rng = new Random(seed);
        var px = new byte[width * height * channels];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < channels; c++)
                {
                    int band = y % 5;
                    int v = band switch
                    {
                        0 => x * 7 + c * 40,                         // horizontal ramp: Sub
                        1 => y * 3 + c,                              // constant row: Up / None
                        2 => (x + y) * 5 + c * 17,                   // diagonal: Average / Paeth
                        3 => rng.Next(256),                          // noise: None
                        _ => (x / 4 % 2) * 200 + (y / 3 % 2) * 50,   // blocks
                    };
                    px[(y * width + x) * channels + c] = (byte)v;
                }
        return px;
    }

    [Fact]
    public void Crc32MatchesTheStandardCheckValue()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0u, Crc32.Compute(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void PaethPredictorFollowsTheSpec()
    {
        Assert.Equal(10, PngRowFilterScalar.Paeth(10, 20, 20));  // p = 10 → a
        Assert.Equal(20, PngRowFilterScalar.Paeth(10, 20, 10));  // p = 20 → b
        Assert.Equal(20, PngRowFilterScalar.Paeth(20, 10, 5));  // p = 25: pa 5, pb 15, pc 20 → a
        Assert.Equal(9, PngRowFilterScalar.Paeth(9, 9, 7));      // p = 11: pa 2, pb 2, pc 4 → a (ties go to a)
        Assert.Equal(50, PngRowFilterScalar.Paeth(0, 50, 3));    // p = 47: pa 47, pb 3, pc 44 → b
    }

    [Fact]
    public void VectorFiltersMatchTheScalarReferenceAtEveryLength()
    {
        var rng = new Random(11);
        foreach (int bpp in new[] { 1, 3 })
            for (int n = bpp; n <= 3 * 70; n += bpp) // every SIMD remainder for 16-, 32- and 64-byte vectors
            {
                var row = new byte[n];
                var previous = new byte[n];
                rng.NextBytes(row);
                rng.NextBytes(previous);
                if (n % 7 == 0) Array.Fill(row, (byte)128); // extremes for the |−128| cost case
                var expected = new byte[n];
                var got = new byte[n];
                for (var f = PngFilter.None; f <= PngFilter.Paeth; f++)
                {
                    PngRowFilterScalar.Apply(f, row, previous, bpp, expected);
                    PngRowFilter.Apply(f, row, previous, bpp, got);
                    Assert.True(expected.AsSpan().SequenceEqual(got), $"{f} differs at n={n}, bpp={bpp}");
                    Assert.Equal(PngRowFilterScalar.Cost(expected), PngRowFilter.Cost(got));
                }
                var scratch = new byte[n];
                Assert.Equal(PngRowFilterScalar.ChooseAndApply(row, previous, bpp, expected, scratch),
                    PngRowFilter.ChooseAndApply(row, previous, bpp, got, scratch));
                Assert.True(expected.AsSpan().SequenceEqual(got));
            }
    }

    [Fact]
    public void AdaptiveChoiceHasTheSmallestCostOfAllFiveFilters()
    {
        var px = TestPicture(37, 20, 3, 1);
        int stride = 37 * 3;
        var best = new byte[stride];
        var scratch = new byte[stride];
        var each = new byte[stride];
        for (int y = 1; y < 20; y++)
        {
            var row = px.AsSpan(y * stride, stride);
            var prev = px.AsSpan((y - 1) * stride, stride);
            var chosen = PngRowFilter.ChooseAndApply(row, prev, 3, best, scratch);
            long chosenCost = PngRowFilter.Cost(best);
            for (var f = PngFilter.None; f <= PngFilter.Paeth; f++)
            {
                PngRowFilter.Apply(f, row, prev, 3, each);
                Assert.True(chosenCost <= PngRowFilter.Cost(each), $"row {y}: {chosen} costs {chosenCost}, {f} costs {PngRowFilter.Cost(each)}");
            }
        }
    }

    [Fact]
    public void AdaptiveFilteringUsesSeveralFilterTypes()
    {
        var px = TestPicture(64, 40, 3, 2);
        byte[] png = PngWriter.Encode(px, 64, 40, 3);
        var used = FilterTypesOf(png, 64 * 3, 40);
        Assert.True(used.Count >= 3, $"only filters {string.Join(",", used)} chosen");
    }

    [SkippableFact]
    public void EveryFilterAndBothColorTypesDecodeInPilToTheExactPixels()
    {
        using var dir = Paths.NewTempDir("png");
        var cases = new List<(string Path, byte[] Pixels, int W, int H, int C)>();
        int[] widths = { 1, 2, 7, 33, 100 };
        foreach (int channels in new[] { 1, 3 })
            foreach (int w in widths)
            {
                int h = w == 1 ? 3 : 11;
                var px = TestPicture(w, h, channels, w * 10 + channels);
                for (int f = -1; f <= 4; f++)
                {
                    PngFilter? filter = f < 0 ? null : (PngFilter)f;
                    string path = dir.File($"c{channels}_w{w}_f{(filter?.ToString() ?? "adaptive")}.png");
                    File.WriteAllBytes(path, PngWriter.Encode(px, w, h, channels, CompressionLevel.Fastest, filter));
                    if (filter is { } forced)
                        Assert.Equal(new HashSet<PngFilter> { forced }, FilterTypesOf(File.ReadAllBytes(path), w * channels, h));
                    cases.Add((path, px, w, h, channels));
                }
            }
        // Also one through the atomic writer at the best compression level.
        var big = TestPicture(301, 97, 3, 99);
        string atomic = dir.File("atomic.png");
        PngWriter.Write(atomic, big, 301, 97, 3, CompressionLevel.SmallestSize);
        cases.Add((atomic, big, 301, 97, 3));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));

        var decoded = PilDecoder.Decode(cases.Select(c => c.Path).ToArray());
        foreach (var c in cases)
        {
            var pil = decoded[c.Path];
            Assert.Equal("PNG", pil.Format);
            Assert.Equal((c.W, c.H), (pil.Width, pil.Height));
            Assert.Equal(c.C == 3 ? "RGB" : "L", pil.Mode);
            Assert.True(c.Pixels.AsSpan().SequenceEqual(pil.Pixels()), $"{Path.GetFileName(c.Path)} decodes to different pixels");
        }
    }

    [Fact]
    public void BadSizesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => PngWriter.Encode(new byte[12], 2, 2, 2));
        Assert.Throws<ArgumentException>(() => PngWriter.Encode(new byte[11], 2, 2, 3));
        Assert.Throws<ArgumentException>(() => PngWriter.Encode(Array.Empty<byte>(), 0, 2, 3));
    }

    /// <summary>Inflates the IDAT data of our own single-IDAT PNG and collects each row's filter byte.</summary>
    private static HashSet<PngFilter> FilterTypesOf(byte[] png, int stride, int height)
    {
        int offset = 8;
        byte[]? idat = null;
        while (offset < png.Length)
        {
            int length = png[offset] << 24 | png[offset + 1] << 16 | png[offset + 2] << 8 | png[offset + 3];
            string type = System.Text.Encoding.ASCII.GetString(png, offset + 4, 4);
            if (type == "IDAT") idat = png.AsSpan(offset + 8, length).ToArray();
            offset += 12 + length;
        }
        Assert.NotNull(idat);
        using var z = new ZLibStream(new MemoryStream(idat!), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        var bytes = raw.ToArray();
        Assert.Equal((stride + 1) * height, bytes.Length);
        var used = new HashSet<PngFilter>();
        for (int y = 0; y < height; y++) used.Add((PngFilter)bytes[y * (stride + 1)]);
        return used;
    }
}
