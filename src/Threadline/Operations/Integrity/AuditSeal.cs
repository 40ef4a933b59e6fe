namespace Threadline.Operations.Integrity;

/// <summary>One seal: the rows that became visible since the previous seal, and the chained hash over them.</summary>
/// <param name="Hash">The chained SHA-256, lower-case hex.</param>
public sealed record AuditSeal(
    long Id,
    long? PreviousId,
    DateTimeOffset SealedAt,
    string SealedBy,
    long Transactions,
    long Changes,
    long PurgeEntries,
    string Hash);
