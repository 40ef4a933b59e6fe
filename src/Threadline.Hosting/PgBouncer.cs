using System.Globalization;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Threadline.Hosting;

/// <summary>A PgBouncer pooler: a first-class resource whose pooled databases expose connection strings.</summary>
public interface IPgBouncerResource : IResourceWithEndpoints, IResourceWithWaitSupport
{
    PgBouncerSettings Settings { get; }
}

/// <summary>What PgBouncer is rendered with. Users are added by <see cref="PgBouncerExtensions.AddPooledDatabase"/>.</summary>
public sealed class PgBouncerSettings
{
    public const string EndpointName = "tcp";

    public required string TemplatePath { get; init; }

    public required string DatabaseName { get; init; }

    public required PoolerBackend Backend { get; init; }

    /// <summary>Server connections per user and database. Small on purpose in the reference platform.</summary>
    public int PoolSize { get; init; } = 3;

    public List<(string User, ParameterResource Password)> Users { get; } = [];

    public string StatsUser { get; init; } = "pgbouncer_stats";

    /// <summary>
    /// The stats user's password, generated per AppHost run and written only to the auth file: the user exists in
    /// PgBouncer alone (read-only SHOW commands on its admin console), never in PostgreSQL.
    /// </summary>
    public string StatsPassword { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

    internal string RenderIni(string listenAddress, int listenPort, string authFile)
    {
        var template = File.ReadAllText(TemplatePath);
        var values = new Dictionary<string, string>
        {
            ["{{database}}"] = DatabaseName,
            ["{{backend_host}}"] = Backend.Host,
            ["{{backend_port}}"] = Backend.Port.ToString(CultureInfo.InvariantCulture),
            ["{{listen_addr}}"] = listenAddress,
            ["{{listen_port}}"] = listenPort.ToString(CultureInfo.InvariantCulture),
            ["{{auth_file}}"] = authFile,
            ["{{pool_size}}"] = PoolSize.ToString(CultureInfo.InvariantCulture),
            ["{{stats_user}}"] = StatsUser,
        };
        foreach (var (key, value) in values)
        {
            template = template.Replace(key, value, StringComparison.Ordinal);
        }

        if (template.Contains("{{", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{TemplatePath} has a placeholder Threadline.Hosting does not know.");
        }

        return template;
    }

    internal async Task<string> RenderUserListAsync(CancellationToken cancellationToken)
    {
        var lines = new StringBuilder();
        foreach (var (user, password) in Users)
        {
            var value = await InfrastructureRuntime.ValueAsync(password, cancellationToken).ConfigureAwait(false);
            lines.Append(Quote(user)).Append(' ').Append(Quote(value)).Append('\n');
        }

        lines.Append(Quote(StatsUser)).Append(' ').Append(Quote(StatsPassword)).Append('\n');

        return lines.ToString();

        static string Quote(string s) => "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}

public sealed class PgBouncerExecutableResource(string name, string command, string workingDirectory, PgBouncerSettings settings)
    : ExecutableResource(name, command, workingDirectory), IPgBouncerResource
{
    public PgBouncerSettings Settings { get; } = settings;
}

public sealed class PgBouncerContainerResource(string name, PgBouncerSettings settings)
    : ContainerResource(name), IPgBouncerResource
{
    public PgBouncerSettings Settings { get; } = settings;
}

/// <summary>
/// A database reached through PgBouncer as one user. Its connection string carries the Npgsql settings a
/// transaction pooler needs: no DISCARD ALL on reuse and no prepared statements.
/// </summary>
public sealed class PgBouncerDatabaseResource(string name, IPgBouncerResource parent, string user, ParameterResource password)
    : Resource(name), IResourceWithParent<IPgBouncerResource>, IResourceWithConnectionString
{
    public IPgBouncerResource Parent { get; } = parent;

    public string User { get; } = user;

    public ParameterResource Password { get; } = password;

    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var endpoint = Parent.GetEndpoint(PgBouncerSettings.EndpointName);
            return ReferenceExpression.Create(
                $"Host={endpoint.Property(EndpointProperty.Host)};Port={endpoint.Property(EndpointProperty.Port)};Database={Parent.Settings.DatabaseName};Username={User};Password={Password};No Reset On Close=true;Max Auto Prepare=0");
        }
    }
}

public static class PgBouncerExtensions
{
    public const string DefaultContainerImage = "edoburu/pgbouncer";
    public const string DefaultContainerTag = "v1.24.1-p1";

    /// <summary>
    /// Adds PgBouncer in front of <paramref name="postgres"/>, rendered from <paramref name="templatePath"/>. Runs the
    /// local <c>pgbouncer</c> executable or a container, as <paramref name="runtime"/> decided.
    /// </summary>
    public static IResourceBuilder<IPgBouncerResource> AddPgBouncer(this InfrastructureRuntime runtime, string name, PostgresHandle postgres, string templatePath, int poolSize = 3)
    {
        var builder = runtime.Builder;
        if (!File.Exists(templatePath))
        {
            throw new FileNotFoundException($"PgBouncer template not found: {templatePath}", templatePath);
        }

        var settings = new PgBouncerSettings
        {
            TemplatePath = templatePath,
            DatabaseName = postgres.DatabaseName,
            Backend = postgres.Backend,
            PoolSize = poolSize,
        };

        IResourceBuilder<IPgBouncerResource> pooler;
        if (runtime.Mode == RuntimeMode.Container)
        {
            var configDirectory = Path.Combine(Path.GetTempPath(), "threadline-pgbouncer", $"{name}-{Environment.ProcessId}");
            Directory.CreateDirectory(configDirectory);
            var image = builder.Configuration["Threadline:PgBouncer:Image"] ?? DefaultContainerImage;
            var tag = builder.Configuration["Threadline:PgBouncer:Tag"] ?? DefaultContainerTag;
            var container = builder.AddResource(new PgBouncerContainerResource(name, settings))
                .WithImage(image, tag)
                .WithEndpoint(name: PgBouncerSettings.EndpointName, targetPort: 5432, scheme: "tcp")
                .WithBindMount(configDirectory, "/etc/pgbouncer", isReadOnly: true)
                .WithArgs("/etc/pgbouncer/pgbouncer.ini");
            container.OnBeforeResourceStarted(async (r, e, ct) =>
            {
                await File.WriteAllTextAsync(Path.Combine(configDirectory, "pgbouncer.ini"), settings.RenderIni("0.0.0.0", 5432, "/etc/pgbouncer/userlist.txt"), ct).ConfigureAwait(false);
                var userListPath = Path.Combine(configDirectory, "userlist.txt");
                await File.WriteAllTextAsync(userListPath, await settings.RenderUserListAsync(ct).ConfigureAwait(false), ct).ConfigureAwait(false);
                if (!OperatingSystem.IsWindows())
                {
                    // Plain-text, per-run generated passwords. The container's pgbouncer user has another uid, so the bind-mounted
                    // file must be world-readable; not writable by anyone else. Known limitation of container mode (see docs/topology.md).
                    File.SetUnixFileMode(userListPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                }
            });
            pooler = builder.CreateResourceBuilder<IPgBouncerResource>(container.Resource);
        }
        else
        {
            var directory = runtime.LocalRun.Sub("pgbouncer");
            var port = FreePort.Next();
            var ini = Path.Combine(directory, "pgbouncer.ini");
            var userList = Path.Combine(directory, "userlist.txt");
            var (command, args) = runtime.AsUser(InfrastructureRuntime.ServiceUser, runtime.LocalBinaries.PgBouncer, [ini]);
            var executable = builder.AddResource(new PgBouncerExecutableResource(name, command, directory, settings))
                .WithArgs(args.ToArray())
                .WithEndpoint(name: PgBouncerSettings.EndpointName, port: port, targetPort: port, scheme: "tcp", isProxied: false);
            executable.OnBeforeResourceStarted(async (r, e, ct) =>
            {
                await File.WriteAllTextAsync(ini, settings.RenderIni("127.0.0.1", port, userList), ct).ConfigureAwait(false);
                await File.WriteAllTextAsync(userList, await settings.RenderUserListAsync(ct).ConfigureAwait(false), ct).ConfigureAwait(false);
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(userList, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                LocalRunDirectory.ChownTo(directory, InfrastructureRuntime.ServiceUser);
            });
            pooler = builder.CreateResourceBuilder<IPgBouncerResource>(executable.Resource);
        }

        return pooler.WithIconName("ArrowRouting").WaitFor(postgres.Server);
    }

    /// <summary>
    /// Exposes the pooled database as <paramref name="user"/>. The pooler's health check connects through the
    /// first pooled database, so PgBouncer is healthy only once that user can log in end to end.
    /// </summary>
    public static IResourceBuilder<PgBouncerDatabaseResource> AddPooledDatabase(this IResourceBuilder<IPgBouncerResource> pooler, string name, string user, IResourceBuilder<ParameterResource> password)
    {
        var settings = pooler.Resource.Settings;
        settings.Users.Add((user, password.Resource));
        var database = new PgBouncerDatabaseResource(name, pooler.Resource, user, password.Resource);
        if (settings.Users.Count == 1)
        {
            var key = $"{pooler.Resource.Name}-ready";
            NpgsqlHealthCheck.Register(pooler.ApplicationBuilder.Services, key, database);
            pooler.WithHealthCheck(key);
        }

        // The database's own check (logging in as its user through the pooler) gives it a real health on the dashboard
        // instead of "Unknown", and lets WaitFor(database) mean that this user can connect.
        var databaseKey = $"{name}-ready";
        NpgsqlHealthCheck.Register(pooler.ApplicationBuilder.Services, databaseKey, database);
        pooler.OnResourceReady((_, e, _) => ConnectionResources.MarkRunningAsync(database, e.Services));
        return pooler.ApplicationBuilder.AddResource(database)
            .WithParentRelationship(pooler.Resource)
            .WithHealthCheck(databaseKey)
            .ExcludeFromManifest();
    }
}
