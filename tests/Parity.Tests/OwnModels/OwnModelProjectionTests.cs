using System.Globalization;
using System.Text.Json;
using CnnEngine.Backends.Model;
using CnnEngine.Deconv;
using CnnEngine.Model.Cnn;
using CnnEngine.Tensors;
using CnnEngine.TestSupport;
using Xunit.Abstractions;

namespace CnnEngine.Parity.Tests.OwnModels;

/// <summary>
/// Deconvnet projections on own Keras models (<see cref="CnnProjector"/>) against an independent PyTorch computation
/// (tests/reference/keras_model_deconv_reference.py: autograd through the PyTorch build of the same file, with the
/// activations' backward replaced by the deconvnet rule and max pools routing to their argmax): max, map and guided,
/// from the deepest feature-map layer and from one in the middle, 1e-4 of the projection's max |reference|.
/// Covers 2×2 'valid' linear convs (grayscale), Conv-BN(folded)-ReLU-pool, ZeroPadding, LeakyReLU, average pools
/// ('same' and 'valid'), 5×5 / 4×4 stride-2 convs with asymmetric 'same' padding, overlapping 3×3/2 max pools, ELU,
/// tanh, a BatchNormalization op and Rescaling.
/// </summary>
public class OwnModelProjectionTests
{
    private const double Tolerance = 1e-4;
    private static string DeconvScript => Path.Combine(Paths.RepoRoot, "tests", "reference", "keras_model_deconv_reference.py");
    private readonly ITestOutputHelper _output;

    public OwnModelProjectionTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string, string, bool> Cases => new()
    {
        { "gray_valid", "ozbulak_snake.png", true },
        { "gray_valid", "tfkerasvis_bear.jpg", false },
        { "bn_gap", "kerasvis_ouzel1.jpg", true },
        { "bn_gap", "ozbulak_cat_dog.png", false },
        { "elu_s2", "tfkerasvis_goldfish.jpg", true },
        { "elu_s2", "ozbulak_spider.png", false },
        { "mnist_keras", "kerasvis_ouzel2.jpg", true },
        { "mnist_keras", "ozbulak_snake.png", false },
    };

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void ProjectionsMatchPyTorch(string key, string image, bool deepest)
    {
        Python.SkipIfUnavailable();
        var m = OwnModelFixtures.Cases()[key];
        string refDir = OwnModelFixtures.Reference(m, image);
        var model = OwnModelParityTests.Open(m);
        var layers = CnnProjector.ProjectableLayers(model);
        var layer = deepest ? layers[^1] : layers[layers.Count / 2];
        var input = OwnModelFixtures.Load(refDir, "input");
        using var backend = new CnnCpuBackend(model);
        var projector = new CnnProjector(model);
        var tap = projector.Record(backend, new Tensor(input.AsFloat32(), input.Shape), layer.Name);
        int channel = ProjectionSeed.StrongestChannel(tap.Activations[layer.Name].Image(0), layer.Output.Channels);

        string deconvDir = Reference(m, image, layer.Name, channel);
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(deconvDir, "deconv.json"))))
        {
            var max = projector.Project(tap, layer.Name, channel, ProjectionMode.Max);
            Assert.Equal((doc.RootElement.GetProperty("y").GetInt32(), doc.RootElement.GetProperty("x").GetInt32()), (max.Y, max.X));
        }
        foreach (var mode in new[] { ProjectionMode.Max, ProjectionMode.Map, ProjectionMode.Guided })
        {
            var expected = Npy.Read(Path.Combine(deconvDir, $"deconv_{mode.Name()}.npy"));
            var actual = projector.Project(tap, layer.Name, channel, mode).Pixels;
            Assert.Equal(expected.Shape, actual.Shape);
            var e = expected.AsFloat32();
            Assert.True(e.Any(v => v != 0), $"{key} {layer.Name}:{channel} {mode.Name()}: the reference projection is all zeros (a test that cannot fail)");
            double error = Compare.AssertClose(e, actual.Data, Tolerance, $"{key} {layer.Name} ({layer.KerasClass}) channel {channel} {mode.Name()}");
            _output.WriteLine($"{key} {image} {layer.Name}:{channel} {mode.Name()}: error {error:G3} of the projection's max");
        }
    }

    /// <summary>The deconvnet reference run; it imports keras_model_reference.py, so both scripts' hashes name its folder.</summary>
    private static string Reference(KerasModelFiles.Entry m, string image, string layer, int channel) =>
        KerasModelFiles.Generate(DeconvScript,
            $"deconv-{m.Key}-{Path.GetFileNameWithoutExtension(image)}-{layer}-{channel}-{KerasModelFiles.ScriptHash(DeconvScript)}-{KerasModelFiles.ScriptHash(KerasModelFiles.ReferenceScript)}",
            tmp => KerasModelFiles.ReferenceArgs(m, image, tmp).Concat(new[] { "--layer", layer, "--channel", channel.ToString(CultureInfo.InvariantCulture) }));
}
