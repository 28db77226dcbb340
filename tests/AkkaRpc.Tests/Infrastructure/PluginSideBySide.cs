using System.Collections.Immutable;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using Akka.TestKit;
using AkkaRpc.Persistence;

namespace AkkaRpc.Tests.Infrastructure;

/// <summary>
/// An actor system with AkkaRpc's journal and snapshot store as the default plugins (<see cref="Ours"/>) and
/// Akka.Persistence.Sql's own classes on the same database under <see cref="Plain"/>, so a test can compare what each
/// writes and reads.
/// </summary>
internal static class PluginSideBySide
{
    public const string Ours = "sql";
    public const string Plain = "plain";

    /// <summary>Starts the system on <paramref name="database"/>; its name is <paramref name="namePrefix"/> plus a unique suffix.</summary>
    /// <param name="database">The database both plugin pairs use.</param>
    /// <param name="namePrefix">The start of the actor system's name.</param>
    /// <param name="extraHocon">More configuration lines (e.g. a test serializer and its binding).</param>
    public static ActorSystem Start(TestDatabase database, string namePrefix, params string[] extraHocon)
    {
        var options = database.Options;
        var connection = options.EffectiveConnectionString;
        var provider = options.EffectiveProviderName;
        if (options.Provider == JournalProvider.Sqlite) SqliteFile.Prepare(connection);
        string[] plugins =
        [
            new SqlJournalPluginOptions(connection, provider, options) { Identifier = Ours }.ToString(),
            new SqlSnapshotPluginOptions(connection, provider, options, $"akka.persistence.journal.{Ours}") { Identifier = Ours }.ToString(),
            new SqlJournalPluginOptions(connection, provider, options) { Identifier = Plain }.ToString(),
            new SqlSnapshotPluginOptions(connection, provider, options, $"akka.persistence.journal.{Plain}") { Identifier = Plain }.ToString(),
            $"akka.persistence.journal.{Plain}.class = \"Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql\"",
            $"akka.persistence.snapshot-store.{Plain}.class = \"Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql\"",
            $"akka.persistence.journal.plugin = \"akka.persistence.journal.{Ours}\"",
            $"akka.persistence.snapshot-store.plugin = \"akka.persistence.snapshot-store.{Ours}\"",
            "akka.loglevel = ERROR",
        ];
        var config = ConfigurationFactory.ParseString(string.Join(Environment.NewLine, plugins.Concat(extraHocon)))
            .WithFallback(SqlPersistence.DefaultConfiguration);
        var setup = BootstrapSetup.Create().WithConfig(config);
        ActorSystemSetup systemSetup = options.Provider == JournalProvider.Sqlite
            ? setup.And(new DataOptionsSetup(SqliteConnections.DataOptions(connection, provider, options.SqliteSynchronous, options.SqliteCheckpointPages)))
            : ActorSystemSetup.Create(setup);
        return ActorSystem.Create($"{namePrefix}-{Guid.NewGuid():N}", systemSetup);
    }

    /// <summary>One atomic write of <paramref name="payloads"/> from sequence number <paramref name="firstSequenceNr"/>.</summary>
    public static WriteMessages WriteOf(string pid, long firstSequenceNr, object[] payloads, IActorRef writer) =>
        new(
            [new AtomicWrite(payloads.Select((p, i) => (IPersistentRepresentation)new Persistent(p, firstSequenceNr + i, pid, "", false, writer, "writer-1"))
                .ToImmutableList())],
            writer, 1);

    /// <summary>Writes one atomic write through <paramref name="journal"/> and waits until every event is acknowledged.</summary>
    public static void Write(TestProbe writer, IActorRef journal, string pid, long firstSequenceNr, object[] payloads, TimeSpan bound)
    {
        journal.Tell(WriteOf(pid, firstSequenceNr, payloads, writer.Ref), writer.Ref);
        writer.ExpectMsg<WriteMessagesSuccessful>(bound);
        for (var i = 0; i < payloads.Length; i++)
        {
            var answer = writer.ExpectMsg<object>(bound);
            Assert.True(answer is WriteMessageSuccess, $"write {pid} #{firstSequenceNr + i}: {answer}");
        }
    }
}
