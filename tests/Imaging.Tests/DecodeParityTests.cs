namespace CnnEngine.Imaging.Tests;

/// <summary>
/// Every committed fixture of every format (PNG, JPEG, WebP, BMP, GIF; written by tests/fixtures/images/make_fixtures.py)
/// decodes through SkiaSharp to exactly PIL's <c>Image.open(f).convert('RGB')</c> (expected/&lt;file&gt;.npy, made by
/// PIL), except the few differences listed in <see cref="KnownDifferences"/> and engine/Imaging/README.md.
/// </summary>
public class DecodeParityTests
{
    /// <summary>
    /// Measured differences from PIL 9.4 (samples differing, largest difference), each explained in engine/Imaging/README.md.
    /// A file listed here must still differ by no more than this.
    /// </summary>
    private static readonly Dictionary<string, (int Count, int Max)> KnownDifferences = new()
    {
        // Indices past the PLTE entries (invalid PNG): PIL reads its default gray ramp there, Skia another color.
        ["palette4_short_plte.png"] = (117, 156),
    };

    /// <summary>16-bit grayscale: PIL's convert('RGB') clamps (mode I); Skia keeps each sample's high byte (compared with expected/&lt;file&gt;.high_byte.npy).</summary>
    private static bool IsSixteenBitGray(string name) => File.Exists(Fixtures.Expected(name + ".high_byte.npy"));

    /// <summary>Refused here, decoded by PIL: a zlib stream without its Adler-32 (stricter: a picture is whole or refused).</summary>
    private static readonly string[] RefusedButPilDecodes = ["rgb8_no_adler.png"];

    public static TheoryData<string, string> AllFixtures()
    {
        var data = new TheoryData<string, string>();
        foreach (string folder in Fixtures.FormatFolders)
            foreach (string file in Directory.GetFiles(Path.Combine(Fixtures.Root, folder)).Order())
                if (File.Exists(Fixtures.Expected(Path.GetFileName(file) + ".npy"))) data.Add(folder, Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(AllFixtures))]
    public void DecodesLikePil(string folder, string name)
    {
        string path = Fixtures.InFolder(folder, name);
        if (RefusedButPilDecodes.Contains(name))
        {
            var e = Assert.Throws<CorruptImageException>(() => ImageLoader.Load(path));
            Assert.Contains(name, e.Message);
            return;
        }
        RgbImage actual = ImageLoader.Load(path);
        RgbImage pil = Fixtures.ReadExpected(Fixtures.Expected(name + ".npy"));
        if (IsSixteenBitGray(name))
        {
            Fixtures.AssertPixelsEqual(Fixtures.ReadExpected(Fixtures.Expected(name + ".high_byte.npy")), actual, name + " (high bytes)");
            Assert.NotEqual((0, 0), Fixtures.Difference(pil, actual)); // the clamp really differs: the README's numbers
        }
        else if (KnownDifferences.TryGetValue(name, out var bound))
        {
            var (count, max) = Fixtures.Difference(pil, actual);
            Assert.True(count <= bound.Count && max <= bound.Max, $"{name}: {count} samples differ (max {max}); measured bound {bound}");
        }
        else
        {
            Fixtures.AssertPixelsEqual(pil, actual, name);
        }
    }

    [Fact]
    public void FixtureSetCoversEveryFormatAndFlavour()
    {
        // Guards the theory above against a fixture folder that silently lost files.
        string[] required =
        [
            "jpeg/baseline420.jpg", "jpeg/progressive.jpg", "jpeg/gray.jpg", "jpeg/gray_progressive.jpg", "jpeg/cmyk.jpg",
            "jpeg/exif_orientation6.jpg", "jpeg/icc_lab_profile.jpg",
            "webp/lossy.webp", "webp/lossless.webp", "webp/lossy_alpha.webp", "webp/lossless_alpha.webp",
            "bmp/rgb24.bmp", "bmp/palette8.bmp", "bmp/palette4.bmp", "bmp/bilevel1.bmp", "bmp/rle8.bmp",
            "gif/single.gif", "gif/animated.gif", "gif/transparent.gif",
            "png/rgba8_adam7.png", "png/rgb16.png", "png/gray16.png", "png/palette1.png", "png/grayalpha16_adam7.png",
        ];
        foreach (string r in required)
        {
            Assert.True(File.Exists(Path.Combine(Fixtures.Root, r)), r + " missing");
            Assert.True(File.Exists(Fixtures.Expected(Path.GetFileName(r) + ".npy")), r + ": PIL's expected pixels missing");
        }
    }

    [Fact]
    public void ExifOrientationIsNotApplied()
    {
        // Stored 56 wide, 40 high, EXIF orientation 6 ("rotate 90° to display"): load_img keeps the stored order.
        RgbImage image = ImageLoader.Load(Fixtures.Jpeg("exif_orientation6.jpg"));
        Assert.Equal((56, 40), (image.Width, image.Height));
    }

    [Fact]
    public void AnimatedGifGivesItsFirstFrame()
    {
        RgbImage image = ImageLoader.Load(Fixtures.InFolder("gif", "animated.gif"));
        Fixtures.AssertPixelsEqual(Fixtures.ReadExpected(Fixtures.Expected("animated.gif.npy")), image, "frame 0");
    }

    [Fact]
    public void HeaderIsReadWithoutDecoding()
    {
        Assert.Equal(new ImageHeader(ImageFormat.WebP, 45, 37), ImageLoader.ReadHeader(File.ReadAllBytes(Fixtures.InFolder("webp", "lossy.webp")), "lossy.webp"));
        Assert.Equal(new ImageHeader(ImageFormat.Bmp, 45, 37), ImageLoader.ReadHeader(File.ReadAllBytes(Fixtures.InFolder("bmp", "rle8.bmp")), "rle8.bmp"));
        Assert.Equal(new ImageHeader(ImageFormat.Gif, 45, 37), ImageLoader.ReadHeader(File.ReadAllBytes(Fixtures.InFolder("gif", "single.gif")), "single.gif"));
        Assert.Equal(new ImageHeader(ImageFormat.Jpeg, 61, 47), ImageLoader.ReadHeader(File.ReadAllBytes(Fixtures.Jpeg("progressive.jpg")), "p.jpg"));
        Assert.Equal(new ImageHeader(ImageFormat.Png, 13, 11), ImageLoader.ReadHeader(File.ReadAllBytes(Fixtures.Png("rgb8.png")), "rgb8.png"));
    }
}
