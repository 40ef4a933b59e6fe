using System.Security.Cryptography;
using Aspire.Hosting;
using Microsoft.Extensions.Logging;
using Threadline.Platform;
using Threadline.Testing;

namespace Threadline.Benchmarks;

/// <summary>
/// The real reference topology (PostgreSQL, PgBouncer in transaction mode, schema manager, services), started from
/// the AppHost by the integration tests' own starter (tests/Shared/PlatformStarter.cs), so the benchmark measures what
/// production runs.
/// </summary>
public sealed class BenchmarkPlatform : IAsyncDisposable
{
    /// <summary>
    /// Local data (database cluster, broker state) goes to its own root: each AppHost run prunes older run folders
    /// in its root, so sharing the AppHost's default root with a concurrent test run would delete a live cluster. One
    /// root per user: a fixed one left by another user (root) could not be written.
    /// </summary>
    private static readonly string LocalDataRoot = Path.Combine(Path.GetTempPath(), $"threadline-benchmarks-{Environment.UserName}");

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
        // Only real problems: resource output and start-up health probes would drown the results.
        var app = await PlatformStarter.BuildAsync(signingKey, [$"--Threadline:LocalDataRoot={LocalDataRoot}"], dashboard: false, logging =>
        {
            logging.SetMinimumLevel(LogLevel.Warning);
            logging.AddFilter("Threadline.AppHost.Resources", LogLevel.None);
            logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None);
            logging.AddFilter("Aspire.Hosting.Dcp", LogLevel.Error);
            logging.AddSimpleConsole(o => o.SingleLine = true);
        }, cancellationToken);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(PlatformBudgets.PlatformStart);
            // Healthy API = schema installed, roles created and PgBouncer accepting the application role.
            await PlatformStarter.StartAsync(app, [ResourceNames.PostsApi], timeout.Token);
            var direct = await PlatformStarter.ConnectionStringAsync(app, ResourceNames.DirectDatabase, timeout.Token);
            var pooled = await PlatformStarter.ConnectionStringAsync(app, ResourceNames.AppDatabase, timeout.Token);
            return new BenchmarkPlatform(app, direct, pooled);
        }
        catch
        {
            await PlatformStarter.StopAsync(app);
            throw;
        }
    }

    public ValueTask DisposeAsync() => new(PlatformStarter.StopAsync(_app));
}
