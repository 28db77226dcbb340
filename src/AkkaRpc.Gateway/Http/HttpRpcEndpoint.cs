using System.Globalization;
using System.Text.Json;
using AkkaRpc.Gateway.Calls;
using AkkaRpc.Gateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AkkaRpc.Gateway.Http;

/// <summary>
/// <c>POST /rpc/{service}/{method}</c>: the request record as a JSON body; optional headers <c>Idempotency-Key</c>,
/// <c>Rpc-Timeout-Ms</c> (the call's deadline, from now) and <c>Rpc-Key</c> (must equal the payload's key). Success
/// is 200 with the response record as JSON and <c>Rpc-Attempts</c> / <c>Rpc-Served-By</c> headers; an error is the
/// mapped HTTP status with <c>{"code": "...", "status": n, "message": "..."}</c>.
/// </summary>
public static class HttpRpcEndpoint
{
    /// <summary>The route.</summary>
    public const string Route = "/rpc/{service}/{method}";

    /// <summary>Header carrying the idempotency key.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Header carrying the call's time budget in milliseconds.</summary>
    public const string TimeoutHeader = "Rpc-Timeout-Ms";

    /// <summary>Header carrying the key the caller means (optional, checked against the payload).</summary>
    public const string KeyHeader = "Rpc-Key";

    /// <summary>Maps the route.</summary>
    public static IEndpointConventionBuilder MapHttpRpc(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost(Route, HandleAsync);

    private static async Task HandleAsync(HttpContext http, string service, string method)
    {
        var options = http.RequestServices.GetRequiredService<GatewayOptions>();
        var caller = http.RequestServices.GetRequiredService<GatewayCaller>();
        GatewayResult result;
        int? status;
        try
        {
            (result, status) = await ParseAndCallAsync(http, service, method, options, caller).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits (body larger than MaxRequestBytes, a body cut short) surface while reading.
            await WriteErrorAsync(http, e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? new RpcError(RpcStatusCode.ResourceExhausted, $"the body is larger than {options.MaxRequestBytes} bytes")
                : RpcError.InvalidArgument($"the request could not be read: {e.Message}")).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return; // the caller is gone; there is nobody to answer
        }
        catch (Exception e)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HttpRpcEndpoint))
                .LogError(e, "Gateway HTTP call {Service}.{Method} failed", service, method);
            await WriteErrorAsync(http, StatusCodes.Status500InternalServerError,
                RpcError.Internal($"the gateway failed on this request: {e.GetType().Name}")).ConfigureAwait(false);
            return;
        }

        GatewayMetrics.Record("http", result.Error?.Code ?? RpcStatusCode.Ok);
        http.Response.Headers["Rpc-Attempts"] = result.Attempts.ToString(CultureInfo.InvariantCulture);
        if (result.ServedBy is { } servedBy) http.Response.Headers["Rpc-Served-By"] = servedBy;
        if (result.Error is { } error)
        {
            await WriteErrorAsync(http, status ?? HttpStatusMapping.ToHttp(error.Code), error).ConfigureAwait(false);
            return;
        }
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json; charset=utf-8";
        await http.Response.Body.WriteAsync(result.Response, http.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<(GatewayResult Result, int? Status)> ParseAndCallAsync(
        HttpContext http, string service, string method, GatewayOptions options, GatewayCaller caller)
    {
        var request = http.Request;
        if (request.ContentType is { Length: > 0 } contentType && !IsJson(contentType))
            return Refused(StatusCodes.Status415UnsupportedMediaType,
                RpcError.InvalidArgument($"the body must be application/json, not '{contentType}'"));
        if (request.ContentLength > options.MaxRequestBytes)
            return Refused(StatusCodes.Status413PayloadTooLarge,
                new RpcError(RpcStatusCode.ResourceExhausted, $"the body is {request.ContentLength} bytes; at most {options.MaxRequestBytes} are accepted"));

        string? idempotencyKey = null;
        if (request.Headers.TryGetValue(IdempotencyKeyHeader, out var keys))
        {
            if (keys.Count != 1) return Refused(400, RpcError.InvalidArgument($"send one {IdempotencyKeyHeader} header, not {keys.Count}"));
            idempotencyKey = keys[0] ?? "";
        }

        TimeSpan? timeout = null;
        if (request.Headers.TryGetValue(TimeoutHeader, out var timeouts))
        {
            if (timeouts.Count != 1 || !long.TryParse(timeouts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms <= 0)
                return Refused(400, RpcError.InvalidArgument(
                    $"{TimeoutHeader} must be one whole number of milliseconds from 1 to {options.MaxTimeoutMs}, not '{timeouts}'"));
            if (ms > options.MaxTimeoutMs)
                return Refused(400, RpcError.InvalidArgument(
                    $"{TimeoutHeader} is {ms} ms; at most {options.MaxTimeoutMs} ms is accepted"));
            timeout = TimeSpan.FromMilliseconds(ms);
        }

        string? key = request.Headers.TryGetValue(KeyHeader, out var keyHeader) ? keyHeader.ToString() : null;
        var body = await ReadBodyAsync(http, options.MaxRequestBytes).ConfigureAwait(false);
        var result = await caller.CallAsync(
            new GatewayRequest(service, method, key, body, PayloadFormat.Json, idempotencyKey, timeout),
            http.RequestAborted).ConfigureAwait(false);
        return (result, null);
    }

    // A status the HTTP layer chose itself (415, 413) wins over the generic mapping of the error's code.
    private static (GatewayResult, int?) Refused(int status, RpcError error) => (GatewayResult.Refused(error), status);

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext http, int limit)
    {
        // Kestrel enforces the limit while streaming too (chunked bodies have no Content-Length).
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit;
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted).ConfigureAwait(false);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static bool IsJson(string contentType) =>
        contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ||
        contentType.Split(';')[0].Trim().EndsWith("+json", StringComparison.OrdinalIgnoreCase);

    private static async Task WriteErrorAsync(HttpContext http, int status, RpcError error)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(http.Response.Body,
            new ErrorBody(error.Code.ToString(), (int)error.Code, error.Message), ErrorJson, http.RequestAborted).ConfigureAwait(false);
    }

    private static readonly JsonSerializerOptions ErrorJson = new(JsonSerializerDefaults.Web);

    /// <summary>The body of every error answer.</summary>
    /// <param name="Code">The status code's name, e.g. <c>InvalidArgument</c>.</param>
    /// <param name="Status">The status code's number (gRPC's numbering).</param>
    /// <param name="Message">What was wrong.</param>
    public sealed record ErrorBody(string Code, int Status, string Message);
}
