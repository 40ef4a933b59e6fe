namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// The shared whole platform: tests of HTTP, jobs, the browser and evidence that need the services, and last (see
/// <see cref="RunsLastInCollectionAttribute"/>) the fault tests that restart its infrastructure. Like every collection
/// it runs alone (see AssemblyInfo.cs).
/// </summary>
[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}
