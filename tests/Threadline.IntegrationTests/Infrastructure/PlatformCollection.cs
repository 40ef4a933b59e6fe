namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>The shared whole platform: tests of HTTP, jobs, the browser and evidence that need the services.</summary>
[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}
