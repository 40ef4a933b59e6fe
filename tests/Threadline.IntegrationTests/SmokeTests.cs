using Threadline.IntegrationTests.Infrastructure;

namespace Threadline.IntegrationTests;

[Collection(PlatformCollection.Name)]
public sealed class SmokeTests(PlatformFixture platform)
{
    [Fact]
    public async Task Platform_starts_and_every_service_is_healthy()
    {
        using var client = platform.CreateClient(Threadline.Platform.ResourceNames.PostsApi);
        var response = await client.GetAsync("/health");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }
}
