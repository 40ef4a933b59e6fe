using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>Adds PgBouncer in front of PostgreSQL, its pooled databases, and configures its pool.</summary>
public static class PgBouncerBuilderExtensions
{
    /// <summary>
    /// Adds PgBouncer as a container in front of <paramref name="postgres"/> (Aspire's <c>AddPostgres</c>): transaction
    /// pooling, the pool size of <see cref="PgBouncerSettings.DefaultPoolSize"/>, its configuration rendered from the
    /// built-in <c>pgbouncer.ini</c> or from <paramref name="templatePath"/> (a copy of it). Add what clients connect to
    /// with <c>AddPooledDatabase</c>; PgBouncer is healthy once the first pooled database's user logs in through it.
    /// </summary>
    /// <param name="builder">The AppHost builder.</param>
    /// <param name="name">The resource's name.</param>
    /// <param name="postgres">The PostgreSQL server PgBouncer forwards to, inside the container network.</param>
    /// <param name="templatePath">A <c>pgbouncer.ini</c> template of your own; <see langword="null"/> for the built-in one.</param>
    /// <returns>The PgBouncer container.</returns>
    /// <exception cref="FileNotFoundException"><paramref name="templatePath"/> does not exist.</exception>
    /// <exception cref="InvalidOperationException">The template lacks one of the placeholders PgBouncer's settings are rendered into.</exception>
    public static IResourceBuilder<PgBouncerContainerResource> AddPgBouncer(this IDistributedApplicationBuilder builder, [ResourceName] string name,
        IResourceBuilder<PostgresServerResource> postgres, string? templatePath = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(postgres);
        // Between containers PgBouncer reaches PostgreSQL by its resource name, on the container's own port.
        var targetPort = postgres.Resource.Annotations.OfType<EndpointAnnotation>()
            .FirstOrDefault(e => e.Name == postgres.Resource.PrimaryEndpoint.EndpointName)?.TargetPort ?? 5432;
        var settings = NewSettings(templatePath, postgres.Resource, new PoolerBackend(postgres.Resource.Name, targetPort));
        return WithReadinessCheck(PgBouncerContainer.Add(builder, name, settings), postgres);
    }

