using CnnEngine.Backends.Model;
using CnnEngine.Kernels.Backends;
using CnnEngine.Model.Cnn;
using CnnEngine.Ops;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.TestSupport;
using CnnEngine.Weights;
using CnnEngine.Weights.KerasModel;
using Xunit.Abstractions;

namespace CnnEngine.Kernels.Tests;

/// <summary>
/// Whole own models on <see cref="GpuCnnBackend"/> (ILGPU's CPU accelerator) against <see cref="CnnCpuBackend"/> on its
/// scalar oracles, and two saved models against PyTorch directly: every layer's output (1e-4 of the layer's max |reference|) and every max pool's switch (equal, or a
/// near tie within twice the error measured on the pool's input; never a flip between values equal on the device). Models: the saved Keras fixtures of
/// tests/fixtures/models/make_keras_models.py (h5py, no Keras), and two models built here that hold every layer class
/// and activation the builder makes (softmax fused in a conv, 'same' pools, Rescaling, unfolded BN, …); these run a
/// batch of 2 in forced passes of one image (the pass loop); at the end of each test the backend's device memory is all returned.
/// </summary>
[Collection("Emulator")]
public sealed class CnnBackendTests(EmulatorFixture emulator, ITestOutputHelper output) : IDisposable
{
    public const double Tolerance = 1e-4;
    private readonly List<GpuCnnBackend> _open = new();

    private readonly long _liveBefore = emulator.Device.LiveBytes;   // tests of the "Emulator" collection run one at a time

    public void Dispose()
    {
        foreach (var b in _open) b.Dispose();
        Assert.Equal(_liveBefore, emulator.Device.LiveBytes);
    }

    private GpuCnnBackend OnEmulator(CnnModel model)
    {
        var b = new GpuCnnBackend(emulator.Device, model, ownsDevice: false);   // one emulator: its context caches the compiled kernels
        _open.Add(b);
        return b;
    }

    public static TheoryData<string> FixtureModels => new() { "gray_valid", "bn_gap", "elu_s2", "mnist_keras" };

    [SkippableTheory]
    [MemberData(nameof(FixtureModels))]
    public void SavedKerasModelMatchesTheScalarCpuBackend(string key)
    {
        Python.SkipIfUnavailable();
        var entry = KerasModelFiles.Entries()[key];
        using var file = KerasModelFile.Open(KerasModelFiles.PathOf(entry.File), entry.Config is null ? null : KerasModelFiles.PathOf(entry.Config));
        var model = KerasModelBuilder.Build(file);
        var input = Batch(model, seed: key.Length, images: 1);   // one image: the emulator is slow, and the built models cover passes
        AssertSameAsCpu(model, input, key);
    }

    /// <summary>
    /// Independent of the engine altogether: the device's every layer and switch against PyTorch's build of the same
    /// saved model on a real photo (tests/reference/keras_model_reference.py), fed the reference's own input.npy.
    /// </summary>
    [SkippableTheory]
    [InlineData("elu_s2", "tfkerasvis_goldfish.jpg")]
    [InlineData("mnist_keras", "ozbulak_snake.png")]
    public void SavedKerasModelMatchesPyTorch(string key, string image)
    {
        Python.SkipIfUnavailable();
        var entry = KerasModelFiles.Entries()[key];
        string refDir = KerasModelFiles.Reference(entry, image);
        using var file = KerasModelFile.Open(KerasModelFiles.PathOf(entry.File), entry.Config is null ? null : KerasModelFiles.PathOf(entry.Config));
        var model = KerasModelBuilder.Build(file);
        var refInput = Npy.Read(Path.Combine(refDir, "input.npy"));
        var input = new Tensor(refInput.AsFloat32(), refInput.Shape);
        var tap = new RecordingTap();
        OnEmulator(model).Forward(input, tap);
        double worst = 0, previousError = 0;
        for (int li = 0; li < model.Layers.Count; li++)
        {
            var layer = model.Layers[li];
            var expected = Npy.Read(Path.Combine(refDir, layer.Name + ".npy"));
            Assert.Equal(expected.Shape, tap.Activations[layer.Name].Shape);
            double err = Compare.AssertClose(expected.AsFloat32(), tap.Activations[layer.Name].Data, Tolerance, $"{key} ilgpu-cpu vs PyTorch {layer.Name}");
            worst = Math.Max(worst, err);
            double poolInputError = previousError;
            previousError = err;
            if (layer is not PoolLayer { IsMax: true } pool) continue;
            float[] refPoolInput = li == 0 ? refInput.AsFloat32() : Npy.Read(Path.Combine(refDir, model.Layers[li - 1].Name + ".npy")).AsFloat32();
            float[] devicePoolInput = li == 0 ? input.Data : tap.Activations[model.Layers[li - 1].Name].Data;
            double margin = 2 * poolInputError * refPoolInput.Max(Math.Abs);   // twice the error measured on the pool's input
            Switches.AssertSame($"{key} {pool.Name}", Npy.Read(Path.Combine(refDir, pool.Name + "_switches.npy")).AsInt32(), tap.Switches[pool.Name].Data,
                refPoolInput, pool.Input.Width, pool.Input.Channels, margin, devicePoolInput);
        }
        output.WriteLine($"{key} on {image}: {model.Layers.Count} layers on ilgpu-cpu vs PyTorch, largest error {worst:G3} of the layer's max");
    }

