using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>Adds RabbitMQ, in whichever runtime <see cref="InfrastructureRuntime"/> chose.</summary>
public static class ThreadlineRabbitMQBuilderExtensions
{
    /// <summary>
    /// Adds RabbitMQ: Aspire's RabbitMQ container, or the local <c>rabbitmq-server</c> with a private node, loopback
    /// ports and a private epmd (resource <c>{name}-epmd</c>).
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddThreadlineRabbitMQ(this InfrastructureRuntime runtime, [ResourceName] string name)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        if (runtime.Mode == RuntimeMode.Local)
        {
            return LocalRabbitMQ.Add(runtime, name);
        }

        var container = runtime.Builder.AddRabbitMQ(name);
        return runtime.Builder.CreateResourceBuilder<IResourceWithConnectionString>(container.Resource);
    }
}
