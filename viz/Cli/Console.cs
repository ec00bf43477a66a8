using System.Text.Json;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// Where the CLI's words go. stdout carries results (top-5, the --json object on the last line);
/// stderr carries warnings, progress and errors. --quiet silences everything but warnings, errors and results.
/// </summary>
public sealed class CliConsole
{
    public bool Quiet { get; }
    public bool Json { get; }

    public CliConsole(bool quiet, bool json) { Quiet = quiet; Json = json; }

    /// <summary>Informational line on stderr (silenced by --quiet and --json).</summary>
    public void Info(string line)
    {
        if (!Quiet && !Json) System.Console.Error.WriteLine(line);
    }

    /// <summary>A warning always reaches stderr, one line.</summary>
    public void Warn(string line) => System.Console.Error.WriteLine(line.StartsWith("warning:", StringComparison.Ordinal) ? line : "warning: " + line);

    /// <summary>A result line on stdout (suppressed under --json, where the JSON object carries it).</summary>
    public void Result(string line)
    {
        if (!Json) System.Console.Out.WriteLine(line);
    }

    public void JsonResult(object value)
    {
        if (Json) System.Console.Out.WriteLine(JsonSerializer.Serialize(value, JsonOptions));
    }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };
}
