namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>Tests that need only PostgreSQL and PgBouncer (<see cref="DatabaseFixture"/>).</summary>
[CollectionDefinition(Name)]
public sealed class DatabaseCollection : ICollectionFixture<DatabaseFixture>
{
    public const string Name = "database";
}
