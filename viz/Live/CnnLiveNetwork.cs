using CnnEngine.Backends.Model;
using CnnEngine.Deconv;
using CnnEngine.Imaging;
using CnnEngine.Model;
using CnnEngine.Model.Cnn;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.Viz.Animation;
using CnnEngine.Viz.Deconv;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Live;

/// <summary>
/// A user's Keras CNN (<see cref="CnnModel"/>) on an <see cref="ICnnBackend"/>: pictures prepared as
/// keras.utils.load_img(color_mode, target_size) + the chosen preprocessing, projections by <see cref="CnnProjector"/>
/// (in the model's input space, grey = 0), classes named by <c>--labels</c>. Owns the backend.
/// </summary>
public sealed class CnnLiveNetwork : ILiveNetwork
{
    private readonly ICnnBackend _backend;
    private readonly CnnProjector _projector;
    private readonly InputPreprocess _preprocess;
    private readonly ResizeMode _resize;
    private readonly string[]? _labels;

    /// <param name="labels">Class names (one per output class), or null for "class k".</param>
    public CnnLiveNetwork(ICnnBackend backend, InputPreprocess preprocess, ResizeMode resize, string[]? labels, string weightsSource)
    {
        var model = backend.Model;
        if (model.Input.Channels is not (1 or 3)) throw new ArgumentException($"{model.Name} takes {model.Input.Channels} channels; the explorer shows 1- or 3-channel inputs");
        if (preprocess == InputPreprocess.Vgg && model.Input.Channels != 3) throw new ArgumentException($"vgg preprocessing needs an RGB model; {model.Name} takes 1 channel");
        if (labels is not null && labels.Length != model.ClassCount) throw new ArgumentException($"{labels.Length} labels for {model.ClassCount?.ToString() ?? "no"} classes");
        _backend = backend;
        _projector = new CnnProjector(model);
        _preprocess = preprocess;
        _resize = resize;
        _labels = labels;
        WeightsSource = weightsSource;
        var maps = CnnProjector.ProjectableLayers(model);
        MapLayers = maps.Select(l => new LiveLayerInfo(l.Name, MapKind(l), l.KerasClass, l.Output.TensorShape(1))).ToArray();
        HeadLayers = model.Layers.Skip(maps.Count).Select(l => new LiveLayerInfo(l.Name, l is DenseLayer ? "dense" : "flat", l.KerasClass, l.Output.TensorShape(1))).ToArray();
        if (MapLayers.Count == 0) throw new ArgumentException($"{model.Name} has no feature-map layer to explore");
        ConvLayers = maps.OfType<ConvLayer>().Select(l => l.Spec).ToArray();
        ZoomFields = ReceptiveField.SquareConvFields(model);
    }

    public CnnModel Model => _backend.Model;
    public string Name => Model.Name;
    public int InputHeight => Model.Input.Height;
    public int InputWidth => Model.Input.Width;
    public int InputChannels => Model.Input.Channels;
    public bool RandomWeights => false;
    public string WeightsSource { get; }
    public string Device => $"{_backend.DeviceId} ({_backend.DeviceName})";
    public int? ClassCount => Model.ClassCount;
    public bool OutputIsProbability => Model.EndsWithSoftmax;
    public WeightsIdentity? FeaturesIdentity => CnnModelIdentity.Of(Model);
    public IReadOnlyList<LiveLayerInfo> MapLayers { get; }
    public IReadOnlyList<LiveLayerInfo> HeadLayers { get; }
    public IReadOnlyList<LayerSpec> ConvLayers { get; }
    public IReadOnlyDictionary<string, ReceptiveField>? ZoomFields { get; }
    public bool CanZoom => ZoomFields is not null;

    /// <summary>A mid-grey pixel (128, 128, 128) as this model is fed.</summary>
    public float[]? OccluderFill => _preprocess switch
    {
        InputPreprocess.Scale255 => Enumerable.Repeat(128f / 255f, InputChannels).ToArray(),
        InputPreprocess.Vgg => new[] { 128f - KerasPreprocess.MeanB, 128f - KerasPreprocess.MeanG, 128f - KerasPreprocess.MeanR },
        _ => Enumerable.Repeat(128f, InputChannels).ToArray(),
    };

    public NetworkImage Prepare(RgbImage original, string name) =>
        ModelInput.Prepare(original, InputHeight, InputWidth, InputChannels, _resize, _preprocess);

    public Tensor Forward(Tensor input, ILayerTap? tap) => _backend.Forward(input, tap);

    public IReadOnlyList<LiveClass>? TopK(Tensor output, int k)
    {
        if (ClassCount is null) return null;
        var scores = output.Image(0).ToArray();
        return Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(k)
            .Select(i => new LiveClass(i, Label(i), scores[i])).ToArray();
    }

    public string Label(int classIndex) => _labels is not null && (uint)classIndex < (uint)_labels.Length ? _labels[classIndex] : $"class {classIndex}";

    public RgbCanvas Project(RecordingTap forward, string layer, int channel, ProjectionMode mode)
    {
        try
        {
            return ProjectionPicture.Normalized(_projector.Project(forward, layer, channel, mode).Pixels, _preprocess == InputPreprocess.Vgg);
        }
        catch (DeconvException e) { throw LiveException.Bad(e.Message); }
    }

    private static string MapKind(CnnLayer layer) => layer switch
    {
        ConvLayer => "conv",
        PoolLayer => "pool",
        ActivationLayer => "activation",
        _ => "other",
    };

    public void Dispose() => _backend.Dispose();
}
