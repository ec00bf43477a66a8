namespace CnnEngine.Viz.Live;

/// <summary>Something the cache can weigh.</summary>
public interface ICacheWeighed
{
    /// <summary>Bytes this entry holds (activations, switches, rendered pictures).</summary>
    long Bytes { get; }
}

/// <summary>
/// Least-recently-used cache bounded by the bytes its entries hold: adding past the budget evicts the oldest
/// entries first. One entry larger than the whole budget is still kept (alone), so the newest image always works.
/// Thread-safe.
/// </summary>
public sealed class ImageCache<T> where T : class, ICacheWeighed
{
    private readonly long _budget;
    private readonly LinkedList<(string Key, T Value)> _order = new(); // most recent first
    private readonly Dictionary<string, LinkedListNode<(string Key, T Value)>> _index = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    public ImageCache(long budgetBytes)
    {
        if (budgetBytes <= 0) throw new ArgumentOutOfRangeException(nameof(budgetBytes), "the cache budget must be positive");
        _budget = budgetBytes;
    }

    public long BudgetBytes => _budget;

    public int Count { get { lock (_lock) return _index.Count; } }

    /// <summary>Bytes held now (sum of the entries' weights, re-read: entries grow as pictures are rendered).</summary>
    public long Bytes { get { lock (_lock) return _order.Sum(e => e.Value.Bytes); } }

    public bool TryGet(string key, out T value)
    {
        lock (_lock)
        {
            if (_index.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                value = node.Value.Value;
                return true;
            }
        }
        value = null!;
        return false;
    }

    /// <summary>Adds (or replaces) an entry and evicts the least recently used ones until the total fits.</summary>
    public void Add(string key, T value)
    {
        lock (_lock)
        {
            if (_index.Remove(key, out var old)) _order.Remove(old);
            _index[key] = _order.AddFirst((key, value));
            Trim();
        }
    }

    /// <summary>Evicts until the budget holds (call after an entry grew).</summary>
    public void Trim()
    {
        lock (_lock)
        {
            long total = _order.Sum(e => e.Value.Bytes);
            while (total > _budget && _order.Count > 1)
            {
                var last = _order.Last!;
                total -= last.Value.Value.Bytes;
                _order.RemoveLast();
                _index.Remove(last.Value.Key);
            }
        }
    }
}
