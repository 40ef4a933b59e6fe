using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;

namespace Threadline.IntegrationTests;

/// <summary>Capture semantics on real PostgreSQL: keys, redaction, no-op updates, TRUNCATE and loud failures.</summary>
[Collection(PlatformCollection.Name)]
public sealed class CaptureBehaviourTests(PlatformFixture platform)
{
    private static readonly AuditContext Context = new(ActorRef.User("capture-tests"));

    [Fact]
    public async Task Composite_keys_are_stored_typed_and_follow_a_key_change()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, "(tenant text, n integer, v text, PRIMARY KEY (tenant, n))", new TableCaptureOptions(""));

        await using (var tx = await db.BeginAuditedTransactionAsync(Context))
        {
            await ExecAsync(db, $"INSERT INTO {table} VALUES ('t', 1, 'x')");
            await ExecAsync(db, $"UPDATE {table} SET n = 2");
            await tx.CommitAsync();
        }

        var rows = await ChangesAsync(db, table);
        Assert.Equal(["insert {\"n\": 1, \"tenant\": \"t\"}", "update {\"n\": 2, \"tenant\": \"t\"} [n] {\"n\": 1}"], rows);
    }

    [Fact]
    public async Task Excluded_and_masked_values_appear_nowhere_in_the_audit_tables()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, "(id bigint PRIMARY KEY, name text, secret text, email text, prefs jsonb)",
            new TableCaptureOptions("") { Exclude = ["secret"], Mask = ["email", "prefs"] });
        var secrets = new[] { "s3cr3t-alpha", "s3cr3t-beta", "hidden@example.org", "moved@example.org", "jsonb-secret-value" };

        await using (var tx = await db.BeginAuditedTransactionAsync(Context))
        {
            await ExecAsync(db, $"INSERT INTO {table} VALUES (1, 'n', '{secrets[0]}', '{secrets[2]}', '{{\"k\":\"{secrets[4]}\"}}')");
            await ExecAsync(db, $"UPDATE {table} SET secret = '{secrets[1]}', email = '{secrets[3]}'");
            await ExecAsync(db, $"DELETE FROM {table}");
            await tx.CommitAsync();
        }

        var everything = await AuditRows.ScalarAsync<string>(db,
            "SELECT coalesce(string_agg(to_jsonb(c)::text || to_jsonb(t)::text, ' '), '') FROM threadline.changes c JOIN threadline.transactions t ON t.id = c.transaction_id WHERE c.table_name = $1",
            table.Split('.')[1]);
        Assert.Contains("[REDACTED]", everything, StringComparison.Ordinal);
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, everything, StringComparison.Ordinal));
        Assert.DoesNotContain("\"secret\"", everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_op_updates_record_nothing_and_TRUNCATE_is_recorded()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, "(id integer PRIMARY KEY, v text, noise text)", new TableCaptureOptions("") { Exclude = ["noise"] });

        await using (var tx = await db.BeginAuditedTransactionAsync(Context))
        {
            await ExecAsync(db, $"INSERT INTO {table} VALUES (1, 'a', 'x')");
            await ExecAsync(db, $"UPDATE {table} SET v = v");
            await ExecAsync(db, $"UPDATE {table} SET noise = 'only excluded changed'");
            await ExecAsync(db, $"UPDATE {table} SET v = 'b' WHERE false");
            await ExecAsync(db, $"TRUNCATE {table}");
            await tx.CommitAsync();
        }

        Assert.Equal(["insert {\"id\": 1}", "truncate "], await ChangesAsync(db, table));
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("""{"actor":{"type":"robot","id":"1"}}""", "unknown actor type \"robot\"")]
    [InlineData("""{"actor":{"type":"user"}}""", "has no id")]
    public async Task A_garbage_context_fails_the_write_loudly_and_records_nothing(string context, string message)
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, "(id integer PRIMARY KEY)", new TableCaptureOptions(""));

        await using var tx = await db.BeginTransactionAsync();
        await using (var set = new NpgsqlCommand("SELECT set_config('threadline.context', $1, true)", db, tx))
        {
            set.Parameters.Add(new NpgsqlParameter { Value = context });
            await set.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecAsync(db, $"INSERT INTO {table} VALUES (1)", tx));
        Assert.Equal("22023", error.SqlState);
        Assert.Contains(message, error.MessageText, StringComparison.Ordinal);
        await tx.RollbackAsync();
        Assert.Empty(await ChangesAsync(db, table));
    }

    private static async Task<string> CreateTableAsync(NpgsqlConnection db, string definition, TableCaptureOptions options)
    {
        var name = "capture_" + Guid.NewGuid().ToString("N")[..10];
        await ExecAsync(db, $"CREATE TABLE public.{name} {definition}");
        await new CaptureManager().EnableAsync(db, options with { Table = name, Schema = "public" });
        return "public." + name;
    }

    private static async Task<string[]> ChangesAsync(NpgsqlConnection db, string table)
    {
        await using var command = new NpgsqlCommand(
            "SELECT op || ' ' || coalesce(row_key::text, '') || coalesce(' [' || array_to_string(changed_fields, ',') || ']', '') || coalesce(' ' || CASE WHEN op = 'update' THEN data_before::text END, '') FROM threadline.changes WHERE table_name = $1 ORDER BY id", db);
        command.Parameters.Add(new NpgsqlParameter { Value = table.Split('.')[1] });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return [.. rows];
    }

    private static async Task ExecAsync(NpgsqlConnection db, string sql, NpgsqlTransaction? tx = null)
    {
        await using var command = new NpgsqlCommand(sql, db, tx);
        await command.ExecuteNonQueryAsync();
    }
}
