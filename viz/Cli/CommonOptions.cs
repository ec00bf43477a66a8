using System.CommandLine;

namespace CnnEngine.Viz.Cli;

/// <summary>The options every engine-viz command shares: where the weights are, which device, how images are sized.</summary>
public static class CommonOptions
{
    public static readonly Option<string?> Weights = new("--weights")
    {
        Description = "Weights file (.h5 in any Keras layout, or .safetensors), or 'random' for seeded random weights. " +
                      "Default: $CNN_ENGINE_WEIGHTS, then ~/.keras/models, then ~/.cache/cnn-engine, then download.",
    };

    public static readonly Option<string> Device = new("--device")
    {
        Description = "auto | cpu | cuda[:N] | opencl[:N] | ilgpu-cpu (ILGPU's CPU emulator: slow, for tests and debugging). " +
                      "With --model, the deconvnet commands run their forward passes there; projections always run on the CPU",
        DefaultValueFactory = _ => "auto",
    };

    public static readonly Option<string?> ConvKernel = new("--conv-kernel")
    {
        Description = "GPU convolution kernel: naive | tiled | regblock | winograd (default: winograd on a GPU, regblock on ilgpu-cpu)",
    };

    public static readonly Option<string> Resize = new("--resize")
    {
        Description = "Resampling to 224×224 as keras.utils.load_img: nearest (Keras's default) or bilinear",
        DefaultValueFactory = _ => "nearest",
    };

    public static readonly Option<string> Size = new("--size")
    {
        Description = "224 (as Keras loads it) or native (keep the image's size; only without the top)",
        DefaultValueFactory = _ => "224",
    };

    public static readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "No progress or informational output" };

    public static readonly Option<bool> Json = new("--json") { Description = "Print a JSON summary on the last line of stdout" };

    public static readonly Option<bool> NoDownload = new("--no-download")
    {
        Description = "Never download weights; fall back to seeded random weights when none are found",
    };

    public static void AddTo(Command command, bool imageOptions = true)
    {
        command.Options.Add(Weights);
        command.Options.Add(Device);
        command.Options.Add(ConvKernel);
        command.Options.Add(NoDownload);
        if (imageOptions)
        {
            command.Options.Add(Resize);
            command.Options.Add(Size);
        }
        command.Options.Add(MemoryBudget.MaxMemory);
        command.Options.Add(Quiet);
        command.Options.Add(Json);
    }
}
