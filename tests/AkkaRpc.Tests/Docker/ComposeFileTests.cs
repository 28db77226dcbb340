using System.Reflection;
using AkkaRpc.Gateway.Hosting;
using AkkaRpc.Hosting;
using AkkaRpc.Persistence;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace AkkaRpc.Tests.Docker;

/// <summary>
/// No Docker engine runs here, so docker/compose.yaml is checked the way the node would read it: it parses, it has
/// three nodes and PostgreSQL with health checks, and every AkkaRpc__* variable names a setting the node binds,
/// with values the node's own validation accepts.
/// </summary>
public class ComposeFileTests
{
    private static YamlMappingNode Services()
    {
        var path = Path.Combine(RepositoryRoot(), "docker", "compose.yaml");
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path)) yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents.Single().RootNode;
        return (YamlMappingNode)root["services"];
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AkkaRpc.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("AkkaRpc.sln not found above the test binaries");
    }

    private static Dictionary<string, string> Environment(YamlMappingNode service) =>
        ((YamlMappingNode)service["environment"]).Children.ToDictionary(
            e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value!);

    [Fact]
    public void Compose_file_should_have_three_nodes_and_postgres_with_health_checks()
    {
        var services = Services();
        var names = services.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToArray();
        Assert.Equal(["postgres", "node1", "node2", "node3"], names);
        foreach (var name in names)
            Assert.True(((YamlMappingNode)services[name]).Children.ContainsKey("healthcheck"), $"{name} has no health check");
        foreach (var node in new[] { "node1", "node2", "node3" })
        {
            var service = (YamlMappingNode)services[node];
            var test = string.Join(" ", ((YamlSequenceNode)((YamlMappingNode)service["healthcheck"])["test"]).Select(n => ((YamlScalarNode)n).Value));
            Assert.Contains(GatewayHostingExtensions.ReadyPath, test);
            var dependsOn = (YamlMappingNode)service["depends_on"];
            Assert.Equal("service_healthy", ((YamlScalarNode)((YamlMappingNode)dependsOn["postgres"])["condition"]).Value);
        }
    }

    [Fact]
    public void Every_node_setting_should_be_one_the_node_reads_and_accepts()
    {
        var services = Services();
        foreach (var node in new[] { "node1", "node2", "node3" })
        {
            var env = Environment((YamlMappingNode)services[node]);
            foreach (var key in env.Keys)
            {
                Assert.StartsWith("AkkaRpc__", key);
                Assert.True(NamesASetting(typeof(AkkaRpcOptions), key.Split("__")[1..], out var why), $"{node}: {key}: {why}");
            }

            // Bind exactly as the node does (environment variables: "__" is the section separator).
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(env.Select(e => KeyValuePair.Create(e.Key.Replace("__", ":"), (string?)e.Value)))
                .Build();
            // Unknown names were checked above; the AkkaRpc section also holds Gateway, which GatewayOptions binds.
            var options = configuration.GetSection(AkkaRpcOptions.Section).Get<AkkaRpcOptions>()!;
            var gateway = configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>(o => o.ErrorOnUnknownConfiguration = true)!;
            options.Validate();
            gateway.Validate();
            Assert.Equal(JournalProvider.PostgreSql, options.Persistence.Provider);
            Assert.Equal(node, options.PublicHostname);
            Assert.Equal(3, options.SeedAddresses().Count);
            Assert.All(options.SeedNodes, seed => Assert.Matches(@"^node[123]:4053$", seed));
            Assert.Equal("0.0.0.0", gateway.Hostname);
        }
    }

    // AkkaRpc__Gateway__HttpPort → AkkaRpcOptions has no Gateway property: the node binds it to GatewayOptions.
    private static bool NamesASetting(Type type, string[] path, out string why)
    {
        if (type == typeof(AkkaRpcOptions) && path[0] == "Gateway")
            return NamesASetting(typeof(GatewayOptions), path[1..], out why);
        var property = type.GetProperty(path[0], BindingFlags.Public | BindingFlags.Instance);
        if (property is null || !property.CanWrite)
        {
            why = $"{type.Name} has no settable '{path[0]}'";
            return false;
        }
        if (path.Length == 1)
        {
            why = "";
            return property.PropertyType.IsValueType || property.PropertyType == typeof(string) || Nullable.GetUnderlyingType(property.PropertyType) is not null;
        }
        if (property.PropertyType.IsArray)
        {
            why = int.TryParse(path[1], out _) && path.Length == 2 ? "" : $"'{path[0]}' is a list: {path[0]}__N";
            return why.Length == 0;
        }
        return NamesASetting(property.PropertyType, path[1..], out why);
    }
}
