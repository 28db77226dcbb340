using System.Collections.Concurrent;
using System.Reflection;
using System.Text.RegularExpressions;

namespace AkkaRpc.Serialization;

/// <summary>
/// The process-wide map between CLR types and their stable wire names. Filled by scanning assemblies that
/// reference the contracts (at start and whenever one loads), so nothing has to be listed by hand; a clash of two
/// types on one name is reported by <see cref="ThrowOnConflicts"/> at node start rather than at replay time.
/// </summary>
public static partial class WireTypes
{
    private static readonly ConcurrentDictionary<Type, string> NamesByType = new();
    private static readonly ConcurrentDictionary<string, Type> TypesByName = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<Type, RpcMethodAttribute> Methods = new();
    private static readonly ConcurrentQueue<string> Conflicts = new();
    private static readonly ConcurrentDictionary<Assembly, bool> Scanned = new();
    private static readonly string ContractsAssembly = typeof(IRpcMessage).Assembly.GetName().Name!;

    static WireTypes()
    {
        AppDomain.CurrentDomain.AssemblyLoad += (_, e) => Scan(e.LoadedAssembly);
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies()) Scan(assembly);
    }

    /// <summary>Registers the wire types of <paramref name="assembly"/> (idempotent).</summary>
    public static void Register(Assembly assembly) => Scan(assembly);

    /// <summary>Throws when two types claim one wire name or a name is malformed; called when a node starts.</summary>
    public static void ThrowOnConflicts()
    {
        if (!Conflicts.IsEmpty)
            throw new InvalidOperationException("AkkaRpc wire names are not valid: " + string.Join("; ", Conflicts.Distinct()));
    }

    /// <summary>The wire name of <paramref name="type"/>; throws when the type has none.</summary>
    public static string NameOf(Type type)
    {
        if (NamesByType.TryGetValue(type, out var name)) return name;
        Scan(type.Assembly);
        return NamesByType.TryGetValue(type, out name)
            ? name
            : throw new ArgumentException(
                $"{type.FullName} has no wire name: mark it [WireType(\"...\")] (or [RpcMethod(...)] for a request).");
    }

    /// <summary>The type registered under <paramref name="name"/>, or null.</summary>
    public static Type? TypeOf(string name)
    {
        if (TypesByName.TryGetValue(name, out var type)) return type;
        // An assembly may have loaded before this class existed and been skipped by a race; look once more.
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies()) Scan(assembly);
        return TypesByName.GetValueOrDefault(name);
    }

    /// <summary>The service and method a request type declares; throws when it declares none.</summary>
    public static RpcMethodAttribute MethodOf(Type requestType)
    {
        if (Methods.TryGetValue(requestType, out var method)) return method;
        Scan(requestType.Assembly);
        return Methods.TryGetValue(requestType, out method)
            ? method
            : throw new ArgumentException($"{requestType.FullName} is a request without [RpcMethod(service, method)].");
    }

    /// <summary>True for names usable as service or method names.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    private static void Scan(Assembly assembly)
    {
        if (assembly.IsDynamic || !Scanned.TryAdd(assembly, true)) return;
        var isContracts = assembly.GetName().Name == ContractsAssembly;
        if (!isContracts && assembly.GetReferencedAssemblies().All(a => a.Name != ContractsAssembly)) return;

        Type[] types;
        try { types = assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e) { types = e.Types.Where(t => t is not null).ToArray()!; }

        foreach (var type in types)
        {
            if (type.IsAbstract || type.IsInterface || !typeof(IRpcMessage).IsAssignableFrom(type)) continue;
            var method = type.GetCustomAttribute<RpcMethodAttribute>();
            var wire = type.GetCustomAttribute<WireTypeAttribute>();
            if (method is not null)
            {
                if (!IsValidName(method.Service) || !IsValidName(method.Method))
                {
                    Conflicts.Enqueue($"{type.FullName}: service and method names must match {NamePattern()}");
                    continue;
                }
                Methods[type] = method;
                Add(type, $"{method.Service}.{method.Method}");
            }
            else if (wire is not null)
            {
                if (string.IsNullOrWhiteSpace(wire.Name) || wire.Name.StartsWith("rpc.", StringComparison.Ordinal))
                {
                    Conflicts.Enqueue($"{type.FullName}: wire name '{wire.Name}' is empty or uses the reserved 'rpc.' prefix");
                    continue;
                }
                Add(type, wire.Name);
            }
        }
    }

    private static void Add(Type type, string name)
    {
        var existing = TypesByName.GetOrAdd(name, type);
        if (existing != type)
        {
            Conflicts.Enqueue($"'{name}' is claimed by both {existing.FullName} and {type.FullName}");
            return;
        }
        NamesByType[type] = name;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex NamePattern();
}
