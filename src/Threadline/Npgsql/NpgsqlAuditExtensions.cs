using System.Data;
using Npgsql;
using Threadline.Schema;

namespace Threadline.Npgsql;

/// <summary>
/// The actor bridge for raw Npgsql. The context is always set with <c>set_config(..., true)</c>: it lives only until
/// the end of the current transaction, so it cannot leak through a transaction-mode pooler such as PgBouncer. It is
/// stamped with the transaction that set it (<c>threadline.context_tx</c>), so that the capture refuses a context some
/// other client left on the connection with a session-level setting (docs/capture.md).
/// </summary>
public static class NpgsqlAuditExtensions
{
    /// <summary>
    /// The statement that hands the context to PostgreSQL: the context and its stamp (this transaction's start time in
    /// microseconds, the expression of <c>threadline.context_stamp()</c>), both transaction-local. Needs no schema.
    /// </summary>
    public const string SetContextSql =
        "SELECT set_config('threadline.context', $1, true), set_config('threadline.context_tx', (extract(epoch FROM now()) * 1000000)::bigint::text, true)";

    /// <summary>
    /// Begins a transaction and sets the audit context in it. Npgsql sends BEGIN together with the set_config
    /// statement, so this costs one round trip.
    /// </summary>
    public static async Task<NpgsqlTransaction> BeginAuditedTransactionAsync(
        this NpgsqlConnection connection,
        AuditContext context,
        IsolationLevel isolationLevel = IsolationLevel.Unspecified,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(context);
        var json = context.ToJson();
        var transaction = await connection.BeginTransactionAsync(isolationLevel, cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = CreateSetContextCommand(connection, json);
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sets the audit context inside an already open transaction.</summary>
    public static async Task SetAuditContextAsync(
        this NpgsqlTransaction transaction,
        AuditContext context,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(context);
        var connection = transaction.Connection
            ?? throw new InvalidOperationException("The transaction is already completed.");
        await using var command = CreateSetContextCommand(connection, context.ToJson());
        command.Transaction = transaction;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets the audit context inside an already open transaction (synchronous twin of <see cref="SetAuditContextAsync"/>).</summary>
    public static void SetAuditContext(this NpgsqlTransaction transaction, AuditContext context)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(context);
        var connection = transaction.Connection
            ?? throw new InvalidOperationException("The transaction is already completed.");
        using var command = CreateSetContextCommand(connection, context.ToJson());
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Puts the context hand-over (<see cref="AuditSchemaNames.CallSetContextSql"/>) first in a batch. A batch runs as
    /// one implicit transaction even without BEGIN, so the writes that follow in the batch are attributed, with no
    /// extra round trip.
    /// </summary>
    /// <param name="batch">The batch whose writes are attributed; the hand-over is inserted as its first command.</param>
    /// <param name="context">The audit context of the batch's writes.</param>
    /// <param name="schema">The audit schema's options when it is not installed under the default name.</param>
    /// <returns>The same batch, for chaining.</returns>
    public static NpgsqlBatch WithAuditContext(this NpgsqlBatch batch, AuditContext context, ThreadlineSchemaOptions? schema = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(context);
        var command = new NpgsqlBatchCommand(AuditSchemaNames.For(schema).CallSetContextSql);
        command.Parameters.Add(new NpgsqlParameter { Value = context.ToJson() });
        batch.BatchCommands.Insert(0, command);
        ThreadlineTelemetry.ContextsStamped.Add(1, new KeyValuePair<string, object?>("threadline.bridge", "batch"));
        return batch;
    }

    /// <summary>
    /// Records a semantic action ("who did what and why") in this transaction, linked to every change captured in it,
    /// before or after. The actor and ids come from the transaction's audit context. Returns the action id.
    /// </summary>
    /// <param name="transaction">The transaction the action belongs to; its audit context must be set.</param>
    /// <param name="name">What was done, e.g. <c>orders.refund</c>.</param>
    /// <param name="status"><c>ok</c> or <c>error</c>.</param>
    /// <param name="reason">Why, in the caller's words; optional.</param>
    /// <param name="schema">The audit schema's options when it is not installed under the default name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The id of the action row.</returns>
    public static async Task<long> RecordActionAsync(this NpgsqlTransaction transaction, string name, string status = "ok", string? reason = null, ThreadlineSchemaOptions? schema = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var connection = transaction.Connection
            ?? throw new InvalidOperationException("The transaction is already completed.");
        await using var command = new NpgsqlCommand(AuditSchemaNames.For(schema).RecordActionSql, connection, transaction);
        command.Parameters.AddRange(ActionParameters(name, status, reason));
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Records a semantic action like <see cref="RecordActionAsync"/> and, in the same statement, reads the transaction's
    /// audit summary (<c>current_transaction_summary()</c>): the caller gets the audit transaction id without asking for it
    /// again, and can start the audit span from it (<see cref="AuditSpan.Start(AuditTransactionSummary, string?)"/>) without a
    /// query. Call it after the transaction's last write, so the summary counts every change.
    /// </summary>
    /// <param name="transaction">The transaction the action belongs to; its audit context must be set.</param>
    /// <param name="name">What was done, e.g. <c>orders.refund</c>.</param>
    /// <param name="status"><c>ok</c> or <c>error</c>.</param>
    /// <param name="reason">Why, in the caller's words; optional.</param>
    /// <param name="schema">The audit schema's options when it is not installed under the default name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The action id and the transaction's audit summary (null when it captured no change yet).</returns>
    public static async Task<RecordedAction> RecordActionWithSummaryAsync(this NpgsqlTransaction transaction, string name, string status = "ok", string? reason = null, ThreadlineSchemaOptions? schema = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var connection = transaction.Connection
            ?? throw new InvalidOperationException("The transaction is already completed.");
        await using var command = new NpgsqlCommand(RecordActionWithSummarySql(AuditSchemaNames.For(schema)), connection, transaction);
        command.Parameters.AddRange(ActionParameters(name, status, reason));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException("record_action returned no row.");
        }

        return new RecordedAction(reader.GetInt64(0), AuditTransactionSummary.Read(reader, 1));
    }

    /// <summary>
    /// The action and the summary in one statement. The summary reports captured changes only, which record_action does not
    /// add to, so it reads the same whichever function PostgreSQL evaluates first.
    /// </summary>
    private static string RecordActionWithSummarySql(AuditSchemaNames names) =>
        $"SELECT a.id, s.transaction_id, s.tables, s.changes FROM {names.RecordAction}(@threadline_action_name, @threadline_action_status, @threadline_action_reason) AS a(id) LEFT JOIN {names.CurrentTransactionSummary}() AS s ON true";

    /// <summary>The parameters of <see cref="AuditSchemaNames.RecordActionSql"/>, validated: a name of 1 to 200 characters, status ok or error.</summary>
    public static NpgsqlParameter[] ActionParameters(string name, string status, string? reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Length > 200)
        {
            throw new ArgumentException("An action name is at most 200 characters.", nameof(name));
        }

        if (status is not ("ok" or "error"))
        {
            throw new ArgumentException("An action status is 'ok' or 'error'.", nameof(status));
        }

        return
        [
            new NpgsqlParameter("threadline_action_name", name),
            new NpgsqlParameter("threadline_action_status", status),
            new NpgsqlParameter("threadline_action_reason", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)reason ?? DBNull.Value },
        ];
    }

    private static NpgsqlCommand CreateSetContextCommand(NpgsqlConnection connection, string json)
    {
        ThreadlineTelemetry.ContextsStamped.Add(1, new KeyValuePair<string, object?>("threadline.bridge", "transaction"));
        var command = new NpgsqlCommand(SetContextSql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = json });
        return command;
    }
}
