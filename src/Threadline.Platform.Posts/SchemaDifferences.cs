using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;

namespace Threadline.Platform.Posts;

/// <summary>
/// How the tables in the database differ from a relational model: missing tables and columns, extra columns, other
/// types or nullability, missing constraints and indexes by name. Defaults and CHECK bodies are not compared.
/// </summary>
internal static class SchemaDifferences
{
    public static async Task<IReadOnlyList<string>> FindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IRelationalModel model, CancellationToken cancellationToken)
    {
        var differences = new List<string>();
        foreach (var table in model.Tables)
        {
            var schema = table.Schema ?? "public";
            var name = $"{schema}.{table.Name}";
            var columns = await ColumnsAsync(connection, transaction, schema, table.Name, cancellationToken);
            if (columns.Count == 0)
            {
                differences.Add($"table {name} is missing");
                continue;
            }

            foreach (var column in table.Columns)
            {
                if (!columns.Remove(column.Name, out var actual))
                {
                    differences.Add($"column {name}.{column.Name} is missing");
                }
                else if (actual.Type != column.StoreType || actual.Nullable != column.IsNullable)
                {
                    differences.Add($"column {name}.{column.Name} is {Describe(actual.Type, actual.Nullable)}, the migration creates {Describe(column.StoreType, column.IsNullable)}");
                }
            }

            differences.AddRange(columns.Keys.Select(extra => $"column {name}.{extra} is not in the migration"));
            var named = await ConstraintAndIndexNamesAsync(connection, transaction, schema, table.Name, cancellationToken);
            var expected = new[] { table.PrimaryKey?.Name }.OfType<string>()
                .Concat(table.UniqueConstraints.Select(c => c.Name))
                .Concat(table.CheckConstraints.Select(c => c.Name).OfType<string>())
                .Concat(table.Indexes.Select(i => i.Name).OfType<string>());
            differences.AddRange(expected.Distinct(StringComparer.Ordinal).Where(e => !named.Contains(e)).Select(e => $"{name} has no constraint or index {e}"));
        }

        return differences;
    }

    private static string Describe(string type, bool nullable) => nullable ? type : type + " NOT NULL";

    private static async Task<Dictionary<string, (string Type, bool Nullable)>> ColumnsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull
              FROM pg_catalog.pg_attribute a
              JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var columns = new Dictionary<string, (string, bool)>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            columns[reader.GetString(0)] = (reader.GetString(1), reader.GetBoolean(2));
        }

        return columns;
    }

    private static async Task<HashSet<string>> ConstraintAndIndexNamesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT con.conname::text FROM pg_catalog.pg_constraint con WHERE con.conrelid = to_regclass(format('%I.%I', $1, $2))
            UNION
            SELECT i.relname::text FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = to_regclass(format('%I.%I', $1, $2))
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
