namespace Threadline.Operations.Integrity;

/// <summary>One integrity problem, naming the audit row (kind and id) or the seal it concerns.</summary>
/// <param name="Problem">What is wrong.</param>
/// <param name="Kind">The kind of audit row concerned; <see langword="null"/> for a problem with a seal itself.</param>
/// <param name="Id">The audit row's id; <see langword="null"/> for a problem with a seal itself.</param>
/// <param name="SealId">The seal that covers the row, or the broken seal.</param>
/// <param name="Detail">The problem in words.</param>
public sealed record IntegrityFinding(IntegrityProblem Problem, AuditRowKind? Kind, long? Id, long? SealId, string Detail);
