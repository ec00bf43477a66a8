using CnnEngine.Deconv.Tests.Support;
using CnnEngine.Model;
using CnnEngine.Tensors;
using CnnEngine.Viz.Deconv;

namespace CnnEngine.Deconv.Tests.Report;

public class DeconvReportTests
{
    private static Tensor Input()
    {
        var rng = new Random(8);
        var t = new Tensor(1, 48, 56, 3);
        for (int i = 0; i < t.Data.Length; i++) t.Data[i] = (float)(rng.NextDouble() * 200 - 100);
        return t;
    }

    private static void AssertAssetsArePicturesTheHtmlShows(CnnEngine.Viz.Report.ReportSection section)
    {
        Assert.NotNull(section.Assets);
        Assert.NotEmpty(section.Assets!);
        foreach (var a in section.Assets!)
        {
            Assert.StartsWith("deconv/", a.RelativePath);
            Assert.Contains($"src=\"{a.RelativePath}\"", section.Html);
            if (a.RelativePath.EndsWith(".png")) Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, a.Bytes[..4]);
        }
    }

    [Fact]
    public void ProjectionsSectionShowsEveryLayer()
    {
        using var backend = new TestForwardBackend(Vgg16Weights.Random(9));
        var section = DeconvReport.Projections(backend, Input(), new[] { "block2_conv2", "block4_pool" }, mapsPerLayer: 2);
        AssertAssetsArePicturesTheHtmlShows(section);
        Assert.Equal(2, section.Assets!.Count);
        Assert.Contains("block4_pool", section.Html);
    }

    [Fact]
    public void OcclusionSectionWorksWithoutTheTop()
    {
        using var backend = new TestForwardBackend(Vgg16Weights.Random(9));
        var section = DeconvReport.Occlusion(backend, Input(), "block3_conv1", patch: 16, stride: 16);
        AssertAssetsArePicturesTheHtmlShows(section);
        Assert.DoesNotContain("probability of", section.Html);
    }
}
