using System.Data.Common;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Threadline.Npgsql;
using Threadline.Schema;

namespace Threadline.EntityFrameworkCore;

/// <summary>
/// Sets the audit context as soon as a transaction begins (Npgsql sends BEGIN with it: one round trip), and makes
/// SaveChanges always run in a transaction while a context is current. EF reads the rows affected of a
/// SaveChanges batch statement by statement, so the context cannot ride as an extra statement in that batch.
/// Around the commit of a stamped transaction it emits the <c>threadline.audit</c> span (<see cref="AuditSpan"/>).
/// </summary>
/// <param name="accessor">Supplies the current audit context.</param>
/// <param name="stamped">Shared with the <see cref="ThreadlineCommandInterceptor"/> of the same context options.</param>
/// <param name="auditUrlTemplate">A page showing an audit transaction, with <c>{id}</c> for its id, put on the audit span; null for none.</param>
/// <param name="schema">The audit schema's options when it is not installed under the default name.</param>
public sealed class ThreadlineTransactionInterceptor(IAuditContextAccessor accessor, StampedTransactions stamped, string? auditUrlTemplate = null, ThreadlineSchemaOptions? schema = null)
    : DbTransactionInterceptor, ISaveChangesInterceptor
{
    private readonly ConditionalWeakTable<DbTransaction, Activity> _auditSpans = new();

    /// <summary>
    /// Sets the current audit context in the transaction EF Core just began (a transaction-local <c>set_config</c>); nothing
    /// happens when no context is current.
    /// </summary>
    /// <param name="connection">The transaction's connection.</param>
    /// <param name="eventData">EF Core's event data (not used).</param>
    /// <param name="result">The transaction that began.</param>
    /// <returns><paramref name="result"/>.</returns>
    public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        stamped.Forget(result);
        if (accessor.Current is { } context)
        {
            stamped.Ensure(result, context);
        }

        return result;
    }

    /// <summary>
    /// Sets the current audit context in the transaction EF Core just began (a transaction-local <c>set_config</c>); nothing
    /// happens when no context is current.
    /// </summary>
    /// <param name="connection">The transaction's connection.</param>
    /// <param name="eventData">EF Core's event data (not used).</param>
    /// <param name="result">The transaction that began.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns><paramref name="result"/>.</returns>
    public override async ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        stamped.Forget(result);
        if (accessor.Current is { } context)
        {
            await stamped.EnsureAsync(result, context, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>
    /// Starts the <c>threadline.audit</c> span before a stamped transaction commits, while the <c>Threadline</c> source is
    /// traced. It reads the transaction's audit summary in the same transaction, unless the summary read with its action
    /// (<see cref="ThreadlineActionExtensions.RecordThreadlineActionWithSummaryAsync"/>) is still current: then no query.
    /// </summary>
    /// <param name="transaction">The transaction about to commit.</param>
    /// <param name="eventData">EF Core's event data (not used).</param>
    /// <param name="result">Passed through unchanged.</param>
    /// <returns><paramref name="result"/>.</returns>
    public override InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        if (stamped.IsStamped(transaction) && (stamped.TryTakeSummary(transaction, out var summary) ? StartFrom(summary) : AuditSpan.Start((NpgsqlTransaction)transaction, auditUrlTemplate, schema)) is { } span)
        {
            _auditSpans.AddOrUpdate(transaction, span);
        }

        return result;
    }

    /// <summary>
    /// Starts the <c>threadline.audit</c> span before a stamped transaction commits, while the <c>Threadline</c> source is
    /// traced. It reads the transaction's audit summary in the same transaction, unless the summary read with its action
    /// (<see cref="ThreadlineActionExtensions.RecordThreadlineActionWithSummaryAsync"/>) is still current: then no query.
    /// </summary>
    /// <param name="transaction">The transaction about to commit.</param>
    /// <param name="eventData">EF Core's event data (not used).</param>
    /// <param name="result">Passed through unchanged.</param>
    /// <param name="cancellationToken">Cancels reading the summary.</param>
    /// <returns><paramref name="result"/>.</returns>
    public override async ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        if (stamped.IsStamped(transaction) && (stamped.TryTakeSummary(transaction, out var summary) ? StartFrom(summary) : await AuditSpan.StartAsync((NpgsqlTransaction)transaction, auditUrlTemplate, schema, cancellationToken).ConfigureAwait(false)) is { } span)
        {
            _auditSpans.AddOrUpdate(transaction, span);
        }

        return result;
    }

    /// <summary>Ends the transaction's audit span, if one was started, as successful.</summary>
    /// <param name="transaction">The committed transaction.</param>
    /// <param name="eventData">EF Core's event data (not used).</param>
    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => EndAuditSpan(transaction, null);

    /// <summary>Ends the transaction's audit span, if one was started, as successful.</summary>
    /// <param name="transaction">The committed transaction.</param>
    /// <param name="eventData">EF Core's event data (not used).</param>
    /// <param name="cancellationToken">Not used: ending the span does no I/O.</param>
    /// <returns>A completed task.</returns>
    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        EndAuditSpan(transaction, null);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Ends the transaction's audit span, if one was started, as failed (nothing was audited), with the exception's type but
    /// not its message, which may quote row values.
    /// </summary>
    /// <param name="transaction">The transaction whose commit failed.</param>
    /// <param name="eventData">Carries the exception.</param>
    public override void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => EndAuditSpan(transaction, eventData.Exception);

    /// <summary>
    /// Ends the transaction's audit span, if one was started, as failed (nothing was audited), with the exception's type but
    /// not its message, which may quote row values.
    /// </summary>
    /// <param name="transaction">The transaction whose commit failed.</param>
    /// <param name="eventData">Carries the exception.</param>
    /// <param name="cancellationToken">Not used: ending the span does no I/O.</param>
    /// <returns>A completed task.</returns>
    public override Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        EndAuditSpan(transaction, eventData.Exception);
        return Task.CompletedTask;
    }

    /// <summary>Forgets the rolled-back transaction's stamp, so the next transaction on its connection is stamped anew.</summary>
    /// <param name="transaction">The rolled-back transaction.</param>
    /// <param name="eventData">EF Core's event data (not used).</param>
    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => stamped.Forget(transaction);

    /// <summary>Forgets the rolled-back transaction's stamp, so the next transaction on its connection is stamped anew.</summary>
    /// <param name="transaction">The rolled-back transaction.</param>
    /// <param name="eventData">EF Core's event data (not used).</param>
    /// <param name="cancellationToken">Not used: forgetting does no I/O.</param>
    /// <returns>A completed task.</returns>
    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        stamped.Forget(transaction);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Forgets any stamp of a transaction handed to EF Core with <c>UseTransaction</c>: it may be a new transaction on a
    /// reused object, so its first write stamps it.
    /// </summary>
    /// <param name="connection">The transaction's connection.</param>
    /// <param name="eventData">EF Core's event data (not used).</param>
    /// <param name="result">The transaction EF Core now uses.</param>
    /// <returns><paramref name="result"/>.</returns>
    public override DbTransaction TransactionUsed(DbConnection connection, TransactionEventData eventData, DbTransaction result)
    {
        stamped.Forget(result);
        return result;
    }

    /// <summary>
    /// Forgets any stamp of a transaction handed to EF Core with <c>UseTransaction</c>: it may be a new transaction on a
    /// reused object, so its first write stamps it.
    /// </summary>
    /// <param name="connection">The transaction's connection.</param>
    /// <param name="eventData">EF Core's event data (not used).</param>
    /// <param name="result">The transaction EF Core now uses.</param>
    /// <param name="cancellationToken">Not used: forgetting does no I/O.</param>
    /// <returns><paramref name="result"/>.</returns>
    public override ValueTask<DbTransaction> TransactionUsedAsync(DbConnection connection, TransactionEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        stamped.Forget(result);
        return ValueTask.FromResult(result);
    }

    /// <summary>
    /// Makes SaveChanges run in a transaction (<see cref="AutoTransactionBehavior.Always"/>) when an audit context is current
    /// and none is open, so the context can be set once, at BEGIN, for all of its statements.
    /// </summary>
    /// <param name="eventData">Carries the context being saved.</param>
    /// <param name="result">Passed through unchanged.</param>
    /// <returns><paramref name="result"/>.</returns>
    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        RequireTransaction(eventData.Context);
        return result;
    }

    /// <summary>
    /// Makes SaveChanges run in a transaction (<see cref="AutoTransactionBehavior.Always"/>) when an audit context is current
    /// and none is open, so the context can be set once, at BEGIN, for all of its statements.
    /// </summary>
    /// <param name="eventData">Carries the context being saved.</param>
    /// <param name="result">Passed through unchanged.</param>
    /// <param name="cancellationToken">Not used.</param>
    /// <returns><paramref name="result"/>.</returns>
    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        RequireTransaction(eventData.Context);
        return ValueTask.FromResult(result);
    }

    /// <summary>A failed commit rolled the audit back: the span says so, with the error type only (no message, which may quote values).</summary>
    private void EndAuditSpan(DbTransaction transaction, Exception? failure)
    {
        stamped.Forget(transaction);
        if (!_auditSpans.TryGetValue(transaction, out var span))
        {
            return;
        }

        _auditSpans.Remove(transaction);
        if (failure is not null)
        {
            span.SetStatus(ActivityStatusCode.Error, "The commit failed; nothing was audited.");
            span.SetTag("error.type", failure.GetType().FullName);
        }

        span.Dispose();
    }

    private Activity? StartFrom(AuditTransactionSummary? summary) =>
        summary is null ? null : AuditSpan.Start(summary, auditUrlTemplate);

    private void RequireTransaction(DbContext? context)
    {
        if (context is not null && accessor.Current is not null && context.Database.CurrentTransaction is null)
        {
            context.Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
        }
    }
}
