namespace CnnEngine.Imaging.Tests;

/// <summary>PNG specifics (pixel parity for every fixture is <see cref="DecodeParityTests"/>).</summary>
public class PngDecoderTests
{
    [Fact]
    public void FixtureSetCoversEveryColorTypeAndBitDepth()
    {
        // Guards the theory above against a fixture folder that silently lost files.
        string[] required =
        [
            "gray1", "gray2", "gray4", "gray8", "gray16", "rgb8", "rgb16", "palette1", "palette2", "palette4", "palette8",
            "grayalpha8", "grayalpha16", "rgba8", "rgba16",
        ];
        var present = Directory.GetFiles(Path.Combine(Fixtures.Root, "png"), "*.png")
            .Select(Path.GetFileName)
            .Where(n => File.Exists(Fixtures.Expected(n + ".npy")))
            .ToHashSet();
        foreach (string r in required)
        {
            Assert.Contains(r + ".png", present);
            Assert.Contains(r + "_adam7.png", present);
        }
        for (int f = 0; f < 5; f++) Assert.Contains($"rgb8_filter{f}.png", present);
    }

    [Fact]
    public void SameBytesFromSpanAndFile()
    {
        byte[] bytes = File.ReadAllBytes(Fixtures.Png("rgb8_many_idat.png"));
        RgbImage fromSpan = ImageLoader.Load(bytes, "buffer");
        Fixtures.AssertPixelsEqual(ImageLoader.Load(Fixtures.Png("rgb8_many_idat.png")), fromSpan, "span vs file");
    }

    [Fact]
    public void FormatIsDetectedByContentNotExtension()
    {
        using var dir = CnnEngine.TestSupport.Paths.NewTempDir("imaging");
        string misnamed = dir.File("actually_a_png.jpg");
        File.Copy(Fixtures.Png("rgb8.png"), misnamed);
        Fixtures.AssertPixelsEqual(ImageLoader.Load(Fixtures.Png("rgb8.png")), ImageLoader.Load(misnamed), "misnamed PNG");
    }
}
