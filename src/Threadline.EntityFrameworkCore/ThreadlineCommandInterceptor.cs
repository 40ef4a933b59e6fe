using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Threadline.Schema;

namespace Threadline.EntityFrameworkCore;

/// <summary>
/// Stamps the audit context into EF Core writes that run outside a transaction (ExecuteUpdate, ExecuteDelete,
/// raw SQL): the command is prefixed with the audit schema's <c>CALL set_context(...)</c>, a transaction-local
/// <c>set_config</c> that adds no result set, and the statements of one command share one implicit transaction.
/// Writes inside a transaction are stamped once per transaction (see <see cref="ThreadlineTransactionInterceptor"/>).
/// </summary>
/// <param name="accessor">Supplies the current audit context.</param>
/// <param name="stamped">Shared with the <see cref="ThreadlineTransactionInterceptor"/> of the same context options.</param>
/// <param name="schema">The audit schema's options when it is not installed under the default name.</param>
public sealed class ThreadlineCommandInterceptor(IAuditContextAccessor accessor, StampedTransactions stamped, ThreadlineSchemaOptions? schema = null) : DbCommandInterceptor
{
    internal const string ParameterName = "threadline_context";

    private readonly string _setContextPrefix = AuditSchemaNames.For(schema).CallSetContextSql.Replace("$1", "@" + ParameterName, StringComparison.Ordinal) + ";\n";

    /// <summary>The audit schema this context writes to (RecordThreadlineActionAsync finds it here).</summary>
    internal AuditSchemaNames Names { get; } = AuditSchemaNames.For(schema);

    /// <summary>The audit schema's options (RecordThreadlineActionWithSummaryAsync passes them on).</summary>
    internal ThreadlineSchemaOptions? Schema => schema;

    /// <summary>Shared with the transaction interceptor (RecordThreadlineActionWithSummaryAsync hands it the summary).</summary>
    internal StampedTransactions Stamped => stamped;

