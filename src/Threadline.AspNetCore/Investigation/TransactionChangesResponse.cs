using Threadline.Query;

namespace Threadline.AspNetCore.Investigation;

/// <summary>The answer of <c>GET /api/v1/audit/transactions/{id}</c>.</summary>
/// <param name="Transaction">The audited transaction and its context (actor, request, job, trace).</param>
/// <param name="Changes">Every change the transaction recorded.</param>
/// <param name="TraceUrl">A link to the transaction's trace (see <see cref="ThreadlineInvestigationOptions.TraceUrl"/>); null when unknown.</param>
public sealed record TransactionChangesResponse(AuditTransaction Transaction, IReadOnlyList<AuditChange> Changes, string? TraceUrl);
