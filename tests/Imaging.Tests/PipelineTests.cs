using CnnEngine.TestSupport;

namespace CnnEngine.Imaging.Tests;

/// <summary>ImagePipeline = load_img(target_size) + preprocess_input, end to end.</summary>
public class PipelineTests
{
    [Fact]
    public void ResizesToTargetAndPreprocesses()
    {
        string path = Fixtures.Png("resize_source.png");
        NetworkImage n = ImagePipeline.LoadForNetwork(path, ImageSize.Vgg16Top, ResizeMode.Bilinear);
        Assert.Equal((53, 37), (n.Original.Width, n.Original.Height));
        Fixtures.AssertPixelsEqual(Fixtures.ReadExpected(Fixtures.Expected("resize_source_bilinear_224x224.npy")), n.Resized, "resized");
        Assert.Equal(new[] { 1, 224, 224, 3 }, n.Input.Shape);
        Assert.Equal(KerasPreprocess.ToInput(n.Resized).Data, n.Input.Data);
    }

    [Fact]
    public void NativeSizeKeepsThePicture()
    {
        NetworkImage n = ImagePipeline.LoadForNetwork(Fixtures.Png("resize_source.png"), null);
        Assert.Same(n.Original, n.Resized);
        Assert.Equal(new[] { 1, 37, 53, 3 }, n.Input.Shape);
    }

    [SkippableFact]
    public void OuzelTo224LikeKerasLoadImg()
    {
        string path = Paths.SharedImage("kerasvis_ouzel1.jpg");
        Skip.IfNot(File.Exists(path), $"skipped: {path} not present");
        NetworkImage n = ImagePipeline.LoadForNetwork(path, ImageSize.Vgg16Top);
        Assert.Equal((500, 348), (n.Original.Width, n.Original.Height));
        Assert.Equal((224, 224), (n.Resized.Width, n.Resized.Height));
        // Pixel equality with PIL for this resize is RealPhotoTests' job; here: the tensor is that picture, preprocessed.
        Assert.Equal(KerasPreprocess.ToInput(n.Resized).Data, n.Input.Data);
    }
}
