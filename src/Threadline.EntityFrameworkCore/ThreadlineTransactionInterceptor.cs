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
/// <param name="schema">The audit schema's options when it is not installed under the default name.</param>
public sealed class ThreadlineTransactionInterceptor(IAuditContextAccessor accessor, StampedTransactions stamped, string? auditUrlTemplate = null, ThreadlineSchemaOptions? schema = null)
    : DbTransactionInterceptor, ISaveChangesInterceptor
{
    private readonly ConditionalWeakTable<DbTransaction, Activity> _auditSpans = new();

    public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        if (accessor.Current is { } context)
        {
            stamped.Ensure(result, context);
        }

        return result;
    }

    public override async ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        if (accessor.Current is { } context)
        {
            await stamped.EnsureAsync(result, context, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    public override InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        if (stamped.IsStamped(transaction) && AuditSpan.Start((NpgsqlTransaction)transaction, auditUrlTemplate, schema) is { } span)
        {
            _auditSpans.AddOrUpdate(transaction, span);
        }

        return result;
    }

    public override async ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        if (stamped.IsStamped(transaction) && await AuditSpan.StartAsync((NpgsqlTransaction)transaction, auditUrlTemplate, schema, cancellationToken).ConfigureAwait(false) is { } span)
        {
            _auditSpans.AddOrUpdate(transaction, span);
        }

        return result;
    }

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => EndAuditSpan(transaction, null);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        EndAuditSpan(transaction, null);
        return Task.CompletedTask;
    }

    public override void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => EndAuditSpan(transaction, eventData.Exception);

    public override Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        EndAuditSpan(transaction, eventData.Exception);
        return Task.CompletedTask;
    }

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        RequireTransaction(eventData.Context);
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        RequireTransaction(eventData.Context);
        return ValueTask.FromResult(result);
    }

    /// <summary>A failed commit rolled the audit back: the span says so, with the error type only (no message, which may quote values).</summary>
    private void EndAuditSpan(DbTransaction transaction, Exception? failure)
    {
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

    private void RequireTransaction(DbContext? context)
    {
        if (context is not null && accessor.Current is not null && context.Database.CurrentTransaction is null)
        {
            context.Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
        }
    }
}
