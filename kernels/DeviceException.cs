namespace CnnEngine.Kernels;

/// <summary>
/// Anything that goes wrong with a GPU device: missing driver, no such device, a native call failing,
/// a kernel that does not build, out of device memory. The message is one clear line (a build failure
/// appends the compiler log after it).
/// </summary>
public class DeviceException : Exception
{
    public DeviceException(string message) : base(message) { }
    public DeviceException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The driver or runtime library is not installed, or has no device of the asked kind.</summary>
public sealed class DeviceUnavailableException : DeviceException
{
    public DeviceUnavailableException(string message) : base(message) { }
    public DeviceUnavailableException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A native API call returned an error code; <see cref="Code"/> is its name (CL_OUT_OF_RESOURCES, CUDA_ERROR_…).</summary>
public class NativeCallException : DeviceException
{
    public string Call { get; }
    public string Code { get; }
    public int RawCode { get; }
    public NativeCallException(string call, string code, int rawCode, string? detail = null)
        : base($"{call} failed: {code} ({rawCode}){(detail is null ? "" : ": " + detail)}")
    {
        Call = call; Code = code; RawCode = rawCode;
    }
}

/// <summary>The device ran out of memory (CL_MEM_OBJECT_ALLOCATION_FAILURE, CL_OUT_OF_RESOURCES, CUDA_ERROR_OUT_OF_MEMORY).</summary>
public sealed class DeviceOutOfMemoryException : NativeCallException
{
    public DeviceOutOfMemoryException(string call, string code, int rawCode, string? detail = null)
        : base(call, code, rawCode, detail ?? "out of device memory (try a smaller batch or image)") { }
}

/// <summary>A kernel failed to compile; <see cref="Log"/> is the device compiler's output.</summary>
public sealed class KernelBuildException : DeviceException
{
    public string Log { get; }
    public KernelBuildException(string what, string log)
        : base($"{what} failed to build:\n{log}") { Log = log; }
}
