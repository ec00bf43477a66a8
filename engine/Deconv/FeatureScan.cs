using System.Text.Json;
using CnnEngine.Backends;
using CnnEngine.Imaging;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Deconv;

/// <summary>--shard K/N: this run takes the images whose index in the sorted list is K modulo N (K is 0-based, like a
/// Slurm array task id or a Kubernetes Job completion index).</summary>
public sealed record ShardSpec(int Index, int Count)
{
    public static ShardSpec All => new(0, 1);

    public static ShardSpec Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int k) || !int.TryParse(parts[1], out int n) || n < 1 || k < 0 || k >= n)
            throw new DeconvException($"invalid --shard '{text}': expected K/N with 0 ≤ K < N (e.g. 0/4 … 3/4)");
        return new ShardSpec(k, n);
    }

    public override string ToString() => $"{Index}/{Count}";
}

/// <summary>Where a scan stands; written atomically after every batch so an interrupted run resumes where it stopped.</summary>
public sealed class FeatureScanState
{
    public const string Format = "cnn-engine-deconv-features/2";
    private const string FormatWithoutWeights = "cnn-engine-deconv-features/1";
    /// <summary>Largest --top a result may hold (bounds what a damaged file can make us allocate).</summary>
    public const int MaxK = 1000;

    public required string Dataset { get; init; }
    public required string[] Layers { get; init; }
    public required int K { get; init; }
    public required ShardSpec Shard { get; init; }
    /// <summary>The weights the activations came from: a resume or a merge with other weights is refused.</summary>
    public required WeightsIdentity Weights { get; init; }
    /// <summary>Hash of this shard's image list: a resumed run must see the same files in the same order.</summary>
    public string ImagesHash { get; init; } = "";
    /// <summary>Index (into this shard's image list) of the next image to read.</summary>
    public int Next { get; set; }
    public int Processed { get; set; }
    public List<string> Skipped { get; init; } = new();
    public bool Complete { get; set; }
    public required TopActivations Top { get; init; }

    public string ToJsonText()
    {
        var json = new Dictionary<string, object>
        {
            ["format"] = Format, ["dataset"] = Dataset, ["layers"] = Layers, ["k"] = K,
            ["shard_index"] = Shard.Index, ["shard_count"] = Shard.Count,
            ["model"] = Weights.Model, ["weights_source"] = Weights.Source, ["weights_sha256"] = Weights.Sha256, ["weights_include_top"] = Weights.IncludesTop,
            ["images_hash"] = ImagesHash, ["next"] = Next, ["processed"] = Processed,
            ["skipped"] = Skipped, ["complete"] = Complete, ["top"] = Top.ToJson(),
        };
        return JsonSerializer.Serialize(json, TopActivations.JsonOptions);
    }

    public void Save(string path)
    {
        string temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.tmp-{Environment.ProcessId}");
        using var pending = CnnEngine.Weights.PendingOutputs.Track(temp, isFolder: false);   // an interrupt removes it
        File.WriteAllText(temp, ToJsonText());
        CnnEngine.Weights.PendingOutputs.Complete(pending, () => File.Move(temp, path, overwrite: true));
    }

