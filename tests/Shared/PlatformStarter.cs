using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Threadline.Platform;

namespace Threadline.Testing;

/// <summary>
/// Builds, starts and stops the whole reference platform from the real AppHost: the one implementation behind the
/// integration tests' PlatformFixture and the benchmark's BenchmarkPlatform (linked into both from tests/Shared), so
/// the benchmark measures the topology the tests prove. <see cref="StartAsync"/> and <see cref="StopAsync"/> also serve
/// the integration tests' smaller database-only application.
/// </summary>
internal static class PlatformStarter
{
    /// <summary>The platform's services; healthy means the schema manager completed and PgBouncer accepts their roles.</summary>
    public static readonly IReadOnlyList<string> Services = [ResourceNames.PostsApi, ResourceNames.JobWorker, ResourceNames.AdminService];

    /// <summary>
    /// Builds the AppHost's application model, signed with <paramref name="signingKey"/>, with extra AppHost
    /// <paramref name="arguments"/>; the Aspire dashboard only when <paramref name="dashboard"/> is set.
    /// </summary>
    public static async Task<DistributedApplication> BuildAsync(
        string signingKey, IEnumerable<string> arguments, bool dashboard, Action<ILoggingBuilder> logging, CancellationToken cancellationToken = default)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Threadline_AppHost>(
            [$"--Parameters:jwt-signing-key={signingKey}", .. arguments],
            (options, _) => options.DisableDashboard = !dashboard,
            cancellationToken);
        builder.Services.AddLogging(logging);
        return await builder.BuildAsync(cancellationToken);
    }

    /// <summary>Starts <paramref name="app"/> and waits until each of <paramref name="healthy"/> reports healthy.</summary>
    public static async Task StartAsync(DistributedApplication app, IEnumerable<string> healthy, CancellationToken cancellationToken)
    {
        await app.StartAsync(cancellationToken);
        await WaitHealthyAsync(app, healthy, cancellationToken);
    }

    public static async Task WaitHealthyAsync(DistributedApplication app, IEnumerable<string> healthy, CancellationToken cancellationToken)
    {
        foreach (var resource in healthy)
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, WaitBehavior.WaitOnResourceUnavailable, cancellationToken);
        }
    }

    public static async Task<string> ConnectionStringAsync(DistributedApplication app, string name, CancellationToken cancellationToken = default) =>
        await app.GetConnectionStringAsync(name, cancellationToken) ?? throw new InvalidOperationException($"No connection string for {name}.");

    /// <summary>Stops every resource within the stop budget, then disposes the application; <paramref name="beforeDispose"/> runs in between.</summary>
    public static async Task StopAsync(DistributedApplication app, Func<Task>? beforeDispose = null)
    {
        try
        {
            await app.StopAsync().WaitAsync(PlatformBudgets.PlatformStop);
        }
        finally
        {
            if (beforeDispose is not null)
            {
                await beforeDispose();
            }

            await app.DisposeAsync();
        }
    }
}
