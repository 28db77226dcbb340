namespace AkkaRpc.Client;

/// <summary>Call policies by scope. Precedence: call &gt; method &gt; service &gt; client default.</summary>
internal sealed class PolicyTable
{
    private readonly Dictionary<string, CallPolicy> _services;
    private readonly Dictionary<(string Service, string Method), CallPolicy> _methods;

    public PolicyTable(CallPolicy fallback, Dictionary<string, CallPolicy> services, Dictionary<(string, string), CallPolicy> methods)
    {
        Default = fallback;
        _services = services;
        _methods = methods;
    }

    public static PolicyTable Empty { get; } = new(CallPolicy.Default, [], []);

    public CallPolicy Default { get; }

    public CallPolicy Resolve(RpcMethodAttribute method) =>
        _methods.TryGetValue((method.Service, method.Method), out var byMethod) ? byMethod
        : _services.TryGetValue(method.Service, out var byService) ? byService
        : Default;
}
