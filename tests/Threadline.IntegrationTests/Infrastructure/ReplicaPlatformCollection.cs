namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// A platform of its own with two instances of each service (ReplicaTests). Like the other whole platforms it runs
/// alone (see AssemblyInfo.cs).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReplicaPlatformCollection : ICollectionFixture<ReplicaPlatformFixture>
{
    public const string Name = "platform-replicas";
}
