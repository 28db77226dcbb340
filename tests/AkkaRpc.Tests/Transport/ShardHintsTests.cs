using Akka.Actor;
using AkkaRpc.Tests.Infrastructure;
using AkkaRpc.Transport;

namespace AkkaRpc.Tests.Transport;

public class ShardHintsTests : Akka.TestKit.Xunit2.TestKit
{
    public ShardHintsTests() : base(TestConfig.ActorTests) { }

    private const string Other = "akka.tcp://akkarpc@127.0.0.1:40001";

    private NodeRoutes Routes() =>
        new(Sys, Address.Parse("akka.tcp://akkarpc@127.0.0.1:40000"), CreateTestProbe(), new TransportOptions());

    [Fact]
    public void Only_usable_other_nodes_should_get_a_route()
    {
        var routes = Routes();
        Assert.Null(routes.RouteTo(Other)); // membership has not reported it Up
        routes.MarkUsable(Address.Parse(Other));
        var route = routes.RouteTo(Other);
        Assert.NotNull(route);
        Assert.Same(route, routes.RouteTo(Other));
        Assert.Null(routes.RouteTo("akka.tcp://akkarpc@127.0.0.1:40000")); // itself: the region is local anyway
        Assert.Null(routes.RouteTo("not an address"));
    }

    [Fact]
    public void Retiring_a_node_should_drop_its_hints_and_its_route()
    {
        var routes = Routes();
        routes.MarkUsable(Address.Parse(Other));
        var hints = routes.HintsFor(100);
        var route = routes.RouteTo(Other)!;
        hints.Learn(7, route);
        hints.Learn(8, route);
        Assert.Same(route, hints.Get(7));

        Watch(route.Batcher);
        routes.Retire(Address.Parse(Other));
        Assert.True(route.Retired);
        Assert.Null(hints.Get(7));
        Assert.Null(hints.Get(8));
        ExpectTerminated(route.Batcher);
        Assert.Null(routes.RouteTo(Other));
        // A late reply from the retired node must not bring its hint back.
        hints.Learn(7, route);
        Assert.Null(hints.Get(7));
    }

    [Fact]
    public void A_timed_out_hint_should_be_forgotten_only_if_it_still_points_there()
    {
        var routes = Routes();
        routes.MarkUsable(Address.Parse(Other));
        routes.MarkUsable(Address.Parse("akka.tcp://akkarpc@127.0.0.1:40002"));
        var hints = routes.HintsFor(10);
        var old = routes.RouteTo(Other)!;
        var fresh = routes.RouteTo("akka.tcp://akkarpc@127.0.0.1:40002")!;
        hints.Learn(3, old);
        hints.Learn(3, fresh); // a newer reply moved the hint meanwhile
        hints.Forget(3, old);
        Assert.Same(fresh, hints.Get(3));
        hints.Forget(3, fresh);
        Assert.Null(hints.Get(3));
    }
}
