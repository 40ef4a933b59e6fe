using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting.Tests;

/// <summary>
/// The local runtime's model, built but never started: which executables run with which arguments, on which ports,
/// how resources depend on each other, and which health checks decide their state.
/// </summary>
public sealed class LocalModelTests : IDisposable
{
    private readonly HostingModel _model = HostingModel.Local();

    public LocalModelTests() => _model.AddAll();

    public void Dispose() => _model.Dispose();

    private static bool IsRoot => Environment.UserName == "root";

    [Fact]
    public async Task PgBouncer_runs_the_local_executable_on_its_run_folder_ini_as_the_service_user_when_root()
    {
        var pgbouncer = _model.Resource<PgBouncerExecutableResource>(HostingModel.PgBouncer);

        var ini = Path.Combine(_model.Runtime.RunDirectory!.Path, "pgbouncer", "pgbouncer.ini");
        Assert.Equal(Path.GetDirectoryName(ini), pgbouncer.WorkingDirectory);
        var args = await ResolvedConfiguration.ArgumentsAsync(pgbouncer);
        if (IsRoot)
        {
            // PgBouncer refuses to run as root.
            Assert.Equal("setpriv", pgbouncer.Command);
            Assert.Equal(["--reuid=postgres", "--regid=postgres", "--init-groups", "--", HostingModel.Binaries.PgBouncer, ini], args);
        }
        else
        {
            Assert.Equal(HostingModel.Binaries.PgBouncer, pgbouncer.Command);
            Assert.Equal([ini], args);
        }
    }

    [Fact]
    public void Local_executables_listen_on_their_own_loopback_port_without_a_proxy_and_pgbouncer_reaches_postgres_there()
    {
        var postgres = _model.Resource<LocalPostgresServerResource>(HostingModel.Postgres);
        var pgbouncer = _model.Resource<PgBouncerExecutableResource>(HostingModel.PgBouncer);
        var rabbitmq = _model.Resource<LocalRabbitMQResource>(HostingModel.RabbitMQ);

        foreach (var resource in new IResource[] { postgres, pgbouncer, rabbitmq })
        {
            var tcp = Assert.Single(resource.Annotations.OfType<EndpointAnnotation>());
            Assert.False(tcp.IsProxied, $"{resource.Name} is proxied");
            Assert.Equal(tcp.Port, tcp.TargetPort);
        }

        Assert.Equal(postgres.Port, postgres.Annotations.OfType<EndpointAnnotation>().Single().Port);
        Assert.Equal(new PoolerBackend("127.0.0.1", postgres.Port), pgbouncer.Settings.Backend);
        Assert.Equal([HostingModel.Database], pgbouncer.Settings.Databases);
        var ports = new[] { postgres, pgbouncer, (IResource)rabbitmq }.Select(r => r.Annotations.OfType<EndpointAnnotation>().Single().Port).ToList();
        Assert.Equal(ports.Count, ports.Distinct().Count());
    }

