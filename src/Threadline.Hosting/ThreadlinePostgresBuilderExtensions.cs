using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>Adds PostgreSQL with one database, in whichever runtime <see cref="InfrastructureRuntime"/> chose.</summary>
public static class ThreadlinePostgresBuilderExtensions
{
    /// <summary>
    /// Adds PostgreSQL with one database: Aspire's PostgreSQL container, or the local <c>postgres</c> executable in a
    /// cluster created for this run. The database resource is named <c>{databaseName}-direct</c>: DDL goes there, never
    /// through a pooler.
    /// </summary>
    public static PostgresHandle AddThreadlinePostgres(this InfrastructureRuntime runtime, [ResourceName] string name, string databaseName,
        IResourceBuilder<ParameterResource> superUserPassword)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentException.ThrowIfNullOrWhiteSpace(databaseName);
        ArgumentNullException.ThrowIfNull(superUserPassword);
        if (runtime.Mode == RuntimeMode.Local)
        {
            return LocalPostgres.Add(runtime, name, databaseName, superUserPassword);
        }

        var builder = runtime.Builder;
        var server = builder.AddPostgres(name, password: superUserPassword)
            .WithImageTag(builder.Configuration[PostgresContainerImageTags.TagKey] ?? PostgresContainerImageTags.Tag);
        var database = server.AddDatabase(databaseName + "-direct", databaseName);
        // Inside the container network a pooler reaches PostgreSQL by its resource name, on the container port.
        return new PostgresHandle(
            builder.CreateResourceBuilder<IResourceWithConnectionString>(server.Resource),
            builder.CreateResourceBuilder<IResourceWithConnectionString>(database.Resource),
            databaseName, superUserPassword.Resource, new PoolerBackend(name, 5432));
    }
}
