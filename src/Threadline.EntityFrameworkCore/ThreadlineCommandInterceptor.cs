using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Threadline.Npgsql;

namespace Threadline.EntityFrameworkCore;

/// <summary>
/// Prefixes every EF Core write command with <c>set_config('threadline.context', ..., true)</c> in the same command
/// text. The statements of one command run in one transaction, so this holds for single-statement SaveChanges
/// (which EF runs without a transaction), ExecuteUpdate/ExecuteDelete and explicit transactions alike, and it costs
/// no extra round trip.
/// </summary>
public sealed class ThreadlineCommandInterceptor(IAuditContextAccessor accessor) : DbCommandInterceptor
{
    internal const string ParameterName = "threadline_context";

    // Transactions already stamped with a context: later commands of the same transaction need no prefix.
    private readonly ConditionalWeakTable<DbTransaction, AuditContext> _stamped = new();

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Stamp(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Stamp(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Stamp(command);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Stamp(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Stamp(command);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Stamp(command);
        return ValueTask.FromResult(result);
    }

    private void Stamp(DbCommand command)
    {
        var context = accessor.Current;
        if (context is null || !SqlStatementKind.MayWrite(command.CommandText))
        {
            return;
        }

        if (command.Transaction is { } transaction)
        {
            if (_stamped.TryGetValue(transaction, out var stamped) && ReferenceEquals(stamped, context))
            {
                return;
            }

            _stamped.AddOrUpdate(transaction, context);
        }

        if (command.Parameters.Cast<DbParameter>().Any(p => string.IsNullOrEmpty(p.ParameterName)))
        {
            throw new InvalidOperationException(
                "Threadline cannot stamp a command that uses positional ($1) parameters; use named parameters or set the context with NpgsqlAuditExtensions.");
        }

        var parameter = command.CreateParameter();
        parameter.ParameterName = ParameterName;
        parameter.Value = context.ToJson();
        command.Parameters.Add(parameter);
        command.CommandText = NpgsqlAuditExtensions.SetContextSql.Replace("$1", "@" + ParameterName, StringComparison.Ordinal) + ";\n" + command.CommandText;
    }
}
