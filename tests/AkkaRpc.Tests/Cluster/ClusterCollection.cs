namespace AkkaRpc.Tests.Cluster;

/// <summary>Cluster tests start nodes and load both cores: they run one at a time, never beside each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster";
}
