using Spectre.Console;

namespace CnnEngine.Viz.Visualize;

/// <summary>How a visualizer run reports its steps. The CLI picks Spectre (default) or silent (--quiet/--json).</summary>
public interface IVizProgress
{
    /// <summary>Runs <paramref name="body"/> inside one progress display.</summary>
    T Run<T>(Func<IVizProgressScope, T> body);
}

/// <summary>Inside a progress display: start named steps.</summary>
public interface IVizProgressScope
{
    /// <summary>Starts a step of <paramref name="units"/> units of work. Thread-safe.</summary>
    IVizProgressStep Start(string description, int units);
}

/// <summary>One step; Advance is thread-safe (grids are drawn in parallel).</summary>
public interface IVizProgressStep
{
    void Advance(int units = 1);
    void Done();
}

/// <summary>Reports nothing.</summary>
public sealed class SilentVizProgress : IVizProgress, IVizProgressScope, IVizProgressStep
{
    public static readonly SilentVizProgress Instance = new();
    public T Run<T>(Func<IVizProgressScope, T> body) => body(this);
    public IVizProgressStep Start(string description, int units) => this;
    public void Advance(int units = 1) { }
    public void Done() { }
}

/// <summary>
/// For logs and pipes (stderr not a terminal): one line per finished stage, "layer grids: done (18, 2.1 s)", instead of
/// redrawn bars whose last state a log never shows.
/// </summary>
public sealed class LineVizProgress(TextWriter output) : IVizProgress, IVizProgressScope
{
    private readonly object _gate = new();

    public T Run<T>(Func<IVizProgressScope, T> body) => body(this);

    public IVizProgressStep Start(string description, int units) => new Step(this, description, units);

    private sealed class Step(LineVizProgress owner, string description, int units) : IVizProgressStep
    {
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private int _done;

        public void Advance(int units = 1) { }

        public void Done()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0) return;
            string count = units > 1 ? $"{units}, " : "";
            lock (owner._gate) owner.Line($"{description}: done ({count}{_clock.Elapsed.TotalSeconds:0.0} s)");
        }
    }

    private void Line(string text)
    {
        output.WriteLine(text);
        output.Flush();
    }
}

/// <summary>A Spectre.Console progress display, on stderr by default so stdout stays clean for --json.</summary>
public sealed class SpectreVizProgress : IVizProgress
{
    private readonly IAnsiConsole _console;

    public SpectreVizProgress(IAnsiConsole? console = null) =>
        _console = console ?? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    public T Run<T>(Func<IVizProgressScope, T> body) =>
        _console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx => body(new Scope(ctx)));

    private sealed class Scope(ProgressContext context) : IVizProgressScope
    {
        private readonly object _lock = new();

        public IVizProgressStep Start(string description, int units)
        {
            lock (_lock) return new Step(context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, units)), _lock);
        }
    }

    private sealed class Step(ProgressTask task, object gate) : IVizProgressStep
    {
        public void Advance(int units = 1) { lock (gate) task.Increment(units); }
        public void Done() { lock (gate) { task.Value = task.MaxValue; task.StopTask(); } }
    }
}
