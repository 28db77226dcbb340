using Akka.Actor;
using Akka.Configuration;

namespace AkkaRpc.Backup;

/// <summary>
/// Deserializes journal and snapshot payloads exactly as a node would: through Akka's serialization with the AkkaRpc
/// serializer bound, in a minimal local actor system (no remoting, no cluster, no persistence). The domain types
/// must be known to <see cref="Serialization.WireTypes"/> (load their assemblies first).
/// </summary>
public sealed class PayloadReader : IAsyncDisposable
{
    private static readonly Config Settings = ConfigurationFactory.ParseString("""
        akka.loglevel = ERROR
        akka.stdout-loglevel = ERROR
        akka.actor {
          serializers.akkarpc = "AkkaRpc.Serialization.RpcSerializer, AkkaRpc"
          serialization-bindings { "AkkaRpc.IRpcMessage, AkkaRpc.Contracts" = akkarpc }
        }
        """);

    private readonly ActorSystem _system = ActorSystem.Create("akkarpc-verify", Settings);
    private readonly Akka.Serialization.Serialization _serialization;

    /// <summary>Starts the local actor system.</summary>
    public PayloadReader() => _serialization = _system.Serialization;

    /// <summary>The payload object; throws when it cannot be read, remembered replies included.</summary>
    /// <param name="bytes">The stored bytes.</param>
    /// <param name="serializerId">The stored serializer id.</param>
    /// <param name="manifest">The stored manifest.</param>
    public object Read(byte[] bytes, int serializerId, string manifest)
    {
        var payload = _serialization.Deserialize(bytes, serializerId, manifest);
        // A node decodes a remembered reply only when a retry asks for it (StoredReply); a check decodes them all.
        switch (payload)
        {
            case Protocol.AppliedCommand applied:
                _ = applied.Reply.Message;
                break;
            case Protocol.EntitySnapshot snapshot:
                foreach (var remembered in snapshot.Recent) _ = remembered.Reply.Message;
                break;
        }
        return payload;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _system.Terminate().ConfigureAwait(false);
}
