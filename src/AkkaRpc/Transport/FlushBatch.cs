namespace AkkaRpc.Transport;

/// <summary>
/// A batcher Tells itself this when a new batch starts: everything already in its mailbox arrives before it and joins
/// the batch, so a batch leaves as soon as the queue has drained — never on a timer — and waits at most for the
/// messages that were ahead of it.
/// </summary>
internal sealed class FlushBatch
{
    public static readonly FlushBatch Instance = new();

    private FlushBatch() { }
}
