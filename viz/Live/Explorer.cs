using System.Collections.Concurrent;
using System.Security.Cryptography;
using CnnEngine.Backends;
using CnnEngine.Deconv;
using CnnEngine.Imaging;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.Viz.Animation;
using CnnEngine.Viz.Deconv;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Live;

/// <summary>A camera frame's answer: the selected layer's atlas and the top-5.</summary>
public sealed record LiveFrame(string Layer, byte[] AtlasPng, AtlasLayout Atlas, IReadOnlyList<LiveClass>? Top5, double Milliseconds);

/// <summary>
/// The live explorer behind <c>engine-viz serve</c>, with no HTTP in it: one model in memory (VGG16 or a user's Keras
/// CNN, behind <see cref="ILiveNetwork"/>), its device behind a bounded <see cref="WorkQueue"/>, analysed images in a memory-bounded LRU, and everything the page asks for
/// (layer atlases, a channel's values, deconv projections, journey and zoom, occlusion jobs) computed on demand
/// from the cached forward pass. Thread-safe.
/// </summary>
public sealed class Explorer : IDisposable
{
    private readonly ILiveNetwork _network;
    private readonly IDisposable? _owned;
    private readonly ConcurrentDictionary<string, OcclusionJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _jobOrder = new();

    /// <summary>VGG16 at <see cref="ExplorerOptions.InputSide"/>.</summary>
    public Explorer(IForwardBackend backend, Projector projector, ExplorerOptions options, IDisposable? owned = null)
        : this(new Vgg16LiveNetwork(backend, projector, options.InputSide, options.Resize), options, owned)
    {
    }

    /// <summary>Any network (a user's model: <see cref="CnnLiveNetwork"/>); the explorer disposes it, then <paramref name="owned"/>.</summary>
    public Explorer(ILiveNetwork network, ExplorerOptions options, IDisposable? owned = null)
    {
        _network = network;
        _owned = owned;
        Options = options;
        Queue = new WorkQueue(options.QueueCapacity);
        Cache = new ImageCache<LiveImage>(options.CacheBytes);
    }

    public ExplorerOptions Options { get; }
    public WorkQueue Queue { get; }
    public ImageCache<LiveImage> Cache { get; }
    public ILiveNetwork Network => _network;
    public bool RandomWeights => _network.RandomWeights;
    public bool HasTop => _network.ClassCount is not null;
    public string Device => _network.Device;
    public string WeightsSource => _network.WeightsSource;
    /// <summary>The layer occlusion tracks when the request names none: block5_conv3 on VGG16, else the last conv.</summary>
    public string DefaultOcclusionLayer => _network is Vgg16LiveNetwork ? "block5_conv3"
        : (_network.MapLayers.LastOrDefault(l => l.Kind == "conv") ?? _network.MapLayers[^1]).Name;
    /// <summary>The layer journey GIF: every network.</summary>
    public bool HasAnimations => _network.ConvLayers.Count > 0;
    /// <summary>The zoom GIF: VGG16, and a model with a square input whose receptive fields are the same on both axes.</summary>
    public bool HasZoom => HasAnimations && _network.CanZoom;

