namespace AkkaRpc.Transport;

/// <summary>
/// A batcher Tells itself this when a new batch starts: everything already in its mailbox arrives before it and joins
/// the batch, so a batch leaves as soon as the queue has drained — never on a timer — and waits at most for the
/// messages that were ahead of it.
/// </summary>
internal sealed class FlushBatch : Akka.Actor.INoSerializationVerificationNeeded
{
    public static readonly FlushBatch Instance = new();

    private FlushBatch() { }

    /// <summary>
    /// Tells <paramref name="batcher"/> to flush once the work already queued in this process has had its turn: the
    /// marker goes to the back of the thread pool's global queue first, so callers that are about to send (their
    /// continuations are in that queue) still make it into the batch. Idle, that is microseconds; busy, the batch grows.
    /// </summary>
    public static void After(Akka.Actor.IActorRef batcher) =>
        ThreadPool.UnsafeQueueUserWorkItem(static b => b.Tell(Instance, Akka.Actor.ActorRefs.NoSender), batcher, preferLocal: false);
}
