using CnnEngine.Backends;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Deconv.Tests.Invariance;

public class InvarianceTests
{
    private static Tensor Ramp(int h, int w)
    {
        var t = new Tensor(1, h, w, 3);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < 3; c++) t.Data[(y * w + x) * 3 + c] = y * 100 + x + c * 0.25f;
        return t;
    }

    private static float At(float[] d, int w, int y, int x, int c) => d[(y * w + x) * 3 + c];

    [Theory]
    [InlineData(InvarianceTransform.Translate, 0)] [InlineData(InvarianceTransform.Scale, 1)] [InlineData(InvarianceTransform.Rotate, 0)] [InlineData(InvarianceTransform.Rotate, 360)]
    public void IdentityParametersGiveTheImageBack(InvarianceTransform t, double p)
    {
        var img = Ramp(9, 12);
        var o = new float[img.Data.Length];
        CnnEngine.Deconv.Invariance.Apply(img, t, p, o);
        for (int i = 0; i < o.Length; i++) Assert.Equal(img.Data[i], o[i], 3);
    }

    [Fact]
    public void TranslateShiftsRightAndFillsWithTheMeanPixel()
    {
        var img = Ramp(5, 8);
        var o = new float[img.Data.Length];
        CnnEngine.Deconv.Invariance.Apply(img, InvarianceTransform.Translate, 3, o);
        for (int y = 0; y < 5; y++) for (int x = 0; x < 8; x++) for (int c = 0; c < 3; c++)
            Assert.Equal(x >= 3 ? At(img.Data, 8, y, x - 3, c) : 0f, At(o, 8, y, x, c), 3);
    }

    [Fact]
    public void Rotate90TurnsASquareImageExactly()
    {
        var img = Ramp(7, 7);
        var o = new float[img.Data.Length];
        CnnEngine.Deconv.Invariance.Apply(img, InvarianceTransform.Rotate, 90, o);
        // clockwise on screen (y down): the output's top row is the input's left column read bottom-up,
        // i.e. output (y, x) = input (6 - x, y)
        for (int y = 0; y < 7; y++) for (int x = 0; x < 7; x++)
            Assert.Equal(At(img.Data, 7, 6 - x, y, 0), At(o, 7, y, x, 0), 2);
    }

    [Theory]
    [InlineData("-60:60:10", 13)] [InlineData("0:360:15", 25)] [InlineData("0.6:1.4:0.1", 9)] [InlineData("5:5:1", 1)]
    public void RangesIncludeTheirEnd(string text, int count) =>
        Assert.Equal(count, CnnEngine.Deconv.Invariance.ParseRange(text, text.Contains('.') ? InvarianceTransform.Scale : InvarianceTransform.Translate).Length);

    [Theory]
    [InlineData("1:2")] [InlineData("a:b:c")] [InlineData("2:1:1")] [InlineData("0:1:0")] [InlineData("0:1000000:1")]
    public void BadRangesAreRejected(string text) =>
        Assert.Throws<DeconvException>(() => CnnEngine.Deconv.Invariance.ParseRange(text, InvarianceTransform.Translate));

    /// <summary>A stand-in network whose block1_pool is the input itself, fc2 the per-channel means and predictions fixed by the mean:
    /// checks the distances and probabilities Run reports are the ones of those features.</summary>
    private sealed class Probe : IForwardBackend
    {
        public string DeviceId => "cpu";
        public string DeviceName => "probe";
        public Vgg16Weights Weights => throw new NotSupportedException("the probe has no weights");
        public Tensor Forward(Tensor input, ILayerTap? tap = null)
        {
            int n = input.Shape[0], per = input.Data.Length / n;
            var fc2 = new Tensor(n, 3);
            var probs = new Tensor(n, 1000);
            for (int i = 0; i < n; i++)
            {
                var img = input.Image(i);
                for (int p = 0; p < per; p++) fc2.Data[i * 3 + p % 3] += img[p] / (per / 3);
                probs.Data[i * 1000 + 7] = 1 / (1 + MathF.Abs(fc2.Data[i * 3]));
                probs.Data[i * 1000 + 8] = 1 - probs.Data[i * 1000 + 7];
            }
            tap?.OnActivation(Vgg16Architecture.ConvBase[2], new Tensor((float[])input.Data.Clone(), input.Shape));
            tap?.OnActivation(Vgg16Architecture.Top[1], fc2);
            return probs;
        }
        public void Dispose() { }
    }

    [Fact]
    public void RunReportsTheDistancesOfTheTappedFeatures()
    {
        var img = Ramp(16, 16);
        using var probe = new Probe();
        var r = CnnEngine.Deconv.Invariance.Run(probe, img, InvarianceTransform.Translate, new[] { 0.0, 4.0 }, batch: 1);
        var shifted = new float[img.Data.Length];
        CnnEngine.Deconv.Invariance.Apply(img, InvarianceTransform.Translate, 4, shifted);
        double expected = Math.Sqrt(img.Data.Zip(shifted, (a, b) => (double)(a - b) * (a - b)).Sum());
        Assert.Equal(0, r.Points[0].Block1Distance, 6);
        Assert.Equal(expected, r.Points[1].Block1Distance, 3);
        Assert.True(r.Points[1].Fc2Distance > 0);
        Assert.Equal(r.OriginalProbability, r.Points[0].Probability, 6);
    }
}
