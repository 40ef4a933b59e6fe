using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Threadline.Query.Export;

namespace Threadline.UnitTests.Export;

/// <summary>
/// The export-only writers against what the exporter wrote before them: <see cref="JsonTokenCopier"/> against
/// <see cref="JsonElement.WriteTo"/> of a parsed document, <see cref="CsvExportWriter.WriteField"/> against the
/// string-based RFC 4180 field, for hostile values and for thousands of generated ones. The end-to-end bytes from
/// real PostgreSQL are compared in the integration tests (ExportBytesTests).
/// </summary>
public sealed class ExportWriterTests
{
    /// <summary>Characters that make escaping and quoting differ: controls, quotes, HTML-sensitive, non-ASCII, astral.</summary>
    private static readonly string[] HostilePieces =
    [
        "a", "Z", "0", " ", ",", "\"", "\\", "/", "\r", "\n", "\r\n", "\t", "\b", "\f", "\u0001", "\u001f", "\u007f", "\u0080",
        "\u009f", "<", ">", "&", "'", "+", "`", "é", "ß", "日本", "\u2028", "\u2029", "\u200b", "\ufeff", "\uffff", "🎉", "𝄞", "e\u0301",
        "\u202e", "%", "{", "}", "[", "]", ":",
    ];

    public static TheoryData<string> HostileJson() =>
    [
        """{"k,\"\n": 1, "é": "ü", "": null, "<&>": "+'`", "\\": "\/", "\u0001": "\u001f\t"}""",
        """[1, -0, 0.0001, -1.5e-7, 1E+300, 123456789012345678901234567890.123456789, 3.0, true, false, null, [], {}]""",
        """{"emoji": "\ud83c\udf89", "bom": "\ufeff", "lineSep": "\u2028", "bell": "a\u0007b", "clef": "\uD834\uDD1E", "raw": "🎉 日本"}""",
        """{"id": 1, "name": "line \"1\", with comma\nand newline", "card": "[REDACTED]", "at": "2026-11-30T07:00:00+00:00"}""",
        "null",
        "\"just a string, with \\\"quotes\\\"\"",
        "123.4500",
        "[]",
        "{}",
        """{"a": {"b": [{"c": [[[]]]}, {}, [null]]}, "d": "x"}""",
        "{\"big\": \"" + new string('x', 100_000) + "é\"}",
        Nested(64),
    ];

    [Theory]
    [MemberData(nameof(HostileJson))]
    public void The_token_copy_writes_the_bytes_a_parsed_document_writes(string json) =>
        Assert.Equal(ThroughDocument(json), ThroughCopier(json));

    [Fact]
    public void The_token_copy_matches_the_document_for_generated_values_in_both_layouts()
    {
        var random = new Random(20261130);
        for (var i = 0; i < 3_000; i++)
        {
            var json = RandomJson(random, depth: 0, postgresLayout: i % 2 == 0);
            Assert.True(ThroughDocument(json) == ThroughCopier(json), $"Value {i} differs: {json}");
        }
    }

