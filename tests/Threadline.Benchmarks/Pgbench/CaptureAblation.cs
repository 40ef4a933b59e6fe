using Npgsql;
using Threadline.Capture;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>
/// The current capture with one half taken out, to split its cost: only the transaction row (the trigger calls
/// ensure_transaction and writes no change), or only the change rows (a constant transaction id, no transaction row).
/// Measures of where the cost goes, never designs to adopt: the first records nothing, the second no actor.
/// </summary>
public static class CaptureAblation
{
    private const string TransactionCall = "(SELECT \"threadline\".ensure_transaction('public.items', false))";

    public static async Task TransactionRowOnlyAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await PgbenchVariants.InstallCurrentAsync(connection, cancellationToken);
        await Sql.ExecuteAsync(connection, $"""
            CREATE OR REPLACE FUNCTION {Function}() RETURNS trigger
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
            BEGIN
                PERFORM "threadline".ensure_transaction('public.items', false);
                RETURN NULL;
            END $fn$;
            """, cancellationToken);
    }

    public static async Task ChangeRowsOnlyAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await PgbenchVariants.InstallCurrentAsync(connection, cancellationToken);
        await using var read = new NpgsqlCommand($"SELECT pg_get_functiondef('{Function}()'::regprocedure)", connection);
        var definition = (string)(await read.ExecuteScalarAsync(cancellationToken))!;
        if (!definition.Contains(TransactionCall, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The capture function no longer calls {TransactionCall}; update {nameof(CaptureAblation)}.");
        }

        await Sql.ExecuteAsync(connection, definition.Replace(TransactionCall, "0::bigint", StringComparison.Ordinal), cancellationToken);
    }

    private static string Function => "\"threadline\".\"" + CaptureSqlGenerator.FunctionName("public", ItemsTable.Name) + "\"";
}
