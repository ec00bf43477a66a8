using System.Runtime.InteropServices;

namespace CnnEngine.Kernels.Native;

/// <summary>
/// The OpenCL 1.2 entry points this project uses, bound by hand with [LibraryImport] (no binding package).
/// The ICD loader is libOpenCL.so.1 on Linux and OpenCL.dll on Windows; the resolver in
/// <see cref="NativeLibraries"/> picks the right name. Handles are plain nints here; the
/// SafeHandles in ClHandles.cs own them.
/// </summary>
internal static unsafe partial class OpenCl
{
    public const string Lib = "OpenCL";

    // --- constants (cl.h) ---
    public const int CL_SUCCESS = 0;
    public const ulong CL_DEVICE_TYPE_CPU = 1 << 1, CL_DEVICE_TYPE_GPU = 1 << 2, CL_DEVICE_TYPE_ALL = 0xFFFFFFFF;
    public const uint CL_PLATFORM_NAME = 0x0902, CL_PLATFORM_VERSION = 0x0901;
    public const uint CL_DEVICE_TYPE = 0x1000, CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002, CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004,
        CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F, CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010, CL_DEVICE_LOCAL_MEM_SIZE = 0x1023,
        CL_DEVICE_NAME = 0x102B, CL_DEVICE_VENDOR = 0x102C, CL_DRIVER_VERSION = 0x102D, CL_DEVICE_VERSION = 0x102F;
    public const ulong CL_MEM_READ_WRITE = 1 << 0;
    public const uint CL_PROGRAM_BUILD_LOG = 0x1183, CL_PROGRAM_BINARY_SIZES = 0x1165, CL_PROGRAM_BINARIES = 0x1166;
    public const uint CL_TRUE = 1, CL_FALSE = 0;

    [LibraryImport(Lib)] public static partial int clGetPlatformIDs(uint numEntries, nint* platforms, uint* numPlatforms);
    [LibraryImport(Lib)] public static partial int clGetPlatformInfo(nint platform, uint param, nuint size, void* value, nuint* sizeRet);
    [LibraryImport(Lib)] public static partial int clGetDeviceIDs(nint platform, ulong type, uint numEntries, nint* devices, uint* numDevices);
    [LibraryImport(Lib)] public static partial int clGetDeviceInfo(nint device, uint param, nuint size, void* value, nuint* sizeRet);

    [LibraryImport(Lib)] public static partial nint clCreateContext(nint* properties, uint numDevices, nint* devices, nint notify, nint userData, int* err);
    [LibraryImport(Lib)] public static partial int clReleaseContext(nint context);
    [LibraryImport(Lib)] public static partial nint clCreateCommandQueue(nint context, nint device, ulong properties, int* err);
    [LibraryImport(Lib)] public static partial int clReleaseCommandQueue(nint queue);

    [LibraryImport(Lib)] public static partial nint clCreateProgramWithSource(nint context, uint count, byte** strings, nuint* lengths, int* err);
    [LibraryImport(Lib)] public static partial nint clCreateProgramWithBinary(nint context, uint numDevices, nint* devices, nuint* lengths, byte** binaries, int* binaryStatus, int* err);
    [LibraryImport(Lib)] public static partial int clBuildProgram(nint program, uint numDevices, nint* devices, byte* options, nint notify, nint userData);
    [LibraryImport(Lib)] public static partial int clGetProgramBuildInfo(nint program, nint device, uint param, nuint size, void* value, nuint* sizeRet);
    [LibraryImport(Lib)] public static partial int clGetProgramInfo(nint program, uint param, nuint size, void* value, nuint* sizeRet);
    [LibraryImport(Lib)] public static partial int clReleaseProgram(nint program);

    [LibraryImport(Lib)] public static partial nint clCreateKernel(nint program, byte* name, int* err);
    [LibraryImport(Lib)] public static partial int clSetKernelArg(nint kernel, uint index, nuint size, void* value);
    [LibraryImport(Lib)] public static partial int clReleaseKernel(nint kernel);

    [LibraryImport(Lib)] public static partial nint clCreateBuffer(nint context, ulong flags, nuint size, void* hostPtr, int* err);
    [LibraryImport(Lib)] public static partial int clReleaseMemObject(nint mem);
    [LibraryImport(Lib)] public static partial int clEnqueueWriteBuffer(nint queue, nint buffer, uint blocking, nuint offset, nuint size, void* ptr, uint numEvents, nint* events, nint* evt);
    [LibraryImport(Lib)] public static partial int clEnqueueReadBuffer(nint queue, nint buffer, uint blocking, nuint offset, nuint size, void* ptr, uint numEvents, nint* events, nint* evt);
    [LibraryImport(Lib)] public static partial int clEnqueueNDRangeKernel(nint queue, nint kernel, uint workDim, nuint* globalOffset, nuint* globalSize, nuint* localSize, uint numEvents, nint* events, nint* evt);
    [LibraryImport(Lib)] public static partial int clFinish(nint queue);

