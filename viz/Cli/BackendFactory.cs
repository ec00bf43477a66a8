using System.CommandLine;
using CnnEngine.Backends;
using CnnEngine.Backends.Model;
using CnnEngine.Kernels;
using CnnEngine.Model;
using CnnEngine.Model.Cnn;

namespace CnnEngine.Viz.Cli;

/// <summary>Opens the backend --device names (auto | cpu | cuda[:N] | opencl[:N] | ilgpu-cpu) through the kernels' device catalog.</summary>
public static class BackendFactory
{
    public static IForwardBackend Open(ParseResult parse, Vgg16Weights weights, CliConsole console) =>
        Open(parse.GetValue(CommonOptions.Device) ?? "auto", parse.GetValue(CommonOptions.ConvKernel), weights, console);

    public static IForwardBackend Open(string device, string? convKernel, Vgg16Weights weights, CliConsole console) =>
        Devices.Open(device, weights, console.Warn, convKernel);

    /// <summary>A user's own CNN on --device: the CPU engine, or the general kernels on a kernel device (same rules and errors).</summary>
    public static ICnnBackend OpenCnn(string device, CnnModel model, CliConsole console) =>
        CnnDevices.Open(device, model, console.Warn);
}
