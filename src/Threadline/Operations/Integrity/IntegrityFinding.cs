namespace Threadline.Operations.Integrity;

/// <summary>One integrity problem, naming the audit row (kind and id) or the seal it concerns.</summary>
public sealed record IntegrityFinding(IntegrityProblem Problem, AuditRowKind? Kind, long? Id, long? SealId, string Detail);
