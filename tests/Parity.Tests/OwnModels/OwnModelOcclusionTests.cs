using CnnEngine.Backends.Model;
using CnnEngine.Deconv;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.TestSupport;

namespace CnnEngine.Parity.Tests.OwnModels;

/// <summary>
/// Occlusion and invariance on own models (the generic <see cref="Occlusion"/> / <see cref="Invariance"/> runs):
/// every cell equals a forward pass of the image occluded by hand with the given grey (1 and 3 channels, batches that
/// do not divide the cell count), and the invariance distances are those of the named early and dense layers.
/// </summary>
public class OwnModelOcclusionTests
{
    [SkippableTheory]
    [InlineData("mnist_keras", "activation", 128f)]
    [InlineData("bn_gap", "conv2d_2", 100f)]
    public void EveryCellIsTheForwardOfTheOccludedImage(string key, string layer, float grey)
    {
        Python.SkipIfUnavailable();
        var m = OwnModelFixtures.Cases()[key];
        var model = OwnModelParityTests.Open(m);
        var input = OwnModelFixtures.Load(OwnModelFixtures.Reference(m, "kerasvis_ouzel1.jpg"), "input");
        var image = new Tensor(input.AsFloat32(), input.Shape);
        using var backend = new CnnCpuBackend(model);
        int c = model.Input.Channels, patch = 9, stride = 7;
        var fill = Enumerable.Range(0, c).Select(i => grey + i).ToArray();
        var r = Occlusion.Run(backend.Forward, image, layer, model.ClassCount, patch, stride, null, batch: 4, fill);
        Assert.Equal(Occlusion.Corners(model.Input.Height, patch, stride).Length, r.Rows);
        var baseline = new RecordingTap(new[] { layer });
        var probs0 = backend.Forward(image, baseline);
        Assert.Equal(ProjectionSeed.StrongestChannel(baseline.Activations[layer].Image(0), baseline.Activations[layer].Shape[3]), r.StrongestChannel);
        int top1 = Array.IndexOf(probs0.Data, probs0.Data.Max());
        Assert.Equal(top1, r.ClassIndex);

        foreach (int cell in new[] { 0, r.Cols + 1, r.Rows * r.Cols - 1 })
        {
            var occluded = (float[])image.Data.Clone();
            int y0 = cell / r.Cols * stride, x0 = cell % r.Cols * stride, w = model.Input.Width;
            for (int y = y0; y < y0 + patch; y++)
            for (int x = x0; x < x0 + patch; x++)
            for (int k = 0; k < c; k++) occluded[(y * w + x) * c + k] = fill[k];
            var tap = new RecordingTap(new[] { layer });
            var probs = backend.Forward(new Tensor(occluded, image.Shape), tap);
            var map = tap.Activations[layer].Image(0);
            int channels = tap.Activations[layer].Shape[3];
            double sum = 0;
            for (int p = r.StrongestChannel; p < map.Length; p += channels) sum += map[p];
            Assert.Equal(sum, r.Activation[cell], Math.Max(1e-4 * Math.Abs(sum), 1e-5));
            Assert.Equal(probs.Data[top1], r.Probability![cell], 5);
            Assert.Equal(Array.IndexOf(probs.Data, probs.Data.Max()), r.Argmax![cell]);
        }
    }

    [SkippableFact]
    public void InvarianceMeasuresTheNamedLayers()
    {
        Python.SkipIfUnavailable();
        var m = OwnModelFixtures.Cases()["elu_s2"];
        var model = OwnModelParityTests.Open(m);
        var input = OwnModelFixtures.Load(OwnModelFixtures.Reference(m, "ozbulak_spider.png"), "input");
        var image = new Tensor(input.AsFloat32(), input.Shape);
        using var backend = new CnnCpuBackend(model);
        var r = Invariance.Run(backend.Forward, image, InvarianceTransform.Scale, new[] { 1.0, 0.7 }, "max_pooling2d", "dense", batch: 1);
        Assert.Equal(("max_pooling2d", "dense"), (r.EarlyLayer, r.DenseLayer));
        Assert.Equal(0, r.Points[0].Block1Distance, 6);
        var scaled = new float[image.Data.Length];
        Invariance.Apply(image, InvarianceTransform.Scale, 0.7, scaled);
        var t0 = new RecordingTap(new[] { "max_pooling2d", "dense" });
        backend.Forward(image, t0);
        var t1 = new RecordingTap(new[] { "max_pooling2d", "dense" });
        var probs = backend.Forward(new Tensor(scaled, image.Shape), t1);
        double Distance(string l) => Math.Sqrt(t0.Activations[l].Data.Zip(t1.Activations[l].Data, (a, b) => (double)(a - b) * (a - b)).Sum());
        Assert.True(Distance("dense") > 0);
        Assert.Equal(Distance("max_pooling2d"), r.Points[1].Block1Distance, 4);
        Assert.Equal(Distance("dense"), r.Points[1].Fc2Distance, 4);
        Assert.Equal(probs.Data[r.OriginalClass], r.Points[1].Probability, 6);
    }
}