    /// <summary>Throws a <see cref="NativeCallException"/> naming the call and the code unless <paramref name="err"/> is CL_SUCCESS.</summary>
    public static void Check(int err, string call, string? detail = null)
    {
        if (err == CL_SUCCESS) return;
        string name = ErrorName(err);
        // Allocation failures get their own type so callers (and the CLI) can say "out of device memory".
        if (err is -4 or -5 or -6) throw new DeviceOutOfMemoryException(call, name, err, detail);
        throw new NativeCallException(call, name, err, detail);
    }

    public static string ErrorName(int err) => err switch
    {
        0 => "CL_SUCCESS", -1 => "CL_DEVICE_NOT_FOUND", -2 => "CL_DEVICE_NOT_AVAILABLE", -3 => "CL_COMPILER_NOT_AVAILABLE",
        -4 => "CL_MEM_OBJECT_ALLOCATION_FAILURE", -5 => "CL_OUT_OF_RESOURCES", -6 => "CL_OUT_OF_HOST_MEMORY",
        -7 => "CL_PROFILING_INFO_NOT_AVAILABLE", -8 => "CL_MEM_COPY_OVERLAP", -9 => "CL_IMAGE_FORMAT_MISMATCH",
        -10 => "CL_IMAGE_FORMAT_NOT_SUPPORTED", -11 => "CL_BUILD_PROGRAM_FAILURE", -12 => "CL_MAP_FAILURE",
        -13 => "CL_MISALIGNED_SUB_BUFFER_OFFSET", -14 => "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST",
        -15 => "CL_COMPILE_PROGRAM_FAILURE", -16 => "CL_LINKER_NOT_AVAILABLE", -17 => "CL_LINK_PROGRAM_FAILURE",
        -18 => "CL_DEVICE_PARTITION_FAILED", -19 => "CL_KERNEL_ARG_INFO_NOT_AVAILABLE",
        -30 => "CL_INVALID_VALUE", -31 => "CL_INVALID_DEVICE_TYPE", -32 => "CL_INVALID_PLATFORM", -33 => "CL_INVALID_DEVICE",
        -34 => "CL_INVALID_CONTEXT", -35 => "CL_INVALID_QUEUE_PROPERTIES", -36 => "CL_INVALID_COMMAND_QUEUE",
        -37 => "CL_INVALID_HOST_PTR", -38 => "CL_INVALID_MEM_OBJECT", -39 => "CL_INVALID_IMAGE_FORMAT_DESCRIPTOR",
        -40 => "CL_INVALID_IMAGE_SIZE", -41 => "CL_INVALID_SAMPLER", -42 => "CL_INVALID_BINARY", -43 => "CL_INVALID_BUILD_OPTIONS",
        -44 => "CL_INVALID_PROGRAM", -45 => "CL_INVALID_PROGRAM_EXECUTABLE", -46 => "CL_INVALID_KERNEL_NAME",
        -47 => "CL_INVALID_KERNEL_DEFINITION", -48 => "CL_INVALID_KERNEL", -49 => "CL_INVALID_ARG_INDEX",
        -50 => "CL_INVALID_ARG_VALUE", -51 => "CL_INVALID_ARG_SIZE", -52 => "CL_INVALID_KERNEL_ARGS",
        -53 => "CL_INVALID_WORK_DIMENSION", -54 => "CL_INVALID_WORK_GROUP_SIZE", -55 => "CL_INVALID_WORK_ITEM_SIZE",
        -56 => "CL_INVALID_GLOBAL_OFFSET", -57 => "CL_INVALID_EVENT_WAIT_LIST", -58 => "CL_INVALID_EVENT",
        -59 => "CL_INVALID_OPERATION", -60 => "CL_INVALID_GL_OBJECT", -61 => "CL_INVALID_BUFFER_SIZE",
        -63 => "CL_INVALID_GLOBAL_WORK_SIZE", -64 => "CL_INVALID_PROPERTY", -1001 => "CL_PLATFORM_NOT_FOUND_KHR",
        _ => $"CL_ERROR_{err}",
    };
}
