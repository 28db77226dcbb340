namespace AkkaRpc;

/// <summary>
/// Declares which service and method a request type belongs to. The pair is the request's wire name
/// (<c>service.Method</c>): it is what the journal and remote peers see, so renaming or moving the CLR type never
/// breaks replay or a rolling upgrade. Change the wire name only together with a migration.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RpcMethodAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="service">Service name, e.g. <c>accounts</c>. Letters, digits, '-' and '_'.</param>
    /// <param name="method">Method name, e.g. <c>Deposit</c>. Letters, digits, '-' and '_'.</param>
    public RpcMethodAttribute(string service, string method)
    {
        Service = service;
        Method = method;
    }

    /// <summary>The service that handles this request.</summary>
    public string Service { get; }

    /// <summary>The method within the service.</summary>
    public string Method { get; }
}

/// <summary>
/// The stable wire name of a response, event or state type. It is written next to every serialized value
/// (remote messages, journal rows, snapshots) instead of the CLR type name, so a rename stays compatible.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class WireTypeAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="name">A name unique across the cluster, e.g. <c>accounts.Balance</c>.</param>
    public WireTypeAttribute(string name) => Name = name;

    /// <summary>The wire name.</summary>
    public string Name { get; }
}
