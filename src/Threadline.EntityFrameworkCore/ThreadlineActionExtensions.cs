using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
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

    private static AuditSchemaNames Names(DatabaseFacade database) =>
        database.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<ThreadlineCommandInterceptor>().FirstOrDefault()?.Names
        ?? AuditSchemaNames.Default;
}
