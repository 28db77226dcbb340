using System.Collections.Concurrent;
using System.Diagnostics;
using AkkaRpc.Sample.Accounts;

namespace AkkaRpc.Tests.Infrastructure;

/// <summary>
/// Writers under load: one sequential writer per account deposits 1 again and again with the client's default policy.
/// Records what the caller knows (acknowledged deposits per account, every failed call) and, per serving node, the
/// latest start time of a call it acknowledged, so a test can prove a node serves calls sent after some moment.
/// </summary>
public sealed class DepositLoad : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> _acknowledged = new();
    private readonly ConcurrentDictionary<string, TimeSpan> _lastCallStartedServedBy = new();
    private readonly ConcurrentDictionary<string, string> _lastServedBy = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _writers;
    private int _calls;
    private int _retried;

    private readonly CallOptions? _options;

    private DepositLoad(IRpcClient client, string[] accounts, CallOptions? options)
    {
        Accounts = accounts;
        _options = options;
        _writers = accounts.Select(account => Task.Run(() => WriteAsync(client, account))).ToArray();
    }

    /// <summary>Since the load started.</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public string[] Accounts { get; }

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Calls that succeeded or failed only after more than one attempt: what the client's retries absorbed.</summary>
    public int Retried => Volatile.Read(ref _retried);

    public IReadOnlyCollection<string> Failures => _failures;

    public int Acknowledged(string account) => _acknowledged.GetValueOrDefault(account);

    public int TotalAcknowledged => _acknowledged.Values.Sum();

    /// <summary>The node that acknowledged <paramref name="account"/>'s latest deposit (null before the first).</summary>
    public string? LastServedBy(string account) => _lastServedBy.GetValueOrDefault(account);

    /// <summary>True once <paramref name="servedBy"/> acknowledged a call that was sent after <paramref name="since"/>.</summary>
    public bool Served(string servedBy, TimeSpan since) =>
        _lastCallStartedServedBy.TryGetValue(servedBy, out var at) && at > since;

    /// <summary>Opens the accounts (idempotently) and starts one writer per account.</summary>
    /// <param name="client">The client node's client.</param>
    /// <param name="prefix">Account id prefix.</param>
    /// <param name="accounts">How many accounts (one writer each).</param>
    /// <param name="options">Options of every deposit (null: the client's default policy).</param>
    public static async Task<DepositLoad> StartAsync(IRpcClient client, string prefix, int accounts, CallOptions? options = null)
    {
        var ids = Enumerable.Range(0, accounts).Select(i => $"{prefix}-{i}").ToArray();
        foreach (var account in ids)
        {
            var opened = await client.CallAsync(new OpenAccount(account, "Ann"), new CallOptions { RequestId = $"open-{account}" });
            if (!opened.IsOk) throw new InvalidOperationException($"open {account}: {opened}");
        }
        return new DepositLoad(client, ids, options);
    }

    /// <summary>Waits until every account has been acknowledged again at least <paramref name="more"/> times.</summary>
    public Task WaitForProgressAsync(int more, TimeSpan timeout, string what)
    {
        var from = Accounts.ToDictionary(a => a, Acknowledged);
        return Eventually.TrueAsync(() => Accounts.All(a => Acknowledged(a) >= from[a] + more), timeout, what);
    }

    /// <summary>Stops the writers and waits for the calls in flight.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_writers);
    }

    /// <summary>Reads every account back; returns the accounts whose transaction count differs from what was acknowledged.</summary>
    public async Task<IReadOnlyList<string>> ReadBackMismatchesAsync(IRpcClient client)
    {
        var mismatches = new List<string>();
        foreach (var account in Accounts)
        {
            var read = await client.CallAsync(new GetBalance(account));
            if (!read.IsOk) mismatches.Add($"{account}: unreadable: {read.Error}");
            // Every deposit is 1: none lost means applied >= acknowledged, none twice means applied <= acknowledged
            // (no call failed or timed out, so nothing is ambiguous).
            else if (read.Value.Transactions != Acknowledged(account) || read.Value.Balance != Acknowledged(account))
                mismatches.Add($"{account}: acknowledged {Acknowledged(account)}, applied {read.Value.Transactions}, balance {read.Value.Balance}");
        }
        return mismatches;
    }

    private async Task WriteAsync(IRpcClient client, string account)
    {
        while (!_stop.IsCancellationRequested)
        {
            var started = Clock.Elapsed;
            var result = await client.CallAsync(new Deposit(account, 1), _options);
            Interlocked.Increment(ref _calls);
            if (result.Attempts > 1) Interlocked.Increment(ref _retried);
            if (result.IsOk)
            {
                _acknowledged.AddOrUpdate(account, 1, (_, n) => n + 1);
                _lastServedBy[account] = result.ServedBy!;
                _lastCallStartedServedBy.AddOrUpdate(result.ServedBy!, started, (_, t) => t > started ? t : started);
            }
            else
            {
                _failures.Enqueue($"{Clock.Elapsed.TotalSeconds:0.0}s {account}: {result.Code} {result.Error}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _stop.Dispose();
    }
}
