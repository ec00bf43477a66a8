using CnnEngine.Deconv;

namespace CnnEngine.Viz.Live;

/// <summary>One of a feature map's strongest dataset activations, as <c>engine-viz features</c> recorded it.</summary>
public sealed record FeatureHit(string Image, float Value, int Y, int X);

/// <summary>What a features folder says about one channel: its dataset top-K and the layer's grid picture (if drawn).</summary>
/// <param name="GridFile">Path of the layer's top-K grid picture relative to the folder, or null.</param>
public sealed record FeatureChannel(string Layer, int Channel, IReadOnlyList<FeatureHit> Top, string? GridFile);

/// <summary>
/// A <c>features</c> output folder (features.json + features_&lt;layer&gt;.png) opened read-only: every file is read through
/// a <see cref="ConfinedFolder"/>, so a request can never reach outside it.
/// </summary>
public sealed class FeatureIndex
{
    private readonly Lazy<FeatureScanState?> _state;

    public ConfinedFolder Folder { get; }

    public FeatureIndex(string folder)
    {
        Folder = new ConfinedFolder(folder);
        _state = new Lazy<FeatureScanState?>(() =>
        {
            try { return FeatureScanState.Load(Folder.ResolveFile("features.json")); }
            catch (Exception e) when (e is LiveException or DeconvException) { return null; }
        });
    }

    /// <summary>Layers the folder has results for (empty when features.json is missing or unreadable).</summary>
    public IReadOnlyList<string> Layers => _state.Value?.Layers ?? Array.Empty<string>();

    public FeatureChannel Channel(string layer, int channel)
    {
        var state = _state.Value ?? throw LiveException.NotFound("the features folder has no readable features.json");
        if (!state.Top.Entries.TryGetValue(layer, out var lists)) throw LiveException.NotFound($"the features folder has no results for {layer}");
        if ((uint)channel >= (uint)lists.Length) throw LiveException.Bad($"channel {channel} is out of range for {layer} (0 … {lists.Length - 1})");
        string grid = $"features_{layer}.png";
        string? gridFile;
        try { Folder.ResolveFile(grid); gridFile = grid; }
        catch (LiveException) { gridFile = null; }
        return new FeatureChannel(layer, channel, lists[channel].Select(e => new FeatureHit(e.Image, e.Value, e.Y, e.X)).ToArray(), gridFile);
    }
}
