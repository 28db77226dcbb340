namespace AkkaRpc;

/// <summary>A typed error: a status code and a message that says what was wrong.</summary>
/// <param name="Code">The status code; never <see cref="RpcStatusCode.Ok"/>.</param>
/// <param name="Message">Human-readable detail, safe to show to the caller.</param>
public sealed record RpcError(RpcStatusCode Code, string Message)
{
    /// <summary>Creates an <see cref="RpcStatusCode.InvalidArgument"/> error.</summary>
    public static RpcError InvalidArgument(string message) => new(RpcStatusCode.InvalidArgument, message);

    /// <summary>Creates a <see cref="RpcStatusCode.NotFound"/> error.</summary>
    public static RpcError NotFound(string message) => new(RpcStatusCode.NotFound, message);

    /// <summary>Creates an <see cref="RpcStatusCode.AlreadyExists"/> error.</summary>
    public static RpcError AlreadyExists(string message) => new(RpcStatusCode.AlreadyExists, message);

    /// <summary>Creates a <see cref="RpcStatusCode.FailedPrecondition"/> error.</summary>
    public static RpcError FailedPrecondition(string message) => new(RpcStatusCode.FailedPrecondition, message);

    /// <summary>Creates a <see cref="RpcStatusCode.Unavailable"/> error.</summary>
    public static RpcError Unavailable(string message) => new(RpcStatusCode.Unavailable, message);

    /// <summary>Creates a <see cref="RpcStatusCode.DeadlineExceeded"/> error.</summary>
    public static RpcError DeadlineExceeded(string message) => new(RpcStatusCode.DeadlineExceeded, message);

    /// <summary>Creates an <see cref="RpcStatusCode.Unimplemented"/> error.</summary>
    public static RpcError Unimplemented(string message) => new(RpcStatusCode.Unimplemented, message);

    /// <summary>Creates an <see cref="RpcStatusCode.Internal"/> error.</summary>
    public static RpcError Internal(string message) => new(RpcStatusCode.Internal, message);

    /// <inheritdoc />
    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>Thrown by <see cref="RpcResult{T}.GetValueOrThrow"/> for callers that prefer exceptions.</summary>
public sealed class RpcException : Exception
{
    /// <summary>Wraps an <see cref="RpcError"/>.</summary>
    public RpcException(RpcError error) : base(error.ToString()) => Error = error;

    /// <summary>The typed error.</summary>
    public RpcError Error { get; }

    /// <summary>Shortcut for <c>Error.Code</c>.</summary>
    public RpcStatusCode Code => Error.Code;
}
