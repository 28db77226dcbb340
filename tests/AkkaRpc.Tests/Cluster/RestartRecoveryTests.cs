using AkkaRpc.Sample.Accounts;
using AkkaRpc.Tests.Infrastructure;

namespace AkkaRpc.Tests.Cluster;

/// <summary>Recovery from a real SQLite file or PostgreSQL database after the whole cluster (here: one node) stops and
/// starts again.</summary>
[Collection(ClusterCollection.Name)]
public class RestartRecoveryTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task A_restarted_node_should_recover_every_account_and_its_remembered_request_ids(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        var db = database.Options;
        var accounts = Enumerable.Range(0, 20).Select(i => $"r-{i}").ToArray();

        await using (var node = await InProcessNode.StartAsync(db))
        {
            foreach (var account in accounts)
            {
                Assert.True((await node.Client.CallAsync(new OpenAccount(account, "Ann"))).IsOk);
                // 150 writes on the first account cross the snapshot interval (100) so recovery uses a snapshot.
                var writes = account == accounts[0] ? 150 : 3;
                for (var i = 1; i <= writes; i++)
                    Assert.True((await node.Client.CallAsync(new Deposit(account, 2), new CallOptions { RequestId = $"{account}-d{i}" })).IsOk);
            }
        }

        await using (var node = await InProcessNode.StartAsync(db))
        {
            foreach (var account in accounts)
            {
                var expected = account == accounts[0] ? new AccountBalance(account, 300, 150) : new AccountBalance(account, 6, 3);
                var read = await node.Client.CallAsync(new GetBalance(account));
                Assert.Equal(expected, read.Value);
                // A caller that never heard back retries after the restart: same request id, applied once.
                var retry = await node.Client.CallAsync(new Deposit(account, 2), new CallOptions { RequestId = $"{account}-d3" });
                Assert.True(retry.IsOk, retry.ToString());
                Assert.Equal(expected, (await node.Client.CallAsync(new GetBalance(account))).Value);
            }
        }
    }

    public void Dispose() => _folder.Dispose();
}
