namespace AkkaRpc.Backup;

/// <summary>
/// Scheduled backups (section <c>AkkaRpc:Backup</c>), taken once per cluster by a cluster singleton on a node with
/// <see cref="Role"/>. Off by default: a backup folder is an operator's decision (where, how much disk).
/// </summary>
public sealed class BackupOptions
{
    /// <summary>Take scheduled backups. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>Time between backups; the recovery point objective after losing the database is at most this. Default 1 minute.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many complete backups to keep; older ones are deleted after each new one. Default 24.</summary>
    public int Retention { get; set; } = 24;

    /// <summary>
    /// Where backups go, one sub-folder <c>backup-yyyyMMddTHHmmssfffZ</c> each. Relative paths are relative to the
    /// node's working directory; with nodes on several machines, use a shared or replicated folder, because the
    /// singleton can run on any of them. Default <c>backups</c>.
    /// </summary>
    public string Folder { get; set; } = "backups";

    /// <summary>The data format; null: the backend's native one (SQLite file for SQLite, NDJSON export for PostgreSQL).</summary>
    public BackupFormat? Format { get; set; }

    /// <summary>The role of the nodes that may run the backup singleton (they need the database). Default <c>rpc</c>.</summary>
    public string Role { get; set; } = Hosting.AkkaRpcOptions.DefaultServiceRole;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that makes no sense.</summary>
    public void Validate()
    {
        if (!Enabled) return;
        if (Interval < TimeSpan.FromSeconds(1)) throw new ArgumentException("AkkaRpc settings: Backup:Interval must be at least 1 second");
        if (Retention < 1) throw new ArgumentException("AkkaRpc settings: Backup:Retention must be at least 1");
        if (string.IsNullOrWhiteSpace(Folder)) throw new ArgumentException("AkkaRpc settings: Backup:Folder is required when backups are enabled");
        if (!Serialization.WireTypes.IsValidName(Role)) throw new ArgumentException("AkkaRpc settings: Backup:Role must be letters, digits, '-' or '_'");
    }
}
