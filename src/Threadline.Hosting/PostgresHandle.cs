using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>How PostgreSQL was added: the server (superuser connection), the direct database, and where a pooler finds it.</summary>
public sealed record PostgresHandle(
    IResourceBuilder<IResourceWithConnectionString> Server,
    IResourceBuilder<IResourceWithConnectionString> Database,
    string DatabaseName,
    ParameterResource SuperUserPassword,
    PoolerBackend Backend);
