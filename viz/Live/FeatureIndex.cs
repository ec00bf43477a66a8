using CnnEngine.Deconv;
using CnnEngine.Model;

namespace CnnEngine.Viz.Live;

/// <summary>One of a feature map's strongest dataset activations, as <c>engine-viz features</c> recorded it.</summary>
public sealed record FeatureHit(string Image, float Value, int Y, int X);

/// <summary>What a features folder says about one channel: its dataset top-K and the layer's grid picture (if drawn).</summary>
/// <param name="GridFile">Path of the layer's top-K grid picture relative to the folder, or null.</param>
public sealed record FeatureChannel(string Layer, int Channel, IReadOnlyList<FeatureHit> Top, string? GridFile);

/// <summary>
/// A <c>features</c> output folder (features.json + features_&lt;layer&gt;.png) opened read-only: every file is read through
/// a <see cref="ConfinedFolder"/>, so a request can never reach outside it. With an expected model identity (a user's
/// model), results recorded on another model are refused (<see cref="LiveProblem.Conflict"/>) instead of shown.
/// </summary>
public sealed class FeatureIndex
{
    private readonly Lazy<FeatureScanState?> _state;
    private readonly WeightsIdentity? _expected;

    public ConfinedFolder Folder { get; }

    /// <param name="expected">The model the results must come from; null: not checked.</param>
    public FeatureIndex(string folder, WeightsIdentity? expected = null)
    {
        Folder = new ConfinedFolder(folder);
        _expected = expected;
        _state = new Lazy<FeatureScanState?>(() =>
        {
            try { return FeatureScanState.Load(Folder.ResolveFile("features.json")); }
            catch (Exception e) when (e is LiveException or DeconvException) { return null; }
        });
    }

    /// <summary>Layers the folder has results for (empty when features.json is missing, unreadable or of another model).</summary>
    public IReadOnlyList<string> Layers => _state.Value is { } s && Mismatch(s) is null ? s.Layers : Array.Empty<string>();

    /// <summary>Why the folder's results are refused (made on another model), or null.</summary>
    public string? Refusal => _state.Value is { } s ? Mismatch(s) : null;

    private string? Mismatch(FeatureScanState state)
    {
        if (_expected is null) return null;
        var got = state.Weights;
        if (got.Model == _expected.Model && got.Sha256 == _expected.Sha256) return null;
        return $"the features folder was computed on {got.Model} ({got.Source}, sha256 {Short(got.Sha256)}), not on the model served " +
               $"({_expected.Model}, sha256 {Short(_expected.Sha256)}): run engine-viz features with this --model";
    }

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] + "…" : sha;

    public FeatureChannel Channel(string layer, int channel)
    {
        var state = _state.Value ?? throw LiveException.NotFound("the features folder has no readable features.json");
        if (Mismatch(state) is { } refusal) throw new LiveException(LiveProblem.Conflict, refusal);
        if (!state.Top.Entries.TryGetValue(layer, out var lists)) throw LiveException.NotFound($"the features folder has no results for {layer}");
        if ((uint)channel >= (uint)lists.Length) throw LiveException.Bad($"channel {channel} is out of range for {layer} (0 … {lists.Length - 1})");
        string grid = $"features_{layer}.png";
        string? gridFile;
        try { Folder.ResolveFile(grid); gridFile = grid; }
        catch (LiveException) { gridFile = null; }
        return new FeatureChannel(layer, channel, lists[channel].Select(e => new FeatureHit(e.Image, e.Value, e.Y, e.X)).ToArray(), gridFile);
    }
}
