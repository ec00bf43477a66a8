using System.Text.Json;
using System.Text.Json.Serialization;

namespace CnnEngine.Deconv;

/// <summary>One strong activation: where (image path relative to the dataset folder, position at the layer's output) and how strong.</summary>
public sealed record TopEntry(float Value, string Image, int Y, int X)
{
    /// <summary>The total order every run and every merge uses: value descending, then image path (ordinal), then y, then x.</summary>
    public static int Compare(TopEntry a, TopEntry b)
    {
        int c = b.Value.CompareTo(a.Value);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Image, b.Image);
        if (c != 0) return c;
        c = a.Y.CompareTo(b.Y);
        return c != 0 ? c : a.X.CompareTo(b.X);
    }
}

/// <summary>
/// For every feature map of some layers, the K strongest activations seen so far across a set of images (Fig. 2's
/// top-9). Each image contributes at most one candidate per map — its strongest position (first in row-major order on
/// ties) — so the K come from K different images, as in the paper. Memory is layers × channels × K whatever the number
/// of images. Because candidates are ranked by a total order (<see cref="TopEntry.Compare"/>), the K best of a union
/// are the K best of the parts' K best: merging shards gives exactly what one run over all images gives.
/// </summary>
public sealed class TopActivations
{
    /// <summary>Most channels a layer of a user's model may have in a result file (bounds what a damaged file can make us allocate).</summary>
    public const int MaxChannels = 1 << 16;

    public int K { get; }
    public IReadOnlyList<string> Layers { get; }
    /// <summary>Per layer, per channel: the best entries, best first (at most K).</summary>
    public Dictionary<string, List<TopEntry>[]> Entries { get; }

    public TopActivations(int k, IReadOnlyDictionary<string, int> channelsPerLayer)
    {
        if (k <= 0) throw new DeconvException($"--top must be at least 1 (got {k})");
        K = k;
        Layers = channelsPerLayer.Keys.ToArray();
        Entries = channelsPerLayer.ToDictionary(p => p.Key, p => Enumerable.Range(0, p.Value).Select(_ => new List<TopEntry>(k + 1)).ToArray());
    }

    /// <summary>Offers one image's (H, W, C) map of <paramref name="layer"/>: its strongest position per channel.</summary>
    public void AddImage(string image, string layer, ReadOnlySpan<float> map, int height, int width, int channels)
    {
        var lists = Entries[layer];
        if (lists.Length != channels) throw new ArgumentException($"{layer} has {lists.Length} channels, the map has {channels}");
        var best = new float[channels];
        var where = new int[channels];
        map.Slice(0, channels).CopyTo(best);
        for (int p = 1; p < height * width; p++)
        {
            var row = map.Slice(p * channels, channels);
            for (int c = 0; c < channels; c++)
                if (row[c] > best[c]) { best[c] = row[c]; where[c] = p; }
        }
        for (int c = 0; c < channels; c++)
            if (!float.IsNaN(best[c])) Offer(lists[c], new TopEntry(best[c], image, where[c] / width, where[c] % width));
    }

    public void Offer(string layer, int channel, TopEntry entry) => Offer(Entries[layer][channel], entry);

    private void Offer(List<TopEntry> list, TopEntry entry)
    {
        if (list.Count == K && TopEntry.Compare(entry, list[^1]) >= 0) return; // not better than the current K-th
        int at = list.BinarySearch(entry, Comparer<TopEntry>.Create(TopEntry.Compare));
        if (at >= 0) return; // the very same entry again (a re-offered shard result): keep one
        list.Insert(~at, entry);
        if (list.Count > K) list.RemoveAt(K);
    }

