using CnnEngine.Kernels.Compute;

namespace CnnEngine.Kernels.Tests;

/// <summary>
/// ILGPU's CPU accelerator (<c>ilgpu-cpu</c>), opened once for the tests of a collection: it runs every kernel of
/// kernels/Ops — groups, shared memory, barriers — on the CPU, so CI (no GPU) checks the very kernels a GPU runs.
/// It is an emulator and slow, so shapes here are small.
/// </summary>
public sealed class EmulatorFixture : IDisposable
{
    private readonly Lazy<GpuOps> _ops = new(() => new GpuOps(DeviceCatalog.OpenEmulator()));

    public GpuOps Ops => _ops.Value;
    public GpuDevice Device => Ops.Device;

    public void Dispose()
    {
        if (_ops.IsValueCreated) _ops.Value.Device.Dispose();
    }
}

[CollectionDefinition("Emulator")]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture> { }
