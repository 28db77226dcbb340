using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Persistence.Sql.Config;

namespace AkkaRpc.Persistence.Recovery;

/// <summary>
/// Where a journal and a snapshot store of one actor system find the same <see cref="HighestSequenceNrHints"/>: one per
/// journal table (provider, connection string, schema, table), so only plugins that read and write the same rows share
/// hints.
/// </summary>
internal sealed class RecoveryHintsExtension : IExtension
{
    private readonly ConcurrentDictionary<string, HighestSequenceNrHints> _byJournal = new(StringComparer.Ordinal);

    /// <summary>This actor system's registry.</summary>
    public static RecoveryHintsExtension Get(ActorSystem system) => system.WithExtension<RecoveryHintsExtension, Provider>();

    /// <summary>The hints of the journal table <paramref name="journal"/> configures.</summary>
    public HighestSequenceNrHints For(JournalConfig journal) => _byJournal.GetOrAdd(Key(journal), static _ => new HighestSequenceNrHints());

    private static string Key(JournalConfig journal) =>
        string.Join('\n', journal.ProviderName, journal.ConnectionString, journal.TableConfig.SchemaName ?? "",
            journal.TableConfig.EventJournalTable.Name);

    /// <summary>Akka extension id.</summary>
    internal sealed class Provider : ExtensionIdProvider<RecoveryHintsExtension>
    {
        public override RecoveryHintsExtension CreateExtension(ExtendedActorSystem system) => new();
    }
}
