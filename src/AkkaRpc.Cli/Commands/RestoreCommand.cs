using System.CommandLine;
using System.Diagnostics;
using AkkaRpc.Backup;

namespace AkkaRpc.Cli.Commands;

/// <summary>
/// <c>akkarpc restore</c> (any backup) and <c>akkarpc import</c> (a portable export only): fill an empty database
/// from a backup folder. Stop the cluster first: a node writing meanwhile would interleave with the restore.
/// </summary>
internal static class RestoreCommand
{
    public static Command Create(bool import)
    {
        var from = new Option<string>("--from") { Description = import ? "Export folder (from akkarpc export)" : "Backup folder", Required = true };
        var provider = CliOptions.Provider();
        var connection = CliOptions.Connection();
        var force = CliOptions.Force();
        var command = import
            ? new Command("import", "Load a portable export into an empty SQLite or PostgreSQL database (e.g. SQLite -> PostgreSQL)")
            : new Command("restore", "Restore a backup into an empty database (refuses a non-empty one unless --force)");
        command.Options.Add(from);
        command.Options.Add(provider);
        command.Options.Add(connection);
        command.Options.Add(force);
        command.SetAction((result, ct) => CliErrors.RunAsync(async () =>
        {
            var folder = result.GetValue(from)!;
            var target = CliOptions.Database(result.GetValue(provider), result.GetValue(connection));
            if (import)
            {
                var manifest = await BackupManifest.ReadAsync(folder);
                if (manifest.Data.Format != BackupFormat.Ndjson)
                    throw new ArgumentException($"{folder} is a {manifest.Data.Format} backup, not a portable export: use akkarpc restore");
            }
            var clock = Stopwatch.StartNew();
            var restored = await ConsoleProgress.RunAsync(progress => Backups.RestoreAsync(folder, target, result.GetValue(force), progress, ct));
            Console.WriteLine(
                $"restored {restored.Content.JournalRows} journal, {restored.Content.TagRows} tag and {restored.Content.SnapshotRows} snapshot rows " +
                $"of {restored.Content.PersistenceIds.Count} persistence ids into {target.Description} in {clock.Elapsed.TotalSeconds:0.00} s; " +
                "content matches the manifest");
            return CliErrors.Ok;
        }));
        return command;
    }
}
