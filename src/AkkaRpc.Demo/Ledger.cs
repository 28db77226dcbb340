using System.Collections.Concurrent;

namespace AkkaRpc.Demo;

/// <summary>
/// What the caller knows about its writes, per account: acknowledged (the reply came back Ok), ambiguous (timed out:
/// may or may not have applied) and rejected (a definite error: not applied). The read-back is checked against it.
/// </summary>
internal sealed class Ledger
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new();

    public sealed class Entry
    {
        public long Acknowledged;
        public long Ambiguous;
        public long Rejected;
    }

    public Entry For(string account) => _entries.GetOrAdd(account, _ => new Entry());

    public IEnumerable<KeyValuePair<string, Entry>> All => _entries;

    public long TotalAcknowledged => _entries.Values.Sum(e => Interlocked.Read(ref e.Acknowledged));
    public long TotalAmbiguous => _entries.Values.Sum(e => Interlocked.Read(ref e.Ambiguous));
    public long TotalRejected => _entries.Values.Sum(e => Interlocked.Read(ref e.Rejected));
}
