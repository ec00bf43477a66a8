using CnnEngine.Deconv;
using CnnEngine.Viz.Cli;

namespace CnnEngine.Viz.Deconv;

/// <summary>
/// Runs a command body. A deconvnet request error becomes a <see cref="CliException"/>, which the CLI's own handler
/// (EngineVizCli.Fail) prints as one line with a non-zero exit, like every other failure.
/// </summary>
internal static class CommandRunner
{
    public static int Run(Func<int> body)
    {
        try { return body(); }
        catch (DeconvException e) { throw new CliException(e.Message); }
    }

    /// <summary>An output folder that may exist already (files inside are each written atomically).</summary>
    public static string EnsureFolder(string path)
    {
        try { Directory.CreateDirectory(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"cannot create {path}: {e.Message}"); }
        if (File.Exists(path)) throw new CliException($"{path} is a file, not a folder");
        return path;
    }
}
