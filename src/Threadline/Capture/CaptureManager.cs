using System.Text.Json;
using Npgsql;
using Threadline.Schema;

namespace Threadline.Capture;

/// <summary>A table's capture state as recorded by Threadline.</summary>
public sealed record CapturedTable(string Schema, string Table, string FunctionName, IReadOnlyList<string> KeyColumns, string OptionsJson, DateTimeOffset EnabledAt);

/// <summary>
/// Enables, changes and disables capture per table. Every call is idempotent and runs in one transaction on a
/// direct connection, as DDL should.
/// </summary>
public sealed class CaptureManager(ThreadlineSchemaOptions? options = null)
{
    public ThreadlineSchemaOptions Options { get; } = options ?? ThreadlineSchemaOptions.Default;

    /// <summary>Reads a table's columns and primary key; throws <see cref="CaptureException"/> when the table does not exist.</summary>
    public async Task<TableDefinition> DescribeAsync(NpgsqlConnection connection, string schema, string table, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT c.oid,
                   array(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum),
                   coalesce(array(SELECT a.attname::text
                                    FROM pg_catalog.pg_index i
                                    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                                    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                                   WHERE i.indrelid = c.oid AND i.indisprimary ORDER BY k.ord), '{}')
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new CaptureException($"Table {schema}.{table} does not exist (names are case-sensitive).");
        }

        return new TableDefinition(schema, table, reader.GetFieldValue<string[]>(1), reader.GetFieldValue<string[]>(2));
    }

    /// <summary>The DDL that <see cref="EnableAsync"/> would run, for review or for a migration tool.</summary>
    public async Task<string> GetEnableScriptAsync(NpgsqlConnection connection, TableCaptureOptions options, CancellationToken cancellationToken = default)
    {
        var table = await DescribeAsync(connection, options.Schema, options.Table, cancellationToken).ConfigureAwait(false);
        return CaptureSqlGenerator.EnableSql(table, options, Options) + "\n" + RegisterSql(table, options);
    }

    /// <summary>Enables capture on a table, or applies new options to it. Rerunning with the same options is harmless.</summary>
    public async Task<CapturedTable> EnableAsync(NpgsqlConnection connection, TableCaptureOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var table = await DescribeAsync(connection, options.Schema, options.Table, cancellationToken).ConfigureAwait(false);
        var sql = CaptureSqlGenerator.EnableSql(table, options, Options) + "\n" + RegisterSql(table, options);
        await using (var command = new NpgsqlCommand(sql, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        var listed = await ListAsync(connection, cancellationToken).ConfigureAwait(false);
        return listed.Single(t => t.Schema == options.Schema && t.Table == options.Table);
    }

    /// <summary>Removes the capture triggers and function of a table. Its audit history stays.</summary>
    public async Task DisableAsync(NpgsqlConnection connection, string schema, string table, CancellationToken cancellationToken = default)
    {
        var sql = CaptureSqlGenerator.DisableSql(schema, table, Options) +
                  $"\nDELETE FROM {SqlIdentifier.Qualified(Options.Schema, "captured_tables")} WHERE table_schema = {SqlIdentifier.Literal(schema)} AND table_name = {SqlIdentifier.Literal(table)};";
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand(sql, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<CapturedTable>> ListAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT table_schema, table_name, function_name, key_columns, options::text, enabled_at FROM {SqlIdentifier.Qualified(Options.Schema, "captured_tables")} ORDER BY 1, 2",
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var tables = new List<CapturedTable>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tables.Add(new CapturedTable(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return tables;
    }

    private string RegisterSql(TableDefinition table, TableCaptureOptions options)
    {
        var keys = CaptureSqlGenerator.Validate(table, options, Options);
        var json = JsonSerializer.Serialize(new
        {
            exclude = options.Exclude,
            mask = options.Mask,
            mask_placeholder = options.MaskPlaceholder,
            require_actor = options.RequireActor,
            record_no_op_updates = options.RecordNoOpUpdates,
        });
        return $"""
            INSERT INTO {SqlIdentifier.Qualified(Options.Schema, "captured_tables")} (table_schema, table_name, function_name, key_columns, options)
            VALUES ({SqlIdentifier.Literal(table.Schema)}, {SqlIdentifier.Literal(table.Table)}, {SqlIdentifier.Literal(CaptureSqlGenerator.FunctionName(table.Schema, table.Table))}, {SqlIdentifier.TextArray(keys)}, {SqlIdentifier.Literal(json)}::jsonb)
            ON CONFLICT (table_schema, table_name) DO UPDATE
               SET function_name = EXCLUDED.function_name, key_columns = EXCLUDED.key_columns, options = EXCLUDED.options, options_changed_at = now();
            """;
    }
}
