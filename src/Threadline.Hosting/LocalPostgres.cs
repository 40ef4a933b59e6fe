using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Npgsql;

namespace Threadline.Hosting;

/// <summary>PostgreSQL in local mode: initdb before the first start, the server on a free loopback port, the database created once healthy.</summary>
internal static class LocalPostgres
{
    public static PostgresHandle Add(InfrastructureRuntime runtime, string name, string databaseName, IResourceBuilder<ParameterResource> superUserPassword)
    {
        var builder = runtime.Builder;
        var binaries = runtime.LocalBinaries;
        var port = FreePort.Next();
        var root = runtime.LocalRun.Sub("postgres");
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
            "-D", dataDirectory, "-p", port.ToString(CultureInfo.InvariantCulture),
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
        serverBuilder.OnBeforeResourceStarted((_, _, ct) => InitDbAsync(runtime, root, dataDirectory, superUserPassword.Resource, ct));

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
        serverBuilder.OnResourceReady(async (_, e, ct) =>
        {
            await CreateDatabaseAsync(resource, databaseName, ct).ConfigureAwait(false);
            await ConnectionResources.MarkRunningAsync(databaseResource, e.Services).ConfigureAwait(false);
        });

        return new PostgresHandle(
            builder.CreateResourceBuilder<IResourceWithConnectionString>(resource),
            builder.CreateResourceBuilder<IResourceWithConnectionString>(databaseBuilder.Resource),
            databaseName, superUserPassword.Resource, new PoolerBackend("127.0.0.1", port));
    }

    /// <summary>Runs initdb as the service user, with the superuser password from the parameter, unless the cluster exists.</summary>
    private static async Task InitDbAsync(InfrastructureRuntime runtime, string root, string dataDirectory, ParameterResource password, CancellationToken ct)
    {
        if (Directory.Exists(Path.Combine(dataDirectory, "base")))
        {
            return;
        }

        var passwordFile = Path.Combine(root, "initdb-password");
        await File.WriteAllTextAsync(passwordFile, await InfrastructureRuntime.ValueAsync(password, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        LocalRunDirectory.ChownTo(root, InfrastructureRuntime.ServiceUser);
        try
        {
            var (initCommand, initArgs) = runtime.AsUser(InfrastructureRuntime.ServiceUser, runtime.LocalBinaries.InitDb,
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
    }

    private static async Task CreateDatabaseAsync(LocalPostgresServerResource server, string databaseName, CancellationToken ct)
    {
        var connectionString = await server.ConnectionStringExpression.GetValueAsync(ct).ConfigureAwait(false);
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
    }
}
