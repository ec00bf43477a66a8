using CnnEngine.Deconv;
using CnnEngine.Imaging;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.Viz.Animation;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Live;

/// <summary>A layer as the model endpoint lists it: Keras name, kind, Keras class, output shape (1, H, W, C) or (1, K).</summary>
/// <param name="Kind">conv, pool, activation or other for feature maps; dense or flat for the head.</param>
public sealed record LiveLayerInfo(string Name, string Kind, string KerasClass, int[] Shape);

/// <summary>
/// The network the live explorer shows: VGG16 (<see cref="Vgg16LiveNetwork"/>) or a user's Keras CNN
/// (<see cref="CnnLiveNetwork"/>). Everything the explorer needs that differs between them — how a picture becomes the
/// input, the layers, the forward, the classes, the projection — and nothing about HTTP.
/// </summary>
public interface ILiveNetwork : IDisposable
{
    /// <summary>"VGG16", or the model's name.</summary>
    string Name { get; }
    /// <summary>The input the network takes, (H, W, C) with C = 1 or 3.</summary>
    int InputHeight { get; }
    int InputWidth { get; }
    int InputChannels { get; }
    bool RandomWeights { get; }
    string WeightsSource { get; }
    string Device { get; }
    /// <summary>How many classes the output scores; null when the network ends in a feature map (no top).</summary>
    int? ClassCount { get; }
    /// <summary>True when the output is a softmax (probabilities), false for raw scores.</summary>
    bool OutputIsProbability { get; }
    /// <summary>What a features folder must record to belong to this network; null: not checked (VGG16, as before).</summary>
    WeightsIdentity? FeaturesIdentity { get; }
    /// <summary>The feature-map layers the page shows (grids, projections, occlusion, camera), input to output.</summary>
    IReadOnlyList<LiveLayerInfo> MapLayers { get; }
    /// <summary>The flat layers after them (Flatten, Dense, …); empty for VGG16's conv base.</summary>
    IReadOnlyList<LiveLayerInfo> HeadLayers { get; }
    /// <summary>The occluder's value per input channel as fed (a mid-grey pixel); null: 0.</summary>
    float[]? OccluderFill { get; }
    /// <summary>The conv layers the journey and the zoom show, input to output (all of them among <see cref="MapLayers"/>).</summary>
    IReadOnlyList<LayerSpec> ConvLayers { get; }
    /// <summary>Their receptive fields for the zoom; null with <see cref="CanZoom"/> means VGG16's (<see cref="ReceptiveField.Vgg16"/>).</summary>
    IReadOnlyDictionary<string, ReceptiveField>? ZoomFields { get; }
    /// <summary>False when the zoom cannot be drawn: a non-square input, or receptive fields that differ between the axes.</summary>
    bool CanZoom { get; }

    /// <summary>Resizes and preprocesses a decoded picture into the (1, H, W, C) input. Throws <see cref="ImageException"/>.</summary>
    NetworkImage Prepare(RgbImage original, string name);

    /// <summary>Runs a preprocessed batch (N, H, W, C); returns the last output.</summary>
    Tensor Forward(Tensor input, ILayerTap? tap);

    /// <summary>The k most probable (highest scoring) classes, or null without a top.</summary>
    IReadOnlyList<LiveClass>? TopK(Tensor output, int k);

    string Label(int classIndex);

    /// <summary>The deconv projection of one channel from a forward pass recorded at every map layer, as a picture.</summary>
    RgbCanvas Project(RecordingTap forward, string layer, int channel, ProjectionMode mode);
}