    /// <summary>The image id of some bytes: the same picture gets the same id (and the cached forward).</summary>
    public string IdOf(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(data, hash);
        return Convert.ToHexStringLower(hash[..10]) + "-" + (_network is Vgg16LiveNetwork
            ? Options.InputSide.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{_network.InputHeight}x{_network.InputWidth}x{_network.InputChannels}"));
    }

    public LiveImage Get(string id) =>
        Cache.TryGet(id, out var image) ? image : throw LiveException.NotFound($"image {id} is not (or no longer) in the server's cache: open it again");

    /// <summary>
    /// Decodes, runs the forward pass recording every conv-base layer, and caches the result. A picture already cached
    /// is answered from the cache without a place in line; otherwise <paramref name="place"/> (taken before the body
    /// was read) is where it waits for the device.
    /// </summary>
    public async Task<LiveImage> AnalyzeAsync(byte[] data, string name, WorkQueue.Reservation place, CancellationToken cancel = default)
    {
        Options.Limits.Check(data, name);
        string id = IdOf(data);
        if (Cache.TryGet(id, out var cached)) return cached;
        var image = await place.RunAsync(() => Analyze(data, name, id), cancel);
        Cache.Add(id, image);
        return image;
    }

    private LiveImage Analyze(byte[] data, string name, string id)
    {
        var network = Decode(data, name);
        var tap = new RecordingTap(_network.MapLayers.Select(l => l.Name));
        var output = _network.Forward(network.Input, tap);
        var layers = _network.MapLayers.Select(l =>
        {
            var t = tap.Activations[l.Name];
            var stats = LayerStats.Of(t);
            return new LiveLayer(l.Name, l.Kind, t.Shape, stats.Min, stats.Mean, stats.Max, stats.ZeroPercent,
                LayerAtlas.Layout(t.Shape[1], t.Shape[2], t.Shape[3]));
        }).ToArray();
        return new LiveImage
        {
            Id = id, Name = name, OriginalWidth = network.Original.Width, OriginalHeight = network.Original.Height,
            Input = network.Input, Picture = new RgbCanvas(network.Resized.Width, network.Resized.Height, network.Resized.Pixels),
            Forward = tap, Top5 = Top5(output), Layers = layers,
        };
    }

    private NetworkImage Decode(byte[] data, string name)
    {
        try
        {
            var original = ImageLoader.Load(data, name);
            return _network.Prepare(original, name);
        }
        catch (ImageTooLargeException e) { throw new LiveException(LiveProblem.TooLarge, e.Message, 0, e); }
        catch (ImageException e) { throw new LiveException(LiveProblem.Unreadable, e.Message, 0, e); }
    }

    private IReadOnlyList<LiveClass>? Top5(Tensor output) => _network.TopK(output, 5);

    /// <summary>The picture the network saw, as PNG.</summary>
    public byte[] InputPng(LiveImage image) => image.Rendered("input", () => Png(image.Picture));

    /// <summary>Every channel of a layer as one atlas PNG (layout in <see cref="LiveLayer.Atlas"/>).</summary>
    public byte[] AtlasPng(LiveImage image, string layer) =>
        image.Rendered($"atlas/{layer}", () => Png(LayerAtlas.Render(image.Activation(layer), Colormap.Viridis)));

    /// <summary>One channel at full size as PNG.</summary>
    public byte[] ChannelPng(LiveImage image, string layer, int channel)
    {
        var activation = image.Activation(layer);
        CheckChannel(layer, channel, activation.Shape[3]);
        return image.Rendered($"channel/{layer}/{channel}", () => Png(LayerAtlas.Channel(activation, channel, Colormap.Viridis)));
    }

    /// <summary>One channel's values (H, W) float32 little-endian.</summary>
    public byte[] ChannelValues(LiveImage image, string layer, int channel)
    {
        var activation = image.Activation(layer);
        CheckChannel(layer, channel, activation.Shape[3]);
        return LayerAtlas.ChannelValues(activation, channel);
    }

    /// <summary>The deconv projection of one channel (max / map / guided) as PNG, computed on the device queue.</summary>
    public async Task<byte[]> ProjectionPngAsync(LiveImage image, string layer, int channel, string mode, CancellationToken cancel = default)
    {
        ProjectionMode parsed;
        try { parsed = ProjectionModes.Parse(mode); }
        catch (DeconvException e) { throw LiveException.Bad(e.Message); }
        var activation = image.Activation(layer);
        CheckChannel(layer, channel, activation.Shape[3]);
        var network = _network;
        string key = $"projection/{layer}/{channel}/{parsed.Name()}";
        if (image.TryRendered(key, out var done)) return done;
        var png = await Queue.RunAsync(() => image.Rendered(key, () =>
        {
            return Png(network.Project(image.Forward, layer, channel, parsed));
        }), cancel);
        Cache.Trim();
        return png;
    }

    /// <summary>The layer journey (one frame per conv layer) as a GIF.</summary>
    public async Task<byte[]> JourneyGifAsync(LiveImage image, CancellationToken cancel = default)
    {
        NeedAnimations("the layer journey", HasAnimations);
        if (image.TryRendered("journey", out var done)) return done;
        return await Queue.RunAsync(() => image.Rendered("journey", () =>
        {
            var layers = _network.ConvLayers.Select(l => (l, image.Forward.Activations[l.Name])).ToArray();
            return GifWriter.Encode(JourneyAnimation.BuildFrames(new JourneyRequest(image.Picture, layers, Colormap.Viridis, false, RandomWeights, 600)));
        }), cancel);
    }

    /// <summary>The zoom into the strongest unit's receptive field in the last conv layer (block5_conv3 on VGG16) as a GIF.</summary>
    public async Task<byte[]> ZoomGifAsync(LiveImage image, CancellationToken cancel = default)
    {
        NeedAnimations("the zoom", HasZoom);
        if (image.TryRendered("zoom", out var done)) return done;
        return await Queue.RunAsync(() => image.Rendered("zoom", () =>
        {
            var layers = _network.ConvLayers.Select(l => (l, image.Forward.Activations[l.Name])).ToArray();
            var request = new ZoomRequest(image.Picture, layers, Colormap.Viridis, false, RandomWeights, null, _network.ZoomFields);
            return GifWriter.Encode(ZoomAnimation.BuildFrames(request, ZoomAnimation.Plan(request)));
        }), cancel);
    }

    /// <summary>One camera frame: forward, the selected layer's atlas, the top-5. Nothing is cached.</summary>
    public async Task<LiveFrame> FrameAsync(byte[] data, string layer, WorkQueue.Reservation place, CancellationToken cancel = default)
    {
        MapLayerOrBad(layer);
        Options.Limits.Check(data, "camera frame");
        return await place.RunAsync(() =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var network = Decode(data, "camera frame");
            var tap = new RecordingTap(new[] { layer });
            var output = _network.Forward(network.Input, tap);
            var activation = tap.Activations[layer];
            var png = Png(LayerAtlas.Render(activation, Colormap.Viridis));
            return new LiveFrame(layer, png, LayerAtlas.Layout(activation.Shape[1], activation.Shape[2], activation.Shape[3]), Top5(output),
                clock.Elapsed.TotalMilliseconds);
        }, cancel);
    }

