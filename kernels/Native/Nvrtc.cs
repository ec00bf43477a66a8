using System.Runtime.InteropServices;

namespace CnnEngine.Kernels.Native;

/// <summary>
/// NVRTC, CUDA's run-time compiler: CUDA C source → PTX, which the driver then loads (and JIT-compiles) with
/// cuModuleLoadData. The library name carries the CUDA major version (libnvrtc.so.12, nvrtc64_120_0.dll),
/// so <see cref="NativeLibraries"/> resolves it by trying the versions we know.
/// </summary>
internal static unsafe partial class Nvrtc
{
    public const string Lib = "nvrtc";
    public const int NVRTC_SUCCESS = 0;

    [LibraryImport(Lib)] public static partial int nvrtcVersion(int* major, int* minor);
    [LibraryImport(Lib)] public static partial int nvrtcCreateProgram(nint* program, byte* source, byte* name, int numHeaders, byte** headers, byte** includeNames);
    [LibraryImport(Lib)] public static partial int nvrtcCompileProgram(nint program, int numOptions, byte** options);
    [LibraryImport(Lib)] public static partial int nvrtcGetProgramLogSize(nint program, nuint* size);
    [LibraryImport(Lib)] public static partial int nvrtcGetProgramLog(nint program, byte* log);
    [LibraryImport(Lib)] public static partial int nvrtcGetPTXSize(nint program, nuint* size);
    [LibraryImport(Lib)] public static partial int nvrtcGetPTX(nint program, byte* ptx);
    [LibraryImport(Lib)] public static partial int nvrtcDestroyProgram(nint* program);

    public static void Check(int err, string call)
    {
        if (err != NVRTC_SUCCESS) throw new NativeCallException(call, ErrorName(err), err);
    }

    public static string ErrorName(int err) => err switch
    {
        1 => "NVRTC_ERROR_OUT_OF_MEMORY", 2 => "NVRTC_ERROR_PROGRAM_CREATION_FAILURE", 3 => "NVRTC_ERROR_INVALID_INPUT",
        4 => "NVRTC_ERROR_INVALID_PROGRAM", 5 => "NVRTC_ERROR_INVALID_OPTION", 6 => "NVRTC_ERROR_COMPILATION",
        7 => "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE", 8 => "NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION",
        9 => "NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION", 10 => "NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID",
        11 => "NVRTC_ERROR_INTERNAL_ERROR", _ => $"NVRTC_ERROR_{err}",
    };
}
