using Akka.Actor;
using Akka.Event;

namespace AkkaRpc.Backup;

/// <summary>
/// Every node with a SQL journal writes a heartbeat row (its address, host and pid) into the journal database every
/// <see cref="Interval"/>, and deletes it when it shuts down gracefully. A restore reads these rows to refuse a
/// database that a running cluster is using: rows written by a node while the restore runs would interleave with
/// the restored journal. Why a row in the database and not, say, a probe of the seed nodes: the database is the one
/// thing the restore and every node share, on one machine (SQLite) or many (PostgreSQL); the restore needs no
/// cluster configuration; an idle cluster (no journal writes) is still seen; and the database's own clock stamps the
/// rows, so clocks of different machines do not matter.
/// </summary>
public sealed class NodeHeartbeat : ReceiveActor, IWithTimers
{
    /// <summary>How often a node writes its heartbeat.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A node whose heartbeat is younger than this counts as running: three intervals, so a node slowed by load that
    /// misses a beat still counts. A node killed with <c>kill -9</c> (no goodbye) stops counting this long after its
    /// last beat.
    /// </summary>
    public static readonly TimeSpan LiveWithin = TimeSpan.FromSeconds(15);

    /// <summary>The actor's name under /user.</summary>
    public const string Name = "akkarpc-heartbeat";

    private readonly JournalDatabase _database;
    private readonly string _address;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _writing;
    private bool _failing;

    /// <summary>Creates the heartbeat (use <see cref="Props"/>).</summary>
    public NodeHeartbeat(JournalDatabase database, string address)
    {
        _database = database;
        _address = address;
        Receive<Beat>(_ =>
        {
            // One write at a time: a slow database skips beats instead of queueing them.
            if (_writing) return;
            _writing = true;
            _database.HeartbeatAsync(_address, Environment.MachineName, Environment.ProcessId)
                .PipeTo(Self, success: () => Written.Instance, failure: e => new Status.Failure(e));
        });
        Receive<Written>(_ =>
        {
            _writing = false;
            if (_failing) _log.Info("Node heartbeat in {0} written again", _database.Description);
            _failing = false;
        });
        Receive<Status.Failure>(failure =>
        {
            _writing = false;
            // Never fatal: the heartbeat only protects restores; the node keeps serving without it.
            if (!_failing) _log.Warning("Node heartbeat in {0} failed ({1}); a restore may not see this node running", _database.Description, failure.Cause.Message);
            _failing = true;
        });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The heartbeat's props.</summary>
    /// <param name="database">The node's journal database.</param>
    /// <param name="address">The node's cluster address.</param>
    public static Props Props(JournalDatabase database, string address) =>
        Akka.Actor.Props.Create(() => new NodeHeartbeat(database, address));

    /// <inheritdoc />
    protected override void PreStart()
    {
        Self.Tell(Beat.Instance);
        Timers.StartPeriodicTimer("beat", Beat.Instance, Interval);
    }

    private sealed class Beat
    {
        public static readonly Beat Instance = new();
    }

    private sealed class Written
    {
        public static readonly Written Instance = new();
    }
}
