using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace Threadline.Hosting.Tests;

/// <summary>How the runtime is chosen from configuration, and what each choice adds to the model.</summary>
public sealed class RuntimeSelectionTests
{
    [Theory]
    [InlineData("container", RuntimeMode.Container)]
    [InlineData("containers", RuntimeMode.Container)]
    [InlineData(" Local ", RuntimeMode.Local)]
    [InlineData("local", RuntimeMode.Local)]
    public void An_explicit_runtime_is_taken_as_configured_without_probing(string configured, RuntimeMode expected)
    {
        var (mode, reason) = RuntimeSelector.Select(Configuration(configured));

        Assert.Equal(expected, mode);
        Assert.Equal($"{RuntimeSelector.ConfigurationKey}={configured.Trim().ToLowerInvariant()}", reason);
    }

    [Fact]
    public void An_unknown_runtime_is_refused_with_the_accepted_values()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => RuntimeSelector.Select(Configuration("kubernetes")));

        Assert.Contains("'kubernetes'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("auto, container or local", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Container_mode_needs_no_local_executable_and_no_run_folder()
    {
        var builder = HostingModel.CreateBuilder($"--{RuntimeSelector.ConfigurationKey}=container");

        var runtime = InfrastructureRuntime.Create(builder);

        Assert.Equal(RuntimeMode.Container, runtime.Mode);
        Assert.Null(runtime.Binaries);
        Assert.Null(runtime.RunDirectory);
    }

    [Fact]
    public void Publish_mode_always_describes_containers_even_when_local_is_configured()
    {
        var output = Directory.CreateTempSubdirectory("threadline-publish-").FullName;
        try
        {
            var builder = HostingModel.CreateBuilder("--operation", "publish", "--output-path", output, $"--{RuntimeSelector.ConfigurationKey}=local");

            var runtime = InfrastructureRuntime.Create(builder);

            Assert.True(builder.ExecutionContext.IsPublishMode);
            Assert.Equal(RuntimeMode.Container, runtime.Mode);
            Assert.Equal("publish mode", runtime.Reason);
            Assert.Null(runtime.Binaries);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public void Each_runtime_adds_its_own_resource_kinds()
    {
        using var container = HostingModel.Container();
        using var local = HostingModel.Local();
        container.AddAll();
        local.AddAll();

        Assert.IsType<PostgresServerResource>(container.Resource<IResource>(HostingModel.Postgres));
        Assert.IsType<PgBouncerContainerResource>(container.Resource<IResource>(HostingModel.PgBouncer));
        Assert.IsType<RabbitMQServerResource>(container.Resource<IResource>(HostingModel.RabbitMQ));
        Assert.DoesNotContain(container.Builder.Resources, r => r is ExecutableResource);

        Assert.IsType<LocalPostgresServerResource>(local.Resource<IResource>(HostingModel.Postgres));
        Assert.IsType<PgBouncerExecutableResource>(local.Resource<IResource>(HostingModel.PgBouncer));
        Assert.IsType<LocalRabbitMQResource>(local.Resource<IResource>(HostingModel.RabbitMQ));
        Assert.DoesNotContain(local.Builder.Resources, r => r is ContainerResource);
    }

    private static IConfiguration Configuration(string runtime) =>
        new ConfigurationBuilder().AddInMemoryCollection([new(RuntimeSelector.ConfigurationKey, runtime)]).Build();
}
