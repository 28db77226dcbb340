using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using AkkaRpc.Protocol;

namespace AkkaRpc.Entities;

/// <summary>
/// The one live instance of an entity: a thin persistent actor around the pure rules of an
/// <see cref="RpcEntity{TState}"/>. Per call: drop it if its deadline passed, answer a known request id from memory,
/// otherwise decide, persist one <see cref="AppliedCommand"/> row (events + request id + reply), apply, reply.
/// The reply is sent only after the row is durable, so an acknowledged write survives any node loss.
/// </summary>
internal sealed class EntityActor : UntypedPersistentActor
{
    private readonly RpcEntity _definition;
    private readonly string _key;
    private readonly EntitySettings _settings;
    private readonly RecentRequests _recent;
    private readonly string _servedBy;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IRpcMessage _state;
    private readonly long _createdAt = Stopwatch.GetTimestamp();
    private readonly Diagnostics.RpcMetrics _metrics = Client.AkkaRpcRuntime.Get(Context.System).Metrics;

    // The caller of the write in flight; Persist stashes other commands meanwhile, so there is at most one.
    private (IActorRef ReplyTo, long CallId)? _pendingWrite;

    public EntityActor(RpcEntity definition, string key, EntitySettings settings)
    {
        _definition = definition;
        _key = key;
        _settings = settings;
        _recent = new RecentRequests(settings.RememberedRequests);
        _state = definition.CreateInitialState(key);
        _servedBy = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
        PersistenceId = PersistenceIdOf(definition.Service, key);
    }

    public static Props Props(RpcEntity definition, string key, EntitySettings settings) =>
        FactoryProducer<EntityActor>.Props(() => new EntityActor(definition, key, settings));

    /// <summary>The journal stream of one entity: service and key, never a CLR type name.</summary>
    public static string PersistenceIdOf(string service, string key) => $"{service}/{key}";

