using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>One running instance (replica) of a service, as the AppHost's resource model reports it.</summary>
/// <param name="ResourceId">The replica's own id (the service name and a suffix).</param>
/// <param name="Pid">The process the AppHost started for it.</param>
/// <param name="InstanceId">The <c>service.instance.id</c> the AppHost handed it (OTEL_RESOURCE_ATTRIBUTES).</param>
public sealed record ServiceInstanceInfo(string ResourceId, int Pid, string? InstanceId);

/// <summary>
/// The instances of a replicated service: from the resource model (each replica is a resource of its own with its own
/// pid and environment), and from the outside (which instances answer through the service's proxy).
/// </summary>
public static class ServiceInstances
{
    /// <summary>The header every platform service names its instance in (ServiceInstance.Header in the service defaults).</summary>
    public const string Header = "Service-Instance-Id";

    private const string ResourceAttributes = "OTEL_RESOURCE_ATTRIBUTES";
    private const string InstanceAttribute = "service.instance.id";

    /// <summary>Waits until <paramref name="count"/> instances of <paramref name="service"/> are running, and returns them.</summary>
    public static async Task<IReadOnlyList<ServiceInstanceInfo>> WaitForRunningAsync(DistributedApplication app, string service, int count, CancellationToken cancellationToken)
    {
        // WatchAsync replays every resource's current state first, then follows changes.
        var latest = new Dictionary<string, CustomResourceSnapshot>(StringComparer.Ordinal);
        await foreach (var e in app.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (!string.Equals(e.Resource.Name, service, StringComparison.Ordinal))
            {
                continue;
            }

            latest[e.ResourceId] = e.Snapshot;
            var running = latest
                .Where(l => l.Value.State?.Text == KnownResourceStates.Running && PidOf(l.Value) is not null)
                .Select(l => new ServiceInstanceInfo(l.Key, PidOf(l.Value)!.Value, InstanceIdOf(l.Value)))
                .ToList();
            if (running.Count >= count)
            {
                return running;
            }
        }

        throw new OperationCanceledException($"Stopped watching before {count} instances of {service} ran.");
    }

    /// <summary>
    /// The instance ids (<see cref="Header"/>) of the instances that answered <paramref name="path"/>
    /// with a success in <paramref name="attempts"/> requests. Each request closes its connection: the proxy in front
    /// of the replicas picks an instance per connection, so a kept-alive connection would always reach the same one.
    /// </summary>
    public static async Task<IReadOnlySet<string>> AnsweringAsync(Uri endpoint, string path, int attempts, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(30) };
        var answered = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < attempts; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.ConnectionClose = true;
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode && InstanceOf(response) is { } id)
            {
                answered.Add(id);
            }
        }

        return answered;
    }

    /// <summary>The instance that answered, from its response header; null when it named none.</summary>
    public static string? InstanceOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues(Header, out var values) ? values.Single() : null;

    private static int? PidOf(CustomResourceSnapshot snapshot) =>
        int.TryParse(snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value?.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;

    private static string? InstanceIdOf(CustomResourceSnapshot snapshot) =>
        snapshot.EnvironmentVariables.FirstOrDefault(v => v.Name == ResourceAttributes)?.Value?
            .Split(',')
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair.Length == 2 && pair[0].Trim() == InstanceAttribute)
            .Select(pair => pair[1].Trim())
            .FirstOrDefault();
}
