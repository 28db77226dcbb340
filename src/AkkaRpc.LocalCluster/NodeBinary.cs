namespace AkkaRpc.LocalCluster;

/// <summary>Finds the built node program (<c>AkkaRpc.Node.dll</c>).</summary>
public static class NodeBinary
{
    /// <summary>Environment variable that overrides the search.</summary>
    public const string Variable = "AKKARPC_NODE_DLL";

    /// <summary>
    /// The path of AkkaRpc.Node.dll: <see cref="Variable"/> if set, else the node's build output in the same
    /// configuration as the calling program, found by walking up to the folder that holds AkkaRpc.sln.
    /// </summary>
    public static string Locate()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } explicitPath)
            return File.Exists(explicitPath) ? explicitPath : throw new FileNotFoundException($"{Variable} points to a missing file", explicitPath);

        var baseDir = AppContext.BaseDirectory;
        var configuration = baseDir.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        for (var dir = new DirectoryInfo(baseDir); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "AkkaRpc.sln"))) continue;
            var path = Path.Combine(dir.FullName, "src", "AkkaRpc.Node", "bin", configuration, "net10.0", "AkkaRpc.Node.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"Build the node first (dotnet build -c {configuration})", path);
        }
        throw new FileNotFoundException($"AkkaRpc.sln not found above {baseDir}; set {Variable}");
    }
}
