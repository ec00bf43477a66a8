using CnnEngine.Backends.Model;
using CnnEngine.Deconv;
using CnnEngine.Imaging;
using CnnEngine.Model;
using CnnEngine.Model.Cnn;
using CnnEngine.Taps;
using CnnEngine.TestSupport;
using CnnEngine.Viz.Live;
using CnnEngine.Viz.Server;
using CnnEngine.Weights.KerasModel;

namespace CnnEngine.Server.Tests.OwnModel;

/// <summary>
/// A live server on a user's Keras model: gray_valid.h5 of tests/fixtures/models/make_keras_models.py (h5py, Keras 2
/// layout: 60×60×1 grayscale, 2×2 'valid' linear convs, 2×2 and 1×1 max pools, a softmax over 10 classes) on the CPU
/// engine, the shared photos as samples, and a features folder recorded on another Keras model, which must be refused.
/// Tests call <see cref="Require"/> first (skips without python3 + h5py, fails in CI).
/// </summary>
public sealed class OwnModelServerFixture : IAsyncLifetime
{
    public const string ModelFile = "gray_valid.h5";
    private TempDir? _dir;
    private Exception? _failure;

    public CnnModel Model { get; private set; } = null!;
    public Explorer Explorer { get; private set; } = null!;
    public LiveServer Server { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public string ModelPath { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        try
        {
            ModelPath = KerasModelFiles.PathOf(ModelFile);
            Model = Open();
            _dir = Paths.NewTempDir("server-own-model");
            string features = Path.Combine(_dir.Path, "features");
            Directory.CreateDirectory(features);
            var top = new TopActivations(3, new Dictionary<string, int> { ["conv2d"] = 8 });
            top.Offer("conv2d", 0, new TopEntry(1.5f, "a.jpg", 0, 0));
            new FeatureScanState
            {
                Dataset = "/data", Layers = new[] { "conv2d" }, K = 3, Shard = ShardSpec.All,
                Weights = new WeightsIdentity("keras:other_model", "other_model.h5", new string('a', 64), IncludesTop: true), Complete = true, Top = top,
            }.Save(Path.Combine(features, "features.json"));

            var network = new CnnLiveNetwork(new CnnCpuBackend(Model), InputPreprocess.None, ResizeMode.Nearest, labels: null, ModelPath);
            Explorer = new Explorer(network, new ExplorerOptions(QueueCapacity: 4, CacheBytes: 64L << 20, MaxJobs: 2, OcclusionBatch: 4));
            Server = await LiveServer.StartAsync(Explorer, new ServerSettings("127.0.0.1", 0, ServerTestPaths.SharedImages, features));
            Client = new HttpClient { BaseAddress = Server.Url, Timeout = TimeSpan.FromSeconds(120) };
        }
        catch (Exception e) { _failure = e; }
    }

    /// <summary>The model read from its file, independently of the server's copy.</summary>
    public CnnModel Open()
    {
        using var file = KerasModelFile.Open(ModelPath);
        return KerasModelBuilder.Build(file);
    }

    public void Require()
    {
        Python.SkipIfUnavailable();
        if (_failure is not null) throw new InvalidOperationException("the own-model server did not start: " + _failure.Message, _failure);
    }

    /// <summary>The photo as the model is fed (PIL's convert("L") then nearest resize to 60×60) and every layer of a direct CPU forward.</summary>
    public (NetworkImage Image, RecordingTap Forward, float[] Output) Direct(string sample)
    {
        var original = ImageLoader.Load(File.ReadAllBytes(Path.Combine(ServerTestPaths.SharedImages, sample)), sample);
        var image = ModelInput.Prepare(original, 60, 60, 1, ResizeMode.Nearest, InputPreprocess.None);
        using var backend = new CnnCpuBackend(Open());
        var tap = new RecordingTap();
        var output = backend.Forward(image.Input, tap);
        return (image, tap, output.Data.ToArray());
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
        Explorer?.Dispose();
        _dir?.Dispose();
    }
}
