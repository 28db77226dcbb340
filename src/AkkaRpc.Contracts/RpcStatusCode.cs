namespace AkkaRpc;

/// <summary>
/// Outcome of a call, in gRPC's vocabulary and with gRPC's numbers, so the gateway maps them one to one.
/// </summary>
public enum RpcStatusCode
{
    /// <summary>Success.</summary>
    Ok = 0,
    /// <summary>The caller cancelled the call.</summary>
    Cancelled = 1,
    /// <summary>An error that fits no other code.</summary>
    Unknown = 2,
    /// <summary>The request is malformed or its arguments are invalid, whatever the state. Not retried.</summary>
    InvalidArgument = 3,
    /// <summary>The deadline passed before the call completed. The write may or may not have been applied.</summary>
    DeadlineExceeded = 4,
    /// <summary>The entity or resource does not exist.</summary>
    NotFound = 5,
    /// <summary>The entity or resource already exists.</summary>
    AlreadyExists = 6,
    /// <summary>The caller may not do this.</summary>
    PermissionDenied = 7,
    /// <summary>Out of capacity (load shed, quota); retry later.</summary>
    ResourceExhausted = 8,
    /// <summary>The state does not allow the operation (e.g. an overdraft). Not retried.</summary>
    FailedPrecondition = 9,
    /// <summary>Aborted by a concurrency conflict.</summary>
    Aborted = 10,
    /// <summary>A value outside the accepted range.</summary>
    OutOfRange = 11,
    /// <summary>Unknown service or method.</summary>
    Unimplemented = 12,
    /// <summary>A bug or an invariant broken on the server.</summary>
    Internal = 13,
    /// <summary>No node could serve the call right now (node down, shard moving). Safe to retry.</summary>
    Unavailable = 14,
    /// <summary>Unrecoverable data loss.</summary>
    DataLoss = 15,
    /// <summary>The caller is not authenticated.</summary>
    Unauthenticated = 16,
}
