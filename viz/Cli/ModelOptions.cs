using System.CommandLine;
using CnnEngine.Imaging;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// --model FILE|vgg16|vgg19 and its companions (--config, --labels, --preprocess): which network the default run shows.
/// vgg16 (the default) is the VGG16 engine as before; anything else goes through <see cref="OwnModelRun"/>.
/// </summary>
public static class ModelOptions
{
    public static readonly Option<string?> Model = new("--model")
    {
        Description = "The network: vgg16 (default), vgg19, or your own Keras model (.h5 from model.save, .keras, or a .weights.h5 with --config)",
    };

    public static readonly Option<string?> Config = new("--config")
    {
        Description = "Architecture for a weights-only file: the config.json of a .keras, or model.to_json() saved to a file",
    };

    public static readonly Option<string?> Labels = new("--labels")
    {
        Description = "Class names for your model: one per line, a JSON list, or a JSON {index: name} object (default: class 0 … class N-1)",
    };

    public static readonly Option<string?> Preprocess = new("--preprocess")
    {
        Description = "Pixels → input for your model when it has no Rescaling layer: none (raw 0-255, the default), vgg (BGR minus ImageNet means), scale255 (x/255). vgg19 uses vgg.",
    };

    public static readonly Option<int> TopK = new("--top")
    {
        Description = "How many classes to print for your model (default 5)",
        DefaultValueFactory = _ => 5,
    };

    public static void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Config);
        command.Options.Add(Labels);
        command.Options.Add(Preprocess);
        command.Options.Add(TopK);
    }

    /// <summary>--model, --config, --labels, --preprocess (not --top, which the deconvnet commands use for themselves).</summary>
    public static void AddSelectionTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Config);
        command.Options.Add(Labels);
        command.Options.Add(Preprocess);
    }

    /// <summary>True when the run is not the built-in VGG16 engine.</summary>
    public static bool IsOwnModel(ParseResult parse)
    {
        string? model = parse.GetValue(Model);
        if (model is null || string.Equals(model, "vgg16", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var o in new Option[] { Config, Labels, Preprocess })
                if (parse.GetResult(o) is not null) throw new CliException($"{o.Name} applies to --model vgg19 or your own model, not to VGG16", 2);
            return false;
        }
        return true;
    }

    public static InputPreprocess? ParsePreprocess(string? text) => text switch
    {
        null => null,
        "none" => InputPreprocess.None,
        "vgg" => InputPreprocess.Vgg,
        "scale255" => InputPreprocess.Scale255,
        _ => throw new CliException($"--preprocess must be none, vgg or scale255, not '{text}'", 2),
    };
}
