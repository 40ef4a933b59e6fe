namespace Threadline.EntityFrameworkCore;

/// <summary>Cheap classification of command text: only commands that may write get the context prefix.</summary>
internal static class SqlStatementKind
{
    private static readonly string[] ReadOnlyOrControl =
        ["SELECT", "SHOW", "EXPLAIN", "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET", "RESET", "DISCARD", "VALUES"];

    public static bool MayWrite(string? commandText)
    {
        if (string.IsNullOrEmpty(commandText))
        {
            return false;
        }

        var span = SkipWhitespaceAndComments(commandText.AsSpan());
        var length = 0;
        while (length < span.Length && char.IsAsciiLetter(span[length]))
        {
            length++;
        }

        if (length == 0)
        {
            return true;
        }

        var keyword = span[..length];
        foreach (var candidate in ReadOnlyOrControl)
        {
            if (keyword.Equals(candidate, StringComparison.OrdinalIgnoreCase))
            {
                // A multi-statement command that starts with SELECT may still write later on; EF's SaveChanges never does that.
                return commandText.Contains(';', StringComparison.Ordinal) && !keyword.Equals("SET", StringComparison.OrdinalIgnoreCase) && ContainsWriteKeyword(commandText);
            }
        }

        return true;
    }

    private static bool ContainsWriteKeyword(string text) =>
        text.Contains("INSERT", StringComparison.OrdinalIgnoreCase) ||
        text.Contains("UPDATE", StringComparison.OrdinalIgnoreCase) ||
        text.Contains("DELETE", StringComparison.OrdinalIgnoreCase) ||
        text.Contains("TRUNCATE", StringComparison.OrdinalIgnoreCase) ||
        text.Contains("MERGE", StringComparison.OrdinalIgnoreCase);

    private static ReadOnlySpan<char> SkipWhitespaceAndComments(ReadOnlySpan<char> text)
    {
        while (true)
        {
            text = text.TrimStart();
            if (text.StartsWith("--"))
            {
                var end = text.IndexOf('\n');
                text = end < 0 ? [] : text[(end + 1)..];
            }
            else if (text.StartsWith("/*"))
            {
                var end = text.IndexOf("*/");
                text = end < 0 ? [] : text[(end + 2)..];
            }
            else
            {
                return text;
            }
        }
    }
}
