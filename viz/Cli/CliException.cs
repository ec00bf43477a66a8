namespace CnnEngine.Viz.Cli;

/// <summary>A user-facing error: its message is the one line the CLI prints; ExitCode is what the process returns.</summary>
public sealed class CliException : Exception
{
    public int ExitCode { get; }
    public CliException(string message, int exitCode = 1) : base(message) => ExitCode = exitCode;
}
