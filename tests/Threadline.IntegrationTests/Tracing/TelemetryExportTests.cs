using System.Globalization;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;
using Threadline.Testing;

namespace Threadline.IntegrationTests.Tracing;

/// <summary>
/// The test platform runs without the Aspire dashboard, so its services must not be told to export telemetry: Aspire
/// would otherwise hand them the launch profile's OTLP endpoint, where nothing listens (or a developer's own dashboard
/// does), and every .NET process then spent 10 s retrying its last export when it ended (PlatformStarter). The
/// dashboard platform's services do export: DashboardTraceTests reads their traces in the dashboard.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class TelemetryExportTests(PlatformFixture platform)
{
    [Fact]
    public void Without_the_dashboard_the_running_services_have_no_OTLP_endpoint_in_their_environment()
    {
        foreach (var service in PlatformStarter.Services)
        {
            Assert.True(platform.App.ResourceNotifications.TryGetCurrentState(service, out var current), $"{service} has no state");
            var pidText = current.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value?.ToString();
            Assert.True(int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid), $"{service} reports no pid ({pidText})");

            // The environment the process really started with (the service itself inherits it from its dotnet run).
            var environment = File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
                .Select(v => v.Split('=', 2)[0]).ToHashSet(StringComparer.Ordinal);
            Assert.Contains("OTEL_SERVICE_NAME", environment);
            Assert.DoesNotContain(PlatformStarter.OtlpEndpointVariable, environment);
        }
    }

    [Fact]
    public void The_schema_manager_ran_without_an_OTLP_endpoint()
    {
        Assert.True(platform.App.ResourceNotifications.TryGetCurrentState(ResourceNames.SchemaManager, out var current), "the schema manager has no state");
        var variables = current.Snapshot.EnvironmentVariables.Select(v => v.Name).ToList();
        Assert.Contains("OTEL_SERVICE_NAME", variables);
        Assert.DoesNotContain(PlatformStarter.OtlpEndpointVariable, variables);
    }
}
