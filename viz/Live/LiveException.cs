namespace CnnEngine.Viz.Live;

/// <summary>What went wrong with a live request, in terms any front end can map to its own answer (HTTP status, exit code).</summary>
public enum LiveProblem
{
    /// <summary>The request names something that does not exist (an image id no longer cached, a job, a file).</summary>
    NotFound,
    /// <summary>The request is malformed (unknown layer, channel out of range, bad mode).</summary>
    BadRequest,
    /// <summary>The upload is over the size or megapixel limit (found from its header, before decoding).</summary>
    TooLarge,
    /// <summary>The bytes are not an image we can read (garbage, corrupt, unsupported format).</summary>
    Unreadable,
    /// <summary>The device queue is full: try again after <see cref="LiveException.RetryAfterSeconds"/>.</summary>
    Busy,
    /// <summary>The network cannot do this (e.g. the journey GIF on a user's model): one line saying what it can do.</summary>
    Unsupported,
    /// <summary>The request meets data made for another network (a features folder of another model).</summary>
    Conflict,
}

/// <summary>A user-facing failure of the live explorer: <see cref="Exception.Message"/> is one line fit to show.</summary>
public sealed class LiveException : Exception
{
    public LiveProblem Problem { get; }
    public int RetryAfterSeconds { get; }

    public LiveException(LiveProblem problem, string message, int retryAfterSeconds = 0, Exception? inner = null)
        : base(message, inner)
    {
        Problem = problem;
        RetryAfterSeconds = retryAfterSeconds;
    }

    public static LiveException NotFound(string message) => new(LiveProblem.NotFound, message);
    public static LiveException Bad(string message) => new(LiveProblem.BadRequest, message);
}
