using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Threadline.Hosting;

/// <summary>PostgreSQL run from the local <c>postgres</c> executable, in a cluster created for this run.</summary>
public sealed class LocalPostgresServerResource(string name, string command, string workingDirectory, ParameterResource password, int port)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string SuperUser = "postgres";

    public int Port { get; } = port;

    public ParameterResource PasswordParameter { get; } = password;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"Host=127.0.0.1;Port={Port.ToString(System.Globalization.CultureInfo.InvariantCulture)};Username={SuperUser};Password={PasswordParameter}");
}

/// <summary>A database on a server, addressed directly (not through the pooler). Used for DDL and schema installation.</summary>
public sealed class DirectDatabaseResource(string name, string databaseName, IResourceWithConnectionString parent)
    : Resource(name), IResourceWithParent<IResourceWithConnectionString>, IResourceWithConnectionString
{
    public string DatabaseName { get; } = databaseName;

    public IResourceWithConnectionString Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent.ConnectionStringExpression};Database={DatabaseName}");
}

/// <summary>How PostgreSQL was added: the server (superuser connection), the direct database, and where a pooler finds it.</summary>
public sealed record PostgresHandle(
    IResourceBuilder<IResourceWithConnectionString> Server,
    IResourceBuilder<IResourceWithConnectionString> Database,
    string DatabaseName,
    ParameterResource SuperUserPassword,
    PoolerBackend Backend);

/// <summary>The host and port a pooler uses to reach PostgreSQL from where the pooler runs.</summary>
public sealed record PoolerBackend(string Host, int Port);

