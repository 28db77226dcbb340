using Akka.Actor;

namespace AkkaRpc.Protocol;

/// <summary>
/// Hand-off stop message for sharded entities. A PoisonPill would stop a persistent entity in the middle of a
/// write; this message queues behind the commands already in its mailbox, so they are answered first.
/// Sent only locally by the shard, hence no serialization check.
/// </summary>
internal sealed class StopEntity : INoSerializationVerificationNeeded
{
    public static readonly StopEntity Instance = new();
    private StopEntity() { }
}