    /// <summary>Starts an occlusion job in the background (Busy when <see cref="ExplorerOptions.MaxJobs"/> are running).</summary>
    public OcclusionJob StartOcclusion(LiveImage image, string layer, int patch, int stride, int? classIndex)
    {
        MapLayerOrBad(layer);
        int side = Math.Min(_network.InputHeight, _network.InputWidth);
        if (patch <= 0 || patch > side) throw LiveException.Bad($"patch must be 1 … {side} (got {patch})");
        if (stride <= 0 || stride > side) throw LiveException.Bad($"stride must be 1 … {side} (got {stride})");
        if (classIndex is not null && !HasTop) throw LiveException.Bad(_network is Vgg16LiveNetwork
            ? "a class needs weights with the classifier top" : $"a class needs a network whose output is a vector of class scores ({_network.Name} ends in a feature map)");
        if (classIndex is int k && (uint)k >= (uint)_network.ClassCount!.Value) throw LiveException.Bad($"class {k} is out of range (0 … {_network.ClassCount - 1})");
        int cells = Occlusion.Corners(_network.InputHeight, patch, stride).Length * Occlusion.Corners(_network.InputWidth, patch, stride).Length;
        lock (_jobs)
        {
            if (_jobs.Values.Count(j => !j.Finished) >= Options.MaxJobs)
                throw new LiveException(LiveProblem.Busy, $"{Options.MaxJobs} occlusion job(s) are running; cancel one or try again later", 5);
            var job = new OcclusionJob(Guid.NewGuid().ToString("N")[..12], image.Id, layer, patch, stride, cells);
            _jobs[job.Id] = job;
            _jobOrder.Enqueue(job.Id);
            ForgetOldJobs();
            _ = Task.Run(() => RunOcclusion(job, image, layer, patch, stride, classIndex));
            return job;
        }
    }

