using AkkaRpc.Backup;
using AkkaRpc.Tests.Cluster;
using AkkaRpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Backup;

/// <summary>
/// <c>akkarpc restore</c> refuses a database that a running node uses (its heartbeat row), even when the database is
/// still empty, says why and changes nothing; <c>--force</c> restores anyway; a node that stopped gracefully no longer
/// counts.
/// </summary>
[Collection(ClusterCollection.Name)]
public class RestoreRunningClusterTests : IDisposable
{
    private static readonly TimeSpan CliBound = TimeSpan.FromSeconds(60);
    private readonly TempFolder _folder = new();
    private readonly ITestOutputHelper _output;

    public RestoreRunningClusterTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task Restore_should_refuse_a_database_with_a_running_node_unless_forced(Backend backend)
    {
        await using var target = await TestDatabase.CreateAsync(backend, _folder.Path, "target");
        var database = JournalDatabase.For(target.Options);
        var backup = _folder.File("backup");
        await Backups.ExportAsync(OneRow(), backup, "test", TimeProvider.System);

        await using (var node = await InProcessNode.StartAsync(target.Options))
        {
            await Eventually.TrueAsync(async () => (await database.LiveNodesAsync(NodeHeartbeat.LiveWithin)).Any(n => n.Address == node.Address),
                TimeSpan.FromSeconds(30), "the node's heartbeat is in the database");
            // The node created the journal tables but wrote no event: the target is empty, only the cluster is in the way.
            Assert.Equal(0, (await database.CountAsync())?.Total ?? 0);

            var (code, _, stderr) = await Restore(target);
            Assert.Equal(2, code);
            Assert.Contains("a cluster is running against", stderr, StringComparison.Ordinal);
            Assert.Contains(node.Address, stderr, StringComparison.Ordinal);
            Assert.Contains("--force", stderr, StringComparison.Ordinal);
            Assert.Equal(0, (await database.CountAsync())?.Journal ?? 0);

            (code, _, _) = await Restore(target, "--force");
            Assert.Equal(0, code);
            Assert.Equal(1, (await database.CountAsync())!.Journal);
        }

        // A graceful stop deletes the node's row at once (no waiting out LiveWithin).
        Assert.Empty(await database.LiveNodesAsync(NodeHeartbeat.LiveWithin));
    }

    private Task<(int Code, string Stdout, string Stderr)> Restore(TestDatabase target, params string[] extra) =>
        CliProcess.RunAsync(_output, CliBound,
            ["restore", "--from", _folder.File("backup"), "--provider", target.Provider.ToString(), "--connection", target.ConnectionString, .. extra]);

    // One journal row of a stream no test calls: restore copies bytes and never reads payloads.
    private static async IAsyncEnumerable<BackupRecord> OneRow()
    {
        await Task.CompletedTask;
        yield return new JournalRecord(1, DateTime.UtcNow.Ticks, false, "test/restore-guard", 1, [1, 2, 3], "x", 7301, "writer");
    }

    public void Dispose() => _folder.Dispose();
}