    [Fact]
    public async Task Postgres_runs_under_the_supervisor_on_tcp_only()
    {
        var postgres = _model.Resource<LocalPostgresServerResource>(HostingModel.Postgres);

        Assert.Equal("/bin/bash", postgres.Command);
        var args = (await ResolvedConfiguration.ArgumentsAsync(postgres)).ToList();
        Assert.Equal("-c", args[0]);
        Assert.Contains("kill -s \"INT\"", args[1], StringComparison.Ordinal);
        Assert.Equal("threadline-supervisor", args[2]);
        Assert.Contains(HostingModel.Binaries.Postgres, args);
        Assert.Contains("listen_addresses=127.0.0.1", args);
        Assert.Contains("unix_socket_directories=", args);
        Assert.Equal(postgres.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), args[args.IndexOf("-p") + 1]);
        Assert.Equal(Path.Combine(_model.Runtime.RunDirectory!.Path, "postgres", "data"), args[args.IndexOf("-D") + 1]);
    }

    [Fact]
    public void Databases_are_children_of_their_server_and_pooler_and_only_the_pooled_one_is_in_the_manifest()
    {
        var postgres = _model.Resource<LocalPostgresServerResource>(HostingModel.Postgres);
        var pgbouncer = _model.Resource<PgBouncerExecutableResource>(HostingModel.PgBouncer);
        var direct = _model.Resource<DirectDatabaseResource>(HostingModel.Database + "-direct");
        var pooled = _model.Resource<PgBouncerDatabaseResource>(HostingModel.AppDatabase);
        var epmd = _model.Resource<ExecutableResource>(HostingModel.RabbitMQ + "-epmd");

        Assert.Same(postgres, direct.Parent);
        Assert.Equal(HostingModel.Database, direct.DatabaseName);
        Assert.Same(pgbouncer, pooled.Parent);
        Assert.Equal(HostingModel.AppUser, pooled.User);
        Assert.Equal([(HostingModel.AppUser, pooled.Password)], pgbouncer.Settings.Users);
        Assert.Same(postgres, ParentOf(direct));
        Assert.Same(pgbouncer, ParentOf(pooled));
        Assert.Same(_model.Resource<IResource>(HostingModel.RabbitMQ), ParentOf(epmd));
        Assert.All(new IResource[] { direct, epmd }, r => Assert.True(r.TryGetAnnotationsOfType<ManifestPublishingCallbackAnnotation>(out _), $"{r.Name} is in the manifest"));
        // The services reference the pooled database's connection string, so the manifest must describe it (ManifestPublishTests).
        Assert.False(pooled.TryGetAnnotationsOfType<ManifestPublishingCallbackAnnotation>(out _), $"{pooled.Name} is left out of the manifest");
    }

    [Fact]
    public void PgBouncer_waits_for_postgres_and_rabbitmq_for_its_private_epmd()
    {
        Assert.Equal([HostingModel.Postgres], WaitsFor(HostingModel.PgBouncer));
        Assert.Equal([HostingModel.RabbitMQ + "-epmd"], WaitsFor(HostingModel.RabbitMQ));
        Assert.Empty(WaitsFor(HostingModel.Postgres));
    }

    [Fact]
    public void Every_server_and_database_has_a_registered_health_check_of_its_own()
    {
        var registered = _model.HealthCheckNames();
        foreach (var name in new[] { HostingModel.Postgres, HostingModel.Database + "-direct", HostingModel.PgBouncer, HostingModel.AppDatabase, HostingModel.RabbitMQ })
        {
            var key = Assert.Single(_model.Resource<IResource>(name).Annotations.OfType<HealthCheckAnnotation>()).Key;
            Assert.Equal($"{name}-ready", key);
            Assert.Contains(key, registered);
        }
    }

    [Fact]
    public void Connection_strings_point_at_loopback_and_pooled_ones_carry_the_transaction_pooling_settings()
    {
        var postgres = _model.Resource<LocalPostgresServerResource>(HostingModel.Postgres);
        var direct = _model.Resource<DirectDatabaseResource>(HostingModel.Database + "-direct");
        var pooled = _model.Resource<PgBouncerDatabaseResource>(HostingModel.AppDatabase);
        var pgbouncer = _model.Resource<PgBouncerExecutableResource>(HostingModel.PgBouncer);

        Assert.Equal($"Host=127.0.0.1;Port={postgres.Port};Username=postgres;Password={{pg-password.value}}", postgres.ConnectionStringExpression.ValueExpression);
        Assert.Equal($"Host=127.0.0.1;Port={postgres.Port};Username=postgres;Password={{pg-password.value}};Database={HostingModel.Database}", direct.ConnectionStringExpression.ValueExpression);
        Assert.Equal(
            $"Host={{pooler.bindings.tcp.host}};Port={{pooler.bindings.tcp.port}};Database={HostingModel.Database};Username={HostingModel.AppUser};Password={{app-password.value}};No Reset On Close=true;Max Auto Prepare=0",
            pooled.ConnectionStringExpression.ValueExpression);
        // The pooler's own connection string names no database and no login, like Aspire's PostgreSQL server: each pooled database brings both.
        Assert.Equal(
            "Host={pooler.bindings.tcp.host};Port={pooler.bindings.tcp.port};No Reset On Close=true;Max Auto Prepare=0",
            pgbouncer.ConnectionStringExpression.ValueExpression);
    }

    [Fact]
    public async Task RabbitMQ_gets_a_private_node_loopback_ports_no_plugins_and_data_in_the_run_folder()
    {
        var rabbitmq = _model.Resource<LocalRabbitMQResource>(HostingModel.RabbitMQ);
        var epmd = _model.Resource<ExecutableResource>(HostingModel.RabbitMQ + "-epmd");
        var folder = Path.Combine(_model.Runtime.RunDirectory!.Path, "rabbitmq");

        Assert.Equal(HostingModel.Binaries.RabbitMqServer, rabbitmq.Command);
        var environment = await ResolvedConfiguration.EnvironmentAsync(rabbitmq);
        Assert.Equal($"threadline-{rabbitmq.Port}@localhost", environment["RABBITMQ_NODENAME"]);
        Assert.Equal("127.0.0.1", environment["RABBITMQ_NODE_IP_ADDRESS"]);
        Assert.Equal("127.0.0.1", environment["ERL_EPMD_ADDRESS"]);
        Assert.Equal(Path.Combine(folder, "mnesia"), environment["RABBITMQ_MNESIA_BASE"]);
        Assert.Equal("[].\n", File.ReadAllText(environment["RABBITMQ_ENABLED_PLUGINS_FILE"]));
        Assert.Equal($"amqp://guest:guest@127.0.0.1:{rabbitmq.Port}/", rabbitmq.ConnectionStringExpression.ValueExpression);

        Assert.Equal(HostingModel.Binaries.Epmd, epmd.Command);
        Assert.Equal(["-port", environment["ERL_EPMD_PORT"], "-address", "127.0.0.1"], await ResolvedConfiguration.ArgumentsAsync(epmd));
    }

    private IResource? ParentOf(IResource resource) =>
        resource.Annotations.OfType<ResourceRelationshipAnnotation>().SingleOrDefault(r => r.Type == "Parent")?.Resource;

    private IReadOnlyList<string> WaitsFor(string name) =>
        _model.Resource<IResource>(name).Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).ToList();
}
