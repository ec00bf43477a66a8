using System.Buffers.Binary;
using System.Diagnostics;
using CnnEngine.TestSupport;

namespace CnnEngine.Imaging.Tests;

/// <summary>
/// The budgets of <see cref="ImageDecodeOptions"/>: megapixels, decode memory, JPEG scans, and files too small to hold
/// the picture they declare. Each is refused from the header, before a pixel buffer exists.
/// </summary>
public class BudgetTests
{
    private static T RefusedWithoutAllocating<T>(byte[] file, string name, ImageDecodeOptions? options = null) where T : ImageException
    {
        ImageLoader.Load(Fixtures.Png("gray8.png")); // warm up code paths so the measurement below is only the refusal
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<T>(() => ImageLoader.Load(file, name, options ?? ImageDecodeOptions.Default));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1 << 20, $"refusal allocated {allocated} bytes");
        Assert.Contains(name, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    private static byte[] PngChunk(string type, byte[] data)
    {
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        typeAndData.CopyTo(chunk, 4);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), CnnEngine.Imaging.Png.Crc32.Compute(typeAndData));
        return chunk;
    }

    /// <summary>A PNG declaring width x height with the given color type/depth and a few bytes of image data.</summary>
    private static byte[] TinyPng(uint width, uint height, byte bitDepth, byte colorType)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = bitDepth; ihdr[9] = colorType;
        byte[] idat = [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]; // zlib of one zero byte
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. PngChunk("IHDR", ihdr), .. PngChunk("IDAT", idat), .. PngChunk("IEND", [])];
    }

    [Fact]
    public void TinyPngDeclaringAHundredMillionRgba16PixelsIsRefusedAsTruncated()
    {
        // Issue 13: such a 68-byte file reached 795 MB before it was refused. 100,000,000 x 1 is exactly at the
        // megapixel limit, so what refuses it is the plausibility of the file size (deflate expands at most 1032:1).
        byte[] png = TinyPng(100_000_000, 1, 16, 6);
        Assert.True(png.Length < 100, $"{png.Length} bytes");
        var e = RefusedWithoutAllocating<CorruptImageException>(png, "tall.png");
        Assert.Contains("truncated", e.Message);
        Assert.Contains($"{png.Length} bytes", e.Message);
    }

    [Theory]
    [InlineData(30_000u, 30_000u)] // 900 MP
    [InlineData(10_001u, 10_000u)] // just over 100 MP
    public void PngOverTheMegapixelLimitIsRefused(uint width, uint height)
    {
        var e = RefusedWithoutAllocating<ImageTooLargeException>(TinyPng(width, height, 8, 2), "big.png");
        Assert.Contains("megapixels", e.Message);
        Assert.Contains("MaxPixels", e.Message);
    }

    [Fact]
    public void EveryFormatIsRefusedOverTheMegapixelLimitFromItsHeader()
    {
        // WebP VP8X canvas 16384 x 16384 (268 MP): 24-bit (width-1) and (height-1) at bytes 24 and 27.
        byte[] webp = File.ReadAllBytes(Fixtures.InFolder("webp", "lossy_alpha.webp"));
        Assert.True(webp.AsSpan(12, 4).SequenceEqual("VP8X"u8), "lossy_alpha.webp should start with VP8X");
        webp[24] = 0xFF; webp[25] = 0x3F; webp[26] = 0; webp[27] = 0xFF; webp[28] = 0x3F; webp[29] = 0;
        RefusedWithoutAllocating<ImageTooLargeException>(webp, "big.webp");

        byte[] bmp = File.ReadAllBytes(Fixtures.InFolder("bmp", "rgb24.bmp"));
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), 20_000);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), -20_000); // top-down: still 400 MP
        RefusedWithoutAllocating<ImageTooLargeException>(bmp, "big.bmp");

        byte[] gif = File.ReadAllBytes(Fixtures.InFolder("gif", "single.gif"));
        BinaryPrimitives.WriteUInt16LittleEndian(gif.AsSpan(6), 65_535);
        BinaryPrimitives.WriteUInt16LittleEndian(gif.AsSpan(8), 65_535);
        RefusedWithoutAllocating<ImageTooLargeException>(gif, "big.gif");
    }

    [Fact]
    public void LimitsAreOptionsThatCanBeRaisedOrLowered()
    {
        byte[] png = File.ReadAllBytes(Fixtures.Png("pil_rgb.png")); // 61 x 47
        var e = RefusedWithoutAllocating<ImageTooLargeException>(png, "small.png", new ImageDecodeOptions { MaxPixels = 1000 });
        Assert.Contains("0.001 megapixels", e.Message.Replace(",", "."));
        e = RefusedWithoutAllocating<ImageTooLargeException>(png, "small.png", new ImageDecodeOptions { MaxDecodedBytes = 10_000 });
        Assert.Contains("MaxDecodedBytes", e.Message);
        Assert.Equal(61, ImageLoader.Load(png, "small.png", new ImageDecodeOptions { MaxPixels = 61 * 47, MaxDecodedBytes = 61 * 47 * 7 + 1000 }).Width);
    }

    [Fact]
    public void DecodeMemoryBudgetCountsProgressiveJpegCoefficients()
    {
        // 10000 x 9000 = 90 MP, under the megapixel limit; 7 bytes a pixel (RGBA + RGB) = 630 MB, plus 6 bytes a pixel
        // of coefficients for a 4:4:4 progressive JPEG = 1170 MB > 1 GiB.
        // Padded with comment segments past the 176 KB a complete file of that size needs at least.
        byte[] jpeg = PadWithComments(SetJpegSize(File.ReadAllBytes(Fixtures.Jpeg("progressive444.jpg")), 0xC2, 10_000, 9_000), 4);
        var e = RefusedWithoutAllocating<ImageTooLargeException>(jpeg, "big444.jpg");
        Assert.Contains("to decode", e.Message);
    }

    [Fact]
    public void TinyJpegDeclaringAHugePictureIsRefusedAsTruncated()
    {
        // 9000 x 9000 (81 MP): Huffman coding needs at least a bit per 8x8 block, 158 KB; the file has 2 KB.
        byte[] jpeg = SetJpegSize(File.ReadAllBytes(Fixtures.Jpeg("baseline420.jpg")), 0xC0, 9_000, 9_000);
        var e = RefusedWithoutAllocating<CorruptImageException>(jpeg, "tiny.jpg");
        Assert.Contains("truncated", e.Message);
    }

    /// <summary>Inserts <paramref name="count"/> 64 KB comment (COM) segments after SOI.</summary>
    private static byte[] PadWithComments(byte[] jpeg, int count)
    {
        var result = new List<byte>(jpeg[..2]);
        for (int i = 0; i < count; i++)
        {
            result.AddRange(new byte[] { 0xFF, 0xFE, 0xFF, 0xFF });
            result.AddRange(new byte[0xFFFF - 2]);
        }
        result.AddRange(jpeg[2..]);
        return result.ToArray();
    }

    private static byte[] SetJpegSize(byte[] jpeg, byte sofMarker, int width, int height)
    {
        int sof = jpeg.AsSpan().IndexOf(new byte[] { 0xFF, sofMarker });
        Assert.True(sof > 0, $"no SOF 0x{sofMarker:X2} in the fixture");
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 5), (ushort)height);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 7), (ushort)width);
        return jpeg;
    }

    /// <summary>The file with its last scan (SOS segment and its entropy-coded data) repeated <paramref name="times"/> more times before EOI.</summary>
    internal static byte[] RepeatLastScan(byte[] jpeg, int times)
    {
        int lastSos = jpeg.AsSpan().LastIndexOf(new byte[] { 0xFF, 0xDA });
        int eoi = jpeg.Length - 2;
        Assert.True(jpeg[eoi] == 0xFF && jpeg[eoi + 1] == 0xD9, "fixture does not end with EOI");
        byte[] scan = jpeg[lastSos..eoi];
        var result = new List<byte>(jpeg.Length + scan.Length * times);
        result.AddRange(jpeg[..eoi]);
        for (int i = 0; i < times; i++) result.AddRange(scan);
        result.AddRange(jpeg[eoi..]);
        return result.ToArray();
    }

    [Fact]
    public void ProgressiveJpegWithTooManyScansIsRefused()
    {
        byte[] jpeg = File.ReadAllBytes(Fixtures.Jpeg("progressive.jpg")); // libjpeg's script: 10 scans
        ImageLoader.Load(jpeg, "ten.jpg");
        ImageLoader.Load(RepeatLastScan(jpeg, ImageLimits.MaxJpegScans - 10), "at-limit.jpg");
        var e = RefusedWithoutAllocating<ImageTooLargeException>(RepeatLastScan(jpeg, 2000), "scans.jpg");
        Assert.Contains($"more than {ImageLimits.MaxJpegScans} scans", e.Message);
        Assert.Contains("MaxJpegScans", e.Message);
        // Raised on purpose, a file over the default decodes (a repeated refinement scan changes nothing).
        ImageLoader.Load(RepeatLastScan(jpeg, 70), "eighty.jpg", new ImageDecodeOptions { MaxJpegScans = 90 });
    }

    [SkippableFact]
    [Trait("Category", "FullSize")]
    public void EightThousandSquareJpegWithItsLastScanRepeated2000TimesIsRefusedFast()
    {
        // Issue 13's reproducer: such a file (440 KB) decoded for 80 s. PIL writes the 8000 x 8000 progressive JPEG.
        Python.SkipIfUnavailable();
        using var dir = Paths.NewTempDir("scans");
        string big = dir.File("big.jpg");
        Python.RunRaw(["-c",
            "import sys, numpy as np; from PIL import Image; rng = np.random.RandomState(1); " +
            "small = rng.randint(0, 256, size=(100, 100, 3)).astype(np.uint8); " +
            "Image.fromarray(small).resize((8000, 8000), Image.BILINEAR).save(sys.argv[1], 'JPEG', quality=20, progressive=True)", big],
            TimeSpan.FromMinutes(2));
        byte[] hostile = RepeatLastScan(File.ReadAllBytes(big), 2000);
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<ImageTooLargeException>(() => ImageLoader.Load(hostile, "hostile.jpg"));
        clock.Stop();
        Assert.Contains("scans", e.Message);
        // Decoding it takes over a minute; the refusal only walks the markers (milliseconds). A loose bound.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"refusal took {clock.Elapsed.TotalSeconds:F1} s for {hostile.Length} bytes");
    }
}
