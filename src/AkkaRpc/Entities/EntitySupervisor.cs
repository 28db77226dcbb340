using Akka.Actor;
using Akka.Event;
using AkkaRpc.Protocol;

namespace AkkaRpc.Entities;

/// <summary>
/// What sharding starts for each key: a small parent that keeps the <see cref="EntityActor"/> alive. When the entity
/// stops on its own (a journal write failed, recovery failed), the supervisor waits with exponential backoff before
/// starting it again — a sick database is not hammered by one recovery per incoming call — and meanwhile answers every
/// call at once with Unavailable and a retry-after hint, so no caller waits for a timeout. Hand-off stops pass
/// through to the entity, which answers what is queued first.
/// </summary>
/// <remarks>
/// An <see cref="UntypedActor"/> with a switch, not a <c>ReceiveActor</c>: one supervisor starts per entity, and a
/// ReceiveActor builds its typed handlers for every instance and every <c>Become</c>, which was 3-4% of a node's CPU
/// while 10,000 entities recovered after a cold start (docs/disaster-recovery.md, item 9).
/// </remarks>
internal sealed class EntitySupervisor : UntypedActor, IWithTimers
{
    private const string RestartTimer = "restart";
    private readonly Props _childProps;
    private readonly RestartBackoff _backoff;
    private readonly TimeProvider _time;
    private readonly string _servedBy;
    private IActorRef? _child;
    private int _restarts;
    private DateTimeOffset _childStarted;
    private DateTimeOffset _restartAt;
    private bool _stopping;

    public EntitySupervisor(Props childProps, RestartBackoff backoff, TimeProvider time)
    {
        _childProps = childProps;
        _backoff = backoff;
        _time = time;
        _servedBy = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
        StartChild();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(RpcEntity definition, string key, EntitySettings settings) =>
        FactoryProducer<EntitySupervisor>.Props(() => new EntitySupervisor(EntityActor.Props(definition, key, settings), settings.RestartBackoff, settings.Time));

    public static Props Props(Props childProps, RestartBackoff backoff, TimeProvider time) =>
        FactoryProducer<EntitySupervisor>.Props(() => new EntitySupervisor(childProps, backoff, time));

    // A failing entity is stopped, not restarted in place: restarting would re-run recovery at once, with no backoff.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    protected override void OnReceive(object message) => Running(message);

    private void Running(object message)
    {
        switch (message)
        {
            case StopEntity stop:
                _stopping = true;
                _child.Tell(stop);
                break;
            case Terminated t when t.ActorRef.Equals(_child):
                if (_stopping)
                {
                    Context.Stop(Self);
                    return;
                }
                // Healthy for a while: the next failure starts the backoff from the bottom again.
                if (_time.GetUtcNow() - _childStarted >= _backoff.ResetAfter) _restarts = 0;
                _restarts++;
                var delay = _backoff.Delay(_restarts, Random.Shared);
                _restartAt = _time.GetUtcNow() + delay;
                Context.System.Log.Warning("Entity {0} stopped unexpectedly; restart {1} in {2:0} ms", Self.Path.Name, _restarts, delay.TotalMilliseconds);
                Timers.StartSingleTimer(RestartTimer, RestartNow.Instance, delay);
                Become(BackingOff);
                break;
            default:
                _child.Forward(message);
                break;
        }
    }

    private void BackingOff(object message)
    {
        switch (message)
        {
            case RpcCall call:
                var retryAfter = (int)Math.Max(50, (_restartAt - _time.GetUtcNow()).TotalMilliseconds);
                Sender.Tell(RpcReply.Fail(call.CallId, RpcError.Unavailable(
                    $"the entity is restarting after a failure (journal unavailable?); nothing was applied; retry after {retryAfter} ms"),
                    _servedBy, retryAfter));
                break;
            case RestartNow:
                StartChild();
                Become(Running);
                break;
            // Nothing to hand off while the entity is down.
            case StopEntity:
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void StartChild()
    {
        _child = Context.Watch(Context.ActorOf(_childProps, "entity"));
        _childStarted = _time.GetUtcNow();
    }

    private sealed class RestartNow
    {
        public static readonly RestartNow Instance = new();
    }
}
