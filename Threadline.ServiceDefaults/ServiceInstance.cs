using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Which instance of its service this process is: the <c>service.instance.id</c> of its OpenTelemetry resource. Aspire
/// gives each replica its own (OTEL_RESOURCE_ATTRIBUTES), so the id a response header or a database row carries is the
/// one the instance's telemetry carries. Without one (run outside Aspire) the host name and process id stand in.
/// </summary>
public sealed class ServiceInstance
{
    /// <summary>Response header that names the instance that answered (every status, 503s of backpressure included).</summary>
    public const string Header = "Service-Instance-Id";

    private const string InstanceAttribute = "service.instance.id";

    public ServiceInstance(IServiceProvider services)
    {
        var resource = services.GetService<TracerProvider>()?.GetResource();
        Id = resource?.Attributes.FirstOrDefault(a => a.Key == InstanceAttribute).Value as string is { Length: > 0 } id
            ? id
            : $"{Environment.MachineName}-{Environment.ProcessId}";
    }

    public string Id { get; }
}
