using Npgsql;

namespace Threadline.Npgsql;

/// <summary>
/// What the <c>threadline.audit</c> span reports of an audited transaction: its audit transaction id, the tables it changed
/// and its change count. Never the actor or a value (docs/telemetry.md).
/// </summary>
/// <param name="TransactionId">The id of the transaction's row in <c>threadline.transactions</c>.</param>
/// <param name="Tables">The tables (schema.table) the transaction changed.</param>
/// <param name="Changes">The number of change rows the transaction wrote.</param>
public sealed record AuditTransactionSummary(long TransactionId, IReadOnlyList<string> Tables, long Changes)
{
    /// <summary>
    /// Reads the columns transaction_id, tables, changes of <c>current_transaction_summary()</c> starting at
    /// <paramref name="first"/>; null when the transaction has no audit row (the function then returns one row, all NULL).
    /// </summary>
    internal static AuditTransactionSummary? Read(NpgsqlDataReader reader, int first) =>
        reader.IsDBNull(first)
            ? null
            : new(reader.GetInt64(first), reader.IsDBNull(first + 1) ? [] : reader.GetFieldValue<string[]>(first + 1), reader.GetInt64(first + 2));
}
