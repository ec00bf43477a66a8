using CnnEngine.Tensors;
using CnnEngine.Weights;

namespace CnnEngine.Model;

/// <summary>One layer's parameters in Keras layout: conv kernel (3, 3, Cin, Cout) or dense (Cin, Cout); bias (Cout).</summary>
public sealed record LayerWeights(LayerSpec Layer, ReadOnlyMemory<float> Kernel, int[] KernelShape, ReadOnlyMemory<float> Bias);

/// <summary>
/// VGG16's parameters, validated against the architecture. Values stay in Keras layout here; every backend
/// repacks what it needs at load (the CPU engine repacks conv kernels into its blocked layout and reads dense
/// weights in place, so a memory-mapped safetensors file's fc weights are never copied).
/// </summary>
public sealed class Vgg16Weights : IDisposable
{
    private readonly Dictionary<string, LayerWeights> _layers;
    private readonly IDisposable? _owner;

    public bool HasTop { get; }
    /// <summary>Where the weights came from: a file path, or "random (seed N)".</summary>
    public string Source { get; }
    /// <summary>True for seeded random weights: pictures made with them show no ImageNet features.</summary>
    public bool IsRandom { get; }

    private Vgg16Weights(Dictionary<string, LayerWeights> layers, bool hasTop, string source, bool isRandom, IDisposable? owner)
    {
        _layers = layers; HasTop = hasTop; Source = source; IsRandom = isRandom; _owner = owner;
    }

    public IReadOnlyList<LayerSpec> Layers => Vgg16Architecture.Layers(HasTop);

    public LayerWeights this[string layerName] =>
        _layers.TryGetValue(layerName, out var w) ? w : throw new KeyNotFoundException($"no weights for layer {layerName}");

    /// <summary>
    /// Takes VGG16's parameters from an opened store. The top is used when fc1, fc2 and predictions are all present.
    /// Throws <see cref="WeightsException"/> naming the layer for a missing layer or a wrong shape.
    /// Calls <paramref name="warn"/> once per layer holding NaN or infinity.
    /// The store must stay open as long as these weights are used; disposing the weights disposes it.
    /// </summary>
    public static Vgg16Weights FromStore(IWeightStore store, Action<string>? warn = null)
    {
        bool hasTop = Vgg16Architecture.Top.All(l => store.Contains(l.Name + ".kernel"));
        var layers = new Dictionary<string, LayerWeights>();
        foreach (var layer in Vgg16Architecture.Layers(hasTop))
        {
            if (!layer.HasWeights) continue;
            string kernelName = layer.Name + ".kernel", biasName = layer.Name + ".bias";
            if (!store.Contains(kernelName) || !store.Contains(biasName))
                throw new WeightsException($"{store.SourcePath}: layer {layer.Name} is missing (not a VGG16 weights file?)");
            int[] expected = ExpectedKernelShape(layer);
            int[] kernelShape = store.GetShape(kernelName);
            if (!kernelShape.AsSpan().SequenceEqual(expected))
                throw new WeightsException($"{store.SourcePath}: layer {layer.Name} kernel has shape {ShapeMath.Format(kernelShape)}, VGG16 needs {ShapeMath.Format(expected)}");
            int[] biasShape = store.GetShape(biasName);
            if (biasShape.Length != 1 || biasShape[0] != layer.OutChannels)
                throw new WeightsException($"{store.SourcePath}: layer {layer.Name} bias has shape {ShapeMath.Format(biasShape)}, VGG16 needs ({layer.OutChannels},)");
            var kernel = store.GetTensor(kernelName);
            var bias = store.GetTensor(biasName);
            if (warn is not null && (!AllFinite(kernel.Span) || !AllFinite(bias.Span)))
                warn($"warning: layer {layer.Name} holds NaN or infinite values");
            layers[layer.Name] = new LayerWeights(layer, kernel, expected, bias);
        }
        return new Vgg16Weights(layers, hasTop, store.SourcePath, false, store);
    }

