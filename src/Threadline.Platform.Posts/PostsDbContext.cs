using Microsoft.EntityFrameworkCore;
using Threadline.Platform.Outbox;

namespace Threadline.Platform.Posts;

/// <summary>
/// The platform's tables. The model is the source of the migrations in Migrations/ (dotnet ef migrations add), so
/// names, defaults and constraints are spelled out here to match what PostgreSQL itself names them: the database
/// set up before the migrations existed (by DDL) has exactly these (see <see cref="MigrationBaseline"/>).
/// </summary>
public sealed class PostsDbContext(DbContextOptions<PostsDbContext> options) : DbContext(options)
{
    public DbSet<Post> Posts => Set<Post>();

    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    public DbSet<ProcessedMessage> ProcessedMessages => Set<ProcessedMessage>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema("public");
        modelBuilder.Entity<Post>(post =>
        {
            post.ToTable("posts", t => t.HasCheckConstraint("posts_title_check", "length(title) BETWEEN 1 AND 200"));
            post.HasKey(p => p.Id).HasName("posts_pkey");
            post.Property(p => p.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            post.Property(p => p.Title).HasColumnName("title");
            post.Property(p => p.Body).HasColumnName("body").HasDefaultValue("");
            post.Property(p => p.WordCount).HasColumnName("word_count");
            post.Property(p => p.IndexedAt).HasColumnName("indexed_at");
            post.Property(p => p.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
        });
        modelBuilder.AddOutboxTables();
    }
}
