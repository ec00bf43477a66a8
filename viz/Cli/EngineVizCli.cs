using System.CommandLine;
using CnnEngine.Imaging;
using CnnEngine.Weights;

namespace CnnEngine.Viz.Cli;

/// <summary>Builds the command tree and turns every failure into one clear line and a non-zero exit code.</summary>
public static class EngineVizCli
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("engine-viz: run VGG16 by hand and show what each layer sees");
        RunCommand.Configure(root);
        root.Subcommands.Add(BenchCommand.Build());
        CnnEngine.Viz.Deconv.DeconvCommands.AddTo(root);
        root.Subcommands.Add(ServeCommand.Build());

        // SIGINT / SIGTERM remove the unfinished outputs (temp folders and files, locks) and exit 130 / 143.
        using var signals = PendingOutputs.InstallSignalHandlers("engine-viz");
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0 && !IsHelp(args))
        {
            System.Console.Error.WriteLine($"engine-viz: error: {parse.Errors[0].Message} (see engine-viz --help)");
            return 2;
        }
        if (IsHelp(args) && parse.CommandResult.Command is not RootCommand)
        {
            // A subcommand's help, without the root's <image> argument (see HelpLayout).
            var help = new StringWriter();
            int code = parse.Invoke(new InvocationConfiguration { Output = help, EnableDefaultExceptionHandler = false });
            System.Console.Out.Write(HelpLayout.WithoutRootArguments(help.ToString(), root));
            return code;
        }
        try
        {
            // Our own handler below prints one line; System.CommandLine's default would print a stack trace.
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    /// <summary>Prints one line for a failure and picks the exit code. Unknown failures still get one line.</summary>
    public static int Fail(Exception e)
    {
        // An interrupt is removing the outputs under this run's feet and will exit with its own code and line.
        if (PendingOutputs.Interrupted) Thread.Sleep(Timeout.Infinite);
        string message = e switch
        {
            CliException or WeightsException or ImageException or CnnEngine.Kernels.DeviceException or ArgumentException or IOException
                or UnauthorizedAccessException or InvalidOperationException or NotSupportedException => e.Message,
            _ => $"{e.GetType().Name}: {e.Message}",
        };
        System.Console.Error.WriteLine("engine-viz: error: " + FirstLine(message));
        if (Environment.GetEnvironmentVariable("CNN_ENGINE_DEBUG") == "1") System.Console.Error.WriteLine(e);
        return e is CliException c ? c.ExitCode : 1;
    }

    private static string FirstLine(string s)
    {
        int nl = s.IndexOf('\n');
        return nl < 0 ? s : s[..nl];
    }

    private static bool IsHelp(string[] args) => args.Any(a => a is "-h" or "--help" or "-?");
}
