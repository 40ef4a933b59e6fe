namespace Threadline.Operations.Integrity;

/// <summary>What <see cref="IntegrityVerifier"/> found; <see cref="Intact"/> is what a gate should use.</summary>
/// <param name="Seals">How many seals the chain has.</param>
/// <param name="LatestSeal">The newest seal; <see langword="null"/> when nothing was ever sealed.</param>
/// <param name="RowsVerified">Sealed rows recomputed and compared.</param>
/// <param name="PurgedRows">Sealed rows that are gone and accounted for by the purge log.</param>
/// <param name="UnsealedRows">Rows committed after the latest seal: covered by the next one, not verified yet.</param>
/// <param name="AnchorChecked">Whether an exported anchor was compared with the chain.</param>
/// <param name="Findings">The problems found (long lists are capped); empty when intact.</param>
/// <param name="Duration">How long the verification took.</param>
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