    public static FeatureScanState Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new DeconvException($"cannot read {path}: {e.Message}"); }
        return Parse(text, path);
    }

    /// <summary>Reads a result written by <see cref="ToJsonText"/>; anything else is a <see cref="DeconvException"/> naming <paramref name="source"/>.</summary>
    public static FeatureScanState Parse(string text, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 16 });
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object) throw new InvalidDataException("not a JSON object");
            string format = Text(r, "format");
            if (format == FormatWithoutWeights)
                throw new DeconvException($"{source} was written by an older engine-viz that did not record the weights; it cannot be resumed or merged safely: remove it and rerun");
            if (format != Format) throw new DeconvException($"{source}: not a features result (format '{format}')");
            var layers = r.GetProperty("layers").EnumerateArray().Select(e => e.GetString() ?? throw new InvalidDataException("a null layer name")).ToArray();
            if (layers.Length == 0 || layers.Distinct().Count() != layers.Length) throw new InvalidDataException("layers are empty or repeated");
            bool vgg16 = Text(r, "model") == WeightsIdentity.Vgg16; // own models' layers are checked against the model by CheckCompatible
            if (vgg16) foreach (var layer in layers) ConvLayers.Find(layer);
            int k = r.GetProperty("k").GetInt32();
            if (k is < 1 or > MaxK) throw new InvalidDataException($"k = {k} is outside 1 … {MaxK}");
            int shardIndex = r.GetProperty("shard_index").GetInt32(), shardCount = r.GetProperty("shard_count").GetInt32();
            if (shardCount < 1 || shardIndex < 0 || shardIndex >= shardCount) throw new InvalidDataException($"shard {shardIndex}/{shardCount}");
            int next = r.GetProperty("next").GetInt32(), processed = r.GetProperty("processed").GetInt32();
            if (next < 0 || processed < 0 || processed > next) throw new InvalidDataException($"next = {next}, processed = {processed}");
            var weights = new WeightsIdentity(Text(r, "model"), Text(r, "weights_source"), Text(r, "weights_sha256"), r.GetProperty("weights_include_top").GetBoolean());
            return new FeatureScanState
            {
                Dataset = Text(r, "dataset"),
                Layers = layers,
                K = k,
                Shard = new ShardSpec(shardIndex, shardCount),
                Weights = weights,
                ImagesHash = Text(r, "images_hash"),
                Next = next,
                Processed = processed,
                Skipped = r.GetProperty("skipped").EnumerateArray().Select(e => e.GetString() ?? throw new InvalidDataException("a null skipped name")).ToList(),
                Complete = r.GetProperty("complete").GetBoolean(),
                Top = TopActivations.FromJson(r.GetProperty("top"), layers, k, vgg16 ? null : _ => null),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or InvalidDataException
                                       or FormatException or OverflowException or ArgumentException)
        {
            throw new DeconvException($"{source} is not a readable features result ({e.Message.Split('\n')[0]})");
        }
    }

    private static string Text(JsonElement e, string name) =>
        e.GetProperty(name).GetString() ?? throw new InvalidDataException($"{name} is null");

    /// <summary>Refuses to combine this result with <paramref name="other"/> when they differ in weights, layers or --top; names both values.</summary>
    public void CheckCompatible(string what, FeatureScanState other, string thisName, string otherName)
    {
        if (Weights.Model != other.Weights.Model)
            throw new DeconvException($"{what}: different models: {thisName} has {Weights.Model}, {otherName} has {other.Weights.Model}");
        if (Weights.Sha256 != other.Weights.Sha256)
            throw new DeconvException($"{what}: different weights: {thisName} has sha256 {Weights.Sha256} ({Weights.Source}), {otherName} has sha256 {other.Weights.Sha256} ({other.Weights.Source})");
        if (!Layers.SequenceEqual(other.Layers))
            throw new DeconvException($"{what}: different layers: {thisName} has {string.Join(",", Layers)}, {otherName} has {string.Join(",", other.Layers)}");
        if (K != other.K)
            throw new DeconvException($"{what}: different --top: {thisName} has {K}, {otherName} has {other.K}");
        // Same weights have the same channels; a damaged result may not (own models' channel counts come from the file).
        string? mismatch = Layers.FirstOrDefault(l => Top.Entries[l].Length != other.Top.Entries[l].Length);
        if (mismatch is not null)
            throw new DeconvException($"{what}: {mismatch} has {Top.Entries[mismatch].Length} channels in {thisName}, {other.Top.Entries[mismatch].Length} in {otherName}");
    }
}

/// <summary>
/// Streams a folder of images through the network in batches, keeping for every feature map of the chosen layers the
/// K strongest activations (<see cref="TopActivations"/>). Bounded memory (one batch plus layers × channels × K
/// entries), resumable (a checkpoint after every batch), and unreadable images are skipped with a warning and counted.
/// </summary>
public static class FeatureScan
{
    public static readonly string[] Extensions = { ".jpg", ".jpeg", ".png" };

