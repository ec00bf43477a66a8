namespace CnnEngine.Weights.KerasModel;

/// <summary>A saved Keras model that cannot be run: bad file, bad config, missing or mis-shaped weights. One line for the user.</summary>
public class KerasModelException : WeightsException
{
    public KerasModelException(string message) : base(message) { }
    public KerasModelException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A layer whose class (or setting) the engine does not run: names the layer, its class and what is supported.</summary>
public sealed class UnsupportedLayerException : KerasModelException
{
    public string LayerName { get; }
    public string ClassName { get; }

    public UnsupportedLayerException(string source, string layerName, string className, string why)
        : base($"{source}: layer '{layerName}' ({className}) is not supported: {why}")
    {
        LayerName = layerName;
        ClassName = className;
    }
}

/// <summary>A layer's weights are missing from the file or have another shape than its config implies.</summary>
public sealed class LayerWeightsException : KerasModelException
{
    public string LayerName { get; }
    public LayerWeightsException(string message, string layerName) : base(message) => LayerName = layerName;
}
