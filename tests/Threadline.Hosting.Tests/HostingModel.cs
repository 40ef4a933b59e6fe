using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Threadline.Hosting.Tests;

/// <summary>
/// A model of nothing but the hosting integration (no platform projects), built with the same extension methods the
/// AppHost calls and never started. Local mode gets executable paths instead of looking for them, so it needs no
/// installed package either.
/// </summary>
public sealed class HostingModel : IDisposable
{
    public const string Postgres = "pg";
    public const string Database = "shop";
    public const string PgBouncer = "pooler";
    public const string AppDatabase = "shop-db";
    public const string AppUser = "shop_app";
    public const string AppPassword = "app-password-0123456789";
    public const string RabbitMQ = "mq";

    public static readonly LocalBinaries Binaries = new("/opt/test/postgresql/bin", "/opt/test/pgbouncer", "/opt/test/rabbitmq-server", "/opt/test/epmd");

    /// <summary>The platform's template, copied next to the tests.</summary>
    public static string Template => Path.Combine(AppContext.BaseDirectory, "pgbouncer.ini");

    private readonly string? _localRoot;

    private HostingModel(IDistributedApplicationBuilder builder, InfrastructureRuntime runtime, string? localRoot)
    {
        Builder = builder;
        Runtime = runtime;
        _localRoot = localRoot;
    }

    public IDistributedApplicationBuilder Builder { get; }

    public InfrastructureRuntime Runtime { get; }

    public static IDistributedApplicationBuilder CreateBuilder(params string[] args) =>
        DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = args, DisableDashboard = true });

    public static HostingModel Container(params string[] args)
    {
        var builder = CreateBuilder([$"--{RuntimeSelector.ConfigurationKey}=container", .. args]);
        return new HostingModel(builder, InfrastructureRuntime.Create(builder), null);
    }

    public static HostingModel Local()
    {
        var root = Path.Combine(Path.GetTempPath(), "threadline-hosting-model-" + Guid.NewGuid().ToString("N")[..8]);
        var builder = CreateBuilder();
        return new HostingModel(builder, InfrastructureRuntime.Create(builder, RuntimeMode.Local, Binaries, LocalRunDirectory.Create(root)), root);
    }

    /// <summary>PostgreSQL, PgBouncer with one pooled database, and RabbitMQ: the AppHost's infrastructure in small.</summary>
    public (PostgresHandle Postgres, IResourceBuilder<IPgBouncerResource> PgBouncer, IResourceBuilder<PgBouncerDatabaseResource> AppDatabase) AddAll()
    {
        var postgres = Runtime.AddThreadlinePostgres(Postgres, Database, Builder.AddParameter("pg-password", "superuser-password-0123", secret: true));
        var pgbouncer = Runtime.AddPgBouncer(PgBouncer, postgres, Template);
        var appDatabase = pgbouncer.AddPooledDatabase(AppDatabase, AppUser, Builder.AddParameter("app-password", AppPassword, secret: true));
        Runtime.AddThreadlineRabbitMQ(RabbitMQ);
        return (postgres, pgbouncer, appDatabase);
    }

    public T Resource<T>(string name)
        where T : IResource =>
        Assert.IsAssignableFrom<T>(Assert.Single(Builder.Resources, r => r.Name == name));

    /// <summary>Runs the health check registered under <paramref name="key"/>, as Aspire's health monitor would.</summary>
    public async Task<HealthReportEntry> CheckHealthAsync(string key)
    {
        using var services = Builder.Services.BuildServiceProvider();
        var registration = Assert.Single(services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations, r => r.Name == key);
        var result = await registration.Factory(services).CheckHealthAsync(new HealthCheckContext { Registration = registration });
        return new HealthReportEntry(result.Status, result.Description, TimeSpan.Zero, result.Exception, null);
    }

    public IReadOnlyList<string> HealthCheckNames()
    {
        using var services = Builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Select(r => r.Name).ToList();
    }

    public void Dispose()
    {
        if (_localRoot is not null && Directory.Exists(_localRoot))
        {
            Directory.Delete(_localRoot, recursive: true);
        }

        DeleteRenderedFolders(Builder);
    }

    /// <summary>Container mode renders PgBouncer's files into a new temp folder per model (PgBouncerContainer): removes this model's.</summary>
    public static void DeleteRenderedFolders(IDistributedApplicationBuilder builder)
    {
        foreach (var mount in builder.Resources.SelectMany(r => r.Annotations.OfType<ContainerMountAnnotation>()))
        {
            if (mount.Source is { } source && Path.GetFileName(source).StartsWith("threadline-pgbouncer-", StringComparison.Ordinal) && Directory.Exists(source))
            {
                Directory.Delete(source, recursive: true);
            }
        }
    }
}
