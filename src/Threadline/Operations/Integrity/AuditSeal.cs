namespace Threadline.Operations.Integrity;

/// <summary>One seal: the rows that became visible since the previous seal, and the chained hash over them.</summary>
/// <param name="Id">The seal's id, increasing along the chain.</param>
/// <param name="PreviousId">The seal this one chains to; <see langword="null"/> for the first seal.</param>
/// <param name="SealedAt">When the seal was written.</param>
/// <param name="SealedBy">The session user (login role) that wrote it.</param>
/// <param name="Transactions">Transaction rows that became visible since the previous seal and are covered by this one.</param>
/// <param name="Changes">Change rows covered by this seal.</param>
/// <param name="PurgeEntries">Purge-log rows covered by this seal.</param>
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
