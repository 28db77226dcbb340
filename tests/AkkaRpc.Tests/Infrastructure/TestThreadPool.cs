using System.Runtime.CompilerServices;

namespace AkkaRpc.Tests.Infrastructure;

/// <summary>
/// Raises the thread pool's minimum before any test runs. TestKit's ExpectMsg, the in-process clusters' hosts and
/// several helpers block a pool thread while they wait, and test classes run in parallel; on a 2-core machine the pool
/// starts with 2 worker threads and adds roughly one more per 0.5 s once they are all blocked, while Akka's default
/// dispatcher runs the in-process actors on that same pool. A test run with a CPU hog beside it saw an entity's
/// immediate rejection reply miss a 5 s ExpectMsg (EntityActorTests), which pool starvation explains. With 64 threads
/// ready, a blocked waiter does not hold up the actors.
/// </summary>
internal static class TestThreadPool
{
    private const int MinimumWorkers = 64;

    [ModuleInitializer]
    internal static void Raise()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        if (workers < MinimumWorkers) ThreadPool.SetMinThreads(MinimumWorkers, io);
    }
}
