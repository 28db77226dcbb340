using System.Net.Http.Headers;
using System.Net.Sockets;

namespace AkkaRpc.Cli.Gateway;

/// <summary>
/// The CLI's only way into a cluster: HTTP to one node's gateway. The CLI never joins the cluster, so it needs no
/// cluster port, seed list or serializer of its own, and an operator can run it from any machine that reaches port 5053.
/// </summary>
internal static class GatewayConnection
{
    /// <summary>The gateway HTTP address of a node started with the default settings.</summary>
    public const string DefaultAddress = "http://127.0.0.1:5053";

    public static System.CommandLine.Option<string> Option() => new("--gateway")
    {
        Description = "Gateway HTTP address of any node",
        DefaultValueFactory = _ => DefaultAddress,
    };

    /// <summary>Checks the address before anything is sent, so a typo is bad input (exit 2), not an unreachable node.</summary>
    public static Uri Parse(string? address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"--gateway '{address}' is not an http:// or https:// address (e.g. {DefaultAddress})");
        return uri;
    }

    public static HttpClient Client(Uri gateway, TimeSpan timeout)
    {
        var client = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            BaseAddress = gateway,
            Timeout = timeout,
        };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>
    /// Runs one exchange with the gateway; a refused connection, a reset or a timeout becomes
    /// <see cref="GatewayUnreachableException"/> naming the address, so the operator sees which node did not answer.
    /// </summary>
    public static async Task<T> SendAsync<T>(Uri gateway, Func<Task<T>> exchange, CancellationToken cancellationToken)
    {
        try
        {
            return await exchange().ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            var why = e.InnerException is SocketException socket ? socket.SocketErrorCode.ToString() : e.Message;
            throw new GatewayUnreachableException($"the gateway at {gateway} did not answer ({why}); is the node running and is --gateway its HTTP port?", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new GatewayUnreachableException($"the gateway at {gateway} did not answer in time", e);
        }
    }
}

/// <summary>The gateway could not be reached or did not answer (exit <see cref="CliErrors.Unreachable"/>).</summary>
internal sealed class GatewayUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
