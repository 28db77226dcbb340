using AkkaRpc.Backup;

namespace AkkaRpc.Cli;

/// <summary>The one-line results printed on stdout (scripts parse them).</summary>
internal static class Report
{
    public static void Backup(BackupResult backup)
    {
        var m = backup.Manifest;
        Console.WriteLine(
            $"backup {backup.Folder}: {m.Data.Format} {m.Data.File} {m.Data.Bytes} bytes, {m.Content.PersistenceIds.Count} persistence ids, " +
            $"{m.Content.JournalRows} journal rows, {m.Content.SnapshotRows} snapshots, point in time {m.CreatedUtc:O}");
    }
}
