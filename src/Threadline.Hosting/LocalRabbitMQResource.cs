using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>RabbitMQ run from the local <c>rabbitmq-server</c>, with a private node name, ports and data folder.</summary>
/// <param name="name">The resource's name in the AppHost.</param>
/// <param name="command">The executable to run.</param>
/// <param name="workingDirectory">The folder it runs in.</param>
/// <param name="port">The AMQP port to listen on at 127.0.0.1.</param>
public sealed class LocalRabbitMQResource(string name, string command, string workingDirectory, int port)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    /// <summary>The AMQP port the broker listens on at 127.0.0.1.</summary>
    public int Port { get; } = port;

    // The guest account only accepts loopback connections, which is all local mode listens on.
    /// <summary>An AMQP URI for the <c>guest</c> account at 127.0.0.1 on <see cref="Port"/>.</summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"amqp://guest:guest@127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");
}
