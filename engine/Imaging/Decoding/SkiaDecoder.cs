using SkiaSharp;

namespace CnnEngine.Imaging.Decoding;

/// <summary>
/// Decodes a file whose header already passed the budgets, through Skia's codecs (libjpeg-turbo, libpng, libwebp and
/// Skia's own BMP and GIF readers, all inside SkiaSharp's native library): <c>SKCodec.Create</c> + <c>GetPixels</c> into
/// an unpremultiplied RGBA buffer with no color space (so no ICC or gAMA transform, as PIL), then alpha dropped.
/// A file Skia reports as incomplete or damaged is refused whole; Skia would have filled the rest.
/// </summary>
internal static unsafe class SkiaDecoder
{
    public static RgbImage Decode(ReadOnlySpan<byte> file, string name, HeaderFacts facts)
    {
        string format = ImageFormatDetector.Name(facts.Header.Format);
        fixed (byte* bytes = file)
        {
            // Wraps the caller's bytes without copying; the codec (and the data) are gone before `fixed` ends.
            using SKData data = SKData.Create((nint)bytes, file.Length, static (_, _) => { });
            using SKCodec codec = CreateCodec(data, name, format);
            SKImageInfo info = codec.Info;
            if (info.Width != facts.Header.Width || info.Height != facts.Header.Height)
                throw new CorruptImageException(name, $"{format} header says {facts.Header.Width}x{facts.Header.Height} but the codec reads {info.Width}x{info.Height}");

            // 16-bit PNG samples arrive as their high byte (libpng's strip_16), as PIL's ;16B raw modes give them.
            var target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            int rgbaBytes = checked(target.BytesSize);
            byte[] rented = ScratchBytes.Rent(rgbaBytes);
            try
            {
                Span<byte> rgba = rented.AsSpan(0, rgbaBytes); // (H, W, 4)
                SKCodecResult result;
                fixed (byte* pixels = rgba)
                {
                    // Frame 0 only: a GIF's first frame, as PIL's Image.open shows it.
                    result = codec.GetPixels(target, (nint)pixels, target.RowBytes, new SKCodecOptions(0));
                }
                if (result == SKCodecResult.InvalidInput)
                    throw new CorruptImageException(name, $"{format} is corrupt: the decoder gave up on its image data");
                ThrowUnlessSuccess(result, name, format);
                var image = new RgbImage(info.Width, info.Height);
                RgbaConversion.DropAlpha(rgba, image.Pixels);
                if (facts.Header.Format == ImageFormat.Gif && GifTransparentColor.Find(file) is { } color)
                    GifTransparentColor.Apply(color, rgba, image.Pixels);
                return image;
            }
            finally
            {
                ScratchBytes.Return(rented);
            }
        }
    }

    private static SKCodec CreateCodec(SKData data, string name, string format)
    {
        SKCodec? codec;
        SKCodecResult result;
        try
        {
            codec = SKCodec.Create(new SKMemoryStream(data), out result);
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException)
        {
            throw new ImageCodecMissingException(name,
                $"cannot decode {format}: SkiaSharp's native library (libSkiaSharp) could not be loaded on this platform ({e.GetBaseException().Message})", e);
        }
        if (codec is null)
        {
            ThrowUnlessSuccess(result == SKCodecResult.Success ? SKCodecResult.InvalidInput : result, name, format);
            throw new CorruptImageException(name, $"{format} header is unreadable");
        }
        return codec;
    }

    private static void ThrowUnlessSuccess(SKCodecResult result, string name, string format)
    {
        switch (result)
        {
            case SKCodecResult.Success:
                return;
            case SKCodecResult.IncompleteInput:
                throw new CorruptImageException(name, $"{format} is corrupt or truncated: its image data ends before the last row");
            case SKCodecResult.ErrorInInput:
                throw new CorruptImageException(name, $"{format} is corrupt: its image data is damaged");
            case SKCodecResult.InvalidInput:
                throw new CorruptImageException(name, $"{format} header is corrupt or incomplete (the decoder cannot read it)");
            case SKCodecResult.Unimplemented:
            case SKCodecResult.InvalidConversion:
                throw new UnsupportedImageFormatException(name, $"this {format} flavour cannot be decoded ({result})");
            default:
                throw new CorruptImageException(name, $"{format} could not be decoded ({result})");
        }
    }
}
