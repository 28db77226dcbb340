using System.Text;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Hosting;
using Akka.Persistence.Sql;

namespace AkkaRpc.Persistence;

// Akka.Persistence.Sql.Hosting (which ships these options) is not available to us, so these two small classes
// render the Akka.Persistence.Sql plugin settings through Akka.Persistence.Hosting's option base classes, which
// quote every value (no hand-built HOCON strings).

/// <summary>The Akka.Persistence.Sql journal, configured from <see cref="PersistenceOptions"/>.</summary>
internal sealed class SqlJournalPluginOptions : JournalOptions
{
    public SqlJournalPluginOptions(string connectionString, string providerName) : base(true)
    {
        ConnectionString = connectionString;
        ProviderName = providerName;
        AutoInitialize = true;
        Serializer = null;
    }

    public string ConnectionString { get; }
    public string ProviderName { get; }

    /// <summary>The plugin's <c>read-isolation-level</c>; null keeps its default (see WithPersistence for SQLite).</summary>
    public string? ReadIsolationLevel { get; init; }

    public override string Identifier { get; set; } = "sql";

    protected override Config InternalDefaultConfig => SqlPersistence.DefaultJournalConfiguration;

    protected override StringBuilder Build(StringBuilder sb)
    {
        sb.AppendLine($"connection-string = {ConnectionString.ToHocon()}");
        sb.AppendLine($"provider-name = {ProviderName.ToHocon()}");
        if (ReadIsolationLevel is not null) sb.AppendLine($"read-isolation-level = {ReadIsolationLevel.ToHocon()}");
        return base.Build(sb);
    }
}

/// <summary>The Akka.Persistence.Sql snapshot store, configured from <see cref="PersistenceOptions"/>.</summary>
internal sealed class SqlSnapshotPluginOptions : SnapshotOptions
{
    public SqlSnapshotPluginOptions(string connectionString, string providerName) : base(true)
    {
        ConnectionString = connectionString;
        ProviderName = providerName;
        AutoInitialize = true;
        Serializer = null;
    }

    public string ConnectionString { get; }
    public string ProviderName { get; }

    /// <summary>The plugin's <c>read-isolation-level</c>; null keeps its default (see WithPersistence for SQLite).</summary>
    public string? ReadIsolationLevel { get; init; }

    public override string Identifier { get; set; } = "sql";

    protected override Config InternalDefaultConfig => SqlPersistence.DefaultSnapshotConfiguration;

    protected override StringBuilder Build(StringBuilder sb)
    {
        sb.AppendLine($"connection-string = {ConnectionString.ToHocon()}");
        sb.AppendLine($"provider-name = {ProviderName.ToHocon()}");
        if (ReadIsolationLevel is not null) sb.AppendLine($"read-isolation-level = {ReadIsolationLevel.ToHocon()}");
        return base.Build(sb);
    }
}
