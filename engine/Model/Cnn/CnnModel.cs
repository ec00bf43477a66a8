using CnnEngine.Ops;

namespace CnnEngine.Model.Cnn;

/// <summary>
/// A user's CNN, ready to run: a chain of layers from one image input (H, W, C with C = 1 or 3) to the output, every
/// weight validated against the config and in Keras layout. Built by <see cref="KerasModelBuilder"/>.
/// </summary>
public sealed class CnnModel
{
    public string Name { get; }
    /// <summary>Where it came from: the file path and format, e.g. "cnn.h5 (Keras 2.11.0 full model)".</summary>
    public string Source { get; }
    public FeatureShape Input { get; }
    public IReadOnlyList<CnnLayer> Layers { get; }
    /// <summary>The layers Keras has but inference skips (Dropout, …), and BatchNormalizations folded into a conv or dense.</summary>
    public IReadOnlyList<string> Skipped { get; }
    /// <summary>The model's own input scaling (its leading Rescaling layers): when true the CLI feeds raw 0…255 pixels.</summary>
    public bool HasOwnPreprocessing { get; }

    public CnnModel(string name, string source, FeatureShape input, IReadOnlyList<CnnLayer> layers, IReadOnlyList<string> skipped)
    {
        if (layers.Count == 0) throw new ArgumentException("a model needs at least one layer");
        Name = name; Source = source; Input = input; Layers = layers; Skipped = skipped;
        HasOwnPreprocessing = layers.Any(l => l.KerasClass == "Rescaling");
    }

    public FeatureShape Output => Layers[^1].Output;

    /// <summary>Classes the model predicts: the last layer's width when it is a flat vector.</summary>
    public int? ClassCount => Output.Flat ? Output.Channels : null;

    /// <summary>True when the last step is a softmax (outputs are probabilities).</summary>
    public bool EndsWithSoftmax => Layers[^1] switch
    {
        DenseLayer d => d.Activation.Kind == ActivationKind.Softmax,
        ActivationLayer a => a.Activation.Kind == ActivationKind.Softmax,
        _ => false,
    };

    public CnnLayer? Find(string name) => Layers.FirstOrDefault(l => l.Name == name);

    /// <summary>Multiply-add FLOPs (2 per MAC) of the convs and dense layers for one image.</summary>
    public double Flops() => Layers.Sum(l => l switch
    {
        ConvLayer c => 2.0 * c.Output.Elements * c.Window.KernelH * c.Window.KernelW * c.InChannels,
        DenseLayer d => 2.0 * d.Input.Channels * d.Output.Channels,
        _ => 0.0,
    });
}
