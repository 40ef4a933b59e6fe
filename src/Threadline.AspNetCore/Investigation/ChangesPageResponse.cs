using Threadline.Query;

namespace Threadline.AspNetCore.Investigation;

/// <summary>One page of changes, with the cursor and link of the next page.</summary>
/// <param name="Items">The changes of this page.</param>
/// <param name="NextCursor">The opaque cursor of the next page; null on the last page.</param>
/// <param name="Links">The link of the next page.</param>
public sealed record ChangesPageResponse(IReadOnlyList<AuditEntry> Items, string? NextCursor, PageLinks Links);
