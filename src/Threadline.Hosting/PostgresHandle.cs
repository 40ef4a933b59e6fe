using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>How PostgreSQL was added: the server (superuser connection), the direct database, and where a pooler finds it.</summary>
/// <param name="Server">The server resource; its connection string logs in as the superuser without a database.</param>
/// <param name="Database">The database addressed directly (not pooled), for schema installation and other DDL.</param>
/// <param name="DatabaseName">The database's name in PostgreSQL.</param>
/// <param name="SuperUserPassword">The superuser's password parameter.</param>
/// <param name="Backend">Where a pooler reaches the server from where the pooler runs.</param>
public sealed record PostgresHandle(
    IResourceBuilder<IResourceWithConnectionString> Server,
    IResourceBuilder<IResourceWithConnectionString> Database,
    string DatabaseName,
    ParameterResource SuperUserPassword,
    PoolerBackend Backend);
