using System.Text;

namespace Threadline.IntegrationTests.Hostile;

/// <summary>Hostile strings: injection, traversal, encoding tricks, and seeded random text from awkward corners of Unicode.</summary>
public static class Payloads
{
    /// <summary>Fixed strings, each aimed at a known weakness; none of them is a value any real audit row carries.</summary>
    public static IReadOnlyList<string> Fixed { get; } =
    [
        "' OR '1'='1",
        "' OR 1=1 --",
        "1 OR 1=1",
        "'; DROP TABLE threadline.changes; --",
        "\"; DELETE FROM threadline.transactions; --",
        "1); SELECT pg_sleep(10); --",
        "' UNION SELECT id, actor_id FROM threadline.transactions --",
        "$1",
        "$$;SELECT 1;$$",
        "\\x27 OR \\x27\\x27=\\x27",
        "%' OR '%'='",
        "admin'--",
        "' || (SELECT current_user) || '",
        "'::jsonb || '{\"id\":1}",
        "${jndi:ldap://127.0.0.1/a}",
        "{{7*7}}",
        "<script>alert(1)</script>",
        "../../../../etc/passwd",
        "..\\..\\..\\windows\\win.ini",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "\0",
        "a\0b",
        "\u0001\u001f\u007f\u0085",
        "line\r\nX-Injected: 1",
        "\u202Eevil\u202C",
        "👩‍💻🔥",
        "\uFEFFbom",
        new string('A', 300),
        new string('é', 5000),
        "99999999999999999999999",
        "-1",
        "0",
        "NaN",
        "null",
        "{\"id\":-1}",
        "[]",
        " ",
    ];

    /// <summary>
    /// Row keys that are well-formed JSON but hold what PostgreSQL's jsonb cannot: NUL, unpaired surrogates, numbers far
    /// beyond numeric's range.
    /// </summary>
    public static IReadOnlyList<string> UnstorableKeys { get; } =
    [
        "{\"id\":\"\\u0000\"}",
        "{\"\\u0000\":1}",
        "{\"id\":\"a\\u0000b\"}",
        "{\"id\":\"\\ud800\"}",
        "{\"\\udc00x\":1}",
        "{\"id\":\"\\udc00\\ud800\"}",
        "{\"id\":1e999999}",
        "{\"id\":-1e-999999}",
        "{\"id\":1" + new string('0', 3000) + "}",
        "{\"id\":1,\"x\":\"\\u0000\"}",
    ];

    /// <summary>Seeded random strings mixing ASCII, controls, NUL, quotes, multi-byte letters, emoji, bidi and zero-width marks.</summary>
    public static string Random(Random random, int maxLength = 40)
    {
        string[] pieces =
        [
            "a", "Z", "7", " ", "'", "\"", "\\", ";", "--", "%", "_", "/", "..", "?", "&", "=", "#", "+", "{", "}", "[", "]",
            "\0", "\u0001", "\t", "\n", "\r", "\u007f", "\u0085", "é", "ß", "ж", "中", "ﷺ", "😀", "👩‍💻", "\u202E", "\u200B", "\uFEFF",
            "\u0301", "\u00A0", "\u2028", "SELECT", "DROP", "$1", "::", "\\u0000",
        ];
        var length = random.Next(1, maxLength);
        var text = new StringBuilder();
        while (text.Length < length)
        {
            text.Append(pieces[random.Next(pieces.Length)]);
        }

        return text.ToString();
    }

    /// <summary>
    /// Writes a JSON string literal escaping everything outside printable ASCII as \uXXXX, so lone surrogates and NUL
    /// reach the server exactly as chosen.
    /// </summary>
    public static string JsonString(string value)
    {
        var json = new StringBuilder("\"");
        foreach (var c in value)
        {
            json.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                >= ' ' and <= '~' => c.ToString(),
                _ => $"\\u{(int)c:x4}",
            });
        }

        return json.Append('"').ToString();
    }

    /// <summary>Percent-encodes for a query value or path segment; lone surrogates (which have no UTF-8) become raw invalid bytes.</summary>
    public static string Escape(string value)
    {
        var encoded = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])))
            {
                encoded.Append("%ED%A0%80");
                continue;
            }

            var length = char.IsHighSurrogate(c) ? 2 : 1;
            encoded.Append(Uri.EscapeDataString(value.Substring(i, length)));
            i += length - 1;
        }

        return encoded.ToString();
    }
}
