using System.Data.Common;
using AkkaRpc.Backup;

namespace AkkaRpc.Cli;

/// <summary>Turns the failures an operator can cause (a wrong path, a busy target, a damaged backup) into a message and
/// exit code 2, an unreachable gateway into exit code 3; anything else is a bug and keeps its stack trace.</summary>
internal static class CliErrors
{
    public const int Ok = 0;
    public const int Mismatch = 1;
    public const int Refused = 2;
    public const int Unreachable = 3;

    /// <summary>A call that the cluster answered with an error exits with this plus the status number
    /// (InvalidArgument 13, NotFound 15, FailedPrecondition 19, Unimplemented 22, Unavailable 24, ...), so a script
    /// can tell "my request is wrong" from "the cluster is sick" without parsing the message.</summary>
    public const int CallFailedBase = 10;

    public static int CallFailed(RpcStatusCode code) => CallFailedBase + (int)code;

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
        catch (Cli.Gateway.GatewayUnreachableException e)
        {
            await Console.Error.WriteLineAsync($"akkarpc: error: {e.Message}").ConfigureAwait(false);
            return Unreachable;
        }
    }
}
