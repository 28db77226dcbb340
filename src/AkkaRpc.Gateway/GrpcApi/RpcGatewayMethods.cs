using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using GrpcException = Grpc.Core.RpcException;

namespace AkkaRpc.Gateway.GrpcApi;

/// <summary>
/// Binds <c>akkarpc.gateway.v1.RpcGateway/Call</c> to <see cref="RpcGatewayService"/> with a request marshaller that
/// turns undecodable protobuf into INVALID_ARGUMENT. The generated binding would let the parse exception escape as
/// UNKNOWN ("Exception was thrown by handler"), which tells the caller nothing.
/// </summary>
internal sealed class RpcGatewayMethods : IServiceMethodProvider<RpcGatewayService>
{
    internal static readonly Method<Grpc.CallRequest, Grpc.CallReply> Call = new(
        MethodType.Unary,
        Grpc.RpcGateway.Descriptor.FullName,
        "Call",
        Marshallers.Create(r => r.ToByteArray(), ParseRequest),
        Marshallers.Create(r => r.ToByteArray(), Grpc.CallReply.Parser.ParseFrom));

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<RpcGatewayService> context) =>
        context.AddUnaryMethod(Call, [], (service, request, call) => service.Call(request, call));

    private static Grpc.CallRequest ParseRequest(byte[] bytes)
    {
        try
        {
            return Grpc.CallRequest.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            // Grpc.AspNetCore answers an RpcException thrown here with its own status.
            throw new GrpcException(new Status(StatusCode.InvalidArgument, $"the message is not a valid CallRequest: {e.Message}"));
        }
    }
}
