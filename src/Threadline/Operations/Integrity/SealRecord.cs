namespace Threadline.Operations.Integrity;

/// <summary>A stored seal as the verifier reads it: what it claims, and whether its own hash recomputes.</summary>
internal sealed record SealRecord(AuditSeal Seal, string Snapshot, string? PredecessorSnapshot, bool PredecessorFound, bool Recomputes);