    public OcclusionJob Job(string id) => _jobs.TryGetValue(id, out var job) ? job : throw LiveException.NotFound($"no job {id}");

    /// <summary>Cancels every running job (server shutdown).</summary>
    public void CancelAll()
    {
        foreach (var job in _jobs.Values) job.Cancel();
    }

    private void RunOcclusion(OcclusionJob job, LiveImage image, string layer, int patch, int stride, int? classIndex)
    {
        try
        {
            // Every forward waits for the device in turn with the requests and stops at the next batch once cancelled.
            var token = job.Token;
            Tensor Gated(Tensor input, ILayerTap tap)
            {
                token.ThrowIfCancellationRequested();
                return Queue.RunBlocking(() => _network.Forward(input, tap), token);
            }
            var result = Occlusion.Run(Gated, image.Input, layer, _network.ClassCount, patch, stride, classIndex, Options.OcclusionBatch,
                _network.OccluderFill, (done, total) =>
                {
                    job.Progress(done, total);
                    token.ThrowIfCancellationRequested();
                });
            int h = _network.InputHeight, w = _network.InputWidth;
            var maps = new Dictionary<string, byte[]>
            {
                ["activation"] = Png(ProjectionPicture.ScaleNearest(ProjectionPicture.Heatmap(result.Activation, result.Rows, result.Cols, Colormap.Viridis), w, h)),
            };
            if (result.Probability is not null)
                maps["probability"] = Png(ProjectionPicture.ScaleNearest(ProjectionPicture.Heatmap(result.Probability, result.Rows, result.Cols, Colormap.Magma), w, h));
            job.Complete(result, maps, result.ClassIndex is int c ? _network.Label(c) : null);
        }
        catch (OperationCanceledException) { job.Stop(JobStatus.Cancelled, null); }
        catch (Exception e) when (e is DeconvException or ArgumentException or InvalidOperationException) { job.Stop(JobStatus.Failed, e.Message); }
        catch (Exception e) { job.Stop(JobStatus.Failed, $"occlusion failed ({e.GetType().Name})"); }
    }

    private void ForgetOldJobs()
    {
        while (_jobOrder.Count > 32 && _jobOrder.TryPeek(out var oldest) && _jobs.TryGetValue(oldest, out var job) && job.Finished)
        {
            _jobOrder.TryDequeue(out _);
            _jobs.TryRemove(oldest, out _);
        }
    }

    private void MapLayerOrBad(string layer)
    {
        if (!_network.MapLayers.Any(l => l.Name == layer))
            throw LiveException.Bad($"unknown layer '{layer}' (expected one of {string.Join(", ", _network.MapLayers.Select(l => l.Name))})");
    }

    private void NeedAnimations(string what, bool available)
    {
        if (!available) throw new LiveException(LiveProblem.Unsupported, HasAnimations
            ? $"{what} needs a square input whose conv receptive fields are the same on both axes; {_network.Name} takes {_network.InputHeight}×{_network.InputWidth} (its journey, layers, projections, occlusion and camera work)"
            : $"{what} needs conv layers; {_network.Name} has none (its layers, projections, occlusion and camera work)");
    }

    private static void CheckChannel(string layer, int channel, int channels)
    {
        if ((uint)channel >= (uint)channels) throw LiveException.Bad($"channel {channel} is out of range for {layer} (0 … {channels - 1})");
    }

    private static byte[] Png(RgbCanvas canvas) => PngWriter.Encode(canvas.Pixels, canvas.Width, canvas.Height, 3);

    public void Dispose()
    {
        CancelAll();
        _network.Dispose();
        _owned?.Dispose();
    }
}
