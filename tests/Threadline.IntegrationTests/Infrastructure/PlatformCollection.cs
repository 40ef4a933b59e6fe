namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// The shared whole platform: tests of HTTP, jobs, the browser and evidence that need the services. Runs in parallel with
/// <see cref="DatabaseCollection"/> (see AssemblyInfo.cs), the only whole platform of that phase.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}
