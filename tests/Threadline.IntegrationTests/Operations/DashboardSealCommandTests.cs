using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;

namespace Threadline.IntegrationTests.Operations;

/// <summary>The dashboard's Seal and Verify integrity buttons run the real operations against the platform database.</summary>
[Collection(PlatformCollection.Name)]
public sealed class DashboardSealCommandTests(PlatformFixture platform)
{
    [Fact]
    public async Task Seal_shows_the_anchor_and_verify_integrity_then_passes()
    {
        var target = platform.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == ResourceNames.DirectDatabase);

        var seal = await platform.App.ResourceCommands.ExecuteCommandAsync(target, "seal");
        var verify = await platform.App.ResourceCommands.ExecuteCommandAsync(target, "verify-integrity");

        Assert.True(seal.Success, seal.Message);
        Assert.Contains("\"format\": \"threadline-seal-anchor/1\"", seal.Data?.Value, StringComparison.Ordinal);
        Assert.True(verify.Success, verify.Message);
        Assert.Contains("seals;", verify.Data?.Value, StringComparison.Ordinal);
    }
}
