using System.Text.Json;
using CnnEngine.Backends;
using CnnEngine.Imaging;
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
    public required string Dataset { get; init; }
    public required string[] Layers { get; init; }
    public required int K { get; init; }
    public required ShardSpec Shard { get; init; }
    /// <summary>Hash of this shard's image list: a resumed run must see the same files in the same order.</summary>
    public string ImagesHash { get; init; } = "";
    /// <summary>Index (into this shard's image list) of the next image to read.</summary>
    public int Next { get; set; }
    public int Processed { get; set; }
    public List<string> Skipped { get; init; } = new();
    public bool Complete { get; set; }
    public required TopActivations Top { get; init; }

    public void Save(string path)
    {
        var json = new Dictionary<string, object>
        {
            ["format"] = "cnn-engine-deconv-features/1", ["dataset"] = Dataset, ["layers"] = Layers, ["k"] = K,
            ["shard_index"] = Shard.Index, ["shard_count"] = Shard.Count, ["images_hash"] = ImagesHash, ["next"] = Next, ["processed"] = Processed,
            ["skipped"] = Skipped, ["complete"] = Complete, ["top"] = Top.ToJson(),
        };
        string temp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temp, JsonSerializer.Serialize(json, TopActivations.JsonOptions));
        File.Move(temp, path, overwrite: true);
    }

    public static FeatureScanState Load(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var r = doc.RootElement;
            if (r.GetProperty("format").GetString() != "cnn-engine-deconv-features/1") throw new DeconvException($"{path}: not a features result");
            return new FeatureScanState
            {
                Dataset = r.GetProperty("dataset").GetString()!,
                Layers = r.GetProperty("layers").EnumerateArray().Select(e => e.GetString()!).ToArray(),
                K = r.GetProperty("k").GetInt32(),
                Shard = new ShardSpec(r.GetProperty("shard_index").GetInt32(), r.GetProperty("shard_count").GetInt32()),
                ImagesHash = r.TryGetProperty("images_hash", out var ih) ? ih.GetString() ?? "" : "",
                Next = r.GetProperty("next").GetInt32(),
                Processed = r.GetProperty("processed").GetInt32(),
                Skipped = r.GetProperty("skipped").EnumerateArray().Select(e => e.GetString()!).ToList(),
                Complete = r.GetProperty("complete").GetBoolean(),
                Top = TopActivations.FromJson(r.GetProperty("top")),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or InvalidDataException)
        {
            throw new DeconvException($"{path} is not a readable features result ({e.Message.Split('\n')[0]})");
        }
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

    /// <summary>Image files under <paramref name="dataset"/> (recursive), as '/'-separated relative paths in ordinal order.</summary>
    public static IReadOnlyList<string> ListImages(string dataset)
    {
        if (!Directory.Exists(dataset)) throw new DeconvException($"dataset folder {dataset} does not exist");
        var files = Directory.EnumerateFiles(dataset, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Select(f => Path.GetRelativePath(dataset, f).Replace(Path.DirectorySeparatorChar, '/'))
            .OrderBy(f => f, StringComparer.Ordinal).ToArray();
        if (files.Length == 0) throw new DeconvException($"dataset folder {dataset} holds no images ({string.Join(", ", Extensions)})");
        return files;
    }

    public static IReadOnlyList<string> ShardOf(IReadOnlyList<string> images, ShardSpec shard) =>
        images.Where((_, i) => i % shard.Count == shard.Index).ToArray();

    /// <summary>
    /// Runs (or resumes, when <paramref name="checkpointPath"/> holds a checkpoint of the same settings) the scan.
    /// </summary>
    /// <param name="stopAfter">Stop (checkpoint written, not complete) after this many batches: for tests of resumption.</param>
    /// <param name="overlapDecode">Decode the next batch while this one runs (false: one batch at a time, one image at a time, as before; for the benchmark).</param>
    public static FeatureScanState Run(IForwardBackend backend, string dataset, IReadOnlyList<string> layers, int k, ShardSpec shard,
        int batch, string checkpointPath, Action<string> warn, Action<int, int>? progress = null, int stopAfter = int.MaxValue,
        bool overlapDecode = true)
    {
        if (layers.Count == 0) throw new DeconvException("--layers is empty");
        var specs = layers.Select(ConvLayers.Find).ToArray();
        if (batch <= 0) throw new DeconvException($"--batch must be positive (got {batch})");
        var images = ShardOf(ListImages(dataset), shard);
        string datasetFull = Path.GetFullPath(dataset);
        string imagesHash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(string.Join("\n", images))))[..16];

        FeatureScanState state;
        if (File.Exists(checkpointPath))
        {
            state = FeatureScanState.Load(checkpointPath);
            if (state.Dataset != datasetFull || !state.Layers.SequenceEqual(layers) || state.K != k || state.Shard != shard)
                throw new DeconvException($"{checkpointPath} was written by a run with other settings (dataset, layers, --top or --shard); remove it or use another --out");
            if (state.ImagesHash != imagesHash)
                throw new DeconvException($"{checkpointPath}: the dataset's files changed since that run started; remove it to start over");
        }
        else
        {
            state = new FeatureScanState
            {
                Dataset = datasetFull, Layers = layers.ToArray(), K = k, Shard = shard, ImagesHash = imagesHash,
                Top = new TopActivations(k, specs.ToDictionary(s => s.Name, s => s.OutChannels)),
            };
        }

        // Pipeline: while batch k runs forward (both cores) and updates the top-K, batch k + 1 is decoded and resized on
        // the thread pool (its images in parallel), so the cores never wait for the decoder. Skipped images and the
        // checkpoint are still handled in order, batch by batch, exactly as the sequential loop did.
        int batches = 0;
        Task<LoadedBatch>? pending = state.Next < images.Count && stopAfter > 0 ? StartLoad(dataset, images, state.Next, batch, overlapDecode) : null;
        while (pending is not null)
        {
            var loaded = pending.GetAwaiter().GetResult();
            pending = loaded.Next < images.Count && batches + 1 < stopAfter ? StartLoad(dataset, images, loaded.Next, batch, overlapDecode) : null;
            foreach (var (name, message) in loaded.Failures)
            {
                warn($"warning: skipping {name}: {message}");
                state.Skipped.Add(name);
            }
            if (loaded.Names.Count > 0)
            {
                var tap = new RecordingTap(layers);
                backend.Forward(Concat(loaded.Inputs), tap);
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
            state.Save(checkpointPath);
            batches++;
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
        }
        var indexes = parts.Select(p => p.Shard.Index).OrderBy(i => i).ToArray();
        if (!indexes.SequenceEqual(Enumerable.Range(0, first.Shard.Count)))
            throw new DeconvException($"merge needs each shard 0 … {first.Shard.Count - 1} exactly once, got {string.Join(", ", indexes)}");
        return new FeatureScanState
        {
            Dataset = first.Dataset, Layers = first.Layers, K = first.K, Shard = ShardSpec.All,
            Next = parts.Sum(p => p.Next), Processed = parts.Sum(p => p.Processed),
            Skipped = parts.SelectMany(p => p.Skipped).OrderBy(s => s, StringComparer.Ordinal).ToList(),
            Complete = true, Top = TopActivations.Merge(parts.Select(p => p.Top).ToArray()),
        };
    }

    /// <summary>One batch read from disk: the images that decoded (in order), the ones that did not, and where the next batch starts.</summary>
    private sealed record LoadedBatch(List<string> Names, List<Tensor> Inputs, List<(string Name, string Message)> Failures, int Next);

    /// <summary>
    /// Reads images from <paramref name="first"/> on until <paramref name="batch"/> decoded (unreadable ones are recorded
    /// and do not count). Overlapped: on the thread pool, the batch's images decoded in parallel; otherwise inline.
    /// </summary>
    private static Task<LoadedBatch> StartLoad(string dataset, IReadOnlyList<string> images, int first, int batch, bool overlapped)
    {
        if (!overlapped) return Task.FromResult(LoadBatch(dataset, images, first, batch, parallel: false));
        return Task.Run(() => LoadBatch(dataset, images, first, batch, parallel: true));
    }

    private static LoadedBatch LoadBatch(string dataset, IReadOnlyList<string> images, int first, int batch, bool parallel)
    {
        var names = new List<string>();
        var inputs = new List<Tensor>();
        var failures = new List<(string, string)>();
        int next = first;
        while (next < images.Count && inputs.Count < batch)
        {
            // Decode as many as are still missing (more only if some fail), then keep them in list order.
            int take = Math.Min(batch - inputs.Count, images.Count - next);
            var results = new (Tensor? Input, string? Error)[take];
            void Load(int i)
            {
                try { results[i] = (ImagePipeline.LoadForNetwork(Path.Combine(dataset, images[next + i]), ImageSize.Vgg16Top).Input, null); }
                catch (Exception e) when (e is ImageException or IOException or UnauthorizedAccessException) { results[i] = (null, e.Message.Split('\n')[0]); }
            }
            if (parallel && take > 1) Parallel.For(0, take, Load);
            else for (int i = 0; i < take; i++) Load(i);
            for (int i = 0; i < take; i++)
            {
                if (results[i].Input is { } input) { names.Add(images[next + i]); inputs.Add(input); }
                else failures.Add((images[next + i], results[i].Error!));
            }
            next += take;
        }
        return new LoadedBatch(names, inputs, failures, next);
    }

    private static Tensor Concat(List<Tensor> inputs)
    {
        if (inputs.Count == 1) return inputs[0];
        int per = inputs[0].Data.Length;
        var data = new float[per * inputs.Count];
        for (int i = 0; i < inputs.Count; i++) inputs[i].Data.CopyTo(data, i * per);
        return new Tensor(data, inputs.Count, inputs[0].Shape[1], inputs[0].Shape[2], 3);
    }
}
