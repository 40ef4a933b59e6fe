using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Threadline.Hosting;

/// <summary>RabbitMQ in local mode: its own node name, loopback ports, no plugins, data in the run folder, and a private epmd.</summary>
internal static class LocalRabbitMQ
{
    public static IResourceBuilder<IResourceWithConnectionString> Add(InfrastructureRuntime runtime, string name)
    {
        var builder = runtime.Builder;
        var directory = runtime.LocalRun.Sub("rabbitmq");
        var port = FreePort.Next();
        var epmdPort = FreePort.Next();
        var distPort = FreePort.Next();

        // A private epmd bound to loopback: left to itself, Erlang starts a daemon that outlives RabbitMQ on all interfaces.
        var epmd = builder.AddExecutable($"{name}-epmd", runtime.LocalBinaries.Epmd, directory,
                "-port", Text(epmdPort), "-address", "127.0.0.1")
            .ExcludeFromManifest();

        var pluginsFile = Path.Combine(directory, "enabled_plugins");
        File.WriteAllText(pluginsFile, "[].\n");
        var resource = new LocalRabbitMQResource(name, runtime.LocalBinaries.RabbitMqServer, directory, port);
        var healthKey = $"{name}-ready";
        var rabbit = builder.AddResource(resource)
            .WithEndpoint(name: "tcp", port: port, targetPort: port, scheme: "tcp", isProxied: false)
            .WithEnvironment("HOME", directory)
            .WithEnvironment("RABBITMQ_NODENAME", "threadline-" + Text(port) + "@localhost")
            .WithEnvironment("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .WithEnvironment("RABBITMQ_NODE_PORT", Text(port))
            .WithEnvironment("RABBITMQ_DIST_PORT", Text(distPort))
            .WithEnvironment("ERL_EPMD_PORT", Text(epmdPort))
            .WithEnvironment("ERL_EPMD_ADDRESS", "127.0.0.1")
            .WithEnvironment("RABBITMQ_MNESIA_BASE", Path.Combine(directory, "mnesia"))
            .WithEnvironment("RABBITMQ_LOG_BASE", Path.Combine(directory, "log"))
            .WithEnvironment("RABBITMQ_LOGS", "-")
            .WithEnvironment("RABBITMQ_ENABLED_PLUGINS_FILE", pluginsFile)
            .WithEnvironment("RABBITMQ_CONFIG_FILE", Path.Combine(directory, "rabbitmq"))
            .WithHealthCheck(healthKey)
            .WithIconName("Mail")
            .WaitFor(epmd);
        epmd.WithParentRelationship(rabbit);

        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthKey, _ => new RabbitMQHealthCheck(ct => resource.ConnectionStringExpression.GetValueAsync(ct)), HealthStatus.Unhealthy, null));
        return builder.CreateResourceBuilder<IResourceWithConnectionString>(resource);
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
}
