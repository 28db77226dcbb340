using System.CommandLine;
using System.Diagnostics;
using AkkaRpc.Backup;

namespace AkkaRpc.Cli.Commands;

/// <summary>
/// <c>akkarpc verify</c>: replays every persistence id of a backup (<c>--from</c>) or a database (<c>--provider</c> +
/// <c>--connection</c>, optionally against a backup's <c>--manifest</c>) and checks it. Exit 1 on any mismatch.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "Backup folder to verify (its data file, checksum and manifest)" };
        var provider = CliOptions.Provider(required: false);
        var connection = CliOptions.Connection(required: false);
        var manifestOption = new Option<string>("--manifest") { Description = "With a database: the backup folder (or manifest.json) it must match" };
        var types = CliOptions.Types();
        var command = new Command("verify", "Replay and check every persistence id: sequence continuity, payloads readable, manifest match")
        {
            from, provider, connection, manifestOption, types,
        };
        command.SetAction((result, ct) => CliErrors.RunAsync(async () =>
        {
            CliOptions.LoadTypes(result.GetValue(types));
            var folder = result.GetValue(from);
            var hasDatabase = result.GetResult(provider) is not null || result.GetResult(connection) is not null;
            if ((folder is null) == !hasDatabase)
                throw new ArgumentException("verify needs either --from <backup folder> or --provider and --connection (not both)");

            var clock = Stopwatch.StartNew();
            await using var payloads = new PayloadReader();
            var verifier = new JournalVerifier(payloads);
            VerifyReport report;
            string what;
            if (folder is not null)
            {
                var manifest = await Backups.OpenAsync(folder, ct);
                what = $"backup {Path.GetFullPath(folder)}";
                var total = manifest.Content.JournalRows + manifest.Content.TagRows + manifest.Content.SnapshotRows;
                report = await ConsoleProgress.RunAsync(progress =>
                    verifier.VerifyAsync(Backups.ReadAsync(folder, manifest, ct), manifest.Content, Rows(progress, total), ct));
            }
            else
            {
                var database = CliOptions.Database(result.GetValue(provider), result.GetValue(connection));
                ContentSummary? expected = null;
                if (result.GetValue(manifestOption) is { } manifestPath)
                {
                    var manifestFolder = File.Exists(manifestPath) ? Path.GetDirectoryName(Path.GetFullPath(manifestPath))! : manifestPath;
                    expected = (await BackupManifest.ReadAsync(manifestFolder)).Content;
                }
                what = database.Description;
                await using var snapshot = await database.OpenSnapshotAsync(ct);
                report = await ConsoleProgress.RunAsync(progress =>
                    verifier.VerifyAsync(snapshot.ReadAsync(ct), expected, Rows(progress, snapshot.Counts.Total), ct));
            }

            var c = report.Content;
            Console.WriteLine($"verify {what}: {c.PersistenceIds.Count} persistence ids, {c.JournalRows} journal rows, {c.TagRows} tag rows, " +
                              $"{c.SnapshotRows} snapshots, {report.PayloadsRead} payloads read, {report.ProblemCount} problems, " +
                              $"{clock.Elapsed.TotalSeconds:0.00} s");
            const int shown = 20;
            foreach (var problem in report.Problems.Take(shown)) Console.WriteLine($"  problem: {problem}");
            if (report.ProblemCount > shown) Console.WriteLine($"  ... and {report.ProblemCount - shown} more");
            Console.WriteLine(report.Ok ? "verify: OK" : "verify: MISMATCH");
            return report.Ok ? CliErrors.Ok : CliErrors.Mismatch;
        }));
        return command;
    }

    private static IProgress<long> Rows(IProgress<BackupProgress> progress, long total) =>
        new Progress(rows => progress.Report(new BackupProgress("verify", rows, total)));

    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
