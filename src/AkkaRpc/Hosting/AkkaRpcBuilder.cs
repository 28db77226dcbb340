using AkkaRpc.Entities;
using AkkaRpc.Routing;
using AkkaRpc.Stateless;

namespace AkkaRpc.Hosting;

/// <summary>Declares the services of a node inside <c>WithAkkaRpc</c>.</summary>
public sealed class AkkaRpcBuilder
{
    internal List<EntityRegistration> Entities { get; } = [];
    internal List<StatelessRegistration> StatelessServices { get; } = [];
    internal TimeProvider Time { get; private set; } = TimeProvider.System;
    internal CallPolicy DefaultPolicy { get; private set; } = CallPolicy.Default;
    internal Dictionary<string, CallPolicy> ServicePolicies { get; } = new(StringComparer.Ordinal);
    internal Dictionary<(string, string), CallPolicy> MethodPolicies { get; } = new();
    internal Client.ClientResilienceOptions Resilience { get; private set; } = new();

    /// <summary>
    /// A stateful service. Nodes with <paramref name="role"/> host its entities; every other node gets a proxy and can
    /// call it.
    /// </summary>
    /// <typeparam name="TEntity">The entity definition.</typeparam>
    /// <param name="role">The role that hosts it; default <see cref="AkkaRpcOptions.DefaultServiceRole"/>.</param>
    public AkkaRpcBuilder AddEntity<TEntity>(string role = AkkaRpcOptions.DefaultServiceRole)
        where TEntity : RpcEntity, new()
    {
        var definition = new TEntity();
        return Add(new EntityRegistration(definition.Service, role, definition));
    }

    /// <summary>A stateful service this node only calls (it has no definition of it): a shard region proxy.</summary>
    public AkkaRpcBuilder AddEntityProxy(string service, string role = AkkaRpcOptions.DefaultServiceRole) =>
        Add(new EntityRegistration(service, role, null));

    /// <summary>A stateless service. Nodes with <paramref name="role"/> run its workers; every node routes to them.</summary>
    public AkkaRpcBuilder AddService<TService>(string role = AkkaRpcOptions.DefaultServiceRole)
        where TService : RpcService, new()
    {
        var definition = new TService();
        return Add(new StatelessRegistration(definition.Service, role, definition));
    }

    /// <summary>A stateless service this node only calls: a consistent-hash router without local workers.</summary>
    public AkkaRpcBuilder AddServiceRouter(string service, string role = AkkaRpcOptions.DefaultServiceRole) =>
        Add(new StatelessRegistration(service, role, null));

    /// <summary>The clock for deadlines and backoff (tests pass a fake one).</summary>
    public AkkaRpcBuilder WithTimeProvider(TimeProvider time)
    {
        Time = time ?? throw new ArgumentNullException(nameof(time));
        return this;
    }

    /// <summary>The policy of calls that name none and whose method and service have none.</summary>
    public AkkaRpcBuilder WithDefaultPolicy(CallPolicy policy)
    {
        policy.Validate();
        DefaultPolicy = policy;
        return this;
    }

    /// <summary>The policy of every method of <paramref name="service"/> (a call's own policy still wins).</summary>
    public AkkaRpcBuilder WithServicePolicy(string service, CallPolicy policy)
    {
        policy.Validate();
        ServicePolicies[service] = policy;
        return this;
    }

    /// <summary>The policy of one method, named by its request type (a call's own policy still wins).</summary>
    public AkkaRpcBuilder WithMethodPolicy<TRequest>(CallPolicy policy) where TRequest : IRpcRequest
    {
        policy.Validate();
        var method = Serialization.WireTypes.MethodOf(typeof(TRequest));
        MethodPolicies[(method.Service, method.Method)] = policy;
        return this;
    }

    /// <summary>Retry budget and circuit breaker settings of this node's client.</summary>
    public AkkaRpcBuilder WithResilience(Client.ClientResilienceOptions options)
    {
        options.Validate();
        Resilience = options;
        return this;
    }

    private AkkaRpcBuilder Add(ServiceRegistration registration)
    {
        if (!Serialization.WireTypes.IsValidName(registration.Service))
            throw new ArgumentException($"'{registration.Service}' is not a valid service name");
        if (!Serialization.WireTypes.IsValidName(registration.Role))
            throw new ArgumentException($"'{registration.Role}' is not a valid role name");
        if (Entities.Any(e => e.Service == registration.Service) || StatelessServices.Any(s => s.Service == registration.Service))
            throw new ArgumentException($"service '{registration.Service}' is registered twice");
        switch (registration)
        {
            case EntityRegistration entity: Entities.Add(entity); break;
            case StatelessRegistration stateless: StatelessServices.Add(stateless); break;
        }
        return this;
    }
}

internal abstract record ServiceRegistration(string Service, string Role, ServiceKind Kind);

internal sealed record EntityRegistration(string Service, string Role, RpcEntity? Definition)
    : ServiceRegistration(Service, Role, ServiceKind.Entity);

internal sealed record StatelessRegistration(string Service, string Role, RpcService? Definition)
    : ServiceRegistration(Service, Role, ServiceKind.Stateless);
