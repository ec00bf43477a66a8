using System.Runtime.InteropServices;

namespace CnnEngine.Kernels.Native;

/// <summary>
/// The CUDA driver API entry points this project uses (libcuda.so.1 / nvcuda.dll), bound by hand.
/// Where the driver exports a versioned symbol (_v2) we bind that one: the unversioned names are the
/// 32-bit-size variants kept only for old binaries. CUdeviceptr is a 64-bit integer.
/// </summary>
internal static unsafe partial class Cuda
{
    public const string Lib = "cuda";
    public const int CUDA_SUCCESS = 0;
    public const int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    public const int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

    [LibraryImport(Lib)] public static partial int cuInit(uint flags);
    [LibraryImport(Lib)] public static partial int cuDriverGetVersion(int* version);
    [LibraryImport(Lib)] public static partial int cuDeviceGetCount(int* count);
    [LibraryImport(Lib)] public static partial int cuDeviceGet(int* device, int ordinal);
    [LibraryImport(Lib)] public static partial int cuDeviceGetName(byte* name, int length, int device);
    [LibraryImport(Lib)] public static partial int cuDeviceGetAttribute(int* value, int attribute, int device);
    [LibraryImport(Lib)] public static partial int cuDeviceTotalMem_v2(nuint* bytes, int device);

    [LibraryImport(Lib)] public static partial int cuCtxCreate_v2(nint* context, uint flags, int device);
    [LibraryImport(Lib)] public static partial int cuCtxDestroy_v2(nint context);
    [LibraryImport(Lib)] public static partial int cuCtxSetCurrent(nint context);
    [LibraryImport(Lib)] public static partial int cuCtxSynchronize();

    [LibraryImport(Lib)] public static partial int cuModuleLoadData(nint* module, byte* image);
    [LibraryImport(Lib)] public static partial int cuModuleUnload(nint module);
    [LibraryImport(Lib)] public static partial int cuModuleGetFunction(nint* function, nint module, byte* name);

    [LibraryImport(Lib)] public static partial int cuMemAlloc_v2(ulong* devicePtr, nuint bytes);
    [LibraryImport(Lib)] public static partial int cuMemFree_v2(ulong devicePtr);
    [LibraryImport(Lib)] public static partial int cuMemcpyHtoD_v2(ulong dst, void* src, nuint bytes);
    [LibraryImport(Lib)] public static partial int cuMemcpyDtoH_v2(void* dst, ulong src, nuint bytes);

    [LibraryImport(Lib)] public static partial int cuLaunchKernel(nint function, uint gridX, uint gridY, uint gridZ,
        uint blockX, uint blockY, uint blockZ, uint sharedBytes, nint stream, void** kernelParams, void** extra);

    [LibraryImport(Lib)] public static partial int cuGetErrorName(int error, byte** name);

    public static void Check(int err, string call, string? detail = null)
    {
        if (err == CUDA_SUCCESS) return;
        string name = ErrorName(err);
        if (err == 2) throw new DeviceOutOfMemoryException(call, name, err, detail);
        throw new NativeCallException(call, name, err, detail);
    }

    /// <summary>The enum name of a CUresult, from the driver when it can say, else from our table.</summary>
    public static string ErrorName(int err)
    {
        try
        {
            byte* p = null;
            if (cuGetErrorName(err, &p) == CUDA_SUCCESS && p != null) return Marshal.PtrToStringUTF8((nint)p) ?? Fallback(err);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        return Fallback(err);

        static string Fallback(int err) => err switch
        {
            1 => "CUDA_ERROR_INVALID_VALUE", 2 => "CUDA_ERROR_OUT_OF_MEMORY", 3 => "CUDA_ERROR_NOT_INITIALIZED",
            4 => "CUDA_ERROR_DEINITIALIZED", 100 => "CUDA_ERROR_NO_DEVICE", 101 => "CUDA_ERROR_INVALID_DEVICE",
            200 => "CUDA_ERROR_INVALID_IMAGE", 201 => "CUDA_ERROR_INVALID_CONTEXT", 209 => "CUDA_ERROR_NO_BINARY_FOR_GPU",
            218 => "CUDA_ERROR_INVALID_PTX", 222 => "CUDA_ERROR_UNSUPPORTED_PTX_VERSION", 400 => "CUDA_ERROR_INVALID_HANDLE",
            500 => "CUDA_ERROR_NOT_FOUND", 701 => "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", 702 => "CUDA_ERROR_LAUNCH_TIMEOUT",
            719 => "CUDA_ERROR_LAUNCH_FAILED", 700 => "CUDA_ERROR_ILLEGAL_ADDRESS", 999 => "CUDA_ERROR_UNKNOWN",
            _ => $"CUDA_ERROR_{err}",
        };
    }
}
