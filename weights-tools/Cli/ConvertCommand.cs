using System.CommandLine;
using CnnEngine.Weights;
using CnnEngine.Weights.SafeTensors;

namespace CnnEngine.WeightsTools.Cli;

/// <summary>convert IN -o OUT.safetensors: F32 tensors "&lt;layer&gt;.kernel"/"&lt;layer&gt;.bias", Keras shapes, source sha256 in metadata.</summary>
public static class ConvertCommand
{
    public static Command Build()
    {
        var input = new Argument<string>("input") { Description = "Keras weights .h5 (any layout)" };
        var output = new Option<string>("--output", "-o") { Description = "Output .safetensors file", Required = true };
        var command = new Command("convert", "Convert Keras HDF5 weights to safetensors (memory-mappable, loads in milliseconds)");
        command.Arguments.Add(input);
        command.Options.Add(output);
        command.SetAction(parse => Run(parse.GetValue(input)!, parse.GetValue(output)!));
        return command;
    }

    private static int Run(string input, string output)
    {
        if (Path.GetFullPath(input) == Path.GetFullPath(output)) throw new WeightsException($"{output}: output would overwrite the input");
        using var store = WeightStore.Open(input);
        Vgg16Check.Validate(store);
        var report = Vgg16Check.Check(store, scanValues: true);
        foreach (string w in report.Warnings) Console.Error.WriteLine(w);
        var (_, sha256) = FileChecksums.Compute(input);
        var metadata = new Dictionary<string, string>
        {
            ["format_version"] = SafeTensorsWriter.FormatVersion,
            ["source_file"] = Path.GetFileName(input),
            ["source_sha256"] = sha256,
            ["source_layout"] = store.Layout.ToString(),
            ["includes_top"] = report.HasTop ? "true" : "false",
        };
        SafeTensorsWriter.Write(store, output, metadata);
        Console.WriteLine($"{output}: {store.TensorNames.Count} tensors, {report.Parameters:N0} parameters ({(report.HasTop ? "with top" : "no top")}) from {InspectCommand.Describe(store.Layout)}");
        return 0;
    }
}
