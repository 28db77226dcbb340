namespace AkkaRpc.Stateless;

/// <summary>The result of a stateless handler: a response or a typed error. Both convert implicitly.</summary>
/// <typeparam name="T">The response type.</typeparam>
public readonly struct RpcOutcome<T> where T : IRpcMessage
{
    private RpcOutcome(T? value, RpcError? error)
    {
        Value = value;
        Error = error;
    }

    internal T? Value { get; }
    internal RpcError? Error { get; }

    /// <summary>A successful outcome.</summary>
    public static implicit operator RpcOutcome<T>(T value) => new(value ?? throw new ArgumentNullException(nameof(value)), null);

    /// <summary>A failed outcome.</summary>
    public static implicit operator RpcOutcome<T>(RpcError error) => new(default, error ?? throw new ArgumentNullException(nameof(error)));
}
