using CnnEngine.Tensors;

namespace CnnEngine.Imaging;

/// <summary>How pixels become a user model's input (after the model's own Rescaling layers, if any, do their part).</summary>
public enum InputPreprocess
{
    /// <summary>Raw 0…255 pixel values, as keras.utils.img_to_array gives them.</summary>
    None,
    /// <summary>vgg16/vgg19 preprocess_input: RGB → BGR minus (103.939, 116.779, 123.68).</summary>
    Vgg,
    /// <summary>x / 255.</summary>
    Scale255,
}

/// <summary>
/// <c>keras.utils.load_img(path, color_mode=…, target_size=(H, W))</c> + <c>img_to_array</c> for a user's model: the RGB
/// picture converted to grayscale as PIL's convert("L") does when the model takes one channel, resized (PIL nearest by
/// default) when the size differs, then <see cref="InputPreprocess"/>.
/// </summary>
public static class ModelInput
{
    /// <summary>What the network sees (grayscale pictures have R = G = B) and the (1, H, W, C) input tensor.</summary>
    public static NetworkImage Prepare(RgbImage original, int height, int width, int channels, ResizeMode resize, InputPreprocess preprocess)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"a model input has 1 or 3 channels, not {channels}");
        if (preprocess == InputPreprocess.Vgg && channels != 3) throw new ArgumentException("vgg preprocessing needs an RGB (3-channel) model");
        // Keras converts the color mode first, then resizes; on R = G = B every resampler gives the same as on L.
        RgbImage source = channels == 1 ? ToGrayscale(original) : original;
        RgbImage resized = source.Width == width && source.Height == height ? source : ImageResizer.Resize(source, width, height, resize);
        var input = new Tensor(1, height, width, channels);
        ReadOnlySpan<byte> rgb = resized.Pixels;
        Span<float> x = input.Data;
        for (int p = 0; p < height * width; p++)
        {
            if (channels == 1)
            {
                x[p] = preprocess == InputPreprocess.Scale255 ? rgb[3 * p] / 255f : rgb[3 * p];
                continue;
            }
            for (int c = 0; c < 3; c++)
            {
                float v = rgb[3 * p + c];
                switch (preprocess)
                {
                    case InputPreprocess.Vgg:
                        x[3 * p + 2 - c] = v - (c == 0 ? KerasPreprocess.MeanR : c == 1 ? KerasPreprocess.MeanG : KerasPreprocess.MeanB);
                        break;
                    case InputPreprocess.Scale255: x[3 * p + c] = v / 255f; break;
                    default: x[3 * p + c] = v; break;
                }
            }
        }
        return new NetworkImage(original, resized, input);
    }

    /// <summary>PIL's convert("L"): L = (19595·R + 38470·G + 7471·B + 0x8000) >> 16, stored as R = G = B.</summary>
    public static RgbImage ToGrayscale(RgbImage image)
    {
        var gray = new RgbImage(image.Width, image.Height);
        ReadOnlySpan<byte> src = image.Pixels;
        Span<byte> dst = gray.Pixels;
        for (int i = 0; i < src.Length; i += 3)
        {
            byte l = (byte)((src[i] * 19595 + src[i + 1] * 38470 + src[i + 2] * 7471 + 0x8000) >> 16);
            dst[i] = dst[i + 1] = dst[i + 2] = l;
        }
        return gray;
    }
}
