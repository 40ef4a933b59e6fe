namespace Threadline.Query;

/// <summary>Why a query was refused before any SQL ran.</summary>
public enum AuditQueryError
{
    /// <summary>A parameter is unknown, repeated or cannot be parsed (HTTP 400).</summary>
    Malformed,

    /// <summary>Every parameter parses, but together they make no sense, e.g. from after to (HTTP 422).</summary>
    Invalid,
}

/// <summary>A query filter, cursor or option was refused; <see cref="Parameter"/> names the culprit.</summary>
/// <param name="error">Malformed or invalid.</param>
/// <param name="parameter">The parameter at fault.</param>
/// <param name="message">What is wrong with it and what is accepted.</param>
public sealed class AuditQueryException(AuditQueryError error, string parameter, string message) : Exception(message)
{
    /// <summary>Whether a parameter was malformed (HTTP 400) or the combination is invalid (HTTP 422).</summary>
    public AuditQueryError Error { get; } = error;

    /// <summary>The name of the parameter at fault, as the caller wrote it.</summary>
    public string Parameter { get; } = parameter;
}