    /// <summary>
    /// Stamps the command before EF Core runs it when a context is current and the command may write: outside a transaction
    /// the command is prefixed with <c>CALL threadline.set_context(...)</c>; inside one, the transaction is stamped once
    /// first. Read-only commands are left alone.
    /// </summary>
    /// <param name="command">The command about to run; its text and parameters may be changed.</param>
    /// <param name="eventData">EF Core's event data (not used).</param>
    /// <param name="result">Passed through unchanged.</param>
    /// <returns><paramref name="result"/>.</returns>
    /// <exception cref="InvalidOperationException">
    /// A command outside a transaction uses positional (<c>$1</c>) parameters, which a prefix would shift, or the provider is
    /// not Npgsql.
    /// </exception>
    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Stamp(command);
        return result;
    }

    /// <summary>
    /// Stamps the command before EF Core runs it when a context is current and the command may write: outside a transaction
    /// the command is prefixed with <c>CALL threadline.set_context(...)</c>; inside one, the transaction is stamped once
    /// first. Read-only commands are left alone.
    /// </summary>
    /// <param name="command">The command about to run; its text and parameters may be changed.</param>
    /// <param name="eventData">EF Core's event data (not used).</param>
    /// <param name="result">Passed through unchanged.</param>
    /// <param name="cancellationToken">Cancels stamping the transaction.</param>
    /// <returns><paramref name="result"/>.</returns>
    /// <exception cref="InvalidOperationException">
    /// A command outside a transaction uses positional (<c>$1</c>) parameters, which a prefix would shift, or the provider is
    /// not Npgsql.
    /// </exception>
    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await StampAsync(command, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Stamps the command before EF Core runs it when a context is current and the command may write: outside a transaction
    /// the command is prefixed with <c>CALL threadline.set_context(...)</c>; inside one, the transaction is stamped once
    /// first. Read-only commands are left alone.
    /// </summary>
    /// <param name="command">The command about to run; its text and parameters may be changed.</param>
    /// <param name="eventData">EF Core's event data (not used).</param>
    /// <param name="result">Passed through unchanged.</param>
    /// <returns><paramref name="result"/>.</returns>
    /// <exception cref="InvalidOperationException">
    /// A command outside a transaction uses positional (<c>$1</c>) parameters, which a prefix would shift, or the provider is
    /// not Npgsql.
    /// </exception>
    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Stamp(command);
        return result;
    }

    /// <summary>
    /// Stamps the command before EF Core runs it when a context is current and the command may write: outside a transaction
    /// the command is prefixed with <c>CALL threadline.set_context(...)</c>; inside one, the transaction is stamped once
    /// first. Read-only commands are left alone.
    /// </summary>
    /// <param name="command">The command about to run; its text and parameters may be changed.</param>
    /// <param name="eventData">EF Core's event data (not used).</param>
    /// <param name="result">Passed through unchanged.</param>
    /// <param name="cancellationToken">Cancels stamping the transaction.</param>
    /// <returns><paramref name="result"/>.</returns>
    /// <exception cref="InvalidOperationException">
    /// A command outside a transaction uses positional (<c>$1</c>) parameters, which a prefix would shift, or the provider is
    /// not Npgsql.
    /// </exception>
    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await StampAsync(command, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Stamps the command before EF Core runs it when a context is current and the command may write: outside a transaction
    /// the command is prefixed with <c>CALL threadline.set_context(...)</c>; inside one, the transaction is stamped once
    /// first. Read-only commands are left alone.
    /// </summary>
    /// <param name="command">The command about to run; its text and parameters may be changed.</param>
    /// <param name="eventData">EF Core's event data (not used).</param>
    /// <param name="result">Passed through unchanged.</param>
    /// <returns><paramref name="result"/>.</returns>
    /// <exception cref="InvalidOperationException">
    /// A command outside a transaction uses positional (<c>$1</c>) parameters, which a prefix would shift, or the provider is
    /// not Npgsql.
    /// </exception>
    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Stamp(command);
        return result;
    }

    /// <summary>
    /// Stamps the command before EF Core runs it when a context is current and the command may write: outside a transaction
    /// the command is prefixed with <c>CALL threadline.set_context(...)</c>; inside one, the transaction is stamped once
    /// first. Read-only commands are left alone.
    /// </summary>
    /// <param name="command">The command about to run; its text and parameters may be changed.</param>
    /// <param name="eventData">EF Core's event data (not used).</param>
    /// <param name="result">Passed through unchanged.</param>
    /// <param name="cancellationToken">Cancels stamping the transaction.</param>
    /// <returns><paramref name="result"/>.</returns>
    /// <exception cref="InvalidOperationException">
    /// A command outside a transaction uses positional (<c>$1</c>) parameters, which a prefix would shift, or the provider is
    /// not Npgsql.
    /// </exception>
    public override async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        await StampAsync(command, cancellationToken).ConfigureAwait(false);
        return result;
    }

    private void Stamp(DbCommand command)
    {
        if (Prefix(command) is { } pending)
        {
            stamped.Ensure(pending.Transaction, pending.Context);
        }
    }

    private async ValueTask StampAsync(DbCommand command, CancellationToken cancellationToken)
    {
        if (Prefix(command) is { } pending)
        {
            await stamped.EnsureAsync(pending.Transaction, pending.Context, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Prefixes an autocommit write with the context. For a write inside a transaction, returns the transaction to
    /// stamp instead (one EF or the caller began before the context was current), once, in its own command.
    /// </summary>
    private (DbTransaction Transaction, AuditContext Context)? Prefix(DbCommand command)
    {
        var mayWrite = SqlStatementKind.MayWrite(command.CommandText);
        if (mayWrite && command.Transaction is { } writing)
        {
            stamped.Wrote(writing);
        }

        var context = accessor.Current;
        if (context is null || !mayWrite)
        {
            return null;
        }

        if (command.Transaction is { } transaction)
        {
            return (transaction, context);
        }

        if (command.Parameters.Cast<DbParameter>().Any(p => string.IsNullOrEmpty(p.ParameterName)))
        {
            throw new InvalidOperationException(
                "Threadline cannot stamp a command that uses positional ($1) parameters outside a transaction; use named parameters or an explicit transaction.");
        }

        var parameter = command.CreateParameter();
        parameter.ParameterName = ParameterName;
        parameter.Value = context.ToJson();
        command.Parameters.Add(parameter);
        command.CommandText = _setContextPrefix + command.CommandText;
        ThreadlineTelemetry.ContextsStamped.Add(1, new KeyValuePair<string, object?>("threadline.bridge", "efcore-command"));
        return null;
    }
}