    /// <summary>
    /// Image files under <paramref name="dataset"/> (recursive), as '/'-separated relative paths in ordinal order:
    /// regular files only (FIFOs, devices and sockets are skipped with a warning), each real file once (symlink loops
    /// and second links are not followed again).
    /// </summary>
    public static IReadOnlyList<string> ListImages(string dataset, Action<string>? warn = null)
    {
        if (!Directory.Exists(dataset)) throw new DeconvException($"dataset folder {dataset} does not exist");
        var files = DatasetFiles.List(dataset, Extensions, warn);
        if (files.Count == 0) throw new DeconvException($"dataset folder {dataset} holds no images ({string.Join(", ", Extensions)})");
        return files;
    }

    public static IReadOnlyList<string> ShardOf(IReadOnlyList<string> images, ShardSpec shard) =>
        images.Where((_, i) => i % shard.Count == shard.Index).ToArray();

    /// <summary>
    /// Runs (or resumes, when <paramref name="checkpointPath"/> holds a checkpoint of the same settings) the scan.
    /// </summary>
    /// <param name="stopAfter">Stop (checkpoint written, not complete) after this many batches: for tests of resumption.</param>
    /// <param name="checkpointInterval">Most time between two checkpoints (default 5 s; the last batch and a stop are always saved): an interrupted run redoes at most that much. Zero saves after every batch, as before.</param>
    public static FeatureScanState Run(IForwardBackend backend, string dataset, IReadOnlyList<string> layers, int k, ShardSpec shard,
        int batch, string checkpointPath, Action<string> warn, Action<int, int>? progress = null, int stopAfter = int.MaxValue,
        TimeSpan? checkpointInterval = null) =>
        Run(new Vgg16FeatureNetwork(backend), dataset, layers, k, shard, batch, checkpointPath, warn, progress, stopAfter, checkpointInterval);

