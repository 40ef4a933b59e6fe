using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Threadline.Npgsql;
using Threadline.Schema;

namespace Threadline.EntityFrameworkCore;

public static class ThreadlineActionExtensions
{
    /// <summary>
    /// Records a semantic action ("who did what and why") in the current transaction, linked to every change captured
    /// in it, before or after. Call it inside <c>Database.BeginTransactionAsync()</c> while an audit context is
    /// current; the actor and ids come from that context. Returns the action id. The action goes to the audit schema
    /// given to <c>UseThreadline</c> (the default one without it).
    /// </summary>
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
