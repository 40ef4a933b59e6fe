using Microsoft.EntityFrameworkCore;

namespace Threadline.Platform.Posts;

public sealed class PostsDbContext(DbContextOptions<PostsDbContext> options) : DbContext(options)
{
    public DbSet<Post> Posts => Set<Post>();

    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    public DbSet<ProcessedMessage> ProcessedMessages => Set<ProcessedMessage>();

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
        modelBuilder.Entity<OutboxMessage>(message =>
        {
            message.ToTable("outbox_messages");
            message.Property(m => m.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            message.Property(m => m.MessageId).HasColumnName("message_id");
            message.Property(m => m.MessageType).HasColumnName("message_type");
            message.Property(m => m.Payload).HasColumnName("payload").HasColumnType("jsonb");
            message.Property(m => m.AuditContext).HasColumnName("audit_context").HasColumnType("jsonb");
            message.Property(m => m.TraceParent).HasColumnName("trace_parent");
            message.Property(m => m.TraceState).HasColumnName("trace_state");
            message.Property(m => m.CreatedAt).HasColumnName("created_at").ValueGeneratedOnAdd();
            message.Property(m => m.DispatchedAt).HasColumnName("dispatched_at");
            message.Property(m => m.DispatchedBy).HasColumnName("dispatched_by");
        });
        modelBuilder.Entity<ProcessedMessage>(processed =>
        {
            processed.ToTable("processed_messages");
            processed.HasKey(p => p.MessageId);
            processed.Property(p => p.MessageId).HasColumnName("message_id");
            processed.Property(p => p.Consumer).HasColumnName("consumer");
            processed.Property(p => p.ProcessedAt).HasColumnName("processed_at").ValueGeneratedOnAdd();
            processed.Property(p => p.ProcessedBy).HasColumnName("processed_by");
        });
    }
}
