namespace CnnEngine.Viz.Live;

/// <summary>
/// One device, one piece of work at a time, and a bounded line in front of it. <see cref="Reserve"/> takes a place
/// in line or fails at once with <see cref="LiveProblem.Busy"/> (a full line answers "come back later" instead of
/// growing without bound); the reservation is then run with <see cref="Reservation.RunAsync{T}"/> when the device is free.
/// Long jobs (occlusion) take the device batch by batch through <see cref="RunBlocking{T}"/>, which waits its turn
/// without a place in line, so requests interleave with them.
/// </summary>
public sealed class WorkQueue
{
    private readonly SemaphoreSlim _device = new(1, 1);
    private readonly int _capacity;
    private int _reserved;            // places taken: running + waiting
    private long _completed;
    private double _averageMs = 200;  // running average of one piece of work, for Retry-After

    /// <param name="capacity">Places in line, counting the one running (at least 1).</param>
    public WorkQueue(int capacity)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), "the queue needs at least one place");
        _capacity = capacity;
    }

    public int Capacity => _capacity;
    public int Reserved => Volatile.Read(ref _reserved);
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Seconds a client should wait before trying again when the line is full (at least 1).</summary>
    public int RetryAfterSeconds => Math.Max(1, (int)Math.Ceiling(_averageMs * _capacity / 1000));

    /// <summary>Takes a place in line, or throws <see cref="LiveException"/> (Busy) when the line is full.</summary>
    public Reservation Reserve()
    {
        if (Interlocked.Increment(ref _reserved) > _capacity)
        {
            Interlocked.Decrement(ref _reserved);
            throw new LiveException(LiveProblem.Busy, $"the device is busy ({_capacity} requests in line); try again shortly", RetryAfterSeconds);
        }
        return new Reservation(this);
    }

    /// <summary>Reserves and runs in one step.</summary>
    public async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancel = default)
    {
        using var place = Reserve();
        return await place.RunAsync(work, cancel);
    }

    /// <summary>Waits for the device (no place in line needed) and runs <paramref name="work"/> on this thread.</summary>
    public T RunBlocking<T>(Func<T> work, CancellationToken cancel)
    {
        _device.Wait(cancel);
        try { return Timed(work); }
        finally { _device.Release(); }
    }

    private T Timed<T>(Func<T> work)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try { return work(); }
        finally
        {
            _averageMs = 0.8 * _averageMs + 0.2 * clock.Elapsed.TotalMilliseconds;
            Interlocked.Increment(ref _completed);
        }
    }

    /// <summary>A place in line; dispose it to give the place back (also when it was never run).</summary>
    public sealed class Reservation : IDisposable
    {
        private WorkQueue? _queue;
        internal Reservation(WorkQueue queue) => _queue = queue;

        public async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancel = default)
        {
            var queue = _queue ?? throw new ObjectDisposedException(nameof(Reservation));
            await queue._device.WaitAsync(cancel);
            try { return await Task.Run(() => queue.Timed(work), CancellationToken.None); }
            finally { queue._device.Release(); }
        }

        public void Dispose()
        {
            var queue = Interlocked.Exchange(ref _queue, null);
            if (queue is not null) Interlocked.Decrement(ref queue._reserved);
        }
    }
}
