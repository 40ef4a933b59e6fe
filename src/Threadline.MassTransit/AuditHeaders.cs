namespace Threadline.MassTransit;

/// <summary>Message headers that carry the audit context from the publisher to the consumer.</summary>
public static class AuditHeaders
{
    public const string Actor = "Threadline-Actor";
    public const string OnBehalfOf = "Threadline-On-Behalf-Of";
    public const string RequestId = "Threadline-Request-Id";
    public const string CorrelationId = "Threadline-Correlation-Id";
}
