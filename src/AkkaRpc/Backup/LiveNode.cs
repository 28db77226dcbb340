namespace AkkaRpc.Backup;

/// <summary>A node that recently wrote its heartbeat into a journal database (see <see cref="NodeHeartbeat"/>).</summary>
/// <param name="Address">The node's cluster address.</param>
/// <param name="Host">The machine it runs on.</param>
/// <param name="Pid">Its process id on that machine.</param>
/// <param name="SeenAgo">How long ago its last heartbeat was written, by the database's clock.</param>
public sealed record LiveNode(string Address, string Host, long Pid, TimeSpan SeenAgo);
