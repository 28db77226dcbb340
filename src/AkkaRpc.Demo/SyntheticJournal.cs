using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Configuration;
using AkkaRpc.Backup;
using AkkaRpc.Entities;
using AkkaRpc.Protocol;
using AkkaRpc.Sample.Accounts;
using AkkaRpc.Serialization;

namespace AkkaRpc.Demo;

/// <summary>
/// The journal a cluster would have written after <c>entities</c> accounts each took <c>commands</c> writes (one Open,
/// then Deposits), produced offline for the cold-restart benchmark: writing a million events through the gateways
/// takes the better part of an hour on this machine. Each row is made the way <see cref="EntityActor"/> makes it, with
/// the same code: the accounts entity decides the request and folds its events, the reply is computed from the new
/// state, the row is an <see cref="AppliedCommand"/> with the request's fingerprint, serialized by
/// <see cref="RpcSerializer"/> (manifest <c>rpc.applied</c>, serializer 7301), and an <see cref="EntitySnapshot"/>
/// (state + remembered request ids) is taken whenever the sequence number is a multiple of <c>snapshotEvery</c>, of
/// which only the newest is kept (the entity deletes older ones). Writes are interleaved across accounts in rounds, as
/// concurrent callers would leave them, so one account's rows are spread over the whole table.
/// </summary>
internal sealed class SyntheticJournal
{
    private static readonly DateTime Start = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly int _entities;
    private readonly int _commands;
    private readonly int _snapshotEvery;
    private readonly int _remembered;

    /// <param name="entities">Accounts.</param>
    /// <param name="commands">Journal rows per account (1 Open + commands-1 Deposits).</param>
    /// <param name="snapshotEvery">The node's SnapshotEvery; 0 writes no snapshots (a journal that only replays).</param>
    /// <param name="remembered">The node's RememberedRequestsPerEntity (what a snapshot carries).</param>
    public SyntheticJournal(int entities, int commands, int snapshotEvery, int remembered)
    {
        _entities = entities;
        _commands = commands;
        _snapshotEvery = snapshotEvery;
        _remembered = remembered;
    }

    /// <summary>Journal rows in all.</summary>
    public long Events => (long)_entities * _commands;

    /// <summary>The key of account <paramref name="i"/>.</summary>
    public static string Key(int i) => $"cr-{i:D6}";

    /// <summary>What deposit <paramref name="n"/> (1-based) of account <paramref name="i"/> adds; varied, so a
    /// replay that skipped or repeated a row would show in the balance.</summary>
    public static long Amount(int i, int n) => 1 + ((i * 31L) + (n * 7L)) % 97;

    /// <summary>The balance account <paramref name="i"/> must show after the whole journal is recovered.</summary>
    public long ExpectedBalance(int i)
    {
        long sum = 0;
        for (var n = 1; n < _commands; n++) sum += Amount(i, n);
        return sum;
    }

    /// <summary>The rows, in the order a database reads them back (journal by ordering, then snapshots by persistence id).</summary>
    public async IAsyncEnumerable<BackupRecord> RowsAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        WireTypes.Register(typeof(AccountEntity).Assembly);
        WireTypes.Register(typeof(Deposit).Assembly);
        using var system = ActorSystem.Create("synthetic-journal", ConfigurationFactory.ParseString("akka.loglevel = ERROR\nakka.stdout-loglevel = ERROR"));
        var serializer = new RpcSerializer((ExtendedActorSystem)system);
        var definition = new AccountEntity();
        var states = new IRpcMessage[_entities];
        var recent = new RecentRequests[_entities];
        var snapshots = new SnapshotRecord?[_entities];
        var random = new Random(6);
        var writers = Enumerable.Range(0, 3).Select(_ => NewId(random)).ToArray();
        long ordering = 0;
        for (var n = 0; n < _commands; n++)
        {
            ct.ThrowIfCancellationRequested();
            for (var i = 0; i < _entities; i++)
            {
                var key = Key(i);
                if (n == 0)
                {
                    states[i] = definition.CreateInitialState(key);
                    recent[i] = new RecentRequests(_remembered);
                }
                IRpcRequest request = n == 0 ? new OpenAccount(key, $"owner {i}") : new Deposit(key, Amount(i, n));
                var outcome = definition.Decide(states[i], request) ?? throw new InvalidOperationException("accounts has no handler");
                if (outcome.Events is null) throw new InvalidOperationException($"{key}: {request} was refused: {outcome.Error}");
                var state = states[i];
                foreach (var e in outcome.Events) state = definition.ApplyEvent(state, e);
                var reply = outcome.ReplyFromState!(state);
                var requestId = NewId(random);
                var fingerprint = RequestFingerprint.Of(request);
                var sequenceNr = n + 1L;
                ordering++;
                var created = Start.AddMilliseconds(ordering).Ticks;
                yield return new JournalRecord(ordering, created, false, EntityActor.PersistenceIdOf(AccountEntity.ServiceName, key), sequenceNr,
                    serializer.ToBinary(new AppliedCommand(requestId, outcome.Events, new StoredReply(reply), fingerprint)),
                    RpcSerializer.AppliedManifest, RpcSerializer.SerializerId, writers[i % writers.Length]);
                states[i] = state;
                recent[i].Remember(requestId, new StoredReply(reply), fingerprint);
                if (_snapshotEvery > 0 && sequenceNr % _snapshotEvery == 0)
                    snapshots[i] = new SnapshotRecord(EntityActor.PersistenceIdOf(AccountEntity.ServiceName, key), sequenceNr, created,
                        serializer.ToBinary(new EntitySnapshot(state, recent[i].ToList())), RpcSerializer.SnapshotManifest, RpcSerializer.SerializerId);
            }
            await Task.Yield();
        }
        // Keys are zero-padded, so index order is the persistence ids' byte order, the order a database reads back.
        foreach (var snapshot in snapshots)
            if (snapshot is not null) yield return snapshot;
    }

    private static string NewId(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes).ToString("N");
    }
}
