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

    /// <summary>The OpenTelemetry SDK's own variable names (the OTLP exporter reads them; ServiceDefaults adds the exporter only with the first).</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    private const string OtlpProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";

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
        if (!dashboard)
        {
            WithoutTelemetryExport(builder);
        }

        return await builder.BuildAsync(cancellationToken);
    }

    /// <summary>
    /// Without the dashboard nothing receives telemetry, yet Aspire still hands every project the OTLP endpoint of the
    /// AppHost's launch profile (http://localhost:18889): the services exported into a closed port (or into a developer's
    /// own dashboard, if one ran), and each .NET process, when it ended, spent the OTLP exporter's 10-second timeout
    /// retrying its last batch. That held every platform start by 10 s (the schema manager's exit, which PgBouncer and
    /// the services wait for) and every platform stop by 10-15 s (issue 16). Without the endpoint the services add no
    /// exporter (ServiceDefaults), as with no collector configured in production.
    /// </summary>
    private static void WithoutTelemetryExport(IDistributedApplicationTestingBuilder builder)
    {
        foreach (var resource in builder.Resources.OfType<IResourceWithEnvironment>().Where(r => r.HasAnnotationOfType<OtlpExporterAnnotation>()))
        {
            // Runs after Aspire's own OTLP callback, which the resource got when it was added.
            resource.Annotations.Add(new EnvironmentCallbackAnnotation(context =>
            {
                context.EnvironmentVariables.Remove(OtlpEndpointVariable);
                context.EnvironmentVariables.Remove(OtlpProtocolVariable);
            }));
        }
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
