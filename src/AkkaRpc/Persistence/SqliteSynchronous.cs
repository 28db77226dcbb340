namespace AkkaRpc.Persistence;

/// <summary>
/// SQLite's <c>PRAGMA synchronous</c> for the journal's connections, which always run in WAL mode. It decides when a
/// commit waits for the disk, so what an acknowledged call survives (docs/performance.md, "Durable path"):
/// a reply is sent only after the commit returns, whatever the level.
/// </summary>
public enum SqliteSynchronous
{
    /// <summary>
    /// A commit writes the WAL but does not fsync it; the WAL is fsynced at checkpoints. An acknowledged write survives
    /// a crash or <c>kill -9</c> of any process (the data is in the operating system's page cache), but a power loss
    /// or kernel crash can lose the last commits before the next checkpoint (the database stays consistent).
    /// </summary>
    Normal,

    /// <summary>Every commit fsyncs the WAL before it returns: an acknowledged write survives a power loss too.</summary>
    Full,

    /// <summary>As <see cref="Full"/>, and also fsyncs the directory after the WAL is created or reset.</summary>
    Extra,
}
