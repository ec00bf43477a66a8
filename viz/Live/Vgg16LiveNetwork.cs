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

/// <summary>VGG16's conv base on an <see cref="IForwardBackend"/> at a square input side, ImageNet classes with the top.</summary>
public sealed class Vgg16LiveNetwork : ILiveNetwork
{
    private readonly IForwardBackend _backend;
    private readonly Projector _projector;
    private readonly int _side;
    private readonly ResizeMode _resize;

    public Vgg16LiveNetwork(IForwardBackend backend, Projector projector, int inputSide, ResizeMode resize)
    {
        if (backend.Weights.HasTop && inputSide != Vgg16Architecture.TopInputSize)
            throw new ArgumentException($"weights with the top need {Vgg16Architecture.TopInputSize}² inputs, not {inputSide}²");
        if (inputSide < Vgg16Architecture.MinInputSize)
            throw new ArgumentException($"the input side must be at least {Vgg16Architecture.MinInputSize}");
        _backend = backend;
        _projector = projector;
        _side = inputSide;
        _resize = resize;
        var sizes = CnnEngine.Deconv.ConvLayers.OutputSizes(inputSide, inputSide);
        MapLayers = Vgg16Architecture.ConvBase.Select((l, i) =>
            new LiveLayerInfo(l.Name, l.IsPool ? "pool" : "conv", l.IsPool ? "MaxPooling2D" : "Conv2D",
                new[] { 1, sizes[i].Height, sizes[i].Width, l.OutChannels })).ToArray();
    }

    public string Name => "VGG16";
    public int InputHeight => _side;
    public int InputWidth => _side;
    public int InputChannels => 3;
    public bool RandomWeights => _backend.Weights.IsRandom;
    public string WeightsSource => _backend.Weights.Source;
    public string Device => $"{_backend.DeviceId} ({_backend.DeviceName})";
    public int? ClassCount => _backend.Weights.HasTop ? Vgg16Architecture.ClassCount : null;
    public bool OutputIsProbability => true;
    public WeightsIdentity? FeaturesIdentity => null;
    public IReadOnlyList<LiveLayerInfo> MapLayers { get; }
    public IReadOnlyList<LiveLayerInfo> HeadLayers => Array.Empty<LiveLayerInfo>();
    public IReadOnlyList<LayerSpec> ConvLayers { get; } = Vgg16Architecture.ConvBase.Where(l => l.IsConv).ToArray();
    public IReadOnlyDictionary<string, ReceptiveField>? ZoomFields => null;
    public bool CanZoom => true;
    public float[]? OccluderFill => null; // the mean pixel: 0 after VGG preprocessing

    public NetworkImage Prepare(RgbImage original, string name) => ImagePipeline.Prepare(original, new ImageSize(_side, _side), _resize, name);

    public Tensor Forward(Tensor input, ILayerTap? tap) => _backend.Forward(input, tap);

    public IReadOnlyList<LiveClass>? TopK(Tensor output, int k) =>
        ClassCount is null ? null : ImageNetClasses.TopK(output.Image(0), k).Select(p => new LiveClass(p.Index, p.Label, p.Probability)).ToArray();

    public string Label(int classIndex) => ImageNetClasses.Get(classIndex).Label;

    public RgbCanvas Project(RecordingTap forward, string layer, int channel, ProjectionMode mode) =>
        ProjectionPicture.Normalized(_projector.Project(forward, layer, channel, mode).Pixels);

    public void Dispose() => _projector.Dispose();
}
