using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace AkkaRpc.Backup;

/// <summary>
/// Runs an enumeration on another thread, a bounded number of batches ahead of its consumer: a restore decodes and
/// checksums the backup on one core while the database writes on the other, instead of taking turns.
/// </summary>
internal static class ReadAhead
{
    private const int BatchSize = 512;
    private const int Batches = 16;

    /// <summary>The items of <paramref name="source"/>, in order; its exceptions surface at the consumer.</summary>
    /// <param name="source">The enumeration to run ahead.</param>
    /// <param name="ct">Cancels both sides.</param>
    public static async IAsyncEnumerable<T> Run<T>(IAsyncEnumerable<T> source, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var channel = Channel.CreateBounded<T[]>(new BoundedChannelOptions(Batches) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var producer = Task.Run(async () =>
        {
            try
            {
                var batch = new List<T>(BatchSize);
                await foreach (var item in source.WithCancellation(stop.Token).ConfigureAwait(false))
                {
                    batch.Add(item);
                    if (batch.Count < BatchSize) continue;
                    await channel.Writer.WriteAsync([.. batch], stop.Token).ConfigureAwait(false);
                    batch.Clear();
                }
                if (batch.Count > 0) await channel.Writer.WriteAsync([.. batch], stop.Token).ConfigureAwait(false);
                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                channel.Writer.Complete(e);
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var batch in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                foreach (var item in batch) yield return item;
        }
        finally
        {
            // The consumer stopped early (failed write, cancel): the producer must not keep reading the backup.
            await stop.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
        }
    }
}
