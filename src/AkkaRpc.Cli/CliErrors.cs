using System.Data.Common;
using AkkaRpc.Backup;

namespace AkkaRpc.Cli;

/// <summary>Turns the failures an operator can cause (a wrong path, a busy target, a damaged backup) into a message and
/// exit code 2; anything else is a bug and keeps its stack trace.</summary>
internal static class CliErrors
{
    public const int Ok = 0;
    public const int Mismatch = 1;
    public const int Refused = 2;

    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or RestoreRefusedException
                                      or DbException or InvalidOperationException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"akkarpc: error: {e.Message}").ConfigureAwait(false);
            return Refused;
        }
    }
}
