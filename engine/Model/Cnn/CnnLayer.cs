using CnnEngine.Ops;

namespace CnnEngine.Model.Cnn;

/// <summary>
/// One step of a user's CNN, named by its Keras layer name, with the shapes it reads and writes (one image).
/// Layers that do nothing at inference (Dropout, SpatialDropout2D, GaussianNoise, …) are left out of the model.
/// </summary>
public abstract class CnnLayer
{
    public required string Name { get; init; }
    /// <summary>The Keras class ("Conv2D"); "Conv2D+BatchNormalization" when a batch norm was folded in.</summary>
    public required string KerasClass { get; init; }
    public required FeatureShape Input { get; init; }
    public required FeatureShape Output { get; init; }

    public abstract LayerKind Kind { get; }

    /// <summary>The description taps receive (<see cref="Taps.ILayerTap"/>).</summary>
    public LayerSpec Spec => new(Name, Kind, Input.Channels, Output.Channels, Model.Activation.None);

    public override string ToString() => $"{Name} ({KerasClass}) {Input} → {Output}";
}

/// <summary>Conv2D: kernel (KH, KW, Cin, Cout) in Keras layout, bias (Cout) (zeros without one), then the activation.</summary>
public sealed class ConvLayer : CnnLayer
{
    public required Window2D Window { get; init; }
    public required float[] Kernel { get; init; }
    public required float[] Bias { get; init; }
    public required ActivationFunction Activation { get; init; }
    /// <summary>The Conv2D's own name when a following BatchNormalization was folded in (this layer then carries the BN's name).</summary>
    public string? FoldedConv { get; init; }
    public int InChannels => Input.Channels;
    public int OutChannels => Output.Channels;
    public override LayerKind Kind => LayerKind.Conv2D;
    /// <summary>3×3, stride 1, 'same': the windows VGG16's direct kernel runs (<see cref="PackedConv2d"/> also weighs the row width).</summary>
    public bool IsSame3x3 => PackedConv2d.IsSame3x3(Window);
}

/// <summary>MaxPooling2D (with switches) or AveragePooling2D.</summary>
public sealed class PoolLayer : CnnLayer
{
    public required bool IsMax { get; init; }
    public required Window2D Window { get; init; }
    public override LayerKind Kind => IsMax ? LayerKind.MaxPool : LayerKind.AveragePool;
}

/// <summary>Dense on a flat input: kernel (Cin, Cout), bias (Cout), then the activation.</summary>
public sealed class DenseLayer : CnnLayer
{
    public required float[] Kernel { get; init; }
    public required float[] Bias { get; init; }
    public required ActivationFunction Activation { get; init; }
    public string? FoldedDense { get; init; }
    public override LayerKind Kind => LayerKind.Dense;
}

/// <summary>Activation, ReLU, LeakyReLU, ELU, Softmax.</summary>
public sealed class ActivationLayer : CnnLayer
{
    public required ActivationFunction Activation { get; init; }
    public override LayerKind Kind => LayerKind.Other;
}

/// <summary>y = x·Scale[c] + Shift[c]: a BatchNormalization that could not be folded, or Rescaling (one value or one per channel).</summary>
public sealed class AffineLayer : CnnLayer
{
    public required float[] Scale { get; init; }
    public required float[] Shift { get; init; }
    public override LayerKind Kind => LayerKind.Other;
}

/// <summary>ZeroPadding2D.</summary>
public sealed class ZeroPaddingLayer : CnnLayer
{
    public required int Top { get; init; }
    public required int Bottom { get; init; }
    public required int Left { get; init; }
    public required int Right { get; init; }
    public override LayerKind Kind => LayerKind.Other;
}

/// <summary>Flatten in channels-last order: (H, W, C) → (H·W·C), Keras's order.</summary>
public sealed class FlattenLayer : CnnLayer
{
    public override LayerKind Kind => LayerKind.Other;
}

/// <summary>GlobalAveragePooling2D / GlobalMaxPooling2D (keepdims gives (1, 1, C)).</summary>
public sealed class GlobalPoolLayer : CnnLayer
{
    public required bool IsMax { get; init; }
    public override LayerKind Kind => LayerKind.Other;
}
