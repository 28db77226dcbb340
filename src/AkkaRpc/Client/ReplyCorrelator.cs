using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaRpc.Protocol;
using AkkaRpc.Serialization;

namespace AkkaRpc.Client;

/// <summary>
/// The sender of every attempt from this node; hands each reply to the attempt waiting for it, whether it came alone
/// or in a <see cref="RpcReplyBatch"/> from another node. When a member that crashed (it was downed) is removed,
/// attempts that have waited longer than <see cref="StaleAfter"/> are answered <c>Unavailable</c> at once, so the
/// client retries them now instead of after its attempt timeout.
/// </summary>
internal sealed class ReplyCorrelator : UntypedActor
{
    public const string Name = "rpc-replies";

    /// <summary>
    /// Why the age: the client does not know which node an attempt went to (the shard region picks), and an attempt sent
    /// to a crashed node is never answered. At removal (about half a second after a kill -9 with dead-process downing),
    /// an attempt still waiting after 250 ms most likely went there: a healthy node answers in milliseconds. A
    /// healthy attempt failed this way is only sent again with the same request id (the entity answers the repeat from
    /// its dedupe window); a younger attempt to the dead node keeps its attempt timeout.
    /// </summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMilliseconds(250);

    private readonly PendingCalls _pending;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<RpcReply> _replies = [];

    public ReplyCorrelator(PendingCalls pending, TimeProvider time)
    {
        _pending = pending;
        _time = time;
    }

    public static Props Props(PendingCalls pending, TimeProvider time) => Akka.Actor.Props.Create(() => new ReplyCorrelator(pending, time));

    // Only a clustered system has members to lose (tests run the client on a plain actor system).
    private bool Clustered => ((ExtendedActorSystem)Context.System).Provider is ClusterActorRefProvider;

    protected override void PreStart()
    {
        if (Clustered)
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));
    }

    protected override void PostStop()
    {
        if (Clustered) Cluster.Get(Context.System).Unsubscribe(Self);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RpcReply reply:
                _pending.Complete(reply);
                break;
            // A graceful leave hands its shards off and answers what it holds; only a downed member loses attempts.
            case ClusterEvent.MemberRemoved { PreviousStatus: MemberStatus.Down } removed:
                var cutoff = _time.GetTimestamp() - (long)(StaleAfter.TotalSeconds * _time.TimestampFrequency);
                var failed = _pending.FailSentBefore(cutoff, $"member {removed.Member.Address} crashed and was removed; the attempt may have gone there");
                _log.Info("Member {0} removed after a down: {1} attempts waiting longer than {2:0} ms answered Unavailable (retried at once)",
                    removed.Member.Address, failed, StaleAfter.TotalMilliseconds);
                break;
            case ClusterEvent.MemberRemoved:
                break;
            case RpcReplyBatch batch:
                _replies.Clear();
                try
                {
                    BatchBuffer.ReadReplies(batch.Body, _replies);
                }
                catch (Exception e)
                {
                    // Unreadable replies leave their attempts to time out and retry (the entity dedupes the retry).
                    _log.Warning("Dropped the rest of a reply batch after {0} reply(ies): {1}", _replies.Count, e.Message);
                }
                foreach (var r in _replies) _pending.Complete(r);
                _replies.Clear();
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
