namespace AkkaRpc.Entities;

/// <summary>Runtime settings shared by all entities of one service on one node.</summary>
/// <param name="SnapshotEvery">Snapshot after this many persisted commands, so recovery replays at most that many rows.</param>
/// <param name="RememberedRequests">How many applied request ids each entity remembers for deduplication.</param>
/// <param name="Time">Clock for deadline checks.</param>
internal sealed record EntitySettings(int SnapshotEvery, int RememberedRequests, TimeProvider Time);
