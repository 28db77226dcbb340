using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence.Hosting;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using Akka.Remote.Hosting;
using AkkaRpc.Backup;
using AkkaRpc.Client;
using AkkaRpc.Entities;
using AkkaRpc.Membership;
using AkkaRpc.Persistence;
using AkkaRpc.Protocol;
using AkkaRpc.Routing;
using AkkaRpc.Serialization;
using AkkaRpc.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaRpc.Hosting;

/// <summary>Akka.Hosting entry points of AkkaRpc.</summary>
public static class AkkaRpcHostingExtensions
{
    /// <summary>
    /// Makes this actor system an AkkaRpc cluster node: remoting, clustering with the split brain resolver,
    /// the journal and snapshot store, the AkkaRpc serializer, and the services declared in <paramref name="configure"/>
    /// (hosted where the node has the service's role, reachable from every node).
    /// </summary>
    /// <param name="builder">The Akka.Hosting builder.</param>
    /// <param name="options">Node settings, usually bound from the <c>AkkaRpc</c> configuration section.</param>
    /// <param name="configure">Declares the services.</param>
    public static AkkaConfigurationBuilder WithAkkaRpc(
        this AkkaConfigurationBuilder builder, AkkaRpcOptions options, Action<AkkaRpcBuilder> configure)
    {
        options.Validate();
        var rpc = new AkkaRpcBuilder();
        configure(rpc);
        foreach (var assembly in rpc.Entities.Select(e => e.Definition?.GetType().Assembly)
                     .Concat(rpc.StatelessServices.Select(s => s.Definition?.GetType().Assembly)).OfType<System.Reflection.Assembly>())
            WireTypes.Register(assembly);
        WireTypes.ThrowOnConflicts();

        builder
            .AddHocon(EmbeddedHocon.Load(), HoconAddMode.Append)
            .WithCustomSerializer("akkarpc", [typeof(IRpcMessage)], system => new RpcSerializer(system))
            .WithRemoting(new RemoteOptions
            {
                HostName = options.Hostname,
                PublicHostName = options.PublicHostname ?? options.Hostname,
                Port = options.Port,
            })
            .WithClustering(new ClusterOptions
            {
                Roles = options.EffectiveRoles().ToArray(),
                SeedNodes = options.SeedAddresses().ToArray(),
                SplitBrainResolver = new KeepMajorityOption(),
            });
        // Failover timing set as options wins over the embedded defaults and over a host's own HOCON.
        var membership = options.Membership.ToHocon();
        if (membership.Length > 0) builder.AddHocon(ConfigurationFactory.ParseString(membership), HoconAddMode.Prepend);
        WithPersistence(builder, options.Persistence, hostsEntities: rpc.Entities.Any(e => options.EffectiveRoles().Contains(e.Role) && e.Definition is not null));
        // Only nodes with the backup role run the singleton manager; the singleton lives on the oldest of them.
        if (options.Backup.Enabled && options.EffectiveRoles().Contains(options.Backup.Role))
        {
            var database = JournalDatabase.For(options.Persistence);
            builder.WithSingleton<BackupScheduler>(
                BackupScheduler.Name,
                (_, _, _) => BackupScheduler.Props(database, options.Backup, rpc.Time),
                new ClusterSingletonOptions { Role = options.Backup.Role },
                createProxyToo: false);
        }

        return builder.StartActors(async (system, _) => await StartAsync(system, options, rpc).ConfigureAwait(false));
    }

    /// <summary>Registers <see cref="IRpcClient"/> (the node's client) for dependency injection.</summary>
    public static IServiceCollection AddAkkaRpcClient(this IServiceCollection services) =>
        services.AddSingleton<IRpcClient>(sp => AkkaRpcRuntime.Get(sp.GetRequiredService<ActorSystem>()).Client);

