using CnnEngine.Model;
using CnnEngine.Tensors;

namespace CnnEngine.Taps;

/// <summary>
/// How every layer's output and every pool's switches reach the caller (the visualizer, the deconvnet, --export-npy).
///
/// Activations are float32 (N, H, W, C), exactly what a Keras intermediate model returns for that layer
/// (after the fused ReLU for convs, after softmax for predictions).
///
/// Switches are int32 (N, H', W', C): for each pooled output, the flat index y*W + x of the maximum inside
/// that channel's input plane (H, W = the pool's input size). Ties go to the first in row-major order
/// (top-left, then top-right, then bottom-left, then bottom-right) — the same rule as PyTorch's
/// max_pool2d(return_indices=True) on the CPU.
///
/// Backends call <see cref="Wants"/> before copying anything: a GPU backend copies a layer back from the device
/// only when a tap asks for it, so a plain forward pays no transfers. The tensors handed over belong to the tap
/// (the engine never reuses them afterwards).
/// </summary>
public interface ILayerTap
{
    bool Wants(string layerName);
    void OnActivation(LayerSpec layer, Tensor output);
    void OnSwitches(LayerSpec pool, IntTensor switches);
}

/// <summary>A tap that records everything it is asked to, by layer name.</summary>
public sealed class RecordingTap : ILayerTap
{
    private readonly HashSet<string>? _only;
    private readonly object _lock = new();
    public Dictionary<string, Tensor> Activations { get; } = new();
    public Dictionary<string, IntTensor> Switches { get; } = new();

    /// <param name="only">Layer names to record; null records every layer.</param>
    public RecordingTap(IEnumerable<string>? only = null) => _only = only is null ? null : new HashSet<string>(only);

    public bool Wants(string layerName) => _only is null || _only.Contains(layerName);

    public void OnActivation(LayerSpec layer, Tensor output)
    {
        lock (_lock) Activations[layer.Name] = output;
    }

    public void OnSwitches(LayerSpec pool, IntTensor switches)
    {
        lock (_lock) Switches[pool.Name] = switches;
    }
}
