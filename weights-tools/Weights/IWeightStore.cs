namespace CnnEngine.Weights;

/// <summary>
/// An opened weights file (Keras HDF5 in any of its three layouts, or our safetensors), seen the same way:
/// tensors named "&lt;layer&gt;.kernel" and "&lt;layer&gt;.bias" (e.g. "block1_conv1.kernel"),
/// float32, with exactly Keras's shapes and element order: conv (3, 3, Cin, Cout), dense (Cin, Cout), bias (Cout).
/// </summary>
public interface IWeightStore : IDisposable
{
    /// <summary>Path of the file this store reads.</summary>
    string SourcePath { get; }

    /// <summary>Which layout was recognized.</summary>
    WeightsLayout Layout { get; }

    /// <summary>Layer names in file order (only layers that carry weights).</summary>
    IReadOnlyList<string> LayerNames { get; }

    /// <summary>All tensor names, "&lt;layer&gt;.kernel" / "&lt;layer&gt;.bias".</summary>
    IReadOnlyList<string> TensorNames { get; }

    bool Contains(string tensorName);

    /// <summary>Shape of a tensor; throws <see cref="WeightsException"/> when it is missing.</summary>
    int[] GetShape(string tensorName);

    /// <summary>
    /// The tensor's float32 values in Keras element order. For safetensors this is a view of the memory-mapped
    /// file (no copy, valid until the store is disposed); for HDF5 it is decoded (and converted from f16/f64) once.
    /// </summary>
    ReadOnlyMemory<float> GetTensor(string tensorName);
}

public enum WeightsLayout
{
    /// <summary>keras-applications release files: root attr layer_names, datasets "block1_conv1_W_1:0".</summary>
    KerasApplications,
    /// <summary>Keras 2 model.save_weights("x.h5"): "block1_conv1/block1_conv1/kernel:0".</summary>
    Keras2SaveWeights,
    /// <summary>Keras 3 model.save_weights("x.weights.h5") / KerasHub model.weights.h5: "layers/&lt;layer&gt;/vars/0".</summary>
    Keras3WeightsH5,
    /// <summary>safetensors written by weights-tools convert.</summary>
    SafeTensors,
}

/// <summary>Base of every typed error the weights library raises; its message is one clear line for the CLI.</summary>
public class WeightsException : Exception
{
    public WeightsException(string message) : base(message) { }
    public WeightsException(string message, Exception inner) : base(message, inner) { }
}
