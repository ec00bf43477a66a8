using System.CommandLine;
using CnnEngine.Imaging;
using CnnEngine.Model;

namespace CnnEngine.Viz.Cli;

/// <summary>Turns --resize and --size into the Keras-exact image pipeline's arguments, and checks them against the weights.</summary>
public static class ImageInput
{
    public sealed record Sizing(bool Native, ResizeMode Resize)
    {
        public static Sizing FromParse(ParseResult parse)
        {
            string resize = parse.GetValue(CommonOptions.Resize) ?? "nearest";
            string size = parse.GetValue(CommonOptions.Size) ?? "224";
            ResizeMode mode = resize switch
            {
                "nearest" => ResizeMode.Nearest,
                "bilinear" => ResizeMode.Bilinear,
                _ => throw new CliException($"--resize must be nearest or bilinear, not '{resize}'", 2),
            };
            return size switch
            {
                "224" => new Sizing(false, mode),
                "native" => new Sizing(true, mode),
                _ => throw new CliException($"--size must be 224 or native, not '{size}'", 2),
            };
        }
    }

    /// <summary>Decodes the file (fails fast on a bad image, before any weights are loaded).</summary>
    public static RgbImage Decode(string path) => ImageLoader.Load(path);

    /// <summary>Resizes and preprocesses for the network; weights with the top need exactly 224×224.</summary>
    public static NetworkImage Prepare(string path, RgbImage original, Sizing sizing, bool hasTop)
    {
        if (sizing.Native && hasTop && (original.Width != Vgg16Architecture.TopInputSize || original.Height != Vgg16Architecture.TopInputSize))
            throw new CliException($"{path}: weights with the top need a 224×224 input but the image is {original.Width}×{original.Height}; " +
                                   "drop --size native, or use weights without the top");
        ImageSize? target = sizing.Native ? null : ImageSize.Vgg16Top;
        return ImagePipeline.Prepare(original, target, sizing.Resize, path);
    }
}
