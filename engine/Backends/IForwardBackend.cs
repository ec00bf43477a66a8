using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Backends;

/// <summary>
/// Something that runs VGG16 forward: the CPU engine, or a GPU backend (OpenCL, CUDA) from kernels/.
/// </summary>
public interface IForwardBackend : IDisposable
{
    /// <summary>Device id as the CLI spells it: "cpu", "opencl:0", "cuda:0".</summary>
    string DeviceId { get; }
    /// <summary>Human name, e.g. "AMD Ryzen … (Vector512, 2 threads)" or "NVIDIA H100 80GB HBM3".</summary>
    string DeviceName { get; }
    Vgg16Weights Weights { get; }

    /// <summary>
    /// Runs the network on a preprocessed batch (N, H, W, 3) in BGR, mean-subtracted (Keras preprocess_input).
    /// Returns the last layer's output: predictions (N, 1000) with the top, block5_pool (N, H/32, W/32, 512) without.
    /// Hands layer outputs and switches to <paramref name="tap"/> when given.
    /// </summary>
    Tensor Forward(Tensor input, ILayerTap? tap = null);
}
