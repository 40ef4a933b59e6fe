using Microsoft.EntityFrameworkCore;

namespace Threadline.Platform.Outbox;

public static class OutboxModelBuilderExtensions
{
    /// <summary>
    /// Maps the outbox's two tables (outbox_messages, processed_messages) into the context that owns the audited
    /// writes, so that a message is written, and a consumed one recorded, in the same transaction as the change.
    /// </summary>
    public static ModelBuilder AddOutboxTables(this ModelBuilder modelBuilder)
    {
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
        return modelBuilder;
    }
}
