using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Threadline.Hosting.Tests;

/// <summary>
/// The real AppHost's application model with the container runtime forced (<c>Threadline:Runtime=container</c>), as
/// CI's container job and a developer with Docker get it. Built once, never started.
/// </summary>
public sealed class ContainerModelFixture : IAsyncLifetime
{
    private IDistributedApplicationTestingBuilder? _builder;

    public const string PostgresPassword = "pgpassword0123456789abcdef";

    public IDistributedApplicationTestingBuilder Builder => _builder ?? throw new InvalidOperationException("The model is not built.");

    public async Task InitializeAsync()
    {
        _builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Threadline_AppHost>(
            [
                $"--{RuntimeSelector.ConfigurationKey}=container",
                $"--Parameters:postgres-password={PostgresPassword}",
            ],
            (options, _) => options.DisableDashboard = true);
    }

    public T Resource<T>(string name)
        where T : IResource =>
        Assert.IsAssignableFrom<T>(Assert.Single(Builder.Resources, r => r.Name == name));

    public async Task DisposeAsync()
    {
        if (_builder is not null)
        {
            await _builder.DisposeAsync();
        }
    }
}