    private static void WithPersistence(AkkaConfigurationBuilder builder, PersistenceOptions persistence, bool hostsEntities)
    {
        builder.AddHocon(
            ConfigurationFactory.ParseString($"akka.persistence.max-concurrent-recoveries = {persistence.EffectiveMaxConcurrentRecoveries.ToHocon()}"),
            HoconAddMode.Prepend);
        if (persistence.Provider == JournalProvider.InMemory)
        {
            builder.WithInMemoryJournal().WithInMemorySnapshotStore();
            return;
        }

        // Akka.Persistence.Sql's own defaults are only loaded by its (unavailable) hosting package: without them the
        // journal fails with "Plugin class name must be defined" and callers only see timeouts.
        builder.AddHocon(SqlPersistence.DefaultConfiguration, HoconAddMode.Append);
        var connectionString = persistence.EffectiveConnectionString;
        var providerName = persistence.EffectiveProviderName;
        if (persistence.Provider == JournalProvider.PostgreSql) connectionString = CapPostgresPool(connectionString);
        if (persistence.Provider == JournalProvider.Sqlite)
        {
            if (hostsEntities) SqliteFile.Prepare(connectionString);
            builder.AddSetup(new DataOptionsSetup(SqliteConnections.DataOptions(connectionString, providerName, persistence.SqliteSynchronous,
                persistence.SqliteCheckpointPages)));
        }
        var journal = new SqlJournalPluginOptions(connectionString, providerName, persistence);
        builder.WithJournalAndSnapshot(journal, new SqlSnapshotPluginOptions(connectionString, providerName, persistence, journal.PluginId));
    }

    /// <summary>Most PostgreSQL connections one node opens unless its connection string says otherwise.</summary>
    internal const int DefaultPostgresPoolSize = 20;

