using Microsoft.EntityFrameworkCore;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;
using Threadline.Platform.Posts;

namespace Threadline.IntegrationTests;

/// <summary>The platform's database as the schema manager (the AppHost's resource, not a test's setup) left it.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SchemaManagerTests(PlatformFixture platform)
{
    [Fact]
    public async Task The_schema_manager_applied_the_migrations_with_the_app_grants_and_the_configured_capture()
    {
        await using var db = await platform.OpenDirectAsync();
        await using var context = PlatformDatabase.ForMigrations(db);

        Assert.Equal(context.Database.GetMigrations(), await context.Database.GetAppliedMigrationsAsync());
        Assert.Contains(MigrationBaseline.InitialMigrationId, context.Database.GetMigrations());
        Assert.False(context.Database.HasPendingModelChanges());
        Assert.True(await AuditRows.ScalarAsync<bool>(db,
            $"SELECT has_table_privilege('{PlatformRoles.AppUser}', 'public.posts', 'DELETE') AND NOT has_table_privilege('{PlatformRoles.AppUser}', 'public.processed_messages', 'DELETE')"));
        var posts = (await new CaptureManager().ListAsync(db)).Single(t => $"{t.Schema}.{t.Table}" == PlatformTables.MustBeCaptured.Single());
        Assert.True(posts.IsActive && posts.Options.RequireActor);
    }
}
