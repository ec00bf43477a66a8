using CnnEngine.Backends.Cpu;
using CnnEngine.Deconv;
using CnnEngine.Model;
using CnnEngine.TestSupport;
using CnnEngine.Viz.Live;
using CnnEngine.Viz.Server;

namespace CnnEngine.Server.Tests;

/// <summary>
/// One live server on 127.0.0.1 (a random free port) for a test class: seeded random weights without the top, the CPU
/// engine, small inputs so forwards stay cheap on a 2-core CI machine, small limits so the limit tests are quick, the
/// shared photos as samples and a made-up features folder (with a secret beside it that must never be served).
/// </summary>
public abstract class ServerFixture : IAsyncLifetime
{
    private TempDir? _dir;
    private Vgg16Weights? _weights;

    protected abstract ExplorerOptions Options { get; }

    public Explorer Explorer { get; private set; } = null!;
    public LiveServer Server { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public string FeaturesDir { get; private set; } = null!;
    public string Secret { get; private set; } = null!;
    public const string SecretText = "SECRET-OUTSIDE-THE-FEATURES-FOLDER";

    public async Task InitializeAsync()
    {
        _dir = Paths.NewTempDir("server-tests");
        FeaturesDir = Path.Combine(_dir.Path, "features");
        Directory.CreateDirectory(FeaturesDir);
        Secret = Path.Combine(_dir.Path, "secret.png");
        File.WriteAllText(Secret, SecretText);
        MakeFeatures(FeaturesDir);

        _weights = Vgg16Weights.Random(16, includeTop: false);
        var backend = new CpuBackend(_weights);
        Explorer = new Explorer(backend, new Projector(_weights), Options, backend);
        Server = await LiveServer.StartAsync(Explorer, new ServerSettings("127.0.0.1", 0, ServerTestPaths.SharedImages, FeaturesDir));
        Client = new HttpClient { BaseAddress = Server.Url, Timeout = TimeSpan.FromSeconds(120) };
    }

    /// <summary>features.json with a few entries for block5_conv3, a grid picture, and links that try to lead out.</summary>
    private void MakeFeatures(string dir)
    {
        var top = new TopActivations(3, new Dictionary<string, int> { ["block5_conv3"] = 512 });
        top.Offer("block5_conv3", 3, new TopEntry(7.5f, "cats/a.jpg", 1, 2));
        top.Offer("block5_conv3", 3, new TopEntry(6.25f, "dogs/b.jpg", 0, 0));
        new FeatureScanState
        {
            Dataset = "/data/images", Layers = new[] { "block5_conv3" }, K = 3, Shard = ShardSpec.All,
            Weights = new WeightsIdentity(WeightsIdentity.Vgg16, "random", new string('0', 64), IncludesTop: false), Next = 2, Processed = 2, Complete = true, Top = top,
        }.Save(Path.Combine(dir, "features.json"));
        File.WriteAllBytes(Path.Combine(dir, "features_block5_conv3.png"), CnnEngine.Viz.Rendering.PngWriter.Encode(new byte[] { 1, 2, 3 }, 1, 1, 3));
        File.CreateSymbolicLink(Path.Combine(dir, "escape.png"), Secret);
        File.CreateSymbolicLink(Path.Combine(dir, "relative-escape.png"), "../secret.png");
        Directory.CreateSymbolicLink(Path.Combine(dir, "up"), "..");
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
        Explorer?.Dispose();
        _weights?.Dispose();
        _dir?.Dispose();
    }
}

/// <summary>64² inputs, 2 places in line, a 24 MB cache, 2 MB / 4 MP uploads.</summary>
public sealed class ApiServerFixture : ServerFixture
{
    public const long CacheBudget = 24L << 20;
    protected override ExplorerOptions Options => new(InputSide: 64, QueueCapacity: 2, CacheBytes: CacheBudget,
        Upload: new UploadLimits(2L << 20, 4_000_000), MaxJobs: 2, OcclusionBatch: 4);
}
