namespace CnnEngine.Imaging.Tests;

/// <summary>Committed JPEGs (written by PIL) decode to exactly PIL's decode of them.</summary>
public class JpegDecoderTests
{
    [Theory]
    [InlineData("baseline420.jpg")]
    [InlineData("baseline422.jpg")]
    [InlineData("baseline444.jpg")]
    [InlineData("progressive.jpg")]
    [InlineData("optimized.jpg")]
    [InlineData("gray.jpg")]
    [InlineData("gray_progressive.jpg")]
    public void DecodesLikePil(string name)
    {
        RgbImage expected = Fixtures.ReadExpected(Fixtures.Expected(name + ".npy"));
        RgbImage actual = ImageLoader.Load(Fixtures.Jpeg(name));
        Fixtures.AssertPixelsEqual(expected, actual, name);
    }

    [Fact]
    public void GrayscaleIsReplicatedToThreeEqualChannels()
    {
        RgbImage image = ImageLoader.Load(Fixtures.Jpeg("gray.jpg"));
        for (int i = 0; i < image.Pixels.Length; i += 3)
            Assert.True(image.Pixels[i] == image.Pixels[i + 1] && image.Pixels[i] == image.Pixels[i + 2], $"pixel {i / 3} is not gray");
    }

    [Fact]
    public void HarmlessWarningIsAcceptedLikePil()
    {
        // Three stray bytes before the SOS marker: libjpeg warns "extraneous bytes before marker" and skips them;
        // PIL decodes such a file to the same pixels as the clean one, so must we.
        byte[] jpeg = File.ReadAllBytes(Fixtures.Jpeg("baseline420.jpg"));
        int sos = jpeg.AsSpan().IndexOf(new byte[] { 0xFF, 0xDA });
        byte[] padded = [.. jpeg[..sos], 0, 0, 0, .. jpeg[sos..]];
        Fixtures.AssertPixelsEqual(Fixtures.ReadExpected(Fixtures.Expected("baseline420.jpg.npy")), ImageLoader.Load(padded, "padded.jpg"), "padded");
    }

    [Fact]
    public void CmykIsRefusedClearly()
    {
        var e = Assert.Throws<UnsupportedImageFormatException>(() => ImageLoader.Load(Fixtures.Jpeg("cmyk.jpg")));
        Assert.Contains("cmyk.jpg", e.Message);
        Assert.Contains("CMYK", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
