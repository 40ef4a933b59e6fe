namespace Threadline.AspNetCore.Investigation;

/// <summary>The answer of an export with <c>dryRun=true</c>: how many rows match, and whether the export would stop short.</summary>
/// <param name="MatchingRows">Rows matching the filter.</param>
/// <param name="MaxRows">The export's row limit.</param>
/// <param name="WouldTruncate">True when more rows match than the export would write.</param>
public sealed record ExportDryRunResponse(long MatchingRows, int MaxRows, bool WouldTruncate);
