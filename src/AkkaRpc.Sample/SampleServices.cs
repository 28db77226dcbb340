using AkkaRpc.Hosting;
using AkkaRpc.Sample.Accounts;
using AkkaRpc.Sample.Quotes;

namespace AkkaRpc.Sample;

/// <summary>Registers the sample services in one call, the same way on nodes, the demo client and tests.</summary>
public static class SampleServices
{
    /// <summary>Adds the accounts entity and the quotes service.</summary>
    public static AkkaRpcBuilder AddSampleServices(this AkkaRpcBuilder rpc) =>
        rpc.AddEntity<AccountEntity>().AddService<QuoteService>();
}
