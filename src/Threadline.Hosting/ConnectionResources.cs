using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Threadline.Hosting;

/// <summary>
/// Connection-string resources (a database on a server, a pooled database) run no process of their own, so Aspire
/// gives them no state and never runs their health checks: the dashboard shows "Unknown". They are marked running
/// once the resource serving them is ready; from then on their health check decides their health.
/// </summary>
internal static class ConnectionResources
{
    public static Task MarkRunningAsync(IResource resource, IServiceProvider services) =>
        services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(resource, state => state with
        {
            State = KnownResourceStates.Running,
            StartTimeStamp = state.StartTimeStamp ?? DateTime.UtcNow,
        });
}