    [Fact]
    public void BuiltModelWithFlattenAndEveryActivationMatches()
    {
        var m = new ModelMaker(FeatureShape.Map(13, 10, 3), seed: 1);
        m.Affine("rescaling", "Rescaling", new[] { 1f / 127.5f }, new[] { -1f });
        m.ZeroPad("zero_padding2d", 1, 2, 0, 1);
        m.Conv("conv2d", 3, 3, 2, same: true, 7, new ActivationFunction(ActivationKind.Relu, Alpha: 0.2f));
        m.Affine("batch_normalization", "BatchNormalization", null, null);
        m.Pool("max_pooling2d", max: true, 3, 2, same: true);
        m.Activation("activation", new ActivationFunction(ActivationKind.Elu, Alpha: 1f));
        m.Conv("conv2d_1", 2, 2, 1, same: false, 5, new ActivationFunction(ActivationKind.Softmax));
        m.Pool("average_pooling2d", max: false, 2, 2, same: true);
        m.Flatten("flatten");
        m.Dense("dense", 9, ActivationFunction.Relu);
        m.Dense("dense_1", 6, new ActivationFunction(ActivationKind.Relu, Alpha: 0.1f, MaxValue: 0.5f, Threshold: 0.05f));
        m.Activation("softmax", new ActivationFunction(ActivationKind.Softmax));
        var model = m.Build();
        AssertSameAsCpu(model, Batch(model, 3), "built flatten");
    }

    [Fact]
    public void BuiltModelWithGlobalPoolsAndSaturatingActivationsMatches()
    {
        var m = new ModelMaker(FeatureShape.Map(11, 12, 1), seed: 2);
        m.Conv("conv2d", 5, 5, 2, same: true, 17, new ActivationFunction(ActivationKind.Tanh));
        m.Pool("max_pooling2d", max: true, 2, 2, same: false);
        m.Conv("conv2d_1", 1, 3, 1, same: true, 4, new ActivationFunction(ActivationKind.Sigmoid));
        m.GlobalPool("global_max_pooling2d", max: true);
        m.Dense("dense", 3, ActivationFunction.Linear);
        m.Activation("tanh", new ActivationFunction(ActivationKind.Tanh));
        var model = m.Build();
        AssertSameAsCpu(model, Batch(model, 4), "built global max");

        var g = new ModelMaker(FeatureShape.Map(9, 9, 3), seed: 5);
        g.Conv("conv2d", 3, 3, 1, same: true, 6, ActivationFunction.Relu);   // the 3×3 'same' shape (CPU: VGG16's kernel)
        g.Pool("max_pooling2d", max: true, 1, 1, same: false);
        g.GlobalPool("global_average_pooling2d", max: false);
        g.Affine("batch_normalization", "BatchNormalization", null, null);
        g.Dense("dense", 4, new ActivationFunction(ActivationKind.Softmax));
        var gap = g.Build();
        AssertSameAsCpu(gap, Batch(gap, 6), "built global average");
    }

    [Fact]
    public void PassesHoldOneImagesBuffersAndHandTheTapOnlyWhatItWants()
    {
        var m = new ModelMaker(FeatureShape.Map(9, 8, 2), seed: 7);
        m.Conv("conv2d", 3, 3, 1, same: true, 5, ActivationFunction.Relu);            // (9, 8, 5): the largest layer
        m.Pool("max_pooling2d", max: true, 2, 2, same: true);                        // (5, 4, 5) and its switches
        m.Flatten("flatten");
        m.Dense("dense", 3, new ActivationFunction(ActivationKind.Softmax));
        var model = m.Build();
        var input = Batch(model, 8, images: 3);
        using var cpu = new CnnCpuBackend(model, scalar: true);
        var reference = new RecordingTap();
        cpu.Forward(input, reference);

        emulator.Device.ResetPeak();
        var gpu = OnEmulator(model);
        gpu.MaxImagesPerPass = 1;   // three passes
        long weightsBytes = emulator.Device.LiveBytes - _liveBefore;
        var tap = new RecordingTap(new[] { "max_pooling2d" });
        var result = gpu.Forward(input, tap);
        Assert.Equal(new[] { "max_pooling2d" }, tap.Activations.Keys);
        Assert.Equal(reference.Switches["max_pooling2d"].Data, tap.Switches["max_pooling2d"].Data);
        Compare.AssertClose(reference.Activations["max_pooling2d"].Data, tap.Activations["max_pooling2d"].Data, Tolerance, "three passes max_pooling2d");
        Compare.AssertClose(reference.Activations["dense"].Data, result.Data, Tolerance, "three passes dense");
        // One image's buffers: input (9·8·2) + ping and pong of the largest layer (9·8·5) + the pool's switches (5·4·5).
        Assert.Equal(4L * (9 * 8 * 2 + 2 * 9 * 8 * 5 + 5 * 4 * 5), emulator.Device.PeakBytes - _liveBefore - weightsBytes);
    }

