using CnnEngine.Deconv;

namespace CnnEngine.Viz.Live;

public enum JobStatus { Running, Done, Cancelled, Failed }

/// <summary>What a job looks like at one moment (what the page is told in each progress event).</summary>
public sealed record JobState(string Id, string Image, string Layer, int Patch, int Stride, JobStatus Status, int Done, int Total,
    string? Error, int? StrongestChannel, int? ClassIndex, string? ClassLabel, int Rows, int Cols);

/// <summary>
/// One occlusion run (Zeiler &amp; Fergus Fig. 7) in the background: progress after every batch, cancellable between
/// batches, the maps kept when done. Watchers wait for the next change with <see cref="WaitForChangeAsync"/> and read
/// every state since the last one they saw from <see cref="StatesSince"/>, so a watcher that connects late (a fast job
/// can finish before the page's event stream opens) still sees the whole progression, not only the end.
/// </summary>
public sealed class OcclusionJob
{
    private readonly object _lock = new();
    private readonly CancellationTokenSource _cancel = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private JobState _state;
    // Every state the job has been in, in order (one per batch: bounded by the job's positions).
    private readonly List<JobState> _history = new();

    public OcclusionJob(string id, string image, string layer, int patch, int stride, int total)
    {
        _state = new JobState(id, image, layer, patch, stride, JobStatus.Running, 0, total, null, null, null, null, 0, 0);
        _history.Add(_state);
        Version = 1;
    }

    public string Id => _state.Id;
    public CancellationToken Token => _cancel.Token;
    /// <summary>How many states the job has been in so far (its first, running at 0 done, included).</summary>
    public int Version { get; private set; }
    public JobState State { get { lock (_lock) return _state; } }
    public OcclusionResult? Result { get; private set; }
    /// <summary>PNG pictures of the finished maps by name: "activation", and "probability" with the top.</summary>
    public IReadOnlyDictionary<string, byte[]> Maps { get; private set; } = new Dictionary<string, byte[]>();
    public bool Finished => State.Status != JobStatus.Running;

    public void Cancel() => _cancel.Cancel();

    internal void Progress(int done, int total) => Update(s => s with { Done = done, Total = total });

    internal void Complete(OcclusionResult result, IReadOnlyDictionary<string, byte[]> maps, string? classLabel)
    {
        Result = result;
        Maps = maps;
        Update(s => s with
        {
            Status = JobStatus.Done, Done = s.Total, StrongestChannel = result.StrongestChannel, ClassIndex = result.ClassIndex,
            ClassLabel = classLabel, Rows = result.Rows, Cols = result.Cols,
        });
    }

    internal void Stop(JobStatus status, string? error) => Update(s => s with { Status = status, Error = error });

    private void Update(Func<JobState, JobState> change)
    {
        TaskCompletionSource old;
        lock (_lock)
        {
            if (_state.Status != JobStatus.Running) return; // finished jobs do not change
            _state = change(_state);
            _history.Add(_state);
            Version++;
            old = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        old.TrySetResult();
    }

    /// <summary>The states after the first <paramref name="seen"/> ones, in order.</summary>
    public IReadOnlyList<JobState> StatesSince(int seen)
    {
        lock (_lock) return _history.Skip(Math.Max(0, seen)).ToArray();
    }

    /// <summary>Completes when the job's version differs from <paramref name="seen"/> (at once if it already does).</summary>
    public Task WaitForChangeAsync(int seen, CancellationToken cancel)
    {
        lock (_lock)
        {
            if (Version != seen || _state.Status != JobStatus.Running) return Task.CompletedTask;
            return _changed.Task.WaitAsync(cancel);
        }
    }
}
