namespace Threadline.Operations.Integrity;

/// <summary>What <see cref="IntegrityVerifier"/> found; <see cref="Intact"/> is what a gate should use.</summary>
/// <param name="RowsVerified">Sealed rows recomputed and compared.</param>
/// <param name="PurgedRows">Sealed rows that are gone and accounted for by the purge log.</param>
/// <param name="UnsealedRows">Rows committed after the latest seal: covered by the next one, not verified yet.</param>
public sealed record IntegrityReport(
    int Seals,
    AuditSeal? LatestSeal,
    long RowsVerified,
    long PurgedRows,
    long UnsealedRows,
    bool AnchorChecked,
    IReadOnlyList<IntegrityFinding> Findings,
    TimeSpan Duration)
{
    /// <summary>At least one seal, and nothing changed, deleted or inserted since it was written.</summary>
    public bool Intact => Seals > 0 && Findings.Count == 0;
}
