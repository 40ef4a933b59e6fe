using Threadline.Query;

namespace Threadline.AspNetCore.Investigation;

/// <summary>The answer of <c>GET /api/v1/audit/actions/{id}</c>.</summary>
/// <param name="Action">The semantic action.</param>
/// <param name="Changes">The changes of the action's transaction, a page at a time.</param>
public sealed record ActionResponse(AuditAction Action, ChangesPageResponse Changes);
