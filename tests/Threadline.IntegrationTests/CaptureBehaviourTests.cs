using System.Text.Json.Nodes;
using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;

namespace Threadline.IntegrationTests;

/// <summary>Capture semantics on real PostgreSQL: keys, redaction, no-op updates, TRUNCATE and loud failures.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CaptureBehaviourTests(DatabaseFixture platform)
{
    private static readonly AuditContext Context = new(ActorRef.User("capture-tests"));

    [Fact]
    public async Task Composite_keys_are_stored_typed_and_follow_a_key_change()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, "(tenant text, n integer, v text, PRIMARY KEY (tenant, n))", new TableCaptureOptions(""));

        await using (var tx = await db.BeginAuditedTransactionAsync(Context))
        {
            await db.ExecAsync($"INSERT INTO {table} VALUES ('t', 1, 'x')");
            await db.ExecAsync($"UPDATE {table} SET n = 2");
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
            await db.ExecAsync($"INSERT INTO {table} VALUES (1, 'n', '{secrets[0]}', '{secrets[2]}', '{{\"k\":\"{secrets[4]}\"}}')");
            await db.ExecAsync($"UPDATE {table} SET secret = '{secrets[1]}', email = '{secrets[3]}'");
            await db.ExecAsync($"DELETE FROM {table}");
            await tx.CommitAsync();
        }

        var everything = await AuditRows.ScalarAsync<string>(db,
            "SELECT coalesce(string_agg(to_jsonb(c)::text || to_jsonb(t)::text, ' '), '') FROM threadline.change_log c JOIN threadline.transactions t ON t.id = c.transaction_id WHERE c.table_name = $1",
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
            await db.ExecAsync($"INSERT INTO {table} VALUES (1, 'a', 'x')");
            await db.ExecAsync($"UPDATE {table} SET v = v");
            await db.ExecAsync($"UPDATE {table} SET noise = 'only excluded changed'");
            await db.ExecAsync($"UPDATE {table} SET v = 'b' WHERE false");
            await db.ExecAsync($"TRUNCATE {table}");
            await tx.CommitAsync();
        }

        Assert.Equal(["insert {\"id\": 1}", "truncate "], await ChangesAsync(db, table));
    }

    [Fact]
    public async Task A_numeric_scale_change_is_a_change()
    {
        // 1.0 and 1.00 are equal numbers (and equal jsonb), but not the same value: the images' text tells them apart.
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, "(id integer PRIMARY KEY, amount numeric)", new TableCaptureOptions(""));

        await db.ExecAuditedAsync(Context, $"INSERT INTO {table} VALUES (1, 1.0)", $"UPDATE {table} SET amount = 1.00", $"UPDATE {table} SET amount = 1.00");

        Assert.Equal(["insert {\"id\": 1}", "update {\"id\": 1} [amount] {\"amount\": 1.0}"], await ChangesAsync(db, table));
    }

    [Theory]
    [InlineData("integer", "42")]
    [InlineData("bigint", "9007199254740993")]
    [InlineData("uuid", "5b0d3f4e-8f1a-4c57-9a55-3f1d8f0c2b11")]
    [InlineData("text", "SKU-\u00e9-42")]
    public async Task A_row_history_is_found_by_its_natural_typed_key(string type, string key)
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, $"(code {type} PRIMARY KEY, v text)", new TableCaptureOptions(""));
        await db.ExecAuditedAsync(Context,
            $"INSERT INTO {table} VALUES ('{key}'::{type}, 'a')",
            $"UPDATE {table} SET v = 'b'",
            $"DELETE FROM {table}");

        var ops = await AuditRows.ScalarAsync<string>(db,
            $"SELECT string_agg(op, ',' ORDER BY id) FROM threadline.change_log WHERE table_name = $1 AND row_key = jsonb_build_object('code', $2::text::{type})",
            table.Split('.')[1], key);

        Assert.Equal("insert,update,delete", ops);
    }

    [Fact]
    public async Task Capture_times_follow_the_rows_of_a_statement_and_the_statements_of_a_transaction()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, "(id integer PRIMARY KEY, v text)", new TableCaptureOptions(""));
        await db.ExecAuditedAsync(Context,
            $"INSERT INTO {table} SELECT g, 'a' FROM generate_series(1, 2000) g",
            $"UPDATE {table} SET v = 'b'");

        // clock_timestamp() per row: a 2,000-row statement spans more than one microsecond, and (captured_at, id)
        // orders the changes as they were written, statement after statement.
        var facts = await AuditRows.ScalarAsync<string>(db,
            """
            SELECT concat_ws(' ', 'spans:' || (count(DISTINCT captured_at) FILTER (WHERE op = 'insert') > 1),
                             'ordered:' || bool_and(ordered),
                             'updates-after:' || (max(captured_at) FILTER (WHERE op = 'insert') <= min(captured_at) FILTER (WHERE op = 'update')))
              FROM (SELECT op, captured_at, captured_at >= coalesce(lag(captured_at) OVER (ORDER BY id), '-infinity') AS ordered
                      FROM threadline.change_log WHERE table_name = $1) c
            """,
            table.Split('.')[1]);
        Assert.Equal("spans:true ordered:true updates-after:true", facts);
    }

    [Fact]
    public async Task A_table_without_primary_key_is_captured_by_its_named_key_columns()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, "(email text NOT NULL UNIQUE, v text)", new TableCaptureOptions("") { KeyColumns = ["email"] });
        await db.ExecAuditedAsync(Context, $"INSERT INTO {table} VALUES ('a@example.org', 'x')");

        Assert.Equal(["insert {\"email\": \"a@example.org\"}"], await ChangesAsync(db, table));
    }

    [Fact]
    public async Task Every_context_field_lands_in_its_own_column()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, "(id integer PRIMARY KEY)", new TableCaptureOptions(""));
        var context = new AuditContext(ActorRef.Job("nightly-reindex"))
        {
            OnBehalfOf = ActorRef.User("u-17"),
            RequestId = "req-1",
            CorrelationId = "corr-1",
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
            JobId = "job-1",
            Source = "job",
        };
        await db.ExecAuditedAsync(context, $"INSERT INTO {table} VALUES (1)");

        var columns = await AuditRows.ScalarAsync<string>(db, """
            SELECT concat_ws('|', t.actor_type, t.actor_id, t.on_behalf_of_type, t.on_behalf_of_id, t.request_id, t.correlation_id, t.trace_id, t.job_id, t.source,
                             t.started_at <= t.first_change_at AND t.first_change_at <= c.captured_at, t.context IS NULL)
              FROM threadline.change_log c JOIN threadline.transactions t ON t.id = c.transaction_id WHERE c.table_name = $1
            """, table.Split('.')[1]);

        // The bridge's JSON holds nothing the columns do not, so it is not stored a second time.
        Assert.Equal("job|nightly-reindex|user|u-17|req-1|corr-1|4bf92f3577b34da6a3ce929d0e0e4736|job-1|job|t|t", columns);
    }

    [Theory]
    [InlineData("""{"actor":{"type":"user","id":"7"},"tenant":"acme"}""")]
    [InlineData("""{"actor":{"type":"user","id":"7","name":"Ann"}}""")]
    [InlineData("""{"actor":{"type":"user","id":7}}""")]
    [InlineData("""{"source":"cron","actor":{"type":"system","id":"7"},"request_id":null}""")]
    public async Task A_context_with_more_than_the_columns_hold_is_kept_whole(string context)
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, "(id integer PRIMARY KEY)", new TableCaptureOptions(""));
        await using (var tx = await db.BeginTransactionAsync())
        {
            await using (var set = new NpgsqlCommand("CALL threadline.set_context($1)", db, tx))
            {
                set.Parameters.Add(new NpgsqlParameter { Value = context });
                await set.ExecuteNonQueryAsync();
            }

            await db.ExecAsync($"INSERT INTO {table} VALUES (1)", tx);
            await tx.CommitAsync();
        }

        var stored = await AuditRows.ScalarAsync<string>(db,
            "SELECT t.context::text FROM threadline.change_log c JOIN threadline.transactions t ON t.id = c.transaction_id WHERE c.table_name = $1",
            table.Split('.')[1]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(context), JsonNode.Parse(stored)), $"stored {stored} for {context}");
    }

    [Theory]
    [InlineData("not json", "22023", "not valid JSON")]
    [InlineData("""{"actor":{"type":"robot","id":"1"}}""", "22023", "unknown actor type \"robot\"")]
    [InlineData("""{"actor":{"type":"user"}}""", "22023", "has no id")]
    // Shaped like the bridges' JSON, so parsed without a subtransaction: PostgreSQL's own error, still loud.
    [InlineData("""{"actor":{"type":"user","id":"1"},}""", "22P02", "invalid input syntax for type json")]
    public async Task A_garbage_context_fails_the_write_loudly_and_records_nothing(string context, string sqlState, string message)
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, "(id integer PRIMARY KEY)", new TableCaptureOptions(""));

        await using var tx = await db.BeginTransactionAsync();
        await using (var set = new NpgsqlCommand("CALL threadline.set_context($1)", db, tx))
        {
            set.Parameters.Add(new NpgsqlParameter { Value = context });
            await set.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAsync($"INSERT INTO {table} VALUES (1)", tx));
        Assert.Equal(sqlState, error.SqlState);
        Assert.Contains(message, error.MessageText, StringComparison.Ordinal);
        await tx.RollbackAsync();
        Assert.Empty(await ChangesAsync(db, table));
    }

    private static async Task<string> CreateTableAsync(NpgsqlConnection db, string definition, TableCaptureOptions options)
    {
        var name = await db.CreateTableAsync("capture", definition);
        await new CaptureManager().EnableAsync(db, options with { Table = name, Schema = "public" });
        return "public." + name;
    }

    private static async Task<string[]> ChangesAsync(NpgsqlConnection db, string table)
    {
        await using var command = new NpgsqlCommand(
            "SELECT op || ' ' || coalesce(row_key::text, '') || coalesce(' [' || array_to_string(changed_fields, ',') || ']', '') || coalesce(' ' || CASE WHEN op = 'update' THEN data_before::text END, '') FROM threadline.change_log WHERE table_name = $1 ORDER BY id", db);
        command.Parameters.Add(new NpgsqlParameter { Value = table.Split('.')[1] });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return [.. rows];
    }
}
