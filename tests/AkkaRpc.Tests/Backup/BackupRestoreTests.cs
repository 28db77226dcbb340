using System.Diagnostics;
using AkkaRpc.Backup;
using AkkaRpc.Sample.Accounts;
using AkkaRpc.Tests.Cluster;
using AkkaRpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Backup;

/// <summary>
/// Online backup while a node serves, restore into an empty database of the same or the other backend, and a node
/// started on the restored database serving exactly the writes acknowledged before the backup.
/// </summary>
[Collection(ClusterCollection.Name)]
public class BackupRestoreTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly ITestOutputHelper _output;

    public BackupRestoreTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<Backend, BackupFormat?, Backend> Paths => new()
    {
        { Backend.Sqlite, null, Backend.Sqlite },                         // SQLite online backup API, restored as SQLite
        { Backend.PostgreSql, null, Backend.PostgreSql },                 // PostgreSQL consistent export, restored as PostgreSQL
        { Backend.Sqlite, BackupFormat.Ndjson, Backend.PostgreSql },      // migration SQLite -> PostgreSQL through the portable export
        { Backend.PostgreSql, BackupFormat.Ndjson, Backend.Sqlite },      // and back
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_restored_backup_should_serve_every_write_acknowledged_before_it_and_nothing_after(
        Backend sourceBackend, BackupFormat? format, Backend targetBackend)
    {
        await using var source = await TestDatabase.CreateAsync(sourceBackend, _folder.Path, "source");
        await using var target = await TestDatabase.CreateAsync(targetBackend, _folder.Path, "target");
        var accounts = Enumerable.Range(0, 20).Select(i => $"b-{i}").ToArray();
        var backupFolder = _folder.File("backup");
        BackupResult backup;

        await using (var node = await InProcessNode.StartAsync(source.Options))
        {
            foreach (var account in accounts)
            {
                Assert.True((await node.Client.CallAsync(new OpenAccount(account, "Ann"))).IsOk);
                // 120 writes on the first account cross the snapshot interval (100): the backup holds a snapshot.
                var writes = account == accounts[0] ? 120 : 3;
                for (var i = 1; i <= writes; i++)
                    Assert.True((await node.Client.CallAsync(new Deposit(account, 2), new CallOptions { RequestId = $"{account}-d{i}" })).IsOk);
            }

            // Online: the node keeps serving writes while the backup runs.
            Assert.True((await node.Client.CallAsync(new OpenAccount("busy", "Bob"))).IsOk);
            var writer = Task.Run(async () =>
            {
                for (var i = 0; i < 30; i++) Assert.True((await node.Client.CallAsync(new Deposit("busy", 1))).IsOk);
            });
            var clock = Stopwatch.StartNew();
            backup = await Backups.CreateAsync(Database(source), backupFolder, format, TimeProvider.System);
            _output.WriteLine($"backup {sourceBackend} as {backup.Manifest.Data.Format}: {backup.Manifest.Content.JournalRows} rows, {backup.Manifest.Data.Bytes} bytes, {clock.ElapsedMilliseconds} ms");
            await writer;

            // Written after the backup point: must NOT come back.
            Assert.True((await node.Client.CallAsync(new Deposit(accounts[1], 1000))).IsOk);
        }

        var manifest = backup.Manifest;
        Assert.Equal(format ?? (sourceBackend == Backend.Sqlite ? BackupFormat.Sqlite : BackupFormat.Ndjson), manifest.Data.Format);
        var firstId = manifest.Content.PersistenceIds.Single(p => p.Id == $"accounts/{accounts[0]}");
        Assert.Equal(121, firstId.HighestSequenceNr);
        Assert.True(firstId.Snapshots >= 1, "the first account has a snapshot");

        await using (var payloads = new PayloadReader())
        {
            var ofBackup = await new JournalVerifier(payloads).VerifyAsync(Backups.ReadAsync(backupFolder, await Backups.OpenAsync(backupFolder)), manifest.Content);
            Assert.True(ofBackup.Ok, string.Join("\n", ofBackup.Problems));

            var restoreClock = Stopwatch.StartNew();
            await Backups.RestoreAsync(backupFolder, Database(target), replaceExisting: false);
            _output.WriteLine($"restore into {targetBackend}: {restoreClock.ElapsedMilliseconds} ms");

            var ofTarget = await VerifyDatabaseAsync(payloads, target, manifest.Content);
            Assert.True(ofTarget.Ok, string.Join("\n", ofTarget.Problems));
            Assert.Equal(manifest.Content.JournalRows, ofTarget.PayloadsRead - manifest.Content.SnapshotRows);
        }

        await using (var node = await InProcessNode.StartAsync(target.Options))
        {
            foreach (var account in accounts)
            {
                var expected = account == accounts[0] ? new AccountBalance(account, 240, 120) : new AccountBalance(account, 6, 3);
                Assert.Equal(expected, (await node.Client.CallAsync(new GetBalance(account))).Value);
            }
            // The restored dedupe window answers a retry of an acknowledged write without applying it again.
            var retry = await node.Client.CallAsync(new Deposit(accounts[2], 2), new CallOptions { RequestId = $"{accounts[2]}-d3" });
            Assert.Equal(new AccountBalance(accounts[2], 6, 3), retry.Value);
            Assert.Equal(new AccountBalance(accounts[2], 6, 3), (await node.Client.CallAsync(new GetBalance(accounts[2]))).Value);
            // New writes continue the restored journal (on PostgreSQL: the identity continues after restored rows).
            Assert.Equal(new AccountBalance(accounts[3], 7, 4), (await node.Client.CallAsync(new Deposit(accounts[3], 1))).Value);
        }
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task Restore_should_refuse_a_non_empty_target_and_change_nothing_unless_forced(Backend backend)
    {
        await using var source = await TestDatabase.CreateAsync(backend, _folder.Path, "source");
        await using var target = await TestDatabase.CreateAsync(backend, _folder.Path, "target");
        await using (var node = await InProcessNode.StartAsync(source.Options))
            Assert.True((await node.Client.CallAsync(new OpenAccount("kept", "Ann"))).IsOk);
        await using (var node = await InProcessNode.StartAsync(target.Options))
            Assert.True((await node.Client.CallAsync(new OpenAccount("existing", "Eve"))).IsOk);
        var backupFolder = _folder.File("backup");
        await Backups.CreateAsync(Database(source), backupFolder, null, TimeProvider.System);
        var before = await Backups.SummarizeAsync(Database(target));

        var refused = await Assert.ThrowsAsync<RestoreRefusedException>(() => Backups.RestoreAsync(backupFolder, Database(target), replaceExisting: false));
        Assert.Contains("not empty", refused.Message);
        Assert.Contains("--force", refused.Message);
        Assert.True(Backups.SameContent(before, await Backups.SummarizeAsync(Database(target))), "a refused restore changed the target");

        var manifest = await Backups.RestoreAsync(backupFolder, Database(target), replaceExisting: true);
        var after = await Backups.SummarizeAsync(Database(target));
        Assert.True(Backups.SameContent(manifest.Content, after), Backups.Difference(after, manifest.Content));
        Assert.DoesNotContain(after.PersistenceIds, p => p.Id == "accounts/existing");
    }

    [Fact]
    public async Task A_damaged_backup_should_be_refused_before_anything_is_written()
    {
        await using var source = await TestDatabase.CreateAsync(Backend.Sqlite, _folder.Path, "source");
        await using var target = await TestDatabase.CreateAsync(Backend.Sqlite, _folder.Path, "target");
        await using (var node = await InProcessNode.StartAsync(source.Options))
            Assert.True((await node.Client.CallAsync(new OpenAccount("a", "Ann"))).IsOk);
        var backupFolder = _folder.File("backup");
        var backup = await Backups.CreateAsync(Database(source), backupFolder, BackupFormat.Ndjson, TimeProvider.System);
        var data = Path.Combine(backupFolder, backup.Manifest.Data.File);
        var bytes = await File.ReadAllBytesAsync(data);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(data, bytes);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Backups.RestoreAsync(backupFolder, Database(target), replaceExisting: false));
        Assert.Contains("damaged or altered", error.Message);
        Assert.False(File.Exists(_folder.File("target.db")), "nothing may be created for a refused restore");

        var missing = await Assert.ThrowsAsync<InvalidDataException>(() => Backups.OpenAsync(_folder.Path));
        Assert.Contains("manifest.json", missing.Message);
    }

    [Fact]
    public async Task Verify_should_report_gaps_unreadable_payloads_and_manifest_mismatches()
    {
        await using var source = await TestDatabase.CreateAsync(Backend.Sqlite, _folder.Path, "source");
        await using (var node = await InProcessNode.StartAsync(source.Options))
        {
            Assert.True((await node.Client.CallAsync(new OpenAccount("v", "Ann"))).IsOk);
            for (var i = 0; i < 5; i++) Assert.True((await node.Client.CallAsync(new Deposit("v", 1))).IsOk);
        }
        var manifest = (await Backups.CreateAsync(Database(source), _folder.File("backup"), null, TimeProvider.System)).Manifest;
        await using var payloads = new PayloadReader();
        var verifier = new JournalVerifier(payloads);
        var rows = new List<BackupRecord>();
        await foreach (var row in Backups.ReadAsync(_folder.File("backup"), manifest)) rows.Add(row);

        var clean = await verifier.VerifyAsync(rows.AsAsync(), manifest.Content);
        Assert.True(clean.Ok, string.Join("\n", clean.Problems));
        Assert.Equal(6, clean.PayloadsRead);

        var third = (JournalRecord)rows[2];
        var withGap = rows.Where(r => r != third).AsAsync();
        var gap = await verifier.VerifyAsync(withGap, manifest.Content);
        Assert.Contains(gap.Problems, p => p.Contains("sequence nr 4 follows 2"));
        Assert.Contains(gap.Problems, p => p.Contains("content differs from the manifest"));

        var garbled = rows.Select(r => r == third ? third with { Message = [0xC1, 0x00] } : r).AsAsync();
        var unreadable = await verifier.VerifyAsync(garbled, null);
        Assert.Equal(1, unreadable.ProblemCount);
        Assert.Contains("accounts/v #3: cannot deserialize", unreadable.Problems[0]);
    }

    private static JournalDatabase Database(TestDatabase database) => JournalDatabase.For(database.Options);

    private static async Task<VerifyReport> VerifyDatabaseAsync(PayloadReader payloads, TestDatabase database, ContentSummary expected)
    {
        await using var snapshot = await Database(database).OpenSnapshotAsync();
        return await new JournalVerifier(payloads).VerifyAsync(snapshot.ReadAsync(), expected);
    }

    public void Dispose() => _folder.Dispose();
}

internal static class AsyncRows
{
    public static async IAsyncEnumerable<BackupRecord> AsAsync(this IEnumerable<BackupRecord> rows)
    {
        foreach (var row in rows)
        {
            await Task.Yield();
            yield return row;
        }
    }
}
