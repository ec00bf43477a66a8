using CnnEngine.Backends;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Viz.Live;

/// <summary>
/// A backend whose every forward waits for the device through the <see cref="WorkQueue"/> (one at a time, in turn
/// with the requests) and stops at the next forward once <paramref name="cancel"/> fires. Long jobs such as occlusion
/// run their batches through it. Disposing it leaves the real backend open.
/// </summary>
internal sealed class GatedBackend(IForwardBackend inner, WorkQueue queue, CancellationToken cancel) : IForwardBackend
{
    public string DeviceId => inner.DeviceId;
    public string DeviceName => inner.DeviceName;
    public Vgg16Weights Weights => inner.Weights;

    public Tensor Forward(Tensor input, ILayerTap? tap = null)
    {
        cancel.ThrowIfCancellationRequested();
        return queue.RunBlocking(() => inner.Forward(input, tap), cancel);
    }

    public void Dispose() { }
}
