using Microsoft.EntityFrameworkCore;

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
        modelBuilder.Entity<OutboxMessage>(message =>
        {
            message.ToTable("outbox_messages");
            message.HasKey(m => m.Id).HasName("outbox_messages_pkey");
            // A UNIQUE constraint, not just a unique index, as the original DDL declared it.
            message.HasAlternateKey(m => m.MessageId).HasName("outbox_messages_message_id_key");
            // The dispatcher scans only undispatched rows.
            message.HasIndex(m => m.Id).HasDatabaseName("outbox_messages_pending_idx").HasFilter("dispatched_at IS NULL");
            message.Property(m => m.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            message.Property(m => m.MessageId).HasColumnName("message_id");
            message.Property(m => m.MessageType).HasColumnName("message_type");
            message.Property(m => m.Payload).HasColumnName("payload").HasColumnType("jsonb");
            message.Property(m => m.AuditContext).HasColumnName("audit_context").HasColumnType("jsonb");
            message.Property(m => m.TraceParent).HasColumnName("trace_parent");
            message.Property(m => m.TraceState).HasColumnName("trace_state");
            message.Property(m => m.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
            message.Property(m => m.DispatchedAt).HasColumnName("dispatched_at");
            message.Property(m => m.DispatchedBy).HasColumnName("dispatched_by");
        });
        modelBuilder.Entity<ProcessedMessage>(processed =>
        {
            processed.ToTable("processed_messages");
            processed.HasKey(p => p.MessageId).HasName("processed_messages_pkey");
            processed.Property(p => p.MessageId).HasColumnName("message_id");
            processed.Property(p => p.Consumer).HasColumnName("consumer");
            processed.Property(p => p.ProcessedAt).HasColumnName("processed_at").HasDefaultValueSql("now()");
            processed.Property(p => p.ProcessedBy).HasColumnName("processed_by");
        });
    }
}
