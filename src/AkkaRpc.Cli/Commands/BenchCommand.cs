using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using AkkaRpc.Cli.Gateway;
using HdrHistogram;
using Spectre.Console;

namespace AkkaRpc.Cli.Commands;

/// <summary>What each bench loop calls.</summary>
internal enum BenchWorkload
{
    /// <summary><c>accounts.GetBalance</c> on pre-opened accounts: the entity path without a journal write.</summary>
    Read,

    /// <summary><c>accounts.Deposit</c> of 1 with a fresh idempotency key per call: one journal write each.</summary>
    Write,

    /// <summary><c>quotes.GetQuote</c>: the stateless path (consistent-hash router).</summary>
    Quote,
}

/// <summary>
/// <c>akkarpc bench</c>: closed loops through one node's HTTP gateway for a fixed time, live progress on stderr, a
/// summary table, and a last line scripts parse:
/// <c>bench: variant=gateway-http calls_per_s=N p50_ms=X p99_ms=X p999_ms=X errors=N</c>.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var gateway = GatewayConnection.Option();
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Concurrent closed loops", DefaultValueFactory = _ => 16 };
        var duration = new Option<int>("--duration", "-d") { Description = "Seconds of load", DefaultValueFactory = _ => 10 };
        var workload = new Option<BenchWorkload>("--workload") { Description = "Read, Write or Quote", DefaultValueFactory = _ => BenchWorkload.Read };
        var keys = new Option<int>("--keys") { Description = "Distinct accounts (or symbols) the loops spread over", DefaultValueFactory = _ => 100 };
        var timeoutMs = new Option<int>("--timeout-ms") { Description = "Deadline of each call", DefaultValueFactory = _ => 10_000 };
        var command = new Command("bench", "Load a running cluster through a node's gateway and report calls/s and latency percentiles")
        {
            gateway, concurrency, duration, workload, keys, timeoutMs,
        };
        command.SetAction((result, ct) => CliErrors.RunAsync(() =>
        {
            var settings = new BenchSettings(
                GatewayConnection.Parse(result.GetValue(gateway)), result.GetValue(concurrency), result.GetValue(duration),
                result.GetValue(workload), result.GetValue(keys), result.GetValue(timeoutMs));
            settings.Validate();
            return RunAsync(settings, ct);
        }));
        return command;
    }

    private static async Task<int> RunAsync(BenchSettings settings, CancellationToken ct)
    {
        using var client = GatewayConnection.Client(settings.Gateway, TimeSpan.FromMilliseconds(settings.TimeoutMs) + TimeSpan.FromSeconds(10));
        var run = new BenchRun(client, settings);
        // Setup goes through the same SendAsync, so a gateway that is not there exits 3 before any load starts.
        await GatewayConnection.SendAsync(settings.Gateway, () => run.SetupAsync(ct), ct).ConfigureAwait(false);

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var clock = Stopwatch.StartNew();
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("bench", maxValue: settings.DurationSeconds);
                var load = run.LoadAsync(TimeSpan.FromSeconds(settings.DurationSeconds), ct);
                while (!load.IsCompleted)
                {
                    await Task.WhenAny(load, Task.Delay(250, ct)).ConfigureAwait(false);
                    var seconds = clock.Elapsed.TotalSeconds;
                    task.Value = Math.Min(seconds, settings.DurationSeconds);
                    task.Description = string.Create(CultureInfo.InvariantCulture,
                        $"{run.Calls,8} calls  {run.Calls / Math.Max(seconds, 0.001),8:0} /s  {run.Errors} errors");
                }
                await load.ConfigureAwait(false);
                task.Value = settings.DurationSeconds;
            }).ConfigureAwait(false);
        var elapsed = run.LoadTime;

        var histogram = run.Histogram;
        double Ms(double percentile) => histogram.TotalCount == 0 ? 0 : histogram.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;
        var rate = run.Calls / elapsed.TotalSeconds;
        var summary = new Table().Title($"bench {settings.Workload} via {Markup.Escape(settings.Gateway.ToString())}, {settings.Concurrency} loops, {elapsed.TotalSeconds:0.0} s");
        summary.AddColumn("calls").AddColumn("calls/s").AddColumn("p50 ms").AddColumn("p90 ms").AddColumn("p99 ms").AddColumn("p99.9 ms")
            .AddColumn("max ms").AddColumn("errors");
        summary.AddRow(
            run.Calls.ToString(CultureInfo.InvariantCulture), F(rate, "0"), F(Ms(50)), F(Ms(90)), F(Ms(99)), F(Ms(99.9)),
            F(histogram.TotalCount == 0 ? 0 : histogram.GetMaxValue() * 1000.0 / Stopwatch.Frequency), run.Errors.ToString(CultureInfo.InvariantCulture));
        var stdout = AnsiConsole.Console;
        if (Console.IsOutputRedirected) stdout.Profile.Width = Math.Max(stdout.Profile.Width, 160);
        stdout.Write(summary);
        if (!run.ErrorsByCode.IsEmpty)
        {
            var errors = new Table().Title("errors by code").AddColumn("code").AddColumn("count").AddColumn("last message");
            foreach (var (code, entry) in run.ErrorsByCode.OrderByDescending(e => e.Value.Count))
                errors.AddRow(Markup.Escape(code), entry.Count.ToString(CultureInfo.InvariantCulture), Markup.Escape(entry.LastMessage));
            stdout.Write(errors);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench: variant=gateway-http calls_per_s={rate:0} p50_ms={Ms(50):0.00} p99_ms={Ms(99):0.00} p999_ms={Ms(99.9):0.00} errors={run.Errors}"));
        return CliErrors.Ok;
    }

    private static string F(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>The bench's settings, checked before anything is sent.</summary>
internal sealed record BenchSettings(Uri Gateway, int Concurrency, int DurationSeconds, BenchWorkload Workload, int Keys, int TimeoutMs)
{
    public void Validate()
    {
        if (Concurrency is < 1 or > 1024) throw new ArgumentException($"--concurrency must be 1 to 1024, not {Concurrency}");
        if (DurationSeconds is < 1 or > 3600) throw new ArgumentException($"--duration must be 1 to 3600 seconds, not {DurationSeconds}");
        if (Keys is < 1 or > 1_000_000) throw new ArgumentException($"--keys must be 1 to 1000000, not {Keys}");
        if (TimeoutMs is < 1 or > 300_000) throw new ArgumentException($"--timeout-ms must be 1 to 300000, not {TimeoutMs}");
        if (!Enum.IsDefined(Workload)) throw new ArgumentException($"--workload must be Read, Write or Quote, not {Workload}");
    }
}

/// <summary>One bench run: setup, the loops, and what they measured.</summary>
internal sealed class BenchRun(HttpClient client, BenchSettings settings)
{
    // Every run gets its own accounts, so a Write bench never piles onto an earlier run's entities and a Read bench
    // never depends on what an earlier run left.
    private readonly string _prefix = $"bench-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Stopwatch.GetTimestamp() % 1_000_000}";
    private long _calls;
    private long _errors;
    private long _sequence;

    public LongConcurrentHistogram Histogram { get; } = new(1, TimeStamp.Seconds(60), 3);
    public ConcurrentDictionary<string, ErrorCount> ErrorsByCode { get; } = new();
    public long Calls => Interlocked.Read(ref _calls);
    public long Errors => Interlocked.Read(ref _errors);
    public TimeSpan LoadTime { get; private set; }

    /// <summary>Opens the accounts the Read and Write workloads use (not measured).</summary>
    public async Task<bool> SetupAsync(CancellationToken ct)
    {
        if (settings.Workload == BenchWorkload.Quote) return true;
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Math.Min(settings.Concurrency, settings.Keys)).Select(async _ =>
        {
            for (var k = Interlocked.Increment(ref next); k < settings.Keys; k = Interlocked.Increment(ref next))
            {
                var (status, body) = await PostAsync("accounts", "Open", $$"""{"accountId":"{{Account(k)}}","owner":"bench"}""", $"{Account(k)}-open", ct).ConfigureAwait(false);
                if (status != 200)
                    throw new InvalidOperationException($"setup: opening {Account(k)} failed with HTTP {status}: {body}");
            }
        })).ConfigureAwait(false);
        return true;
    }

    /// <summary>Runs the closed loops for <paramref name="duration"/>.</summary>
    public async Task LoadAsync(TimeSpan duration, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(loop => Task.Run(async () =>
        {
            var random = new Random(loop);
            while (clock.Elapsed < duration && !ct.IsCancellationRequested)
            {
                var k = random.Next(settings.Keys);
                var (service, method, json, key) = settings.Workload switch
                {
                    BenchWorkload.Write => ("accounts", "Deposit", $$"""{"accountId":"{{Account(k)}}","amount":1}""",
                        $"{_prefix}-w{Interlocked.Increment(ref _sequence)}"),
                    BenchWorkload.Quote => ("quotes", "GetQuote", $$"""{"symbol":"SYM{{k}}","quantity":1}""", null),
                    _ => ("accounts", "GetBalance", $$"""{"accountId":"{{Account(k)}}"}""", null),
                };
                var start = Stopwatch.GetTimestamp();
                int status;
                string? body;
                try
                {
                    (status, body) = await PostAsync(service, method, json, key, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    (status, body) = (0, e.Message);
                }
                Histogram.RecordValue(Stopwatch.GetTimestamp() - start);
                Interlocked.Increment(ref _calls);
                if (status != 200) RecordError(status, body);
            }
        }, ct))).ConfigureAwait(false);
        LoadTime = clock.Elapsed;
    }

    private void RecordError(int status, string? body)
    {
        Interlocked.Increment(ref _errors);
        var error = status == 0 ? null : GatewayError.Parse(body ?? "");
        var code = status == 0 ? "no answer" : error?.Code.ToString() ?? $"HTTP {status}";
        ErrorsByCode.AddOrUpdate(code, _ => new ErrorCount(1, error?.Message ?? body ?? ""),
            (_, old) => new ErrorCount(old.Count + 1, error?.Message ?? body ?? ""));
    }

    private string Account(int k) => $"{_prefix}-{k.ToString(CultureInfo.InvariantCulture)}";

    private async Task<(int Status, string Body)> PostAsync(string service, string method, string json, string? idempotencyKey, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"rpc/{service}/{method}")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Rpc-Timeout-Ms", settings.TimeoutMs.ToString(CultureInfo.InvariantCulture));
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await client.SendAsync(request, ct).ConfigureAwait(false);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
    }
}

/// <summary>How often an error code was seen, and its most recent message.</summary>
internal sealed record ErrorCount(int Count, string LastMessage);
