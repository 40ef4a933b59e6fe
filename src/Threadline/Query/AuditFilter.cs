using System.Text.Json.Nodes;

namespace Threadline.Query;

/// <summary>Oldest first or newest first; pages follow the same order.</summary>
public enum AuditOrder
{
    /// <summary>The latest change first: what a timeline shows.</summary>
    NewestFirst,
    /// <summary>The earliest change first: the order of a row's history and of exports.</summary>
    OldestFirst,
}

/// <summary>
/// What to select from the audit trail. Every filter is optional and they combine with AND; each one is backed by an
/// index (see docs/investigation.md). Build it in code, or parse it from query-string pairs with <see cref="AuditFilterParser"/>.
/// </summary>
public sealed record AuditFilter
{
    /// <summary>No filter: every change.</summary>
    public static AuditFilter All { get; } = new();

    /// <summary>Only changes of tables in this schema.</summary>
    public string? Schema { get; init; }

    /// <summary>Only changes of the table with this name, in schema <c>public</c> unless <see cref="Schema"/> says otherwise.</summary>
    public string? Table { get; init; }

    /// <summary>The row's key with its natural JSON types, e.g. <c>{"id": 42}</c>. Needs <see cref="Table"/>.</summary>
    public JsonObject? RowKey { get; init; }

    /// <summary>Only transactions of actors of this type (<c>user</c>, <c>admin</c>, <c>service_account</c>, <c>job</c>, <c>system</c>, <c>anonymous</c>).</summary>
    public string? ActorType { get; init; }

    /// <summary>Only transactions of the actor with this id.</summary>
    public string? ActorId { get; init; }

    /// <summary>Only transactions done on behalf of an actor of this type.</summary>
    public string? OnBehalfOfType { get; init; }

    /// <summary>Only transactions done on behalf of the actor with this id.</summary>
    public string? OnBehalfOfId { get; init; }

    /// <summary>insert, update, delete, truncate, and baseline (the image of a row that existed when capture began).</summary>
    public IReadOnlyList<string>? Operations { get; init; }

    /// <summary>Inclusive lower bound on the capture time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Exclusive upper bound on the capture time.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Only transactions with this correlation id: one business flow across services and messages.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Only transactions of this request.</summary>
    public string? RequestId { get; init; }

    /// <summary>Only transactions of this job or consumed message.</summary>
    public string? JobId { get; init; }

    /// <summary>Only transactions of this W3C trace.</summary>
    public string? TraceId { get; init; }

    /// <summary>Changes made in the same database transaction as this semantic action.</summary>
    public long? ActionId { get; init; }

    /// <summary>Changes made in the same database transaction as an action of this name.</summary>
    public string? ActionName { get; init; }

    /// <summary>Only the changes of this audit transaction (<c>transactions.id</c>).</summary>
    public long? TransactionId { get; init; }
}
