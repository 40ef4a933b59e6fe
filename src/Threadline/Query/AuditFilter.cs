using System.Text.Json.Nodes;

namespace Threadline.Query;

/// <summary>Oldest first or newest first; pages follow the same order.</summary>
public enum AuditOrder
{
    NewestFirst,
    OldestFirst,
}

/// <summary>
/// What to select from the audit trail. Every filter is optional and they combine with AND; each one is backed by an
/// index (see docs/investigation.md). Build it in code, or parse it from query-string pairs with <see cref="AuditFilterParser"/>.
/// </summary>
public sealed record AuditFilter
{
    public static AuditFilter All { get; } = new();

    public string? Schema { get; init; }

    public string? Table { get; init; }

    /// <summary>The row's key with its natural JSON types, e.g. <c>{"id": 42}</c>. Needs <see cref="Table"/>.</summary>
    public JsonObject? RowKey { get; init; }

    public string? ActorType { get; init; }

    public string? ActorId { get; init; }

    public string? OnBehalfOfType { get; init; }

    public string? OnBehalfOfId { get; init; }

    /// <summary>insert, update, delete, truncate, and baseline (the image of a row that existed when capture began).</summary>
    public IReadOnlyList<string>? Operations { get; init; }

    /// <summary>Inclusive lower bound on the capture time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Exclusive upper bound on the capture time.</summary>
    public DateTimeOffset? To { get; init; }

    public string? CorrelationId { get; init; }

    public string? RequestId { get; init; }

    public string? JobId { get; init; }

    public string? TraceId { get; init; }

    /// <summary>Changes made in the same database transaction as this semantic action.</summary>
    public long? ActionId { get; init; }

    /// <summary>Changes made in the same database transaction as an action of this name.</summary>
    public string? ActionName { get; init; }

    public long? TransactionId { get; init; }
}