    /// <summary>
    /// Npgsql's default pool (100 connections per process) lets a cold start of 3 nodes, each recovering dozens of
    /// entities at once, ask for more connections than a default PostgreSQL server has (max_connections 100): the
    /// cold-restart benchmark saw "53300: remaining connection slots are reserved" and entities failing recovery.
    /// A node therefore uses at most <see cref="DefaultPostgresPoolSize"/> (journal and snapshot store share the pool;
    /// a query waits for a free connection instead of failing). An explicit Maximum Pool Size in the connection
    /// string wins.
    /// </summary>
    private static string CapPostgresPool(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (given.Keys.Cast<string>().Any(k => k.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant() is "maxpoolsize" or "maximumpoolsize"))
            return connectionString;
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = DefaultPostgresPoolSize };
        return builder.ConnectionString;
    }

    private static async Task StartAsync(ActorSystem system, AkkaRpcOptions options, AkkaRpcBuilder rpc)
    {
        var cluster = Cluster.Get(system);
        // No seeds: this node is a cluster of its own (development, tests, the first node started on port 0).
        if (options.SeedAddresses().Count == 0) cluster.Join(cluster.SelfAddress);
        var roles = cluster.SelfRoles;
        var endpoints = new List<ServiceEndpoint>();
        var runtime = AkkaRpcRuntime.Get(system);
        var shedder = new LoadShedder(options.LoadShedding, rpc.Time, runtime.Metrics);
        var sharding = ClusterSharding.Get(system);
        // The correlator first: batching routes name it as the reply-to of every batch they send.
        var correlator = system.ActorOf(ReplyCorrelator.Props(runtime.Pending, rpc.Time), ReplyCorrelator.Name);
        var routes = options.Transport.Batching ? new NodeRoutes(system, cluster.SelfAddress, correlator, options.Transport) : null;

        foreach (var entity in rpc.Entities)
        {
            var extractor = new EntityMessageExtractor(options.ShardCount);
            if (entity.Definition is { } definition && roles.Contains(entity.Role))
            {
                var entitySettings = new EntitySettings(options.SnapshotEvery, options.RememberedRequestsPerEntity, rpc.Time, shedder);
                var settings = ClusterShardingSettings.Create(system).WithRole(entity.Role);
                var region = await sharding.StartAsync(
                    entity.Service,
                    key => EntitySupervisor.Props(definition, key, entitySettings),
                    settings,
                    extractor,
                    sharding.DefaultShardAllocationStrategy(settings),
                    StopEntity.Instance).ConfigureAwait(false);
                endpoints.Add(new ServiceEndpoint(entity.Service, ServiceKind.Entity, region, HostedHere: true,
                    Hints: routes?.HintsFor(options.ShardCount)));
            }
            else
            {
                var proxy = await sharding.StartProxyAsync(entity.Service, entity.Role, extractor).ConfigureAwait(false);
                endpoints.Add(new ServiceEndpoint(entity.Service, ServiceKind.Entity, proxy, HostedHere: false,
                    Hints: routes?.HintsFor(options.ShardCount)));
            }
        }

        var workers = options.WorkersPerService > 0 ? options.WorkersPerService : Environment.ProcessorCount;
        foreach (var service in rpc.StatelessServices)
        {
            var hosted = service.Definition is not null && roles.Contains(service.Role);
            if (hosted)
                system.ActorOf(StatelessRouting.WorkerPool(service.Definition!, workers, rpc.Time, shedder), StatelessRouting.WorkerPoolName(service.Service));
            var health = new NodeHealth(rpc.Time, rpc.Resilience.BreakerBreakDuration);
            var router = system.ActorOf(
                StatelessRouting.ClusterRouter(service.Service, service.Role, options.VirtualNodesFactor, health),
                StatelessRouting.ClusterRouterName(service.Service));
            endpoints.Add(new ServiceEndpoint(service.Service, ServiceKind.Stateless, router, hosted, health));
        }

        system.ActorOf(MembershipLogger.Props(), MembershipLogger.Name);
        // Tells a restore that this node uses the database (see NodeHeartbeat). Client-only nodes have no journal.
        if (options.Persistence.Provider != JournalProvider.InMemory)
            StartHeartbeat(system, JournalDatabase.For(options.Persistence));
        if (options.DeadProcessDetection.Enabled)
            system.ActorOf(DeadProcessDowner.Props(options.DeadProcessDetection), DeadProcessDowner.Name);
        var directory = new ServiceDirectory(endpoints);
        // Every node takes batches, whether or not its own client sends any.
        system.ActorOf(NodeInbox.Props(directory, options.Transport), NodeInbox.Name);
        if (routes is not null) system.ActorOf(TransportMembership.Props(routes), TransportMembership.Name);
        runtime.Start(directory, correlator,
            new PolicyTable(rpc.DefaultPolicy, rpc.ServicePolicies, rpc.MethodPolicies), rpc.Resilience, rpc.Time, routes);
    }

    /// <summary>
    /// Starts the node's <see cref="NodeHeartbeat"/> and registers the deletion of its row in coordinated shutdown, so
    /// a node that leaves gracefully stops counting as running at once.
    /// </summary>
    private static void StartHeartbeat(ActorSystem system, JournalDatabase database)
    {
        var address = Cluster.Get(system).SelfAddress.ToString();
        system.ActorOf(NodeHeartbeat.Props(database, address), NodeHeartbeat.Name);
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "akkarpc-heartbeat-remove", async () =>
        {
            try
            {
                using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await database.RemoveHeartbeatAsync(address, bound.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Best effort: the row then ages out after NodeHeartbeat.LiveWithin, as after a kill -9.
                system.Log.Warning(e, "Could not delete this node's heartbeat row");
            }
            return Akka.Done.Instance;
        });
    }
}

/// <summary>Loads <c>hocon/akkarpc.conf</c>, embedded in this assembly.</summary>
internal static class EmbeddedHocon
{
    public static Config Load()
    {
        using var stream = typeof(EmbeddedHocon).Assembly.GetManifestResourceStream("AkkaRpc.akkarpc.conf")
                           ?? throw new InvalidOperationException("akkarpc.conf is not embedded in AkkaRpc.dll");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
