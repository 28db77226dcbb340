using System.Runtime.InteropServices;

namespace AkkaRpc.Backup;

/// <summary>
/// fsync(2) of a directory on Linux: a renamed file is durable only once its directory entry is. .NET has no API for
/// it (it refuses to open a directory as a file).
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY (Linux)

    /// <summary>Flushes <paramref name="folder"/>'s entries to disk; false when that is not possible here.</summary>
    /// <param name="folder">The directory.</param>
    public static bool Flush(string folder)
    {
        if (!OperatingSystem.IsLinux()) return false;
        var fd = Open(folder, ReadOnlyDirectory);
        if (fd < 0) return false;
        try { return Fsync(fd) == 0; }
        finally { _ = Close(fd); }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
    private static extern int Open(string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
