using System.CommandLine;
using System.Globalization;
using CnnEngine.Backends.Model;
using CnnEngine.Deconv;
using CnnEngine.Imaging;
using CnnEngine.Model.Cnn;
using CnnEngine.Tensors;
using CnnEngine.Viz.Cli;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Deconv;

/// <summary>
/// A user's model (--model FILE|vgg19, with --config, --labels, --preprocess, --device) opened for the deconvnet
/// commands through <see cref="OwnModelSession"/> (the same checks, loading and image preparation as the default run),
/// plus what those commands need of it: class names, the pictures of its input space, default layers. Layer names are
/// the model's Keras layer names. The forward passes run on --device; projections always run on the CPU
/// (<see cref="CnnProjector"/> reads the recorded outputs and switches).
/// </summary>
internal sealed class OwnModelDeconv : IDisposable
{
    private readonly OwnModelSession _session;
    public CnnModel Model => _session.Model;
    public ICnnBackend Backend => _session.Backend;
    public InputPreprocess Preprocess => _session.Preprocess;
    public ResizeMode Resize => _session.Resize;
    /// <summary>The photo as fed (commands with an IMAGE argument).</summary>
    public NetworkImage Image => _session.Image ?? throw new InvalidOperationException("this command has no image");
    /// <summary>Class names when the model's output is a vector, else null.</summary>
    public string[]? Labels => _session.Labels;

    internal OwnModelDeconv(OwnModelSession session) => _session = session;

    /// <summary>
    /// Decodes <paramref name="imagePath"/> when given (first, so a bad image fails before the model loads) and opens
    /// the model. Commands without image options (features, merge) resize with PIL's nearest, as load_img does.
    /// </summary>
    public static OwnModelDeconv Open(ParseResult r, string? imagePath, CliConsole console, OwnModelSession.Needs? needs = null) =>
        new(OwnModelSession.Open(r, imagePath, console, needs));

    public string LabelOf(int k) => Labels is not null && (uint)k < (uint)Labels.Length ? Labels[k] : $"class {k}";

    /// <summary>What the network sees, as a picture (grayscale models: R = G = B).</summary>
    public RgbCanvas InputPicture() => new(Image.Resized.Width, Image.Resized.Height, (byte[])Image.Resized.Pixels.Clone());

    /// <summary>A projection (1, H, W, C) in this model's input space as a picture (grey = 0).</summary>
    public RgbCanvas Picture(Tensor projection, int n = 0) => ProjectionPicture.Normalized(projection, Preprocess == InputPreprocess.Vgg, n);

    /// <summary>A mid-grey pixel (128, 128, 128) as this model is fed: the occluder.</summary>
    public float[] GreyPixel()
    {
        int c = Model.Input.Channels;
        return Preprocess switch
        {
            InputPreprocess.Scale255 => Enumerable.Repeat(128f / 255f, c).ToArray(),
            InputPreprocess.Vgg => new[] { 128f - KerasPreprocess.MeanB, 128f - KerasPreprocess.MeanG, 128f - KerasPreprocess.MeanR },
            _ => Enumerable.Repeat(128f, c).ToArray(),
        };
    }

    /// <summary>A layer a projection or an occlusion can track, by its Keras name (one clear line listing the valid ones otherwise).</summary>
    public CnnLayer MapLayer(string name) => CnnProjector.Find(Model, name);

    /// <summary>Z&amp;F's layer 1: the first pool (the first layer's output block), else the first feature-map layer.</summary>
    public string DefaultEarlyLayer()
    {
        var maps = CnnProjector.ProjectableLayers(Model);
        if (maps.Count == 0) throw new DeconvException($"{Model.Name} has no feature-map layer");
        return (maps.FirstOrDefault(l => l is PoolLayer) ?? maps[0]).Name;
    }

    /// <summary>Z&amp;F's layer 7: the last hidden dense layer, else the last flat layer before the output.</summary>
    public string DefaultDenseLayer()
    {
        var hidden = Model.Layers.Take(Model.Layers.Count - 1).Where(l => l.Output.Flat).ToArray();
        var dense = hidden.LastOrDefault(l => l is DenseLayer) ?? hidden.LastOrDefault();
        return dense?.Name ?? throw new DeconvException($"{Model.Name} has no hidden flat layer to measure (pass --dense-layer)");
    }

    /// <summary>A layer by name for the invariance distances; any layer of the model but the output.</summary>
    public string AnyLayer(string name, string option)
    {
        if (Model.Find(name) is not null) return name;
        throw new DeconvException($"{option} {name}: {Model.Name} has no such layer (layers: {string.Join(", ", Model.Layers.Select(l => l.Name))})");
    }

    /// <summary>A default scaled from VGG16's 224-pixel input to this model's (e.g. the occluder's side).</summary>
    public int ScaledFrom224(int value) => Math.Max(1, (int)Math.Round(value * Math.Min(Model.Input.Height, Model.Input.Width) / 224.0));

    public string ScaledTranslateRange()
    {
        int reach = ScaledFrom224(60), step = ScaledFrom224(10);
        return string.Create(CultureInfo.InvariantCulture, $"-{reach}:{reach}:{step}");
    }

    /// <summary>The dataset scan's view of this model.</summary>
    public CnnFeatureNetwork FeatureNetwork() => new(Backend, Resize, Preprocess);

    public void Dispose() => _session.Dispose();
}
