using Akka.Configuration;

namespace AkkaRpc.Persistence;

/// <summary>
/// The snapshot store plugin every AkkaRpc node runs: Akka.Persistence.Sql's snapshot store (its schema, its
/// configuration, its queries), as the class named in <c>akka.persistence.snapshot-store.sql.class</c>. It is a class of
/// our own so that hot paths can be served directly where we measured a need; everything not overridden here is the
/// plugin's.
/// </summary>
public class SqlSnapshotStore : Recovery.FastRecoverySnapshotStore
{
    /// <summary>Called by Akka.Persistence with the plugin's configuration block.</summary>
    public SqlSnapshotStore(Config snapshotConfig) : base(snapshotConfig)
    {
    }
}