    [Fact]
    public void AWrongInputShapeGetsTheCpuBackendsMessage()
    {
        var m = new ModelMaker(FeatureShape.Map(5, 5, 1), seed: 3);
        m.Conv("conv2d", 3, 3, 1, same: false, 2, ActivationFunction.Relu);
        var model = m.Build();
        var gpu = OnEmulator(model);
        var ex = Assert.ThrowsAny<ArgumentException>(() => gpu.Forward(new Tensor(1, 5, 4, 1)));
        Assert.Contains("needs (N, 5, 5, 1)", ex.Message);
        Assert.Equal("ilgpu-cpu", gpu.DeviceId);
    }

    /// <summary>Runs <paramref name="input"/> (batch 2) on the emulator in passes of one image and on the scalar CPU oracles; compares all.</summary>
    private void AssertSameAsCpu(CnnModel model, Tensor input, string what)
    {
        using var cpu = new CnnCpuBackend(model, scalar: true);
        var reference = new RecordingTap();
        var expectedOut = cpu.Forward(input, reference);

        var gpu = OnEmulator(model);
        gpu.MaxImagesPerPass = 1;   // batch 2 → two passes
        var tap = new RecordingTap();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var actualOut = gpu.Forward(input, tap);
        double ms = clock.Elapsed.TotalMilliseconds;

        Assert.Equal(expectedOut.Shape, actualOut.Shape);
        Assert.Equal(model.Layers.Select(l => l.Name).Order(), tap.Activations.Keys.Order());
        var errors = new Dictionary<string, double>();
        int switchesCompared = 0, flips = 0;
        for (int li = 0; li < model.Layers.Count; li++)
        {
            var layer = model.Layers[li];
            var e = reference.Activations[layer.Name];
            var a = tap.Activations[layer.Name];
            Assert.True(e.Shape.SequenceEqual(a.Shape), $"{what} {layer.Name}: shape {string.Join(',', a.Shape)} vs {string.Join(',', e.Shape)}");
            errors[layer.Name] = Compare.AssertClose(e.Data, a.Data, Tolerance, $"{what} {layer.Name} ({layer.KerasClass})");
            if (layer is not PoolLayer { IsMax: true } pool) continue;

            Assert.True(tap.Switches.ContainsKey(pool.Name), $"{what}: no switches for {pool.Name}");
            var es = reference.Switches[pool.Name].Data;
            var asw = tap.Switches[pool.Name].Data;
            Assert.Equal(reference.Switches[pool.Name].Shape, tap.Switches[pool.Name].Shape);
            float[] poolInput = li == 0 ? input.Data : reference.Activations[model.Layers[li - 1].Name].Data;
            float[] devicePoolInput = li == 0 ? input.Data : tap.Activations[model.Layers[li - 1].Name].Data;
            double inputError = li == 0 ? 0 : errors[model.Layers[li - 1].Name] * poolInput.Max(Math.Abs);
            int inPer = (int)pool.Input.Elements, outPer = (int)pool.Output.Elements;
            for (int n = 0; n < input.Shape[0]; n++)
                flips += Switches.AssertSame($"{what} {pool.Name} image {n}", es[(n * outPer)..((n + 1) * outPer)], asw[(n * outPer)..((n + 1) * outPer)],
                    poolInput[(n * inPer)..((n + 1) * inPer)], pool.Input.Width, pool.Input.Channels, 2 * inputError,
                    devicePoolInput[(n * inPer)..((n + 1) * inPer)]);
            switchesCompared += es.Length;
        }
        var worst = errors.MaxBy(kv => kv.Value);
        output.WriteLine($"{what}: {errors.Count} layers on ilgpu-cpu in {ms:F0} ms, largest error {worst.Value:G3} of the layer's max ({worst.Key}); " +
                         $"{switchesCompared} switches, {flips} near-tie flips");
    }

