namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// A second, separate platform for tests that break infrastructure on purpose (restarting PgBouncer leaves dead
/// connections in every client pool, and the tests clear every pool of this process), so they cannot disturb the
/// shared platform. It runs after the parallel phase (see AssemblyInfo.cs), so two whole platforms never run at once.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultPlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform-faults";
}
