namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// A second, separate platform for tests that break infrastructure on purpose (restarting PgBouncer leaves dead
/// connections in every client pool), so they cannot disturb the shared platform. Platform collections run one after
/// the other (see AssemblyInfo.cs), so two whole platforms never run at the same time.
/// </summary>
[CollectionDefinition(Name)]
public sealed class FaultPlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform-faults";
}