public static class PostgresExtensions
{
    /// <summary>Adds PostgreSQL with one database, as a container or as a local executable depending on <paramref name="runtime"/>.</summary>
    public static PostgresHandle AddThreadlinePostgres(this InfrastructureRuntime runtime, string name, string databaseName, IResourceBuilder<ParameterResource> superUserPassword)
    {
        var builder = runtime.Builder;
        if (runtime.Mode == RuntimeMode.Container)
        {
            var server = builder.AddPostgres(name, password: superUserPassword)
                .WithImageTag(builder.Configuration["Threadline:Postgres:ImageTag"] ?? "17.6");
            var database = server.AddDatabase(databaseName + "-direct", databaseName);
            return new PostgresHandle(
                builder.CreateResourceBuilder<IResourceWithConnectionString>(server.Resource),
                builder.CreateResourceBuilder<IResourceWithConnectionString>(database.Resource),
                databaseName, superUserPassword.Resource, new PoolerBackend(name, 5432));
        }

        var run = runtime.LocalRun;
        var binaries = runtime.LocalBinaries;
        var port = FreePort.Next();
        var root = run.Sub("postgres");
        var dataDirectory = Path.Combine(root, "data");
        var serverCommand = builder.Configuration[InfrastructureRuntime.TestingPostgresCommandKey] is { Length: > 0 } testCommand ? testCommand : binaries.Postgres;
        // No Unix-domain socket (issue 17): PostgreSQL used to put one in the run folder, under the checkout, and refused
        // to start when that path passed the kernel's 107-byte limit ("Unix-domain socket path ... is too long"), so a
        // checkout path longer than about 20 characters could not start the platform. Nothing connects through a socket
        // (the health check, the database creation below, PgBouncer's backend, the services, tests and the CLI all use
        // 127.0.0.1 and the port), and initdb needs none, so PostgreSQL listens on TCP only and the run folder may be
        // anywhere. PgBouncer's template likewise sets an empty unix_socket_dir.
        var (command, args) = runtime.AsUser(InfrastructureRuntime.ServiceUser, serverCommand,
        [
            "-D", dataDirectory, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
            "-c", "max_connections=200", "-c", "logging_collector=off",
        ]);
        var (supervisor, supervisorArgs) = ProcessRunner.Supervised("INT", command, args);
        var resource = new LocalPostgresServerResource(name, supervisor, root, superUserPassword.Resource, port);
        var healthKey = $"{name}-ready";
        var serverBuilder = builder.AddResource(resource)
            .WithArgs(supervisorArgs.ToArray())
            .WithEndpoint(name: "tcp", port: port, targetPort: port, scheme: "tcp", isProxied: false)
            .WithHealthCheck(healthKey)
            .WithIconName("Database");

        NpgsqlHealthCheck.Register(builder.Services, healthKey, resource);

        // initdb runs before the server starts, as the postgres user, with the superuser password from the parameter.
        serverBuilder.OnBeforeResourceStarted(async (r, e, ct) =>
        {
            if (Directory.Exists(Path.Combine(dataDirectory, "base")))
            {
                return;
            }

            var passwordFile = Path.Combine(root, "initdb-password");
            await File.WriteAllTextAsync(passwordFile, await InfrastructureRuntime.ValueAsync(superUserPassword.Resource, ct), ct).ConfigureAwait(false);
            LocalRunDirectory.ChownTo(root, InfrastructureRuntime.ServiceUser);
            try
            {
                var (initCommand, initArgs) = runtime.AsUser(InfrastructureRuntime.ServiceUser, binaries.InitDb,
                [
                    "-D", dataDirectory, "-U", LocalPostgresServerResource.SuperUser, "--pwfile", passwordFile,
                    "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync",
                ]);
                await ProcessRunner.RunAsync(initCommand, initArgs, ct).ConfigureAwait(false);
            }
            finally
            {
                File.Delete(passwordFile);
            }
        });

        var databaseResource = new DirectDatabaseResource(databaseName + "-direct", databaseName, resource);
        // A health check of its own (connecting to the database, which exists only once created below) gives the
        // resource a real health on the dashboard instead of "Unknown".
        var databaseHealthKey = $"{databaseResource.Name}-ready";
        NpgsqlHealthCheck.Register(builder.Services, databaseHealthKey, databaseResource);
        var databaseBuilder = builder.AddResource(databaseResource)
            .WithParentRelationship(serverBuilder)
            .WithHealthCheck(databaseHealthKey)
            .ExcludeFromManifest();

        // Like Aspire's own PostgreSQL integration: create the database once the server is healthy.
        serverBuilder.OnResourceReady(async (r, e, ct) =>
        {
            var connectionString = await resource.ConnectionStringExpression.GetValueAsync(ct).ConfigureAwait(false);
            // Unpooled: this runs again after every restart, when a pooled connection would be a dead one.
            await using var connection = new NpgsqlConnection(connectionString + ";Database=postgres;Pooling=false");
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
            exists.Parameters.Add(new NpgsqlParameter { Value = databaseName });
            if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{databaseName.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
                await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await ConnectionResources.MarkRunningAsync(databaseResource, e.Services).ConfigureAwait(false);
        });

        return new PostgresHandle(
            builder.CreateResourceBuilder<IResourceWithConnectionString>(resource),
            builder.CreateResourceBuilder<IResourceWithConnectionString>(databaseBuilder.Resource),
            databaseName, superUserPassword.Resource, new PoolerBackend("127.0.0.1", port));
    }
}

/// <summary>Healthy when a connection opens and answers <c>SELECT 1</c>.</summary>
internal sealed class NpgsqlHealthCheck(Func<CancellationToken, ValueTask<string?>> connectionString) : IHealthCheck
{
    /// <summary>Registers, under <paramref name="key"/>, a check that logs in with <paramref name="resource"/>'s connection string.</summary>
    public static void Register(IServiceCollection services, string key, IResourceWithConnectionString resource) =>
        services.AddHealthChecks().Add(new HealthCheckRegistration(
            key, _ => new NpgsqlHealthCheck(ct => resource.ConnectionStringExpression.GetValueAsync(ct)), HealthStatus.Unhealthy, tags: null));

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var value = await connectionString(cancellationToken).ConfigureAwait(false);
            await using var connection = new NpgsqlConnection(value + ";Pooling=false;Timeout=3");
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy(ex.Message, ex);
        }
    }
}
