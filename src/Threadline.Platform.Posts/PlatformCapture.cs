using Microsoft.Extensions.Configuration;
using Threadline.Capture;

namespace Threadline.Platform.Posts;

/// <summary>
/// The platform's captured tables, read from configuration (the schema manager's appsettings.json). One reader, so the
/// schema manager and the integration tests' database fixture capture exactly the same tables.
/// </summary>
public static class PlatformCapture
{
    public const string TablesSection = "Threadline:Capture:Tables";

    public static IReadOnlyList<TableCaptureOptions> FromConfiguration(IConfiguration configuration)
    {
        var tables = configuration.GetSection(TablesSection).Get<List<TableCaptureSettings>>()
            ?? throw new InvalidOperationException($"{TablesSection} is missing: list the tables to capture in appsettings.json.");
        return tables.Select(t => t.ToOptions()).ToList();
    }

    /// <summary>
    /// The configured tables, refused when one the platform requires is left out: capture is applied with
    /// disableUnlisted, so leaving posts out would switch off the capture its migration enabled.
    /// </summary>
    public static IReadOnlyList<TableCaptureOptions> RequireMandatoryTables(IEnumerable<TableCaptureOptions> configured)
    {
        ArgumentNullException.ThrowIfNull(configured);
        var tables = configured.ToList();
        var missing = PlatformTables.MustBeCaptured.Except(tables.Select(t => $"{t.Schema}.{t.Table}"), StringComparer.Ordinal).ToList();
        return missing.Count == 0
            ? tables
            : throw new InvalidOperationException(
                $"{TablesSection} leaves out {string.Join(", ", missing)}, which the platform must never write without capture; list it " +
                "(adjusting its options there is fine). Capture is applied with disableUnlisted, so leaving it out would disable it.");
    }
}
