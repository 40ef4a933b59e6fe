using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting.Tests;

/// <summary>
/// <c>builder.AddPgBouncer(name, postgres)</c> in front of Aspire's own <c>AddPostgres</c> and its databases, as an
/// Aspire user writes it: the resource graph, the connection strings, the rendered configuration and the manifest.
/// </summary>
public sealed class AspirePostgresModelTests : IDisposable
{
    private readonly IDistributedApplicationBuilder _builder = HostingModel.CreateBuilder();
    private readonly IResourceBuilder<PostgresServerResource> _postgres;
    private readonly IResourceBuilder<PostgresDatabaseResource> _shop;
    private readonly IResourceBuilder<PgBouncerContainerResource> _pgbouncer;

    public AspirePostgresModelTests()
    {
        _postgres = _builder.AddPostgres("pg");
        _shop = _postgres.AddDatabase("shop");
        _pgbouncer = _builder.AddPgBouncer("pgb", _postgres);
    }

    public void Dispose() => HostingModel.DeleteRenderedFolders(_builder);

    [Fact]
    public void PgBouncer_is_a_container_that_waits_for_postgres_and_reaches_it_by_name_on_its_container_port()
    {
        var shopDb = _pgbouncer.AddPooledDatabase("shop-db", _shop, "shop_app", Password("app-password"));

        var pgbouncer = Assert.IsType<PgBouncerContainerResource>(Assert.Single(_builder.Resources, r => r.Name == "pgb"));
        var image = Assert.Single(pgbouncer.Annotations.OfType<ContainerImageAnnotation>());
        Assert.Equal(("docker.io", "edoburu/pgbouncer", "v1.24.1-p1"), (image.Registry, image.Image, image.Tag));
        var wait = Assert.Single(pgbouncer.Annotations.OfType<WaitAnnotation>());
        Assert.Equal(("pg", WaitType.WaitUntilHealthy), (wait.Resource.Name, wait.WaitType));
        Assert.Equal(new PoolerBackend("pg", 5432), pgbouncer.Settings.Backend);
        Assert.Equal((PgBouncerPoolMode.Transaction, PgBouncerSettings.DefaultPoolSize), (pgbouncer.Settings.PoolMode, pgbouncer.Settings.PoolSize));
        Assert.Equal(["shop"], pgbouncer.Settings.Databases);

        // The pooled database is PgBouncer's child; both have a health check of their own (logging in through PgBouncer).
        Assert.Same(pgbouncer, ParentOf(shopDb.Resource));
        Assert.Equal(["pgb-ready"], pgbouncer.Annotations.OfType<HealthCheckAnnotation>().Select(h => h.Key));
        Assert.Equal(["shop-db-ready"], shopDb.Resource.Annotations.OfType<HealthCheckAnnotation>().Select(h => h.Key));
    }

    [Fact]
    public void Pooled_databases_connect_through_PgBouncer_to_their_own_database_with_the_transaction_pooling_settings()
    {
        var billing = _postgres.AddDatabase("billing-db", "billing");
        var shopDb = _pgbouncer.AddPooledDatabase("shop-db", _shop, "shop_app", Password("app-password"));
        var billingDb = _pgbouncer.AddPooledDatabase("billing-pooled", billing, "billing_app", Password("billing-password"));

        Assert.Equal(
            "Host={pgb.bindings.tcp.host};Port={pgb.bindings.tcp.port};Database=shop;Username=shop_app;Password={app-password.value};No Reset On Close=true;Max Auto Prepare=0",
            shopDb.Resource.ConnectionStringExpression.ValueExpression);
        Assert.Equal(
            "Host={pgb.bindings.tcp.host};Port={pgb.bindings.tcp.port};Database=billing;Username=billing_app;Password={billing-password.value};No Reset On Close=true;Max Auto Prepare=0",
            billingDb.Resource.ConnectionStringExpression.ValueExpression);
        // Like Aspire's PostgreSQL server, the pooler's own connection string names no database and no login.
        Assert.Equal("Host={pgb.bindings.tcp.host};Port={pgb.bindings.tcp.port};No Reset On Close=true;Max Auto Prepare=0",
            _pgbouncer.Resource.ConnectionStringExpression.ValueExpression);

        // One [databases] line per pooled database, each forwarded to the database of that name on the pooled server.
        var ini = PgBouncerConfigFiles.RenderIni(_pgbouncer.Resource.Settings, "0.0.0.0", 5432, "/etc/pgbouncer/userlist.txt");
        var databases = ini.Split('\n').Where(l => l.Contains("dbname=", StringComparison.Ordinal)).ToList();
        Assert.Equal(["shop = host=pg port=5432 dbname=shop", "billing = host=pg port=5432 dbname=billing"], databases);
    }

