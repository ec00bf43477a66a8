namespace CnnEngine.Imaging;

/// <summary>PIL's <c>img.resize((width, height), resample)</c> for RGB images, bit-exact with Pillow.</summary>
public static class ImageResizer
{
    /// <summary>Returns <paramref name="image"/> itself when it already has the size (PIL copies; Keras skips the call).</summary>
    public static RgbImage Resize(RgbImage image, int width, int height, ResizeMode mode)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"target size {width}x{height} must be positive");
        if (width == image.Width && height == image.Height) return image;
        return mode switch
        {
            ResizeMode.Nearest => NearestResizePil.Resize(image, width, height),
            ResizeMode.Bilinear => BilinearResizePil.Resize(image, width, height),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown resize mode"),
        };
    }

    public static RgbImage Resize(RgbImage image, ImageSize size, ResizeMode mode) => Resize(image, size.Width, size.Height, mode);
}
