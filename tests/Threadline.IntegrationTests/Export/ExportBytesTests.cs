using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;
using Threadline.Query;
using Threadline.Schema;

namespace Threadline.IntegrationTests.Export;

/// <summary>
/// The export-only row path writes the bytes the exporter wrote when every row went through <see cref="AuditEntry"/>
/// (<see cref="PreviousExportRendering"/>), for hostile values captured by the real triggers and read back from real
/// PostgreSQL: non-ASCII, control characters, quotes, commas and line breaks, HTML-sensitive characters, escapes in
/// keys, deep and large JSON, odd numbers, nulls, masked and excluded columns, refused contexts, an action. No row is
/// dropped, and a failing output surfaces as the exception it is.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ExportBytesTests(DatabaseFixture platform)
{
    private const string MaskedSecret = "card-secret-4111";
    private const string ExcludedSecret = "ssn-secret-123";

    /// <summary>Text values a row's <c>note</c> takes, one row each.</summary>
    private static readonly string?[] Notes =
    [
        "plain",
        "comma, \"quoted\" and\r\nCRLF and\nLF and\rCR",
        "é ü ß 日本語 🎉 \u2028 \u2029 \u200B ‮rtl‬ e\u0301",
        "\u0001\u0002\t\u001b\u001f\u007f\u0080\u009f control",
        "<script>alert('x' + `y`)</script> & \\ backslash \\n not a newline / slash",
        "",
        null,
        new string('x', 200_000) + "é",
    ];

    /// <summary>JSON documents a row's <c>doc</c> takes (as jsonb), one row each.</summary>
    private static readonly string?[] Docs =
    [
        """{"k,\"\n": 1, "é": "ü", "": null, "<&>": "+'`", "\\": "\/", "\u0001": "\u001f\t"}""",
        """[1, -0, 0.0001, -1.5e-7, 1e300, 123456789012345678901234567890.123456789, 3.0, true, false, null, [], {}]""",
        """{"emoji": "\ud83c\udf89", "bom": "\ufeff", "lineSep": "\u2028", "nul-adjacent": "a\u0007b", "surrogate-escaped": "\uD834\uDD1E"}""",
        Nested(63),
        """{"big": [""" + string.Join(", ", Enumerable.Range(0, 5_000).Select(i => i % 3 == 0 ? $"\"s{i}é\"" : i.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]}",
        "null",
        "\"just a string, with \\\"quotes\\\"\"",
        null,
    ];

    [Fact]
    public async Task Csv_ndjson_and_json_bytes_equal_the_previous_rendering_for_hostile_values()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "export_bytes");
        var table = await CreateHostileHistoryAsync(database);
        // Another table's change in the same schema: an export that stopped filtering by table would include it, and
        // the reference (its SQL frozen) would not.
        await using (var decoyDb = await database.OpenAsync())
        {
            var decoy = await decoyDb.CreateTableAsync("export_decoy", "(id int PRIMARY KEY)");
            await new CaptureManager().EnableAsync(decoyDb, new TableCaptureOptions(decoy));
            await decoyDb.ExecAuditedAsync(new AuditContext(ActorRef.User("export-decoy")), $"INSERT INTO public.{decoy} VALUES (1)");
        }

        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var filter = new AuditFilter { Schema = "public", Table = table };
        var changes = await new AuditReader(dataSource).CountAsync(filter);

        foreach (var format in new[] { AuditExportFormat.Csv, AuditExportFormat.Ndjson, AuditExportFormat.Json })
        {
            foreach (var maxRows in new[] { AuditExporter.MaxRowsLimit, 3 })
            {
                var expected = await PreviousExportRendering.RenderAsync(dataSource, filter, format, maxRows);
                using var output = new MemoryStream();
                var result = await new AuditExporter(dataSource).ExportAsync(filter, format, output, maxRows);
                var actual = output.ToArray();

                AssertSameBytes(expected, actual, $"{format}, maxRows {maxRows}");
                Assert.Equal(Math.Min(changes, maxRows), result.Rows);
                Assert.Equal(changes > maxRows, result.Truncated);
                var text = Encoding.UTF8.GetString(actual);
                Assert.DoesNotContain(MaskedSecret, text, StringComparison.Ordinal);
                Assert.DoesNotContain(ExcludedSecret, text, StringComparison.Ordinal);
            }
        }

        // Every change is in the export: one NDJSON line per change, ids in order.
        using var all = new MemoryStream();
        await new AuditExporter(dataSource).ExportAsync(filter, AuditExportFormat.Ndjson, all, AuditExporter.MaxRowsLimit);
        var ids = Encoding.UTF8.GetString(all.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 128 }).RootElement.GetProperty("id").GetInt64()).ToArray();
        await using var db = await database.OpenAsync();
        var stored = await AuditRows.ScalarAsync<long[]>(db, "SELECT array_agg(id ORDER BY captured_at, id) FROM threadline.change_log WHERE table_name = $1", table);
        Assert.Equal(stored, ids);
        // An insert and an update per row, one delete, two updates under refused contexts: every case is in the history.
        Assert.Equal(2 * Math.Max(Notes.Length, Docs.Length) + 3, changes);
        var lines = Encoding.UTF8.GetString(all.ToArray());
        Assert.Contains("\"context_refused\":\"stale\"", lines, StringComparison.Ordinal);
        Assert.Contains("\"context_refused\":\"unstamped\"", lines, StringComparison.Ordinal);
        Assert.Matches("\"action_id\":[0-9]+", lines);
        Assert.Contains("[REDACTED]", lines, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_deeper_than_a_JsonDocument_allows_is_exported_rather_than_failing_the_export()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "export_deep");
        await using var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        var table = await db.CreateTableAsync("deep", "(id integer PRIMARY KEY, doc jsonb)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(table));
        var deep = Nested(300);
        await using (var tx = await db.BeginAuditedTransactionAsync(new AuditContext(ActorRef.User("deep-writer"))))
        {
            await using var insert = new NpgsqlCommand($"INSERT INTO public.{table} VALUES (1, $1)", db, tx);
            insert.Parameters.Add(new NpgsqlParameter { Value = deep, NpgsqlDbType = NpgsqlDbType.Jsonb });
            await insert.ExecuteNonQueryAsync();
            await tx.CommitAsync();
        }

        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var filter = new AuditFilter { Schema = "public", Table = table };
        using var ndjson = new MemoryStream();
        using var csv = new MemoryStream();

        // The previous rendering parsed every image into a JsonDocument (at most 64 levels) and failed the export.
        await Assert.ThrowsAnyAsync<JsonException>(() => PreviousExportRendering.RenderAsync(dataSource, filter, AuditExportFormat.Ndjson, 10));
        var result = await new AuditExporter(dataSource).ExportAsync(filter, AuditExportFormat.Ndjson, ndjson, 10);
        await new AuditExporter(dataSource).ExportAsync(filter, AuditExportFormat.Csv, csv, 10);

        Assert.Equal(1, result.Rows);
        using var line = JsonDocument.Parse(ndjson.ToArray(), new JsonDocumentOptions { MaxDepth = 1_000 });
        var image = line.RootElement.GetProperty("data_after").GetRawText();
        Assert.True(await AuditRows.ScalarAsync<bool>(db, "SELECT $1::jsonb = (SELECT data_after FROM threadline.change_log WHERE table_name = $2)", image, table));
        // CSV copies the jsonb text as PostgreSQL sent it, quotes doubled.
        Assert.Contains(deep.Replace("\"", "\"\"", StringComparison.Ordinal), Encoding.UTF8.GetString(csv.ToArray()), StringComparison.Ordinal);
    }

    /// <summary>
    /// changed_fields (the sorted keys of an update's before values, schema version 13) is read in place from its binary
    /// array format: elements that need CSV quoting or JSON escaping, an empty name, one element, and an array larger
    /// than the reader's first scratch buffer give the previous rendering's bytes. The capture writes none of these odd
    /// names, so the rows are copies of a captured change with its before values replaced. (Arrays with NULL elements,
    /// other lower bounds or two dimensions, which the stored array of version 12 could hold, cannot be built from
    /// object keys any more.)
    /// </summary>
    [Fact]
    public async Task Changed_fields_of_every_shape_export_the_bytes_of_the_previous_rendering()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "export_arrays");
        await using var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        var table = await db.CreateTableAsync("arrays", "(id integer PRIMARY KEY, note text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(table));
        await db.ExecAuditedAsync(new AuditContext(ActorRef.User("arrays")), $"INSERT INTO public.{table} VALUES (1, 'a')", $"UPDATE public.{table} SET note = 'b'");
        string[] befores =
        [
            "jsonb_build_object('', 1, 'é 🎉 日本', 2, 'a,b \"c\"', 3, E'line\r\nbreak', 4, '<&>', 5, E'tab\there', 6)",
            "jsonb_build_object('x', 1)",
            "(SELECT jsonb_object_agg('column_' || g || repeat('é', g % 7), g) FROM generate_series(1, 2000) g)",
        ];
        foreach (var before in befores)
        {
            await CopyLastChangeWithBeforeValuesAsync(db, table, before);
        }

        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var filter = new AuditFilter { Schema = "public", Table = table };
        foreach (var format in new[] { AuditExportFormat.Csv, AuditExportFormat.Ndjson, AuditExportFormat.Json })
        {
            var expected = await PreviousExportRendering.RenderAsync(dataSource, filter, format, AuditExporter.MaxRowsLimit);
            using var output = new MemoryStream();
            var result = await new AuditExporter(dataSource).ExportAsync(filter, format, output, AuditExporter.MaxRowsLimit);
            AssertSameBytes(expected, output.ToArray(), format.ToString());
            Assert.Equal(2 + befores.Length, result.Rows);
        }

        var ndjson = await ExportTextAsync(dataSource, filter, AuditExportFormat.Ndjson);
        Assert.Contains("\"changed_fields\":[\"\",", ndjson, StringComparison.Ordinal);
        Assert.Contains("\"changed_fields\":[\"x\"]", ndjson, StringComparison.Ordinal);
        Assert.Contains("\"column_1995\",\"column_1996\\u00E9\"", ndjson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_output_surfaces_its_exception_and_only_whole_rows_were_handed_over()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "export_fail");
        await using var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        var table = await db.CreateTableAsync("many", "(id integer PRIMARY KEY, note text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(table));
        await db.ExecAuditedAsync(new AuditContext(ActorRef.User("bulk")), $"INSERT INTO public.{table} SELECT g, repeat('n', 300) FROM generate_series(1, 2000) g");
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var output = new FailingStream(failOnWrite: 3);

        var error = await Assert.ThrowsAsync<IOException>(() =>
            new AuditExporter(dataSource).ExportAsync(new AuditFilter { Schema = "public", Table = table }, AuditExportFormat.Ndjson, output, AuditExporter.MaxRowsLimit));

        Assert.Equal(FailingStream.Message, error.Message);
        var received = Encoding.UTF8.GetString(output.Received.ToArray());
        Assert.EndsWith("}\n", received, StringComparison.Ordinal);
        Assert.All(received.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => JsonDocument.Parse(line).Dispose());
    }

    /// <summary>
    /// A captured table whose history holds every hostile value: inserts of each note and document, an update of
    /// every row (changed fields with odd column names), deletes, masked and excluded columns, hostile context values,
    /// an action, and the two kinds of refused context.
    /// </summary>
    private static async Task<string> CreateHostileHistoryAsync(TemporaryDatabase database)
    {
        await using var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        var table = await db.CreateTableAsync("hostile", "(id integer PRIMARY KEY, note text, doc jsonb, n numeric, \"odd, \"\"name\"\"\" text, card text, ssn text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(table) { Mask = ["card"], Exclude = ["ssn"], RequireActor = false });

        var context = new AuditContext(ActorRef.User("alice, \"the <admin>\" é 🎉"))
        {
            OnBehalfOf = ActorRef.ServiceAccount("on,behalf \"x\""),
            RequestId = "req,1 \"quoted\"",
            CorrelationId = "corr ü ,",
            JobId = "job <&>",
        };
        var rows = Math.Max(Notes.Length, Docs.Length);
        await using (var tx = await db.BeginAuditedTransactionAsync(context))
        {
            for (var i = 0; i < rows; i++)
            {
                await using var insert = new NpgsqlCommand($"INSERT INTO public.{table} VALUES ($1, $2, $3, $4, $5, $6, $7)", db, tx);
                insert.Parameters.Add(new NpgsqlParameter { Value = i + 1 });
                insert.Parameters.Add(new NpgsqlParameter { Value = (object?)Notes[i % Notes.Length] ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                insert.Parameters.Add(new NpgsqlParameter { Value = (object?)Docs[i % Docs.Length] ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb });
                insert.Parameters.Add(new NpgsqlParameter { Value = i % 2 == 0 ? 12345.678900m : -0.000001m });
                insert.Parameters.Add(new NpgsqlParameter { Value = "odd " + i });
                insert.Parameters.Add(new NpgsqlParameter { Value = MaskedSecret });
                insert.Parameters.Add(new NpgsqlParameter { Value = ExcludedSecret });
                await insert.ExecuteNonQueryAsync();
            }

            await tx.RecordActionAsync("export.hostile \"action\", é");
            await tx.CommitAsync();
        }

        await db.ExecAuditedAsync(new AuditContext(ActorRef.User("bob")),
            $"UPDATE public.{table} SET note = coalesce(note, '') || ' ,\"updated\"', \"odd, \"\"name\"\"\" = 'changed é', card = 'card-secret-4111-2', ssn = 'ssn-secret-123-2'",
            $"DELETE FROM public.{table} WHERE id = 2");

        // Refused contexts on a lenient table: one left behind at session level (stale), one set by hand (unstamped).
        const string leaker = """{"actor":{"type":"admin","id":"leaker"}}""";
        await db.ExecAsync($"SELECT set_config('threadline.context', '{leaker}', false), set_config('threadline.context_tx', (extract(epoch FROM now()) * 1000000)::bigint::text, false)");
        await db.ExecAsync($"UPDATE public.{table} SET note = 'stale context' WHERE id = 1");
        await db.ExecAsync("RESET threadline.context; RESET threadline.context_tx");
        await using (var tx = await db.BeginTransactionAsync())
        {
            await db.ExecAsync($"SELECT set_config('threadline.context', '{leaker}', true)", tx);
            await db.ExecAsync($"UPDATE public.{table} SET note = 'unstamped context' WHERE id = 3", tx);
            await tx.CommitAsync();
        }

        return table;
    }

    /// <summary>A copy of the table's newest change, as a new change of its transaction, with <paramref name="beforeSql"/> as its before values.</summary>
    private static Task CopyLastChangeWithBeforeValuesAsync(NpgsqlConnection db, string table, string beforeSql) =>
        db.ExecAsync($"""
            INSERT INTO threadline.changes (id, tx_id, captured_at, table_id, op, row_key, data_after, data_before)
            SELECT nextval('threadline.change_id'), c.tx_id, c.captured_at, c.table_id, c.op, c.row_key, c.data_after, {beforeSql}
              FROM threadline.changes c JOIN threadline.tables tb ON tb.table_id = c.table_id
             WHERE tb.table_name = '{table}' ORDER BY c.id DESC LIMIT 1
            """);

    private static async Task<string> ExportTextAsync(NpgsqlDataSource dataSource, AuditFilter filter, AuditExportFormat format)
    {
        using var output = new MemoryStream();
        await new AuditExporter(dataSource).ExportAsync(filter, format, output, AuditExporter.MaxRowsLimit);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    /// <summary><c>{"a": {"a": ... [1, "é"] ...}}</c>, <paramref name="depth"/> levels.</summary>
    private static string Nested(int depth) =>
        string.Concat(Enumerable.Repeat("{\"a\": ", depth - 1)) + "[1, \"é\"]" + new string('}', depth - 1);

    private static void AssertSameBytes(byte[] expected, byte[] actual, string what)
    {
        var length = Math.Min(expected.Length, actual.Length);
        var at = expected.AsSpan(0, length).CommonPrefixLength(actual.AsSpan(0, length));
        if (at == length && expected.Length == actual.Length)
        {
            return;
        }

        string Around(byte[] bytes) => Encoding.UTF8.GetString(bytes, Math.Max(0, at - 60), Math.Min(bytes.Length, at + 60) - Math.Max(0, at - 60));
        Assert.Fail($"{what}: the bytes differ at {at} ({expected.Length} expected, {actual.Length} written).\nexpected: {Around(expected)}\nwritten:  {Around(actual)}");
    }

    /// <summary>Accepts writes until the given one, then throws like a closed connection or a full disk.</summary>
    private sealed class FailingStream(int failOnWrite) : Stream
    {
        public const string Message = "The client went away.";
        private int _writes;

        public MemoryStream Received { get; } = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Received.Length;

        public override long Position { get => Received.Length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (++_writes >= failOnWrite)
            {
                throw new IOException(Message);
            }

            Received.Write(buffer);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
