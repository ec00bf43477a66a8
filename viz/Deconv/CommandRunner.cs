using System.CommandLine;
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

    public static readonly Option<bool> Force = new("--force")
    {
        Description = "Write even while another engine-viz run holds the output folder, and into a non-empty --export-npy folder",
    };

    /// <summary>
    /// Checks every output before any work: --export-npy must be empty (unless --force) and writable; --out is created
    /// and locked against a concurrent run (unless --force). Dispose the lock when the command ends.
    /// </summary>
    public static OutputLock PrepareOutputs(ParseResult r, string outDir, string? npyDir)
    {
        bool force = r.GetValue(Force);
        if (npyDir is not null)
        {
            if (File.Exists(npyDir)) throw new CliException($"--export-npy {npyDir} is a file, not a folder");
            if (!force && OutputLock.HasContent(npyDir))
                throw new CliException($"--export-npy folder {npyDir} is not empty (use --force to write into it anyway)");
            EnsureFolder(npyDir);
        }
        return OutputLock.Acquire(outDir, force);
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
