using Npgsql;
using NpgsqlTypes;
using Threadline.UnitTests.DocsTests;

namespace Threadline.IntegrationTests.Docs;

/// <summary>
/// Runs a docs SQL block as <see cref="SqlBlock"/> describes, on one connection inside a transaction that is always
/// rolled back, and reports the first failure located at the block's line in the doc.
/// </summary>
internal static class SqlBlockRunner
{
    /// <summary>Null when every statement ran; else the doc location, the SQLSTATE and the statement.</summary>
    public static async Task<string?> FailureAsync(NpgsqlConnection db, CodeBlock block)
    {
        await using var transaction = await db.BeginTransactionAsync();
        try
        {
            // A block that waits on a lock fails the test instead of hanging the run.
            await RunAsync(db, transaction, new SqlStep("SET LOCAL statement_timeout = '30s'", false, []));
            var given = SqlBlock.Given(block);
            var steps = SqlBlock.Steps(block.Content);
            // The seed runs as the test's superuser; the block itself as the role the docs say runs it.
            List<SqlStep> role = SqlBlock.Role(block) is { } name ? [new SqlStep($"SET LOCAL ROLE {name}", false, [])] : [];
            var lastRows = 0L;
            foreach (var step in given.Concat(role).Concat(steps))
            {
                try
                {
                    lastRows = await RunAsync(db, transaction, step);
                }
                catch (PostgresException e)
                {
                    return $"{block.File}:{block.Line}: {e.SqlState} {e.MessageText}\n  in: {step.Sql}";
                }
            }

            return SqlBlock.ExpectsRows(block) && lastRows == 0
                ? $"{block.File}:{block.Line}: returned no row{(role.Count > 0 ? $" as {SqlBlock.Role(block)}" : "")}, though its given statements seed what it should find\n  in: {steps[^1].Sql}"
                : null;
        }
        finally
        {
            await transaction.RollbackAsync();
        }
    }

    /// <summary>Runs one statement; returns how many rows it returned (lines for a COPY out).</summary>
    private static async Task<long> RunAsync(NpgsqlConnection db, NpgsqlTransaction transaction, SqlStep step)
    {
        if (step.CopyOut)
        {
            using var export = await db.BeginTextExportAsync(step.Sql);
            var text = await export.ReadToEndAsync();
            var header = step.Sql.Contains("HEADER", StringComparison.OrdinalIgnoreCase) ? 1 : 0;
            return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - header;
        }

        await using var command = new NpgsqlCommand(step.Sql, db, transaction);
        // Positional placeholders bind in order ($1, $2, ...); named ones by name. Strings go as "unknown" so the
        // server infers their type from where they stand, as it would for a literal.
        foreach (var placeholder in step.Placeholders.OrderBy(p => p.StartsWith('$') ? int.Parse(p[1..], System.Globalization.CultureInfo.InvariantCulture) : 0))
        {
            var value = SqlBlock.SampleValues.TryGetValue(placeholder, out var sample)
                ? sample
                : throw new InvalidOperationException($"No sample value for {placeholder} in SqlBlock.SampleValues.");
            var parameter = placeholder.StartsWith('$') ? new NpgsqlParameter { Value = value } : new NpgsqlParameter(placeholder[1..], value);
            if (value is string)
            {
                parameter.NpgsqlDbType = NpgsqlDbType.Unknown;
            }

            command.Parameters.Add(parameter);
        }

        await using var reader = await command.ExecuteReaderAsync();
        var rows = 0L;
        do
        {
            while (await reader.ReadAsync())
            {
                rows++;
            }
        }
        while (await reader.NextResultAsync());
        return rows;
    }
}
