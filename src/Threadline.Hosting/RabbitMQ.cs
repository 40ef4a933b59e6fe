using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;

namespace Threadline.Hosting;

/// <summary>RabbitMQ run from the local <c>rabbitmq-server</c>, with a private node name, ports and data folder.</summary>
public sealed class LocalRabbitMQResource(string name, string command, string workingDirectory, int port)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public int Port { get; } = port;

    // The guest account only accepts loopback connections, which is all local mode listens on.
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"amqp://guest:guest@127.0.0.1:{PortText}/");

    private string PortText => Port.ToString(CultureInfo.InvariantCulture);
}

public static class RabbitMQExtensions
{
    public static IResourceBuilder<IResourceWithConnectionString> AddThreadlineRabbitMQ(this InfrastructureRuntime runtime, string name)
    {
        var builder = runtime.Builder;
        if (runtime.Mode == RuntimeMode.Container)
        {
            var container = builder.AddRabbitMQ(name);
            return builder.CreateResourceBuilder<IResourceWithConnectionString>(container.Resource);
        }

        var directory = runtime.LocalRun.Sub("rabbitmq");
        var port = FreePort.Next();
        var epmdPort = FreePort.Next();
        var distPort = FreePort.Next();

        // A private epmd bound to loopback: left to itself, Erlang starts a daemon that outlives RabbitMQ on all interfaces.
        var epmd = builder.AddExecutable($"{name}-epmd", runtime.LocalBinaries.Epmd, directory,
                "-port", epmdPort.ToString(CultureInfo.InvariantCulture), "-address", "127.0.0.1")
            .ExcludeFromManifest();

        var pluginsFile = Path.Combine(directory, "enabled_plugins");
        File.WriteAllText(pluginsFile, "[].\n");
        var resource = new LocalRabbitMQResource(name, runtime.LocalBinaries.RabbitMqServer, directory, port);
        var healthKey = $"{name}-ready";
        var rabbit = builder.AddResource(resource)
            .WithEndpoint(name: "tcp", port: port, targetPort: port, scheme: "tcp", isProxied: false)
            .WithEnvironment("HOME", directory)
            .WithEnvironment("RABBITMQ_NODENAME", "threadline-" + port.ToString(CultureInfo.InvariantCulture) + "@localhost")
            .WithEnvironment("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .WithEnvironment("RABBITMQ_NODE_PORT", port.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("RABBITMQ_DIST_PORT", distPort.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("ERL_EPMD_PORT", epmdPort.ToString(CultureInfo.InvariantCulture))
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
}

/// <summary>Healthy when an AMQP connection opens.</summary>
internal sealed class RabbitMQHealthCheck(Func<CancellationToken, ValueTask<string?>> connectionString) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var factory = new ConnectionFactory { Uri = new Uri((await connectionString(cancellationToken).ConfigureAwait(false))!) };
            await using var connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy(ex.Message, ex);
        }
    }
}