    /// <summary>
    /// Adds PgBouncer in front of <paramref name="postgres"/> in the runtime <paramref name="runtime"/> chose: a container
    /// in front of Aspire's PostgreSQL container (as <see cref="AddPgBouncer(IDistributedApplicationBuilder, string, IResourceBuilder{PostgresServerResource}, string?)"/>),
    /// or the local <c>pgbouncer</c> executable in front of the local one. The pooler exposes
    /// <see cref="PostgresHandle.DatabaseName"/>, so <c>AddPooledDatabase(name, user, password)</c> needs no database.
    /// </summary>
    /// <param name="runtime">The runtime <paramref name="postgres"/> was added with.</param>
    /// <param name="name">The resource's name.</param>
    /// <param name="postgres">The server and database <see cref="ThreadlinePostgresBuilderExtensions.AddThreadlinePostgres"/> added.</param>
    /// <param name="templatePath">A <c>pgbouncer.ini</c> template of your own; <see langword="null"/> for the built-in one.</param>
    /// <param name="poolSize">Server connections per user and database.</param>
    /// <returns>The pooler, a container or an executable.</returns>
    public static IResourceBuilder<IPgBouncerResource> AddPgBouncer(this InfrastructureRuntime runtime, [ResourceName] string name, PostgresHandle postgres,
        string? templatePath = null, int poolSize = PgBouncerSettings.DefaultPoolSize)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(postgres);
        var builder = runtime.Builder;
        IResourceBuilder<IPgBouncerResource> pooler = postgres.Server.Resource switch
        {
            PostgresServerResource server => builder.AddPgBouncer(name, builder.CreateResourceBuilder(server), templatePath),
            LocalPostgresServerResource server => WithReadinessCheck(
                PgBouncerExecutable.Add(runtime, name, NewSettings(templatePath, server, postgres.Backend)), postgres.Server),
            var other => throw new ArgumentException($"{other.Name} is neither Aspire's PostgreSQL nor the local one; add it with AddThreadlinePostgres.", nameof(postgres)),
        };
        pooler.Resource.Settings.Databases.Add(postgres.DatabaseName);
        return pooler.WithPoolSize(poolSize);
    }

    /// <summary>
    /// Exposes <paramref name="database"/> (from Aspire's <c>AddDatabase</c> on the pooled server) through PgBouncer as
    /// <paramref name="user"/>, adding the database to PgBouncer's <c>[databases]</c> and the user to its auth file. The
    /// login role must exist in PostgreSQL with that password (your setup step creates it). The connection string carries
    /// the transaction-pooling settings: <c>No Reset On Close=true;Max Auto Prepare=0</c>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="database"/> is on another server than the one PgBouncer pools.</exception>
    public static IResourceBuilder<PgBouncerDatabaseResource> AddPooledDatabase<T>(this IResourceBuilder<T> pooler, [ResourceName] string name,
        IResourceBuilder<PostgresDatabaseResource> database, string user, IResourceBuilder<ParameterResource> password)
        where T : IPgBouncerResource
    {
        ArgumentNullException.ThrowIfNull(pooler);
        ArgumentNullException.ThrowIfNull(database);
        var server = pooler.Resource.Settings.Server;
        if (server is not null && !ReferenceEquals(database.Resource.Parent, server))
        {
            throw new ArgumentException(
                $"{database.Resource.Name} is a database of {database.Resource.Parent.Name}, but {pooler.Resource.Name} pools {server.Name}.", nameof(database));
        }

        return AddPooledDatabase(pooler, name, database.Resource.DatabaseName, user, password);
    }

    /// <summary>
    /// Exposes the pooler's only database (the one <c>runtime.AddPgBouncer</c> was given) through PgBouncer as
    /// <paramref name="user"/>; otherwise as <c>AddPooledDatabase(name, database, user, password)</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The pooler has no database yet, or more than one: name it.</exception>
    public static IResourceBuilder<PgBouncerDatabaseResource> AddPooledDatabase<T>(this IResourceBuilder<T> pooler, [ResourceName] string name,
        string user, IResourceBuilder<ParameterResource> password)
        where T : IPgBouncerResource
    {
        ArgumentNullException.ThrowIfNull(pooler);
        if (pooler.Resource.Settings.Databases.Distinct(StringComparer.Ordinal).ToList() is not [var databaseName])
        {
            throw new InvalidOperationException(
                $"{pooler.Resource.Name} pools {pooler.Resource.Settings.Databases.Count} databases; name the one {name} is: AddPooledDatabase(name, database, user, password).");
        }

        return AddPooledDatabase(pooler, name, databaseName, user, password);
    }

    /// <summary>
    /// Lets PgBouncer look client passwords up in PostgreSQL (<c>auth_user</c> and <c>auth_query</c>) instead of reading
    /// them from an auth file. Publish mode uses it: the manifest configures the PgBouncer container by environment,
    /// with <paramref name="authPassword"/> as a secret parameter, so no password is written into a file or the
    /// manifest. <paramref name="authQuery"/> must return the name and password hash of the user in <c>$1</c>; the role
    /// and what the query calls are created by your setup step (a SECURITY DEFINER function over <c>pg_shadow</c> that
    /// answers for the pooled users only).
    /// </summary>
    public static IResourceBuilder<T> WithAuthQuery<T>(this IResourceBuilder<T> pooler, string authUser,
        IResourceBuilder<ParameterResource> authPassword, string authQuery)
        where T : IPgBouncerResource
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
    public static IResourceBuilder<T> WithPoolMode<T>(this IResourceBuilder<T> pooler, PgBouncerPoolMode mode)
        where T : IPgBouncerResource
    {
        ArgumentNullException.ThrowIfNull(pooler);
        _ = PgBouncerConfigFiles.PoolModeText(mode);
        pooler.Resource.Settings.PoolMode = mode;
        return pooler;
    }

    /// <summary>Sets the server connections per user and database (<c>default_pool_size</c>, <c>max_db_connections</c>).</summary>
    public static IResourceBuilder<T> WithPoolSize<T>(this IResourceBuilder<T> pooler, int poolSize)
        where T : IPgBouncerResource
    {
        ArgumentNullException.ThrowIfNull(pooler);
        pooler.Resource.Settings.PoolSize = poolSize;
        return pooler;
    }

    private static PgBouncerSettings NewSettings(string? templatePath, IResource server, PoolerBackend backend)
    {
        if (templatePath is not null)
        {
            PgBouncerConfigFiles.ValidateTemplate(templatePath);
        }

        return new PgBouncerSettings { TemplatePath = templatePath, Server = server, Backend = backend };
    }

    /// <summary>Healthy once a pooled database's user logs in end to end; started once PostgreSQL is healthy.</summary>
    private static IResourceBuilder<T> WithReadinessCheck<T>(IResourceBuilder<T> pooler, IResourceBuilder<IResource> postgres)
        where T : IPgBouncerResource
    {
        // Logging in end to end (client → PgBouncer → PostgreSQL) as a pooled database's user is the only proof that
        // matters: PgBouncer accepts TCP connections long before its backend or its users work.
        var healthKey = $"{pooler.Resource.Name}-ready";
        NpgsqlHealthCheck.Register(pooler.ApplicationBuilder.Services, healthKey, ct => FirstPooledLoginAsync(pooler.Resource, ct));
        return pooler
            .WithHealthCheck(healthKey)
            .WithIconName("ArrowRouting")
            .WaitFor(postgres);
    }

    private static IResourceBuilder<PgBouncerDatabaseResource> AddPooledDatabase<T>(IResourceBuilder<T> pooler, string name, string databaseName,
        string user, IResourceBuilder<ParameterResource> password)
        where T : IPgBouncerResource
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        ArgumentNullException.ThrowIfNull(password);
        var settings = pooler.Resource.Settings;
        if (settings.Users.FirstOrDefault(u => u.User == user) is { Password: { } known } && !ReferenceEquals(known, password.Resource))
        {
            // One auth file line per user: two passwords for one login cannot both be right.
            throw new ArgumentException($"{user} already logs in to {pooler.Resource.Name} with the password {known.Name}, not {password.Resource.Name}.", nameof(password));
        }

        if (!settings.Databases.Contains(databaseName, StringComparer.Ordinal))
        {
            settings.Databases.Add(databaseName);
        }

        if (!settings.Users.Any(u => u.User == user))
        {
            settings.Users.Add((user, password.Resource));
        }

        var database = new PgBouncerDatabaseResource(name, pooler.Resource, databaseName, user, password.Resource);
        settings.PooledDatabases.Add(database);

        // The database's own check (logging in as its user through the pooler) gives it a real health on the dashboard
        // instead of "Unknown", and lets WaitFor(database) mean that this user can connect.
        var healthKey = $"{name}-ready";
        NpgsqlHealthCheck.Register(pooler.ApplicationBuilder.Services, healthKey, database);
        pooler.OnResourceReady((_, e, _) => ConnectionResources.MarkRunningAsync(database, e.Services));
        return pooler.ApplicationBuilder.AddResource(database)
            .WithParentRelationship(pooler.Resource)
            .WithHealthCheck(healthKey);
    }

    private static ValueTask<string?> FirstPooledLoginAsync(IPgBouncerResource pooler, CancellationToken cancellationToken) =>
        pooler.Settings.PooledDatabases is [var first, ..]
            ? first.ConnectionStringExpression.GetValueAsync(cancellationToken)
            : throw new InvalidOperationException($"{pooler.Name} has no pooled database to log in with; add one with AddPooledDatabase.");
}
