using System.CommandLine;
using AkkaRpc.Backup;

namespace AkkaRpc.Cli.Commands;

/// <summary><c>akkarpc backup</c>: an online, consistent point-in-time copy of a live journal.</summary>
internal static class BackupCommand
{
    public static Command Create()
    {
        var provider = CliOptions.Provider();
        var connection = CliOptions.Connection();
        var to = new Option<string>("--to") { Description = "New (or empty) folder for the backup", Required = true };
        var format = new Option<BackupFormat?>("--format")
        {
            Description = "Sqlite (SQLite journals: the online backup API, default) or Ndjson (portable; PostgreSQL's default)",
        };
        var command = new Command("backup", "Copy a live journal (nodes keep serving) into a backup folder with a manifest")
        {
            provider, connection, to, format,
        };
        command.SetAction((result, ct) => CliErrors.RunAsync(async () =>
        {
            var database = CliOptions.Database(result.GetValue(provider), result.GetValue(connection));
            var backup = await ConsoleProgress.RunAsync(progress =>
                Backups.CreateAsync(database, result.GetValue(to)!, result.GetValue(format), TimeProvider.System, progress, ct));
            Report.Backup(backup);
            return CliErrors.Ok;
        }));
        return command;
    }
}

/// <summary><c>akkarpc export</c>: the portable NDJSON export of a live journal.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var provider = CliOptions.Provider();
        var connection = CliOptions.Connection();
        var to = new Option<string>("--to") { Description = "New (or empty) folder for the export", Required = true };
        var command = new Command("export", "Export a live journal in the portable format (restorable into SQLite or PostgreSQL)")
        {
            provider, connection, to,
        };
        command.SetAction((result, ct) => CliErrors.RunAsync(async () =>
        {
            var database = CliOptions.Database(result.GetValue(provider), result.GetValue(connection));
            var backup = await ConsoleProgress.RunAsync(progress =>
                Backups.CreateAsync(database, result.GetValue(to)!, BackupFormat.Ndjson, TimeProvider.System, progress, ct));
            Report.Backup(backup);
            return CliErrors.Ok;
        }));
        return command;
    }
}