    [Fact]
    public void The_token_copy_takes_values_deeper_than_a_document_allows()
    {
        var json = Nested(500);

        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(json));
        using var copied = JsonDocument.Parse(ThroughCopier(json), new JsonDocumentOptions { MaxDepth = 1_000 });
        Assert.Equal(Nested(500).Replace(" ", "", StringComparison.Ordinal), copied.RootElement.GetProperty("v").GetRawText().Replace("\\u00E9", "é", StringComparison.Ordinal));
    }

    [Fact]
    public void Malformed_json_is_an_error_not_silently_written()
    {
        foreach (var json in new[] { "{\"a\": ", "{\"a\" 1}", "[1,]", "tru", "{\"a\": 1} trailing" })
        {
            Assert.ThrowsAny<JsonException>(() => ThroughCopier(json));
        }
    }

    [Fact]
    public void A_csv_field_has_the_bytes_of_the_string_based_field()
    {
        var random = new Random(4180);
        var values = HostilePieces.Concat([
            "", "plain", "comma, \"quoted\" and\r\nCRLF", "\"", "\"\"", ",", "\r", "\n", "ends with quote\"", "\"starts", new string('"', 1000),
            "{\"id\": 1, \"note\": \"a,b\"}", new string('x', 70_000) + ",",
        ]).ToList();
        for (var i = 0; i < 3_000; i++)
        {
            values.Add(RandomText(random, random.Next(0, 40)));
        }

        foreach (var value in values)
        {
            using var buffer = new ExportBuffer();
            CsvExportWriter.WriteField(buffer, Encoding.UTF8.GetBytes(value));
            Assert.True(Encoding.UTF8.GetBytes(PreviousCsvField(value)).AsSpan().SequenceEqual(buffer.WrittenMemory.Span), $"Field differs: {value}");
        }
    }

    [Fact]
    public async Task The_buffer_hands_over_whole_blocks_and_grows_for_a_row_larger_than_itself()
    {
        using var buffer = new ExportBuffer();
        using var output = new MemoryStream();
        var row = Encoding.UTF8.GetBytes(new string('r', 1000) + "\n");
        var huge = Encoding.UTF8.GetBytes(new string('h', 300_000) + "\n");

        // 32 rows of 1,001 bytes stay under the 32 KiB threshold; the 33rd crosses it.
        for (var i = 0; i < 32; i++)
        {
            buffer.Write(row);
            await buffer.FlushIfFullAsync(output, CancellationToken.None);
        }

        Assert.Equal(0, output.Length);
        buffer.Write(row);
        await buffer.FlushIfFullAsync(output, CancellationToken.None);
        Assert.Equal(33 * row.Length, output.Length);
        buffer.Write(huge);
        await buffer.FlushAsync(output, CancellationToken.None);

        Assert.Equal(33 * row.Length + huge.Length, output.Length);
        Assert.Equal(0, buffer.WrittenCount);
        Assert.True(output.ToArray().AsSpan(33 * row.Length).SequenceEqual(huge));
    }

    /// <summary>What the exporter wrote for a JSON column before: the document's element, inside a row object.</summary>
    private static string ThroughDocument(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Write(writer => document.RootElement.Clone().WriteTo(writer));
    }

    private static string ThroughCopier(string json) => Write(writer => JsonTokenCopier.Copy(Encoding.UTF8.GetBytes(json), writer));

    private static string Write(Action<Utf8JsonWriter> value)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { MaxDepth = JsonTokenCopier.MaxDepth }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("before", 1);
            writer.WritePropertyName("v");
            value(writer);
            writer.WriteString("after", "x");
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    /// <summary>The exporter's CSV field before the row path (AuditExporter.CsvField at fd38e92).</summary>
    private static string PreviousCsvField(string? value) =>
        value is null ? "" : value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Nested(int depth) =>
        string.Concat(Enumerable.Repeat("{\"a\": ", depth - 1)) + "[1, \"é\"]" + new string('}', depth - 1);

    /// <summary>A random JSON value; <paramref name="postgresLayout"/> spaces it the way jsonb::text does.</summary>
    private static string RandomJson(Random random, int depth, bool postgresLayout)
    {
        var (colon, comma) = postgresLayout ? (": ", ", ") : (":", ",");
        switch (depth < 5 ? random.Next(8) : random.Next(4, 8))
        {
            case 0:
            case 1:
                var members = Enumerable.Range(0, random.Next(0, 5))
                    .Select(_ => JsonString(RandomText(random, random.Next(0, 8))) + colon + RandomJson(random, depth + 1, postgresLayout));
                return "{" + string.Join(comma, members) + "}";
            case 2:
            case 3:
                return "[" + string.Join(comma, Enumerable.Range(0, random.Next(0, 5)).Select(_ => RandomJson(random, depth + 1, postgresLayout))) + "]";
            case 4:
            case 5:
                return JsonString(RandomText(random, random.Next(0, 12)));
            case 6:
                return random.Next(6) switch
                {
                    0 => random.NextInt64(long.MinValue, long.MaxValue).ToString(CultureInfo.InvariantCulture),
                    1 => (random.NextDouble() * 1e6 - 5e5).ToString("R", CultureInfo.InvariantCulture),
                    2 => "1.50000",
                    3 => "-0.000001",
                    4 => "98765432109876543210987654321",
                    _ => "2E-5",
                };
            default:
                return random.Next(3) switch { 0 => "true", 1 => "false", _ => "null" };
        }
    }

    private static string RandomText(Random random, int pieces) =>
        string.Concat(Enumerable.Range(0, pieces).Select(_ => HostilePieces[random.Next(HostilePieces.Length)]));

    /// <summary>A JSON string literal escaped the way PostgreSQL's jsonb output escapes: only quote, backslash and controls.</summary>
    private static string JsonString(string value)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in value)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\b' => "\\b",
                '\f' => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }
}
