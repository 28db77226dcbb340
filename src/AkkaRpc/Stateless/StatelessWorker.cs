using Akka.Actor;
using Akka.Event;
using AkkaRpc.Protocol;

namespace AkkaRpc.Stateless;

/// <summary>
/// Runs the handlers of one stateless service. A node runs a small local pool of these behind its own
/// consistent-hash pool router, so one hash key also keeps hitting the same worker within the node.
/// </summary>
internal sealed class StatelessWorker : ReceiveActor
{
    private readonly RpcService _definition;
    private readonly TimeProvider _time;
    private readonly string _servedBy;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private readonly Routing.LoadShedder? _shedder;

    public StatelessWorker(RpcService definition, TimeProvider time, Routing.LoadShedder? shedder)
    {
        _definition = definition;
        _time = time;
        _shedder = shedder;
        _servedBy = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
        Receive<RpcCall>(Handle);
    }

    public static Props Props(RpcService definition, TimeProvider time, Routing.LoadShedder? shedder = null) =>
        Akka.Actor.Props.Create(() => new StatelessWorker(definition, time, shedder));

    private void Handle(RpcCall call)
    {
        var replyTo = Sender;
        var left = DateTimeOffset.FromUnixTimeMilliseconds(call.DeadlineUnixMs) - _time.GetUtcNow();
        if (left <= TimeSpan.Zero)
        {
            replyTo.Tell(RpcReply.Fail(call.CallId, RpcError.DeadlineExceeded("the deadline passed before a worker picked the request up"), _servedBy));
            return;
        }

        if (_shedder?.Check(call, _definition.Service) is { } shed)
        {
            replyTo.Tell(RpcReply.Fail(call.CallId, shed.Error, _servedBy, shed.RetryAfterMs));
            return;
        }

        var handler = _definition.HandlerFor(call.Request.GetType());
        if (handler is null)
        {
            replyTo.Tell(RpcReply.Fail(call.CallId,
                RpcError.Unimplemented($"service '{_definition.Service}' has no method for {call.Request.GetType().Name}"), _servedBy));
            return;
        }

        ValueTask<(IRpcMessage? Value, RpcError? Error)> pending;
        CancellationTokenSource? deadline = null;
        try
        {
            if (handler.IsAsync) deadline = new CancellationTokenSource(left, _time);
            pending = handler.Invoke(call.Request, deadline?.Token ?? CancellationToken.None);
        }
        catch (Exception e)
        {
            deadline?.Dispose();
            replyTo.Tell(Failed(call, e));
            return;
        }

        if (pending.IsCompletedSuccessfully)
        {
            deadline?.Dispose();
            replyTo.Tell(ToReply(call, pending.Result));
            return;
        }

        // Asynchronous handler: answer from the continuation, which touches no actor state.
        var servedBy = _servedBy;
        pending.AsTask().ContinueWith(t =>
        {
            deadline?.Dispose();
            replyTo.Tell(t.IsCompletedSuccessfully ? ToReply(call, t.Result)
                : t.IsCanceled ? RpcReply.Fail(call.CallId, RpcError.DeadlineExceeded("the handler ran past the deadline"), servedBy)
                : Failed(call, t.Exception!.GetBaseException()));
        }, TaskScheduler.Default);
    }

    private RpcReply ToReply(RpcCall call, (IRpcMessage? Value, RpcError? Error) outcome) =>
        outcome.Error is { } error
            ? RpcReply.Fail(call.CallId, error, _servedBy)
            : RpcReply.Ok(call.CallId, outcome.Value!, _servedBy);

    private RpcReply Failed(RpcCall call, Exception e)
    {
        _log.Error(e, "Service {0} threw on {1}", _definition.Service, call.Request.GetType().Name);
        return RpcReply.Fail(call.CallId, RpcError.Internal($"the {_definition.Service} service failed on this request: {e.GetType().Name}"), _servedBy);
    }
}
