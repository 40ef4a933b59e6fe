using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>Adds PgBouncer and its pooled databases to an AppHost, and configures its pool.</summary>
public static class PgBouncerBuilderExtensions
{
    /// <summary>
    /// Adds PgBouncer in front of <paramref name="postgres"/>, rendered from <paramref name="templatePath"/> (a copy of
    /// Threadline's <c>pgbouncer/pgbouncer.ini</c>). Runs the local <c>pgbouncer</c> executable or a container, as
    /// <paramref name="runtime"/> decided. It is healthy once the first pooled database's user logs in through it.
    /// </summary>
    public static IResourceBuilder<IPgBouncerResource> AddPgBouncer(this InfrastructureRuntime runtime, [ResourceName] string name, PostgresHandle postgres,
        string templatePath, int poolSize = PgBouncerSettings.DefaultPoolSize)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(postgres);
        PgBouncerConfigFiles.ValidateTemplate(templatePath);
        var settings = new PgBouncerSettings
        {
            TemplatePath = templatePath,
            DatabaseName = postgres.DatabaseName,
            Backend = postgres.Backend,
            PoolSize = poolSize,
        };

        IResource resource = runtime.Mode == RuntimeMode.Container
            ? PgBouncerContainer.Add(runtime.Builder, name, settings).Resource
            : PgBouncerExecutable.Add(runtime, name, settings).Resource;
        var pooler = runtime.Builder.CreateResourceBuilder((IPgBouncerResource)resource);

        // Logging in end to end (client → PgBouncer → PostgreSQL) as a pooled database's user is the only proof that
        // matters: PgBouncer accepts TCP connections long before its backend or its users work.
        var healthKey = $"{name}-ready";
        NpgsqlHealthCheck.Register(runtime.Builder.Services, healthKey, ct => FirstPooledLoginAsync(pooler.Resource, ct));
        return pooler
            .WithHealthCheck(healthKey)
            .WithIconName("ArrowRouting")
            .WaitFor(postgres.Server);
    }

    /// <summary>
    /// Exposes the pooled database as <paramref name="user"/>, adding the user to PgBouncer's auth file. The login role
    /// must exist in PostgreSQL (created by your setup step). Connection strings carry the transaction-pooling settings.
    /// </summary>
    public static IResourceBuilder<PgBouncerDatabaseResource> AddPooledDatabase(this IResourceBuilder<IPgBouncerResource> pooler, [ResourceName] string name,
        string user, IResourceBuilder<ParameterResource> password)
    {
        ArgumentNullException.ThrowIfNull(pooler);
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        ArgumentNullException.ThrowIfNull(password);
        pooler.Resource.Settings.Users.Add((user, password.Resource));
        var database = new PgBouncerDatabaseResource(name, pooler.Resource, user, password.Resource);

        // The database's own check (logging in as its user through the pooler) gives it a real health on the dashboard
        // instead of "Unknown", and lets WaitFor(database) mean that this user can connect.
        var healthKey = $"{name}-ready";
        NpgsqlHealthCheck.Register(pooler.ApplicationBuilder.Services, healthKey, database);
        pooler.OnResourceReady((_, e, _) => ConnectionResources.MarkRunningAsync(database, e.Services));
        return pooler.ApplicationBuilder.AddResource(database)
            .WithParentRelationship(pooler.Resource)
            .WithHealthCheck(healthKey);
    }

    /// <summary>
    /// Lets PgBouncer look client passwords up in PostgreSQL (<c>auth_user</c> and <c>auth_query</c>) instead of reading
    /// them from an auth file. Publish mode uses it: the manifest configures the PgBouncer container by environment,
    /// with <paramref name="authPassword"/> as a secret parameter, so no password is written into a file or the
    /// manifest. <paramref name="authQuery"/> must return the name and password hash of the user in <c>$1</c>; the role
    /// and what the query calls are created by your setup step (a SECURITY DEFINER function over <c>pg_shadow</c> that
    /// answers for the pooled users only).
    /// </summary>
    public static IResourceBuilder<IPgBouncerResource> WithAuthQuery(this IResourceBuilder<IPgBouncerResource> pooler, string authUser,
        IResourceBuilder<ParameterResource> authPassword, string authQuery)
    {
        ArgumentNullException.ThrowIfNull(pooler);
        ArgumentException.ThrowIfNullOrWhiteSpace(authUser);
        ArgumentNullException.ThrowIfNull(authPassword);
        ArgumentException.ThrowIfNullOrWhiteSpace(authQuery);
        if (!authQuery.Contains("$1", StringComparison.Ordinal))
        {
            throw new ArgumentException($"The auth query must take the user name as $1: {authQuery}", nameof(authQuery));
        }

        pooler.Resource.Settings.AuthUser = authUser;
        pooler.Resource.Settings.AuthPassword = authPassword.Resource;
        pooler.Resource.Settings.AuthQuery = authQuery;
        return pooler;
    }

    /// <summary>Sets <c>pool_mode</c>. Threadline's actor bridge is built for <see cref="PgBouncerPoolMode.Transaction"/>, the default.</summary>
    public static IResourceBuilder<IPgBouncerResource> WithPoolMode(this IResourceBuilder<IPgBouncerResource> pooler, PgBouncerPoolMode mode)
    {
        ArgumentNullException.ThrowIfNull(pooler);
        _ = PgBouncerConfigFiles.PoolModeText(mode);
        pooler.Resource.Settings.PoolMode = mode;
        return pooler;
    }

    /// <summary>Sets the server connections per user and database (<c>default_pool_size</c>, <c>max_db_connections</c>).</summary>
    public static IResourceBuilder<IPgBouncerResource> WithPoolSize(this IResourceBuilder<IPgBouncerResource> pooler, int poolSize)
    {
        ArgumentNullException.ThrowIfNull(pooler);
        pooler.Resource.Settings.PoolSize = poolSize;
        return pooler;
    }

    private static ValueTask<string?> FirstPooledLoginAsync(IPgBouncerResource pooler, CancellationToken cancellationToken)
    {
        if (pooler.Settings.Users is not [var (user, password), ..])
        {
            throw new InvalidOperationException($"{pooler.Name} has no pooled database to log in with; add one with AddPooledDatabase.");
        }

        return PgBouncerConnectionStrings.Pooled(pooler, user, password).GetValueAsync(cancellationToken);
    }
}
