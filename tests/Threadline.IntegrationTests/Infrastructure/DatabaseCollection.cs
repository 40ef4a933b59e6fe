namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// Tests that need only PostgreSQL and PgBouncer (<see cref="DatabaseFixture"/>): its own PostgreSQL, so no platform
/// test sees its rows or locks. Like every collection it runs alone (see AssemblyInfo.cs).
/// </summary>
[CollectionDefinition(Name)]
public sealed class DatabaseCollection : ICollectionFixture<DatabaseFixture>
{
    public const string Name = "database";
}
