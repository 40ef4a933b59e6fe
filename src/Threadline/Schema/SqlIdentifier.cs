using System.Text;

namespace Threadline.Schema;

/// <summary>Quoting and validation of PostgreSQL identifiers and literals used in generated DDL.</summary>
public static class SqlIdentifier
{
    /// <summary>PostgreSQL's NAMEDATALEN - 1: longer identifiers are silently truncated by the server, so refuse them.</summary>
    public const int MaxBytes = 63;

    public static string Quote(string identifier)
    {
        Validate(identifier);
        return "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    public static string Qualified(string schema, string name) => Quote(schema) + "." + Quote(name);

    public static void Validate(string identifier, string what = "identifier")
    {
        if (string.IsNullOrEmpty(identifier))
        {
            throw new ArgumentException($"The {what} is empty.");
        }

        if (Encoding.UTF8.GetByteCount(identifier) > MaxBytes)
        {
            throw new ArgumentException($"The {what} \"{identifier}\" is longer than {MaxBytes} bytes.");
        }

        if (identifier.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The {what} contains a NUL character.");
        }
    }

    /// <summary>A standard-conforming SQL string literal.</summary>
    public static string Literal(string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A SQL literal cannot contain a NUL character.");
        }

        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>A text[] literal, e.g. <c>ARRAY['a','b']::text[]</c>.</summary>
    public static string TextArray(IEnumerable<string> values)
    {
        var items = values.Select(Literal).ToArray();
        return items.Length == 0 ? "ARRAY[]::text[]" : "ARRAY[" + string.Join(", ", items) + "]::text[]";
    }
}
