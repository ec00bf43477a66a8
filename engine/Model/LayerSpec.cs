namespace CnnEngine.Model;

public enum LayerKind
{
    /// <summary>3×3 convolution, 'same' padding, stride 1, bias, ReLU fused.</summary>
    Conv3x3Relu,
    /// <summary>2×2 max pool, stride 2, 'valid' padding (odd trailing row/column dropped, as Keras does); emits switches.</summary>
    MaxPool2x2,
    /// <summary>Fully connected layer on the channels-last flattened input; ReLU or softmax after it.</summary>
    Dense,
    /// <summary>A user model's convolution of any kernel size, stride and padding (engine/Model/Cnn).</summary>
    Conv2D,
    /// <summary>A user model's max pool of any size, stride and padding; emits switches.</summary>
    MaxPool,
    /// <summary>A user model's average pool (no switches).</summary>
    AveragePool,
    /// <summary>A user model's per-element or reshaping layer: activation, batch norm, rescaling, padding, flatten, global pool.</summary>
    Other,
}

public enum Activation { None, Relu, Softmax }

/// <summary>
/// One layer of the network, named exactly as Keras names it (block1_conv1 … block5_pool, fc1, fc2, predictions).
/// Channel counts are the layer's input and output channels (for dense: input and output features;
/// fc1's input count is the flattened 7·7·512 = 25088).
/// </summary>
public sealed record LayerSpec(string Name, LayerKind Kind, int InChannels, int OutChannels, Activation Activation)
{
    public bool HasWeights => Kind is LayerKind.Conv3x3Relu or LayerKind.Dense or LayerKind.Conv2D;
    /// <summary>A max pool: its switches reach the taps.</summary>
    public bool IsPool => Kind is LayerKind.MaxPool2x2 or LayerKind.MaxPool;
    public bool IsConv => Kind is LayerKind.Conv3x3Relu or LayerKind.Conv2D;
    public bool IsDense => Kind == LayerKind.Dense;
}
