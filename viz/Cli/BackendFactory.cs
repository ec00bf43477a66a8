using System.CommandLine;
using CnnEngine.Backends;
using CnnEngine.Kernels;
using CnnEngine.Model;

namespace CnnEngine.Viz.Cli;

/// <summary>Opens the backend --device names (auto | cpu | cuda[:N] | opencl[:N] | ilgpu-cpu) through the kernels' device catalog.</summary>
public static class BackendFactory
{
    public static IForwardBackend Open(ParseResult parse, Vgg16Weights weights, CliConsole console) =>
        Open(parse.GetValue(CommonOptions.Device) ?? "auto", parse.GetValue(CommonOptions.ConvKernel), weights, console);

    public static IForwardBackend Open(string device, string? convKernel, Vgg16Weights weights, CliConsole console) =>
        Devices.Open(device, weights, console.Warn, convKernel);
}
