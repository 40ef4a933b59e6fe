namespace Threadline;

/// <summary>An actor or audit context was missing or malformed. Raised before anything reaches the database.</summary>
public sealed class AuditContextException : ArgumentException
{
    /// <summary>Creates the exception with a message that says which value was wrong and why.</summary>
    /// <param name="message">The reason, naming the field.</param>
    public AuditContextException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception for a value that failed to parse, keeping the parser's error.</summary>
    /// <param name="message">The reason, naming the field.</param>
    /// <param name="innerException">The parser's error, for example a <see cref="System.Text.Json.JsonException"/>.</param>
    public AuditContextException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
