using System.Security.Cryptography;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Threadline.Platform;
using Threadline.Testing;

namespace Threadline.Benchmarks;

/// <summary>
/// The real reference topology (PostgreSQL, PgBouncer in transaction mode, schema manager, services), started from
/// the AppHost exactly as the integration tests start it, so the benchmark measures what production runs.
/// </summary>
public sealed class BenchmarkPlatform : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = PlatformBudgets.PlatformStart;
    private static readonly TimeSpan StopTimeout = PlatformBudgets.PlatformStop;

    /// <summary>
    /// Local data (database cluster, broker state) goes to its own root: each AppHost run prunes older run folders
    /// in its root, so sharing the AppHost's default root with a concurrent test run would delete a live cluster.
    /// </summary>
    private static readonly string LocalDataRoot = Path.Combine(Path.GetTempPath(), "threadline-benchmarks");

    private readonly DistributedApplication _app;

    private BenchmarkPlatform(DistributedApplication app, string direct, string pooled)
    {
        _app = app;
        DirectConnectionString = direct;
        PooledConnectionString = pooled;
    }

    /// <summary>Direct to PostgreSQL as the superuser: setup, DDL, size measurements and the "direct" path.</summary>
    public string DirectConnectionString { get; }

    /// <summary>Through PgBouncer (transaction mode, pool size 3) as the application login role.</summary>
    public string PooledConnectionString { get; }

    public static async Task<BenchmarkPlatform> StartAsync(CancellationToken cancellationToken)
    {
        var signingKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Threadline_AppHost>(
            [$"--Parameters:jwt-signing-key={signingKey}", $"--Threadline:LocalDataRoot={LocalDataRoot}"],
            (options, _) => options.DisableDashboard = true,
            cancellationToken);
        // Only real problems: resource output and start-up health probes would drown the results.
        builder.Services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Warning);
            logging.AddFilter("Threadline.AppHost.Resources", LogLevel.None);
            logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None);
            logging.AddFilter("Aspire.Hosting.Dcp", LogLevel.Error);
            logging.AddSimpleConsole(o => o.SingleLine = true);
        });

        var app = await builder.BuildAsync(cancellationToken);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StartTimeout);
            await app.StartAsync(timeout.Token);
            // Healthy API = schema installed, roles created and PgBouncer accepting the application role.
            await app.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.PostsApi, timeout.Token);
            var direct = await ConnectionStringAsync(app, ResourceNames.DirectDatabase, timeout.Token);
            var pooled = await ConnectionStringAsync(app, ResourceNames.AppDatabase, timeout.Token);
            return new BenchmarkPlatform(app, direct, pooled);
        }
        catch
        {
            await StopAsync(app);
            throw;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync(_app));

    private static async Task StopAsync(DistributedApplication app)
    {
        try
        {
            await app.StopAsync().WaitAsync(StopTimeout);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private static async Task<string> ConnectionStringAsync(DistributedApplication app, string name, CancellationToken cancellationToken) =>
        await app.GetConnectionStringAsync(name, cancellationToken) ?? throw new InvalidOperationException($"No connection string for {name}.");
}
