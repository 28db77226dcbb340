using Akka.Configuration;
using Akka.Persistence.Sql.Journal;
using AkkaRpc.Persistence.Recovery;

namespace AkkaRpc.Persistence;

/// <summary>
/// The journal plugin every AkkaRpc node runs: Akka.Persistence.Sql's <see cref="SqlWriteJournal"/> (its schema, its
/// configuration, its queries), as the class named in <c>akka.persistence.journal.sql.class</c>. It is a class of our
/// own so that hot paths the plugin serves through general machinery can be served directly where we measured a need;
/// everything not overridden here is the plugin's.
/// </summary>
public class SqlJournal : FastRecoveryJournal
{
    /// <summary>Called by Akka.Persistence with the plugin's configuration block.</summary>
    public SqlJournal(Config journalConfig) : base(journalConfig)
    {
    }
}
