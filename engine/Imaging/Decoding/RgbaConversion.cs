namespace CnnEngine.Imaging.Decoding;

/// <summary>
/// From the codec's RGBA to PIL's <c>convert('RGB')</c>: alpha is dropped, never composited (what PIL does for RGBA,
/// LA and transparent palettes).
/// </summary>
internal static class RgbaConversion
{
    /// <param name="rgba">(H, W, 4) uint8, unpremultiplied.</param>
    /// <param name="rgb">(H, W, 3) uint8.</param>
    public static void DropAlpha(ReadOnlySpan<byte> rgba, Span<byte> rgb)
    {
        for (int i = 0, o = 0; o < rgb.Length; i += 4, o += 3)
        {
            rgb[o] = rgba[i];
            rgb[o + 1] = rgba[i + 1];
            rgb[o + 2] = rgba[i + 2];
        }
    }
}