    /// <summary>The same scan on any network (<see cref="CnnFeatureNetwork"/>: a user's CNN).</summary>
    public static FeatureScanState Run(IFeatureNetwork network, string dataset, IReadOnlyList<string> layers, int k, ShardSpec shard,
        int batch, string checkpointPath, Action<string> warn, Action<int, int>? progress = null, int stopAfter = int.MaxValue,
        TimeSpan? checkpointInterval = null)
    {
        if (layers.Count == 0) throw new DeconvException("--layers is empty");
        var specs = layers.Select(l => (Name: l, OutChannels: network.Channels(l))).ToArray();
        if (batch <= 0) throw new DeconvException($"--batch must be positive (got {batch})");
        var images = ShardOf(ListImages(dataset, warn), shard);
        string datasetFull = Path.GetFullPath(dataset);
        string imagesHash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(string.Join("\n", images))))[..16];

        var weights = network.Identity;
        FeatureScanState state;
        if (File.Exists(checkpointPath))
        {
            state = FeatureScanState.Load(checkpointPath);
            string cannot = $"cannot resume {checkpointPath} (remove it or use another --out)";
            state.CheckCompatible(cannot, new FeatureScanState
            {
                Dataset = datasetFull, Layers = layers.ToArray(), K = k, Shard = shard, Weights = weights,
                Top = new TopActivations(k, specs.ToDictionary(s => s.Name, s => s.OutChannels)),
            }, "it", "this run");
            if (state.Dataset != datasetFull)
                throw new DeconvException($"{cannot}: other settings: it scanned {state.Dataset}, this run scans {datasetFull}");
            if (state.Shard != shard)
                throw new DeconvException($"{cannot}: other settings: it is shard {state.Shard}, this run is shard {shard}");
            if (state.ImagesHash != imagesHash)
                throw new DeconvException($"{checkpointPath}: the dataset's files changed since that run started; remove it to start over");
        }
        else
        {
            state = new FeatureScanState
            {
                Dataset = datasetFull, Layers = layers.ToArray(), K = k, Shard = shard, ImagesHash = imagesHash, Weights = weights,
                Top = new TopActivations(k, specs.ToDictionary(s => s.Name, s => s.OutChannels)),
            };
        }

        // Pipeline: while batch k runs forward (both cores) and updates the top-K, batch k + 1 is decoded and resized by
        // one background task, so the cores never wait for the decoder. One image at a time: decoding in parallel too
        // made the forward's workers wait behind decode work (measured: 10–20 % fewer images/s at batch 8 on 2 cores).
        // Skipped images are still handled in order, batch by batch, exactly as the sequential loop did.
        // Memory is reused batch after batch — two input buffers (one decoding, one running), the tap's lent arrays for
        // the scanned layers — because a fresh array pays a page fault per page on first write (ILayerBufferLender).
        var (ih, iw, ic) = network.InputShape;
        int perImage = checked(ih * iw * ic);
        var inputs = new[] { new float[checked(batch * perImage)], Array.Empty<float>() }; // (batch, H, W, C) each; the second made on first use
        var tap = new ScanTap(layers);
        TimeSpan interval = checkpointInterval ?? TimeSpan.FromSeconds(5);
        long lastSave = System.Diagnostics.Stopwatch.GetTimestamp();
        int batches = 0, side = 0;
        Task<LoadedBatch>? pending = state.Next < images.Count && stopAfter > 0 ? StartLoad(network, dataset, images, state.Next, batch, perImage, inputs, side) : null;
        while (pending is not null)
        {
            var loaded = pending.GetAwaiter().GetResult();
            side = 1 - side;
            pending = loaded.Next < images.Count && batches + 1 < stopAfter ? StartLoad(network, dataset, images, loaded.Next, batch, perImage, inputs, side) : null;
            foreach (var (name, message) in loaded.Failures)
            {
                warn($"warning: skipping {name}: {message}");
                state.Skipped.Add(name);
            }
            if (loaded.Names.Count > 0)
            {
                network.Forward(BatchTensor(loaded, perImage, ih, iw, ic), tap);
                foreach (var spec in specs)
                {
                    var act = tap.Activations[spec.Name]; // (n, h, w, c)
                    for (int i = 0; i < loaded.Names.Count; i++)
                        state.Top.AddImage(loaded.Names[i], spec.Name, act.Image(i), act.Shape[1], act.Shape[2], act.Shape[3]);
                }
                state.Processed += loaded.Names.Count;
            }
            state.Next = loaded.Next;
            state.Complete = state.Next >= images.Count;
            batches++;
            if (pending is null || System.Diagnostics.Stopwatch.GetElapsedTime(lastSave) >= interval)
            {
                state.Save(checkpointPath);
                lastSave = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            progress?.Invoke(state.Next, images.Count);
        }
        if (images.Count == 0 || state.Next >= images.Count) { state.Complete = true; state.Save(checkpointPath); }
        return state;
    }

    /// <summary>Merges complete shard results; every shard 0 … N-1 of one dataset exactly once.</summary>
    public static FeatureScanState Merge(IReadOnlyList<FeatureScanState> parts)
    {
        if (parts.Count == 0) throw new DeconvException("nothing to merge");
        var first = parts[0];
        foreach (var p in parts)
        {
            if (!p.Complete) throw new DeconvException($"shard {p.Shard} is not complete (resume it first)");
            if (p.Shard.Count != first.Shard.Count) throw new DeconvException($"shards come from different splits ({first.Shard} and {p.Shard})");
            if (p.Dataset != first.Dataset) throw new DeconvException($"shards come from different datasets ({first.Dataset} and {p.Dataset})");
            first.CheckCompatible("cannot merge", p, $"shard {first.Shard}", $"shard {p.Shard}");
        }
        var indexes = parts.Select(p => p.Shard.Index).OrderBy(i => i).ToArray();
        if (!indexes.SequenceEqual(Enumerable.Range(0, first.Shard.Count)))
            throw new DeconvException($"merge needs each shard 0 … {first.Shard.Count - 1} exactly once, got {string.Join(", ", indexes)}");
        return new FeatureScanState
        {
            Dataset = first.Dataset, Layers = first.Layers, K = first.K, Shard = ShardSpec.All, Weights = first.Weights,
            Next = parts.Sum(p => p.Next), Processed = parts.Sum(p => p.Processed),
            Skipped = parts.SelectMany(p => p.Skipped).OrderBy(s => s, StringComparer.Ordinal).ToList(),
            Complete = true, Top = TopActivations.Merge(parts.Select(p => p.Top).ToArray()),
        };
    }

    /// <summary>One batch read from disk into <see cref="Buffer"/>: the images that decoded (in order, one per slot), the ones that did not, and where the next batch starts.</summary>
    private sealed record LoadedBatch(float[] Buffer, List<string> Names, List<(string Name, string Message)> Failures, int Next);

    /// <summary>
    /// Reads images from <paramref name="first"/> on into <paramref name="buffers"/>[<paramref name="side"/>] until
    /// <paramref name="batch"/> decoded (unreadable ones are recorded and do not count), one after another, on the thread pool.
    /// </summary>
    private static Task<LoadedBatch> StartLoad(IFeatureNetwork network, string dataset, IReadOnlyList<string> images, int first, int batch,
        int perImage, float[][] buffers, int side)
    {
        if (buffers[side].Length == 0) buffers[side] = new float[buffers[1 - side].Length];
        var buffer = buffers[side];
        return Task.Run(() => LoadBatch(network, dataset, images, first, batch, perImage, buffer));
    }

    private static LoadedBatch LoadBatch(IFeatureNetwork network, string dataset, IReadOnlyList<string> images, int first, int batch,
        int perImage, float[] buffer)
    {
        var names = new List<string>();
        var failures = new List<(string, string)>();
        int next = first;
        while (next < images.Count && names.Count < batch)
        {
            // Into the next free slot; an image that fails leaves its slot to the next one.
            string name = images[next++];
            try
            {
                network.Load(Path.Combine(dataset, name), buffer.AsSpan(names.Count * perImage, perImage));
                names.Add(name);
            }
            catch (Exception e) when (e is ImageException or IOException or UnauthorizedAccessException) { failures.Add((name, e.Message.Split('\n')[0])); }
        }
        return new LoadedBatch(buffer, names, failures, next);
    }

    /// <summary>The decoded images as one (n, H, W, C) tensor: the buffer itself when full, a copy for a short last batch.</summary>
    private static Tensor BatchTensor(LoadedBatch loaded, int perImage, int h, int w, int c)
    {
        int n = loaded.Names.Count;
        float[] data = n * perImage == loaded.Buffer.Length ? loaded.Buffer : loaded.Buffer.AsSpan(0, n * perImage).ToArray();
        return new Tensor(data, n, h, w, c);
    }

    /// <summary>The scan's tap: the scanned layers only, each delivered into one lent array reused batch after batch.</summary>
    private sealed class ScanTap(IReadOnlyList<string> layers) : ILayerBufferLender
    {
        private readonly Dictionary<string, float[]> _lent = new();
        private readonly object _lock = new();
        public Dictionary<string, Tensor> Activations { get; } = new();

        public bool Wants(string layerName) => layers.Contains(layerName);

        public float[] Lend(LayerSpec layer, int floats)
        {
            lock (_lock)
            {
                if (!_lent.TryGetValue(layer.Name, out var array) || array.Length != floats)
                    _lent[layer.Name] = array = GC.AllocateUninitializedArray<float>(floats);
                return array;
            }
        }

        public void OnActivation(LayerSpec layer, Tensor output) { lock (_lock) Activations[layer.Name] = output; }

        public void OnSwitches(LayerSpec pool, IntTensor switches) { }
    }
}