    public override string PersistenceId { get; }

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: EntitySnapshot snapshot }:
                _state = snapshot.State;
                _recent.Restore(snapshot.Recent);
                break;
            case AppliedCommand applied:
                foreach (var e in applied.Events) _state = _definition.ApplyEvent(_state, e);
                _recent.Remember(applied.RequestId, applied.Reply, applied.Fingerprint);
                break;
            case RecoveryCompleted:
                _metrics.RecordRecovery(_definition.Service, Stopwatch.GetElapsedTime(_createdAt));
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case RpcCall call:
                Handle(call);
                break;
            case StopEntity:
                Context.Stop(Self);
                break;
            case SaveSnapshotSuccess saved:
                // Older snapshots are dead weight once a newer one is durable.
                DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
                break;
            case SaveSnapshotFailure failed:
                _log.Warning(failed.Cause, "Snapshot of {0} at {1} failed; recovery replays more rows until the next one",
                    PersistenceId, failed.Metadata.SequenceNr);
                break;
            case DeleteSnapshotsSuccess:
                break;
            case DeleteSnapshotsFailure failed:
                _log.Warning(failed.Cause, "Deleting old snapshots of {0} failed", PersistenceId);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Handle(RpcCall call)
    {
        var replyTo = Sender;
        if (_settings.Time.GetUtcNow().ToUnixTimeMilliseconds() > call.DeadlineUnixMs)
        {
            Fail(replyTo, call, RpcError.DeadlineExceeded("the deadline passed before the entity could apply the request; nothing was applied"));
            return;
        }
        if (_settings.Shedder?.Check(call, _definition.Service) is { } shed)
        {
            replyTo.Tell(RpcReply.Fail(call.CallId, shed.Error, _servedBy, shed.RetryAfterMs));
            return;
        }

        if (_recent.TryGet(call.RequestId, out var remembered))
        {
            if (!TryFingerprint(call, replyTo, out var repeated)) return;
            // Same key, different request: answering with the old reply would tell the caller its new request was
            // applied when it was not.
            if (RequestFingerprint.Conflicts(remembered.Fingerprint, repeated))
                Fail(replyTo, call, RpcError.FailedPrecondition(
                    $"idempotency key '{call.RequestId}' was already used for a different request to {PersistenceId}; " +
                    "nothing was applied (use a new key for a new request)"));
            else if (TryDecode(remembered, call, replyTo, out var original))
                replyTo.Tell(RpcReply.Ok(call.CallId, original, _servedBy, deduplicated: true));
            return;
        }

        EntityOutcome? outcome;
        IRpcMessage? newState = null;
        IRpcMessage? reply = null;
        try
        {
            outcome = _definition.Decide(_state, call.Request);
            if (outcome?.Events is { } events)
            {
                // Apply before persisting only to compute the reply; the state changes after the row is durable.
                newState = _state;
                foreach (var e in events) newState = _definition.ApplyEvent(newState, e);
                reply = outcome.ReplyFromState!(newState);
            }
        }
        catch (Exception e)
        {
            _log.Error(e, "{0} threw on {1}; nothing was applied", PersistenceId, call.Request.GetType().Name);
            Fail(replyTo, call, RpcError.Internal($"the {_definition.Service} service failed on this request: {e.GetType().Name}; nothing was applied"));
            return;
        }

        switch (outcome)
        {
            case null:
                Fail(replyTo, call, RpcError.Unimplemented(
                    $"service '{_definition.Service}' has no method for {call.Request.GetType().Name}"));
                break;
            case { Error: { } error }:
                Fail(replyTo, call, error);
                break;
            case { Events: null }:
                replyTo.Tell(RpcReply.Ok(call.CallId, outcome.Reply!, _servedBy));
                break;
            default:
                // Only writes are remembered, so only writes pay for a fingerprint (reads skip the hashing).
                if (!TryFingerprint(call, replyTo, out var fingerprint)) break;
                if (_settings.Shedder?.TryEnterWrite(_definition.Service) is { } full)
                {
                    replyTo.Tell(RpcReply.Fail(call.CallId, full.Error, _servedBy, full.RetryAfterMs));
                    break;
                }
                _pendingWrite = (replyTo, call.CallId);
                var persistStarted = Stopwatch.GetTimestamp();
                Persist(new AppliedCommand(call.RequestId, outcome.Events, new StoredReply(reply!), fingerprint), applied =>
                {
                    _metrics.RecordJournalWrite(_definition.Service, Stopwatch.GetElapsedTime(persistStarted));
                    _pendingWrite = null;
                    _settings.Shedder?.ExitWrite();
                    _state = newState!;
                    _recent.Remember(applied.RequestId, applied.Reply, applied.Fingerprint);
                    replyTo.Tell(RpcReply.Ok(call.CallId, applied.Reply.Message, _servedBy));
                    if (LastSequenceNr % _settings.SnapshotEvery == 0)
                        SaveSnapshot(new EntitySnapshot(_state, _recent.ToList()));
                });
                break;
        }
    }

    private bool TryFingerprint(RpcCall call, IActorRef replyTo, out byte[] fingerprint)
    {
        try
        {
            fingerprint = RequestFingerprint.Of(call.Request);
            return true;
        }
        catch (Exception e)
        {
            // A request that cannot be serialized here could not have arrived over the wire either: a bug, not input.
            _log.Error(e, "{0} could not fingerprint {1}", PersistenceId, call.Request.GetType().Name);
            Fail(replyTo, call, RpcError.Internal($"the request could not be fingerprinted: {e.GetType().Name}; nothing was applied"));
            fingerprint = [];
            return false;
        }
    }

    /// <summary>A remembered reply read from the journal is decoded only now, when a retry asks for it.</summary>
    private bool TryDecode(RememberedRequest remembered, RpcCall call, IActorRef replyTo, out IRpcMessage reply)
    {
        try
        {
            reply = remembered.Reply.Message;
            return true;
        }
        catch (Exception e)
        {
            // The request was applied; only its stored reply is unreadable (a damaged row or snapshot, or a reply type
            // this node cannot read). Applying it again would apply it twice, so the retry gets an error that says so.
            _log.Error(e, "{0}: the stored reply to request {1} cannot be read", PersistenceId, call.RequestId);
            Fail(replyTo, call, RpcError.Internal(
                $"request '{call.RequestId}' was already applied to {PersistenceId}, but its stored reply cannot be read " +
                $"({e.GetType().Name}); it was not applied again"));
            reply = null!;
            return false;
        }
    }

    private void Fail(IActorRef replyTo, RpcCall call, RpcError error) =>
        replyTo.Tell(RpcReply.Fail(call.CallId, error, _servedBy));

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        // The journal may or may not have stored the row; the actor stops and the next attempt (same request id)
        // recovers from the journal, so a retry is answered from the dedupe window if the row did land.
        if (_pendingWrite is { } pending)
        {
            _settings.Shedder?.ExitWrite();
            pending.ReplyTo.Tell(RpcReply.Fail(pending.CallId,
                RpcError.Unavailable($"the journal write failed ({cause.GetType().Name}); retry with the same request id"), _servedBy, 500));
        }
        _pendingWrite = null;
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // Rejected means not stored (e.g. it could not be serialized): a definite failure.
        if (_pendingWrite is { } pending)
        {
            _settings.Shedder?.ExitWrite();
            pending.ReplyTo.Tell(RpcReply.Fail(pending.CallId,
                RpcError.Internal($"the journal rejected the write ({cause.Message}); nothing was applied"), _servedBy));
        }
        _pendingWrite = null;
        base.OnPersistRejected(cause, @event, sequenceNr);
    }
}
