using Akka.Configuration;

namespace AkkaRpc.Tests.Infrastructure;

/// <summary>Actor-system settings for TestKit specs: the AkkaRpc serializer, in-memory persistence, and every
/// message serialized even locally, so a message that could not cross the wire fails the test.</summary>
public static class TestConfig
{
    public static Config ActorTests => ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.actor {
          serialize-messages = on
          serializers.akkarpc = "AkkaRpc.Serialization.RpcSerializer, AkkaRpc"
          serialization-bindings { "AkkaRpc.IRpcMessage, AkkaRpc.Contracts" = akkarpc }
        }
        akka.persistence {
          journal.plugin = "akka.persistence.journal.inmem"
          snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        }
        """);
}
