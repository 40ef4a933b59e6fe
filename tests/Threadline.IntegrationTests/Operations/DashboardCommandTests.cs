using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;

namespace Threadline.IntegrationTests.Operations;

/// <summary>The AppHost's operator buttons run the real operations against the running topology.</summary>
[Collection(PlatformCollection.Name)]
public sealed class DashboardCommandTests(PlatformFixture platform)
{
    [Theory]
    [InlineData(ResourceNames.DirectDatabase, "verify-coverage", "| public.posts | Covered |")]
    [InlineData(ResourceNames.DirectDatabase, "purge-dry-run", "Nothing was deleted.")]
    [InlineData(ResourceNames.AppDatabase, "verify-topology", "| local (AppHost) | app → Npgsql → ")]
    public async Task Each_operator_command_runs_and_shows_its_result(string resource, string command, string expected)
    {
        var target = platform.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resource);

        var result = await platform.App.ResourceCommands.ExecuteCommandAsync(target, command);

        Assert.True(result.Success, result.Message);
        Assert.Contains(expected, result.Data?.Value, StringComparison.Ordinal);
    }
}
