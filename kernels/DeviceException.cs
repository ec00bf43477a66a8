namespace CnnEngine.Kernels;

/// <summary>
/// Anything that goes wrong with a GPU device: no driver, no such device, a device ILGPU cannot use, a kernel that does
/// not compile, a device lost mid-run, out of device memory. The message is one clear line.
/// </summary>
public class DeviceException : Exception
{
    public DeviceException(string message) : base(message) { }
    public DeviceException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>The driver or runtime is not installed, there is no such device, or ILGPU cannot use it (the message says why).</summary>
public sealed class DeviceUnavailableException : DeviceException
{
    public DeviceUnavailableException(string message) : base(message) { }
    public DeviceUnavailableException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>The device ran out of memory, or a request would exceed the memory the engine allows itself on it.</summary>
public sealed class DeviceOutOfMemoryException : DeviceException
{
    public string DeviceId { get; }
    public DeviceOutOfMemoryException(string deviceId, string message, Exception? inner = null) : base(message, inner) => DeviceId = deviceId;
}

/// <summary>ILGPU could not compile a kernel for the device.</summary>
public sealed class KernelBuildException : DeviceException
{
    public KernelBuildException(string message, Exception? inner) : base(message, inner) { }
}
