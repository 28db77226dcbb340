using System.Diagnostics.CodeAnalysis;

namespace AkkaRpc;

/// <summary>The outcome of one call: the typed response, or a typed error, plus what it took to get there.</summary>
/// <typeparam name="T">The response type.</typeparam>
public sealed class RpcResult<T>
{
    private RpcResult(T? value, RpcError? error, int attempts, string? servedBy, RpcError? swallowed = null, bool resendScheduled = false)
    {
        Value = value;
        Error = error;
        Attempts = attempts;
        ServedBy = servedBy;
        SwallowedError = swallowed;
        ResendScheduled = resendScheduled;
    }

    /// <summary>The response, when <see cref="IsOk"/>.</summary>
    public T? Value { get; }

    /// <summary>The error, when not <see cref="IsOk"/>.</summary>
    public RpcError? Error { get; }

    /// <summary>True when the call succeeded.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsOk => Error is null;

    /// <summary>The status code: <see cref="RpcStatusCode.Ok"/> or the error's code.</summary>
    public RpcStatusCode Code => Error?.Code ?? RpcStatusCode.Ok;

    /// <summary>How many attempts were sent (1 when the first one answered).</summary>
    public int Attempts { get; }

    /// <summary>Address of the node that produced the answer, when one did (diagnostics and tests).</summary>
    public string? ServedBy { get; }

    /// <summary>For a failsafe call answered with its fallback: the error that was swallowed.</summary>
    public RpcError? SwallowedError { get; }

    /// <summary>For a failback call that failed: true when it is being resent in the background.</summary>
    public bool ResendScheduled { get; }

    /// <summary>Creates a successful result.</summary>
    public static RpcResult<T> Ok(T value, int attempts, string? servedBy) => new(value, null, attempts, servedBy);

    /// <summary>Creates a failed result.</summary>
    public static RpcResult<T> Fail(RpcError error, int attempts, string? servedBy = null) => new(default, error, attempts, servedBy);

    /// <summary>A failsafe result: the fallback stands in for the answer, the error is kept.</summary>
    public static RpcResult<T> Fallback(T fallback, RpcError swallowed, int attempts) => new(fallback, null, attempts, null, swallowed);

    /// <summary>A failed failback call that keeps being resent in the background.</summary>
    public static RpcResult<T> FailResending(RpcError error, int attempts) => new(default, error, attempts, null, null, resendScheduled: true);

    /// <summary>Returns the value or throws an <see cref="RpcException"/> carrying the error.</summary>
    public T GetValueOrThrow() => IsOk ? Value : throw new RpcException(Error);

    /// <inheritdoc />
    public override string ToString() => IsOk ? $"Ok({Value})" : Error.ToString();
}
