using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Threadline.Npgsql;
using Threadline.Schema;

namespace Threadline.EntityFrameworkCore;

/// <summary>Records semantic actions through an EF Core <see cref="DatabaseFacade"/>.</summary>
public static class ThreadlineActionExtensions
{
    /// <summary>
    /// Records a semantic action ("who did what and why") in the current transaction, linked to every change captured
    /// in it, before or after. Call it inside <c>Database.BeginTransactionAsync()</c> while an audit context is
    /// current; the actor and ids come from that context. Returns the action id. The action goes to the audit schema
    /// given to <c>UseThreadline</c> (the default one without it).
    /// </summary>
    /// <remarks>
    /// Runs <c>threadline.record_action</c>, which inserts a row into <c>threadline.actions</c> with the actor and ids of the
    /// transaction's context and links the transaction's audit row to it.
    /// </remarks>
    /// <param name="database">The context's database facade, inside a transaction.</param>
    /// <param name="name">What was done, 1 to 200 characters (for example <c>post.publish</c>).</param>
    /// <param name="status"><c>ok</c> or <c>error</c>.</param>
    /// <param name="reason">Why, in the caller's words; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>The id of the new action row.</returns>
    /// <exception cref="InvalidOperationException">No transaction is open on <paramref name="database"/>.</exception>
    /// <exception cref="ArgumentException">The name is empty or longer than 200 characters, or the status is not ok or error.</exception>
    /// <exception cref="global::Npgsql.PostgresException">The transaction carries no audit context (SQLSTATE 42501).</exception>
    public static async Task<long> RecordThreadlineActionAsync(this DatabaseFacade database, string name, string status = "ok", string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        if (database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Record an action inside a transaction (Database.BeginTransactionAsync), so it is linked to that transaction's changes.");
        }

        // Only quoted schema names are put into the SQL; the values are parameters.
        var sql = Names(database).RecordActionSql + " AS \"Value\"";
        return await database
            .SqlQueryRaw<long>(sql, NpgsqlAuditExtensions.ActionParameters(name, status, reason))
            .SingleAsync(cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Records a semantic action like <see cref="RecordThreadlineActionAsync"/> and, in the same statement, reads the
    /// transaction's audit summary: the returned <see cref="RecordedAction.TransactionId"/> is the audit transaction id (no
    /// second query for it), and the commit's <c>threadline.audit</c> span takes its tags from this summary instead of
    /// querying again, unless the transaction writes after it through EF Core. Call it after the transaction's last write.
    /// </summary>
    /// <param name="database">The context's database facade, inside a transaction.</param>
    /// <param name="name">What was done, 1 to 200 characters (for example <c>post.publish</c>).</param>
    /// <param name="status"><c>ok</c> or <c>error</c>.</param>
    /// <param name="reason">Why, in the caller's words; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>The action id and the transaction's audit summary (null when it captured no change yet).</returns>
    /// <exception cref="InvalidOperationException">No transaction is open on <paramref name="database"/>, or it is not an Npgsql one.</exception>
    /// <exception cref="ArgumentException">The name is empty or longer than 200 characters, or the status is not ok or error.</exception>
    /// <exception cref="global::Npgsql.PostgresException">The transaction carries no audit context (SQLSTATE 42501).</exception>
    public static async Task<RecordedAction> RecordThreadlineActionWithSummaryAsync(this DatabaseFacade database, string name, string status = "ok", string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        var transaction = database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Record an action inside a transaction (Database.BeginTransactionAsync), so it is linked to that transaction's changes.");
        var npgsql = transaction as NpgsqlTransaction
            ?? throw new InvalidOperationException($"Threadline's EF Core bridge needs the Npgsql provider; the transaction is a {transaction.GetType().Name}.");

        // Run on the transaction's own Npgsql command: EF's SqlQueryRaw cannot read the row into an unmapped type.
        var interceptor = CommandInterceptor(database);
        var recorded = await npgsql.RecordActionWithSummaryAsync(name, status, reason, interceptor?.Schema, cancellationToken).ConfigureAwait(false);
        interceptor?.Stamped.Summarized(transaction, recorded);
        return recorded;
    }

    private static AuditSchemaNames Names(DatabaseFacade database) => CommandInterceptor(database)?.Names ?? AuditSchemaNames.Default;

    private static ThreadlineCommandInterceptor? CommandInterceptor(DatabaseFacade database) =>
        database.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<ThreadlineCommandInterceptor>().FirstOrDefault();
}
