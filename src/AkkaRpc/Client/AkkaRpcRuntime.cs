using Akka.Actor;
using AkkaRpc.Routing;

namespace AkkaRpc.Client;

/// <summary>
/// The AkkaRpc part of one actor system: its client, and where its calls go. Obtain it with
/// <see cref="Get"/>; it becomes usable once <c>WithAkkaRpc</c> has started the node's regions and routers.
/// </summary>
public sealed class AkkaRpcRuntime : IExtension
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ServiceDirectory? _directory;
    private IActorRef? _correlator;

    internal AkkaRpcRuntime(ExtendedActorSystem system)
    {
        System = system;
        Client = new RpcClient(this);
    }

    /// <summary>The runtime of <paramref name="system"/>.</summary>
    public static AkkaRpcRuntime Get(ActorSystem system) => system.WithExtension<AkkaRpcRuntime, AkkaRpcRuntimeProvider>();

    /// <summary>The actor system this runtime belongs to.</summary>
    public ActorSystem System { get; }

    /// <summary>The client of this node.</summary>
    public IRpcClient Client { get; }

    /// <summary>Completes when the node's services are started and calls can be sent.</summary>
    public Task Started => _started.Task;

    /// <summary>The names of the services this node can call.</summary>
    public IReadOnlyCollection<string> Services => _directory?.All.Select(e => e.Service).ToArray() ?? [];

    internal TimeProvider Time { get; private set; } = TimeProvider.System;
    internal CallPolicy DefaultPolicy { get; private set; } = CallPolicy.Default;
    internal PendingCalls Pending { get; } = new();
    internal ServiceDirectory Directory => _directory ?? throw new InvalidOperationException("AkkaRpc has not started");
    internal IActorRef Correlator => _correlator ?? throw new InvalidOperationException("AkkaRpc has not started");

    internal void Start(ServiceDirectory directory, IActorRef correlator, CallPolicy defaultPolicy, TimeProvider time)
    {
        _directory = directory;
        _correlator = correlator;
        DefaultPolicy = defaultPolicy;
        Time = time;
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
