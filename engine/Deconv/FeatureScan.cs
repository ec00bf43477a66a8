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
    public static FeatureScanState Run(IForwardBackend backend, string dataset, IReadOnlyList<string> layers, int k, ShardSpec shard,
        int batch, string checkpointPath, Action<string> warn, Action<int, int>? progress = null, int stopAfter = int.MaxValue)
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

        int batches = 0;
        while (state.Next < images.Count && batches < stopAfter)
        {
            var names = new List<string>();
            var inputs = new List<Tensor>();
            int next = state.Next;
            while (next < images.Count && inputs.Count < batch)
            {
                string name = images[next++];
                try
                {
                    inputs.Add(ImagePipeline.LoadForNetwork(Path.Combine(dataset, name), ImageSize.Vgg16Top).Input);
                    names.Add(name);
                }
                catch (Exception e) when (e is ImageException or IOException or UnauthorizedAccessException)
                {
                    warn($"warning: skipping {name}: {e.Message.Split('\n')[0]}");
                    state.Skipped.Add(name);
                }
            }
            if (inputs.Count > 0)
            {
                var tap = new RecordingTap(layers);
                backend.Forward(Concat(inputs), tap);
                foreach (var spec in specs)
                {
                    var act = tap.Activations[spec.Name]; // (n, h, w, c)
                    for (int i = 0; i < names.Count; i++)
                        state.Top.AddImage(names[i], spec.Name, act.Image(i), act.Shape[1], act.Shape[2], act.Shape[3]);
                }
                state.Processed += names.Count;
            }
            state.Next = next;
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

    private static Tensor Concat(List<Tensor> inputs)
    {
        if (inputs.Count == 1) return inputs[0];
        int per = inputs[0].Data.Length;
        var data = new float[per * inputs.Count];
        for (int i = 0; i < inputs.Count; i++) inputs[i].Data.CopyTo(data, i * per);
        return new Tensor(data, inputs.Count, inputs[0].Shape[1], inputs[0].Shape[2], 3);
    }
}