    /// <summary>
    /// Seeded random weights, He-normal scaled (std = sqrt(2 / fan_in)) so activations stay finite through all
    /// 13 layers, biases small. Used when no weights can be found, and by tests. Not ImageNet features.
    /// </summary>
    public static Vgg16Weights Random(int seed = 16, bool includeTop = false)
    {
        var rng = new System.Random(seed);
        var layers = new Dictionary<string, LayerWeights>();
        foreach (var layer in Vgg16Architecture.Layers(includeTop))
        {
            if (!layer.HasWeights) continue;
            int[] shape = ExpectedKernelShape(layer);
            int fanIn = layer.IsConv ? 9 * layer.InChannels : layer.InChannels;
            float std = MathF.Sqrt(2f / fanIn);
            var kernel = new float[ShapeMath.Product(shape)];
            for (int i = 0; i < kernel.Length; i += 2)
            {
                // Box–Muller: two normals per pair of uniforms.
                double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
                double r = Math.Sqrt(-2.0 * Math.Log(u1));
                kernel[i] = (float)(r * Math.Cos(2 * Math.PI * u2)) * std;
                if (i + 1 < kernel.Length) kernel[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2)) * std;
            }
            var bias = new float[layer.OutChannels];
            for (int i = 0; i < bias.Length; i++) bias[i] = (float)(rng.NextDouble() * 0.2 - 0.1);
            layers[layer.Name] = new LayerWeights(layer, kernel, shape, bias);
        }
        return new Vgg16Weights(layers, includeTop, $"random (seed {seed})", true, null);
    }

    /// <summary>
    /// The conv base of these weights (no fc1, fc2, predictions) over the same arrays, nothing copied: a forward then
    /// ends at block5_pool, for work that reads only feature maps (a dataset scan). This object keeps owning the store;
    /// the view must not outlive it. Returns this object when it has no top.
    /// </summary>
    public Vgg16Weights WithoutTop()
    {
        if (!HasTop) return this;
        var convBase = Vgg16Architecture.ConvBase.Where(l => l.HasWeights).ToDictionary(l => l.Name, l => _layers[l.Name]);
        return new Vgg16Weights(convBase, hasTop: false, Source, IsRandom, owner: null);
    }

    /// <summary>Builds weights from in-memory arrays in Keras layout (tests, tiny fixtures).</summary>
    public static Vgg16Weights FromArrays(IReadOnlyDictionary<string, (float[] Kernel, float[] Bias)> arrays, string source)
    {
        bool hasTop = Vgg16Architecture.Top.All(l => arrays.ContainsKey(l.Name));
        var layers = new Dictionary<string, LayerWeights>();
        foreach (var layer in Vgg16Architecture.Layers(hasTop))
        {
            if (!layer.HasWeights) continue;
            if (!arrays.TryGetValue(layer.Name, out var kb)) throw new WeightsException($"{source}: layer {layer.Name} is missing");
            int[] shape = ExpectedKernelShape(layer);
            if (kb.Kernel.Length != ShapeMath.Product(shape) || kb.Bias.Length != layer.OutChannels)
                throw new WeightsException($"{source}: layer {layer.Name} has the wrong number of values for {ShapeMath.Format(shape)}");
            layers[layer.Name] = new LayerWeights(layer, kb.Kernel, shape, kb.Bias);
        }
        return new Vgg16Weights(layers, hasTop, source, false, null);
    }

    public static int[] ExpectedKernelShape(LayerSpec layer) => layer.Kind switch
    {
        LayerKind.Conv3x3Relu => new[] { 3, 3, layer.InChannels, layer.OutChannels },
        LayerKind.Dense => new[] { layer.InChannels, layer.OutChannels },
        _ => throw new ArgumentException($"{layer.Name} has no weights"),
    };

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        // A sum over finite He-scaled weights stays finite; only when it is not do we look element by element.
        float sum = System.Numerics.Tensors.TensorPrimitives.Sum(values);
        if (float.IsFinite(sum)) return true;
        foreach (float v in values) if (!float.IsFinite(v)) return false;
        return true;
    }

    public void Dispose() => _owner?.Dispose();
}
