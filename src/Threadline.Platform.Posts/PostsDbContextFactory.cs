using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Threadline.Platform.Posts;

/// <summary>
/// What dotnet ef uses to build the model when adding a migration or scripting them. No connection string: adding and
/// scripting need no database, and applying is the schema manager's job (PlatformDatabase), never the tool's.
/// </summary>
public sealed class PostsDbContextFactory : IDesignTimeDbContextFactory<PostsDbContext>
{
    public PostsDbContext CreateDbContext(string[] args) => new(new DbContextOptionsBuilder<PostsDbContext>().UseNpgsql().Options);
}
