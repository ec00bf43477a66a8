using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Tests.Rendering;

public class ColormapTests
{
    // Published values: matplotlib's / viridisLite's hex endpoints and viridis(0.5) = #21918C.
    [Theory]
    [InlineData("viridis", "#440154", "#FDE725")]
    [InlineData("magma", "#000004", "#FCFDBF")]
    [InlineData("inferno", "#000004", "#FCFFA4")]
    [InlineData("gray", "#000000", "#FFFFFF")]
    public void EndpointsMatchPublishedValues(string name, string first, string last)
    {
        var map = Colormap.TryGet(name)!;
        Assert.Equal(256 * 3, map.Lut.Length);
        Assert.Equal(first, Hex(map[0]));
        Assert.Equal(last, Hex(map[255]));
    }

    [Fact]
    public void ViridisMidpointMatchesMatplotlib() => Assert.Equal("#21918C", Hex(Colormap.Viridis[128]));

    [Theory]
    [InlineData("viridis")]
    [InlineData("magma")]
    [InlineData("inferno")]
    [InlineData("gray")]
    public void LightnessRisesMonotonically(string name)
    {
        // The perceptual maps are designed with monotonically increasing lightness: check luma never drops much.
        var map = Colormap.TryGet(name)!;
        double previous = -1;
        for (int i = 0; i < 256; i++)
        {
            var c = map[i];
            double luma = 0.2126 * c.R + 0.7152 * c.G + 0.0722 * c.B;
            Assert.True(luma >= previous - 1.0, $"{name}[{i}] luma {luma} after {previous}");
            previous = luma;
        }
    }

    [Fact]
    public void UnknownNamesAreNull()
    {
        Assert.Null(Colormap.TryGet("jet"));
        Assert.Same(Colormap.Gray, Colormap.TryGet("GREY"));
    }

    private static string Hex(Rgb c) => $"#{c.R:X2}{c.G:X2}{c.B:X2}";
}
