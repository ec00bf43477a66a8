namespace CnnEngine.Imaging.Tests;

/// <summary>
/// Truncated and damaged files of every format: a typed <see cref="ImageException"/> with one line naming the file,
/// never another exception, never a picture from a cut file.
/// </summary>
public class CorruptFileTests
{
    public static TheoryData<string, string> OneFilePerFlavour() => new()
    {
        { "png", "pil_rgb.png" }, { "png", "rgba8_adam7.png" }, { "png", "palette2.png" },
        { "jpeg", "baseline420.jpg" }, { "jpeg", "progressive.jpg" }, { "jpeg", "gray.jpg" },
        { "webp", "lossy.webp" }, { "webp", "lossless.webp" }, { "webp", "lossy_alpha.webp" },
        { "bmp", "rgb24.bmp" }, { "bmp", "palette8.bmp" }, { "bmp", "rle8.bmp" },
        { "gif", "single.gif" }, { "gif", "animated.gif" },
    };

    private static void AssertOneLineAbout(ImageException e, string name)
    {
        Assert.StartsWith(name + ": ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [MemberData(nameof(OneFilePerFlavour))]
    public void TruncatedAnywhereIsRefused(string folder, string file)
    {
        byte[] data = File.ReadAllBytes(Fixtures.InFolder(folder, file));
        // Every length in the headers, then 40 cuts spread over the rest (the last byte included).
        var lengths = Enumerable.Range(0, Math.Min(64, data.Length))
            .Concat(Enumerable.Range(1, 40).Select(i => (int)((long)data.Length * i / 41)))
            .Append(data.Length - 1).Distinct();
        RgbImage whole = ImageLoader.Load(data, file);
        foreach (int length in lengths)
        {
            string name = $"{file}[..{length}]";
            try
            {
                RgbImage cut = ImageLoader.Load(data.AsSpan(0, length), name);
                // Only a GIF cut after its first frame may decode: to exactly that frame, as PIL shows it.
                Assert.True(folder == "gif", $"{name} decoded to {cut}");
                Fixtures.AssertPixelsEqual(whole, cut, name);
            }
            catch (ImageException e)
            {
                AssertOneLineAbout(e, name);
            }
        }
    }

    [Theory]
    [MemberData(nameof(OneFilePerFlavour))]
    public void DamagedBytesGiveAPictureOrATypedError(string folder, string file)
    {
        // Formats without checksums (JPEG, BMP, GIF, lossy WebP) can decode damaged data to a damaged picture, as PIL
        // does; what must never happen is any other exception, a hang, or a wrong size.
        byte[] original = File.ReadAllBytes(Fixtures.InFolder(folder, file));
        var random = new Random(20261129);
        for (int trial = 0; trial < 60; trial++)
        {
            byte[] data = (byte[])original.Clone();
            int flips = 1 + trial % 4;
            for (int f = 0; f < flips; f++) data[random.Next(data.Length)] ^= (byte)(1 << random.Next(8));
            string name = $"{file}#{trial}";
            try
            {
                RgbImage image = ImageLoader.Load(data, name);
                Assert.Equal(image.Width * image.Height * 3, image.Pixels.Length);
            }
            catch (ImageException e)
            {
                AssertOneLineAbout(e, name);
            }
        }
    }

    [Theory]
    [InlineData("png", "pil_rgb.png")]
    [InlineData("jpeg", "baseline420.jpg")]
    [InlineData("webp", "lossless.webp")]
    [InlineData("gif", "single.gif")]
    [InlineData("bmp", "rgb24.bmp")]
    public void GarbageAfterTheHeaderGivesATypedErrorOrAPictureOfTheDeclaredSize(string folder, string file)
    {
        // The first 40 bytes of a real file, then random bytes (a JPEG keeps its EOI so the decoder sees the garbage).
        byte[] data = File.ReadAllBytes(Fixtures.InFolder(folder, file));
        var random = new Random(7);
        for (int i = 40; i < data.Length; i++) data[i] = (byte)random.Next(256);
        if (folder == "jpeg") { data[^2] = 0xFF; data[^1] = 0xD9; }
        ImageHeader header = ImageLoader.ReadHeader(File.ReadAllBytes(Fixtures.InFolder(folder, file)), file);
        try
        {
            RgbImage image = ImageLoader.Load(data, "garbage." + folder);
            Assert.Equal((header.Width, header.Height), (image.Width, image.Height));
        }
        catch (ImageException e)
        {
            AssertOneLineAbout(e, "garbage." + folder);
        }
    }
}
