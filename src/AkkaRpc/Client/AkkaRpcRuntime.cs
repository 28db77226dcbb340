using Akka.Actor;
using AkkaRpc.Routing;

using AkkaRpc.Diagnostics;

namespace AkkaRpc.Client;

/// <summary>
/// The AkkaRpc part of one actor system: its client, its metrics, and where its calls go. Obtain it with
/// <see cref="Get"/>; it becomes usable once <c>WithAkkaRpc</c> has started the node's regions and routers.
/// </summary>
public sealed class AkkaRpcRuntime : IExtension
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private ServiceDirectory? _directory;
    private IActorRef? _correlator;
    private CallPipelines? _pipelines;

    internal AkkaRpcRuntime(ExtendedActorSystem system)
    {
        System = system;
        Client = new RpcClient(this);
        Failback = new FailbackResender(this, _stopping.Token);
        system.RegisterOnTermination(() =>
        {
            _stopping.Cancel();
            Metrics.Dispose();
        });
    }

    /// <summary>The runtime of <paramref name="system"/>.</summary>
    public static AkkaRpcRuntime Get(ActorSystem system) => system.WithExtension<AkkaRpcRuntime, AkkaRpcRuntimeProvider>();

    /// <summary>The actor system this runtime belongs to.</summary>
    public ActorSystem System { get; }

    /// <summary>The client of this node.</summary>
    public IRpcClient Client { get; }

    /// <summary>This node's instruments (meter <see cref="RpcMetrics.MeterName"/>).</summary>
    public RpcMetrics Metrics { get; } = new();

    /// <summary>Completes when the node's services are started and calls can be sent.</summary>
    public Task Started => _started.Task;

    /// <summary>The names of the services this node can call.</summary>
    public IReadOnlyCollection<string> Services => _directory?.All.Select(e => e.Service).ToArray() ?? [];

    /// <summary>The retry budget of <paramref name="service"/> (tokens left, for diagnostics).</summary>
    public RetryBudget RetryBudgetOf(string service) => Pipelines.BudgetFor(service);

    internal TimeProvider Time { get; private set; } = TimeProvider.System;
    internal PolicyTable Policies { get; private set; } = PolicyTable.Empty;
    internal PendingCalls Pending { get; } = new();
    internal FailbackResender Failback { get; }
    internal CallPipelines Pipelines => _pipelines ?? throw new InvalidOperationException("AkkaRpc has not started");
    internal ServiceDirectory Directory => _directory ?? throw new InvalidOperationException("AkkaRpc has not started");
    internal IActorRef Correlator => _correlator ?? throw new InvalidOperationException("AkkaRpc has not started");

    /// <summary>Batching routes to other nodes; null when batching is off.</summary>
    internal Transport.NodeRoutes? Routes { get; private set; }

    internal void Start(ServiceDirectory directory, IActorRef correlator, PolicyTable policies, ClientResilienceOptions resilience, TimeProvider time,
        Transport.NodeRoutes? routes = null)
    {
        Routes = routes;
        Time = time;
        Policies = policies;
        _pipelines = new CallPipelines(time, resilience, Metrics);
        _directory = directory;
        _correlator = correlator;
        _started.TrySetResult();
    }

    internal async Task<bool> WaitUntilStartedAsync(TimeSpan timeout, TimeProvider time, CancellationToken token)
    {
        if (_started.Task.IsCompleted) return true;
        if (timeout <= TimeSpan.Zero) return false;
        try
        {
            await _started.Task.WaitAsync(timeout, time, token).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException) { return false; }
        catch (OperationCanceledException) { return false; }
    }
}

/// <summary>Akka extension id of <see cref="AkkaRpcRuntime"/>.</summary>
public sealed class AkkaRpcRuntimeProvider : ExtensionIdProvider<AkkaRpcRuntime>
{
    /// <inheritdoc />
    public override AkkaRpcRuntime CreateExtension(ExtendedActorSystem system) => new(system);
}
