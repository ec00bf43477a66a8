namespace CnnEngine.Model;

public enum LayerKind
{
    /// <summary>3×3 convolution, 'same' padding, stride 1, bias, ReLU fused.</summary>
    Conv3x3Relu,
    /// <summary>2×2 max pool, stride 2, 'valid' padding (odd trailing row/column dropped, as Keras does); emits switches.</summary>
    MaxPool2x2,
    /// <summary>Fully connected layer on the channels-last flattened input; ReLU or softmax after it.</summary>
    Dense,
}

public enum Activation { None, Relu, Softmax }

/// <summary>
/// One layer of the network, named exactly as Keras names it (block1_conv1 … block5_pool, fc1, fc2, predictions).
/// Channel counts are the layer's input and output channels (for dense: input and output features;
/// fc1's input count is the flattened 7·7·512 = 25088).
/// </summary>
public sealed record LayerSpec(string Name, LayerKind Kind, int InChannels, int OutChannels, Activation Activation)
{
    public bool HasWeights => Kind != LayerKind.MaxPool2x2;
    public bool IsPool => Kind == LayerKind.MaxPool2x2;
    public bool IsConv => Kind == LayerKind.Conv3x3Relu;
    public bool IsDense => Kind == LayerKind.Dense;
}
