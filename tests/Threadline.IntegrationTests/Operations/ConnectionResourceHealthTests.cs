using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;

namespace Threadline.IntegrationTests.Operations;

/// <summary>
/// The connection-string resources have health checks of their own, so the dashboard shows them running and healthy
/// instead of "Unknown".
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ConnectionResourceHealthTests(DatabaseFixture platform)
{
    [Theory]
    [InlineData(ResourceNames.AppDatabase)]
    [InlineData(ResourceNames.AuditReaderDatabase)]
    [InlineData(ResourceNames.DirectDatabase)]
    public async Task Connection_string_resources_report_a_real_health(string resource)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var healthy = await platform.App.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);

        Assert.Equal(HealthStatus.Healthy, healthy.Snapshot.HealthStatus);
        Assert.NotEmpty(healthy.Snapshot.HealthReports);
        Assert.All(healthy.Snapshot.HealthReports, report => Assert.Equal(HealthStatus.Healthy, report.Status));
        Assert.Equal(KnownResourceStates.Running, healthy.Snapshot.State?.Text);
    }
}
