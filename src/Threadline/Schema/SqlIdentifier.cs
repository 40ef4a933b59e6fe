using System.Text;

namespace Threadline.Schema;

/// <summary>Quoting and validation of PostgreSQL identifiers and literals used in generated DDL.</summary>
public static class SqlIdentifier
{
    /// <summary>PostgreSQL's NAMEDATALEN - 1: longer identifiers are silently truncated by the server, so refuse them.</summary>
    public const int MaxBytes = 63;

    /// <summary>Quotes an identifier for generated SQL (<c>orders</c> becomes <c>"orders"</c>, embedded quotes doubled), after <see cref="Validate"/>.</summary>
    /// <param name="identifier">The name exactly as in the catalog (case-sensitive).</param>
    /// <returns>The quoted identifier.</returns>
    /// <exception cref="ArgumentException">The identifier is empty, longer than <see cref="MaxBytes"/> bytes, or contains NUL.</exception>
    public static string Quote(string identifier)
    {
        Validate(identifier);
        return "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>A quoted schema-qualified name, <c>"schema"."name"</c>.</summary>
    /// <param name="schema">The schema's name.</param>
    /// <param name="name">The object's name.</param>
    /// <returns>The qualified name.</returns>
    /// <exception cref="ArgumentException">Either part is not a valid identifier.</exception>
    public static string Qualified(string schema, string name) => Quote(schema) + "." + Quote(name);

    /// <summary>
    /// Refuses an identifier PostgreSQL would not keep as given: empty, containing NUL, or longer than
    /// <see cref="MaxBytes"/> bytes in UTF-8 (which the server would silently truncate).
    /// </summary>
    /// <param name="identifier">The name to check.</param>
    /// <param name="what">What the name is, for the message (for example <c>schema</c>).</param>
    /// <exception cref="ArgumentException">The identifier is not valid; the message says why.</exception>
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
