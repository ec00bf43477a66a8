using System.Diagnostics;
using System.Globalization;
using CnnEngine.Fuzz;

// CnnEngine.Fuzz: seeded mutation fuzzing of every parser, in process.
//   dotnet run --project fuzz -- [--target all|hdf5|keras|safetensors|features-json|png|jpeg] [--count N] [--seed S]
//                                [--timeout-s T] [--save DIR] [--repo PATH]
//   dotnet run --project fuzz -- --target T --replay FILE      one saved input through one target
//   dotnet run --project fuzz -- --target T --seed S --dump N  write input N of that run to a file (to replay it)
// Prints one table row per target; exits 1 when any input gave an unexpected exception type, a hang or a huge allocation.
var options = Args.Parse(args);
if (options is null) return 2;
var folders = new SeedFolders(options.Repo);
using var scratch = new Scratch();
var targets = FuzzTargets.All(folders, scratch.Directory).Where(t => options.Target == "all" || t.Name == options.Target).ToList();
if (targets.Count == 0) { Console.Error.WriteLine($"fuzz: error: unknown --target {options.Target}"); return 2; }
if (options.Dump is int dumpIndex)
{
    // Writes input N of (target, seed) without running it: e.g. the slowest input of a long run, to time it alone.
    var (bytes, seedName) = FuzzRunner.Generate(targets[0], options.Seed, dumpIndex);
    string file = Path.GetFullPath($"{targets[0].Name}-{options.Seed}-{dumpIndex}.bin");
    File.WriteAllBytes(file, bytes);
    Console.WriteLine($"{file}: input #{dumpIndex} of {targets[0].Name}, seed {options.Seed}, from {seedName}");
    return 0;
}
if (options.Replay is not null)
{
    // Replays one saved input (--save wrote it) through one target and says what happened.
    var target = targets[0];
    var bytes = File.ReadAllBytes(options.Replay);
    long before = GC.GetTotalAllocatedBytes(precise: false);
    var watch = Stopwatch.StartNew();
    try { target.Run(bytes, scratch); Console.WriteLine($"{target.Name}: accepted"); }
    catch (Exception e) { Console.WriteLine($"{target.Name}: {(target.IsExpected(e) ? "refused" : "UNEXPECTED")} {e.GetType().FullName}: {e.Message}"); }
    Console.WriteLine($"{watch.Elapsed.TotalMilliseconds:F0} ms, {(GC.GetTotalAllocatedBytes(precise: false) - before) / (1 << 20)} MB allocated");
    return 0;
}
Console.WriteLine($"seed {options.Seed}, {options.Count} inputs per target, per-input limit {options.Timeout.TotalSeconds:F0} s");
Console.WriteLine("| target | seeds | inputs | accepted | refused (typed) | unexpected | hangs | huge allocations | slowest input | max allocated | wall |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
int findings = 0;
foreach (var target in targets)
{
    var report = FuzzRunner.Run(target, options.Count, options.Seed, options.Timeout, options.Save,
        r => Console.Error.WriteLine($"{r.Target}: {r.Inputs} inputs, {r.Findings.Count} findings"));
    findings += report.Findings.Count;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {report.Target} | {target.Seeds.Count} | {report.Inputs:N0} | {report.Accepted:N0} | {report.Refused:N0} | {report.Unexpected} | {report.Hangs} | {report.HugeAllocations} | {report.SlowestMs:F0} ms {report.SlowestInput} | {report.MaxAllocatedBytes / (1 << 20)} MB | {report.Elapsed.TotalSeconds:F0} s |"));
    foreach (var f in report.Findings.Take(20)) Console.Error.WriteLine($"  {f.Kind}: input #{f.Index} from {f.SeedName}: {f.Detail}");
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MB"));
return findings == 0 ? 0 : 1;

internal sealed record Args(string Target, int Count, int Seed, TimeSpan Timeout, string? Save, string Repo, string? Replay, int? Dump)
{
    public static Args? Parse(string[] args)
    {
        string target = "all", repo = FindRepo();
        int count = 2000, seed = 13;
        double timeout = 10;
        string? save = null, replay = null;
        int? dump = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--target": target = Next(); break;
                    case "--count": count = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--timeout-s": timeout = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--save": save = Next(); break;
                    case "--repo": repo = Next(); break;
                    case "--replay": replay = Next(); break;
                    case "--dump": dump = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    default: Console.Error.WriteLine($"fuzz: error: unknown argument {args[i]}"); return null;
                }
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                Console.Error.WriteLine($"fuzz: error: {e.Message}");
                return null;
            }
        }
        return new Args(target, count, seed, TimeSpan.FromSeconds(timeout), save, repo, replay, dump);
    }

    private static string FindRepo()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "CnnEngine.sln"))) return d.FullName;
        return Directory.GetCurrentDirectory();
    }
}
