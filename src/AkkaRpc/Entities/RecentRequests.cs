using AkkaRpc.Protocol;

namespace AkkaRpc.Entities;

/// <summary>
/// The bounded memory of request ids an entity has applied, with the reply each got. Oldest ids are forgotten
/// first once <see cref="Capacity"/> is reached. Eviction is deterministic (insertion order only), so replaying the
/// journal from any snapshot rebuilds exactly the same window on any node.
/// </summary>
/// <remarks>
/// The bound: a retry is recognised as long as fewer than <see cref="Capacity"/> other writes were applied to the
/// same entity since the original. A client retries within its deadline (seconds), so this holds unless one entity
/// takes more than <c>Capacity</c> writes in that time.
/// </remarks>
internal sealed class RecentRequests
{
    private readonly Dictionary<string, RememberedRequest> _replies = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public RecentRequests(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }
    public int Count => _order.Count;

    public bool TryGet(string requestId, out RememberedRequest remembered) => _replies.TryGetValue(requestId, out remembered);

    public void Remember(string requestId, StoredReply reply, byte[]? fingerprint = null)
    {
        if (!_replies.TryAdd(requestId, new RememberedRequest(requestId, reply, fingerprint))) return;
        _order.Enqueue(requestId);
        while (_order.Count > Capacity) _replies.Remove(_order.Dequeue());
    }

    /// <summary>Oldest first, as a snapshot stores them.</summary>
    public IReadOnlyList<RememberedRequest> ToList() => _order.Select(id => _replies[id]).ToArray();

    public void Restore(IReadOnlyList<RememberedRequest> entries)
    {
        _replies.Clear();
        _order.Clear();
        foreach (var entry in entries) Remember(entry.RequestId, entry.Reply, entry.Fingerprint);
    }
}
