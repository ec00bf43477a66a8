using System.CommandLine;
using System.Globalization;
using CnnEngine.Model;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// --max-memory: the most a command may plan to use for one forward (activations, kept layers, pictures), checked
/// against <see cref="ForwardMemory"/>'s estimate before any of it is allocated. Default: 80% of the memory this
/// process may use (physical memory, or the container's limit).
/// </summary>
public static class MemoryBudget
{
    public static readonly Option<string?> MaxMemory = new("--max-memory")
    {
        Description = "Memory budget for one forward pass and its pictures, e.g. 8G or 512M (default: 80% of available memory)",
    };

    public static long Default => (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.8);

    /// <summary>The budget in bytes from --max-memory (or the default); a bad value is a usage error.</summary>
    public static long From(ParseResult r)
    {
        string? text = r.GetValue(MaxMemory);
        return text is null ? Default : Parse(text);
    }

    /// <summary>"8G", "512M", "1.5G", "4096K", "1000000" (bytes); powers of 1024.</summary>
    public static long Parse(string text)
    {
        string t = text.Trim().ToUpperInvariant().TrimEnd('B', 'I');
        double unit = 1;
        if (t.Length > 0 && "KMGT".Contains(t[^1]))
        {
            unit = Math.Pow(1024, "KMGT".IndexOf(t[^1]) + 1);
            t = t[..^1];
        }
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || value <= 0 || value * unit > long.MaxValue / 2)
            throw new CliException($"--max-memory must be a size like 8G or 512M, not '{text}'", 2);
        return (long)(value * unit);
    }

    /// <summary>Refuses (one line: the estimate, the budget, the option that raises it) when <paramref name="estimate"/> is over the budget.</summary>
    public static void Check(ParseResult r, ForwardMemory.Breakdown estimate, string what) => Check(From(r), estimate, what);

    /// <summary>The same against a budget already read (<see cref="From"/>).</summary>
    public static void Check(long budget, ForwardMemory.Breakdown estimate, string what)
    {
        if (estimate.LargestBufferValues > Array.MaxLength)
            throw new CliException($"{what} would need one buffer of {estimate.LargestBufferValues:0} values, more than the {Array.MaxLength} an array can hold; use a smaller input or batch");
        if (estimate.Total <= budget) return;
        throw new CliException($"{what} would need about {estimate} — over the memory budget of {ForwardMemory.Format(budget)}; " +
                               $"use a smaller input or batch, or raise the budget with --max-memory (e.g. --max-memory {Suggest(estimate.Total)})");
    }

    private static string Suggest(long bytes) => $"{Math.Ceiling(bytes / (double)(1L << 30)) + 1:0}G";
}
