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
}
