using System.CommandLine;
using System.Text.Json;
using AkkaRpc.Cli.Gateway;
using Spectre.Console;

namespace AkkaRpc.Cli.Commands;

/// <summary>
/// <c>akkarpc status</c>: members, roles, reachability and shards/entities per node, as one node's gateway sees them
/// (<c>GET /cluster/status</c>), in a table on stdout.
/// </summary>
internal static class StatusCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Command Create()
    {
        var gateway = GatewayConnection.Option();
        var command = new Command("status", "Show the cluster's members, roles, reachability and shards/entities per node") { gateway };
        command.SetAction((result, ct) => CliErrors.RunAsync(() => RunAsync(result.GetValue(gateway), ct)));
        return command;
    }

    private static async Task<int> RunAsync(string? gatewayAddress, CancellationToken ct)
    {
        var gateway = GatewayConnection.Parse(gatewayAddress);
        // The node bounds its sharding queries at 5 s; 20 s leaves room for a busy machine.
        using var client = GatewayConnection.Client(gateway, TimeSpan.FromSeconds(20));
        var (status, body) = await GatewayConnection.SendAsync(gateway, async () =>
        {
            using var response = await client.GetAsync("cluster/status", ct).ConfigureAwait(false);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        }, ct).ConfigureAwait(false);
        StatusView? view = null;
        if (status == 200)
        {
            try { view = JsonSerializer.Deserialize<StatusView>(body, Json); }
            catch (JsonException) { }
        }
        if (view is null)
            throw new GatewayUnreachableException(
                $"the gateway at {gateway} answered HTTP {status} without a cluster status; is --gateway a node's gateway HTTP port (and the node this version)?");

        Render(view);
        var up = view.Members.Count(m => m.Status == "Up");
        var unreachable = view.Members.Count(m => !m.Reachable);
        // One parseable line for scripts, like the other verbs.
        Console.WriteLine($"status: members={view.Members.Count} up={up} unreachable={unreachable} leader={view.Leader ?? "none"}");
        return CliErrors.Ok;
    }

    private static void Render(StatusView view)
    {
        var console = AnsiConsole.Console;
        // Redirected output (a script, a log) gets Spectre's 80-column default, which would wrap every address.
        if (Console.IsOutputRedirected) console.Profile.Width = Math.Max(console.Profile.Width, 160);
        var table = new Table().Title($"cluster seen from {Markup.Escape(view.Self)}");
        table.AddColumn("node");
        table.AddColumn("status");
        table.AddColumn("roles");
        table.AddColumn("reachable");
        foreach (var service in view.Services) table.AddColumn(new TableColumn($"{Markup.Escape(service.Service)}\nshards / entities").RightAligned());

        foreach (var member in view.Members)
        {
            var cells = new List<string>
            {
                Markup.Escape(member.Address + (member.Address == view.Leader ? " (leader)" : "")),
                Markup.Escape(member.Status),
                Markup.Escape(string.Join(",", member.Roles)),
                member.Reachable ? "[green]yes[/]" : "[red]NO[/]",
            };
            foreach (var service in view.Services)
            {
                var region = service.Regions.FirstOrDefault(r => r.Address == member.Address);
                cells.Add(region is null ? "-"
                    : $"{region.Shards} / {region.Entities}" + (region.FailedShards > 0 ? $" [red]({region.FailedShards} failed)[/]" : ""));
            }
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
        foreach (var service in view.Services.Where(s => s.Error is not null))
            console.MarkupLine($"[yellow]{Markup.Escape(service.Service)}: {Markup.Escape(service.Error!)}[/]");
    }
}
