namespace AkkaRpc.Entities;

/// <summary>
/// What an entity handler decided for one request: reply without a change (a read), persist events and reply, or
/// reject with a typed error. Built with the helpers on <see cref="RpcEntity{TState}"/>; an <see cref="RpcError"/>
/// converts to a rejection implicitly, so a handler can simply <c>return RpcError.InvalidArgument("...")</c>.
/// </summary>
/// <typeparam name="TResponse">The response type of the request.</typeparam>
public sealed class EntityDecision<TResponse> where TResponse : IRpcMessage
{
    internal EntityDecision(RpcError? error, TResponse? reply, IReadOnlyList<IRpcMessage>? events, Func<object, TResponse>? replyFromState)
    {
        Error = error;
        Reply = reply;
        Events = events;
        ReplyFromState = replyFromState;
    }

    internal RpcError? Error { get; }
    internal TResponse? Reply { get; }
    internal IReadOnlyList<IRpcMessage>? Events { get; }
    internal Func<object, TResponse>? ReplyFromState { get; }

    /// <summary>A rejection: nothing is persisted and the caller receives <paramref name="error"/>.</summary>
    public static implicit operator EntityDecision<TResponse>(RpcError error) =>
        new(error ?? throw new ArgumentNullException(nameof(error)), default, null, null);
}
