using CnnEngine.Model.Cnn;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Backends.Model;

/// <summary>
/// Something that runs a user's CNN (<see cref="CnnModel"/>) forward — the counterpart of <see cref="IForwardBackend"/>
/// for VGG16, with the same tap contract: every layer's output (N, H, W, C) or (N, K) under its Keras layer name, every
/// max pool's switches (flat y·W + x in the pool's input plane, ties top-left first).
/// </summary>
public interface ICnnBackend : IDisposable
{
    string DeviceId { get; }
    string DeviceName { get; }
    CnnModel Model { get; }

    /// <summary>Runs a preprocessed batch (N, H, W, C) as the model's input expects; returns the last layer's output.</summary>
    Tensor Forward(Tensor input, ILayerTap? tap = null);
}
