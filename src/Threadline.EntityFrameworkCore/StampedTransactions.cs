using System.Data.Common;
using System.Runtime.CompilerServices;
using Threadline.Npgsql;

namespace Threadline.EntityFrameworkCore;

/// <summary>Remembers which transactions already carry which audit context, so each is stamped once.</summary>
public sealed class StampedTransactions
{
    private readonly ConditionalWeakTable<DbTransaction, AuditContext> _stamped = new();

    internal async ValueTask EnsureAsync(DbTransaction transaction, AuditContext context, bool synchronous, CancellationToken cancellationToken)
    {
        if (_stamped.TryGetValue(transaction, out var current) && ReferenceEquals(current, context))
        {
            return;
        }

        var connection = transaction.Connection ?? throw new InvalidOperationException("The transaction has completed.");
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = NpgsqlAuditExtensions.SetContextSql.Replace("$1", "@threadline_context", StringComparison.Ordinal);
        var parameter = command.CreateParameter();
        parameter.ParameterName = "threadline_context";
        parameter.Value = context.ToJson();
        command.Parameters.Add(parameter);
        if (synchronous)
        {
            command.ExecuteNonQuery();
        }
        else
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        _stamped.AddOrUpdate(transaction, context);
    }
}
