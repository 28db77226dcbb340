using Akka.Actor;
using AkkaRpc.Tests.Infrastructure;

namespace AkkaRpc.Tests.Cluster;

/// <summary>Three in-process nodes on free ports sharing one SQLite file; started once for a test class.</summary>
public sealed class ThreeNodeFixture : IAsyncLifetime
{
    private readonly TempFolder _folder = new();

    public List<InProcessNode> Nodes { get; } = [];

    public string DatabasePath => _folder.File("akkarpc.db");

    public async Task InitializeAsync()
    {
        var first = await InProcessNode.StartAsync(DatabasePath);
        Nodes.Add(first);
        Nodes.Add(await InProcessNode.StartAsync(DatabasePath, [first.HostPort]));
        Nodes.Add(await InProcessNode.StartAsync(DatabasePath, [first.HostPort]));
        await Eventually.TrueAsync(() => Nodes.All(n => n.UpMembers == 3), TimeSpan.FromSeconds(60), "3 members Up on every node");
        // Cluster routers add routees a moment after MemberUp; tests about routing need every router complete.
        foreach (var node in Nodes)
        {
            var router = node.Runtime.Directory.Find(Sample.Quotes.QuoteService.ServiceName)!.Target;
            await Eventually.TrueAsync(async () =>
                (await router.Ask<Akka.Routing.Routees>(Akka.Routing.GetRoutees.Instance, TimeSpan.FromSeconds(3))).Members.Count() == 3,
                TimeSpan.FromSeconds(30), $"3 routees on {node.Address}");
        }
    }

    public async Task<InProcessNode> AddNodeAsync()
    {
        var node = await InProcessNode.StartAsync(DatabasePath, [Nodes[0].HostPort]);
        Nodes.Add(node);
        await Eventually.TrueAsync(() => Nodes.All(n => n.UpMembers == Nodes.Count), TimeSpan.FromSeconds(60), $"{Nodes.Count} members Up on every node");
        return node;
    }

    public async Task DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(Nodes)) await node.DisposeAsync();
        _folder.Dispose();
    }
}
