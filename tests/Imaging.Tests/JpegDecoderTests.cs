namespace CnnEngine.Imaging.Tests;

/// <summary>JPEG specifics (pixel parity for every fixture, CMYK included, is <see cref="DecodeParityTests"/>).</summary>
public class JpegDecoderTests
{
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

    [SkippableFact]
    public void DecodingLoadsNoSystemJpegLibrary()
    {
        // The JPEG codec is libjpeg-turbo compiled into SkiaSharp's own native library: no libjpeg / libturbojpeg of
        // the system is needed. Proven on this process's memory map after a decode (Linux only).
        Skip.IfNot(OperatingSystem.IsLinux(), "skipped: /proc/self/maps is Linux-only");
        ImageLoader.Load(Fixtures.Jpeg("progressive.jpg"));
        string[] maps = File.ReadAllLines("/proc/self/maps");
        Assert.Contains(maps, line => line.Contains("libSkiaSharp", StringComparison.Ordinal));
        string[] jpegLibraries = maps.Where(l => l.Contains("libjpeg", StringComparison.Ordinal) || l.Contains("libturbojpeg", StringComparison.Ordinal))
            .Select(l => l[(l.LastIndexOf(' ') + 1)..]).Distinct().ToArray();
        Assert.True(jpegLibraries.Length == 0, "system JPEG libraries loaded: " + string.Join(", ", jpegLibraries));
    }
}
