using CnnEngine.Backends;
using CnnEngine.Backends.Model;
using CnnEngine.Imaging;
using CnnEngine.Model;
using CnnEngine.Model.Cnn;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Deconv;

/// <summary>What a dataset scan (<see cref="FeatureScan"/>) needs from a network: who it is, its layers, its input, its forward.</summary>
public interface IFeatureNetwork
{
    /// <summary>Recorded in the result: a resume or a merge with another network is refused.</summary>
    WeightsIdentity Identity { get; }

    /// <summary>Channels of a feature-map layer; a <see cref="DeconvException"/> naming the valid layers otherwise.</summary>
    int Channels(string layer);

    /// <summary>(H, W, C) of one input image.</summary>
    (int Height, int Width, int Channels) InputShape { get; }

    /// <summary>
    /// One image file as the network is fed, written into <paramref name="destination"/> (H, W, C);
    /// <see cref="ImageException"/> or <see cref="IOException"/> when unreadable.
    /// </summary>
    void Load(string path, Span<float> destination);

    /// <summary>Runs a batch (N, H, W, C), the tap receiving the layers it wants.</summary>
    void Forward(Tensor batch, ILayerTap tap);
}

/// <summary>VGG16 on its engine: conv-base layers, 224×224 input, VGG preprocessing.</summary>
public sealed class Vgg16FeatureNetwork(IForwardBackend backend) : IFeatureNetwork
{
    public WeightsIdentity Identity => WeightsIdentity.Of(backend.Weights);
    public int Channels(string layer) => ConvLayers.Find(layer).OutChannels;
    public (int Height, int Width, int Channels) InputShape => (Vgg16Architecture.TopInputSize, Vgg16Architecture.TopInputSize, 3);
    public void Load(string path, Span<float> destination) => ImagePipeline.LoadInto(path, ImageSize.Vgg16Top, ResizeMode.Nearest, destination);
    public void Forward(Tensor batch, ILayerTap tap) => backend.Forward(batch, tap);
}

/// <summary>A user's CNN: its feature-map layers by Keras name, its input size and color mode, the given preprocessing.</summary>
public sealed class CnnFeatureNetwork(ICnnBackend backend, ResizeMode resize, InputPreprocess preprocess) : IFeatureNetwork
{
    public WeightsIdentity Identity => CnnModelIdentity.Of(backend.Model);
    public int Channels(string layer) => CnnProjector.Find(backend.Model, layer).Output.Channels;

    public (int Height, int Width, int Channels) InputShape => (backend.Model.Input.Height, backend.Model.Input.Width, backend.Model.Input.Channels);

    public void Load(string path, Span<float> destination)
    {
        var input = backend.Model.Input;
        ModelInput.Prepare(ImageLoader.Load(path), input.Height, input.Width, input.Channels, resize, preprocess).Input.Data.CopyTo(destination);
    }

    public void Forward(Tensor batch, ILayerTap tap) => backend.Forward(batch, tap);
}