    /// <summary>The K best of all parts (same K and layers required).</summary>
    public static TopActivations Merge(IReadOnlyList<TopActivations> parts)
    {
        if (parts.Count == 0) throw new DeconvException("nothing to merge");
        var first = parts[0];
        foreach (var p in parts)
        {
            if (p.K != first.K) throw new DeconvException($"cannot merge results with different --top ({first.K} and {p.K})");
            if (!p.Layers.SequenceEqual(first.Layers)) throw new DeconvException($"cannot merge results of different layers ({string.Join(",", first.Layers)} and {string.Join(",", p.Layers)})");
        }
        var merged = new TopActivations(first.K, first.Layers.ToDictionary(l => l, l => first.Entries[l].Length));
        foreach (var p in parts)
            foreach (var layer in p.Layers)
                for (int c = 0; c < p.Entries[layer].Length; c++)
                    foreach (var e in p.Entries[layer][c]) merged.Offer(layer, c, e);
        return merged;
    }

    // ---- JSON (floats round-trip exactly: System.Text.Json writes the shortest round-trippable form)

    private sealed record Dto(int K, string[] Layers, Dictionary<string, DtoEntry[][]> Entries);
    private sealed record DtoEntry(float V, string I, int Y, int X);

    public static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public JsonElement ToJson()
    {
        var dto = new Dto(K, Layers.ToArray(), Entries.ToDictionary(p => p.Key,
            p => p.Value.Select(list => list.Select(e => new DtoEntry(e.Value, e.Image, e.Y, e.X)).ToArray()).ToArray()));
        return JsonSerializer.SerializeToElement(dto, JsonOptions);
    }

    /// <summary>
    /// Reads what <see cref="ToJson"/> wrote, for the <paramref name="layers"/> and <paramref name="k"/> the enclosing
    /// record declares; anything missing, null, of another size or out of range is an <see cref="InvalidDataException"/>.
    /// </summary>
    /// <param name="channelsOf">Channels per layer (null: VGG16's conv base); a layer it answers null for takes the
    /// count the file holds (at most <see cref="MaxChannels"/>) — a user's model, checked against it by the caller.</param>
    public static TopActivations FromJson(JsonElement json, IReadOnlyList<string> layers, int k, Func<string, int?>? channelsOf = null)
    {
        Dto dto;
        try { dto = json.Deserialize<Dto>(JsonOptions) ?? throw new InvalidDataException("top is null"); }
        catch (JsonException e) { throw new InvalidDataException($"top: {e.Message.Split('\n')[0]}", e); }
        if (dto.K != k) throw new InvalidDataException($"top.k = {dto.K}, the result says k = {k}");
        if (dto.Layers is null || !dto.Layers.SequenceEqual(layers)) throw new InvalidDataException("top.layers differ from the result's layers");
        if (dto.Entries is null) throw new InvalidDataException("top.entries is missing");
        var channels = layers.ToDictionary(l => l, l => (channelsOf is null ? ConvLayers.Find(l).OutChannels : channelsOf(l))
            ?? Math.Min(dto.Entries.GetValueOrDefault(l)?.Length ?? 0, MaxChannels));
        foreach (var layer in layers)
        {
            var lists = dto.Entries.GetValueOrDefault(layer) ?? throw new InvalidDataException($"top.entries has no {layer}");
            if (lists.Length != channels[layer]) throw new InvalidDataException($"top.entries.{layer} has {lists.Length} channels, {layer} has {channels[layer]}");
            foreach (var list in lists)
            {
                if (list is null || list.Length > k) throw new InvalidDataException($"top.entries.{layer} has a missing or over-long channel list");
                foreach (var e in list)
                    if (e is null || e.I is null || e.Y < 0 || e.X < 0) throw new InvalidDataException($"top.entries.{layer} has an entry without an image or with a negative position");
            }
        }
        var top = new TopActivations(k, channels);
        foreach (var layer in layers)
            for (int c = 0; c < channels[layer]; c++)
                foreach (var e in dto.Entries[layer][c]) top.Offer(layer, c, new TopEntry(e.V, e.I, e.Y, e.X));
        return top;
    }

    /// <summary>Same K, layers and entries.</summary>
    public bool SameAs(TopActivations other) =>
        K == other.K && Layers.SequenceEqual(other.Layers) &&
        Layers.All(l => Entries[l].Length == other.Entries[l].Length &&
                        Enumerable.Range(0, Entries[l].Length).All(c => Entries[l][c].SequenceEqual(other.Entries[l][c])));
}
