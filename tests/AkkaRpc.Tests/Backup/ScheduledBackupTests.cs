using System.Globalization;
using AkkaRpc.Backup;
using AkkaRpc.Hosting;
using AkkaRpc.Sample.Accounts;
using AkkaRpc.Tests.Cluster;
using AkkaRpc.Tests.Infrastructure;

namespace AkkaRpc.Tests.Backup;

/// <summary>Scheduled backups: one per interval for the whole cluster (a singleton), old ones deleted.</summary>
[Collection(ClusterCollection.Name)]
public class ScheduledBackupTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Two_nodes_should_take_one_backup_per_interval_between_them_and_keep_only_the_retained_ones()
    {
        var backups = _folder.File("backups");
        void Schedule(AkkaRpcOptions o) =>
            o.Backup = new BackupOptions { Enabled = true, Interval = TimeSpan.FromSeconds(2), Retention = 2, Folder = backups };
        await using var database = await TestDatabase.CreateAsync(Backend.Sqlite, _folder.Path);
        await using var first = await InProcessNode.StartAsync(database.Options, configure: Schedule);
        await using var second = await InProcessNode.StartAsync(database.Options, [first.HostPort], configure: Schedule);
        await Eventually.TrueAsync(() => first.UpMembers == 2, TimeSpan.FromSeconds(30), "2 members up");
        Assert.True((await first.Client.CallAsync(new OpenAccount("sched", "Ann"))).IsOk);

        // Every backup folder lives at least Retention x Interval (4 s): polling every 50 ms sees each one.
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        await Eventually.TrueAsync(() =>
        {
            if (Directory.Exists(backups))
                foreach (var dir in Directory.GetDirectories(backups, BackupScheduler.FolderPrefix + "*")) seen.Add(Path.GetFileName(dir));
            return seen.Count >= 5;
        }, TimeSpan.FromSeconds(60), "5 scheduled backups");

        // Two schedulers would write pairs of backups milliseconds apart; one writes them about an interval apart.
        var times = seen.Select(n => DateTime.ParseExact(n[BackupScheduler.FolderPrefix.Length..], "yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture)).ToArray();
        for (var i = 1; i < times.Length; i++)
            Assert.True(times[i] - times[i - 1] > TimeSpan.FromSeconds(1), $"backups {seen.ElementAt(i - 1)} and {seen.ElementAt(i)} are less than 1 s apart");

        await Eventually.TrueAsync(
            () => Directory.GetDirectories(backups, BackupScheduler.FolderPrefix + "*").Count(d => File.Exists(Path.Combine(d, BackupManifest.FileName))) <= 2,
            TimeSpan.FromSeconds(10), "retention keeps 2");
        var newest = Directory.GetDirectories(backups, BackupScheduler.FolderPrefix + "*")
            .Where(d => File.Exists(Path.Combine(d, BackupManifest.FileName))).Max(StringComparer.Ordinal)!;
        var manifest = await Backups.OpenAsync(newest);
        Assert.Contains(manifest.Content.PersistenceIds, p => p.Id == "accounts/sched");
    }

    [Fact]
    public void Nonsensical_backup_settings_should_be_refused_at_start()
    {
        var options = new AkkaRpcOptions { Backup = new BackupOptions { Enabled = true, Interval = TimeSpan.Zero } };
        Assert.Contains("Backup:Interval", Assert.Throws<ArgumentException>(options.Validate).Message);
        options.Backup = new BackupOptions { Enabled = true, Retention = 0 };
        Assert.Contains("Backup:Retention", Assert.Throws<ArgumentException>(options.Validate).Message);
        options.Backup = new BackupOptions { Enabled = true };
        options.Persistence.Provider = AkkaRpc.Persistence.JournalProvider.InMemory;
        Assert.Contains("Sqlite or PostgreSql", Assert.Throws<ArgumentException>(options.Validate).Message);
    }

    public void Dispose() => _folder.Dispose();
}
