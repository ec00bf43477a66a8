using CnnEngine.TestSupport;

namespace CnnEngine.Imaging.Tests;

/// <summary>Broken, hostile or unsupported files: a typed exception with one line naming the file, never pixels.</summary>
public class BadInputTests
{
    private static T AssertRefused<T>(Func<RgbImage> load, string mustMention) where T : ImageException
    {
        var e = Assert.Throws<T>(() => load());
        Assert.Contains(mustMention, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    [Theory]
    [InlineData(8)]     // signature only
    [InlineData(20)]    // inside IHDR
    [InlineData(33)]    // right after IHDR
    [InlineData(100)]   // inside IDAT
    [InlineData(-12)]   // IEND missing
    [InlineData(-1)]    // IEND's CRC cut
    public void TruncatedPngIsCorrupt(int cut)
    {
        byte[] png = File.ReadAllBytes(Fixtures.Png("pil_rgb.png"));
        int length = cut > 0 ? cut : png.Length + cut;
        AssertRefused<CorruptImageException>(() => ImageLoader.Load(png.AsSpan(0, length), "cut.png"), "cut.png");
    }

    [Fact]
    public void TruncatedPngAtEveryLengthNeverYieldsPixels()
    {
        // Every prefix of a small interlaced palette PNG: refused, never a partial picture.
        byte[] png = File.ReadAllBytes(Fixtures.Png("palette4_adam7.png"));
        for (int length = 8; length < png.Length; length++)
            Assert.ThrowsAny<ImageException>(() => ImageLoader.Load(png.AsSpan(0, length), "prefix.png"));
    }

    [Fact]
    public void FlippedByteInImageDataFailsTheCrc()
    {
        byte[] png = File.ReadAllBytes(Fixtures.Png("pil_rgb.png"));
        int idat = png.AsSpan().IndexOf("IDAT"u8);
        png[idat + 20] ^= 0x40;
        AssertRefused<CorruptImageException>(() => ImageLoader.Load(png, "flipped.png"), "flipped.png: PNG is corrupt");
    }

    [Theory]
    [InlineData("bad_filter_type.png", "PNG is corrupt")]
    [InlineData("short_image_data.png", "PNG is corrupt or truncated")]
    [InlineData("garbage_image_data.png", "PNG is corrupt")]
    [InlineData("bad_adler32.png", "PNG is corrupt")]
    public void BrokenImageDataIsCorrupt(string name, string mention)
    {
        var e = AssertRefused<CorruptImageException>(() => ImageLoader.Load(Fixtures.Bad(name)), name);
        Assert.Contains(mention, e.Message);
    }

    [Fact]
    public void HugePngHeaderIsRefusedBeforeDecoding()
    {
        string path = Fixtures.Bad("huge_header_20000x20000.png");
        ImageLoader.Load(Fixtures.Png("gray8.png")); // warm up code paths so the measurement below is only the refusal
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = AssertRefused<ImageTooLargeException>(() => ImageLoader.Load(path), "20000x20000");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("huge_header_20000x20000.png", e.Message);
        // Decoding would need 1.2 GB for the pixels; the refusal reads the small file and the header only.
        Assert.True(allocated < 1 << 20, $"refusal allocated {allocated} bytes");
    }

    [Fact]
    public void HugeJpegHeaderIsRefusedBeforeDecoding()
    {
        byte[] jpeg = File.ReadAllBytes(Fixtures.Jpeg("baseline420.jpg"));
        int sof = jpeg.AsSpan().IndexOf(new byte[] { 0xFF, 0xC0 });
        Assert.True(sof > 0, "no SOF0 marker in the fixture");
        // SOF0: FF C0, length (2), precision (1), height (2), width (2)
        jpeg[sof + 5] = 0x4E; jpeg[sof + 6] = 0x20; // height 20000
        jpeg[sof + 7] = 0x4E; jpeg[sof + 8] = 0x20; // width 20000
        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertRefused<ImageTooLargeException>(() => ImageLoader.Load(jpeg, "huge.jpg"), "huge.jpg");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "refusal allocated a large buffer");
    }

    [Theory]
    [InlineData("baseline420.jpg", 0.5)]
    [InlineData("baseline420.jpg", 0.9)]
    [InlineData("progressive.jpg", 0.5)]
    [InlineData("progressive.jpg", 0.95)]
    [InlineData("gray.jpg", 0.7)]
    [InlineData("baseline420.jpg", 0.1)] // inside the headers
    public void TruncatedJpegIsCorrupt(string name, double keep)
    {
        byte[] jpeg = File.ReadAllBytes(Fixtures.Jpeg(name));
        int length = (int)(jpeg.Length * keep);
        AssertRefused<CorruptImageException>(() => ImageLoader.Load(jpeg.AsSpan(0, length), "cut.jpg"), "cut.jpg");
    }

    [Theory]
    [InlineData("baseline420.jpg")]
    [InlineData("progressive.jpg")]
    public void JpegWithoutEndMarkerIsCorrupt(string name)
    {
        // PIL refuses this too ("image file is truncated").
        byte[] jpeg = File.ReadAllBytes(Fixtures.Jpeg(name));
        AssertRefused<CorruptImageException>(() => ImageLoader.Load(jpeg.AsSpan(0, jpeg.Length - 2), "noeoi.jpg"), "noeoi.jpg");
    }

    [Fact]
    public void NonImageFileIsUnsupported()
    {
        var e = AssertRefused<UnsupportedImageFormatException>(() => ImageLoader.Load(Fixtures.Bad("not_an_image.txt")), "not_an_image.txt");
        Assert.Contains("not an image (supported: JPEG, PNG, WebP, BMP, GIF", e.Message);
    }

    [Fact]
    public void OtherFormatsAreNamed()
    {
        AssertRefused<UnsupportedImageFormatException>(() => ImageLoader.Load("II*\0\x08\0\0\0"u8, "scan.tif"), "TIFF");
        AssertRefused<UnsupportedImageFormatException>(() => ImageLoader.Load([0, 0, 0, 0x1C, .. "ftypheic"u8], "phone.heic"), "HEIC");
        AssertRefused<UnsupportedImageFormatException>(() => ImageLoader.Load(ReadOnlySpan<byte>.Empty, "empty.png"), "empty");
        AssertRefused<CorruptImageException>(() => ImageLoader.Load("GIF89a\x01\x00\x01\x00"u8, "cut.gif"), "GIF is truncated");
    }

    [Fact]
    public void MissingFileAndDirectoryAreFileErrors()
    {
        using var dir = Paths.NewTempDir("imaging");
        AssertRefused<ImageFileException>(() => ImageLoader.Load(dir.File("nope.png")), "nope.png");
        var e = AssertRefused<ImageFileException>(() => ImageLoader.Load(dir.Path), dir.Path);
        Assert.Contains("is a directory, not an image file", e.Message);
        Assert.DoesNotContain("denied", e.Message);
    }

    [Fact]
    public void SixteenPixelImageIsTooSmallForTheNetworkAtNativeSize()
    {
        string path = Fixtures.Bad("small_16x16.png");
        var e = Assert.Throws<ImageTooSmallException>(() => ImagePipeline.LoadForNetwork(path, null));
        Assert.Contains("small_16x16.png", e.Message);
        Assert.Contains("16x16", e.Message);
        // Resized to 224x224 (as load_img(target_size=(224, 224)) would), it is a valid input.
        NetworkImage ok = ImagePipeline.LoadForNetwork(path, ImageSize.Vgg16Top);
        Assert.Equal(new[] { 1, 224, 224, 3 }, ok.Input.Shape);
    }

    [Fact]
    public void TargetSizeUnder32IsRefused()
    {
        Assert.Throws<ImageTooSmallException>(() => ImagePipeline.LoadForNetwork(Fixtures.Png("pil_rgb.png"), new ImageSize(31, 224)));
    }
}