    [Fact]
    public async Task One_login_on_two_databases_is_one_auth_file_line_but_two_passwords_for_it_are_refused()
    {
        var billing = _postgres.AddDatabase("billing");
        var password = Password("app-password");
        _pgbouncer.AddPooledDatabase("shop-db", _shop, "shop_app", password);
        _pgbouncer.AddPooledDatabase("billing-pooled", billing, "shop_app", password);

        var lines = (await PgBouncerConfigFiles.RenderUserListAsync(_pgbouncer.Resource.Settings, CancellationToken.None)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["\"shop_app\" \"app-password-value\"", $"\"pgbouncer_stats\" \"{_pgbouncer.Resource.Settings.StatsPassword}\""], lines);

        var error = Assert.Throws<ArgumentException>(() => _pgbouncer.AddPooledDatabase("shop-db-2", _shop, "shop_app", Password("other-password")));
        Assert.Contains("shop_app", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_database_of_another_server_is_refused_and_a_pooled_database_without_one_says_what_to_pass()
    {
        var other = _builder.AddPostgres("pg2").AddDatabase("elsewhere");
        var password = Password("app-password");

        var wrongServer = Assert.Throws<ArgumentException>(() => _pgbouncer.AddPooledDatabase("elsewhere-db", other, "shop_app", password));
        Assert.Contains("elsewhere is a database of pg2, but pgb pools pg", wrongServer.Message, StringComparison.Ordinal);

        var noDatabase = Assert.Throws<InvalidOperationException>(() => _pgbouncer.AddPooledDatabase("shop-db", "shop_app", password));
        Assert.Contains("AddPooledDatabase(name, database, user, password)", noDatabase.Message, StringComparison.Ordinal);
        Assert.Empty(_pgbouncer.Resource.Settings.Users);
    }

    [Fact]
    public void Without_a_template_of_its_own_PgBouncer_renders_the_built_in_one_which_is_the_repositorys_pgbouncer_ini()
    {
        Assert.Null(_pgbouncer.Resource.Settings.TemplatePath);
        Assert.Equal(File.ReadAllText(HostingModel.Template), PgBouncerConfigFiles.ReadTemplate(_pgbouncer.Resource.Settings));
        Assert.Throws<FileNotFoundException>(() => _builder.AddPgBouncer("pgb-missing", _postgres, "/nonexistent/pgbouncer.ini"));
    }

    [Fact]
    public async Task The_manifest_describes_PgBouncer_configured_by_environment_in_front_of_Aspires_postgres()
    {
        var output = Directory.CreateTempSubdirectory("threadline-aspire-manifest-");
        try
        {
            var path = Path.Combine(output.FullName, "aspire-manifest.json");
            var builder = HostingModel.CreateBuilder("--publisher", "manifest", "--output-path", path);
            var postgres = builder.AddPostgres("pg");
            var shop = postgres.AddDatabase("shop");
            var shopDb = builder.AddPgBouncer("pgb", postgres)
                .WithPoolSize(10)
                .WithAuthQuery("pgb_auth", builder.AddParameter("pgb-auth-password", secret: true), "SELECT uname, phash FROM pgbouncer_auth.user_lookup($1)")
                .AddPooledDatabase("shop-db", shop, "shop_app", builder.AddParameter("app-password", secret: true));
            builder.AddContainer("app", "example/app").WithReference(shopDb);
            using (var app = builder.Build())
            {
                await app.RunAsync().WaitAsync(TimeSpan.FromMinutes(2));
            }

            var resources = JsonDocument.Parse(await File.ReadAllTextAsync(path)).RootElement.GetProperty("resources");
            var pgbouncer = resources.GetProperty("pgb");
            Assert.Equal("container.v0", pgbouncer.GetProperty("type").GetString());
            Assert.Equal("docker.io/edoburu/pgbouncer:v1.24.1-p1", pgbouncer.GetProperty("image").GetString());
            Assert.False(pgbouncer.TryGetProperty("bindMounts", out _), "a published PgBouncer mounts no folder");
            var env = pgbouncer.GetProperty("env");
            Assert.Equal(
                [("DB_HOST", "pg"), ("DB_PORT", "5432"), ("DB_NAME", "shop"), ("DB_USER", "pgb_auth"), ("DB_PASSWORD", "{pgb-auth-password.value}"),
                 ("POOL_MODE", "transaction"), ("DEFAULT_POOL_SIZE", "10"), ("MAX_DB_CONNECTIONS", "10")],
                new[] { "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "POOL_MODE", "DEFAULT_POOL_SIZE", "MAX_DB_CONNECTIONS" }
                    .Select(key => (key, env.GetProperty(key).GetString())));
            Assert.DoesNotContain(env.EnumerateObject(), v => v.Value.GetString()!.Contains("app-password", StringComparison.Ordinal));

            Assert.Equal("container.v0", resources.GetProperty("pg").GetProperty("type").GetString());
            Assert.Equal(
                "Host={pgb.bindings.tcp.host};Port={pgb.bindings.tcp.port};Database=shop;Username=shop_app;Password={app-password.value};No Reset On Close=true;Max Auto Prepare=0",
                resources.GetProperty("shop-db").GetProperty("connectionString").GetString());
            Assert.Equal("{shop-db.connectionString}", resources.GetProperty("app").GetProperty("env").GetProperty("ConnectionStrings__shop-db").GetString());
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private IResourceBuilder<ParameterResource> Password(string name) => _builder.AddParameter(name, name + "-value", secret: true);

    private static IResource? ParentOf(IResource resource) =>
        resource.Annotations.OfType<ResourceRelationshipAnnotation>().SingleOrDefault(r => r.Type == "Parent")?.Resource;
}