    /// <summary>
    /// A seeded batch at the model's input size: values in [-1, 1), or 0–255 pixels for a model with its own Rescaling;
    /// the last image has a flat band at the top, whose equal values make exact ties in the max pools' windows.
    /// </summary>
    private static Tensor Batch(CnnModel model, int seed, int images = 2)
    {
        var s = model.Input;
        var t = new Tensor(images, s.Height, s.Width, s.Channels);
        var rng = new Random(seed);
        bool rescales = model.HasOwnPreprocessing;
        for (int i = 0; i < t.Data.Length; i++)
            t.Data[i] = rescales ? rng.Next(0, 256) : (float)(rng.NextDouble() * 2 - 1);
        int per = s.Height * s.Width * s.Channels;
        Array.Fill(t.Data, rescales ? 128f : 0.25f, (images - 1) * per, Math.Min(per, 4 * s.Width * s.Channels));
        return t;
    }

    /// <summary>Builds a chain of <see cref="CnnLayer"/>s shape by shape, with seeded He-scaled weights.</summary>
    private sealed class ModelMaker(FeatureShape input, int seed)
    {
        private readonly List<CnnLayer> _layers = new();
        private readonly Random _rng = new(seed);
        private readonly FeatureShape _input = input;
        private FeatureShape _shape = input;

        private float[] Values(long count, double scale) =>
            Enumerable.Range(0, (int)count).Select(_ => (float)((_rng.NextDouble() * 2 - 1) * scale)).ToArray();

        private void Add(CnnLayer layer) { _layers.Add(layer); _shape = layer.Output; }

        public void Conv(string name, int kh, int kw, int stride, bool same, int filters, ActivationFunction act)
        {
            var window = Window2D.For(_shape.Height, _shape.Width, kh, kw, stride, stride, same);
            int fanIn = kh * kw * _shape.Channels;
            Add(new ConvLayer
            {
                Name = name, KerasClass = "Conv2D", Input = _shape, Window = window, Activation = act,
                Output = FeatureShape.Map(window.OutHeight(_shape.Height), window.OutWidth(_shape.Width), filters),
                Kernel = Values((long)fanIn * filters, Math.Sqrt(6.0 / fanIn)), Bias = Values(filters, 0.1),
            });
        }

        public void Pool(string name, bool max, int size, int stride, bool same)
        {
            var window = Window2D.For(_shape.Height, _shape.Width, size, size, stride, stride, same);
            Add(new PoolLayer
            {
                Name = name, KerasClass = max ? "MaxPooling2D" : "AveragePooling2D", Input = _shape, IsMax = max, Window = window,
                Output = FeatureShape.Map(window.OutHeight(_shape.Height), window.OutWidth(_shape.Width), _shape.Channels),
            });
        }

        public void Dense(string name, int units, ActivationFunction act)
        {
            int cin = _shape.Channels;
            Add(new DenseLayer
            {
                Name = name, KerasClass = "Dense", Input = _shape, Output = FeatureShape.Vector(units), Activation = act,
                Kernel = Values((long)cin * units, Math.Sqrt(6.0 / cin)), Bias = Values(units, 0.1),
            });
        }

        public void Activation(string name, ActivationFunction act) =>
            Add(new ActivationLayer { Name = name, KerasClass = "Activation", Input = _shape, Output = _shape, Activation = act });

        /// <summary>Given scale/shift (Rescaling), or random per-channel ones (an unfolded BatchNormalization).</summary>
        public void Affine(string name, string kerasClass, float[]? scale, float[]? shift) =>
            Add(new AffineLayer
            {
                Name = name, KerasClass = kerasClass, Input = _shape, Output = _shape,
                Scale = scale ?? Values(_shape.Channels, 1.5), Shift = shift ?? Values(_shape.Channels, 0.5),
            });

        public void ZeroPad(string name, int top, int bottom, int left, int right) =>
            Add(new ZeroPaddingLayer
            {
                Name = name, KerasClass = "ZeroPadding2D", Input = _shape, Top = top, Bottom = bottom, Left = left, Right = right,
                Output = FeatureShape.Map(_shape.Height + top + bottom, _shape.Width + left + right, _shape.Channels),
            });

        public void Flatten(string name) =>
            Add(new FlattenLayer { Name = name, KerasClass = "Flatten", Input = _shape, Output = FeatureShape.Vector((int)_shape.Elements) });

        public void GlobalPool(string name, bool max) =>
            Add(new GlobalPoolLayer
            {
                Name = name, KerasClass = max ? "GlobalMaxPooling2D" : "GlobalAveragePooling2D", Input = _shape, IsMax = max,
                Output = FeatureShape.Vector(_shape.Channels),
            });

        public CnnModel Build() => new("built", "built in the test", _input, _layers, Array.Empty<string>());
    }
}
