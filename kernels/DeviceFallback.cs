using CnnEngine.Kernels.Compute;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Kernels;

/// <summary>
/// The <c>--device auto</c> rules shared by VGG16 (<see cref="Devices.Open"/>) and own models (<see cref="CnnDevices.Open"/>):
/// prefer CUDA, then an OpenCL GPU, then the CPU; a device that fails at open gives one warning and the CPU.
/// </summary>
internal static class AutoDevice
{
    public static TBackend Open<TBackend>(Func<GpuDevice, TBackend> onDevice, Func<TBackend> onCpu,
        Func<TBackend, Func<TBackend>, Action<string>, TBackend> withFallback, Action<string> warn)
    {
        string? id = DeviceCatalog.List().FirstOrDefault(d => d.Backend == "CUDA")?.Id ?? DeviceCatalog.FirstUsableOpenClGpu();
        if (id is null) return onCpu();
        try
        {
            return withFallback(onDevice(Devices.OpenDevice(id)), onCpu, warn);
        }
        catch (DeviceException e)
        {
            warn($"warning: {id} could not be used ({Devices.FirstLine(e.Message)}); running on the CPU");
            return onCpu();
        }
    }
}

/// <summary>
/// The fallback of <see cref="FallbackBackend"/> and <see cref="CnnFallbackBackend"/>: forwards run on the GPU's backend
/// until one fails with a <see cref="DeviceException"/>; then one warning, the GPU is closed, and this and every later
/// forward run on the CPU's.
/// </summary>
internal sealed class DeviceFallback<TBackend>(TBackend gpu, Func<TBackend> cpu, Action<string> warn, Func<TBackend, string> deviceId)
    where TBackend : class, IDisposable
{
    public TBackend Current { get; private set; } = gpu;
    public bool FellBack { get; private set; }

    public Tensor Forward(Tensor input, ILayerTap? tap, Func<TBackend, Tensor, ILayerTap?, Tensor> forward)
    {
        if (FellBack) return forward(Current, input, tap);
        try
        {
            return forward(Current, input, tap);
        }
        catch (DeviceException e)
        {
            warn($"warning: {deviceId(Current)} failed ({Devices.FirstLine(e.Message)}); falling back to the CPU");
            try { Current.Dispose(); } catch (DeviceException) { }
            Current = cpu();
            FellBack = true;
            return forward(Current, input, tap);
        }
    }
}
