using CnnEngine.Deconv;
using CnnEngine.Viz.Cli;

namespace CnnEngine.Viz.Deconv;

/// <summary>Runs a command body; every expected failure becomes one clear line on stderr and a non-zero exit.</summary>
internal static class CommandRunner
{
    public static int Run(Func<int> body)
    {
        try { return body(); }
        catch (CliException e) { return Fail(e.Message, e.ExitCode); }
        catch (DeconvException e) { return Fail(e.Message, 1); }
        catch (CnnEngine.Imaging.ImageException e) { return Fail(e.Message, 1); }
        catch (CnnEngine.Weights.WeightsException e) { return Fail(e.Message, 1); }
        catch (CnnEngine.Kernels.DeviceException e) { return Fail(e.Message, 1); }
        catch (IOException e) { return Fail(e.Message, 1); }
        catch (UnauthorizedAccessException e) { return Fail(e.Message, 1); }
    }

    private static int Fail(string message, int code)
    {
        System.Console.Error.WriteLine("error: " + message.Split('\n')[0].Trim());
        return code == 0 ? 1 : code;
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
