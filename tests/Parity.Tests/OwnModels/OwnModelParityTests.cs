using CnnEngine.Backends.Model;
using CnnEngine.Imaging;
using CnnEngine.Model.Cnn;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.TestSupport;
using CnnEngine.Weights;
using CnnEngine.Weights.KerasModel;
using Xunit.Abstractions;

namespace CnnEngine.Parity.Tests.OwnModels;

/// <summary>
/// Own Keras models (Keras 2 full .h5 Sequential and Functional, Keras 3 legacy .h5, Keras 3 .keras, Keras 3
/// .weights.h5 + config.json, VGG19 from a keras-applications file) against an independent PyTorch build of the same
/// config and weights (tests/reference/keras_model_reference.py): the input the photo becomes, every layer's output
/// (1e-4 of the layer's max |reference|), every max pool's switch (equal, except near ties within twice the measured
/// error of the pool's input), and the predictions — on the CPU engine and on the scalar oracles.
/// </summary>
public class OwnModelParityTests
{
    public const double Tolerance = 1e-4;
    private readonly ITestOutputHelper _output;

    public OwnModelParityTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string, string, bool> Cases => new()
    {
        { "gray_valid", "ozbulak_snake.png", false },
        { "gray_valid", "tfkerasvis_bear.jpg", true },
        { "bn_gap", "kerasvis_ouzel1.jpg", false },
        { "bn_gap", "ozbulak_cat_dog.png", true },
        { "elu_s2", "tfkerasvis_goldfish.jpg", false },
        { "elu_s2", "ozbulak_spider.png", true },
        { "mnist_keras", "kerasvis_ouzel2.jpg", false },
        { "mnist_keras", "ozbulak_snake.png", true },
        { "mnist_weights", "tfkerasvis_bear.jpg", false },
        { "vgg19", "tfkerasvis_bear.jpg", false },
    };

    internal static CnnModel Open(KerasModelFiles.Entry m)
    {
        if (m.Builtin is not null)
        {
            using var store = WeightStore.Open(OwnModelFixtures.ModelFile(m.File));
            return KerasApplicationsModels.Build(m.Builtin, store, m.Input[0], m.Input[1]);
        }
        using var file = KerasModelFile.Open(OwnModelFixtures.ModelFile(m.File), m.Config is null ? null : OwnModelFixtures.ModelFile(m.Config));
        return KerasModelBuilder.Build(file);
    }

    private static InputPreprocess Preprocess(string p) => p switch
    {
        "vgg" => InputPreprocess.Vgg,
        "scale255" => InputPreprocess.Scale255,
        _ => InputPreprocess.None,
    };

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void EveryLayerSwitchAndPredictionMatchesPyTorch(string key, string image, bool scalar)
    {
        Python.SkipIfUnavailable();
        var m = OwnModelFixtures.Cases()[key];
        string refDir = OwnModelFixtures.Reference(m, image);
        var model = Open(m);
        Assert.Equal(m.Input, new[] { model.Input.Height, model.Input.Width, model.Input.Channels });

        // The image path: load_img(color_mode, target_size) + preprocessing, exactly (bytes → float32, same arithmetic).
        var refInput = OwnModelFixtures.Load(refDir, "input");
        var prepared = ModelInput.Prepare(ImageLoader.Load(Paths.SharedImage(image)), m.Input[0], m.Input[1], m.Input[2], ResizeMode.Nearest, Preprocess(m.Preprocess));
        Assert.Equal(refInput.Shape, prepared.Input.Shape);
        Compare.AssertClose(refInput.AsFloat32(), prepared.Input.Data, 0, $"{key} input from {image}");

        using var backend = new CnnCpuBackend(model, scalar);
        var tap = new RecordingTap();
        var output = backend.Forward(new Tensor(refInput.AsFloat32(), refInput.Shape), tap);

        // Every Keras layer the reference ran is either tapped under its name or was skipped (identity / folded BN's conv).
        var refLayers = OwnModelFixtures.Layers(refDir);
        foreach (var (name, cls) in refLayers)
            Assert.True(tap.Activations.ContainsKey(name) || model.Skipped.Contains(name), $"{key}: layer {name} ({cls}) neither run nor skipped");

        var errors = new Dictionary<string, double>();
        foreach (var layer in model.Layers)
        {
            var expected = OwnModelFixtures.Load(refDir, layer.Name);
            var actual = tap.Activations[layer.Name];
            Assert.True(expected.Shape.SequenceEqual(actual.Shape), $"{key} {layer.Name}: shape {ShapeMath.Format(actual.Shape)}, reference {ShapeMath.Format(expected.Shape)}");
            errors[layer.Name] = Compare.AssertClose(expected.AsFloat32(), actual.Data, Tolerance, $"{key} {(scalar ? "scalar" : "cpu")} {layer.Name} ({layer.KerasClass})");
        }
        for (int i = 0; i < model.Layers.Count; i++)
        {
            if (model.Layers[i] is not PoolLayer { IsMax: true } pool) continue;
            Assert.True(tap.Switches.ContainsKey(pool.Name), $"{key}: no switches for {pool.Name}");
            var expected = OwnModelFixtures.Load(refDir, pool.Name + "_switches");
            var actual = tap.Switches[pool.Name];
            Assert.Equal(expected.Shape, actual.Shape);
            float[] refIn = i == 0 ? refInput.AsFloat32() : OwnModelFixtures.Load(refDir, model.Layers[i - 1].Name).AsFloat32();
            double margin = 2 * (i == 0 ? 0 : errors[model.Layers[i - 1].Name]) * refIn.Max(Math.Abs);
            CheckSwitches($"{key} {pool.Name}", expected.AsInt32(), actual.Data, refIn, pool.Input.Channels, margin);
        }
        var worst = errors.MaxBy(e => e.Value);
        _output.WriteLine($"{key} {image} {(scalar ? "scalar" : "cpu")}: {errors.Count} layers, largest error {worst.Value:G3} of the layer's max ({worst.Key})");
        var last = OwnModelFixtures.Load(refDir, model.Layers[^1].Name);
        Assert.Equal(last.Shape, output.Shape);
        if (model.ClassCount is int k)
        {
            int refTop = Array.IndexOf(last.AsFloat32(), last.AsFloat32().Max());
            int top = Array.IndexOf(output.Data, output.Data.Max());
            Assert.True(refTop == top || Math.Abs(last.AsFloat32()[refTop] - last.AsFloat32()[top]) <= Tolerance * last.AsFloat32().Max(),
                $"{key}: top class {top}, reference {refTop} (of {k})");
        }
    }

    /// <summary>Equal switches, or a near tie: both picks inside the reference input within <paramref name="margin"/>.</summary>
    private static void CheckSwitches(string what, int[] expected, int[] actual, float[] referenceInput, int channels, double margin)
    {
        int flips = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] == actual[i]) continue;
            int c = i % channels;
            Assert.True(actual[i] >= 0 && actual[i] * channels + c < referenceInput.Length, $"{what}: switch {actual[i]} at {i} is outside the input plane");
            double gap = Math.Abs((double)referenceInput[expected[i] * channels + c] - referenceInput[actual[i] * channels + c]);
            Assert.True(gap <= margin && gap > 0 || margin > 0 && gap <= margin,
                $"{what}: switch {i} is {actual[i]}, reference {expected[i]}; values differ by {gap:G4} (near-tie margin {margin:G4})");
            flips++;
        }
        Assert.True(flips <= Math.Max(1, expected.Length / 1000), $"{what}: {flips} near-tie switch flips of {expected.Length}");
    }
}
