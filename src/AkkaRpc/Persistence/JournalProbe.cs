using Akka.Actor;
using Akka.Persistence;

namespace AkkaRpc.Persistence;

/// <summary>
/// Asks the node's journal a real question (the highest sequence number of a stream nobody writes), so a health
/// check knows the database answers, not just that the journal actor exists. Writes nothing.
/// </summary>
public static class JournalProbe
{
    private const string ProbeStream = "akkarpc-health/probe";

    /// <summary>Null when the journal answered within <paramref name="timeout"/>; otherwise what went wrong.</summary>
    public static async Task<string?> CheckAsync(ActorSystem system, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            var journal = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null);
            // max = 0 and to = 0: the journal only reads the highest sequence number (one query), then answers.
            var answer = await journal.Ask<object>(
                replyTo => new ReplayMessages(0, 0, 0, ProbeStream, replyTo), timeout, cancellationToken).ConfigureAwait(false);
            return answer switch
            {
                RecoverySuccess => null,
                ReplayMessagesFailure failure => $"the journal failed: {failure.Cause.GetBaseException().Message}",
                _ => $"the journal answered {answer.GetType().Name}",
            };
        }
        catch (AskTimeoutException)
        {
            return $"the journal did not answer within {timeout.TotalMilliseconds:0} ms";
        }
        catch (TaskCanceledException)
        {
            return "the journal probe was cancelled";
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or NotSupportedException)
        {
            return $"the journal is not usable: {e.Message}";
        }
    }
}
