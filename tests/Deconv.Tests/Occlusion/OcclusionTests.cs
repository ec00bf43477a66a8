using CnnEngine.Backends.Cpu;
using CnnEngine.Deconv.Tests.Support;
using CnnEngine.TestSupport;

namespace CnnEngine.Deconv.Tests.Occlusion;

public class OcclusionTests
{
    [Theory]
    [InlineData(224, 16, 16, new[] { 0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208 })]
    [InlineData(10, 4, 3, new[] { 0, 3, 6 })]
    [InlineData(10, 10, 5, new[] { 0 })]
    [InlineData(11, 3, 4, new[] { 0, 4, 8 })]
    public void CornersStopWhereThePatchWouldLeaveTheImage(int side, int patch, int stride, int[] expected) =>
        Assert.Equal(expected, CnnEngine.Deconv.Occlusion.Corners(side, patch, stride));

    [Fact]
    public void BadRequestsAreTypedErrors()
    {
        using var backend = new TestForwardBackend(CnnEngine.Model.Vgg16Weights.Random(3));
        var image = new CnnEngine.Tensors.Tensor(1, 32, 32, 3);
        Assert.Contains("larger than", Assert.Throws<DeconvException>(() => CnnEngine.Deconv.Occlusion.Run(backend, image, "block1_conv1", 33, 4)).Message);
        Assert.Contains("unknown layer", Assert.Throws<DeconvException>(() => CnnEngine.Deconv.Occlusion.Run(backend, image, "block9_conv1", 8, 4)).Message);
        Assert.Contains("needs the classifier top", Assert.Throws<DeconvException>(() => CnnEngine.Deconv.Occlusion.Run(backend, image, "block1_conv1", 8, 4, classIndex: 3)).Message);
        Assert.Contains("stride", Assert.Throws<DeconvException>(() => CnnEngine.Deconv.Occlusion.Run(backend, image, "block1_conv1", 8, 0)).Message);
    }

    [SkippableFact]
    public void ActivationMapOfARealPhotoCropMatchesTheReference()
    {
        Python.SkipIfUnavailable();
        var (weights, folder) = Fixtures.RandomWeights(16, includeTop: false);
        var (input, inputNpy) = Fixtures.PhotoCrop("tfkerasvis_goldfish.jpg", 40, 44);
        string refDir = Fixtures.Reference("occl-small-goldfish",
            "--weights", folder, "--input-npy", inputNpy, "--occlusion", "block3_conv3", "--patch", "12", "--stride", "8");
        using var backend = new TestForwardBackend(weights);
        var r = CnnEngine.Deconv.Occlusion.Run(backend, input, "block3_conv3", 12, 8, batch: 3);
        var expected = Npy.Read(Path.Combine(refDir, "occlusion_activation.npy"));
        Assert.Equal(new[] { 4, 5 }, expected.Shape);
        Assert.Equal((4, 5), (r.Rows, r.Cols));
        var meta = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(refDir, "occlusion.json")));
        Assert.Equal(meta.RootElement.GetProperty("strongest_channel").GetInt32(), r.StrongestChannel);
        Compare.AssertClose(expected.AsFloat32(), r.Activation, 1e-4, "occlusion activation");
        Assert.Null(r.Probability);
    }

    /// <summary>Batch 4 runs block4_conv2/3 on F(2×2, 3×3); batch 8 (the CLI's default) on packed F(4×4, 3×3) for the first 8 of the 9 occluded copies.</summary>
    [SkippableTheory, Trait("Category", "FullSize")]
    [InlineData(4)]
    [InlineData(8)]
    public void FullSizeMapsWithTheTopMatchTheReference(int batch)
    {
        Python.SkipIfUnavailable();
        var (weights, folder) = Fixtures.RandomWeights(16, includeTop: true);
        var (input, inputNpy) = Fixtures.Photo("ozbulak_cat_dog.png");
        string refDir = Fixtures.Reference("occl-full-catdog",
            "--weights", folder, "--input-npy", inputNpy, "--occlusion", "block5_conv3", "--patch", "112", "--stride", "56", "--batch", "5");
        using var backend = new CpuBackend(weights);
        var r = CnnEngine.Deconv.Occlusion.Run(backend, input, "block5_conv3", 112, 56, batch: batch);
        Assert.Equal((3, 3), (r.Rows, r.Cols));
        var meta = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(refDir, "occlusion.json")));
        Assert.Equal(meta.RootElement.GetProperty("strongest_channel").GetInt32(), r.StrongestChannel);
        Assert.Equal(meta.RootElement.GetProperty("class").GetInt32(), r.ClassIndex);
        Compare.AssertClose(Npy.Read(Path.Combine(refDir, "occlusion_activation.npy")).AsFloat32(), r.Activation, 1e-4, "activation");
        Compare.AssertClose(Npy.Read(Path.Combine(refDir, "occlusion_prob.npy")).AsFloat32(), r.Probability!, 1e-4, "probability");
        Assert.Equal(Npy.Read(Path.Combine(refDir, "occlusion_argmax.npy")).AsInt32(), r.Argmax!);
    }
}
