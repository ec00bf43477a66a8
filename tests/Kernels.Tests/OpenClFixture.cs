using CnnEngine.Kernels.Compute;

namespace CnnEngine.Kernels.Tests;

/// <summary>
/// Discovers OpenCL once, on one thread, before any test uses it (pocl's first clGetPlatformIDs is not
/// thread-safe), and opens opencl:0 for the op tests. Without an OpenCL device the tests skip — except in CI,
/// which installs pocl, where a missing device is a failure.
/// </summary>
public sealed class OpenClFixture : IDisposable
{
    private static readonly object Gate = new();
    public OpenClDevice? Device { get; }
    public GpuOps? Ops { get; }
    public string? Missing { get; }

    public OpenClFixture()
    {
        lock (Gate)
        {
            var devices = OpenClDiscovery.Devices;   // the one discovery, here
            if (devices.Count == 0) { Missing = "skipped: no OpenCL device (" + OpenClDiscovery.Problem + ")"; return; }
            Device = new OpenClDevice(0);
            Ops = new GpuOps(Device);
        }
    }

    /// <summary>Skips the calling test without OpenCL (fails in CI, where pocl is installed).</summary>
    public GpuOps Require()
    {
        if (Missing is not null && Environment.GetEnvironmentVariable("CI") == "true")
            throw new InvalidOperationException("CI must have an OpenCL device (pocl): " + Missing);
        Skip.If(Missing is not null, Missing);
        return Ops!;
    }

    public void Dispose() => Device?.Dispose();
}

[CollectionDefinition("OpenCL")]
public sealed class OpenClCollection : ICollectionFixture<OpenClFixture> { }
