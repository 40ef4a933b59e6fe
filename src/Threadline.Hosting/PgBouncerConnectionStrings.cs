using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>The connection strings of a pooler and of its pooled databases, built in one place so they cannot drift apart.</summary>
internal static class PgBouncerConnectionStrings
{
    /// <summary>
    /// What every client of a transaction pooler needs: no DISCARD ALL when Npgsql reuses a connection (it would reset
    /// whichever server connection PgBouncer picks) and no automatic preparation (PgBouncer 1.18 cannot keep statements).
    /// </summary>
    public const string TransactionPoolingOptions = "No Reset On Close=true;Max Auto Prepare=0";

    /// <summary>The pooler without a database or login, like Aspire's PostgreSQL server: each pooled database brings both.</summary>
    public static ReferenceExpression Pooler(IPgBouncerResource pooler)
    {
        var endpoint = pooler.GetEndpoint(PgBouncerSettings.EndpointName);
        return ReferenceExpression.Create(
            $"Host={endpoint.Property(EndpointProperty.Host)};Port={endpoint.Property(EndpointProperty.Port)};{TransactionPoolingOptions}");
    }

    public static ReferenceExpression Pooled(IPgBouncerResource pooler, string databaseName, string user, ParameterResource password)
    {
        var endpoint = pooler.GetEndpoint(PgBouncerSettings.EndpointName);
        return ReferenceExpression.Create(
            $"Host={endpoint.Property(EndpointProperty.Host)};Port={endpoint.Property(EndpointProperty.Port)};Database={databaseName};Username={user};Password={password};{TransactionPoolingOptions}");
    }
}
