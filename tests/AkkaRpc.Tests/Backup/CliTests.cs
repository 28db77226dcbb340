using AkkaRpc.Sample.Accounts;
using AkkaRpc.Tests.Cluster;
using AkkaRpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Backup;

/// <summary>The <c>akkarpc</c> executable as an operator runs it: real process, real files, exit codes.</summary>
[Collection(ClusterCollection.Name)]
public class CliTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly ITestOutputHelper _output;

    public CliTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Backup_verify_and_migrate_to_PostgreSQL_should_succeed_and_bad_input_should_exit_2_changing_nothing()
    {
        await using var source = await TestDatabase.CreateAsync(Backend.Sqlite, _folder.Path, "source");
        await using var target = await TestDatabase.CreateAsync(Backend.PostgreSql, _folder.Path);
        await using (var node = await InProcessNode.StartAsync(source.Options))
            for (var i = 0; i < 10; i++)
                Assert.True((await node.Client.CallAsync(new OpenAccount($"c-{i}", "Ann"))).IsOk);
        var backup = _folder.File("backup");
        var export = _folder.File("export");

        var (code, output) = await RunAsync("backup", "--provider", "Sqlite", "--connection", source.ConnectionString, "--to", backup);
        Assert.True(code == 0, output);
        Assert.Contains("10 persistence ids, 10 journal rows", output);

        (code, output) = await RunAsync("verify", "--from", backup);
        Assert.True(code == 0, output);
        Assert.Contains("10 payloads read, 0 problems", output);
        Assert.Contains("verify: OK", output);

        (code, output) = await RunAsync("export", "--provider", "Sqlite", "--connection", source.ConnectionString, "--to", export);
        Assert.True(code == 0, output);
        (code, output) = await RunAsync("import", "--from", export, "--provider", "PostgreSql", "--connection", target.ConnectionString);
        Assert.True(code == 0, output);
        (code, output) = await RunAsync("verify", "--provider", "PostgreSql", "--connection", target.ConnectionString, "--manifest", backup);
        Assert.True(code == 0, output);
        Assert.Contains("verify: OK", output);

        // Bad input: a clear message, exit 2, nothing changed.
        (code, output) = await RunAsync("restore", "--from", backup, "--provider", "PostgreSql", "--connection", target.ConnectionString);
        Assert.Equal(2, code);
        Assert.Contains("is not empty", output);
        (code, output) = await RunAsync("restore", "--from", _folder.File("nowhere"), "--provider", "Sqlite", "--connection", $"Data Source={_folder.File("x.db")}");
        Assert.Equal(2, code);
        Assert.Contains("does not exist", output);
        Assert.False(File.Exists(_folder.File("x.db")));
        (code, output) = await RunAsync("backup", "--provider", "Sqlite", "--connection", $"Data Source={_folder.File("missing.db")}", "--to", _folder.File("b2"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", output);
        Assert.False(Directory.Exists(_folder.File("b2")));
        (code, output) = await RunAsync("restore", "--from", backup);
        Assert.Equal(2, code);
        Assert.Contains("--provider", output);

        // A changed journal no longer matches the backup's manifest: exit 1.
        await using (var node = await InProcessNode.StartAsync(source.Options))
            Assert.True((await node.Client.CallAsync(new Deposit("c-1", 5))).IsOk);
        (code, output) = await RunAsync("verify", "--provider", "Sqlite", "--connection", source.ConnectionString, "--manifest", backup);
        Assert.Equal(1, code);
        Assert.Contains("journal rows 11, manifest 10", output);
        Assert.Contains("verify: MISMATCH", output);
    }

    private async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(_output, TimeSpan.FromMinutes(2), args);
        return (code, stdout + stderr);
    }

    public void Dispose() => _folder.Dispose();
}
