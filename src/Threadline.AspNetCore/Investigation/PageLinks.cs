namespace Threadline.AspNetCore.Investigation;

/// <summary>Links of a page of changes.</summary>
/// <param name="Next">The path and query of the next page; null on the last page.</param>
public sealed record PageLinks(string? Next);
