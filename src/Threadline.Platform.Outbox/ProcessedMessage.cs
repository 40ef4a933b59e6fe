namespace Threadline.Platform.Outbox;

/// <summary>A message a consumer has already applied, recorded in the same transaction as its effect.</summary>
public sealed class ProcessedMessage
{
    public Guid MessageId { get; set; }

    public required string Consumer { get; set; }

    public DateTimeOffset ProcessedAt { get; set; }

    /// <summary>The job-worker instance (its service.instance.id) that applied the message.</summary>
    public string? ProcessedBy { get; set; }
}
