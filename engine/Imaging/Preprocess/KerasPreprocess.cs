using CnnEngine.Tensors;

namespace CnnEngine.Imaging;

/// <summary>
/// <c>keras.applications.vgg16.preprocess_input</c> (Keras "caffe" mode): RGB → BGR, then subtract the ImageNet
/// channel means (103.939, 116.779, 123.68) for (B, G, R); no scaling. Arithmetic is float32, as numpy does it
/// on Keras's float32 array: out = (float)pixel - (float)mean.
/// </summary>
public static class KerasPreprocess
{
    public const float MeanB = 103.939f, MeanG = 116.779f, MeanR = 123.68f;

    /// <summary>Packs same-sized images into the engine input (N, H, W, 3), BGR, mean-subtracted.</summary>
    public static Tensor ToInput(params RgbImage[] images)
    {
        if (images.Length == 0) throw new ArgumentException("at least one image is needed", nameof(images));
        int width = images[0].Width, height = images[0].Height;
        foreach (RgbImage image in images)
            if (image.Width != width || image.Height != height)
                throw new ArgumentException($"a batch needs images of one size; got {width}x{height} and {image.Width}x{image.Height}", nameof(images));
        var input = new Tensor(images.Length, height, width, 3);
        for (int n = 0; n < images.Length; n++) Write(images[n], input.Image(n));
        return input;
    }

    /// <summary>Writes one image as (H, W, 3) BGR mean-subtracted floats into <paramref name="destination"/>.</summary>
    public static void Write(RgbImage image, Span<float> destination)
    {
        ReadOnlySpan<byte> rgb = image.Pixels; // (H, W, 3) RGB
        if (destination.Length != rgb.Length)
            throw new ArgumentException($"destination holds {destination.Length} floats, the image needs {rgb.Length}", nameof(destination));
        for (int i = 0; i < rgb.Length; i += 3)
        {
            destination[i] = rgb[i + 2] - MeanB;
            destination[i + 1] = rgb[i + 1] - MeanG;
            destination[i + 2] = rgb[i] - MeanR;
        }
    }

    /// <summary>
    /// The inverse, for showing an input-space tensor (e.g. a deconvnet projection of the input): add the means back,
    /// BGR → RGB, round to nearest and clamp to 0..255. Reads image <paramref name="n"/> of an (N, H, W, 3) tensor.
    /// </summary>
    public static RgbImage ToRgbImage(Tensor input, int n = 0)
    {
        if (input.Rank != 4 || input.Shape[3] != 3)
            throw new ArgumentException($"expected an (N, H, W, 3) tensor, got {ShapeMath.Format(input.Shape)}", nameof(input));
        int height = input.Shape[1], width = input.Shape[2];
        ReadOnlySpan<float> bgr = input.Image(n); // (H, W, 3) BGR
        var image = new RgbImage(width, height);
        byte[] rgb = image.Pixels;
        for (int i = 0; i < bgr.Length; i += 3)
        {
            rgb[i] = ToByte(bgr[i + 2] + MeanR);
            rgb[i + 1] = ToByte(bgr[i + 1] + MeanG);
            rgb[i + 2] = ToByte(bgr[i] + MeanB);
        }
        return image;
    }

    private static byte ToByte(float v) => float.IsNaN(v) ? (byte)0 : (byte)Math.Clamp(MathF.Round(v), 0f, 255f);
}
