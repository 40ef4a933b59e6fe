using System.Data.Common;
using System.Runtime.CompilerServices;
using Npgsql;
using Threadline.Npgsql;

namespace Threadline.EntityFrameworkCore;

/// <summary>Remembers which transactions already carry which audit context, so each is stamped once.</summary>
public sealed class StampedTransactions
{
    private readonly ConditionalWeakTable<DbTransaction, AuditContext> _stamped = new();

    // The summary read with an action (RecordThreadlineActionWithSummaryAsync), for the audit span at commit: valid until
    // the transaction writes again or ends.
    private readonly ConditionalWeakTable<DbTransaction, RecordedAction> _summaries = new();

    internal void Ensure(DbTransaction transaction, AuditContext context)
    {
        if (NeedsStamp(transaction, context))
        {
            AsNpgsql(transaction).SetAuditContext(context);
            _stamped.AddOrUpdate(transaction, context);
        }
    }

    internal async ValueTask EnsureAsync(DbTransaction transaction, AuditContext context, CancellationToken cancellationToken)
    {
        if (NeedsStamp(transaction, context))
        {
            await AsNpgsql(transaction).SetAuditContextAsync(context, cancellationToken).ConfigureAwait(false);
            _stamped.AddOrUpdate(transaction, context);
        }
    }

    /// <summary>
    /// Forgets a transaction that ended or began anew. Npgsql hands out the same <see cref="NpgsqlTransaction"/> object for
    /// every transaction of one open connection, so without this a later transaction (a retry, the next SaveChanges)
    /// under the same audit context would look stamped already and run without it.
    /// </summary>
    internal void Forget(DbTransaction transaction)
    {
        _stamped.Remove(transaction);
        _summaries.Remove(transaction);
    }

    /// <summary>Keeps the audit summary read with an action, so the commit's audit span needs no query of its own.</summary>
    internal void Summarized(DbTransaction transaction, RecordedAction action) => _summaries.AddOrUpdate(transaction, action);

    /// <summary>A write after the action makes its summary stale: the span then reads its own.</summary>
    internal void Wrote(DbTransaction transaction) => _summaries.Remove(transaction);

    /// <summary>Takes the summary kept for the transaction, if it is still current (null inside: it captured no change).</summary>
    internal bool TryTakeSummary(DbTransaction transaction, out AuditTransactionSummary? summary)
    {
        if (_summaries.TryGetValue(transaction, out var action))
        {
            _summaries.Remove(transaction);
            summary = action.Transaction;
            return true;
        }

        summary = null;
        return false;
    }

    /// <summary>Whether the transaction carries an audit context: only those can have written audited rows.</summary>
    internal bool IsStamped(DbTransaction transaction) => _stamped.TryGetValue(transaction, out _);

    private bool NeedsStamp(DbTransaction transaction, AuditContext context) =>
        !(_stamped.TryGetValue(transaction, out var current) && ReferenceEquals(current, context));

    private static NpgsqlTransaction AsNpgsql(DbTransaction transaction) =>
        transaction as NpgsqlTransaction
        ?? throw new InvalidOperationException($"Threadline's EF Core bridge needs the Npgsql provider; the transaction is a {transaction.GetType().Name}.");
}
