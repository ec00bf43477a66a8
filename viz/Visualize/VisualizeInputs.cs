using CnnEngine.Tensors;
using CnnEngine.Viz.Report;

namespace CnnEngine.Viz.Visualize;

/// <summary>The picture the network saw: Rgb is (H, W, 3), 8-bit, row-major.</summary>
public sealed record InputPicture(int Width, int Height, byte[] Rgb)
{
    public void Validate()
    {
        if (Width <= 0 || Height <= 0 || Rgb.Length != (long)Width * Height * 3)
            throw new ArgumentException($"input picture {Width}x{Height} has {Rgb.Length} bytes, needs {(long)Width * Height * 3}");
    }
}

/// <summary>One of the top-5 classes (when the weights have the top).</summary>
public sealed record ClassScore(int ClassIndex, string Label, float Probability);

/// <summary>
/// Everything the default run needs from the forward pass and the CLI.
/// </summary>
/// <param name="ImagePath">The image file as given (its name names the default output folder and the report).</param>
/// <param name="Picture">The resized RGB picture fed to the network.</param>
/// <param name="Activations">Every conv-base layer's output by Keras name (block1_conv1 … block5_pool), each (1, H, W, C).</param>
/// <param name="Switches">Pool switches by pool name (not drawn here; carried for report sections).</param>
/// <param name="Top5">Best five classes, best first; null without the top.</param>
/// <param name="WeightsDescription">Where the weights came from, shown in the report.</param>
/// <param name="RandomWeights">True for seeded random weights: stamps the warning on every picture and the report.</param>
/// <param name="DeviceName">The device the forward pass ran on.</param>
/// <param name="NpyExports">.npy files to link from the report: paths relative to the output folder, or absolute.</param>
/// <param name="ExtraSections">More report sections (e.g. from the deconvnet), appended after the layers.</param>
public sealed record VisualizeInputs(
    string ImagePath,
    InputPicture Picture,
    IReadOnlyDictionary<string, Tensor> Activations,
    IReadOnlyDictionary<string, IntTensor>? Switches = null,
    IReadOnlyList<ClassScore>? Top5 = null,
    string WeightsDescription = "",
    bool RandomWeights = false,
    string DeviceName = "cpu",
    IReadOnlyList<string>? NpyExports = null,
    IReadOnlyList<ReportSection>? ExtraSections = null);

/// <summary>One file a run wrote. RelativePath is relative to <see cref="VisualizeResult.OutputDirectory"/>, with '/'.</summary>
public sealed record WrittenFile(string RelativePath, string Kind, long Bytes);

/// <summary>What a run wrote, for the CLI's --json summary.</summary>
public sealed record VisualizeResult(string OutputDirectory, IReadOnlyList<WrittenFile> Files, (int X, int Y) ZoomTarget, TimeSpan Elapsed);
