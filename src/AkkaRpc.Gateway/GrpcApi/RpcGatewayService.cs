using AkkaRpc.Gateway.Calls;
using AkkaRpc.Gateway.Hosting;
using Google.Protobuf;
using Grpc.Core;
using GrpcStatus = Grpc.Core.Status;
using GrpcException = Grpc.Core.RpcException;

namespace AkkaRpc.Gateway.GrpcApi;

/// <summary>
/// The gRPC face of the gateway (<c>akkarpc.gateway.v1.RpcGateway/Call</c>). RpcStatusCode and gRPC status codes
/// share their numbers, so an error keeps its code; the gRPC deadline becomes the call's deadline.
/// </summary>
/// <remarks>Bound by <see cref="RpcGatewayMethods"/>, not by the generated base class (see there why).</remarks>
public sealed class RpcGatewayService
{
    private readonly GatewayCaller _caller;
    private readonly TimeProvider _time;

    /// <summary>Created per call by Grpc.AspNetCore.</summary>
    public RpcGatewayService(GatewayCaller caller, TimeProvider time)
    {
        _caller = caller;
        _time = time;
    }

    /// <summary>Handles one <c>Call</c>.</summary>
    public async Task<Grpc.CallReply> Call(Grpc.CallRequest request, ServerCallContext context)
    {
        var (payload, format) = request.PayloadCase switch
        {
            Grpc.CallRequest.PayloadOneofCase.Msgpack => (request.Msgpack.Memory, PayloadFormat.MessagePack),
            Grpc.CallRequest.PayloadOneofCase.Json => (System.Text.Encoding.UTF8.GetBytes(request.Json).AsMemory(), PayloadFormat.Json),
            _ => (ReadOnlyMemory<byte>.Empty, PayloadFormat.MessagePack),
        };

        GatewayResult result;
        if (request.PayloadCase == Grpc.CallRequest.PayloadOneofCase.None)
        {
            result = GatewayResult.Refused(RpcError.InvalidArgument("the call has no payload: set msgpack or json"));
        }
        else
        {
            // No deadline arrives as DateTime.MaxValue; the cluster's default timeout then applies.
            TimeSpan? timeout = context.Deadline == DateTime.MaxValue
                ? null
                : new DateTimeOffset(context.Deadline, TimeSpan.Zero) - _time.GetUtcNow();
            result = await _caller.CallAsync(new GatewayRequest(
                request.Service, request.Method, request.HasKey ? request.Key : null, payload, format,
                request.HasIdempotencyKey ? request.IdempotencyKey : null, timeout), context.CancellationToken).ConfigureAwait(false);
        }

        GatewayMetrics.Record("grpc", result.Error?.Code ?? RpcStatusCode.Ok);
        if (result.Error is { } error)
            throw new GrpcException(new GrpcStatus((StatusCode)(int)error.Code, error.Message));

        var reply = new Grpc.CallReply { Attempts = result.Attempts, ServedBy = result.ServedBy ?? "" };
        if (format == PayloadFormat.Json) reply.Json = System.Text.Encoding.UTF8.GetString(result.Response!);
        else reply.Msgpack = ByteString.CopyFrom(result.Response);
        return reply;
    }
}
