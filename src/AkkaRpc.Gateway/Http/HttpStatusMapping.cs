using Microsoft.AspNetCore.Http;

namespace AkkaRpc.Gateway.Http;

/// <summary>
/// RpcStatusCode → HTTP status. Choices where HTTP offers several: FailedPrecondition is 409 Conflict (the
/// resource's state forbids the operation, e.g. an overdraft or an idempotency key reused for a different request;
/// 412 is reserved for HTTP's own conditional headers, which the gateway does not use); Unimplemented is 404 (the
/// gateway returns it only for a service or method that does not exist); Cancelled is 499 (client closed request).
/// </summary>
public static class HttpStatusMapping
{
    /// <summary>The HTTP status for <paramref name="code"/>.</summary>
    public static int ToHttp(RpcStatusCode code) => code switch
    {
        RpcStatusCode.Ok => StatusCodes.Status200OK,
        RpcStatusCode.Cancelled => StatusCodes.Status499ClientClosedRequest,
        RpcStatusCode.InvalidArgument => StatusCodes.Status400BadRequest,
        RpcStatusCode.OutOfRange => StatusCodes.Status400BadRequest,
        RpcStatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        RpcStatusCode.NotFound => StatusCodes.Status404NotFound,
        RpcStatusCode.Unimplemented => StatusCodes.Status404NotFound,
        RpcStatusCode.AlreadyExists => StatusCodes.Status409Conflict,
        RpcStatusCode.Aborted => StatusCodes.Status409Conflict,
        RpcStatusCode.FailedPrecondition => StatusCodes.Status409Conflict,
        RpcStatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        RpcStatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        RpcStatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        RpcStatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError, // Unknown, Internal, DataLoss
    };
}
