namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// Tests that need only PostgreSQL and PgBouncer (<see cref="DatabaseFixture"/>). Runs in parallel with the shared
/// platform (see AssemblyInfo.cs): its own PostgreSQL, so neither sees the other's rows or locks.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DatabaseCollection : ICollectionFixture<DatabaseFixture>
{
    public const string Name = "database";
}
