using Npgsql;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>Plain statements for test setup and assertions.</summary>
public static class Sql
{
    public static async Task ExecAsync(this NpgsqlConnection db, string sql, NpgsqlTransaction? tx = null)
    {
        await using var command = new NpgsqlCommand(sql, db, tx);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs <paramref name="sql"/> in one audited transaction as <paramref name="context"/>.</summary>
    public static async Task ExecAuditedAsync(this NpgsqlConnection db, AuditContext context, params string[] sql)
    {
        await using var tx = await Threadline.Npgsql.NpgsqlAuditExtensions.BeginAuditedTransactionAsync(db, context);
        foreach (var statement in sql)
        {
            await db.ExecAsync(statement, tx);
        }

        await tx.CommitAsync();
    }

    /// <summary>Creates a uniquely named table in public from a column list and returns its name.</summary>
    public static async Task<string> CreateTableAsync(this NpgsqlConnection db, string prefix, string definition)
    {
        var name = prefix + "_" + Guid.NewGuid().ToString("N")[..10];
        await db.ExecAsync($"CREATE TABLE public.{name} {definition}");
        return name;
    }
}
