using CnnEngine.Tensors;

namespace CnnEngine.Imaging;

/// <summary>What the network gets from one file: the decoded picture, the resized one, and the input tensor.</summary>
/// <param name="Original">The file as decoded (RGB, its own size).</param>
/// <param name="Resized">What the network sees: <see cref="Original"/> resized, or the same object at native size.</param>
/// <param name="Input">(1, H, W, 3) BGR, mean-subtracted (vgg16.preprocess_input).</param>
public sealed record NetworkImage(RgbImage Original, RgbImage Resized, Tensor Input);

/// <summary><c>keras.utils.load_img(path, target_size=…)</c> followed by <c>vgg16.preprocess_input</c>.</summary>
public static class ImagePipeline
{
    /// <param name="targetSize">Network input size (224×224 for weights with the top); null keeps the image's own size.</param>
    /// <exception cref="ImageException">Unreadable, corrupt, unsupported or oversized file, or a network input under 32×32.</exception>
    public static NetworkImage LoadForNetwork(string path, ImageSize? targetSize, ResizeMode resize = ResizeMode.Nearest)
    {
        if (targetSize is { } t && (t.Width < ImageLimits.MinNetworkSide || t.Height < ImageLimits.MinNetworkSide))
            throw new ImageTooSmallException(path, $"network input {t} is smaller than VGG16's minimum {ImageLimits.MinNetworkSide}x{ImageLimits.MinNetworkSide}");
        RgbImage original = ImageLoader.Load(path);
        return Prepare(original, targetSize, resize, path);
    }

    /// <summary>The same for an image already in memory; <paramref name="name"/> is used in error messages.</summary>
    public static NetworkImage Prepare(RgbImage original, ImageSize? targetSize, ResizeMode resize, string name = "<image>")
    {
        RgbImage resized = Resized(original, targetSize, resize, name);
        return new NetworkImage(original, resized, KerasPreprocess.ToInput(resized));
    }

    /// <summary>
    /// Only the network input of <see cref="LoadForNetwork"/>, written into <paramref name="destination"/>
    /// (H, W, 3) of <paramref name="targetSize"/>: for a scan that fills one reused batch buffer image by image.
    /// </summary>
    public static void LoadInto(string path, ImageSize targetSize, ResizeMode resize, Span<float> destination)
    {
        if ((long)targetSize.Width * targetSize.Height * 3 != destination.Length)
            throw new ArgumentException($"destination holds {destination.Length} floats, a {targetSize} input needs {(long)targetSize.Width * targetSize.Height * 3}", nameof(destination));
        KerasPreprocess.Write(Resized(ImageLoader.Load(path), targetSize, resize, path), destination);
    }

    private static RgbImage Resized(RgbImage original, ImageSize? targetSize, ResizeMode resize, string name)
    {
        ImageSize size = targetSize ?? new ImageSize(original.Width, original.Height);
        if (size.Width < ImageLimits.MinNetworkSide || size.Height < ImageLimits.MinNetworkSide)
            throw new ImageTooSmallException(name,
                $"{(targetSize is null ? "image" : "network input")} is {size}, smaller than VGG16's minimum {ImageLimits.MinNetworkSide}x{ImageLimits.MinNetworkSide}"
                + (targetSize is null ? " (use a larger image or a fixed input size)" : ""));
        return ImageResizer.Resize(original, size, resize);
    }
}
