namespace Threadline;

/// <summary>An actor or audit context was missing or malformed. Raised before anything reaches the database.</summary>
public sealed class AuditContextException : ArgumentException
{
    public AuditContextException(string message)
        : base(message)
    {
    }

    public AuditContextException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
