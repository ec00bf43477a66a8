using CnnEngine.TestSupport;

namespace CnnEngine.Imaging.Tests;

/// <summary>vgg16.preprocess_input against numpy's (expected/resize_source_preprocessed.npy, made by make_fixtures.py).</summary>
public class PreprocessTests
{
    [Fact]
    public void MatchesKerasCaffeModeExactly()
    {
        RgbImage image = ImageLoader.Load(Fixtures.Png("resize_source.png"));
        var input = KerasPreprocess.ToInput(image);
        Npy.Array expected = Npy.Read(Fixtures.Expected("resize_source_preprocessed.npy"));
        Assert.Equal(expected.Shape, input.Shape);
        float[] e = expected.AsFloat32();
        for (int i = 0; i < e.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(e[i]) == BitConverter.SingleToInt32Bits(input.Data[i]),
                $"element {i}: numpy {e[i]:R}, engine {input.Data[i]:R}");
    }

    [Fact]
    public void ChannelOrderIsBgr()
    {
        var image = new RgbImage(1, 1, [200, 100, 50]);
        float[] x = KerasPreprocess.ToInput(image).Data;
        Assert.Equal(50f - 103.939f, x[0]);
        Assert.Equal(100f - 116.779f, x[1]);
        Assert.Equal(200f - 123.68f, x[2]);
    }

    [Fact]
    public void BatchStacksImagesAndRejectsMixedSizes()
    {
        RgbImage a = ImageLoader.Load(Fixtures.Png("rgb8.png"));
        RgbImage b = ImageLoader.Load(Fixtures.Png("rgba8.png"));
        var batch = KerasPreprocess.ToInput(a, b);
        Assert.Equal(new[] { 2, a.Height, a.Width, 3 }, batch.Shape);
        Assert.Equal(KerasPreprocess.ToInput(b).Data, batch.Image(1).ToArray());
        Assert.Throws<ArgumentException>(() => KerasPreprocess.ToInput(a, ImageLoader.Load(Fixtures.Png("gray8_trns.png"))));
    }

    [Fact]
    public void ToRgbImageInvertsPreprocessing()
    {
        RgbImage image = ImageLoader.Load(Fixtures.Png("pil_rgb.png"));
        Fixtures.AssertPixelsEqual(image, KerasPreprocess.ToRgbImage(KerasPreprocess.ToInput(image)), "round trip");
    }
}
