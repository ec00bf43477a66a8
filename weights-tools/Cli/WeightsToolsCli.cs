using System.CommandLine;
using CnnEngine.Weights;

namespace CnnEngine.WeightsTools.Cli;

/// <summary>Builds the command tree and turns every failure into one line on stderr and a non-zero exit code.</summary>
public static class WeightsToolsCli
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("weights-tools: inspect, convert and download Keras VGG16 weights (pure C#, no Python)");
        root.Subcommands.Add(InspectCommand.Build());
        root.Subcommands.Add(ConvertCommand.Build());
        root.Subcommands.Add(DownloadCommand.Build());

        // SIGINT / SIGTERM remove an unfinished convert or download (its temp file) and exit 130 / 143.
        using var signals = PendingOutputs.InstallSignalHandlers("weights-tools");
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
        {
            Console.Error.WriteLine($"weights-tools: error: {parse.Errors[0].Message} (see weights-tools --help)");
            return 2;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    public static int Fail(Exception e)
    {
        if (PendingOutputs.Interrupted) Thread.Sleep(Timeout.Infinite);   // the interrupt exits with its own line and code
        string message = e switch
        {
            WeightsException or IOException or UnauthorizedAccessException or ArgumentException => e.Message,
            _ => $"{e.GetType().Name}: {e.Message}",
        };
        int nl = message.IndexOf('\n');
        Console.Error.WriteLine("weights-tools: error: " + (nl < 0 ? message : message[..nl]));
        if (Environment.GetEnvironmentVariable("CNN_ENGINE_DEBUG") == "1") Console.Error.WriteLine(e);
        return 1;
    }
}
