using System.Diagnostics;
using System.Net;
using System.Text;
using AkkaRpc.LocalCluster;

namespace AkkaRpc.Demo;

/// <summary>
/// Calls into a <see cref="LocalClusterRunner"/>'s node processes through their HTTP gateways, like an outside caller:
/// the accounts service's JSON methods, readiness, and parallel loops over many keys. Shared by the drill and the
/// cold-restart benchmark.
/// </summary>
internal sealed class GatewayCalls : IDisposable
{
    private readonly LocalClusterRunner _cluster;
    private readonly TimeSpan _callBound;
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(15),
    };

    /// <param name="cluster">The nodes.</param>
    /// <param name="callBound">How long one call is retried before it counts as failed.</param>
    public GatewayCalls(LocalClusterRunner cluster, TimeSpan callBound)
    {
        _cluster = cluster;
        _callBound = callBound;
    }

    /// <summary>Calls that needed more than one attempt (a node not up yet, a shard being allocated).</summary>
    public long Retried => Interlocked.Read(ref _retried);

    private long _retried;

    /// <summary>
    /// One accounts call through node <paramref name="index"/>'s gateway (modulo the node count), retried with the
    /// same idempotency key on the next node until it succeeds or the call bound passes; returns the response JSON.
    /// </summary>
    public async Task<string> CallAsync(int index, string method, string json, string? key, CancellationToken cancel)
    {
        var started = Stopwatch.StartNew();
        var last = "";
        for (var attempt = 0; started.Elapsed < _callBound; attempt++)
        {
            if (attempt == 1) Interlocked.Increment(ref _retried);
            var node = (index + attempt) % _cluster.HttpPorts.Length;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_cluster.HttpAddress(node), $"rpc/accounts/{method}"))
                {
                    Content = new StringContent(json, Encoding.UTF8, "application/json"),
                };
                request.Headers.Add("Rpc-Timeout-Ms", "10000");
                if (key is not null) request.Headers.Add("Idempotency-Key", key);
                using var response = await _http.SendAsync(request, cancel).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK) return body;
                last = $"HTTP {(int)response.StatusCode} {body}";
                // The caller's own mistakes are not retried: they would fail the same way again.
                if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Conflict)
                    throw new InvalidOperationException($"{method} {json}: {last}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
            {
                last = e.Message;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 << Math.Min(attempt, 5))), cancel).ConfigureAwait(false);
        }
        throw new TimeoutException($"{method} {json} not answered within {_callBound.TotalSeconds:0} s: {last}");
    }

    /// <summary>Waits until every node's <c>/health/ready</c> answers 200, or throws after <paramref name="bound"/>.</summary>
    public async Task WaitReadyAsync(TimeSpan bound, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < _cluster.HttpPorts.Length; i++)
        {
            while (true)
            {
                try
                {
                    using var response = await _http.GetAsync(new Uri(_cluster.HttpAddress(i), "health/ready"), cancel).ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.OK) break;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested) { }
                if (clock.Elapsed > bound) throw new TimeoutException($"node{i + 1} not ready within {bound.TotalSeconds:0} s; see {_cluster.WorkDirectory}");
                await Task.Delay(50, cancel).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> for 0..<paramref name="count"/>-1 on <paramref name="parallel"/> loops.</summary>
    public static async Task ForEachAsync(int count, int parallel, Func<int, Task> action, CancellationToken cancel)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
                await action(i).ConfigureAwait(false);
        }, cancel))).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
