using CnnEngine.Model;

namespace CnnEngine.Viz.Animation;

/// <summary>
/// Receptive field of a unit of a layer, in input pixels: its side <see cref="Size"/>, the distance between
/// neighbouring units' centers <see cref="Jump"/>, and the center of unit 0 <see cref="Start"/> in pixel-index
/// coordinates (pixel k's center is k). Unit i's receptive field is centered at Start + i·Jump.
/// Recurrences (Araujo et al., "Computing receptive fields of CNNs"): a 3×3 'same' conv with stride 1 adds
/// 2·jump to the size and keeps jump and start; a 2×2 stride-2 'valid' pool adds 1·jump to the size,
/// moves start by jump/2 (its window covers units 2i and 2i+1) and doubles jump.
/// </summary>
public readonly record struct ReceptiveField(int Size, int Jump, double Start)
{
    public static readonly ReceptiveField Input = new(1, 1, 0);

    public double Center(int unit) => Start + unit * Jump;

    /// <summary>The unit whose center is nearest to input coordinate <paramref name="x"/> (pixel-index coordinates), clamped to 0..count−1.</summary>
    public int NearestUnit(double x, int count) => Math.Clamp((int)Math.Round((x - Start) / Jump, MidpointRounding.AwayFromZero), 0, count - 1);

    public ReceptiveField After(LayerSpec layer) => layer.Kind switch
    {
        LayerKind.Conv3x3Relu => new ReceptiveField(Size + 2 * Jump, Jump, Start),
        LayerKind.MaxPool2x2 => new ReceptiveField(Size + Jump, 2 * Jump, Start + Jump / 2.0),
        _ => throw new ArgumentException($"{layer.Name}: receptive fields are defined for conv and pool layers only"),
    };

    /// <summary>Receptive field of every conv-base layer, by name.</summary>
    public static IReadOnlyDictionary<string, ReceptiveField> Vgg16 { get; } = Build(Vgg16Architecture.ConvBase);

    /// <summary>
    /// A user's model's conv layers' receptive fields from the real kernel / stride / padding chain
    /// (<see cref="CnnEngine.Model.Cnn.ReceptiveFields"/>), for the zoom — null unless they are the same on both axes (the
    /// zoom draws square fields) and the input is square.
    /// </summary>
    public static IReadOnlyDictionary<string, ReceptiveField>? SquareConvFields(CnnEngine.Model.Cnn.CnnModel model)
    {
        if (model.Input.Height != model.Input.Width) return null;
        var fields = CnnEngine.Model.Cnn.ReceptiveFields.Of(model);
        var result = new Dictionary<string, ReceptiveField>();
        foreach (var conv in model.Layers.OfType<CnnEngine.Model.Cnn.ConvLayer>())
        {
            var f = fields[conv.Name];
            if (f.X != f.Y) return null;
            result[conv.Name] = new ReceptiveField(f.X.Size, f.X.Jump, f.X.Start);
        }
        return result.Count > 0 ? result : null;
    }

    public static IReadOnlyDictionary<string, ReceptiveField> Build(IEnumerable<LayerSpec> layers)
    {
        var result = new Dictionary<string, ReceptiveField>();
        var rf = Input;
        foreach (var layer in layers)
        {
            rf = rf.After(layer);
            result[layer.Name] = rf;
        }
        return result;
    }
}
