using System.Collections.Concurrent;
using System.Diagnostics;
using AkkaRpc.Sample.Accounts;

namespace AkkaRpc.Chaos;

/// <summary>
/// The load: one sequential loop per account, three deposits (each with its own request id and amount) to one read.
/// Every outcome goes into the account's <see cref="AccountHistory"/>; every read is checked at once against the
/// history so far. Each acknowledgement is reported to <see cref="Acknowledged"/> (who served it, and when), which is
/// how the nemesis measures failover.
/// </summary>
internal sealed class Workload
{
    // Long enough to ride out a kill -9 failover, so most calls sent into an outage end acknowledged, not ambiguous.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly IRpcClient _client;
    private readonly string _runId;
    private readonly ConcurrentDictionary<string, string> _lastServedBy = new();
    private readonly CancellationTokenSource _stop = new();
    private Task[] _loops = [];
    private long _reads;
    private long _failedReads;
    private Action<string, string, TimeSpan, TimeSpan, int>? _acknowledged;

    public Workload(IRpcClient client, string runId, IEnumerable<string> accounts, Stopwatch clock)
    {
        _client = client;
        _runId = runId;
        Clock = clock;
        Histories = accounts.Select(a => new AccountHistory(a)).ToArray();
    }

    public Stopwatch Clock { get; }

    public IReadOnlyList<AccountHistory> Histories { get; }

    /// <summary>
    /// Called for every acknowledged deposit: account, serving node address, start and completion time of the call on
    /// <see cref="Clock"/>, and the attempts it took.
    /// </summary>
    public Action<string, string, TimeSpan, TimeSpan, int>? Acknowledged
    {
        get => Volatile.Read(ref _acknowledged);
        set => Volatile.Write(ref _acknowledged, value);
    }

    /// <summary>Ambiguous deposits and failed reads, with the client's reason: what to look for in the node logs.</summary>
    public ConcurrentQueue<string> Problems { get; } = new();

    public long Reads => Interlocked.Read(ref _reads);

    public long FailedReads => Interlocked.Read(ref _failedReads);

    /// <summary>The accounts whose latest acknowledged call was served by <paramref name="address"/>.</summary>
    public string[] AccountsServedBy(string address) =>
        _lastServedBy.Where(p => p.Value == address).Select(p => p.Key).ToArray();

    public void Start(int seed) =>
        _loops = Histories.Select((h, i) => Task.Run(() => LoopAsync(h, new Random(seed + i)))).ToArray();

    /// <summary>Stops sending and waits for the calls in flight (at most one call timeout).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    private async Task LoopAsync(AccountHistory history, Random random)
    {
        while (!_stop.IsCancellationRequested)
        {
            if (random.Next(4) == 0) await ReadAsync(history).ConfigureAwait(false);
            else await DepositAsync(history).ConfigureAwait(false);
        }
    }

    private async Task DepositAsync(AccountHistory history)
    {
        var amount = history.NextAmount();
        // The request id names the write: the client's retries reuse it, so the entity applies it at most once.
        var options = new CallOptions { RequestId = $"{_runId}-{history.Account}-{amount}", Timeout = CallTimeout };
        var started = Clock.Elapsed;
        var result = await _client.CallAsync(new Deposit(history.Account, amount), options).ConfigureAwait(false);
        if (result.IsOk)
        {
            history.Acknowledged(amount);
            _lastServedBy[history.Account] = result.ServedBy!;
            Acknowledged?.Invoke(history.Account, result.ServedBy!, started, Clock.Elapsed, result.Attempts);
        }
        else if (IsDefinite(result.Code)) history.Failed();
        else
        {
            history.Ambiguous(amount);
            Problems.Enqueue($"{Clock.Elapsed.TotalSeconds:0.0}s {history.Account} deposit {amount} ambiguous after {result.Attempts} attempts: {result.Code} {result.Error?.Message}");
        }
    }

    private async Task ReadAsync(AccountHistory history)
    {
        Interlocked.Increment(ref _reads);
        var result = await _client.CallAsync(new GetBalance(history.Account), new CallOptions { Timeout = CallTimeout }).ConfigureAwait(false);
        if (!result.IsOk)
        {
            Interlocked.Increment(ref _failedReads);
            Problems.Enqueue($"{Clock.Elapsed.TotalSeconds:0.0}s {history.Account} read failed after {result.Attempts} attempts: {result.Code} {result.Error?.Message}");
            return;
        }
        // The loop is sequential: the history now is exactly what had happened when the read was sent.
        if (!SetChecker.Possible(history, result.Value.Transactions, result.Value.Balance))
            history.UnexpectedReads.Add($"read {result.Value.Transactions} transactions, balance {result.Value.Balance} " +
                                        $"(acknowledged {history.AcknowledgedCount} summing {history.AcknowledgedSum}, {history.AmbiguousAmounts.Count} ambiguous)");
    }

    /// <summary>
    /// Only errors about the request itself are definite: the entity judged it and applied nothing. Anything else
    /// (timeout, unavailable, overload, internal) may follow an earlier attempt of the same request that did apply.
    /// </summary>
    private static bool IsDefinite(RpcStatusCode code) => code is RpcStatusCode.InvalidArgument or RpcStatusCode.NotFound
        or RpcStatusCode.AlreadyExists or RpcStatusCode.FailedPrecondition or RpcStatusCode.OutOfRange or RpcStatusCode.Unimplemented;
}
