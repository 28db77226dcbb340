using System.Globalization;
using System.Text.RegularExpressions;
using AkkaRpc.Tests.Cluster;
using AkkaRpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Backup;

/// <summary>
/// The runbook end to end, as <c>scripts/dr-drill.sh</c> runs it, at a small scale: 3 node processes on a SQLite file
/// take deposits while the cluster's scheduled backups run, every node is killed with kill -9, the database file is
/// deleted, the newest complete backup is restored and verified with <c>akkarpc</c>, and a cold start must serve every
/// write acknowledged before the backup point, none applied twice.
/// </summary>
[Collection(ClusterCollection.Name)]
public partial class DisasterRecoveryDrillTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _folder = new();

    public DisasterRecoveryDrillTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task A_restored_backup_should_serve_every_write_acknowledged_before_it()
    {
        // The drill process starts the nodes and the akkarpc processes itself; on overrun the whole tree is killed.
        var (code, stdout, stderr) = await CliProcess.RunDllAsync(_output, TimeSpan.FromMinutes(4), CliProcess.BuiltDll("AkkaRpc.Demo"), "drill",
            "drill", "--accounts", "20", "--before", "3", "--after", "3", "--interval", "2", "--workdir", Path.Combine(_folder.Path, "drill"));

        var last = stdout.TrimEnd().Split('\n')[^1];
        var result = DrillLine().Match(last);
        Assert.True(result.Success, $"no result line (exit {code}): {last}\n{stderr}");
        long Value(string name) => long.Parse(result.Groups[name].Value, CultureInfo.InvariantCulture);
        Assert.Equal(0, Value("lost"));
        // A backup that held nothing would pass the line above trivially: the drill must have restored real writes.
        Assert.True(Value("acknowledged") > 0, last);
        Assert.True(Value("restored") >= Value("acknowledged"), last);
        // Exit 0 also says that no write was applied twice and that akkarpc verify passed on the restored database.
        Assert.True(code == 0, $"drill exited {code}: {last}\n{stderr}");
    }

    [GeneratedRegex(@"^dr: backup_acknowledged=(?<acknowledged>\d+) restored=(?<restored>\d+) lost_before_backup=(?<lost>\d+) rpo_s=[\d.]+ rto_s=[\d.]+$")]
    private static partial Regex DrillLine();

    public void Dispose() => _folder.Dispose();
}
