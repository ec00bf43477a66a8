using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CnnEngine.Weights;

namespace CnnEngine.WeightsTools.Cli;

/// <summary>inspect FILE [--json]: what a weights file holds, measured against VGG16.</summary>
public static class InspectCommand
{
    public static Command Build()
    {
        var file = new Argument<string>("file") { Description = "Weights file: Keras .h5 (any layout) or .safetensors" };
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of text" };
        var command = new Command("inspect", "Layers, shapes, dtypes, parameter counts, top present, checksums, layout");
        command.Arguments.Add(file);
        command.Options.Add(json);
        command.SetAction(parse => Run(parse.GetValue(file)!, parse.GetValue(json)));
        return command;
    }

    private static int Run(string path, bool asJson)
    {
        using var store = WeightStore.Open(path);
        var report = Vgg16Check.Check(store, scanValues: true);
        var (md5, sha256) = FileChecksums.Compute(path);
        string? release = md5 == KerasWeightsFile.Top.Md5 ? KerasWeightsFile.Top.FileName
            : md5 == KerasWeightsFile.NoTop.Md5 ? KerasWeightsFile.NoTop.FileName : null;
        var tensors = store.TensorNames.Select(name =>
        {
            int[] shape = store.GetShape(name);
            return new
            {
                name,
                shape,
                dtype = StoredType(store, name),
                parameters = shape.Aggregate(1L, (a, d) => a * d),
                source = (store as IWeightStoreDetails)?.StoredLocation(name),
            };
        }).ToList();
        foreach (string w in report.Warnings) Console.Error.WriteLine(w);
        if (asJson)
        {
            var doc = new
            {
                file = Path.GetFullPath(path),
                bytes = new FileInfo(path).Length,
                layout = store.Layout.ToString(),
                md5,
                sha256,
                kerasReleaseFile = release,
                vgg16 = report.IsVgg16,
                includesTop = report.HasTop,
                parameters = report.Parameters,
                layers = store.LayerNames,
                tensors,
                problems = report.Problems,
                warnings = report.Warnings,
                metadata = (store as IWeightStoreDetails)?.Metadata,
            };
            Console.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine($"file        {Path.GetFullPath(path)} ({new FileInfo(path).Length.ToString("N0", ci)} bytes)");
        Console.WriteLine($"layout      {Describe(store.Layout)}");
        Console.WriteLine($"md5         {md5}{(release is null ? "" : $"  (keras-applications release file {release})")}");
        Console.WriteLine($"sha256      {sha256}");
        Console.WriteLine($"VGG16       {(report.IsVgg16 ? "yes" : "no: " + string.Join("; ", report.Problems))}");
        Console.WriteLine($"top         {(report.HasTop ? "present (fc1, fc2, predictions)" : "absent (convolutional base only)")}");
        Console.WriteLine($"parameters  {report.Parameters.ToString("N0", ci)}");
        foreach (var (k, v) in (store as IWeightStoreDetails)?.Metadata ?? new Dictionary<string, string>())
            Console.WriteLine($"metadata    {k} = {v}");
        Console.WriteLine();
        int width = Math.Max(6, tensors.Select(t => t.name.Length).DefaultIfEmpty(0).Max());
        Console.WriteLine($"{"tensor".PadRight(width)}  {"shape",-22} {"dtype",-6} {"parameters",12}  source");
        foreach (var t in tensors)
            Console.WriteLine($"{t.name.PadRight(width)}  {Vgg16Check.Format(t.shape),-22} {t.dtype,-6} {t.parameters.ToString("N0", ci),12}  {t.source}");
        return 0;
    }

    private static string StoredType(IWeightStore store, string name) =>
        (store as IWeightStoreDetails)?.StoredDtype(name) ?? "F32";

    public static string Describe(WeightsLayout layout) => layout switch
    {
        WeightsLayout.KerasApplications => "keras-applications release file (layer_names, <layer>_W_1:0)",
        WeightsLayout.Keras2SaveWeights => "Keras 2 save_weights .h5 (layer_names, <layer>/kernel:0)",
        WeightsLayout.Keras3WeightsH5 => "Keras 3 .weights.h5 (layers/<class>/vars/0)",
        _ => "safetensors",
    };
}
