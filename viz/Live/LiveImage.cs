using System.Collections.Concurrent;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Live;

/// <summary>One class of the top-5.</summary>
public sealed record LiveClass(int Index, string Label, float Probability);

/// <summary>A layer as the page lists it: name, kind, shape for this image, stats, and its atlas geometry.</summary>
public sealed record LiveLayer(string Name, string Kind, int[] Shape, float Min, double Mean, float Max, double ZeroPercent, AtlasLayout Atlas);

/// <summary>
/// One analysed image in the cache: the picture the network saw, the forward pass recorded at every conv-base layer
/// (activations and pool switches, what projections need), the top-5, and the pictures rendered from it so far.
/// </summary>
public sealed class LiveImage : ICacheWeighed
{
    private const int MaxRendered = 96;
    private readonly ConcurrentDictionary<string, byte[]> _rendered = new(StringComparer.Ordinal);
    private long _renderedBytes;

    public required string Id { get; init; }
    public required string Name { get; init; }
    public required int OriginalWidth { get; init; }
    public required int OriginalHeight { get; init; }
    /// <summary>(1, H, W, C) preprocessed input (C = 3 for VGG16; 1 or 3 for a user's model).</summary>
    public required Tensor Input { get; init; }
    /// <summary>The picture the network saw (resized), RGB (R = G = B for a grayscale model).</summary>
    public required RgbCanvas Picture { get; init; }
    public required RecordingTap Forward { get; init; }
    public required IReadOnlyList<LiveClass>? Top5 { get; init; }
    public required IReadOnlyList<LiveLayer> Layers { get; init; }

    public long Bytes =>
        Input.Data.Length * 4L + Picture.Pixels.Length +
        Forward.Activations.Values.Sum(t => t.Data.Length * 4L) + Forward.Switches.Values.Sum(t => t.Data.Length * 4L) +
        Interlocked.Read(ref _renderedBytes);

    public Tensor Activation(string layer) =>
        Forward.Activations.TryGetValue(layer, out var t) ? t : throw LiveException.Bad($"unknown layer '{layer}' (expected one of {string.Join(", ", Layers.Select(l => l.Name))})");

    /// <summary>A rendered picture by key, rendered once (a bounded number are kept per image).</summary>
    public byte[] Rendered(string key, Func<byte[]> render)
    {
        if (_rendered.TryGetValue(key, out var bytes)) return bytes;
        bytes = render();
        if (_rendered.Count >= MaxRendered)
        {
            _rendered.Clear();
            Interlocked.Exchange(ref _renderedBytes, 0);
        }
        if (_rendered.TryAdd(key, bytes)) Interlocked.Add(ref _renderedBytes, bytes.Length);
        return bytes;
    }

    public bool TryRendered(string key, out byte[] bytes) => _rendered.TryGetValue(key, out bytes!);
}
