using System.Runtime.InteropServices;

namespace CnnEngine.Imaging.Jpeg;

/// <summary>
/// The TurboJPEG 2.x C API of libjpeg-turbo (Debian package libturbojpeg0), only what decoding needs.
/// <c>unsigned long</c> sizes are <see cref="CULong"/> so the signatures hold on every ABI.
/// </summary>
internal static unsafe partial class TurboJpegNative
{
    public const string Library = "libturbojpeg.so.0";

    // enum TJPF
    public const int PixelFormatRgb = 0;
    // enum TJCS
    public const int ColorspaceRgb = 0, ColorspaceYCbCr = 1, ColorspaceGray = 2, ColorspaceCmyk = 3, ColorspaceYcck = 4;
    // enum TJERR
    public const int ErrorWarning = 0, ErrorFatal = 1;

    [LibraryImport(Library)]
    public static partial TurboJpegHandle tjInitDecompress();

    [LibraryImport(Library)]
    public static partial int tjDecompressHeader3(TurboJpegHandle handle, byte* jpegBuf, CULong jpegSize,
        int* width, int* height, int* jpegSubsamp, int* jpegColorspace);

    [LibraryImport(Library)]
    public static partial int tjDecompress2(TurboJpegHandle handle, byte* jpegBuf, CULong jpegSize,
        byte* dstBuf, int width, int pitch, int height, int pixelFormat, int flags);

    /// <summary>Returns a pointer to a C string owned by the library (per handle, or thread-global for a null handle).</summary>
    [LibraryImport(Library)]
    public static partial nint tjGetErrorStr2(TurboJpegHandle handle);

    [LibraryImport(Library)]
    public static partial int tjGetErrorCode(TurboJpegHandle handle);

    [LibraryImport(Library)]
    public static partial int tjDestroy(nint handle);

    public static string LastError(TurboJpegHandle handle)
    {
        nint text = tjGetErrorStr2(handle);
        return text == 0 ? "unknown libjpeg-turbo error" : Marshal.PtrToStringUTF8(text) ?? "unknown libjpeg-turbo error";
    }
}

/// <summary>Owns a tjhandle; tjDestroy runs exactly once, even when decoding throws.</summary>
internal sealed class TurboJpegHandle : SafeHandle
{
    public TurboJpegHandle() : base(0, ownsHandle: true) { }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle() => TurboJpegNative.tjDestroy(handle) == 0;
}
