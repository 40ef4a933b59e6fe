using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Threadline.EntityFrameworkCore;

/// <summary>
/// Sets the audit context as soon as a transaction begins (Npgsql sends BEGIN with it: one round trip), and makes
/// SaveChanges always run in a transaction while a context is current. EF reads the rows affected of a
/// SaveChanges batch statement by statement, so the context cannot ride as an extra statement in that batch.
/// </summary>
public sealed class ThreadlineTransactionInterceptor(IAuditContextAccessor accessor, StampedTransactions stamped)
    : DbTransactionInterceptor, ISaveChangesInterceptor
{
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

    private void RequireTransaction(DbContext? context)
    {
        if (context is not null && accessor.Current is not null && context.Database.CurrentTransaction is null)
        {
            context.Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
        }
    }
}
