using System.Text.Json;
using Npgsql;

namespace Threadline.Query;

/// <summary>One captured change with the context of its transaction: what a timeline, history or export row shows.</summary>
/// <param name="Id">The change's id in <c>changes</c>.</param>
/// <param name="TransactionId">The audit transaction the change belongs to (<c>transactions.id</c>, not the PostgreSQL xid).</param>
/// <param name="TableSchema">The changed table's schema.</param>
/// <param name="TableName">The changed table's name.</param>
/// <param name="Op"><c>insert</c>, <c>update</c>, <c>delete</c>, <c>truncate</c> or <c>baseline</c> (a row's image when capture began).</param>
/// <param name="RowKey">The row's key columns with their JSON types, for example <c>{"id": 42}</c>; null for a truncate.</param>
/// <param name="DataAfter">The whole row after an insert, update or baseline, with excluded columns left out and masked ones replaced.</param>
/// <param name="ChangedFields">The columns an update changed; null for other operations.</param>
/// <param name="DataBefore">The previous values of the changed columns (update) or the whole previous row (delete), redacted the same way.</param>
/// <param name="CapturedAt">When the change was captured (the statement's clock time).</param>
/// <param name="TransactionStartedAt">When the change's transaction began.</param>
/// <param name="ActorType">The actor's type (<c>user</c>, <c>job</c>, ...); null when the transaction carried no context.</param>
/// <param name="ActorId">The actor's id; null for an anonymous actor or no context.</param>
/// <param name="OnBehalfOfType">The type of the actor the work was done for, if any.</param>
/// <param name="OnBehalfOfId">The id of the actor the work was done for, if any.</param>
/// <param name="RequestId">The request id from the transaction's context.</param>
/// <param name="CorrelationId">The correlation id from the transaction's context.</param>
/// <param name="TraceId">The trace id from the transaction's context.</param>
/// <param name="JobId">The job or message id from the transaction's context.</param>
/// <param name="Source">The subsystem that wrote (<c>http</c>, <c>job</c>, <c>baseline</c>, ...).</param>
/// <param name="ActionId">The semantic action recorded in the same transaction, if any.</param>
/// <param name="ContextRefused">
/// Set when the transaction had a context that was not used for attribution: <c>stale</c> (left on the connection by an
/// earlier transaction, for example a session-level set behind a pooler) or <c>unstamped</c> (set without the bridges'
/// transaction stamp). The change is then recorded without an actor.
/// </param>
public sealed record AuditEntry(
    long Id,
    long TransactionId,
    string TableSchema,
    string TableName,
    string Op,
    JsonElement? RowKey,
    JsonElement? DataAfter,
    IReadOnlyList<string>? ChangedFields,
    JsonElement? DataBefore,
    DateTimeOffset CapturedAt,
    DateTimeOffset TransactionStartedAt,
    string? ActorType,
    string? ActorId,
    string? OnBehalfOfType,
    string? OnBehalfOfId,
    string? RequestId,
    string? CorrelationId,
    string? TraceId,
    string? JobId,
    string? Source,
    long? ActionId,
    string? ContextRefused = null)
{
    /// <summary>Reads the columns of <see cref="AuditSql.EntryColumns"/>, in order.</summary>
    internal static AuditEntry Read(NpgsqlDataReader reader) => new(
        reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
        Json(reader, 5), Json(reader, 6), reader.IsDBNull(7) ? null : reader.GetFieldValue<string[]>(7), Json(reader, 8),
        reader.GetFieldValue<DateTimeOffset>(9), reader.GetFieldValue<DateTimeOffset>(10),
        Text(reader, 11), Text(reader, 12), Text(reader, 13), Text(reader, 14), Text(reader, 15), Text(reader, 16),
        Text(reader, 17), Text(reader, 18), Text(reader, 19), reader.IsDBNull(20) ? null : reader.GetInt64(20), Text(reader, 21));

    internal static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    internal static JsonElement? Json(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : JsonDocument.Parse(reader.GetString(ordinal)).RootElement.Clone();
}

/// <summary>A page of entries and the cursor of the next page (null on the last page).</summary>
/// <param name="Items">The page's changes, in the order asked for.</param>
/// <param name="NextCursor">Pass it back for the next page; <see langword="null"/> on the last page.</param>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Items, string? NextCursor);

/// <summary>How a row stood at a point in time.</summary>
public enum RowStateKind
{
    /// <summary>The row existed; <see cref="RowState.Data"/> is its (redacted) image.</summary>
    Exists,

    /// <summary>The row had been deleted (or its table truncated) by then.</summary>
    Deleted,

    /// <summary>The row was first inserted later.</summary>
    NotYetCreated,

    /// <summary>The time is before capture began on the table: the audit trail cannot say.</summary>
    BeforeAuditing,

    /// <summary>Capture was on, but the row has no change up to then: it predates capture and was not changed since (or never existed).</summary>
    NoHistory,
}

/// <summary>The answer of a point-in-time query about one row.</summary>
/// <param name="State">Whether the row existed then, or why that cannot be said.</param>
/// <param name="Data">The row's (redacted) image when it existed; null otherwise.</param>
/// <param name="ChangeId">The change that decided the answer, if any.</param>
/// <param name="AuditingSince">When capture began on the table (null when the table was never captured).</param>
/// <param name="ChangedAt">When the deciding change was captured, if any.</param>
public sealed record RowState(RowStateKind State, JsonElement? Data, long? ChangeId, DateTimeOffset? ChangedAt, DateTimeOffset? AuditingSince);

/// <summary>One field of a change: before and after, and whether the values are masked placeholders.</summary>
/// <param name="Field">The column's name.</param>
/// <param name="Before">The value before the change (for an unchanged column of an update, its current value); <see langword="null"/> for an insert.</param>
/// <param name="After">The value after the change; <see langword="null"/> after a delete.</param>
/// <param name="Changed">Whether the change altered this column.</param>
/// <param name="Masked">Whether the values are the mask placeholder, not the real values.</param>
public sealed record FieldDiff(string Field, JsonElement? Before, JsonElement? After, bool Changed, bool Masked);

/// <summary>A change seen field by field.</summary>
/// <param name="Change">The change with its transaction's context.</param>
/// <param name="Fields">Each recorded column, before and after.</param>
public sealed record ChangeDiff(AuditEntry Change, IReadOnlyList<FieldDiff> Fields);

/// <summary>What an actor changed in a window, per table and operation.</summary>
/// <param name="TableSchema">The changed table's schema.</param>
/// <param name="TableName">The changed table's name.</param>
/// <param name="Op">The operation (insert, update, delete, truncate).</param>
/// <param name="Changes">Changes of this kind on this table.</param>
/// <param name="Transactions">Transactions they were made in.</param>
/// <param name="First">When the first of them was captured.</param>
/// <param name="Last">When the last of them was captured.</param>
public sealed record ActorActivity(string TableSchema, string TableName, string Op, long Changes, long Transactions, DateTimeOffset First, DateTimeOffset Last);

/// <summary>A semantic action recorded with <c>threadline.record_action</c>.</summary>
/// <param name="Id">The action's id.</param>
/// <param name="Name">What was done, as recorded (for example <c>post.publish</c>).</param>
/// <param name="Status"><c>ok</c> or <c>error</c>.</param>
/// <param name="Reason">Why, in the caller's words; <see langword="null"/> for none.</param>
/// <param name="ActorType">The type of the actor who recorded it.</param>
/// <param name="ActorId">The actor's id; <see langword="null"/> for an anonymous actor.</param>
/// <param name="RequestId">The request id from the transaction's context.</param>
/// <param name="CorrelationId">The correlation id from the transaction's context.</param>
/// <param name="JobId">The job or message id from the transaction's context.</param>
/// <param name="TraceId">The trace id from the transaction's context.</param>
/// <param name="RecordedAt">When the action was recorded.</param>
public sealed record AuditAction(
    long Id, string Name, string Status, string? Reason, string ActorType, string? ActorId, string? RequestId,
    string? CorrelationId, string? JobId, string? TraceId, DateTimeOffset RecordedAt);
