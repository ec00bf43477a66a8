namespace CnnEngine.Imaging.Tests;

/// <summary>Resizes of a committed picture against PIL's (expected/resize_source_*.npy): runs without Python.</summary>
public class ResizeTests
{
    public static TheoryData<string, int, int> Sizes()
    {
        var data = new TheoryData<string, int, int>();
        foreach (string mode in new[] { "nearest", "bilinear" })
            foreach ((int w, int h) in new[] { (224, 224), (17, 31), (160, 5), (1, 1), (30, 37), (53, 90), (106, 74), (26, 18) })
                data.Add(mode, w, h);
        return data;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MatchesPil(string mode, int width, int height)
    {
        RgbImage source = ImageLoader.Load(Fixtures.Png("resize_source.png"));
        Assert.Equal((53, 37), (source.Width, source.Height));
        RgbImage actual = ImageResizer.Resize(source, width, height, mode == "nearest" ? ResizeMode.Nearest : ResizeMode.Bilinear);
        RgbImage expected = Fixtures.ReadExpected(Fixtures.Expected($"resize_source_{mode}_{width}x{height}.npy"));
        Fixtures.AssertPixelsEqual(expected, actual, $"{mode} {width}x{height}");
    }

    [Theory]
    [InlineData(ResizeMode.Nearest)]
    [InlineData(ResizeMode.Bilinear)]
    public void SameSizeIsNotResampled(ResizeMode mode)
    {
        RgbImage source = ImageLoader.Load(Fixtures.Png("resize_source.png"));
        Assert.Same(source, ImageResizer.Resize(source, source.Width, source.Height, mode));
    }

    [Fact]
    public void NearestUsesPilsCenterRuleNotFloorOfScaledIndex()
    {
        // 3 -> 2 columns: PIL samples source x = (int)(0.5*1.5) = 0 and (int)(0.75+1.5) = 2; a naive x*3/2 gives 0 and 1.
        var source = new RgbImage(3, 1, [10, 10, 10, 20, 20, 20, 30, 30, 30]);
        RgbImage resized = ImageResizer.Resize(source, 2, 1, ResizeMode.Nearest);
        Assert.Equal(new byte[] { 10, 10, 10, 30, 30, 30 }, resized.Pixels);
    }
}
