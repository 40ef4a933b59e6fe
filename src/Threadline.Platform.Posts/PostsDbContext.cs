using Microsoft.EntityFrameworkCore;

namespace Threadline.Platform.Posts;

public sealed class PostsDbContext(DbContextOptions<PostsDbContext> options) : DbContext(options)
{
    public DbSet<Post> Posts => Set<Post>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Post>(post =>
        {
            post.ToTable("posts");
            post.Property(p => p.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            post.Property(p => p.Title).HasColumnName("title");
            post.Property(p => p.Body).HasColumnName("body");
            post.Property(p => p.WordCount).HasColumnName("word_count");
            post.Property(p => p.IndexedAt).HasColumnName("indexed_at");
            post.Property(p => p.CreatedAt).HasColumnName("created_at").ValueGeneratedOnAdd();
        });
    }
}
