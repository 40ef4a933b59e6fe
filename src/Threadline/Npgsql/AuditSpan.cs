using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Threadline.Schema;

namespace Threadline.Npgsql;

/// <summary>
/// The <c>threadline.audit</c> span: one per audited transaction, started just before its commit and ended with it. It
/// names the audit transaction id, the tables changed and the change count, and optionally links to a page showing the
/// transaction. It never carries the actor or any value (docs/telemetry.md). Started from a transaction it costs one
/// query per audited commit, and only while something listens to the <c>Threadline</c> source; started from a summary the
/// caller already has (<see cref="NpgsqlAuditExtensions.RecordActionWithSummaryAsync"/>) it costs none.
/// </summary>
public static class AuditSpan
{
    /// <summary>The span's name.</summary>
    public const string Name = "threadline.audit";
    /// <summary>The tag with the audit transaction id (the id of the row in <c>threadline.transactions</c>).</summary>
    public const string TransactionIdTag = "threadline.audit.transaction_id";
    /// <summary>The tag with the tables (schema.table) the transaction changed, as a string array.</summary>
    public const string TablesTag = "threadline.audit.tables";
    /// <summary>The tag with the number of change rows the transaction wrote.</summary>
    public const string ChangesTag = "threadline.audit.changes";
    /// <summary>The tag with the link to the transaction's page, when a URL template was given.</summary>
    public const string UrlTag = "threadline.audit.url";

    /// <summary>Where the <c>urlTemplate</c> of <see cref="StartAsync"/> takes the audit transaction id.</summary>
    public const string IdPlaceholder = "{id}";

    /// <summary>
    /// Starts the span when the transaction wrote audited rows and the source has listeners; null otherwise. End it
    /// (Dispose) after the commit; on a failed commit set an error status first.
    /// </summary>
    /// <param name="transaction">The open transaction, before its commit; the summary is read in it.</param>
    /// <param name="urlTemplate">For example <c>https://admin.example/ui/transactions/{id}</c>; null for no link.</param>
    /// <param name="cancellationToken">Cancels the summary query.</param>
    /// <returns>The started span, or <see langword="null"/> when nothing listens or the transaction wrote no audited rows.</returns>
    /// <exception cref="InvalidOperationException">The transaction is already completed.</exception>
    /// <param name="schema">The audit schema's options when it is not installed under the default name.</param>
    public static async Task<Activity?> StartAsync(NpgsqlTransaction transaction, string? urlTemplate = null, ThreadlineSchemaOptions? schema = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (!ThreadlineTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        await using var command = CreateSummaryCommand(transaction, schema);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Start(reader, urlTemplate) : null;
    }

    /// <summary>Synchronous twin of <see cref="StartAsync"/>.</summary>
    public static Activity? Start(NpgsqlTransaction transaction, string? urlTemplate = null, ThreadlineSchemaOptions? schema = null)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (!ThreadlineTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        using var command = CreateSummaryCommand(transaction, schema);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Start(reader, urlTemplate) : null;
    }

    /// <summary>
    /// Starts the span from a summary read earlier in the transaction, after its last write (for example with the action,
    /// <see cref="NpgsqlAuditExtensions.RecordActionWithSummaryAsync"/>): no query. Null when nothing listens. End it
    /// (Dispose) after the commit; on a failed commit set an error status first.
    /// </summary>
    /// <param name="summary">The transaction's audit summary, taken after its last write.</param>
    /// <param name="urlTemplate">For example <c>https://admin.example/ui/transactions/{id}</c>; null for no link.</param>
    /// <returns>The started span, or <see langword="null"/> when nothing listens.</returns>
    public static Activity? Start(AuditTransactionSummary summary, string? urlTemplate = null)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return ThreadlineTelemetry.ActivitySource.HasListeners()
            ? Start(summary.TransactionId, summary.Tables as string[] ?? [.. summary.Tables], summary.Changes, urlTemplate)
            : null;
    }

    private static NpgsqlCommand CreateSummaryCommand(NpgsqlTransaction transaction, ThreadlineSchemaOptions? schema) =>
        new($"SELECT transaction_id, tables, changes FROM {AuditSchemaNames.For(schema).CurrentTransactionSummary}()", transaction.Connection ?? throw new InvalidOperationException("The transaction is already completed."), transaction);

    // Without audited changes the function still returns its one row, all NULL.
    private static Activity? Start(NpgsqlDataReader reader, string? urlTemplate) =>
        AuditTransactionSummary.Read(reader, 0) is { } summary ? Start(summary, urlTemplate) : null;

    private static Activity? Start(long transactionId, string[] tables, long changes, string? urlTemplate)
    {
        var activity = ThreadlineTelemetry.ActivitySource.StartActivity(Name);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag(TransactionIdTag, transactionId);
        activity.SetTag(TablesTag, tables);
        activity.SetTag(ChangesTag, changes);
        if (!string.IsNullOrEmpty(urlTemplate))
        {
            activity.SetTag(UrlTag, urlTemplate.Replace(IdPlaceholder, transactionId.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }

        return activity;
    }
}
