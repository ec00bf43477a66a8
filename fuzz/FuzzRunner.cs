using System.Diagnostics;

namespace CnnEngine.Fuzz;

/// <summary>One unexpected outcome: which input (regenerate it with the same seed and index), what happened.</summary>
public sealed record Finding(string Target, int Index, string SeedName, string Kind, string Detail);

/// <summary>What one target's run gave.</summary>
public sealed class FuzzReport
{
    public required string Target { get; init; }
    public int Inputs { get; set; }
    public int Accepted { get; set; }
    public int Refused { get; set; }
    public SortedDictionary<string, int> RefusedByType { get; } = new(StringComparer.Ordinal);
    public List<Finding> Findings { get; } = new();
    public double SlowestMs { get; set; }
    public string SlowestInput { get; set; } = "";
    public long MaxAllocatedBytes { get; set; }
    public TimeSpan Elapsed { get; set; }

    public int Unexpected => Findings.Count(f => f.Kind == "unexpected exception");
    public int Hangs => Findings.Count(f => f.Kind == "hang");
    public int HugeAllocations => Findings.Count(f => f.Kind == "huge allocation");
}

/// <summary>
/// Feeds a target <c>count</c> mutated inputs. Input i is derived only from (seed, target, i), so any finding can be
/// regenerated alone. Each input runs with a time limit (a hang is a finding: the run stops there, since the stuck
/// thread cannot be reclaimed) and its managed allocations are counted (over the target's limit is a finding; native
/// allocations, e.g. inside libjpeg-turbo, are not seen).
/// </summary>
public static class FuzzRunner
{
    public static FuzzReport Run(FuzzTarget target, int count, int seed, TimeSpan perInputTimeout, string? saveDirectory = null,
        Action<FuzzReport>? progress = null)
    {
        var report = new FuzzReport { Target = target.Name };
        var clock = Stopwatch.StartNew();
        if (target.Seeds.Count == 0) throw new InvalidOperationException($"{target.Name}: no seeds found");
        using var scratch = new Scratch();
        for (int i = 0; i < count; i++)
        {
            var (input, seedName) = Generate(target, seed, i);
            var watch = Stopwatch.StartNew();
            // Allocations are counted on the parsing thread only (the parsers are single-threaded), so whatever else
            // runs in this process (other tests, in CI) does not count against the input.
            long allocated = 0;
            var task = Task.Factory.StartNew(() =>
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                try { target.Run(input, scratch); }
                finally { allocated = GC.GetAllocatedBytesForCurrentThread() - before; }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            bool finished = ((IAsyncResult)task).AsyncWaitHandle.WaitOne(perInputTimeout);
            double ms = watch.Elapsed.TotalMilliseconds;
            report.Inputs++;
            if (!finished)
            {
                report.Findings.Add(new Finding(target.Name, i, seedName, "hang", $"still running after {perInputTimeout.TotalSeconds:F0} s"));
                Save(saveDirectory, target, i, input);
                break;
            }
            var error = task.Exception?.InnerException;
            if (error is null) report.Accepted++;
            else if (target.IsExpected(error))
            {
                report.Refused++;
                string type = error.GetType().Name;
                report.RefusedByType[type] = report.RefusedByType.GetValueOrDefault(type) + 1;
            }
            else
            {
                string where = error.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains(" at "))?.Trim() ?? "";
                report.Findings.Add(new Finding(target.Name, i, seedName, "unexpected exception", $"{error.GetType().FullName}: {error.Message} {where}"));
                Save(saveDirectory, target, i, input);
            }
            if (allocated > target.AllocationLimit)
            {
                report.Findings.Add(new Finding(target.Name, i, seedName, "huge allocation", $"{allocated / (1 << 20)} MB from a {input.Length}-byte input"));
                Save(saveDirectory, target, i, input);
            }
            report.MaxAllocatedBytes = Math.Max(report.MaxAllocatedBytes, allocated);
            if (ms > report.SlowestMs) { report.SlowestMs = ms; report.SlowestInput = $"#{i} ({seedName}, {input.Length} bytes)"; }
            if (progress is not null && (i + 1) % 1000 == 0) progress(report);
        }
        report.Elapsed = clock.Elapsed;
        return report;
    }

    /// <summary>Input <paramref name="index"/> of a run: a seed file, mutated byte-level or structure-aware.</summary>
    public static (byte[] Input, string SeedName) Generate(FuzzTarget target, int seed, int index)
    {
        // Not HashCode.Combine: that is randomized per process, and a finding must regenerate in any process.
        var rng = new Random(unchecked(seed * 1_000_003 + StableHash(target.Name) * 7_919 + index * 104_729) & int.MaxValue);
        var source = target.Seeds[rng.Next(target.Seeds.Count)];
        byte[]? input = null;
        if (rng.Next(2) == 0) input = target.MutateStructure(source, rng);
        input ??= Mutators.ByteMutator.Mutate(source.Bytes, rng);
        // Sometimes stack a second mutation on the first.
        if (rng.Next(5) == 0) input = Mutators.ByteMutator.Mutate(input, rng);
        return (input, source.Name);
    }

    private static int StableHash(string s)
    {
        int h = 17;
        foreach (char c in s) h = unchecked(h * 31 + c);
        return h;
    }

    private static void Save(string? directory, FuzzTarget target, int index, byte[] input)
    {
        if (directory is null) return;
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, $"{target.Name}-{index}.bin"), input);
    }
}
